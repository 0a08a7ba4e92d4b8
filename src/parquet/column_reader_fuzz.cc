// libFuzzer target: column chunks, as arbitrary bytes and as edits of valid chunks
// (the project's writer makes them once: dictionary and PLAIN pages, NULLs, every
// codec), decoded as a flat column whose type, logical type, nullability, codec and
// row count the first bytes choose. Nothing may crash, hang or allocate without
// bound; a chunk that decodes gives exactly one value per row. Built with
// -DFANOUT_FUZZ=ON (clang); run by `scripts/dev.sh fuzz`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/column_reader.h"
#include "parquet/metadata.h"
#include "parquet/writer.h"

namespace pq = fanout::parquet;

namespace {

struct Sample {
  pq::Column column;
  pq::ColumnMetaData meta;
  std::string chunk;
  uint64_t rows = 0;
};

// Valid chunks to edit: an optional INT64 and an optional string, each with and
// without a dictionary, at several codecs.
const std::vector<Sample>& Samples() {
  static const std::vector<Sample> samples = [] {
    std::vector<Sample> out;
    for (pq::Codec codec : {pq::Codec::kUncompressed, pq::Codec::kSnappy, pq::Codec::kGzip, pq::Codec::kZstd}) {
      for (bool dictionary : {true, false}) {
        pq::StringOutput file;
        pq::WriterOptions o;
        o.codec = codec;
        o.dictionary = dictionary;
        o.page_bytes = 300;
        auto w = pq::FileWriter::Open(file,
                                      {{"n", pq::PhysicalType::kInt64, true, pq::Logical::None()},
                                       {"s", pq::PhysicalType::kByteArray, true, pq::Logical::String()}},
                                      o);
        if (!w.ok()) std::abort();
        for (int r = 0; r < 200; ++r) {
          if (r % 7 == 0) {
            (*w)->column(0).AppendNull();
            (*w)->column(1).AppendNull();
          } else {
            (*w)->column(0).AppendInt64(r % 13 - 3);
            (*w)->column(1).AppendString("s" + std::to_string(r % 9));
          }
        }
        if (!(*w)->Close().ok()) std::abort();
        std::string_view f = file.data();
        uint32_t len = *pq::FooterLength(f.substr(f.size() - 8));
        pq::FileMetaData meta = *pq::ParseFileMetaData(f.substr(f.size() - 8 - len, len));
        pq::Schema schema = *pq::BuildSchema(meta.schema);
        for (size_t k = 0; k < 2; ++k) {
          Sample s;
          s.column = schema.columns[k];
          s.meta = *meta.row_groups[0].columns[k].meta_data;
          pq::ByteRange r = pq::ChunkRange(s.meta);
          s.chunk = std::string(f.substr(r.offset, r.length));
          s.rows = static_cast<uint64_t>(meta.row_groups[0].num_rows);
          out.push_back(std::move(s));
        }
      }
    }
    return out;
  }();
  return samples;
}

void Check(const pq::Column& column, const pq::ColumnMetaData& meta, std::string_view chunk, uint64_t rows) {
  pq::TextArena arena;
  std::vector<std::string_view> values;
  fanout::Status s = pq::ReadColumnChunk(column, meta, chunk, rows, &arena, &values);
  if (s.ok() && values.size() != rows) {
    std::fprintf(stderr, "fuzz: %zu values for %llu rows\n", values.size(), static_cast<unsigned long long>(rows));
    std::abort();
  }
  // Late reading of every third row: the same verdict where the pages it reads
  // are whole, and, when it succeeds, those rows' values are the full reading's.
  std::vector<uint32_t> only;
  for (uint64_t r = 1; r < rows && r < (uint64_t{1} << 20); r += 3) only.push_back(static_cast<uint32_t>(r));
  pq::TextArena part_arena;
  pq::ChunkValues part;
  fanout::Status ps = pq::ReadColumnChunk(column, meta, chunk, rows, &part_arena, &part, &only);
  if (ps.ok() && part.rows() != rows) {
    std::fprintf(stderr, "fuzz: late reading: %zu values for %llu rows\n", part.rows(),
                 static_cast<unsigned long long>(rows));
    std::abort();
  }
  if (ps.ok() && s.ok()) {
    for (uint32_t r : only) {
      if (part[r] != values[r]) {
        std::fprintf(stderr, "fuzz: late reading: row %u differs\n", r);
        std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  if (data[0] & 1) {
    // Edits of a valid chunk: byte 1 picks it, then (position, value) triples.
    const std::vector<Sample>& samples = Samples();
    Sample s = samples[data[1] % samples.size()];
    for (size_t i = 2; i + 2 < size; i += 3) {
      size_t at = (static_cast<size_t>(data[i]) << 8 | data[i + 1]) % s.chunk.size();
      s.chunk[at] = static_cast<char>(data[i + 2]);
    }
    if (data[0] & 2) s.chunk.resize(s.chunk.size() - data[2] % s.chunk.size());
    Check(s.column, s.meta, s.chunk, (data[0] & 4) ? s.rows + data[3] % 3 : s.rows);
    return 0;
  }
  pq::Column column;
  column.name = "c";
  column.type = static_cast<pq::PhysicalType>(data[0] / 2 % 8);
  column.type_length = column.type == pq::PhysicalType::kFixedLenByteArray ? 1 + data[1] % 16 : 0;
  static constexpr pq::LogicalKind kKinds[] = {pq::LogicalKind::kNone, pq::LogicalKind::kString,
                                               pq::LogicalKind::kDecimal, pq::LogicalKind::kDate,
                                               pq::LogicalKind::kTime, pq::LogicalKind::kTimestamp,
                                               pq::LogicalKind::kInteger, pq::LogicalKind::kUuid};
  column.logical = kKinds[data[1] / 16 % 8];
  column.scale = data[2] % 20;
  column.precision = 38;
  column.unit = static_cast<pq::TimeUnit>(data[2] / 32 % 3);
  column.is_signed = (data[2] & 16) == 0;
  column.max_definition_level = data[3] & 1;
  pq::ColumnMetaData meta;
  meta.type = column.type;
  meta.codec = static_cast<pq::Codec>(data[3] / 2 % 8);
  Check(column, meta, std::string_view(reinterpret_cast<const char*>(data) + 4, size - 4), data[3] / 16 * 37);
  return 0;
}
