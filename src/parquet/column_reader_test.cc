// ColumnReader: files from the project's writer read back value by value in
// canonical text, at every codec, with and without dictionaries and over many
// pages; the canonical forms of each type checked against hand-worked values;
// damaged chunks are errors, never wrong values.
#include "parquet/column_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "parquet/metadata.h"
#include "parquet/writer.h"

namespace fanout::parquet {
namespace {

template <typename T>
std::string Bytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

std::string Canonical(const Column& c, std::string_view bytes) {
  std::string out;
  AppendCanonical(c, bytes, &out);
  return out;
}

Column Of(PhysicalType type, LogicalKind logical = LogicalKind::kNone) {
  Column c;
  c.name = "c";
  c.type = type;
  c.logical = logical;
  return c;
}

TEST(ParquetCanonical, Numbers) {
  EXPECT_EQ(Canonical(Of(PhysicalType::kInt64), Bytes<int64_t>(-42)), "-42");
  EXPECT_EQ(Canonical(Of(PhysicalType::kInt32), Bytes<int32_t>(INT32_MIN)), "-2147483648");
  Column u = Of(PhysicalType::kInt64, LogicalKind::kInteger);
  u.is_signed = false;
  EXPECT_EQ(Canonical(u, Bytes<int64_t>(-1)), "18446744073709551615");
  EXPECT_EQ(Canonical(Of(PhysicalType::kDouble), Bytes(1.0)), "1");
  EXPECT_EQ(Canonical(Of(PhysicalType::kDouble), Bytes(-0.0)), "0");
  EXPECT_EQ(Canonical(Of(PhysicalType::kDouble), Bytes(2.5)), "2.5");
  EXPECT_EQ(Canonical(Of(PhysicalType::kDouble), Bytes(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(Canonical(Of(PhysicalType::kDouble), Bytes(123456789012.0)), "123456789012");
  EXPECT_EQ(Canonical(Of(PhysicalType::kFloat), Bytes(1.5f)), "1.5");
  Column d = Of(PhysicalType::kInt64, LogicalKind::kDecimal);
  d.scale = 2;
  EXPECT_EQ(Canonical(d, Bytes<int64_t>(125)), "1.25");
  EXPECT_EQ(Canonical(d, Bytes<int64_t>(100)), "1");
  EXPECT_EQ(Canonical(d, Bytes<int64_t>(-5)), "-0.05");
  EXPECT_EQ(Canonical(d, Bytes<int64_t>(0)), "0");
  Column fixed = Of(PhysicalType::kFixedLenByteArray, LogicalKind::kDecimal);
  fixed.type_length = 3;
  fixed.scale = 1;
  EXPECT_EQ(Canonical(fixed, std::string("\xff\xff\xf6", 3)), "-1");  // -10, scale 1
}

TEST(ParquetCanonical, DatesAndTimes) {
  EXPECT_EQ(Canonical(Of(PhysicalType::kInt32, LogicalKind::kDate), Bytes<int32_t>(17897)), "2019-01-01");
  EXPECT_EQ(Canonical(Of(PhysicalType::kInt32, LogicalKind::kDate), Bytes<int32_t>(-1)), "1969-12-31");
  Column ts = Of(PhysicalType::kInt64, LogicalKind::kTimestamp);
  ts.unit = TimeUnit::kMicros;
  EXPECT_EQ(Canonical(ts, Bytes<int64_t>(1546303600LL * 1000000)), "2019-01-01 00:46:40");
  EXPECT_EQ(Canonical(ts, Bytes<int64_t>(1546303600LL * 1000000 + 250000)), "2019-01-01 00:46:40.25");
  EXPECT_EQ(Canonical(ts, Bytes<int64_t>(-1)), "1969-12-31 23:59:59.999999");
  ts.unit = TimeUnit::kMillis;
  EXPECT_EQ(Canonical(ts, Bytes<int64_t>(1230770400000LL)), "2009-01-01 00:40:00");
  // INT96: nanoseconds of the day, then the Julian day (2440588 is 1970-01-01).
  std::string int96 = Bytes<int64_t>((46 * 60 + 40) * 1000000000LL) + Bytes<int32_t>(2440588 + 17897);
  EXPECT_EQ(Canonical(Of(PhysicalType::kInt96), int96), "2019-01-01 00:46:40");
  Column t = Of(PhysicalType::kInt32, LogicalKind::kTime);
  EXPECT_EQ(Canonical(t, Bytes<int32_t>((3600 + 2 * 60 + 3) * 1000 + 5)), "01:02:03.005");
}

// Timestamps as the C library's gmtime writes them, over the years 1970 to
// 10000 (the fast path stops at 9999) and at the unit's edges.
TEST(ParquetCanonical, TimestampsAgreeWithGmtime) {
  Column ts = Of(PhysicalType::kInt64, LogicalKind::kTimestamp);
  ts.unit = TimeUnit::kMicros;
  std::mt19937_64 rng(3);
  const int64_t max_secs = 253402300800LL + 86400 * 400;  // into the year 10001
  std::vector<int64_t> secs = {0, 59, 86399, 86400, 951782400, 253402300799LL, 253402300800LL};
  for (int i = 0; i < 20000; ++i) secs.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(max_secs)));
  for (int64_t s : secs) {
    time_t t = static_cast<time_t>(s);
    struct tm tm;
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    ASSERT_EQ(Canonical(ts, Bytes<int64_t>(s * 1000000)), want) << s;
    ASSERT_EQ(Canonical(ts, Bytes<int64_t>(s * 1000000 + 7)), std::string(want) + ".000007") << s;
  }
}

struct Written {
  std::string file;
  FileMetaData meta;
  Schema schema;
};

Written Write(const std::vector<ColumnSpec>& specs, const WriterOptions& options, size_t rows, size_t group_rows,
              const std::function<void(FileWriter&, size_t)>& row) {
  StringOutput out;
  auto w = FileWriter::Open(out, specs, options);
  EXPECT_TRUE(w.ok()) << w.status().message();
  for (size_t r = 0; r < rows; ++r) {
    row(**w, r);
    if ((*w)->pending_rows() == group_rows) EXPECT_TRUE((*w)->FlushRowGroup().ok());
  }
  EXPECT_TRUE((*w)->Close().ok());
  Written got;
  got.file = out.data();
  std::string_view f = got.file;
  auto len = FooterLength(f.substr(f.size() - 8));
  EXPECT_TRUE(len.ok());
  auto meta = ParseFileMetaData(f.substr(f.size() - 8 - *len, *len));
  EXPECT_TRUE(meta.ok()) << meta.status().message();
  got.meta = *meta;
  got.schema = *BuildSchema(got.meta.schema);
  EXPECT_TRUE(Validate(got.meta, got.schema, f.size(), *len).ok());
  return got;
}

// Every row group's values of column k, in order, read as ChunkValues (codes
// where the chunk is all dictionary pages; whether it was, per row group, in
// *coded) and checked against the one-view-per-row reading.
std::vector<std::string> ReadAllValues(const Written& w, size_t k, std::vector<bool>* coded = nullptr) {
  std::vector<std::string> all;
  ChunkValues chunk;  // reused, as a scan reuses it
  for (const RowGroup& g : w.meta.row_groups) {
    const ColumnMetaData& m = *g.columns[k].meta_data;
    ByteRange r = ChunkRange(m);
    std::string_view bytes = std::string_view(w.file).substr(r.offset, r.length);
    TextArena arena, views_arena;
    Status s = ReadColumnChunk(w.schema.columns[k], m, bytes, g.num_rows, &arena, &chunk);
    EXPECT_TRUE(s.ok()) << s.message();
    std::vector<std::string_view> views;
    EXPECT_TRUE(ReadColumnChunk(w.schema.columns[k], m, bytes, g.num_rows, &views_arena, &views).ok());
    EXPECT_EQ(chunk.rows(), static_cast<size_t>(g.num_rows));
    EXPECT_EQ(views.size(), chunk.rows());
    // Late reading: the values of some rows alone are those rows' values.
    for (uint32_t step : {1u, 7u, 1000u, 100000u}) {
      std::vector<uint32_t> only;
      for (uint64_t r = step / 2; r < static_cast<uint64_t>(g.num_rows); r += step) only.push_back(static_cast<uint32_t>(r));
      ChunkValues part;
      TextArena part_arena;
      Status ps = ReadColumnChunk(w.schema.columns[k], m, bytes, g.num_rows, &part_arena, &part, &only);
      EXPECT_TRUE(ps.ok()) << ps.message();
      EXPECT_EQ(part.rows(), static_cast<size_t>(g.num_rows));
      for (uint32_t r : only) {
        if (r < views.size() && r < part.rows()) EXPECT_EQ(part[r], views[r]) << "row " << r << " of every " << step;
      }
    }
    if (coded != nullptr) coded->push_back(chunk.coded);
    if (chunk.coded) {
      EXPECT_TRUE(chunk.values.empty());
      EXPECT_FALSE(chunk.dictionary.empty());
      EXPECT_EQ(chunk.dictionary.back(), "");  // NULL's entry
      for (uint32_t c : chunk.codes) EXPECT_LT(c, chunk.dictionary.size());
    }
    for (size_t i = 0; i < chunk.rows() && i < views.size(); ++i) {
      all.emplace_back(chunk[i]);
      EXPECT_EQ(chunk[i], views[i]) << "row " << i;
    }
  }
  return all;
}

TEST(ParquetColumnReader, WriterFilesReadBackAtEveryCodec) {
  const std::vector<ColumnSpec> specs = {
      {"n", PhysicalType::kInt64, true, Logical::None()},
      {"s", PhysicalType::kByteArray, true, Logical::String()},
      {"x", PhysicalType::kDouble, false, Logical::None()},
      {"t", PhysicalType::kInt64, true, Logical::TimestampMicros()},
      {"d", PhysicalType::kInt32, false, Logical::Date()},
      {"b", PhysicalType::kBoolean, true, Logical::None()},
      {"m", PhysicalType::kInt64, true, Logical::Decimal(12, 3)},
  };
  const size_t rows = 5000;
  std::vector<std::vector<std::string>> want(specs.size());
  std::mt19937_64 rng(7);
  struct Row { bool null[7]; int64_t n; std::string s; double x; int64_t t; int32_t d; bool b; int64_t m; };
  std::vector<Row> data(rows);
  for (size_t r = 0; r < rows; ++r) {
    Row& row = data[r];
    for (bool& z : row.null) z = rng() % 9 == 0;
    row.n = static_cast<int64_t>(rng() % 20) - 5;
    row.s = "v" + std::to_string(rng() % (r < 2500 ? 30 : 100000));  // a dictionary, then one that overflows
    row.x = static_cast<double>(rng() % 1000) / 8;
    row.t = 1546300800LL * 1000000 + static_cast<int64_t>(rng() % 86400) * 1000000;
    row.d = 17897 + static_cast<int32_t>(rng() % 365);
    row.b = rng() % 2 == 0;
    row.m = static_cast<int64_t>(rng() % 200000) - 100000;
  }
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw, Codec::kBrotli}) {
    for (bool dictionary : {true, false}) {
      WriterOptions o;
      o.codec = codec;
      o.dictionary = dictionary;
      o.page_bytes = 4000;  // many pages
      o.dictionary_limit_bytes = 2000;
      Written w = Write(specs, o, rows, 1700, [&](FileWriter& fw, size_t r) {
        const Row& row = data[r];
        auto put = [&](int k, auto fn) { row.null[k] && specs[k].optional ? fw.column(k).AppendNull() : fn(); };
        put(0, [&] { fw.column(0).AppendInt64(row.n); });
        put(1, [&] { fw.column(1).AppendString(row.s); });
        put(2, [&] { fw.column(2).AppendDouble(row.x); });
        put(3, [&] { fw.column(3).AppendInt64(row.t); });
        put(4, [&] { fw.column(4).AppendInt32(row.d); });
        put(5, [&] { fw.column(5).AppendBool(row.b); });
        put(6, [&] { fw.column(6).AppendInt64(row.m); });
      });
      ASSERT_EQ(w.meta.row_groups.size(), 3u);
      for (size_t k = 0; k < specs.size(); ++k) {
        std::vector<bool> coded;
        std::vector<std::string> got = ReadAllValues(w, k, &coded);
        // Codes where every page of the chunk is dictionary-encoded (s's first
        // row group: 30 distinct values, NULLs among them), never without one.
        if (!dictionary || k == 5) {
          EXPECT_EQ(coded, std::vector<bool>(3, false)) << "column " << specs[k].name;
        } else if (k == 1) {
          EXPECT_TRUE(coded[0]);
        }
        ASSERT_EQ(got.size(), rows);
        for (size_t r = 0; r < rows; ++r) {
          const Row& row = data[r];
          std::string expect;
          if (!(row.null[k] && specs[k].optional)) {
            switch (k) {
              case 0: expect = std::to_string(row.n); break;
              case 1: expect = row.s; break;
              case 2: expect = Canonical(Of(PhysicalType::kDouble), Bytes(row.x)); break;
              case 3: expect = Canonical(w.schema.columns[3], Bytes(row.t)); break;
              case 4: expect = Canonical(w.schema.columns[4], Bytes(row.d)); break;
              case 5: expect = row.b ? "true" : "false"; break;
              case 6: expect = Canonical(w.schema.columns[6], Bytes(row.m)); break;
            }
          }
          ASSERT_EQ(got[r], expect) << "codec " << static_cast<int>(codec) << " dictionary " << dictionary
                                    << " column " << specs[k].name << " row " << r;
        }
      }
    }
  }
}

TEST(ParquetColumnReader, AChunkThatFallsBackToPlainPagesIsReadAsViews) {
  // Dictionary pages first, then (the dictionary past its limit) plain ones, in
  // one chunk: the codes read so far become views, and every value is right.
  const std::vector<ColumnSpec> specs = {{"s", PhysicalType::kByteArray, true, Logical::String()}};
  WriterOptions o;
  o.page_bytes = 200;
  o.dictionary_limit_bytes = 300;
  auto value = [](size_t r) { return r % 7 == 3 ? std::string() : "value-" + std::to_string(r % 400); };
  Written w = Write(specs, o, 3000, 3000, [&](FileWriter& fw, size_t r) {
    if (r % 7 == 3) {
      fw.column(0).AppendNull();
    } else {
      fw.column(0).AppendString(value(r));
    }
  });
  const ColumnMetaData& m = *w.meta.row_groups.at(0).columns[0].meta_data;
  ASSERT_NE(std::find(m.encodings.begin(), m.encodings.end(), Encoding::kRleDictionary), m.encodings.end());
  std::vector<bool> coded;
  std::vector<std::string> got = ReadAllValues(w, 0, &coded);
  EXPECT_EQ(coded, std::vector<bool>{false});
  ASSERT_EQ(got.size(), 3000u);
  for (size_t r = 0; r < got.size(); ++r) ASSERT_EQ(got[r], value(r)) << "row " << r;
}

TEST(ParquetColumnReader, DamagedChunksAreErrors) {
  const std::vector<ColumnSpec> specs = {{"n", PhysicalType::kInt64, true, Logical::None()}};
  WriterOptions o;
  o.codec = Codec::kSnappy;
  o.page_bytes = 500;
  Written w = Write(specs, o, 3000, 3000, [](FileWriter& fw, size_t r) {
    if (r % 5 == 0) {
      fw.column(0).AppendNull();
    } else {
      fw.column(0).AppendInt64(static_cast<int64_t>(r % 300));
    }
  });
  const ColumnMetaData& m = *w.meta.row_groups[0].columns[0].meta_data;
  ByteRange range = ChunkRange(m);
  std::string chunk = w.file.substr(range.offset, range.length);
  TextArena arena;
  std::vector<std::string_view> values;
  // Every truncation is an error.
  for (size_t n = 0; n < chunk.size(); n += 7) {
    EXPECT_FALSE(ReadColumnChunk(w.schema.columns[0], m, std::string_view(chunk).substr(0, n), 3000, &arena, &values).ok())
        << n;
  }
  // More rows than the chunk holds is an error, not padding.
  EXPECT_FALSE(ReadColumnChunk(w.schema.columns[0], m, chunk, 3001, &arena, &values).ok());
  // A nested column is refused by name.
  Column nested = w.schema.columns[0];
  nested.nested = true;
  Status s = ReadColumnChunk(nested, m, chunk, 3000, &arena, &values);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("nested"), std::string::npos);
  // Flipped bytes never crash; what decodes has one value per row.
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string bad = chunk;
    bad[rng() % bad.size()] = static_cast<char>(rng());
    Status st = ReadColumnChunk(w.schema.columns[0], m, bad, 3000, &arena, &values);
    if (st.ok()) EXPECT_EQ(values.size(), 3000u);
  }
}

}  // namespace
}  // namespace fanout::parquet
