// ColumnReader: one column chunk's pages turned into one canonical text value
// per row, the form every sink reads (ops/sink.h), so the same data as CSV or
// as Parquet gives the same answers.
//
// Canonical text: integers in decimal (unsigned ones as unsigned); FLOAT and
// DOUBLE in their shortest round-trip form (1.0 is "1"); DECIMAL exactly, no
// trailing zeros; DATE "2019-01-01"; TIMESTAMP and INT96 "2019-01-01 00:46:40"
// with a fraction only when there is one; TIME "00:46:40"; BOOLEAN
// "true"/"false"; strings and other byte arrays as they are; NULL the empty
// string.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/metadata.h"

namespace fanout::parquet {

// Bytes that views into it stay valid for: appended text is never moved.
class TextArena {
 public:
  std::string_view Add(std::string_view text);
  void Clear();
  size_t bytes() const { return bytes_; }

 private:
  std::deque<std::string> blocks_;
  size_t bytes_ = 0;
};

// The canonical text of one plain value of `column` (its physical bytes, little
// endian as stored; a byte array's bytes), appended to *out.
void AppendCanonical(const Column& column, std::string_view value, std::string* out);

// Limits that keep a damaged footer or page header from claiming gigabytes: a
// row group's values are held as views (16 bytes a row per column).
inline constexpr uint64_t kMaxRowGroupRows = uint64_t{1} << 26;
inline constexpr size_t kMaxPageValues = size_t{1} << 26;

// A column chunk's values, one per row: as views (values), or — when every data
// page of the chunk is dictionary-encoded — as codes into the chunk's dictionary
// (codes[r] indexes dictionary; its last entry, "", is NULL), so that a sink can
// work once per distinct value rather than once per row.
struct ChunkValues {
  std::vector<std::string_view> values;      // one per row, when !coded
  std::vector<uint32_t> codes;               // one per row, when coded
  std::vector<std::string_view> dictionary;  // when coded: its entries, then NULL's ""
  bool coded = false;
  // Working space, kept between chunks so that reading one allocates nothing new.
  struct Scratch {
    std::string buffer;
    std::vector<uint32_t> levels, indices;
    std::vector<std::string_view> page_values;
  } scratch;

  size_t rows() const { return coded ? codes.size() : values.size(); }
  std::string_view operator[](size_t r) const { return coded ? dictionary[codes[r]] : values[r]; }
};

// Decodes the column chunk `chunk` (its bytes, ChunkRange long) of a flat column
// (not nested) holding `rows` rows into out->rows() == rows values, backed by
// *arena (which the caller keeps while it uses them). Errors say what is wrong
// in the chunk; the caller names the file, row group and column. After an
// error *out holds nothing to be used (its codes may be out of range).
//
// With `only` (row numbers in the chunk, ascending), out->rows() is still
// `rows`, but only the values of those rows are right: a data page holding none
// of them is not decompressed, and other values are not turned into text (they
// are NULL's, or a dictionary entry). What is read is checked as without it.
[[nodiscard]] Status ReadColumnChunk(const Column& column, const ColumnMetaData& meta, std::string_view chunk,
                                     uint64_t rows, TextArena* arena, ChunkValues* out,
                                     const std::vector<uint32_t>* only = nullptr);

// The same, one view per row whatever the encoding.
[[nodiscard]] Status ReadColumnChunk(const Column& column, const ColumnMetaData& meta, std::string_view chunk,
                                     uint64_t rows, TextArena* arena, std::vector<std::string_view>* values);

}  // namespace fanout::parquet
