#include "parquet/metadata.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "parquet/thrift.h"

namespace fanout::parquet {
namespace {

using thrift::WireType;

// ---- A compact-protocol encoder, for building footers field by field ----

class Enc {
 public:
  // How structs are written: unknown fields of every type around the real ones, and
  // the real fields in reverse order.
  bool extras = false;
  bool reverse = false;

  const std::string& bytes() const { return out_; }
  std::string& raw() { return out_; }

  void Byte(uint8_t b) { out_ += static_cast<char>(b); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      Byte(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    Byte(static_cast<uint8_t>(v));
  }
  void ZigZag(int64_t v) { Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }

  void Field(int16_t id, WireType t) {
    int delta = id - last_.back();
    if (delta > 0 && delta <= 15) {
      Byte(static_cast<uint8_t>(delta << 4 | static_cast<int>(t)));
    } else {
      Byte(static_cast<uint8_t>(t));
      ZigZag(id);
    }
    last_.back() = id;
  }
  void I32(int16_t id, int64_t v) { Field(id, WireType::kI32), ZigZag(v); }
  void I64(int16_t id, int64_t v) { Field(id, WireType::kI64), ZigZag(v); }
  void Bin(int16_t id, std::string_view s) { Field(id, WireType::kBinary), Str(s); }
  void Bool(int16_t id, bool b) { Field(id, b ? WireType::kBoolTrue : WireType::kBoolFalse); }
  void Str(std::string_view s) { Varint(s.size()), out_ += s; }
  void ListHeader(WireType element, uint64_t n) {
    if (n < 15) {
      Byte(static_cast<uint8_t>(n << 4 | static_cast<int>(element)));
    } else {
      Byte(static_cast<uint8_t>(0xf0 | static_cast<int>(element)));
      Varint(n);
    }
  }
  void List(int16_t id, WireType element, uint64_t n) { Field(id, WireType::kList), ListHeader(element, n); }

  // A struct (a field when id >= 0, else a list element or the top level) whose
  // fields `body` writes, each through one call of the functions it is given.
  using Fields = std::vector<std::function<void()>>;
  void Struct(int16_t id, const Fields& fields) {
    if (id >= 0) Field(id, WireType::kStruct);
    last_.push_back(0);
    if (extras) Unknown();
    if (reverse) {
      for (auto it = fields.rbegin(); it != fields.rend(); ++it) (*it)();
    } else {
      for (const auto& f : fields) f();
    }
    if (extras) Unknown();
    Byte(0);
    last_.pop_back();
  }

  // Fields no Parquet struct has (ids 100 on, and a negative one), of every type.
  void Unknown() {
    Bool(100, true);
    Bool(101, false);
    Field(102, WireType::kByte), Byte(0xff);
    Field(103, WireType::kI16), ZigZag(-300);
    I32(104, 1 << 30);
    I64(105, int64_t{1} << 60);
    Field(106, WireType::kDouble), out_ += std::string(8, '\x3f');
    Bin(107, "unknown bytes");
    List(108, WireType::kI32, 3), ZigZag(1), ZigZag(2), ZigZag(3);
    List(109, WireType::kBoolTrue, 2), Byte(1), Byte(2);
    Field(110, WireType::kSet), ListHeader(WireType::kBinary, 1), Str("x");
    Field(111, WireType::kMap), Varint(2), Byte(0x85), Str("a"), ZigZag(1), Str("b"), ZigZag(2);
    Field(112, WireType::kMap), Varint(0);
    bool saved = extras;
    extras = false;
    Struct(113, {[&] { Struct(1, {[&] { I32(1, 7); }}); },
                 [&] { List(2, WireType::kStruct, 2), Struct(-1, {}), Struct(-1, {[&] { Bin(5, "y"); }}); },
                 [&] { List(3, WireType::kList, 1), ListHeader(WireType::kDouble, 1), out_ += std::string(8, 0); }});
    extras = saved;
    Field(114, WireType::kUuid), out_ += std::string(16, '\x11');
    List(115, WireType::kStruct, 0);
    I32(-5, 9);
  }

 private:
  std::string out_;
  std::vector<int16_t> last_{0};
};

// ---- Encoders of each struct, from the decoder's own types ----

void EncStatistics(Enc& e, int16_t id, const Statistics& s) {
  e.Struct(id, {[&] { if (s.max) e.Bin(1, *s.max); }, [&] { if (s.min) e.Bin(2, *s.min); },
                [&] { if (s.null_count) e.I64(3, *s.null_count); },
                [&] { if (s.distinct_count) e.I64(4, *s.distinct_count); },
                [&] { if (s.max_value) e.Bin(5, *s.max_value); }, [&] { if (s.min_value) e.Bin(6, *s.min_value); }});
}

void EncTimeType(Enc& e, int16_t id, const SchemaElement& s) {
  int16_t unit = s.logical_unit == TimeUnit::kMillis ? 1 : s.logical_unit == TimeUnit::kMicros ? 2 : 3;
  e.Struct(id, {[&] { e.Bool(1, s.logical_utc); }, [&] { e.Struct(2, {[&] { e.Struct(unit, {}); }}); }});
}

void EncLogicalType(Enc& e, const SchemaElement& s) {
  static const std::pair<LogicalKind, int16_t> kEmpty[] = {
      {LogicalKind::kString, 1}, {LogicalKind::kMap, 2},   {LogicalKind::kList, 3},  {LogicalKind::kEnum, 4},
      {LogicalKind::kDate, 6},   {LogicalKind::kNull, 11}, {LogicalKind::kJson, 12}, {LogicalKind::kBson, 13},
      {LogicalKind::kUuid, 14},  {LogicalKind::kFloat16, 15}, {LogicalKind::kOther, 16},
  };
  e.Struct(10, {[&] {
    for (auto [kind, id] : kEmpty) {
      if (s.logical == kind) e.Struct(id, {});
    }
    if (s.logical == LogicalKind::kDecimal) {
      e.Struct(5, {[&] { e.I32(1, s.logical_scale); }, [&] { e.I32(2, s.logical_precision); }});
    }
    if (s.logical == LogicalKind::kTime) EncTimeType(e, 7, s);
    if (s.logical == LogicalKind::kTimestamp) EncTimeType(e, 8, s);
    if (s.logical == LogicalKind::kInteger) {
      e.Struct(10, {[&] { e.Field(1, WireType::kByte), e.Byte(static_cast<uint8_t>(s.logical_bits)); },
                    [&] { e.Bool(2, s.logical_signed); }});
    }
  }});
}

void EncSchemaElement(Enc& e, const SchemaElement& s) {
  e.Struct(-1, {[&] { if (s.type) e.I32(1, static_cast<int>(*s.type)); },
                [&] { if (s.type_length) e.I32(2, s.type_length); },
                [&] { if (s.repetition) e.I32(3, static_cast<int>(*s.repetition)); },
                [&] { e.Bin(4, s.name); },
                [&] { if (s.num_children) e.I32(5, s.num_children); },
                [&] { if (s.converted_type) e.I32(6, static_cast<int>(*s.converted_type)); },
                [&] { if (s.scale) e.I32(7, *s.scale); },
                [&] { if (s.precision) e.I32(8, *s.precision); },
                [&] { if (s.field_id) e.I32(9, *s.field_id); },
                [&] { if (s.logical != LogicalKind::kNone) EncLogicalType(e, s); }});
}

void EncColumnMetaData(Enc& e, const ColumnMetaData& m) {
  e.Struct(3, {[&] { e.I32(1, static_cast<int>(m.type)); },
               [&] {
                 e.List(2, WireType::kI32, m.encodings.size());
                 for (Encoding x : m.encodings) e.ZigZag(static_cast<int>(x));
               },
               [&] {
                 e.List(3, WireType::kBinary, m.path_in_schema.size());
                 for (const std::string& p : m.path_in_schema) e.Str(p);
               },
               [&] { e.I32(4, static_cast<int>(m.codec)); }, [&] { e.I64(5, m.num_values); },
               [&] { e.I64(6, m.total_uncompressed_size); }, [&] { e.I64(7, m.total_compressed_size); },
               [&] { e.I64(9, m.data_page_offset); },
               [&] { if (m.index_page_offset) e.I64(10, *m.index_page_offset); },
               [&] { if (m.dictionary_page_offset) e.I64(11, *m.dictionary_page_offset); },
               [&] { if (m.statistics) EncStatistics(e, 12, *m.statistics); }});
}

void EncRowGroup(Enc& e, const RowGroup& g) {
  e.Struct(-1, {[&] {
                  e.List(1, WireType::kStruct, g.columns.size());
                  for (const ColumnChunk& c : g.columns) {
                    e.Struct(-1, {[&] { if (!c.file_path.empty()) e.Bin(1, c.file_path); },
                                  [&] { e.I64(2, c.file_offset); },
                                  [&] { if (c.meta_data) EncColumnMetaData(e, *c.meta_data); }});
                  }
                },
                [&] { e.I64(2, g.total_byte_size); }, [&] { e.I64(3, g.num_rows); },
                [&] { if (g.file_offset) e.I64(5, *g.file_offset); },
                [&] { if (g.total_compressed_size) e.I64(6, *g.total_compressed_size); }});
}

std::string EncFileMetaData(const FileMetaData& m, bool extras = false, bool reverse = false) {
  Enc e;
  e.extras = extras;
  e.reverse = reverse;
  e.Struct(-1, {[&] { e.I32(1, m.version); },
                [&] {
                  e.List(2, WireType::kStruct, m.schema.size());
                  for (const SchemaElement& s : m.schema) EncSchemaElement(e, s);
                },
                [&] { e.I64(3, m.num_rows); },
                [&] {
                  e.List(4, WireType::kStruct, m.row_groups.size());
                  for (const RowGroup& g : m.row_groups) EncRowGroup(e, g);
                },
                [&] { if (!m.created_by.empty()) e.Bin(6, m.created_by); }});
  return e.bytes();
}

std::string EncPageHeader(const PageHeader& h, bool extras = false, bool reverse = false) {
  Enc e;
  e.extras = extras;
  e.reverse = reverse;
  auto data = [&](const DataPageHeader& d) {
    e.Struct(5, {[&] { e.I32(1, d.num_values); }, [&] { e.I32(2, static_cast<int>(d.encoding)); },
                 [&] { e.I32(3, static_cast<int>(d.definition_level_encoding)); },
                 [&] { e.I32(4, static_cast<int>(d.repetition_level_encoding)); },
                 [&] { if (d.statistics) EncStatistics(e, 5, *d.statistics); }});
  };
  auto dict = [&](const DictionaryPageHeader& d) {
    e.Struct(7, {[&] { e.I32(1, d.num_values); }, [&] { e.I32(2, static_cast<int>(d.encoding)); },
                 [&] { e.Bool(3, d.is_sorted); }});
  };
  auto v2 = [&](const DataPageHeaderV2& d) {
    e.Struct(8, {[&] { e.I32(1, d.num_values); }, [&] { e.I32(2, d.num_nulls); }, [&] { e.I32(3, d.num_rows); },
                 [&] { e.I32(4, static_cast<int>(d.encoding)); },
                 [&] { e.I32(5, d.definition_levels_byte_length); },
                 [&] { e.I32(6, d.repetition_levels_byte_length); }, [&] { e.Bool(7, d.is_compressed); },
                 [&] { if (d.statistics) EncStatistics(e, 8, *d.statistics); }});
  };
  e.Struct(-1, {[&] { e.I32(1, static_cast<int>(h.type)); }, [&] { e.I32(2, h.uncompressed_page_size); },
                [&] { e.I32(3, h.compressed_page_size); }, [&] { if (h.crc) e.I32(4, *h.crc); },
                [&] { if (h.data_page_header) data(*h.data_page_header); },
                [&] { if (h.dictionary_page_header) dict(*h.dictionary_page_header); },
                [&] { if (h.data_page_header_v2) v2(*h.data_page_header_v2); }});
  return e.bytes();
}

// ---- Sample metadata ----

SchemaElement Leaf(std::string name, PhysicalType t, Repetition r = Repetition::kOptional) {
  SchemaElement e;
  e.name = std::move(name);
  e.type = t;
  e.repetition = r;
  return e;
}

SchemaElement Group(std::string name, int children, std::optional<Repetition> r = Repetition::kOptional) {
  SchemaElement e;
  e.name = std::move(name);
  e.num_children = children;
  e.repetition = r;
  return e;
}

// A schema with every logical type the decoder keeps parameters of.
std::vector<SchemaElement> RichSchema() {
  std::vector<SchemaElement> s;
  s.push_back(Group("schema", 7, std::nullopt));
  s.push_back(Leaf("id", PhysicalType::kInt64, Repetition::kRequired));
  s.back().field_id = 12;
  s.push_back(Leaf("name", PhysicalType::kByteArray));
  s.back().converted_type = ConvertedType::kUtf8;
  s.back().logical = LogicalKind::kString;
  s.push_back(Leaf("price", PhysicalType::kFixedLenByteArray));
  s.back().type_length = 9;
  s.back().converted_type = ConvertedType::kDecimal;
  s.back().scale = 3;
  s.back().precision = 20;
  s.back().logical = LogicalKind::kDecimal;
  s.back().logical_scale = 3;
  s.back().logical_precision = 20;
  s.push_back(Leaf("at", PhysicalType::kInt64));
  s.back().logical = LogicalKind::kTimestamp;
  s.back().logical_unit = TimeUnit::kNanos;
  s.back().logical_utc = true;
  s.push_back(Leaf("clock", PhysicalType::kInt32));
  s.back().logical = LogicalKind::kTime;
  s.back().logical_unit = TimeUnit::kMillis;
  s.push_back(Leaf("tiny", PhysicalType::kInt32));
  s.back().logical = LogicalKind::kInteger;
  s.back().logical_bits = 8;
  s.back().logical_signed = false;
  s.push_back(Leaf("half", PhysicalType::kFixedLenByteArray));
  s.back().type_length = 2;
  s.back().logical = LogicalKind::kFloat16;
  return s;
}

ColumnMetaData Meta(PhysicalType t, std::string name, int64_t offset, int64_t size, int64_t values) {
  ColumnMetaData m;
  m.type = t;
  m.encodings = {Encoding::kPlain, Encoding::kRleDictionary, Encoding::kRle};
  m.path_in_schema = {std::move(name)};
  m.codec = Codec::kSnappy;
  m.num_values = values;
  m.total_uncompressed_size = size * 2;
  m.total_compressed_size = size;
  m.data_page_offset = offset;
  return m;
}

// Two row groups of the rich schema, chunks laid end to end from byte 4.
FileMetaData RichFile() {
  FileMetaData f;
  f.version = 2;
  f.schema = RichSchema();
  f.created_by = "fanout test";
  const PhysicalType types[] = {PhysicalType::kInt64, PhysicalType::kByteArray, PhysicalType::kFixedLenByteArray,
                                PhysicalType::kInt64, PhysicalType::kInt32,     PhysicalType::kInt32,
                                PhysicalType::kFixedLenByteArray};
  int64_t offset = 4;
  for (int64_t rows : {1000, 7}) {
    RowGroup g;
    g.num_rows = rows;
    g.file_offset = offset;
    for (size_t c = 0; c < std::size(types); ++c) {
      ColumnChunk chunk;
      chunk.file_offset = offset;
      chunk.meta_data = Meta(types[c], f.schema[c + 1].name, offset, 100 + c, rows);
      g.total_byte_size += 100 + c;
      offset += 100 + c;
      g.columns.push_back(std::move(chunk));
    }
    g.total_compressed_size = g.total_byte_size;
    f.num_rows += rows;
    f.row_groups.push_back(std::move(g));
  }
  ColumnMetaData& m = *f.row_groups[0].columns[1].meta_data;
  m.dictionary_page_offset = m.data_page_offset;
  m.data_page_offset += 20;
  m.index_page_offset = 77;
  Statistics st;
  st.min = "a";
  st.max = "zz";
  st.null_count = 3;
  st.distinct_count = 26;
  st.min_value = std::string("\0a", 2);
  st.max_value = "zzz";
  m.statistics = st;
  f.row_groups[1].columns[0].meta_data->statistics = Statistics{};
  return f;
}

// The end of the last chunk of RichFile: a file of this size plus the footer fits it.
constexpr uint64_t kRichDataEnd = 4 + 2 * (100 + 101 + 102 + 103 + 104 + 105 + 106);

PageHeader DataPage() {
  PageHeader h;
  h.type = PageType::kDataPage;
  h.uncompressed_page_size = 4000;
  h.compressed_page_size = 1234;
  h.crc = -17;
  DataPageHeader d;
  d.num_values = 1000;
  d.encoding = Encoding::kRleDictionary;
  d.definition_level_encoding = Encoding::kRle;
  d.repetition_level_encoding = Encoding::kBitPacked;
  d.statistics = Statistics{};
  d.statistics->null_count = 0;
  h.data_page_header = d;
  return h;
}

PageHeader DictionaryPage() {
  PageHeader h;
  h.type = PageType::kDictionaryPage;
  h.uncompressed_page_size = 80;
  h.compressed_page_size = 60;
  h.dictionary_page_header = DictionaryPageHeader{10, Encoding::kPlain, true};
  return h;
}

PageHeader DataPageV2() {
  PageHeader h;
  h.type = PageType::kDataPageV2;
  h.uncompressed_page_size = 500;
  h.compressed_page_size = 300;
  DataPageHeaderV2 d;
  d.num_values = 100;
  d.num_nulls = 4;
  d.num_rows = 90;
  d.encoding = Encoding::kDeltaBinaryPacked;
  d.definition_levels_byte_length = 10;
  d.repetition_levels_byte_length = 12;
  d.is_compressed = false;
  d.statistics = Statistics{};
  d.statistics->max_value = "\x7f";
  h.data_page_header_v2 = d;
  return h;
}

void ExpectCorrupt(const Status& st, const std::string& has) {
  EXPECT_EQ(st.code(), StatusCode::kCorrupt) << st.message();
  EXPECT_NE(st.message().find(has), std::string::npos) << st.message();
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(FANOUT_SOURCE_DIR) + "/tests/data/parquet/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---- The protocol reader ----

TEST(ThriftReader, VarintsAndZigZag) {
  Enc e;
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-64}, int64_t{63}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    e.ZigZag(v);
  }
  thrift::Reader r(e.bytes());
  for (int64_t want : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-64}, int64_t{63}, int64_t{1} << 40,
                       std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    int64_t v = 0;
    ASSERT_TRUE(r.ReadInt(WireType::kI64, "x", &v).ok());
    EXPECT_EQ(v, want);
  }
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ThriftReader, BadVarints) {
  std::string eleven(11, '\x80');
  thrift::Reader a(eleven);
  int64_t v = 0;
  ExpectCorrupt(a.ReadInt(WireType::kI64, "T.f", &v), "T.f: varint longer than 10 bytes at byte 0");
  std::string overflow = std::string(9, '\xff') + '\x02';  // a tenth byte carrying more than bit 63
  thrift::Reader b(overflow);
  ExpectCorrupt(b.ReadInt(WireType::kI64, "T.f", &v), "overflows 64 bits");
  std::string cut = "\x01\x80";
  thrift::Reader c(cut);
  ASSERT_TRUE(c.Skip(WireType::kByte, "T.f").ok());
  ExpectCorrupt(c.ReadInt(WireType::kI32, "T.f", &v), "T.f: truncated varint at byte 1");
  std::string big;  // an i32 field holding 2^40
  {
    Enc e;
    e.ZigZag(int64_t{1} << 40);
    big = e.bytes();
  }
  thrift::Reader d(big);
  int32_t small = 0;
  ExpectCorrupt(d.ReadInt(WireType::kI64, "T.f", &small), "out of range");
}

TEST(ThriftReader, IntegerWidthsAreInterchangeableWhenTheValueFits) {
  Enc e;
  e.Byte(0xfe);   // a byte: -2
  e.ZigZag(300);  // as i16
  thrift::Reader r(e.bytes());
  int32_t v = 0;
  ASSERT_TRUE(r.ReadInt(WireType::kByte, "x", &v).ok());
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(r.ReadInt(WireType::kI16, "x", &v).ok());
  EXPECT_EQ(v, 300);
}

TEST(ThriftReader, SkipsEveryType) {
  Enc e;
  e.Struct(-1, {[&] { e.Unknown(); }});
  thrift::Reader r(e.bytes());
  std::vector<int16_t> ids;
  ASSERT_TRUE(thrift::ReadStruct(r, "T", [&](const thrift::FieldHeader& f) {
                ids.push_back(f.id);
                return r.Skip(f.type, "T");
              }).ok());
  EXPECT_EQ(r.remaining(), 0u);
  std::vector<int16_t> want;
  for (int16_t id = 100; id <= 115; ++id) want.push_back(id);
  want.push_back(-5);
  EXPECT_EQ(ids, want);
}

TEST(ThriftReader, HugeCountsAreBoundedByTheBytesLeft) {
  struct Case {
    std::string bytes;
    WireType type;
    const char* message;
  };
  Enc list, set_of_doubles, map, binary, count_too_long;
  list.ListHeader(WireType::kI32, uint64_t{1} << 31);
  set_of_doubles.ListHeader(WireType::kDouble, 2);  // 16 bytes needed, 8 there
  set_of_doubles.raw() += std::string(8, 0);
  map.Varint(0x7fffffff), map.Byte(0x55);
  binary.Varint(uint64_t{1} << 32);
  count_too_long.ListHeader(WireType::kI32, uint64_t{1} << 40);
  const Case cases[] = {
      {list.bytes(), WireType::kList, "list of 2147483648 elements is longer than the 0 bytes left"},
      {set_of_doubles.bytes(), WireType::kSet, "list of 2 elements is longer than the 8 bytes left"},
      {map.bytes(), WireType::kMap, "map of 2147483647 entries"},
      {binary.bytes(), WireType::kBinary, "length 4294967296 past the end"},
      {count_too_long.bytes(), WireType::kList, "varint longer than 5 bytes"},
  };
  for (const Case& c : cases) {
    thrift::Reader r(c.bytes);
    ExpectCorrupt(r.Skip(c.type, "T.f"), c.message);
  }
}

TEST(ThriftReader, BoolListsNeedAByteEach) {
  Enc e;
  e.ListHeader(WireType::kBoolFalse, 3), e.Byte(1), e.Byte(0);
  thrift::Reader r(e.bytes());
  ExpectCorrupt(r.Skip(WireType::kList, "T.f"), "longer than the 2 bytes left");
}

TEST(ThriftReader, DeepNestingIsCorrupt) {
  for (WireType kind : {WireType::kStruct, WireType::kList}) {
    Enc e;
    for (int i = 0; i < 200; ++i) {
      if (kind == WireType::kStruct) {
        e.Byte(0x1c);  // field 1, a struct
      } else {
        e.ListHeader(WireType::kList, 1);
      }
    }
    thrift::Reader r(e.bytes());
    ExpectCorrupt(r.Skip(kind, "T.f"), "nested deeper than 64 levels");
  }
  // As deep as allowed: a struct holding 63 more.
  Enc ok;
  for (int i = 0; i < thrift::kMaxDepth - 1; ++i) ok.Byte(0x1c);
  ok.raw() += std::string(thrift::kMaxDepth, '\0');
  thrift::Reader r(ok.bytes());
  EXPECT_TRUE(r.Skip(WireType::kStruct, "T.f").ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ThriftReader, UnknownTypeCodesAreCorrupt) {
  std::string field = "\x1e";  // type 14
  thrift::Reader a(field);
  ExpectCorrupt(thrift::ReadStruct(a, "T", [&](const thrift::FieldHeader& f) { return a.Skip(f.type, "T"); }),
                "T: unknown field type 14 at byte 0");
  std::string list = "\x10";  // a list of one STOP
  thrift::Reader b(list);
  ExpectCorrupt(b.Skip(WireType::kList, "T.f"), "list of unknown element type 0");
}

TEST(ThriftReader, LongFormFieldIds) {
  Enc e;
  e.Struct(-1, {[&] { e.I32(300, 1); }, [&] { e.I32(2, 2); }, [&] { e.I32(-7, 3); }, [&] { e.I32(10, 4); }});
  thrift::Reader r(e.bytes());
  std::vector<int16_t> ids;
  ASSERT_TRUE(thrift::ReadStruct(r, "T", [&](const thrift::FieldHeader& f) {
                ids.push_back(f.id);
                return r.Skip(f.type, "T");
              }).ok());
  EXPECT_EQ(ids, (std::vector<int16_t>{300, 2, -7, 10}));
}

// ---- FileMetaData and PageHeader ----

TEST(ParquetMetadata, FileMetaDataRoundTrips) {
  FileMetaData want = RichFile();
  for (bool extras : {false, true}) {
    for (bool reverse : {false, true}) {
      std::string bytes = EncFileMetaData(want, extras, reverse);
      Result<FileMetaData> got = ParseFileMetaData(bytes);
      ASSERT_TRUE(got.ok()) << got.status().message() << " extras " << extras << " reverse " << reverse;
      EXPECT_TRUE(*got == want) << "extras " << extras << " reverse " << reverse;
    }
  }
}

TEST(ParquetMetadata, PageHeadersRoundTrip) {
  for (const PageHeader& want : {DataPage(), DictionaryPage(), DataPageV2()}) {
    for (bool extras : {false, true}) {
      for (bool reverse : {false, true}) {
        std::string bytes = EncPageHeader(want, extras, reverse);
        size_t consumed = 0;
        Result<PageHeader> got = ParsePageHeader(bytes + "page data follows", &consumed);
        ASSERT_TRUE(got.ok()) << got.status().message();
        EXPECT_TRUE(*got == want);
        EXPECT_EQ(consumed, bytes.size());
      }
    }
  }
}

TEST(ParquetMetadata, EveryTruncationIsCorrupt) {
  std::string footer = EncFileMetaData(RichFile(), /*extras=*/true);
  for (size_t n = 0; n < footer.size(); ++n) {
    Result<FileMetaData> got = ParseFileMetaData(std::string_view(footer).substr(0, n));
    ASSERT_FALSE(got.ok()) << n;
    ASSERT_EQ(got.status().code(), StatusCode::kCorrupt) << n << ": " << got.status().message();
    ASSERT_EQ(got.status().message().rfind("parquet footer: ", 0), 0u) << got.status().message();
  }
  for (const PageHeader& h : {DataPage(), DictionaryPage(), DataPageV2()}) {
    std::string page = EncPageHeader(h, /*extras=*/true);
    for (size_t n = 0; n < page.size(); ++n) {
      size_t consumed = 0;
      Result<PageHeader> got = ParsePageHeader(std::string_view(page).substr(0, n), &consumed);
      ASSERT_EQ(got.status().code(), StatusCode::kCorrupt) << n;
      ASSERT_EQ(got.status().message().rfind("parquet page header: ", 0), 0u) << got.status().message();
    }
  }
}

TEST(ParquetMetadata, ErrorsNameTheField) {
  Enc e;
  e.Struct(-1, {[&] { e.I32(1, 1); }, [&] { e.List(2, WireType::kStruct, 0); }, [&] { e.I64(3, 0); },
                [&] {
                  e.List(4, WireType::kStruct, 1);
                  e.Struct(-1, {[&] { e.List(1, WireType::kStruct, 0); }, [&] { e.I64(2, 0); },
                                [&] { e.Field(3, WireType::kI64), e.Byte(0x80); }});
                }});
  std::string bytes = e.bytes();
  size_t cut = bytes.size() - 2;  // just after the varint's first byte, and the two stops gone
  ExpectCorrupt(ParseFileMetaData(std::string_view(bytes).substr(0, cut)).status(),
                "parquet footer: RowGroup.num_rows: truncated varint at byte " + std::to_string(cut - 1));
}

TEST(ParquetMetadata, WrongFieldTypesAreCorrupt) {
  auto file_with_num_rows = [](const std::function<void(Enc&)>& num_rows) {
    Enc e;
    e.Struct(-1, {[&] { e.List(2, WireType::kStruct, 0); }, [&] { num_rows(e); },
                  [&] { e.List(4, WireType::kStruct, 0); }});
    return e.bytes();
  };
  ExpectCorrupt(ParseFileMetaData(file_with_num_rows([](Enc& e) { e.Bin(3, "12"); })).status(),
                "FileMetaData.num_rows: expected an integer, found binary");
  ExpectCorrupt(ParseFileMetaData(file_with_num_rows([](Enc& e) { e.Bool(3, true); })).status(),
                "FileMetaData.num_rows: expected an integer, found bool");
  ExpectCorrupt(ParseFileMetaData(file_with_num_rows([](Enc& e) { e.List(3, WireType::kI64, 0); })).status(),
                "FileMetaData.num_rows: expected an integer, found list");
  // A narrower integer is fine.
  Result<FileMetaData> narrow = ParseFileMetaData(file_with_num_rows([](Enc& e) { e.I32(3, 0); }));
  EXPECT_TRUE(narrow.ok()) << narrow.status().message();
  // A schema list of i32, and a struct where a list belongs.
  Enc e;
  e.Struct(-1, {[&] { e.List(2, WireType::kI32, 1), e.ZigZag(1); }});
  ExpectCorrupt(ParseFileMetaData(e.bytes()).status(), "FileMetaData.schema: list of the wrong element type");
  Enc f;
  f.Struct(-1, {[&] { f.Struct(2, {}); }});
  ExpectCorrupt(ParseFileMetaData(f.bytes()).status(), "FileMetaData.schema: expected a list, found struct");
}

TEST(ParquetMetadata, NegativeSizesAreCorrupt) {
  FileMetaData f = RichFile();
  f.row_groups[1].num_rows = -1;
  ExpectCorrupt(ParseFileMetaData(EncFileMetaData(f)).status(), "RowGroup.num_rows: value -1 out of range");
  f = RichFile();
  f.row_groups[0].columns[2].meta_data->total_compressed_size = -100;
  ExpectCorrupt(ParseFileMetaData(EncFileMetaData(f)).status(), "ColumnMetaData.total_compressed_size: value -100");
  PageHeader h = DataPage();
  h.compressed_page_size = -5;
  size_t consumed = 0;
  ExpectCorrupt(ParsePageHeader(EncPageHeader(h), &consumed).status(), "PageHeader.compressed_page_size: value -5");
  h = DataPageV2();
  h.data_page_header_v2->num_nulls = 101;
  ExpectCorrupt(ParsePageHeader(EncPageHeader(h), &consumed).status(), "more nulls than values");
  h = DataPageV2();
  h.data_page_header_v2->definition_levels_byte_length = 290;
  ExpectCorrupt(ParsePageHeader(EncPageHeader(h), &consumed).status(), "levels of 302 bytes in a page of 300");
}

TEST(ParquetMetadata, RequiredFieldsMustBeThere) {
  Enc e;
  e.Struct(-1, {[&] { e.I32(1, 1); }, [&] { e.I64(3, 0); }, [&] { e.List(4, WireType::kStruct, 0); }});
  ExpectCorrupt(ParseFileMetaData(e.bytes()).status(), "FileMetaData.schema: required field missing");
  FileMetaData f = RichFile();
  f.row_groups[1].columns[4].meta_data.reset();
  ExpectCorrupt(ParseFileMetaData(EncFileMetaData(f)).status(), "ColumnChunk.meta_data: required field missing");
  f = RichFile();
  f.schema[2].name.clear();  // an empty name is still a name
  EXPECT_TRUE(ParseFileMetaData(EncFileMetaData(f)).ok());
  PageHeader h = DataPage();
  h.data_page_header.reset();
  size_t consumed = 0;
  ExpectCorrupt(ParsePageHeader(EncPageHeader(h), &consumed).status(), "data_page_header: missing for a data page");
  h = DictionaryPage();
  h.dictionary_page_header.reset();
  ExpectCorrupt(ParsePageHeader(EncPageHeader(h), &consumed).status(), "missing for a dictionary page");
  h = DictionaryPage();  // an index page has no header this reader needs
  h.type = PageType::kIndexPage;
  h.dictionary_page_header.reset();
  EXPECT_TRUE(ParsePageHeader(EncPageHeader(h), &consumed).ok());
}

TEST(ParquetMetadata, TrailingBytesAreCorrupt) {
  std::string bytes = EncFileMetaData(RichFile()) + "xy";
  ExpectCorrupt(ParseFileMetaData(bytes).status(), "2 bytes after the end of the struct");
}

TEST(ParquetMetadata, EncryptedFilesAreUnsupported) {
  Enc e;
  e.Struct(-1, {[&] { e.Struct(8, {[&] { e.Struct(1, {}); }}); }});
  EXPECT_EQ(ParseFileMetaData(e.bytes()).status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(FooterLength(std::string("\x10\0\0\0PARE", 8)).status().code(), StatusCode::kUnsupported);
}

TEST(ParquetMetadata, HugeListCountsInTheFooter) {
  Enc e;
  e.Struct(-1, {[&] { e.List(2, WireType::kStruct, 0x7fffffff); }});
  ExpectCorrupt(ParseFileMetaData(e.bytes()).status(), "FileMetaData.schema: list of 2147483647 elements");
  Enc g;
  g.Struct(-1, {[&] {
    g.List(4, WireType::kStruct, 1);
    g.raw() += std::string("\x19\xf8\xff\xff\xff\xff\x07", 7);  // RowGroup.columns: 2^31 - 1 strings
  }});
  ExpectCorrupt(ParseFileMetaData(g.bytes()).status(), "RowGroup.columns");
}

TEST(ParquetMetadata, DeepNestingInAnUnknownField) {
  Enc e;
  e.Struct(-1, {[&] {
    e.Field(50, WireType::kStruct);
    for (int i = 0; i < 100000; ++i) e.Byte(0x1c);
  }});
  ExpectCorrupt(ParseFileMetaData(e.bytes()).status(), "parquet footer: FileMetaData: nested deeper than 64 levels");
}

TEST(ParquetMetadata, UnknownEnumValuesAreKept) {
  FileMetaData f = RichFile();
  f.row_groups[0].columns[0].meta_data->codec = static_cast<Codec>(99);
  f.row_groups[0].columns[0].meta_data->encodings.push_back(static_cast<Encoding>(42));
  Result<FileMetaData> got = ParseFileMetaData(EncFileMetaData(f));
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(static_cast<int>(got->row_groups[0].columns[0].meta_data->codec), 99);
  EXPECT_EQ(static_cast<int>(got->row_groups[0].columns[0].meta_data->encodings.back()), 42);
  // But not a physical type: a column of an unknown type cannot be read at all.
  f.schema[1].type = static_cast<PhysicalType>(8);
  ExpectCorrupt(ParseFileMetaData(EncFileMetaData(f)).status(), "SchemaElement.type: value 8 out of range");
}

TEST(ParquetMetadata, UnknownLogicalTypesAreOther) {
  Enc e;  // a footer whose one column has a logical type from the future (field 30) and no converted type
  e.Struct(-1, {[&] {
                  e.List(2, WireType::kStruct, 2);
                  e.Struct(-1, {[&] { e.Bin(4, "root"); }, [&] { e.I32(5, 1); }});
                  e.Struct(-1, {[&] { e.I32(1, 6); }, [&] { e.Bin(4, "v"); },
                                [&] { e.Struct(10, {[&] { e.Struct(30, {[&] { e.I32(1, 5); }}); }}); }});
                },
                [&] { e.I64(3, 0); }, [&] { e.List(4, WireType::kStruct, 0); }});
  Result<FileMetaData> got = ParseFileMetaData(e.bytes());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->schema[1].logical, LogicalKind::kOther);
  Result<Schema> schema = BuildSchema(got->schema);
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->columns[0].logical, LogicalKind::kOther);
}

TEST(ParquetMetadata, FooterLength) {
  Result<uint32_t> n = FooterLength(std::string("\x34\x12\0\0PAR1", 8));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0x1234u);
  ExpectCorrupt(FooterLength(std::string("\x34\x12\0\0PAR2", 8)).status(), "does not end in PAR1");
  ExpectCorrupt(FooterLength(std::string("\0\0\0\0PAR1", 8)).status(), "length 0");
  ExpectCorrupt(FooterLength("PAR1").status(), "4 bytes at the end, not 8");
}

