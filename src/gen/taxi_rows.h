// gen/taxi_rows: the rows of one planned file, one at a time, as the CSV file holds
// them. The CSV writer (gen/taxi.cc) and the Parquet writer (gen/taxi_parquet.cc) both
// take their rows from here, so the same options give the same rows in either format,
// and a plan by bytes (--size) stops at the same row whatever the format.
#pragma once

#include <cstdint>
#include <memory>

#include "gen/taxi.h"

namespace fanout::gen {

// Longest row (with its line end) any era can produce is under 200 bytes; callers keep
// this much room free at the pointer they pass to PutNextRow.
inline constexpr size_t kMaxRowBytes = 512;

class RowStream {
 public:
  RowStream(const FilePlan& plan, uint64_t seed, int file_index);
  ~RowStream();
  RowStream(const RowStream&) = delete;
  RowStream& operator=(const RowStream&) = delete;

  // Writes the header row and its line end (and the era's blank line) at `p`, which has
  // kMaxRowBytes free, and returns the end. Counts as CSV bytes.
  char* PutHeader(char* p);
  // Writes the next data row with its line end at `p` and returns the end; nullptr once
  // the plan's rows are done (by count, or by the CSV bytes of header and rows so far).
  char* PutNextRow(char* p);

  uint64_t rows() const { return rows_; }
  uint64_t csv_bytes() const { return bytes_; }

 private:
  struct State;
  const FilePlan& plan_;
  std::unique_ptr<State> state_;
  uint64_t rows_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace fanout::gen
