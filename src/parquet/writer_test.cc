#include "parquet/writer.h"

#include <zlib.h>

#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

namespace fanout::parquet {
namespace {

// ---------------------------------------------------------------------------
// A minimal reader of what the writer writes, kept apart from parquet/'s reader: the
// Thrift compact protocol into a tree, then uncompressed or gzip pages, PLAIN and
// RLE_DICTIONARY values, RLE/bit-packed definition levels. The real check of the
// files is by DuckDB and Polars (tests/e2e/gen_parquet_test.sh).

struct TNode {
  int type = 0;  // the compact type: 1/2 bool, 3 byte, 4-6 ints, 8 binary, 9 list, 12 struct
  int64_t i = 0;
  std::string bin;
  std::map<int, TNode> fields;
  std::vector<TNode> elems;

  const TNode& F(int id) const {
    static const TNode kMissing;
    auto it = fields.find(id);
    return it == fields.end() ? kMissing : it->second;
  }
  bool Has(int id) const { return fields.count(id) > 0; }
};

class TReader {
 public:
  TReader(const std::string& data, size_t pos) : d_(data), pos_(pos) {}

  TNode Struct() {
    TNode node;
    node.type = 12;
    int last = 0;
    while (true) {
      const uint8_t h = Byte();
      if (h == 0) return node;
      const int type = h & 0x0f;
      const int delta = h >> 4;
      const int id = delta != 0 ? last + delta : static_cast<int>(UnZigZag(Varint()));
      last = id;
      node.fields[id] = Value(type);
    }
  }
  size_t pos() const { return pos_; }

 private:
  TNode Value(int type) {
    TNode v;
    v.type = type;
    switch (type) {
      case 1: v.i = 1; break;
      case 2: v.i = 0; break;
      case 3: v.i = static_cast<int8_t>(Byte()); break;
      case 4:
      case 5:
      case 6: v.i = UnZigZag(Varint()); break;
      case 8: {
        const size_t n = Varint();
        v.bin = d_.substr(pos_, n);
        pos_ += n;
        break;
      }
      case 9: {
        const uint8_t h = Byte();
        size_t n = h >> 4;
        if (n == 15) n = Varint();
        for (size_t k = 0; k < n; ++k) v.elems.push_back((h & 0x0f) == 12 ? Struct() : Value(h & 0x0f));
        break;
      }
      case 12: v = Struct(); break;
      default: ADD_FAILURE() << "unexpected thrift type " << type; break;
    }
    return v;
  }
  uint8_t Byte() { return static_cast<uint8_t>(d_.at(pos_++)); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const uint8_t b = Byte();
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
  }
  static int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