// ---- BuildSchema ----

TEST(ParquetSchema, FlatColumns) {
  Result<Schema> s = BuildSchema(RichSchema());
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->columns.size(), 7u);
  const Column& id = s->columns[0];
  EXPECT_EQ(id.name, "id");
  EXPECT_EQ(id.path, std::vector<std::string>{"id"});
  EXPECT_EQ(id.max_definition_level, 0);
  EXPECT_EQ(id.max_repetition_level, 0);
  EXPECT_FALSE(id.nested);
  EXPECT_EQ(id.logical, LogicalKind::kNone);
  EXPECT_EQ(s->columns[1].max_definition_level, 1);
  EXPECT_EQ(s->columns[1].logical, LogicalKind::kString);
  const Column& price = s->columns[2];
  EXPECT_EQ(price.logical, LogicalKind::kDecimal);
  EXPECT_EQ(price.scale, 3);
  EXPECT_EQ(price.precision, 20);
  EXPECT_EQ(price.type_length, 9);
  EXPECT_EQ(s->columns[3].logical, LogicalKind::kTimestamp);
  EXPECT_EQ(s->columns[3].unit, TimeUnit::kNanos);
  EXPECT_TRUE(s->columns[3].utc);
  EXPECT_EQ(s->columns[4].logical, LogicalKind::kTime);
  EXPECT_FALSE(s->columns[4].utc);
  EXPECT_EQ(s->columns[5].logical, LogicalKind::kInteger);
  EXPECT_EQ(s->columns[5].bits, 8);
  EXPECT_FALSE(s->columns[5].is_signed);
  EXPECT_EQ(s->columns[6].logical, LogicalKind::kFloat16);
}

