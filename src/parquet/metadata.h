// A Parquet file's metadata: the footer (FileMetaData), the page headers, and the
// leaf columns of its schema, decoded from the Thrift compact protocol
// (parquet.thrift in apache/parquet-format) by parquet/thrift.h.
//
// The bytes come from outside, so every function here checks what it reads: a
// damaged or hostile footer is Corrupt with a message naming the field and the byte
// ("parquet footer: RowGroup.num_rows: truncated varint at byte 1234"), never a
// crash, a hang or unbounded memory: decoded structs take at most about 100 times the
// bytes they were decoded from (a 3-byte SchemaElement is 120 bytes in memory), and
// the caller bounds those bytes by the file's size.
// Fields may come in any order, and those this decoder does not know are skipped, so
// files from newer writers still decode. Decoding checks the wire (types, lengths, required fields,
// non-negative counts and sizes); BuildSchema checks the schema tree and Validate
// checks the metadata against the file it came from — a reader calls all three.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/types.h"

namespace fanout::parquet {

// Every field optional, as in the file.
struct Statistics {
  std::optional<std::string> max, min;                // legacy fields 1, 2 (signed order)
  std::optional<int64_t> null_count, distinct_count;  // 3, 4
  std::optional<std::string> max_value, min_value;    // 5, 6 (the column's order)

  bool operator==(const Statistics&) const = default;
};

// The logical type of a column: LogicalType (SchemaElement field 10) when the file
// has one, else mapped from the legacy ConvertedType. kOther is a type this reader
// does not know (INTERVAL, VARIANT, GEOMETRY, a newer one): readable as its physical
// type at most.
enum class LogicalKind {
  kNone, kString, kEnum, kJson, kBson, kUuid, kDecimal, kDate, kTime, kTimestamp, kInteger, kFloat16, kNull,
  kMap, kList, kOther,
};
enum class TimeUnit { kMillis, kMicros, kNanos };

struct SchemaElement {
  std::optional<PhysicalType> type;  // absent for a group
  int32_t type_length = 0;           // FIXED_LEN_BYTE_ARRAY's width
  std::optional<Repetition> repetition;  // absent for the root; other values than the three kept as read
  std::string name;
  int32_t num_children = 0;
  std::optional<ConvertedType> converted_type;  // values this reader does not know kept as read
  std::optional<int32_t> scale, precision, field_id;
  // The logical type (field 10), decoded: its kind and parameters (DECIMAL: scale,
  // precision; TIME, TIMESTAMP: utc, unit; INTEGER: bits, signed). A TIME or TIMESTAMP
  // of a unit this reader does not know is kOther.
  LogicalKind logical = LogicalKind::kNone;
  int32_t logical_scale = 0, logical_precision = 0;
  bool logical_utc = false;
  TimeUnit logical_unit = TimeUnit::kMillis;
  int logical_bits = 0;
  bool logical_signed = true;

  bool operator==(const SchemaElement&) const = default;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::kBoolean;
  std::vector<Encoding> encodings;  // values this reader does not know kept as read
  std::vector<std::string> path_in_schema;
  Codec codec = Codec::kUncompressed;  // likewise
  int64_t num_values = 0, total_uncompressed_size = 0, total_compressed_size = 0, data_page_offset = 0;
  std::optional<int64_t> index_page_offset, dictionary_page_offset;
  std::optional<Statistics> statistics;

  bool operator==(const ColumnMetaData&) const = default;
};

struct ColumnChunk {
  std::string file_path;  // empty: this file
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;

  bool operator==(const ColumnChunk&) const = default;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0, num_rows = 0;
  std::optional<int64_t> file_offset, total_compressed_size;

  bool operator==(const RowGroup&) const = default;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::string created_by;
  // column_orders (field 7), one per leaf column: true for TYPE_ORDER, the order
  // Statistics.min_value/max_value follow. Empty when the file has none (then
  // min_value/max_value are not to be relied on).
  std::vector<bool> type_defined_order;

  bool operator==(const FileMetaData&) const = default;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain, definition_level_encoding = Encoding::kRle,
           repetition_level_encoding = Encoding::kRle;
  std::optional<Statistics> statistics;

  bool operator==(const DataPageHeader&) const = default;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0, num_nulls = 0, num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0, repetition_levels_byte_length = 0;
  bool is_compressed = true;
  std::optional<Statistics> statistics;

  bool operator==(const DataPageHeaderV2&) const = default;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  bool is_sorted = false;

