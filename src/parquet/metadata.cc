#include "parquet/metadata.h"

#include <limits>

#include "parquet/thrift.h"

namespace fanout::parquet {
namespace {

using thrift::FieldHeader;
using thrift::Reader;
using thrift::WireType;

// FileMetaData.encryption_algorithm: set only in files with encrypted columns.
constexpr int16_t kEncryptionAlgorithmField = 8;
constexpr std::string_view kEncryptedMagic = "PARE";

// Which fields of one struct were read, for its required fields (ids below 32).
class Seen {
 public:
  void Add(int16_t id) {
    if (id >= 0 && id < 32) bits_ |= uint32_t{1} << id;
  }
  bool Has(int id) const { return (bits_ >> id) & 1; }
  // Corrupt "name: missing" when field id was not read.
  Status Need(const Reader& r, int id, std::string_view name) const {
    return Has(id) ? Status::OK() : r.Error(name, "required field missing");
  }

 private:
  uint32_t bits_ = 0;
};

// Integers that must be >= 0: counts, sizes and offsets.
template <typename T>
Status ReadCount(Reader& r, WireType type, std::string_view name, T* out) {
  int64_t v = 0;
  RETURN_IF_ERROR(r.ReadInt(type, name, 0, std::numeric_limits<T>::max(), &v));
  *out = static_cast<T>(v);
  return Status::OK();
}

template <typename T>
Status ReadOptionalCount(Reader& r, WireType type, std::string_view name, std::optional<T>* out) {
  T v = 0;
  RETURN_IF_ERROR(ReadCount(r, type, name, &v));
  *out = v;
  return Status::OK();
}

Status ReadOptionalInt(Reader& r, WireType type, std::string_view name, std::optional<int32_t>* out) {
  int32_t v = 0;
  RETURN_IF_ERROR(r.ReadInt(type, name, &v));
  *out = v;
  return Status::OK();
}

// An enum stored as i32, kept as read: the values a reader does not know (a newer
// codec or encoding) are its to refuse when it meets them.
template <typename E>
Status ReadEnum(Reader& r, WireType type, std::string_view name, E* out) {
  int32_t v = 0;
  RETURN_IF_ERROR(r.ReadInt(type, name, &v));
  *out = static_cast<E>(v);
  return Status::OK();
}

Status ReadPhysicalType(Reader& r, WireType type, std::string_view name, PhysicalType* out) {
  int64_t v = 0;
  RETURN_IF_ERROR(r.ReadInt(type, name, 0, static_cast<int64_t>(PhysicalType::kFixedLenByteArray), &v));
  *out = static_cast<PhysicalType>(v);
  return Status::OK();
}

Status ReadStatistics(Reader& r, WireType type, std::optional<Statistics>* out) {
  Statistics s;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "Statistics", [&](const FieldHeader& f) -> Status {
    std::string v;
    switch (f.id) {
      case 1: RETURN_IF_ERROR(r.ReadBinary(f.type, "Statistics.max", &v)); s.max = std::move(v); break;
      case 2: RETURN_IF_ERROR(r.ReadBinary(f.type, "Statistics.min", &v)); s.min = std::move(v); break;
      case 3: return ReadOptionalCount(r, f.type, "Statistics.null_count", &s.null_count);
      case 4: return ReadOptionalCount(r, f.type, "Statistics.distinct_count", &s.distinct_count);
      case 5: RETURN_IF_ERROR(r.ReadBinary(f.type, "Statistics.max_value", &v)); s.max_value = std::move(v); break;
      case 6: RETURN_IF_ERROR(r.ReadBinary(f.type, "Statistics.min_value", &v)); s.min_value = std::move(v); break;
      default: return r.Skip(f.type, "Statistics");
    }
    return Status::OK();
  }));
  *out = std::move(s);
  return Status::OK();
}

// ---- SchemaElement and its LogicalType ----

// The TimeUnit union; *known is false for a unit this reader does not know.
Status ReadTimeUnit(Reader& r, WireType type, std::string_view name, TimeUnit* unit, bool* known) {
  *known = false;
  return thrift::ReadStruct(r, type, name, [&](const FieldHeader& f) -> Status {
    if (f.id >= 1 && f.id <= 3) {
      *unit = f.id == 1 ? TimeUnit::kMillis : f.id == 2 ? TimeUnit::kMicros : TimeUnit::kNanos;
      *known = true;
    }
    return r.Skip(f.type, name);  // the members are empty structs
  });
}

