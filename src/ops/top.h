// The N rows with the largest (or smallest) values of one numeric column
// (`fanout top`): TopRows keeps the best N of the rows offered to it, and
// TopSink offers it every kept row of one task.
//
// The order is total, so that the answer is exact whatever the split: by value
// (exact: core/number.h), then by object (its place in the plan), then by the
// row's position in the object (a byte offset in CSV, a row number in Parquet),
// earlier first either way. A task keeps its own best N, and the best N of the
// union of tasks' best N are the best N of all rows.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/number.h"
#include "core/status.h"
#include "csv/field_picker.h"
#include "csv/reader.h"
#include "ops/aggregator.h"
#include "ops/query.h"
#include "ops/sink.h"

namespace fanout::ops {

// One numeric value, exactly: 1e-9 units when it fits, else a Decimal.
struct TopValue {
  bool plain = true;
  __int128 scaled = 0;
  Decimal wide;

  // Parses a number (ParseNumber); false when `text` is not one.
  bool Parse(std::string_view text);
  // <0, 0, >0 as a is below, equal to, above b.
  static int Compare(const TopValue& a, const TopValue& b);
};

struct TopRow {
  TopValue value;
  std::string value_text;           // the value as it was read
  uint32_t object = 0;              // the object's place in the plan
  uint64_t at = 0;                  // the row's position in it
  std::vector<std::string> fields;  // the chosen columns' values
};

class TopRows {
 public:
  // The best `n` by value, largest first when `desc`.
  TopRows(uint64_t n, bool desc) : n_(n), desc_(desc) {}

  uint64_t n() const { return n_; }
  bool desc() const { return desc_; }
  size_t size() const { return heap_.size(); }
  // Whether a row of this value, object and position would be kept now (the
  // caller then fills a row and Offers it; a row that is not is not built).
  bool Wants(const TopValue& v, uint32_t object, uint64_t at) const;
  // Keeps `row` if it is among the best n so far.
  void Offer(TopRow&& row);
  // Offers every row of `other` (same n and direction).
  void Merge(TopRows&& other);
  // The rows kept, best first. Leaves this empty.
  std::vector<TopRow> TakeSorted();
  // The rows, in no order (to encode them); Offer them to rebuild.
  const std::vector<TopRow>& rows() const { return heap_; }
  // Sets every row's object (a task's rows are all of one object).
  void SetObject(uint32_t object);

 private:
  // Whether a comes before b in the answer.
  bool Better(const TopValue& av, uint32_t ao, uint64_t aat, const TopRow& b) const;
  bool Better(const TopRow& a, const TopRow& b) const { return Better(a.value, a.object, a.at, b); }

  uint64_t n_;
  bool desc_;
  std::vector<TopRow> heap_;  // a heap under Better: the worst kept row first
};

// The best n rows found so far by the tasks of one process, by value, object
// and position alone. A row worse than all of them cannot be in the answer, so
// no task need read its other fields. Thread-safe.
class TopBound {
 public:
  TopBound(uint64_t n, bool desc) : rows_(n, desc) {}
  bool Wants(const TopValue& v, uint32_t object, uint64_t at) const {
    std::lock_guard<std::mutex> lock(mu_);
    return rows_.Wants(v, object, at);
  }
  // The rows of a task that ended well (their fields are not kept).
  void Offer(const TopRows& rows, uint32_t object);

 private:
  mutable std::mutex mu_;
  TopRows rows_;
};

// The sink of one top task: every row that passes the filters (`query.filters`
// and `query.where`) and whose value column (`query.aggs[0]`) is a number is
// offered to `out`, with its `query.keys` columns' values — or, with `all`,
// every column's. A value that is not a number (or empty) skips the row,
// counted by reason in `stats`.
class TopSink final : public Sink {
 public:
  // `bound` (may be null) holds rows of other tasks of the job; this task's
  // rows are of object `object` (its place in the plan).
  TopSink(const Query& query, const ResolvedQuery& resolved, bool all_columns, size_t header_fields,
          uint64_t header_offset, bool strict, RowStats* stats, TopRows* out, const TopBound* bound = nullptr,
          uint32_t object = 0);

  Status OnRow(const csv::Row& row) override;
  Status OnUnterminatedRow(uint64_t offset, const std::string& object) override;
  const std::vector<int>& Fields() const override { return picker_.wanted(); }
  Status OnBatch(const ColumnBatch& batch) override;
  Status OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) override;
  // Late reading: the value's, the filters' and the --cols functions' fields
  // decide which rows are kept; the other columns are read for at most N rows
  // of a row group (the best N of those that beat the worst row kept).
  const std::vector<size_t>& ProbeSlots() const override { return probe_slots_; }
  Status OnProbe(const ColumnBatch& batch, std::vector<uint32_t>* wanted) override;
  Status OnWanted(const ColumnBatch& batch, const std::vector<uint32_t>& wanted) override;
  const SkippedRow* first_skipped() const { return skips_.first(); }

 private:
  template <bool kStored>
  Status Accept(const std::string_view* fields, uint64_t at);
  // Whether the row passes the filters, its value is a number (in value_) and
  // every --cols function maps its field (into fn_values_); else it is skipped
  // (counted) or filtered out. *status is that of a skip (an error under --strict).
  template <bool kStored>
  bool Qualifies(const std::string_view* fields, uint64_t at, Status* status);
  // Offers the row that qualified last (value_, fn_values_) if it is wanted.
  template <bool kStored>
  Status Keep(const std::string_view* fields, uint64_t at);

  const Query& query_;
  uint64_t header_offset_;
  RowStats* stats_;
  SkipTracker skips_;
  bool strict_;
  TopRows* out_;
  const TopBound* bound_;
  uint32_t object_;
  csv::FieldPicker picker_;
  RowFilter filter_;
  std::vector<size_t> col_slots_;
  size_t value_slot_ = 0;
  std::string value_reason_;
  std::vector<std::string> fn_reasons_;  // per --cols expression, why a row it cannot map is skipped
  std::vector<std::string> fn_values_;   // per --cols expression, the row's mapped value
  std::vector<std::string_view> row_fields_;
  std::vector<size_t> probe_slots_;  // ascending; empty: no late reading
  TopRows probe_best_;               // during OnProbe: the row group's candidates (fields not filled)
  std::string scratch_;
  std::string fn_scratch_;
  TopValue value_;
  std::string_view value_text_;  // value_'s text, while its row is handled
};

}  // namespace fanout::ops
