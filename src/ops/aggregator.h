// Aggregator: the row sink that applies a Query to rows and fills a Partial.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/number.h"
#include "csv/field_picker.h"
#include "csv/reader.h"
#include "ops/partial.h"
#include "ops/query.h"
#include "ops/sink.h"
#include "ops/small_key_map.h"

namespace fanout::ops {

// A row that had to be skipped, kept so that --strict can name it.
struct SkippedRow {
  uint64_t offset = 0;  // content offset of the row
  std::string reason;
};

// Counts skipped rows by reason and remembers the first; shared by the sinks.
class SkipTracker {
 public:
  SkipTracker(RowStats* stats, bool strict) : stats_(stats), strict_(strict) {}
  // Records the skip; returns an error (stopping the read) under --strict.
  Status SkipAt(uint64_t offset, const std::string& reason);
  const SkippedRow* first() const { return has_first_ ? &first_ : nullptr; }

 private:
  RowStats* stats_;
  bool strict_;
  bool has_first_ = false;
  SkippedRow first_;
};

// A query's --where over one sink's rows (shared by the sinks): the filters'
// fields by the sink's picker slots and their skip reasons, made once.
class RowFilter {
 public:
  RowFilter(const Query& query, const ResolvedQuery& resolved, const csv::FieldPicker& picker)
      : query_(query) {
    for (int i : resolved.filters) slots_.push_back(picker.SlotOf(i));
    for (const Filter& f : query.filters) reasons_.push_back(f.SkipReason());
  }

  // The verdict on one data row's fields (by picker slot) at `at`: OK with
  // *keep, or the status of the skip `skips` records (an error under --strict).
  template <bool kStored>
  [[gnu::always_inline]] Status Apply(const std::string_view* fields, uint64_t at, SkipTracker* skips, bool* keep) {
    *keep = true;
    if (query_.filters.empty()) return Status::OK();
    size_t unknown = 0;
    FilterResult r = TestWhere(
        query_.filters, query_.where,
        [&](size_t i) { return FieldValue<kStored>(fields[slots_[i]], &scratch_); }, &number_, &unknown);
    if (r == FilterResult::kYes) return Status::OK();
    *keep = false;
    return r == FilterResult::kNo ? Status::OK() : skips->SkipAt(at, reasons_[unknown]);
  }
  const std::vector<size_t>& slots() const { return slots_; }

 private:
  const Query& query_;
  std::vector<size_t> slots_;         // per filter
  std::vector<std::string> reasons_;  // per filter: why a row it finds no number in is skipped
  std::string scratch_;               // unquoting
  Decimal number_;                    // a field, when it is not plain
};

class Aggregator final : public Sink {
 public:
  // `out` must outlive the aggregator. Rows at `header_offset` are the header and
  // are not data (pass UINT64_MAX when the object has none). With `strict`, the
  // first skipped row stops the read with an error; first_skipped() says which.
  Aggregator(const Query& query, const ResolvedQuery& resolved, Partial* out,
             uint64_t header_offset, bool strict);

  Status OnRow(const csv::Row& row) override;
  // Counts the row as seen and skipped (kUnterminatedQuote).
  Status OnUnterminatedRow(uint64_t offset, const std::string& object) override;
  const std::vector<int>& Fields() const override { return picker_.wanted(); }
  Status OnBatch(const ColumnBatch& batch) override;
  Status OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) override;

  const SkippedRow* first_skipped() const { return skips_.first(); }

 private:
  // One data row's fields, by picker slot, at position `at`: as stored in a CSV
  // row (kStored: quoted fields keep their quotes) or as values (a batch's).
  template <bool kStored>
  Status Accept(const std::string_view* fields, uint64_t at);
  // The row's group, created if new; kNoGroup past the memory limit.
  template <bool kStored>
  uint32_t GroupOf(const std::string_view* fields);
  // A batch whose key (at most one) and aggregate inputs are all dictionary
  // codes, and no filter: each distinct value is parsed and grouped once.
  bool CanUseCodes(const ColumnBatch& batch) const;
  Status OnCodedBatch(const ColumnBatch& batch);