// TimeType and TimestampType: isAdjustedToUTC (1), unit (2).
Status ReadTimeType(Reader& r, WireType type, std::string_view name, SchemaElement* e, bool* known) {
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, name, [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    if (f.id == 1) return r.ReadBool(f.type, name, &e->logical_utc);
    if (f.id == 2) return ReadTimeUnit(r, f.type, name, &e->logical_unit, known);
    return r.Skip(f.type, name);
  }));
  RETURN_IF_ERROR(seen.Need(r, 1, name));
  return seen.Need(r, 2, name);
}

Status ReadDecimalType(Reader& r, WireType type, SchemaElement* e) {
  constexpr std::string_view kName = "LogicalType.DECIMAL";
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, kName, [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    if (f.id == 1) return r.ReadInt(f.type, "DecimalType.scale", &e->logical_scale);
    if (f.id == 2) return r.ReadInt(f.type, "DecimalType.precision", &e->logical_precision);
    return r.Skip(f.type, kName);
  }));
  RETURN_IF_ERROR(seen.Need(r, 1, "DecimalType.scale"));
  return seen.Need(r, 2, "DecimalType.precision");
}

Status ReadIntType(Reader& r, WireType type, SchemaElement* e) {
  constexpr std::string_view kName = "LogicalType.INTEGER";
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, kName, [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    if (f.id == 1) return r.ReadInt(f.type, "IntType.bitWidth", &e->logical_bits);
    if (f.id == 2) return r.ReadBool(f.type, "IntType.isSigned", &e->logical_signed);
    return r.Skip(f.type, kName);
  }));
  RETURN_IF_ERROR(seen.Need(r, 1, "IntType.bitWidth"));
  return seen.Need(r, 2, "IntType.isSigned");
}

// The kinds whose member struct carries nothing, by LogicalType field id.
LogicalKind EmptyMemberKind(int16_t id) {
  switch (id) {
    case 1: return LogicalKind::kString;
    case 2: return LogicalKind::kMap;
    case 3: return LogicalKind::kList;
    case 4: return LogicalKind::kEnum;
    case 6: return LogicalKind::kDate;
    case 11: return LogicalKind::kNull;  // UNKNOWN: always null
    case 12: return LogicalKind::kJson;
    case 13: return LogicalKind::kBson;
    case 14: return LogicalKind::kUuid;
    case 15: return LogicalKind::kFloat16;
    default: return LogicalKind::kOther;
  }
}

// A union holds one member; should a file hold more, a member this reader knows wins
// over one it does not (kOther), whatever their order.
Status ReadLogicalMember(Reader& r, const FieldHeader& f, SchemaElement* e) {
  constexpr std::string_view kName = "SchemaElement.logicalType";
  bool known_id = (f.id >= 1 && f.id <= 8) || (f.id >= 10 && f.id <= 15);
  if (!known_id) {
    if (e->logical == LogicalKind::kNone) e->logical = LogicalKind::kOther;
    return r.Skip(f.type, kName);
  }
  if (f.type != WireType::kStruct) return r.Error(kName, "union member is not a struct");
  bool known_unit = true;
  switch (f.id) {
    case 5: e->logical = LogicalKind::kDecimal; return ReadDecimalType(r, f.type, e);
    case 7:
    case 8:
      RETURN_IF_ERROR(
          ReadTimeType(r, f.type, f.id == 7 ? "LogicalType.TIME" : "LogicalType.TIMESTAMP", e, &known_unit));
      e->logical = !known_unit ? LogicalKind::kOther : f.id == 7 ? LogicalKind::kTime : LogicalKind::kTimestamp;
      return Status::OK();
    case 10: e->logical = LogicalKind::kInteger; return ReadIntType(r, f.type, e);
    default: e->logical = EmptyMemberKind(f.id); return r.Skip(f.type, kName);
  }
}

Status ReadLogicalType(Reader& r, WireType type, SchemaElement* e) {
  return thrift::ReadStruct(r, type, "SchemaElement.logicalType",
                            [&](const FieldHeader& f) { return ReadLogicalMember(r, f, e); });
}

Status ReadSchemaField(Reader& r, const FieldHeader& f, SchemaElement* e) {
  switch (f.id) {
    case 1: {
      PhysicalType t;
      RETURN_IF_ERROR(ReadPhysicalType(r, f.type, "SchemaElement.type", &t));
      e->type = t;
      return Status::OK();
    }
    case 2: return r.ReadInt(f.type, "SchemaElement.type_length", &e->type_length);
    case 3: {
      Repetition rep;
      RETURN_IF_ERROR(ReadEnum(r, f.type, "SchemaElement.repetition_type", &rep));
      e->repetition = rep;
      return Status::OK();
    }
    case 4: return r.ReadBinary(f.type, "SchemaElement.name", &e->name);
    case 5: return ReadCount(r, f.type, "SchemaElement.num_children", &e->num_children);
    case 6: {
      ConvertedType c;
      RETURN_IF_ERROR(ReadEnum(r, f.type, "SchemaElement.converted_type", &c));
      e->converted_type = c;
      return Status::OK();
    }
    case 7: return ReadOptionalInt(r, f.type, "SchemaElement.scale", &e->scale);
    case 8: return ReadOptionalInt(r, f.type, "SchemaElement.precision", &e->precision);
    case 9: return ReadOptionalInt(r, f.type, "SchemaElement.field_id", &e->field_id);
    case 10: return ReadLogicalType(r, f.type, e);
    default: return r.Skip(f.type, "SchemaElement");
  }
}

