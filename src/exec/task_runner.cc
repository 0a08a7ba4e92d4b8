#include "exec/task_runner.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "io/decompress.h"

namespace fanout::exec {

namespace {

constexpr size_t kLineCountChunk = 1 << 20;

// Opens the content of `object` at content offset `at` (0 unless uncompressed).
Result<std::unique_ptr<io::ByteStream>> OpenAt(const ObjectPlan& object, uint64_t at) {
  if (object.compression == io::Compression::kNone) return io::OpenRaw(object.info, at);
  return io::OpenContent(object.info, object.compression);
}

}  // namespace

Result<csv::HeaderInfo> ReadObjectHeader(const ObjectPlan& object, const ScanOptions& options) {
  if (options.header == csv::HeaderMode::kNo) return csv::HeaderInfo{};
  ASSIGN_OR_RETURN(std::unique_ptr<io::ByteStream> s, OpenAt(object, 0));
  return csv::ReadHeader(s.get(), object.info.url, options.delim, options.header);
}

Status ScanTask(const ObjectPlan& object, const Task& task, bool start_in_quote,
                const ScanOptions& options, csv::RowSink* sink, Progress* progress,
                const std::atomic<bool>* cancel, bool* end_in_quote) {
  bool whole = object.compression != io::Compression::kNone;
  uint64_t from = task.begin == 0 ? 0 : task.begin - 1;
  std::unique_ptr<io::ByteStream> s;
  if (whole) {
    ASSIGN_OR_RETURN(s, OpenAt(object, from));
  } else {
    // The range, the byte before it, and the longest row that may cross its end.
    uint64_t window = task.end == std::numeric_limits<uint64_t>::max()
                          ? object.info.size
                          : task.end - from + options.max_row_bytes + 1;
    ASSIGN_OR_RETURN(s, io::OpenMapped(object.info, from, window));
  }
  csv::ReadOptions ro;
  ro.delim = options.delim;
  ro.buffer_bytes = options.buffer_bytes;
  ro.max_row_bytes = options.max_row_bytes;
  ro.begin = task.begin;
  ro.end = task.end;
  ro.start_in_quote = start_in_quote;
  ro.progress = whole || progress == nullptr ? nullptr : &progress->bytes;
  ro.cancel = cancel;
  csv::RowReader reader(s.get(), object.info.url, ro);
  Status read = reader.Run(sink);
  RETURN_IF_ERROR(s->CheckUnchanged());  // a file that changed under the reader explains what it saw
  RETURN_IF_ERROR(read);
  if (whole && progress != nullptr) progress->bytes.fetch_add(task.stored_bytes, std::memory_order_relaxed);
  *end_in_quote = reader.end_in_quote();
  return Status::OK();
}

Result<uint64_t> LineNumberAt(const ObjectPlan& object, uint64_t offset) {
  ASSIGN_OR_RETURN(std::unique_ptr<io::ByteStream> s, OpenAt(object, 0));
  std::vector<char> buf(kLineCountChunk);
  uint64_t line = 1, pos = 0;
  while (pos < offset) {
    ASSIGN_OR_RETURN(size_t got, s->Read(buf.data(), std::min<uint64_t>(buf.size(), offset - pos)));
    if (got == 0) break;
    line += static_cast<uint64_t>(std::count(buf.data(), buf.data() + got, '\n'));
    pos += got;
  }
  return line;
}

}  // namespace fanout::exec