  bool operator==(const DictionaryPageHeader&) const = default;
};

struct PageHeader {
  PageType type = PageType::kDataPage;  // values this reader does not know kept as read (a reader skips the page)
  int32_t uncompressed_page_size = 0, compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;

  bool operator==(const PageHeader&) const = default;
};

// The bytes at the end of a file: the metadata's length (u32, little-endian) and the magic.
inline constexpr size_t kFooterTailBytes = 8;

// Given the last 8 bytes of a file ("<u32 little-endian length>PAR1"), the length
// of the metadata before them. Corrupt when the magic is wrong or the length is 0;
// Unsupported for an encrypted footer ("PARE"). The caller checks the length
// against the file's size (Validate does too).
Result<uint32_t> FooterLength(std::string_view last8);

// Decodes FileMetaData from exactly `bytes`: bytes left over after the struct are
// Corrupt (a footer's length says where it starts, so extra bytes mean a wrong
// length). Required fields must be present (ColumnChunk.file_offset, deprecated,
// defaults to 0; ColumnChunk.meta_data, optional in the format for encrypted columns
// only, is required); counts, sizes and offsets must not be negative. A file whose
// footer declares encryption (FileMetaData.encryption_algorithm) is Unsupported.
Result<FileMetaData> ParseFileMetaData(std::string_view bytes);

// Decodes one PageHeader from the start of `bytes` (the page's data may follow) and
// sets *consumed to its encoded length. Corrupt also when the sizes or counts are
// negative, when a data, dictionary or v2 data page lacks its own header, or when a
// v2 page's level lengths exceed its compressed size.
Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* consumed);

// The leaf columns, in the order of the column chunks of every row group.
struct Column {
  std::string name;               // the top-level field's name for a flat column; the dotted path for a nested leaf
  std::vector<std::string> path;  // as path_in_schema
  PhysicalType type = PhysicalType::kBoolean;
  int32_t type_length = 0;
  LogicalKind logical = LogicalKind::kNone;  // from the logical type, else mapped from the converted type
  int32_t scale = 0, precision = 0;          // DECIMAL
  TimeUnit unit = TimeUnit::kMillis;         // TIME / TIMESTAMP
  bool utc = false;                          // converted TIME_* / TIMESTAMP_*: true, as the spec says
  int bits = 0;                              // INTEGER (converted INT_8..UINT_64)
  bool is_signed = true;
  int16_t max_definition_level = 0, max_repetition_level = 0;
  // Under a group (struct, list, map) or repeated itself: the file is readable, the
  // column is not a plain queryable one.
  bool nested = false;

  bool operator==(const Column&) const = default;
};
struct Schema {
  std::vector<Column> columns;
};

// How deep the schema tree may nest (levels are int16 and each level adds at most one).
inline constexpr int kMaxSchemaDepth = 64;
// Each leaf holds its whole path, so a few long group names above many leaves could
// claim far more memory than the footer's bytes: the paths (and names) of all columns
// together are limited to this.
inline constexpr uint64_t kMaxSchemaPathBytes = uint64_t{64} << 20;

// Walks the depth-first SchemaElement list (element 0 is the root). Corrupt on a
// malformed tree: an empty list, children counts past the end or negative, a leaf
// without a type or a group with one, elements left over, nesting deeper than
// kMaxSchemaDepth, a FIXED_LEN_BYTE_ARRAY without a positive length, a DECIMAL
// without 0 <= scale <= precision, precision > 0, an INTEGER of a width other than
// 8, 16, 32, 64. Unsupported for a repetition other than the three, and for paths
// past kMaxSchemaPathBytes.
Result<Schema> BuildSchema(const std::vector<SchemaElement>& elements);

// A column chunk's bytes in the file: from its dictionary page (when it has one
// before its first data page) or its first data page, total_compressed_size long.
// For metadata that passed Validate.
struct ByteRange {
  uint64_t offset = 0, length = 0;

  bool operator==(const ByteRange&) const = default;
};
ByteRange ChunkRange(const ColumnMetaData& meta);

// Checks a FileMetaData against the file it came from (file_size bytes, footer_length
// from FooterLength): the footer fits in the file; every row group has one column
// chunk per leaf, with its metadata, in this file, of the leaf's type; each chunk's
// ChunkRange lies inside [4, file_size - 8 - footer_length); row counts sum to
// num_rows; a column that is not repeated has one value per row. Corrupt saying what
// is wrong (the caller adds the file's name); Unsupported for column data in another
// file.
[[nodiscard]] Status Validate(const FileMetaData& meta, const Schema& schema, uint64_t file_size,
                              uint32_t footer_length);

}  // namespace fanout::parquet