Status ReadSchemaElement(Reader& r, WireType type, SchemaElement* e) {
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "SchemaElement", [&](const FieldHeader& f) {
    seen.Add(f.id);
    return ReadSchemaField(r, f, e);
  }));
  return seen.Need(r, 4, "SchemaElement.name");
}

// ---- ColumnMetaData, ColumnChunk, RowGroup, FileMetaData ----

Status ReadColumnMetaField(Reader& r, const FieldHeader& f, ColumnMetaData* m) {
  switch (f.id) {
    case 1: return ReadPhysicalType(r, f.type, "ColumnMetaData.type", &m->type);
    case 2:
      m->encodings.clear();
      return thrift::ReadList(r, f.type, "ColumnMetaData.encodings", WireType::kI32, [&](WireType t) {
        Encoding e;
        RETURN_IF_ERROR(ReadEnum(r, t, "ColumnMetaData.encodings", &e));
        m->encodings.push_back(e);
        return Status::OK();
      });
    case 3:
      m->path_in_schema.clear();
      return thrift::ReadList(r, f.type, "ColumnMetaData.path_in_schema", WireType::kBinary, [&](WireType t) {
        return r.ReadBinary(t, "ColumnMetaData.path_in_schema", &m->path_in_schema.emplace_back());
      });
    case 4: return ReadEnum(r, f.type, "ColumnMetaData.codec", &m->codec);
    case 5: return ReadCount(r, f.type, "ColumnMetaData.num_values", &m->num_values);
    case 6: return ReadCount(r, f.type, "ColumnMetaData.total_uncompressed_size", &m->total_uncompressed_size);
    case 7: return ReadCount(r, f.type, "ColumnMetaData.total_compressed_size", &m->total_compressed_size);
    case 9: return ReadCount(r, f.type, "ColumnMetaData.data_page_offset", &m->data_page_offset);
    case 10: return ReadOptionalCount(r, f.type, "ColumnMetaData.index_page_offset", &m->index_page_offset);
    case 11: return ReadOptionalCount(r, f.type, "ColumnMetaData.dictionary_page_offset", &m->dictionary_page_offset);
    case 12: return ReadStatistics(r, f.type, &m->statistics);
    default: return r.Skip(f.type, "ColumnMetaData");
  }
}

Status ReadColumnMetaData(Reader& r, WireType type, std::optional<ColumnMetaData>* out) {
  ColumnMetaData m;
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "ColumnMetaData", [&](const FieldHeader& f) {
    seen.Add(f.id);
    return ReadColumnMetaField(r, f, &m);
  }));
  static constexpr std::pair<int, std::string_view> kRequired[] = {
      {1, "ColumnMetaData.type"}, {2, "ColumnMetaData.encodings"}, {3, "ColumnMetaData.path_in_schema"},
      {4, "ColumnMetaData.codec"}, {5, "ColumnMetaData.num_values"},
      {6, "ColumnMetaData.total_uncompressed_size"}, {7, "ColumnMetaData.total_compressed_size"},
      {9, "ColumnMetaData.data_page_offset"},
  };
  for (const auto& [id, name] : kRequired) RETURN_IF_ERROR(seen.Need(r, id, name));
  *out = std::move(m);
  return Status::OK();
}

// ColumnChunk.file_offset is required but deprecated, with a default of 0: not checked.
// meta_data is optional in the format but every writer must write it (only encrypted
// columns, which this reader does not read, go without), so it is required here.
Status ReadColumnChunk(Reader& r, WireType type, ColumnChunk* c) {
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "ColumnChunk", [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    switch (f.id) {
      case 1: return r.ReadBinary(f.type, "ColumnChunk.file_path", &c->file_path);
      case 2: return ReadCount(r, f.type, "ColumnChunk.file_offset", &c->file_offset);
      case 3: return ReadColumnMetaData(r, f.type, &c->meta_data);
      default: return r.Skip(f.type, "ColumnChunk");
    }
  }));
  return seen.Need(r, 3, "ColumnChunk.meta_data");
}

