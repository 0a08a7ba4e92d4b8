// libFuzzer target: arbitrary bytes as a column chunk (page headers, levels,
// dictionary and data pages in every encoding and codec) of a flat column whose
// type, logical type, nullability, codec and row count the first bytes choose.
// Nothing may crash, hang or allocate without bound; a chunk that decodes gives
// exactly one value per row. Built with -DFANOUT_FUZZ=ON (clang); run by
// `scripts/dev.sh fuzz`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "parquet/column_reader.h"

namespace pq = fanout::parquet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  pq::Column column;
  column.name = "c";
  column.type = static_cast<pq::PhysicalType>(data[0] % 8);
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
  uint64_t rows = data[3] / 16 * 37;
  std::string_view chunk(reinterpret_cast<const char*>(data) + 4, size - 4);
  pq::TextArena arena;
  std::vector<std::string_view> values;
  fanout::Status s = pq::ReadColumnChunk(column, meta, chunk, rows, &arena, &values);
  if (s.ok() && values.size() != rows) {
    std::fprintf(stderr, "fuzz: %zu values for %llu rows\n", values.size(), static_cast<unsigned long long>(rows));
    std::abort();
  }
  return 0;
}