TEST(ParquetSchema, NestedStruct) {
  // optional group s { required int32 a; optional group t { optional binary b; } } and a flat int after it
  std::vector<SchemaElement> el = {Group("root", 2, std::nullopt), Group("s", 2),
                                   Leaf("a", PhysicalType::kInt32, Repetition::kRequired), Group("t", 1),
                                   Leaf("b", PhysicalType::kByteArray), Leaf("z", PhysicalType::kInt32)};
  Result<Schema> s = BuildSchema(el);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->columns.size(), 3u);
  EXPECT_EQ(s->columns[0].name, "s.a");
  EXPECT_EQ(s->columns[0].path, (std::vector<std::string>{"s", "a"}));
  EXPECT_EQ(s->columns[0].max_definition_level, 1);
  EXPECT_TRUE(s->columns[0].nested);
  EXPECT_EQ(s->columns[1].name, "s.t.b");
  EXPECT_EQ(s->columns[1].max_definition_level, 3);
  EXPECT_EQ(s->columns[1].max_repetition_level, 0);
  EXPECT_EQ(s->columns[2].name, "z");
  EXPECT_FALSE(s->columns[2].nested);
  EXPECT_EQ(s->columns[2].max_definition_level, 1);
}

TEST(ParquetSchema, ListAndMap) {
  // optional group l (LIST) { repeated group list { optional int32 element } }
  // optional group m (MAP) { repeated group key_value { required binary key; optional int64 value } }
  std::vector<SchemaElement> el = {Group("root", 2, std::nullopt),
                                   Group("l", 1),
                                   Group("list", 1, Repetition::kRepeated),
                                   Leaf("element", PhysicalType::kInt32),
                                   Group("m", 1),
                                   Group("key_value", 2, Repetition::kRepeated),
                                   Leaf("key", PhysicalType::kByteArray, Repetition::kRequired),
                                   Leaf("value", PhysicalType::kInt64)};
  el[1].converted_type = ConvertedType::kList;
  el[4].converted_type = ConvertedType::kMap;
  Result<Schema> s = BuildSchema(el);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->columns.size(), 3u);
  EXPECT_EQ(s->columns[0].name, "l.list.element");
  EXPECT_EQ(s->columns[0].max_definition_level, 3);
  EXPECT_EQ(s->columns[0].max_repetition_level, 1);
  EXPECT_TRUE(s->columns[0].nested);
  EXPECT_EQ(s->columns[1].name, "m.key_value.key");
  EXPECT_EQ(s->columns[1].max_definition_level, 2);
  EXPECT_EQ(s->columns[1].max_repetition_level, 1);
  EXPECT_EQ(s->columns[2].max_definition_level, 3);
}

