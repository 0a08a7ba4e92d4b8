// Sink: where a task's rows go, whichever format they come from.
//
// A text format (CSV) hands over rows one at a time, as its reader finds them
// (csv::RowSink::OnRow: the row's bytes and delimiter bits, fields split only as
// far as the sink asks). A columnar format hands over batches of rows holding
// only the fields the sink reads (Fields()), each value already in its canonical
// text form — so a sink gives the same answer for the same values in either
// format, and a new format needs no change to any sink.
//
// Per row or per batch is the per-task Sink of DuckDB's shape; Combine and
// Finalize are the Job's (exec/job.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "csv/reader.h"

namespace fanout::ops {

// One column of a batch: a value per row, or — for a dictionary-encoded column —
// a code per row into a dictionary of its distinct values, so that a sink can do
// its work once per distinct value (the same dictionary_id, within one task,
// means the same dictionary). Either way column[r] is row r's value, as text
// (NULL is the empty string).
struct BatchColumn {
  BatchColumn() = default;
  BatchColumn(const std::string_view* v) : values(v) {}  // NOLINT: a column of values
  BatchColumn(const uint32_t* c, const std::string_view* d, size_t n, uint64_t id)
      : codes(c), dictionary(d), dictionary_size(n), dictionary_id(id) {}

  const std::string_view* values = nullptr;  // when not coded
  const uint32_t* codes = nullptr;           // when coded: each < dictionary_size
  const std::string_view* dictionary = nullptr;
  size_t dictionary_size = 0;
  uint64_t dictionary_id = 0;

  bool coded() const { return codes != nullptr; }
  std::string_view operator[](size_t r) const { return codes != nullptr ? dictionary[codes[r]] : values[r]; }
};

// Rows of a columnar format. Column k holds field Fields()[k] of the sink that
// receives it: columns[k][r] is that field's value in row r.
struct ColumnBatch {
  size_t rows = 0;
  // Where row 0 is, in the format's own terms (for a columnar format, its row
  // number in the object): row r is at first_row + r. --strict names a skipped
  // row by it (Format::Where), as CSV names a row by its byte offset.
  uint64_t first_row = 0;
  std::vector<BatchColumn> columns;
};

// What a columnar format knows of one field over a stretch of rows (a row group)
// before reading them: the least and greatest of its non-NULL values, in their
// canonical text, and how many values are NULL.
struct FieldSummary {
  bool known = false;
  // The values are numbers (min and max compare as numbers); else they are text
  // and min/max are least and greatest by their bytes (unsigned).
  bool numeric = false;
  // Floating point: NaN values, which no text compares with, are not in min/max.
  bool may_hold_nan = false;
  std::string min, max;
  uint64_t nulls = 0;
};

// A field's value: a CSV field as stored (kStored) loses its quotes; a batch's
// field is its value already. `scratch` is used when unquoting must copy.
template <bool kStored>
inline std::string_view FieldValue(std::string_view field, std::string* scratch) {
  if constexpr (kStored) {
    return csv::Unquote(field, scratch);
  } else {
    return field;
  }
}

// Calls fn(fields, at) for each row of `batch` in order, with the row's fields
// by column (a sink's slots) and its position; stops at the first error. A
// batch that does not hold `columns` columns is an error. `row` is reused.
template <typename Fn>
Status ForEachBatchRow(const ColumnBatch& batch, size_t columns, std::vector<std::string_view>* row, Fn fn) {
  size_t n = batch.columns.size();
  if (n != columns) {
    return Status::Internal("a batch of " + std::to_string(n) + " columns for a sink that reads " +
                            std::to_string(columns));
  }
  row->resize(n);
  for (size_t r = 0; r < batch.rows; ++r) {
    for (size_t c = 0; c < n; ++c) (*row)[c] = batch.columns[c][r];
    RETURN_IF_ERROR(fn(row->data(), batch.first_row + r));
  }
  return Status::OK();
}

class Sink : public csv::RowSink {
 public:
  // The fields it reads: 0-based positions in the object's header, ascending, no
  // repeats. A columnar format decodes just these.
  virtual const std::vector<int>& Fields() const = 0;
  // The object's column names, for a format whose header is not a row of its
  // data: called by the object's first task, before its first batch.
  [[nodiscard]] virtual Status OnHeader(const std::vector<std::string>& names) { return Status::OK(); }
  // Rows of a columnar format, in order. A non-OK status stops the task.
  [[nodiscard]] virtual Status OnBatch(const ColumnBatch& batch) = 0;
  // Before a columnar format reads a stretch of `rows` rows (a row group), what
  // it knows of each of Fields() (by position): *read = false when the sink
  // needs none of its rows (no row can pass its filters, and skipping them
  // changes nothing it reports) — the sink then counts them as seen, and the
  // format does not read them.
  [[nodiscard]] virtual Status OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) {
    *read = true;
    return Status::OK();
  }

  // Late reading, for a sink that keeps few of many rows (top): it learns which
  // rows it needs from a few of its fields — their slots (positions in
  // Fields()), ascending, are ProbeSlots(); empty (the default): it reads every
  // field of every row, through OnBatch. Else a columnar format reads a row
  // group's probe fields first and calls OnProbe with a batch of all its rows in
  // which only those columns hold values (the others are empty BatchColumns);
  // the sink does each row's work there (counts, skips) and fills *wanted with
  // the rows (0-based in the batch, ascending) whose other fields it needs. The
  // format then reads the other fields — their values need be right only in
  // those rows — and, when *wanted is not empty, calls OnWanted with the whole
  // batch and the same rows. OnBatch is not called for such a row group.
  virtual const std::vector<size_t>& ProbeSlots() const {
    static const std::vector<size_t> kNone;
    return kNone;
  }
  [[nodiscard]] virtual Status OnProbe(const ColumnBatch& batch, std::vector<uint32_t>* wanted) {
    return Status::Internal("OnProbe of a sink without probe fields");
  }
  [[nodiscard]] virtual Status OnWanted(const ColumnBatch& batch, const std::vector<uint32_t>& wanted) {
    return Status::Internal("OnWanted of a sink without probe fields");
  }
};

}  // namespace fanout::ops
