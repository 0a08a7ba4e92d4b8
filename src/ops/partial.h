// Partial: the result of a query over part of a dataset — groups with counts and
// aggregate cells, plus row statistics. Merge is associative and commutative, so
// the final answer is the same for any split of the work and any merge order.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ops/group_memory.h"
#include "ops/group_table.h"

namespace fanout::ops {

// One aggregate of one group. Sums are exact where the inputs allow (see
// core/number.h); min/max/n serve every kind, so merging needs no kind switch.
struct AggCell {
  __int128 exact = 0;   // sum of plain decimals, in 1e-9 units
  double inexact = 0;   // sum of values that were not plain decimals
  uint64_t n = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  // Adds one value; `scaled` is its exact fixed-point form, or null.
  void Add(double value, const __int128* scaled) {
    if (scaled != nullptr) {
      exact += *scaled;
    } else {
      inexact += value;
    }
    ++n;
    min = value < min ? value : min;
    max = value > max ? value : max;
  }
  void Merge(const AggCell& o);
  double Sum() const;
};

struct RowStats {
  uint64_t rows = 0;                        // data rows seen (header, blank lines excluded)
  std::map<std::string, uint64_t> skipped;  // reason -> rows skipped for it

  uint64_t skipped_total() const;
  void Merge(const RowStats& o);
};

class Partial {
 public:
  explicit Partial(size_t num_aggs = 0) : num_aggs_(num_aggs) {}

  size_t num_aggs() const { return num_aggs_; }
  size_t num_groups() const { return counts_.size(); }

  static constexpr uint32_t kNoGroup = UINT32_MAX;

  // Returns the id of the group with this encoded key, creating it if new.
  uint32_t Group(std::string_view key, uint64_t hash);
  uint32_t Group(std::string_view key) { return Group(key, GroupTable::Hash(key)); }
  // The same, but a key that is new while the process's group tables are over
  // their memory limit (ops/group_memory.h) gets kNoGroup: GroupMemoryError().
  uint32_t TryGroup(std::string_view key, uint64_t hash);
  std::string_view key(uint32_t g) const { return table_.key(g); }
  // Hints that group g is read soon (out of order): PrefetchGroup a few rows
  // ahead, then PrefetchKey closer (it reads the offset PrefetchGroup fetched).
  void PrefetchGroup(uint32_t g) const {
    table_.PrefetchOffset(g);
    __builtin_prefetch(counts_.data() + g);
    if (num_aggs_ > 0) __builtin_prefetch(cells_.data() + g * num_aggs_);
  }
  void PrefetchKey(uint32_t g) const { table_.PrefetchKey(g); }
  uint64_t& count(uint32_t g) { return counts_[g]; }
  uint64_t count(uint32_t g) const { return counts_[g]; }
  AggCell& cell(uint32_t g, size_t a) { return cells_[g * num_aggs_ + a]; }
  const AggCell& cell(uint32_t g, size_t a) const { return cells_[g * num_aggs_ + a]; }

  RowStats& stats() { return stats_; }
  const RowStats& stats() const { return stats_; }

  // Adds `o` into this partial. Both must come from the same query. Fails
  // (GroupMemoryError, with this partial partly merged) when the groups pass the
  // memory limit. The rvalue form reuses o's table when it is the bigger one
  // (group ids then change) and leaves `o` empty.
  Status Merge(const Partial& o);
  Status Merge(Partial&& o);

  // Frees the group lookup index of a partial that is only read from now on
  // (its keys stay); a later Group builds it again.
  void ReleaseIndex();

  // A versioned binary encoding (see docs/partial-format.md).
  std::string Serialize() const;
  // Decodes Serialize's output; Corrupt on any malformed or truncated input.
  static Result<Partial> Deserialize(std::string_view bytes);

 private:
  size_t HeapBytes() const;

  size_t num_aggs_;
  GroupTable table_;
  GroupVector<uint64_t> counts_;
  GroupVector<AggCell> cells_;
  RowStats stats_;
  GroupMemoryCharge charge_;  // the bytes above, on the process's meter
};

}  // namespace fanout::ops