  const std::string& d_;
  size_t pos_;
};

uint32_t Le32(const std::string& s, size_t pos) {
  uint32_t v;
  std::memcpy(&v, s.data() + pos, 4);
  return v;
}

TNode Footer(const std::string& file) {
  const uint32_t len = Le32(file, file.size() - 8);
  return TReader(file, file.size() - 8 - len).Struct();
}

std::string Gunzip(const std::string& in, size_t size) {
  std::string out(size, '\0');
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

// Decodes `n` values of the RLE/bit-packed hybrid at s[pos..].
std::vector<uint32_t> Hybrid(const std::string& s, size_t pos, int width, size_t n) {
  std::vector<uint32_t> out;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const uint8_t b = static_cast<uint8_t>(s.at(pos++));
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (out.size() < n) {
    const uint64_t h = varint();
    if (h & 1) {
      const size_t count = (h >> 1) * 8;
      for (size_t k = 0; k < count; ++k) {
        uint32_t v = 0;
        for (int b = 0; b < width; ++b) {
          const size_t bit = k * width + b;
          if (static_cast<uint8_t>(s.at(pos + bit / 8)) >> (bit % 8) & 1) v |= 1u << b;
        }
        if (out.size() < n) out.push_back(v);
      }
      pos += (h >> 1) * width;
    } else {
      uint32_t v = 0;
      for (int b = 0; b < (width + 7) / 8; ++b) v |= static_cast<uint32_t>(static_cast<uint8_t>(s.at(pos++))) << (8 * b);
      for (uint64_t k = 0; k < (h >> 1) && out.size() < n; ++k) out.push_back(v);
    }
  }
  return out;
}

using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;  // monostate: NULL

// PLAIN values of a physical type at s[pos..], `n` of them.
std::vector<Value> Plain(const std::string& s, size_t pos, PhysicalType type, size_t n) {
  std::vector<Value> out;
  for (size_t k = 0; k < n; ++k) {
    switch (type) {
      case PhysicalType::kBoolean: out.push_back(static_cast<bool>(s.at(pos + k / 8) >> (k % 8) & 1)); break;
      case PhysicalType::kInt32: {
        int32_t v;
        std::memcpy(&v, s.data() + pos, 4);
        pos += 4;
        out.push_back(int64_t{v});
        break;
      }
      case PhysicalType::kInt64: {
        int64_t v;
        std::memcpy(&v, s.data() + pos, 8);
        pos += 8;
        out.push_back(v);
        break;
      }
      case PhysicalType::kDouble: {
        double v;
        std::memcpy(&v, s.data() + pos, 8);
        pos += 8;
        out.push_back(v);
        break;
      }
      default: {
        const uint32_t len = Le32(s, pos);
        out.push_back(s.substr(pos + 4, len));
        pos += 4 + len;
        break;
      }
    }
  }
  return out;
}

struct ChunkRead {
  std::vector<Value> values;
  int dictionary_pages = 0;
  int dictionary_data_pages = 0;
  int plain_data_pages = 0;
};

// Reads column chunk `chunk` (its ColumnChunk node) of `file`.
ChunkRead ReadChunk(const std::string& file, const TNode& chunk, bool optional) {
  const TNode& meta = chunk.F(3);
  const auto type = static_cast<PhysicalType>(meta.F(1).i);
  const auto codec = static_cast<Codec>(meta.F(4).i);
  const int64_t num_values = meta.F(5).i;
  size_t pos = meta.Has(11) ? meta.F(11).i : meta.F(9).i;
  const size_t end = pos + meta.F(7).i;
  ChunkRead out;
  std::vector<Value> dictionary;
  while (pos < end) {
    TReader r(file, pos);
    const TNode header = r.Struct();
    const size_t compressed = header.F(3).i;
    std::string body = file.substr(r.pos(), compressed);
    if (codec == Codec::kGzip) body = Gunzip(body, header.F(2).i);
    EXPECT_EQ(body.size(), static_cast<size_t>(header.F(2).i));
    pos = r.pos() + compressed;
    if (header.F(1).i == static_cast<int>(PageType::kDictionaryPage)) {
      ++out.dictionary_pages;
      dictionary = Plain(body, 0, type, header.F(7).F(1).i);
      continue;
    }
    const TNode& data = header.F(5);
    const size_t n = data.F(1).i;
    std::vector<uint32_t> levels(n, 1);
    size_t at = 0;
    if (optional) {
      const uint32_t len = Le32(body, 0);
      levels = Hybrid(body, 4, 1, n);
      at = 4 + len;
    }
    size_t defined = 0;
    for (uint32_t l : levels) defined += l;
    std::vector<Value> values;
    if (data.F(2).i == static_cast<int>(Encoding::kRleDictionary)) {
      ++out.dictionary_data_pages;
      const int width = static_cast<uint8_t>(body.at(at));
      for (uint32_t index : Hybrid(body, at + 1, width, defined)) values.push_back(dictionary.at(index));
    } else {
      ++out.plain_data_pages;
      values = Plain(body, at, type, defined);
    }
    size_t next = 0;
    for (uint32_t l : levels) out.values.push_back(l ? values[next++] : Value{});
  }
  EXPECT_EQ(out.values.size(), static_cast<size_t>(num_values));
  return out;
}

// ---------------------------------------------------------------------------
// Tests

std::vector<ColumnSpec> AllTypes() {
  return {
      {"flag", PhysicalType::kBoolean, true, Logical::None()},
      {"small", PhysicalType::kInt32, true, Logical::Int(16, true)},
      {"id", PhysicalType::kInt64, false, Logical::None()},
      {"amount", PhysicalType::kDouble, true, Logical::None()},
      {"name", PhysicalType::kByteArray, true, Logical::String()},
      {"at", PhysicalType::kInt64, true, Logical::TimestampMicros()},
      {"day", PhysicalType::kInt32, true, Logical::Date()},
      {"price", PhysicalType::kInt64, true, Logical::Decimal(12, 2)},
  };
}

// Random rows for AllTypes(): about one value in five NULL in optional columns; `distinct`
// bounds the number of different values per column (small: dictionary pages).
std::vector<std::vector<Value>> RandomRows(size_t n, uint32_t distinct, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Value>> cols(8);
  for (size_t r = 0; r < n; ++r) {
    const auto pick = [&] { return static_cast<int64_t>(rng() % distinct); };
    const auto maybe = [&](Value v) { return rng() % 5 == 0 ? Value{} : v; };
    cols[0].push_back(maybe(rng() % 2 == 1));
    cols[1].push_back(maybe(pick() - 100));
    cols[2].push_back(Value{static_cast<int64_t>(r)});  // required, all distinct
    cols[3].push_back(maybe(static_cast<double>(pick()) / 4 - 3));
    cols[4].push_back(maybe("name-" + std::to_string(pick())));
    cols[5].push_back(maybe(int64_t{1420070400000000} + pick() * 1000000));
    cols[6].push_back(maybe(int64_t{16000} + pick()));
    cols[7].push_back(maybe(pick() * 25));
  }
  return cols;
}

void AppendValue(ColumnBuilder& c, PhysicalType type, const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return c.AppendNull();
  switch (type) {
    case PhysicalType::kBoolean: return c.AppendBool(std::get<bool>(v));
    case PhysicalType::kInt32: return c.AppendInt32(static_cast<int32_t>(std::get<int64_t>(v)));
    case PhysicalType::kInt64: return c.AppendInt64(std::get<int64_t>(v));
    case PhysicalType::kDouble: return c.AppendDouble(std::get<double>(v));
    default: return c.AppendString(std::get<std::string>(v));
  }
}

// Writes `cols` with row groups of `group_rows` and returns the file.
std::string WriteFile(const std::vector<std::vector<Value>>& cols, size_t group_rows, const WriterOptions& options) {
  StringOutput out;
  const std::vector<ColumnSpec> schema = AllTypes();
  auto writer = FileWriter::Open(out, schema, options);
  EXPECT_TRUE(writer.ok()) << writer.status().message();
  for (size_t r = 0; r < cols[0].size(); ++r) {
    for (size_t c = 0; c < schema.size(); ++c) AppendValue((*writer)->column(c), schema[c].type, cols[c][r]);
    if ((*writer)->pending_rows() == group_rows) {
      EXPECT_TRUE((*writer)->FlushRowGroup().ok());
    }
  }
  const Status st = (*writer)->Close();
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ((*writer)->bytes_written(), out.data().size());
  return out.data();
}

struct Readback {
  std::vector<std::vector<Value>> cols;
  int dictionary_pages = 0, dictionary_data_pages = 0, plain_data_pages = 0;
};

Readback ReadFile(const std::string& file) {
  const TNode footer = Footer(file);
  const std::vector<ColumnSpec> schema = AllTypes();
  Readback back;
  back.cols.resize(schema.size());
  for (const TNode& group : footer.F(4).elems) {
    for (size_t c = 0; c < schema.size(); ++c) {
      ChunkRead chunk = ReadChunk(file, group.F(1).elems.at(c), schema[c].optional);
      back.cols[c].insert(back.cols[c].end(), chunk.values.begin(), chunk.values.end());
      back.dictionary_pages += chunk.dictionary_pages;
      back.dictionary_data_pages += chunk.dictionary_data_pages;
      back.plain_data_pages += chunk.plain_data_pages;
    }
  }
  return back;
}

TEST(ParquetWriter, FileStartsAndEndsWithTheMagicAndTheFooterLength) {
  const std::string file = WriteFile(RandomRows(100, 10, 1), 1000, WriterOptions{});
  ASSERT_GT(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  const uint32_t footer_len = Le32(file, file.size() - 8);
  ASSERT_LT(footer_len, file.size() - 12);
  const TNode footer = Footer(file);
  EXPECT_EQ(footer.F(3).i, 100);  // num_rows
  EXPECT_EQ(footer.F(6).bin, std::string("fanout ") + FANOUT_VERSION);
  ASSERT_EQ(footer.F(2).elems.size(), 9u);  // the root and eight columns
  EXPECT_EQ(footer.F(2).elems[0].F(5).i, 8);
  EXPECT_EQ(footer.F(7).elems.size(), 8u);  // a column order per column
}

TEST(ParquetWriter, SchemaCarriesTypesRepetitionAndAnnotations) {
  const TNode footer = Footer(WriteFile(RandomRows(10, 10, 2), 1000, WriterOptions{}));
  const std::vector<TNode>& s = footer.F(2).elems;
  EXPECT_EQ(s[1].F(4).bin, "flag");
  EXPECT_EQ(s[1].F(3).i, static_cast<int>(Repetition::kOptional));
  EXPECT_EQ(s[3].F(3).i, static_cast<int>(Repetition::kRequired));
  EXPECT_EQ(s[2].F(10).F(10).F(1).i, 16);  // INT(16, signed)
  EXPECT_EQ(s[2].F(10).F(10).F(2).i, 1);
  EXPECT_EQ(s[2].F(6).i, static_cast<int>(ConvertedType::kInt16));
  EXPECT_EQ(s[5].F(6).i, static_cast<int>(ConvertedType::kUtf8));
  EXPECT_TRUE(s[5].F(10).Has(1));                  // STRING
  EXPECT_EQ(s[6].F(10).F(8).F(1).i, 0);            // TIMESTAMP isAdjustedToUTC = false
  EXPECT_TRUE(s[6].F(10).F(8).F(2).Has(2));        // unit MICROS
  EXPECT_TRUE(s[7].F(10).Has(6));                  // DATE
  EXPECT_EQ(s[8].F(10).F(5).F(2).i, 12);           // DECIMAL precision
  EXPECT_EQ(s[8].F(7).i, 2);                       // and the legacy scale
}

TEST(ParquetWriter, ValuesReadBackAcrossPagesRowGroupsAndDictionaryFallback) {
  const std::vector<std::vector<Value>> rows = RandomRows(5000, 3000, 3);
  WriterOptions options;
  options.page_bytes = 2000;  // dozens of pages per chunk
  options.dictionary_limit_bytes = 4000;  // most columns fall back to PLAIN after a few pages
  options.codec = Codec::kGzip;
  const Readback back = ReadFile(WriteFile(rows, 1700, options));
  EXPECT_EQ(back.cols, rows);
  EXPECT_GT(back.dictionary_pages, 0);
  EXPECT_GT(back.dictionary_data_pages, 0);
  EXPECT_GT(back.plain_data_pages, 0);
}

TEST(ParquetWriter, FewDistinctValuesStayDictionaryEncoded) {
  const std::vector<std::vector<Value>> rows = RandomRows(20000, 7, 4);
  WriterOptions options;
  options.page_bytes = 1000;
  const Readback back = ReadFile(WriteFile(rows, 1000000, options));
  EXPECT_EQ(back.cols, rows);
  // One dictionary per column but the booleans (the distinct ids stay under the limit).
  EXPECT_EQ(back.dictionary_pages, 7);
}

TEST(ParquetWriter, WithoutDictionaryEveryPageIsPlain) {
  const std::vector<std::vector<Value>> rows = RandomRows(3000, 50, 5);
  WriterOptions options;
  options.dictionary = false;
  options.page_bytes = 500;
  const Readback back = ReadFile(WriteFile(rows, 1000, options));
  EXPECT_EQ(back.cols, rows);
  EXPECT_EQ(back.dictionary_pages, 0);
  EXPECT_EQ(back.dictionary_data_pages, 0);
}

TEST(ParquetWriter, StatisticsHoldNullCountMinAndMax) {
  StringOutput out;
  auto writer = FileWriter::Open(out, {{"x", PhysicalType::kDouble, true, {}}, {"s", PhysicalType::kByteArray, true,
                                                                               Logical::String()}},
                                 WriterOptions{});
  ASSERT_TRUE(writer.ok());
  for (double v : {3.5, -0.0, 7.25}) (*writer)->column(0).AppendDouble(v);
  (*writer)->column(0).AppendNull();
  for (const char* v : {"b", "\xc3\xa9", "a"}) (*writer)->column(1).AppendString(v);  // é sorts after ASCII
  (*writer)->column(1).AppendNull();
  ASSERT_TRUE((*writer)->Close().ok());
  const TNode footer = Footer(out.data());
  const TNode& x = footer.F(4).elems[0].F(1).elems[0].F(3).F(12);
  EXPECT_EQ(x.F(3).i, 1);
  double max, min;
  std::memcpy(&max, x.F(5).bin.data(), 8);
  std::memcpy(&min, x.F(6).bin.data(), 8);
  EXPECT_EQ(max, 7.25);
  EXPECT_EQ(min, -0.0);
  const TNode& s = footer.F(4).elems[0].F(1).elems[1].F(3).F(12);
  EXPECT_EQ(s.F(5).bin, "\xc3\xa9");
  EXPECT_EQ(s.F(6).bin, "a");
}

TEST(ParquetWriter, EveryCodecWritesAFile) {
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw,
                      Codec::kBrotli}) {
    WriterOptions options;
    options.codec = codec;
    const std::string file = WriteFile(RandomRows(500, 20, 6), 1000, options);
    EXPECT_EQ(Footer(file).F(4).elems[0].F(1).elems[0].F(3).F(4).i, static_cast<int>(codec));
  }
}

TEST(ParquetWriter, BadSchemasAreInvalidArguments) {
  StringOutput out;
  EXPECT_EQ(FileWriter::Open(out, {}, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FileWriter::Open(out, {{"t", PhysicalType::kInt32, true, Logical::TimestampMicros()}}, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FileWriter::Open(out, {{"d", PhysicalType::kInt64, true, Logical::Decimal(19, 2)}}, {}).status().code(),
            StatusCode::kInvalidArgument);
  WriterOptions lzo;
  lzo.codec = Codec::kLzo;
  EXPECT_EQ(FileWriter::Open(out, {{"x", PhysicalType::kInt64, true, {}}}, lzo).status().code(),
            StatusCode::kUnsupported);
  EXPECT_TRUE(out.data().empty());
}

TEST(ParquetWriter, MisuseIsReportedAtTheNextFlush) {
  StringOutput out;
  auto writer = FileWriter::Open(out, {{"a", PhysicalType::kInt64, false, {}}, {"b", PhysicalType::kInt64, true, {}}},
                                 WriterOptions{});
  ASSERT_TRUE(writer.ok());
  (*writer)->column(0).AppendNull();  // required
  (*writer)->column(1).AppendInt64(1);
  EXPECT_EQ((*writer)->FlushRowGroup().code(), StatusCode::kInternal);

  StringOutput out2;
  auto uneven = FileWriter::Open(out2, {{"a", PhysicalType::kInt64, true, {}}, {"b", PhysicalType::kInt64, true, {}}},
                                 WriterOptions{});
  ASSERT_TRUE(uneven.ok());
  (*uneven)->column(0).AppendInt64(1);
  EXPECT_EQ((*uneven)->Close().code(), StatusCode::kInternal);
}

class FailingOutput : public Output {
 public:
  Status Append(std::string_view bytes) override {
    if (written_ + bytes.size() > limit_) return Status::IoError("out.parquet: disk full");
    written_ += bytes.size();
    return Status::OK();
  }
  size_t limit_ = 100;
  size_t written_ = 0;
};

TEST(ParquetWriter, AnOutputErrorIsReturnedAndSticks) {
  FailingOutput out;
  auto writer = FileWriter::Open(out, {{"a", PhysicalType::kInt64, true, {}}}, WriterOptions{});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 1000; ++i) (*writer)->column(0).AppendInt64(i);
  const Status st = (*writer)->FlushRowGroup();
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.message(), "out.parquet: disk full");
  EXPECT_EQ((*writer)->Close().message(), "out.parquet: disk full");
}

}  // namespace
}  // namespace fanout::parquet