TEST(ParquetSchema, RepeatedTopLevelLeafIsNested) {
  std::vector<SchemaElement> el = {Group("root", 1, std::nullopt),
                                   Leaf("xs", PhysicalType::kInt32, Repetition::kRepeated)};
  Result<Schema> s = BuildSchema(el);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->columns[0].name, "xs");
  EXPECT_EQ(s->columns[0].max_repetition_level, 1);
  EXPECT_EQ(s->columns[0].max_definition_level, 1);
  EXPECT_TRUE(s->columns[0].nested);
}

TEST(ParquetSchema, ConvertedTypesMapToLogicalKinds) {
  struct Case {
    ConvertedType converted;
    PhysicalType physical;
    LogicalKind kind;
    int bits;
    bool is_signed;
    TimeUnit unit;
  };
  const Case cases[] = {
      {ConvertedType::kUtf8, PhysicalType::kByteArray, LogicalKind::kString, 0, true, TimeUnit::kMillis},
      {ConvertedType::kEnum, PhysicalType::kByteArray, LogicalKind::kEnum, 0, true, TimeUnit::kMillis},
      {ConvertedType::kJson, PhysicalType::kByteArray, LogicalKind::kJson, 0, true, TimeUnit::kMillis},
      {ConvertedType::kBson, PhysicalType::kByteArray, LogicalKind::kBson, 0, true, TimeUnit::kMillis},
      {ConvertedType::kDate, PhysicalType::kInt32, LogicalKind::kDate, 0, true, TimeUnit::kMillis},
      {ConvertedType::kTimeMillis, PhysicalType::kInt32, LogicalKind::kTime, 0, true, TimeUnit::kMillis},
      {ConvertedType::kTimeMicros, PhysicalType::kInt64, LogicalKind::kTime, 0, true, TimeUnit::kMicros},
      {ConvertedType::kTimestampMillis, PhysicalType::kInt64, LogicalKind::kTimestamp, 0, true, TimeUnit::kMillis},
      {ConvertedType::kTimestampMicros, PhysicalType::kInt64, LogicalKind::kTimestamp, 0, true, TimeUnit::kMicros},
      {ConvertedType::kUint8, PhysicalType::kInt32, LogicalKind::kInteger, 8, false, TimeUnit::kMillis},
      {ConvertedType::kUint16, PhysicalType::kInt32, LogicalKind::kInteger, 16, false, TimeUnit::kMillis},
      {ConvertedType::kUint32, PhysicalType::kInt32, LogicalKind::kInteger, 32, false, TimeUnit::kMillis},
      {ConvertedType::kUint64, PhysicalType::kInt64, LogicalKind::kInteger, 64, false, TimeUnit::kMillis},
      {ConvertedType::kInt8, PhysicalType::kInt32, LogicalKind::kInteger, 8, true, TimeUnit::kMillis},
      {ConvertedType::kInt16, PhysicalType::kInt32, LogicalKind::kInteger, 16, true, TimeUnit::kMillis},
      {ConvertedType::kInt32, PhysicalType::kInt32, LogicalKind::kInteger, 32, true, TimeUnit::kMillis},
      {ConvertedType::kInt64, PhysicalType::kInt64, LogicalKind::kInteger, 64, true, TimeUnit::kMillis},
      {ConvertedType::kInterval, PhysicalType::kFixedLenByteArray, LogicalKind::kOther, 0, true, TimeUnit::kMillis},
  };
  for (const Case& c : cases) {
    std::vector<SchemaElement> el = {Group("root", 1, std::nullopt), Leaf("v", c.physical)};
    el[1].converted_type = c.converted;
    el[1].type_length = 12;
    Result<Schema> s = BuildSchema(el);
    ASSERT_TRUE(s.ok()) << s.status().message();
    const Column& col = s->columns[0];
    int converted = static_cast<int>(c.converted);
    EXPECT_EQ(col.logical, c.kind) << converted;
    EXPECT_EQ(col.bits, c.bits) << converted;
    EXPECT_EQ(col.is_signed, c.is_signed) << converted;
    EXPECT_EQ(col.unit, c.unit) << converted;
    EXPECT_EQ(col.utc, c.kind == LogicalKind::kTime || c.kind == LogicalKind::kTimestamp) << converted;
  }
  // DECIMAL takes its scale and precision from the element; the scale defaults to 0.
  std::vector<SchemaElement> el = {Group("root", 1, std::nullopt), Leaf("d", PhysicalType::kInt64)};
  el[1].converted_type = ConvertedType::kDecimal;
  el[1].precision = 12;
  Result<Schema> s = BuildSchema(el);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->columns[0].logical, LogicalKind::kDecimal);
  EXPECT_EQ(s->columns[0].precision, 12);
  EXPECT_EQ(s->columns[0].scale, 0);
  el[1].precision.reset();
  ExpectCorrupt(BuildSchema(el).status(), "DECIMAL without a precision");
  // The logical type wins over the converted type.
  el[1].converted_type = ConvertedType::kTimestampMillis;
  el[1].logical = LogicalKind::kTimestamp;
  el[1].logical_unit = TimeUnit::kMicros;
  el[1].logical_utc = false;
  s = BuildSchema(el);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->columns[0].unit, TimeUnit::kMicros);
  EXPECT_FALSE(s->columns[0].utc);
}

