// Projector: the row sink behind `select` and `stage` — keeps rows that pass the
// filters and appends their selected fields (bytes as stored, quotes kept; an
// expression's value as a CSV field) to a text buffer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "csv/field_picker.h"
#include "csv/reader.h"
#include "ops/aggregator.h"
#include "ops/query.h"
#include "ops/sink.h"

namespace fanout::ops {

class Projector final : public Sink {
 public:
  // `resolved.keys` are the selected columns, `query.key_fns` (when not empty)
  // their functions: a row whose value a function does not take is skipped. Rows at `header_offset` are written
  // as the output's header (pass UINT64_MAX when there is none). `flush` is called
  // with the buffer whenever it holds at least `flush_bytes`, and must empty it.
  using FlushFn = std::function<Status(std::string* buffer)>;
  Projector(const Query& query, const ResolvedQuery& resolved, std::string object_name, char delim,
            uint64_t header_offset, bool strict, RowStats* stats, FlushFn flush);

  Status OnRow(const csv::Row& row) override;
  // Counts the row as seen and skipped (kUnterminatedQuote).
  Status OnUnterminatedRow(uint64_t offset, const std::string& object) override;
  const std::vector<int>& Fields() const override { return picker_.wanted(); }
  // Writes the selected columns' names as the output's header.
  Status OnHeader(const std::vector<std::string>& names) override;
  // Values are written as CSV fields, quoted where they must be.
  Status OnBatch(const ColumnBatch& batch) override;
  Status OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) override;
  // Flushes what is left.
  Status Finish();
  const SkippedRow* first_skipped() const { return skips_.first(); }

 private:
  static constexpr size_t kFlushBytes = 1 << 20;
  // The current row's selected fields, as stored (kStored) or unquoted
  // (batches); false with *skip the reason when a function does not take one.
  template <bool kStored>
  bool Append(const std::string_view* fields, const std::string** skip);
  void AppendHeader(const std::vector<std::string_view>& names);
  Status HeaderTooShort() const;

  const Query& query_;
  const ResolvedQuery& resolved_;
  std::string object_name_;
  char delim_;
  uint64_t header_offset_;
  RowStats* stats_;
  SkipTracker skips_;
  bool strict_;
  FlushFn flush_;
  csv::FieldPicker picker_;
  RowFilter filter_;
  std::vector<size_t> col_slots_;
  std::vector<std::string> fn_reasons_;  // per column with a function, why a row is skipped
  std::string fn_value_;
  std::vector<std::string_view> row_fields_;  // a batch row's fields, by slot
  std::string buffer_;
  std::string scratch_;
};

}  // namespace fanout::ops
