// parquet/writer: a small Parquet writer of flat columns.
//
// Contract:
//  - A file is a schema of flat columns (no nesting, no repetition), then row groups, each
//    filled column by column through a RowGroupBuilder, then the footer (Close). Each
//    column of a row group must hold the same number of values when it is flushed.
//  - Pages are data pages v1 of about `page_bytes` each: definition levels (optional
//    columns only) in the RLE/bit-packed hybrid with their 4-byte length, then the values,
//    dictionary-encoded (RLE_DICTIONARY, the dictionary page PLAIN and first in the chunk)
//    until a chunk's dictionary passes `dictionary_limit_bytes`, PLAIN from the next page
//    on; booleans are always PLAIN. Every page is compressed with `codec`.
//  - Each chunk's metadata carries statistics: null_count always, min_value/max_value of
//    the non-null values in the column's sort order (bytes unsigned for BYTE_ARRAY, NaN
//    left out of DOUBLE), and the footer names the order of every column (TypeDefinedOrder).
//  - Bytes go to an Output as they are ready: a row group's pages when it is flushed
//    (held compressed in memory until then, since the dictionary page comes first), the
//    footer at Close. An Output error is returned as it is, and the writer is then done:
//    every later call returns the same error. Appending a value of the wrong type, or a
//    NULL to a required column, is a bug of the caller: it is reported (kInternal) by the
//    next FlushRowGroup or Close.
//  - Not thread-safe; one writer per file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/types.h"

namespace fanout::parquet {

inline constexpr size_t kDefaultPageBytes = 1 << 20;  // pyarrow's data page and dictionary limit

// A column's logical annotation (LogicalType and the matching ConvertedType).
struct Logical {
  enum class Kind { kNone, kString, kTimestampMicros, kInt, kDate, kDecimal };
  Kind kind = Kind::kNone;
  int bits = 0;         // kInt: 8, 16, 32 or 64
  bool is_signed = true;  // kInt
  int precision = 0;    // kDecimal
  int scale = 0;        // kDecimal

  static Logical None() { return {}; }
  static Logical String() { return {Kind::kString}; }
  // TIMESTAMP(isAdjustedToUTC=false, MICROS) on INT64: a local date and time.
  static Logical TimestampMicros() { return {Kind::kTimestampMicros}; }
  static Logical Int(int bits, bool is_signed) { return {Kind::kInt, bits, is_signed}; }
  static Logical Date() { return {Kind::kDate}; }  // on INT32: days since 1970-01-01
  static Logical Decimal(int precision, int scale) { return {Kind::kDecimal, 0, true, precision, scale}; }
};

struct ColumnSpec {
  std::string name;
  PhysicalType type = PhysicalType::kInt64;  // kBoolean, kInt32, kInt64, kDouble or kByteArray
  bool optional = true;
  Logical logical;
};

struct WriterOptions {
  Codec codec = Codec::kUncompressed;  // kUncompressed, kSnappy, kGzip, kBrotli, kZstd or kLz4Raw
  size_t page_bytes = kDefaultPageBytes;
  bool dictionary = true;
  size_t dictionary_limit_bytes = kDefaultPageBytes;
  std::string created_by = std::string("fanout ") + FANOUT_VERSION;
};

// Where a file's bytes go, in order.
class Output {
 public:
  virtual ~Output() = default;
  // Returns an error naming the file when the bytes cannot be written.
  virtual Status Append(std::string_view bytes) = 0;
};

// Appends to a file descriptor (not owned: the caller opens, syncs and closes it,
// e.g. through core/file_write.h's FinishTempFile); errors name `path`.
class FdOutput : public Output {
 public:
  FdOutput(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status Append(std::string_view bytes) override;

 private:
  int fd_;
  std::string path_;
};

// Keeps the bytes in memory (tests, small files).
class StringOutput : public Output {
 public:
  Status Append(std::string_view bytes) override {
    data_.append(bytes);
    return Status::OK();
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

// One column of the row group being filled. The typed Append must match the column's
// physical type (INT32 also for DATE, INT64 also for TIMESTAMP and DECIMAL).
class ColumnBuilder {
 public:
  virtual ~ColumnBuilder() = default;
  virtual void AppendBool(bool v) = 0;
  virtual void AppendInt32(int32_t v) = 0;
  virtual void AppendInt64(int64_t v) = 0;
  virtual void AppendDouble(double v) = 0;
  virtual void AppendString(std::string_view v) = 0;
  virtual void AppendNull() = 0;
  // Values (NULLs included) appended since the last flush.
  virtual uint64_t size() const = 0;
};

class FileWriter {
 public:
  // Checks the schema (at least one column, names not empty, logical types that fit
  // their physical types: InvalidArgument naming the column) and the options, and
  // writes the leading magic to `out`, which must outlive the writer.
  static Result<std::unique_ptr<FileWriter>> Open(Output& out, std::vector<ColumnSpec> schema,
                                                  WriterOptions options);
  virtual ~FileWriter() = default;

  // Column `i` (< schema size) of the row group being filled; valid until the writer is destroyed.
  virtual ColumnBuilder& column(int i) = 0;
  // Rows in the row group being filled (column 0's values).
  virtual uint64_t pending_rows() const = 0;
  // Writes the row group being filled, if it holds any row, and starts the next.
  virtual Status FlushRowGroup() = 0;
  // Flushes the last row group and writes the footer. The writer takes no more rows.
  virtual Status Close() = 0;
  // Bytes handed to the Output so far.
  virtual uint64_t bytes_written() const = 0;
};

}  // namespace fanout::parquet