Status ReadRowGroup(Reader& r, WireType type, RowGroup* g) {
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "RowGroup", [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    switch (f.id) {
      case 1:
        g->columns.clear();
        return thrift::ReadList(r, f.type, "RowGroup.columns", WireType::kStruct,
                                [&](WireType t) { return ReadColumnChunk(r, t, &g->columns.emplace_back()); });
      case 2: return ReadCount(r, f.type, "RowGroup.total_byte_size", &g->total_byte_size);
      case 3: return ReadCount(r, f.type, "RowGroup.num_rows", &g->num_rows);
      case 5: return ReadOptionalCount(r, f.type, "RowGroup.file_offset", &g->file_offset);
      case 6: return ReadOptionalCount(r, f.type, "RowGroup.total_compressed_size", &g->total_compressed_size);
      default: return r.Skip(f.type, "RowGroup");
    }
  }));
  RETURN_IF_ERROR(seen.Need(r, 1, "RowGroup.columns"));
  RETURN_IF_ERROR(seen.Need(r, 2, "RowGroup.total_byte_size"));
  return seen.Need(r, 3, "RowGroup.num_rows");
}

Status ReadFileMetaField(Reader& r, const FieldHeader& f, FileMetaData* m) {
  switch (f.id) {
    case 1: return r.ReadInt(f.type, "FileMetaData.version", &m->version);
    case 2:
      m->schema.clear();
      return thrift::ReadList(r, f.type, "FileMetaData.schema", WireType::kStruct,
                              [&](WireType t) { return ReadSchemaElement(r, t, &m->schema.emplace_back()); });
    case 3: return ReadCount(r, f.type, "FileMetaData.num_rows", &m->num_rows);
    case 4:
      m->row_groups.clear();
      return thrift::ReadList(r, f.type, "FileMetaData.row_groups", WireType::kStruct,
                              [&](WireType t) { return ReadRowGroup(r, t, &m->row_groups.emplace_back()); });
    case 6: return r.ReadBinary(f.type, "FileMetaData.created_by", &m->created_by);
    case 7:
      m->type_defined_order.clear();
      return thrift::ReadList(r, f.type, "FileMetaData.column_orders", WireType::kStruct, [&](WireType t) {
        bool type_order = false;
        RETURN_IF_ERROR(thrift::ReadStruct(r, t, "ColumnOrder", [&](const FieldHeader& o) -> Status {
          if (o.id == 1 && o.type == WireType::kStruct) type_order = true;
          return r.Skip(o.type, "ColumnOrder");
        }));
        m->type_defined_order.push_back(type_order);
        return Status::OK();
      });
    case kEncryptionAlgorithmField:
      return Status::Unsupported("parquet footer: the file's columns are encrypted, which is not supported");
    default: return r.Skip(f.type, "FileMetaData");
  }
}

// ---- PageHeader ----

Status ReadDataPageHeader(Reader& r, WireType type, std::optional<DataPageHeader>* out) {
  DataPageHeader h;
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "DataPageHeader", [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    switch (f.id) {
      case 1: return ReadCount(r, f.type, "DataPageHeader.num_values", &h.num_values);
      case 2: return ReadEnum(r, f.type, "DataPageHeader.encoding", &h.encoding);
      case 3: return ReadEnum(r, f.type, "DataPageHeader.definition_level_encoding", &h.definition_level_encoding);
      case 4: return ReadEnum(r, f.type, "DataPageHeader.repetition_level_encoding", &h.repetition_level_encoding);
      case 5: return ReadStatistics(r, f.type, &h.statistics);
      default: return r.Skip(f.type, "DataPageHeader");
    }
  }));
  static constexpr std::pair<int, std::string_view> kRequired[] = {
      {1, "DataPageHeader.num_values"}, {2, "DataPageHeader.encoding"},
      {3, "DataPageHeader.definition_level_encoding"}, {4, "DataPageHeader.repetition_level_encoding"},
  };
  for (const auto& [id, name] : kRequired) RETURN_IF_ERROR(seen.Need(r, id, name));
  *out = std::move(h);
  return Status::OK();
}

Status ReadDataPageHeaderV2Field(Reader& r, const FieldHeader& f, DataPageHeaderV2* h) {
  switch (f.id) {
    case 1: return ReadCount(r, f.type, "DataPageHeaderV2.num_values", &h->num_values);
    case 2: return ReadCount(r, f.type, "DataPageHeaderV2.num_nulls", &h->num_nulls);
    case 3: return ReadCount(r, f.type, "DataPageHeaderV2.num_rows", &h->num_rows);
    case 4: return ReadEnum(r, f.type, "DataPageHeaderV2.encoding", &h->encoding);
    case 5:
      return ReadCount(r, f.type, "DataPageHeaderV2.definition_levels_byte_length",
                       &h->definition_levels_byte_length);
    case 6:
      return ReadCount(r, f.type, "DataPageHeaderV2.repetition_levels_byte_length",
                       &h->repetition_levels_byte_length);
    case 7: return r.ReadBool(f.type, "DataPageHeaderV2.is_compressed", &h->is_compressed);
    case 8: return ReadStatistics(r, f.type, &h->statistics);
    default: return r.Skip(f.type, "DataPageHeaderV2");
  }
}

