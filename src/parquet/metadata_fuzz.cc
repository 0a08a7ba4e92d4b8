// libFuzzer target: arbitrary bytes as a Parquet footer (FileMetaData, then the
// schema tree and the checks against a file around it), as a page header, and as the
// last 8 bytes of a file. Nothing may crash, hang or allocate without bound; a page
// header decodes to the same header from exactly the bytes it consumed. Built with
// -DFANOUT_FUZZ=ON (clang); run by `scripts/dev.sh fuzz`. Seeds: the footers of
// tests/data/parquet/*.parquet.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "parquet/metadata.h"
#include "parquet/thrift.h"

namespace {

namespace pq = fanout::parquet;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: %s\n", what);
    std::abort();
  }
}

void FuzzFooter(std::string_view in) {
  fanout::Result<pq::FileMetaData> meta = pq::ParseFileMetaData(in);
  if (!meta.ok()) return;
  fanout::Result<pq::Schema> schema = pq::BuildSchema(meta->schema);
  if (!schema.ok()) return;
  for (const pq::Column& c : schema->columns) Check(!c.path.empty(), "a column without a path");
  // As the footer of files of a few sizes around the chunks it names.
  for (uint64_t size : {uint64_t{0}, uint64_t{in.size()} + 12, uint64_t{1} << 20, ~uint64_t{0}}) {
    fanout::Status st = pq::Validate(*meta, *schema, size, static_cast<uint32_t>(in.size()));
    if (!st.ok()) continue;
    for (const pq::RowGroup& g : meta->row_groups) {
      for (const pq::ColumnChunk& c : g.columns) {
        pq::ByteRange r = pq::ChunkRange(*c.meta_data);
        Check(r.offset >= 4 && r.offset + r.length <= size - 8 - in.size(), "a validated chunk outside the data");
      }
    }
  }
}

void FuzzPageHeader(std::string_view in) {
  size_t consumed = 0;
  fanout::Result<pq::PageHeader> h = pq::ParsePageHeader(in, &consumed);
  if (!h.ok()) return;
  Check(consumed <= in.size(), "a page header longer than its bytes");
  size_t again_consumed = 0;
  fanout::Result<pq::PageHeader> again = pq::ParsePageHeader(in.substr(0, consumed), &again_consumed);
  Check(again.ok() && again_consumed == consumed && *again == *h, "a page header depends on the bytes after it");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  FuzzFooter(in);
  FuzzPageHeader(in);
  if (size >= pq::kFooterTailBytes) (void)pq::FooterLength(in.substr(size - pq::kFooterTailBytes));
  fanout::parquet::thrift::Reader r(in);
  (void)r.Skip(fanout::parquet::thrift::WireType::kStruct, "fuzz");
  return 0;
}