TEST(ParquetSchema, MalformedTreesAreCorrupt) {
  auto flat = [] {
    return std::vector<SchemaElement>{Group("root", 2, std::nullopt), Leaf("a", PhysicalType::kInt32),
                                      Leaf("b", PhysicalType::kInt32)};
  };
  ExpectCorrupt(BuildSchema({}).status(), "no elements");
  auto el = flat();
  el[0].num_children = 3;
  ExpectCorrupt(BuildSchema(el).status(), "schema element 0 ('root'): 3 children, more than");
  el = flat();
  el[0].num_children = 1;
  ExpectCorrupt(BuildSchema(el).status(), "1 elements after the tree's last");
  el = flat();
  el[2].type.reset();
  ExpectCorrupt(BuildSchema(el).status(), "schema element 2 ('b'): a leaf without a type");
  el = flat();
  el[0].type = PhysicalType::kInt32;
  ExpectCorrupt(BuildSchema(el).status(), "the root is a leaf");
  el = flat();
  el[1].num_children = -1;
  ExpectCorrupt(BuildSchema(el).status(), "negative children count");
  el = flat();
  el[1].num_children = 1;
  ExpectCorrupt(BuildSchema(el).status(), "a group with a physical type");
  el = flat();
  el[1].type = PhysicalType::kFixedLenByteArray;
  ExpectCorrupt(BuildSchema(el).status(), "FIXED_LEN_BYTE_ARRAY of length 0");
  el = flat();
  el[1].logical = LogicalKind::kDecimal;
  el[1].logical_precision = 4;
  el[1].logical_scale = 5;
  ExpectCorrupt(BuildSchema(el).status(), "DECIMAL(4, 5)");
  el = flat();
  el[1].logical = LogicalKind::kInteger;
  el[1].logical_bits = 7;
  ExpectCorrupt(BuildSchema(el).status(), "INTEGER of 7 bits");
  el = flat();
  el[2].repetition = static_cast<Repetition>(3);
  EXPECT_EQ(BuildSchema(el).status().code(), StatusCode::kUnsupported);
  // A chain of groups deeper than the limit.
  std::vector<SchemaElement> deep = {Group("root", 1, std::nullopt)};
  for (int i = 0; i < 100; ++i) deep.push_back(Group("g", 1));
  deep.push_back(Leaf("x", PhysicalType::kInt32));
  ExpectCorrupt(BuildSchema(deep).status(), "nested deeper than 64 levels");
}