  const Query& query_;
  const ResolvedQuery& resolved_;
  Partial* out_;
  uint64_t header_offset_;
  SkipTracker skips_;
  bool strict_;
  csv::FieldPicker picker_;            // finds the fields the query reads
  RowFilter filter_;
  std::vector<size_t> key_slots_, agg_slots_;
  SmallKeyMap small_keys_;             // single short keys -> group ids
  std::string key_;                    // reused key buffer
  std::string scratch_;                // reused unquoting buffer
  struct Value {
    __int128 scaled;  // when plain
    bool plain;
    Decimal wide;     // when not
  };
  std::vector<Value> values_;          // parsed aggregate inputs of the current row
  // For coded batches, per dictionary (by id): the group of each key code, and
  // each aggregate input's parsed value per code.
  enum CodeState : uint8_t { kPlain, kWide, kNotANumber };
  struct CodedValues {  // one aggregate input's dictionary, parsed as met
    uint64_t dictionary = 0;
    std::vector<uint8_t> state;     // CodeState per code
    std::vector<__int128> scaled;   // per code, when kPlain
    std::vector<Decimal> wide;      // per code, when kWide (sized at the first)
  };
  uint64_t key_dictionary_ = 0;
  std::vector<uint32_t> code_groups_;
  std::vector<CodedValues> code_values_;  // per aggregate
  std::vector<uint64_t> code_counts_;     // rows per key code
  // Rows per (key code, value code) of aggregate a's column, for the first
  // aggregate a of each column (pair_owner_[a] == a); all zero between batches.
  static constexpr size_t kMaxPairs = size_t{1} << 20;
  std::vector<size_t> pair_owner_;  // per aggregate: the first aggregate of its column
  bool one_column_ = true;           // every aggregate reads one column
  std::vector<std::vector<uint32_t>> pair_counts_;
  std::vector<std::vector<uint32_t>> touched_pairs_;
  std::vector<std::string_view> row_fields_;  // a batch row's fields, by slot
  std::vector<std::string> non_numeric_reasons_;         // per aggregate
  bool has_squares_ = false;                             // a kSquares aggregate (--stddev)
  std::vector<std::string> key_fn_reasons_;              // per key with a function
  std::string key_value_;                                // a key expression's value
  // The last key made of key expressions and its group: consecutive rows often
  // map to one key (year and month of one month's file), and then need no hash
  // and no lookup. Group ids are stable while out_ is filled.
  std::string last_key_;
  uint32_t last_group_ = Partial::kNoGroup;
};

extern const char* const kTooFewFields;

// The skip reason for a row whose value in `column` should be a number and is
// not (an aggregate's input, or a field a numeric --where compares).
std::string NonNumericReason(const csv::ColumnSpec& column);

// --stddev's values: |x| below 10^kMaxSquaredPower and its last digit at
// 10^-kMaxSquaredPower or above, so that squares and their sums stay exact.
constexpr int32_t kMaxSquaredPower = 100;

// Replaces a parsed value (ParseNumber's three outputs) by its square, exactly;
// false when the value is out of kMaxSquaredPower's range.
bool SquareValue(__int128* scaled, bool* plain, Decimal* wide);

// Sink::OnRowGroup for a sink with the query's filters (each reading its slot
// of `fields`): counts the row group in *stats; false when the filters exclude
// all its rows (ExcludingFilter; only when joined by AND alone) — then they are
// counted as seen, and its NULLs as the rows the first filter would have skipped.
bool NeedRowGroup(const Query& query, const std::vector<size_t>& slots, const std::vector<FieldSummary>& fields,
                  uint64_t rows, bool strict, RowStats* stats);

}  // namespace fanout::ops