Status ReadDataPageHeaderV2(Reader& r, WireType type, std::optional<DataPageHeaderV2>* out) {
  DataPageHeaderV2 h;
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "DataPageHeaderV2", [&](const FieldHeader& f) {
    seen.Add(f.id);
    return ReadDataPageHeaderV2Field(r, f, &h);
  }));
  static constexpr std::pair<int, std::string_view> kRequired[] = {
      {1, "DataPageHeaderV2.num_values"}, {2, "DataPageHeaderV2.num_nulls"}, {3, "DataPageHeaderV2.num_rows"},
      {4, "DataPageHeaderV2.encoding"}, {5, "DataPageHeaderV2.definition_levels_byte_length"},
      {6, "DataPageHeaderV2.repetition_levels_byte_length"},
  };
  for (const auto& [id, name] : kRequired) RETURN_IF_ERROR(seen.Need(r, id, name));
  if (h.num_nulls > h.num_values) return r.Error("DataPageHeaderV2.num_nulls", "more nulls than values");
  *out = std::move(h);
  return Status::OK();
}

Status ReadDictionaryPageHeader(Reader& r, WireType type, std::optional<DictionaryPageHeader>* out) {
  DictionaryPageHeader h;
  Seen seen;
  RETURN_IF_ERROR(thrift::ReadStruct(r, type, "DictionaryPageHeader", [&](const FieldHeader& f) -> Status {
    seen.Add(f.id);
    switch (f.id) {
      case 1: return ReadCount(r, f.type, "DictionaryPageHeader.num_values", &h.num_values);
      case 2: return ReadEnum(r, f.type, "DictionaryPageHeader.encoding", &h.encoding);
      case 3: return r.ReadBool(f.type, "DictionaryPageHeader.is_sorted", &h.is_sorted);
      default: return r.Skip(f.type, "DictionaryPageHeader");
    }
  }));
  RETURN_IF_ERROR(seen.Need(r, 1, "DictionaryPageHeader.num_values"));
  RETURN_IF_ERROR(seen.Need(r, 2, "DictionaryPageHeader.encoding"));
  *out = h;
  return Status::OK();
}

Status ReadPageHeaderField(Reader& r, const FieldHeader& f, PageHeader* h) {
  switch (f.id) {
    case 1: return ReadEnum(r, f.type, "PageHeader.type", &h->type);
    case 2: return ReadCount(r, f.type, "PageHeader.uncompressed_page_size", &h->uncompressed_page_size);
    case 3: return ReadCount(r, f.type, "PageHeader.compressed_page_size", &h->compressed_page_size);
    case 4: {
      int32_t crc = 0;
      RETURN_IF_ERROR(r.ReadInt(f.type, "PageHeader.crc", &crc));
      h->crc = crc;
      return Status::OK();
    }
    case 5: return ReadDataPageHeader(r, f.type, &h->data_page_header);
    case 7: return ReadDictionaryPageHeader(r, f.type, &h->dictionary_page_header);
    case 8: return ReadDataPageHeaderV2(r, f.type, &h->data_page_header_v2);
    default: return r.Skip(f.type, "PageHeader");
  }
}

// The page's own header must be there for the page types that have one.
Status CheckPageHeader(const Reader& r, const PageHeader& h) {
  if (h.type == PageType::kDataPage && !h.data_page_header) {
    return r.Error("PageHeader.data_page_header", "missing for a data page");
  }
  if (h.type == PageType::kDictionaryPage && !h.dictionary_page_header) {
    return r.Error("PageHeader.dictionary_page_header", "missing for a dictionary page");
  }
  if (h.type == PageType::kDataPageV2) {
    if (!h.data_page_header_v2) return r.Error("PageHeader.data_page_header_v2", "missing for a v2 data page");
    int64_t levels = int64_t{h.data_page_header_v2->definition_levels_byte_length} +
                     h.data_page_header_v2->repetition_levels_byte_length;
    if (levels > h.compressed_page_size) {
      return r.Error("DataPageHeaderV2", "levels of " + std::to_string(levels) + " bytes in a page of " +
                                             std::to_string(h.compressed_page_size));
    }
  }
  return Status::OK();
}

// ---- The schema tree ----

struct SchemaWalk {
  const std::vector<SchemaElement>& elements;
  size_t next = 1;  // the next element to take; element 0 is the root
  Schema schema;
  uint64_t path_bytes = 0;  // of every column's path and name so far
};