TEST(ParquetSchema, PathsAreLimited) {
  // One group with a 1 MiB name above 70 leaves: each leaf's path and name repeat it.
  std::vector<SchemaElement> el = {Group("root", 1, std::nullopt), Group(std::string(1 << 20, 'g'), 70)};
  for (int i = 0; i < 70; ++i) el.push_back(Leaf("x", PhysicalType::kInt32));
  Status st = BuildSchema(el).status();
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("paths pass 64 MiB"), std::string::npos) << st.message();
  el[1].name = "g";
  EXPECT_TRUE(BuildSchema(el).ok());
}

// ---- Validate ----

TEST(ParquetValidate, AGoodFooterPasses) {
  FileMetaData f = RichFile();
  Result<Schema> s = BuildSchema(f.schema);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(Validate(f, *s, kRichDataEnd + 100 + 8, 100).ok());
  ExpectCorrupt(Validate(f, *s, kRichDataEnd + 99 + 8, 100), "row group 1, column 'half': bytes [");
  ExpectCorrupt(Validate(f, *s, 50, 100), "metadata of 100 bytes does not fit in a file of 50");
  ExpectCorrupt(Validate(f, *s, 111, 100), "does not fit");
}

TEST(ParquetValidate, EachProblemIsNamed) {
  Schema s = *BuildSchema(RichSchema());
  const uint64_t size = kRichDataEnd + 100 + 8;
  auto check = [&](const std::function<void(FileMetaData&)>& damage, const std::string& message,
                   StatusCode code = StatusCode::kCorrupt) {
    FileMetaData f = RichFile();
    damage(f);
    Status st = Validate(f, s, size, 100);
    EXPECT_EQ(st.code(), code) << message;
    EXPECT_NE(st.message().find(message), std::string::npos) << st.message();
  };
  check([](FileMetaData& f) { f.row_groups[1].columns.pop_back(); }, "row group 1: 6 column chunks for 7 columns");
  check([](FileMetaData& f) { f.row_groups[0].columns[3].meta_data.reset(); },
        "row group 0, column 'at': no column metadata");
  check([](FileMetaData& f) { f.row_groups[0].columns[3].meta_data->type = PhysicalType::kDouble; },
        "column 'at': physical type 5, the schema says 2");
  check([](FileMetaData& f) { f.row_groups[0].columns[4].meta_data->num_values = 999; },
        "column 'clock': 999 values in 1000 rows");
  check([](FileMetaData& f) { f.row_groups[0].columns[0].meta_data->data_page_offset = 2; },
        "column 'id': the chunk starts at byte 2, inside the leading magic");
  check([](FileMetaData& f) { f.row_groups[0].columns[0].meta_data->total_compressed_size = int64_t{1} << 62; },
        "column 'id': bytes [4, +4611686018427387904) run past the data");
  check([](FileMetaData& f) { f.row_groups[0].columns[0].meta_data->data_page_offset = int64_t{1} << 62; },
        "run past the data");
  check([](FileMetaData& f) { f.num_rows = 1008; }, "the row groups hold 1007 rows, the file says 1008");
  check([](FileMetaData& f) { f.num_rows = 5; }, "the file says 5");
  check([](FileMetaData& f) { f.row_groups[1].columns[0].file_path = "other.parquet"; }, "in another file",
        StatusCode::kUnsupported);
}

