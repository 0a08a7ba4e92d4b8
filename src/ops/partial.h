// Partial: the result of a query over part of a dataset — groups with counts and
// aggregate cells, plus row statistics. Merge is associative and commutative, so
// the final answer is the same for any split of the work and any merge order.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.h"
#include "core/exact_sum.h"
#include "core/number.h"
#include "core/status.h"
#include "ops/group_memory.h"
#include "ops/group_table.h"
#include "ops/query.h"

namespace fanout::ops {

// The values of a cell that are not plain decimals (core/number.h), and the
// plain sum's overflow: their exact sum and (when there are such values) their
// extremes.
struct WideCell {
  ExactSum sum;
  bool has_extremes = false;
  Decimal min, max;
};

// One aggregate of one group, exact whatever the values: plain decimals (the
// common case) are summed and compared as 128-bit integers of 1e-9 units; other
// numbers (exponents, more fraction digits, huge values) and a plain sum that
// would overflow go to `wide`. min/max/n serve every kind, so merging needs no
// kind switch.
struct AggCell {
  // No plain value yet: min is INT128_MAX and max INT128_MIN (no plain value
  // comes near them: they stay below 10^36).
  static constexpr __int128 kNoMin = static_cast<__int128>(~static_cast<unsigned __int128>(0) >> 1);
  static constexpr __int128 kNoMax = -kNoMin - 1;

  __int128 exact = 0;     // sum of the plain values, in 1e-9 units
  __int128 min = kNoMin;  // extremes of the plain values
  __int128 max = kNoMax;
  uint64_t n = 0;         // values added, plain or not
  std::unique_ptr<WideCell> wide;

  AggCell() = default;
  AggCell(const AggCell& o) { *this = o; }
  AggCell& operator=(const AggCell& o);
  AggCell(AggCell&&) noexcept = default;
  AggCell& operator=(AggCell&&) noexcept = default;

  // Adds one plain value (1e-9 units, as ParseNumber gives it).
  void AddPlain(__int128 units) {
    __int128 sum;
    if (__builtin_add_overflow(exact, units, &sum)) [[unlikely]] {
      SpillExact();
      sum = units;
    }
    exact = sum;
    ++n;
    // Branches, not selects: after the first rows a new extreme is rare, and a
    // not-taken branch costs less than moving two 128-bit words every time.
    if (units < min) [[unlikely]] min = units;
    if (units > max) [[unlikely]] max = units;
  }
  // Adds the plain value `units` `times` times.
  void AddPlainTimes(__int128 units, uint64_t times) {
    __int128 product, sum;
    if (__builtin_mul_overflow(units, static_cast<__int128>(times), &product) ||
        __builtin_add_overflow(exact, product, &sum)) [[unlikely]] {
      for (uint64_t i = 0; i < times; ++i) AddPlain(units);
      return;
    }
    if (times == 0) return;
    exact = sum;
    n += times;
    if (units < min) min = units;
    if (units > max) max = units;
  }
  // Adds one value that is not plain.
  void AddWide(const Decimal& d);
  void Merge(const AggCell& o);

  // The exact sum, mean (the exact sum over n, rounded once to a double; n > 0),
  // and extremes (n > 0) of the values added.
  Decimal Sum() const;
  double Mean() const;
  Decimal Min() const;
  Decimal Max() const;

 private:
  WideCell& Wide();
  void SpillExact();  // moves `exact` into the wide sum
};


// The sample standard deviation (SQL's stddev_samp) of the values whose sum and
// count `values` holds and the sum of whose squares `squares` holds (a kStddev
// cell and its kSquares cell): sqrt((n Σx² - (Σx)²) / n / (n - 1)), the
// numerator exact, so that it does not depend on the split. NaN when n < 2.
double StddevOf(const AggCell& values, const AggCell& squares);

struct RowStats {
  uint64_t rows = 0;                        // data rows seen (header, blank lines excluded)
  std::map<std::string, uint64_t> skipped;  // reason -> rows skipped for it
  // Row groups of columnar objects met, and those not read because their
  // statistics showed that no row could pass the filters (Sink::OnRowGroup).
  uint64_t row_groups = 0, row_groups_skipped = 0;

  uint64_t skipped_total() const;
  void Merge(const RowStats& o);
};

// RowStats in a task's output from a worker (select, top): the rows, then each
// skip reason with its count. Decoding checks what a worker cannot be trusted
// with: a reason twice, counts that overflow, more rows skipped than read.
void EncodeRowStats(const RowStats& s, Encoder* e);
Result<RowStats> DecodeRowStats(Decoder* d);

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
  // Decodes Serialize's output; Corrupt on any malformed or truncated input
  // (the cells' invariants included, so that arithmetic on them stays exact).
  static Result<Partial> Deserialize(std::string_view bytes);

  // Checks that a decoded partial can be a result of `query`, as a coordinator
  // must before merging what a worker sent: as many aggregates as the query,
  // every key of as many fields as it has keys, every group's count positive
  // and equal to each of its cells' n, and the counted plus skipped rows no
  // more than the rows read (none overflowing). Corrupt, naming the problem.
  Status Check(const Query& query) const;

 private:
  size_t HeapBytes() const;

  size_t num_aggs_;
  GroupTable table_;
  GroupVector<uint64_t> counts_;
  GroupVector<AggCell> cells_;
  RowStats stats_;
  GroupMemoryCharge charge_;  // the bytes above, on the process's meter
};

// Aggregates of the distinct values v of a column per group: `grouped` is
// grouped by the keys and then v (its groups' keys have `keys` fields, v the
// last); the result is grouped by the keys alone, each group's count and cells
// the merge of its v groups', and one more cell after them per `extras` entry:
// - kCountDistinct: its sum (exact) is the number of its v groups with a
//   non-empty v (SQL's count(DISTINCT v) leaves NULL out), its n the count;
// - kPercentile: SQL's percentile_disc(percent / 100) of the numeric v (others
//   and NULL left out): the least value whose cumulative share of the values
//   reaches the fraction, added once to the cell (none: n is 0).
Partial FoldDistinct(const Partial& grouped, size_t keys, const std::vector<AggSpec>& extras);

// The first way `got` differs from `reference` as an answer (rows read,
// skipped rows, a group's count or an aggregate's values), in words naming the
// group; empty when they give the same answer. Group order does not matter.
std::string Difference(const Partial& reference, const Partial& got);

}  // namespace fanout::ops