std::string ElementName(const std::vector<SchemaElement>& elements, size_t i) {
  return "schema element " + std::to_string(i) + " ('" + elements[i].name + "')";
}

std::string JoinPath(const std::vector<std::string>& path) {
  std::string s;
  for (const std::string& p : path) {
    if (!s.empty()) s += '.';
    s += p;
  }
  return s;
}

// The kind a legacy ConvertedType stands for, with its parameters, into c.
void MapConvertedType(ConvertedType t, Column* c) {
  auto integer = [c](int bits, bool is_signed) {
    c->logical = LogicalKind::kInteger;
    c->bits = bits;
    c->is_signed = is_signed;
  };
  auto time = [c](LogicalKind kind, TimeUnit unit) {
    c->logical = kind;
    c->unit = unit;
    c->utc = true;  // LogicalTypes.md: the converted TIME_* and TIMESTAMP_* are adjusted to UTC
  };
  switch (t) {
    case ConvertedType::kUtf8: c->logical = LogicalKind::kString; break;
    case ConvertedType::kMap:
    case ConvertedType::kMapKeyValue: c->logical = LogicalKind::kMap; break;
    case ConvertedType::kList: c->logical = LogicalKind::kList; break;
    case ConvertedType::kEnum: c->logical = LogicalKind::kEnum; break;
    case ConvertedType::kDecimal: c->logical = LogicalKind::kDecimal; break;
    case ConvertedType::kDate: c->logical = LogicalKind::kDate; break;
    case ConvertedType::kTimeMillis: time(LogicalKind::kTime, TimeUnit::kMillis); break;
    case ConvertedType::kTimeMicros: time(LogicalKind::kTime, TimeUnit::kMicros); break;
    case ConvertedType::kTimestampMillis: time(LogicalKind::kTimestamp, TimeUnit::kMillis); break;
    case ConvertedType::kTimestampMicros: time(LogicalKind::kTimestamp, TimeUnit::kMicros); break;
    case ConvertedType::kUint8: integer(8, false); break;
    case ConvertedType::kUint16: integer(16, false); break;
    case ConvertedType::kUint32: integer(32, false); break;
    case ConvertedType::kUint64: integer(64, false); break;
    case ConvertedType::kInt8: integer(8, true); break;
    case ConvertedType::kInt16: integer(16, true); break;
    case ConvertedType::kInt32: integer(32, true); break;
    case ConvertedType::kInt64: integer(64, true); break;
    case ConvertedType::kJson: c->logical = LogicalKind::kJson; break;
    case ConvertedType::kBson: c->logical = LogicalKind::kBson; break;
    default: c->logical = LogicalKind::kOther; break;  // INTERVAL, newer values
  }
}

// The leaf's logical type: LogicalType when it names one this reader knows, else the
// converted type; then the parameters are checked.
Status ResolveLogical(const SchemaElement& e, const std::string& what, Column* c) {
  bool use_logical = e.logical != LogicalKind::kNone && !(e.logical == LogicalKind::kOther && e.converted_type);
  if (use_logical) {
    c->logical = e.logical;
    c->scale = e.logical_scale;
    c->precision = e.logical_precision;
    c->unit = e.logical_unit;
    c->utc = e.logical_utc;
    c->bits = e.logical_bits;
    c->is_signed = e.logical_signed;
  } else if (e.converted_type) {
    MapConvertedType(*e.converted_type, c);
    if (c->logical == LogicalKind::kDecimal) {
      if (!e.precision) return Status::Corrupt(what + ": DECIMAL without a precision");
      c->precision = *e.precision;
      c->scale = e.scale.value_or(0);  // LogicalTypes.md: the scale is 0 when not given
    }
  }
  if (c->logical == LogicalKind::kDecimal && (c->precision <= 0 || c->scale < 0 || c->scale > c->precision)) {
    return Status::Corrupt(what + ": DECIMAL(" + std::to_string(c->precision) + ", " + std::to_string(c->scale) +
                           ") needs 0 <= scale <= precision and precision > 0");
  }
  if (c->logical == LogicalKind::kInteger && c->bits != 8 && c->bits != 16 && c->bits != 32 && c->bits != 64) {
    return Status::Corrupt(what + ": INTEGER of " + std::to_string(c->bits) + " bits");
  }
  return Status::OK();
}