TEST(ParquetValidate, ChunkRangeStartsAtTheDictionary) {
  ColumnMetaData m = Meta(PhysicalType::kInt32, "x", 500, 80, 10);
  EXPECT_EQ(ChunkRange(m), (ByteRange{500, 80}));
  m.dictionary_page_offset = 450;
  EXPECT_EQ(ChunkRange(m), (ByteRange{450, 80}));
  m.dictionary_page_offset = 0;  // "none", as some writers say it
  EXPECT_EQ(ChunkRange(m), (ByteRange{500, 80}));
  m.dictionary_page_offset = 600;
  EXPECT_EQ(ChunkRange(m), (ByteRange{500, 80}));
}

// ---- Files written by DuckDB (tests/data/parquet/make_fixtures.js) ----

struct Opened {
  std::string file;
  uint32_t footer_length = 0;
  std::string footer;
  FileMetaData meta;
  Schema schema;
};

Opened Open(const std::string& name) {
  Opened o;
  o.file = ReadFixture(name);
  EXPECT_GT(o.file.size(), 12u) << name;
  if (o.file.size() <= 12) return o;
  EXPECT_EQ(o.file.substr(0, 4), "PAR1");
  Result<uint32_t> n = FooterLength(std::string_view(o.file).substr(o.file.size() - 8));
  EXPECT_TRUE(n.ok()) << n.status().message();
  if (!n.ok()) return o;
  o.footer_length = *n;
  o.footer = o.file.substr(o.file.size() - 8 - *n, *n);
  Result<FileMetaData> meta = ParseFileMetaData(o.footer);
  EXPECT_TRUE(meta.ok()) << meta.status().message();
  if (!meta.ok()) return o;
  o.meta = *meta;
  Result<Schema> schema = BuildSchema(o.meta.schema);
  EXPECT_TRUE(schema.ok()) << schema.status().message();
  if (!schema.ok()) return o;
  o.schema = *schema;
  Status st = Validate(o.meta, o.schema, o.file.size(), o.footer_length);
  EXPECT_TRUE(st.ok()) << st.message();
  return o;
}