Status AddLeaf(SchemaWalk& w, size_t index, const std::vector<std::string>& path, int16_t def, int16_t rep,
               int depth) {
  const SchemaElement& e = w.elements[index];
  std::string what = ElementName(w.elements, index);
  if (!e.type) return Status::Corrupt(what + ": a leaf without a type");
  Column c;
  c.path = path;
  c.type = *e.type;
  c.type_length = e.type_length;
  if (c.type == PhysicalType::kFixedLenByteArray && c.type_length <= 0) {
    return Status::Corrupt(what + ": FIXED_LEN_BYTE_ARRAY of length " + std::to_string(c.type_length));
  }
  RETURN_IF_ERROR(ResolveLogical(e, what, &c));
  c.max_definition_level = def;
  c.max_repetition_level = rep;
  c.nested = depth > 1 || rep > 0;
  c.name = c.nested ? JoinPath(path) : path.front();
  for (const std::string& p : path) w.path_bytes += p.size() + 1;
  w.path_bytes += c.name.size();
  if (w.path_bytes > kMaxSchemaPathBytes) {
    return Status::Unsupported(what + ": the columns' paths pass " + std::to_string(kMaxSchemaPathBytes >> 20) +
                               " MiB");
  }
  w.schema.columns.push_back(std::move(c));
  return Status::OK();
}

// Takes the children of the element at `parent`, depth-first; path, def and rep
// are the parent's.
Status AddChildren(SchemaWalk& w, size_t parent, std::vector<std::string>& path, int16_t def, int16_t rep,
                   int depth) {
  if (depth > kMaxSchemaDepth) {
    return Status::Corrupt(ElementName(w.elements, parent) + ": nested deeper than " +
                           std::to_string(kMaxSchemaDepth) + " levels");
  }
  for (int32_t i = 0; i < w.elements[parent].num_children; ++i) {
    if (w.next >= w.elements.size()) {
      return Status::Corrupt(ElementName(w.elements, parent) + ": " +
                             std::to_string(w.elements[parent].num_children) +
                             " children, more than the schema's elements after it");
    }
    size_t index = w.next++;
    const SchemaElement& e = w.elements[index];
    Repetition r = e.repetition.value_or(Repetition::kRequired);  // absent: as thrift's default
    if (r != Repetition::kRequired && r != Repetition::kOptional && r != Repetition::kRepeated) {
      return Status::Unsupported(ElementName(w.elements, index) + ": repetition " +
                                 std::to_string(static_cast<int32_t>(r)));
    }
    int16_t child_def = def + (r != Repetition::kRequired ? 1 : 0);
    int16_t child_rep = rep + (r == Repetition::kRepeated ? 1 : 0);
    if (e.num_children < 0) return Status::Corrupt(ElementName(w.elements, index) + ": a negative children count");
    path.push_back(e.name);
    if (e.num_children > 0) {
      if (e.type) return Status::Corrupt(ElementName(w.elements, index) + ": a group with a physical type");
      RETURN_IF_ERROR(AddChildren(w, index, path, child_def, child_rep, depth + 1));
    } else {
      RETURN_IF_ERROR(AddLeaf(w, index, path, child_def, child_rep, depth));
    }
    path.pop_back();
  }
  return Status::OK();
}

bool AddOverflows(uint64_t a, uint64_t b, uint64_t limit) { return a > limit || b > limit - a; }

Status ValidateChunk(const ColumnChunk& chunk, const Column& col, const RowGroup& group, uint64_t data_end,
                     const std::string& what) {
  if (!chunk.file_path.empty()) {
    return Status::Unsupported(what + ": the column's data is in another file ('" + chunk.file_path + "')");
  }
  if (!chunk.meta_data) return Status::Corrupt(what + ": no column metadata");
  const ColumnMetaData& m = *chunk.meta_data;
  if (m.type != col.type) {
    return Status::Corrupt(what + ": physical type " + std::to_string(static_cast<int>(m.type)) +
                           ", the schema says " + std::to_string(static_cast<int>(col.type)));
  }
  if (col.max_repetition_level == 0 && m.num_values != group.num_rows) {
    return Status::Corrupt(what + ": " + std::to_string(m.num_values) + " values in " +
                           std::to_string(group.num_rows) + " rows");
  }
  ByteRange range = ChunkRange(m);
  if (range.offset < kMagic.size()) {
    return Status::Corrupt(what + ": the chunk starts at byte " + std::to_string(range.offset) +
                           ", inside the leading magic");
  }
  if (AddOverflows(range.offset, range.length, data_end)) {
    return Status::Corrupt(what + ": bytes [" + std::to_string(range.offset) + ", +" + std::to_string(range.length) +
                           ") run past the data, which ends at byte " + std::to_string(data_end));
  }
  return Status::OK();
}

}  // namespace

Result<uint32_t> FooterLength(std::string_view last8) {
  if (last8.size() != kFooterTailBytes) {
    return Status::Corrupt("parquet footer: " + std::to_string(last8.size()) + " bytes at the end, not 8");
  }
  std::string_view magic = last8.substr(4);
  if (magic == kEncryptedMagic) return Status::Unsupported("parquet footer: encrypted footers are not supported");
  if (magic != kMagic) return Status::Corrupt("parquet footer: the file does not end in PAR1");
  uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<uint8_t>(last8[i]);
  if (length == 0) return Status::Corrupt("parquet footer: metadata length 0");
  return length;
}

Result<FileMetaData> ParseFileMetaData(std::string_view bytes) {
  Reader r(bytes);
  FileMetaData m;
  Seen seen;
  Status st = thrift::ReadStruct(r, "FileMetaData", [&](const FieldHeader& f) {
    seen.Add(f.id);
    return ReadFileMetaField(r, f, &m);
  });
  if (st.ok()) st = seen.Need(r, 2, "FileMetaData.schema");
  if (st.ok()) st = seen.Need(r, 3, "FileMetaData.num_rows");
  if (st.ok()) st = seen.Need(r, 4, "FileMetaData.row_groups");
  if (st.ok() && r.remaining() != 0) {
    st = r.Error("FileMetaData", std::to_string(r.remaining()) + " bytes after the end of the struct");
  }
  if (!st.ok()) return st.code() == StatusCode::kCorrupt ? st.WithPrefix("parquet footer") : st;
  return m;
}

Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* consumed) {
  Reader r(bytes);
  PageHeader h;
  Seen seen;
  Status st = thrift::ReadStruct(r, "PageHeader", [&](const FieldHeader& f) {
    seen.Add(f.id);
    return ReadPageHeaderField(r, f, &h);
  });
  if (st.ok()) st = seen.Need(r, 1, "PageHeader.type");
  if (st.ok()) st = seen.Need(r, 2, "PageHeader.uncompressed_page_size");
  if (st.ok()) st = seen.Need(r, 3, "PageHeader.compressed_page_size");
  if (st.ok()) st = CheckPageHeader(r, h);
  if (!st.ok()) return st.WithPrefix("parquet page header");
  *consumed = r.position();
  return h;
}

Result<Schema> BuildSchema(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) return Status::Corrupt("parquet schema: no elements");
  if (elements[0].type) return Status::Corrupt("parquet schema: the root is a leaf");
  SchemaWalk w{elements, 1, {}, 0};
  std::vector<std::string> path;
  Status st = AddChildren(w, 0, path, 0, 0, 1);
  if (!st.ok()) return st.WithPrefix("parquet schema");
  if (w.next != elements.size()) {
    return Status::Corrupt("parquet schema: " + std::to_string(elements.size() - w.next) +
                           " elements after the tree's last");
  }
  return std::move(w.schema);
}

ByteRange ChunkRange(const ColumnMetaData& meta) {
  uint64_t start = static_cast<uint64_t>(meta.data_page_offset);
  // Some writers store 0 for "no dictionary page"; one after the first data page is not the chunk's start.
  if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 &&
      *meta.dictionary_page_offset < meta.data_page_offset) {
    start = static_cast<uint64_t>(*meta.dictionary_page_offset);
  }
  return ByteRange{start, static_cast<uint64_t>(meta.total_compressed_size)};
}

Status Validate(const FileMetaData& meta, const Schema& schema, uint64_t file_size, uint32_t footer_length) {
  if (AddOverflows(uint64_t{footer_length} + kFooterTailBytes, kMagic.size(), file_size)) {
    return Status::Corrupt("parquet footer: metadata of " + std::to_string(footer_length) +
                           " bytes does not fit in a file of " + std::to_string(file_size));
  }
  uint64_t data_end = file_size - kFooterTailBytes - footer_length;
  uint64_t rows = 0;
  for (size_t g = 0; g < meta.row_groups.size(); ++g) {
    const RowGroup& group = meta.row_groups[g];
    std::string where = "parquet footer: row group " + std::to_string(g);
    if (group.columns.size() != schema.columns.size()) {
      return Status::Corrupt(where + ": " + std::to_string(group.columns.size()) + " column chunks for " +
                             std::to_string(schema.columns.size()) + " columns");
    }
    for (size_t c = 0; c < group.columns.size(); ++c) {
      RETURN_IF_ERROR(ValidateChunk(group.columns[c], schema.columns[c], group, data_end,
                                    where + ", column '" + schema.columns[c].name + "'"));
    }
    rows += static_cast<uint64_t>(group.num_rows);  // both below 2^63 (checked below): no wrap
    if (rows > static_cast<uint64_t>(meta.num_rows)) break;
  }
  if (rows != static_cast<uint64_t>(meta.num_rows)) {
    return Status::Corrupt("parquet footer: the row groups hold " + std::to_string(rows) + " rows, the file says " +
                           std::to_string(meta.num_rows));
  }
  return Status::OK();
}

}  // namespace fanout::parquet