// Walks every page header of every chunk: the pages fill the chunk exactly, and the
// data pages hold the chunk's values.
void WalkPages(const Opened& o) {
  for (const RowGroup& g : o.meta.row_groups) {
    for (const ColumnChunk& c : g.columns) {
      ByteRange range = ChunkRange(*c.meta_data);
      std::string_view chunk = std::string_view(o.file).substr(range.offset, range.length);
      int64_t values = 0;
      int pages = 0;
      while (!chunk.empty()) {
        size_t consumed = 0;
        Result<PageHeader> h = ParsePageHeader(chunk, &consumed);
        ASSERT_TRUE(h.ok()) << h.status().message();
        ASSERT_LE(consumed + h->compressed_page_size, chunk.size());
        if (h->type == PageType::kDataPage) values += h->data_page_header->num_values;
        if (h->type == PageType::kDataPageV2) values += h->data_page_header_v2->num_values;
        if (h->type == PageType::kDictionaryPage) {
          EXPECT_EQ(pages, 0);
          EXPECT_EQ(range.offset, static_cast<uint64_t>(*c.meta_data->dictionary_page_offset));
        }
        chunk.remove_prefix(consumed + h->compressed_page_size);
        ++pages;
      }
      EXPECT_EQ(values, c.meta_data->num_values) << c.meta_data->path_in_schema[0];
    }
  }
}

TEST(ParquetDuckDB, FlatFile) {
  Opened o = Open("duckdb_flat.parquet");
  ASSERT_EQ(o.schema.columns.size(), 12u);
  EXPECT_EQ(o.meta.created_by.rfind("DuckDB", 0), 0u) << o.meta.created_by;
  EXPECT_EQ(o.meta.num_rows, 2100);
  ASSERT_EQ(o.meta.row_groups.size(), 2u);
  EXPECT_EQ(o.meta.row_groups[0].num_rows, 2048);
  EXPECT_EQ(o.meta.row_groups[1].num_rows, 52);
  const char* names[] = {"id", "big", "name", "price", "amount", "day", "ts", "tstz", "flag", "ratio", "small",
                         "delta"};
  for (size_t i = 0; i < std::size(names); ++i) {
    EXPECT_EQ(o.schema.columns[i].name, names[i]);
    EXPECT_FALSE(o.schema.columns[i].nested);
    EXPECT_EQ(o.schema.columns[i].max_definition_level, 1);
    EXPECT_EQ(o.meta.row_groups[0].columns[i].meta_data->codec, Codec::kSnappy);
  }
  const auto& c = o.schema.columns;
  EXPECT_EQ(c[0].logical, LogicalKind::kInteger);
  EXPECT_EQ(c[0].bits, 32);
  EXPECT_EQ(c[1].type, PhysicalType::kInt64);
  EXPECT_EQ(c[2].logical, LogicalKind::kString);
  EXPECT_EQ(c[3].logical, LogicalKind::kDecimal);
  EXPECT_EQ(c[3].type, PhysicalType::kInt32);
  EXPECT_EQ(c[3].precision, 9);
  EXPECT_EQ(c[3].scale, 2);
  EXPECT_EQ(c[4].precision, 18);
  EXPECT_EQ(c[4].scale, 4);
  EXPECT_EQ(c[5].logical, LogicalKind::kDate);
  EXPECT_EQ(c[6].logical, LogicalKind::kTimestamp);
  EXPECT_EQ(c[6].unit, TimeUnit::kMicros);
  EXPECT_FALSE(c[6].utc);
  EXPECT_EQ(c[7].logical, LogicalKind::kTimestamp);
  EXPECT_TRUE(c[7].utc);
  EXPECT_EQ(c[8].type, PhysicalType::kBoolean);
  EXPECT_EQ(c[8].logical, LogicalKind::kNone);
  EXPECT_EQ(c[9].type, PhysicalType::kDouble);
  EXPECT_EQ(c[10].logical, LogicalKind::kInteger);
  EXPECT_EQ(c[10].bits, 8);
  EXPECT_FALSE(c[10].is_signed);
  EXPECT_EQ(c[11].bits, 16);
  EXPECT_TRUE(c[11].is_signed);
  // DuckDB's statistics: the name column has nulls (every 7th row) and string bounds.
  const ColumnMetaData& name = *o.meta.row_groups[0].columns[2].meta_data;
  ASSERT_TRUE(name.statistics);
  EXPECT_EQ(name.statistics->null_count, 293);  // i % 7 == 0 for i < 2048
  EXPECT_EQ(name.statistics->min_value, "name 0");
  EXPECT_EQ(name.statistics->max_value, "name 9");
  EXPECT_EQ(o.meta.row_groups[0].columns[0].meta_data->data_page_offset, 4);
  WalkPages(o);
}

TEST(ParquetDuckDB, NestedFile) {
  Opened o = Open("duckdb_nested.parquet");
  ASSERT_EQ(o.schema.columns.size(), 6u);
  struct Want {
    const char* name;
    int16_t def, rep;
    bool nested;
  };
  const Want want[] = {{"id", 1, 0, false},
                       {"s.a", 2, 0, true},
                       {"s.b", 2, 0, true},
                       {"l.list.element", 3, 1, true},
                       {"m.key_value.key", 2, 1, true},
                       {"m.key_value.value", 3, 1, true}};
  for (size_t i = 0; i < std::size(want); ++i) {
    const Column& c = o.schema.columns[i];
    EXPECT_EQ(c.name, want[i].name);
    EXPECT_EQ(c.max_definition_level, want[i].def) << c.name;
    EXPECT_EQ(c.max_repetition_level, want[i].rep) << c.name;
    EXPECT_EQ(c.nested, want[i].nested) << c.name;
    EXPECT_EQ(o.meta.row_groups[0].columns[i].meta_data->path_in_schema, c.path);
  }
  EXPECT_EQ(o.meta.row_groups[0].columns[3].meta_data->num_values, 780);  // 240 lists of 3, 60 NULLs
  WalkPages(o);
}

TEST(ParquetDuckDB, EveryTruncationAndByteChange) {
  for (const char* name : {"duckdb_flat.parquet", "duckdb_nested.parquet"}) {
    Opened o = Open(name);
    ASSERT_FALSE(o.footer.empty());
    for (size_t n = 0; n < o.footer.size(); ++n) {
      Result<FileMetaData> got = ParseFileMetaData(std::string_view(o.footer).substr(0, n));
      ASSERT_EQ(got.status().code(), StatusCode::kCorrupt) << name << " " << n;
    }
    // Any byte changed to anything: an answer, never a crash (run under the sanitizers).
    std::string damaged = o.footer;
    for (size_t i = 0; i < damaged.size(); ++i) {
      for (uint8_t b : {0x00, 0x0f, 0x19, 0x7f, 0xff}) {
        char saved = damaged[i];
        damaged[i] = static_cast<char>(b);
        Result<FileMetaData> got = ParseFileMetaData(damaged);
        if (got.ok()) {
          Result<Schema> schema = BuildSchema(got->schema);
          if (schema.ok()) (void)Validate(*got, *schema, o.file.size(), o.footer_length);
        }
        damaged[i] = saved;
      }
    }
  }
}

}  // namespace
}  // namespace fanout::parquet
