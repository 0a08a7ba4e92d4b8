#include "exec/task_runner.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "io/decompress.h"
#include "io/store.h"

namespace fanout::exec {

namespace {

constexpr size_t kLineCountChunk = 1 << 20;

// Opens the content of `object` at content offset `at` (0 unless uncompressed).
Result<std::unique_ptr<io::ByteStream>> OpenAt(io::Store& store, const ObjectPlan& object, uint64_t at) {
  if (object.compression == io::Compression::kNone) return io::OpenRaw(store, object.info, at);
  return io::OpenContent(store, object.info, object.compression);
}

// Stored bytes as a decompressor reads them, added to a progress counter: a
// compressed object (one task, however large) shows its progress as it goes.
class CountingStream final : public io::ByteStream {
 public:
  CountingStream(std::unique_ptr<io::ByteStream> raw, std::atomic<uint64_t>* counter)
      : raw_(std::move(raw)), counter_(counter) {}
  Result<size_t> Read(char* buf, size_t n) override {
    ASSIGN_OR_RETURN(size_t got, raw_->Read(buf, n));
    counter_->fetch_add(got, std::memory_order_relaxed);
    counted += got;
    return got;
  }
  Status CheckUnchanged() override { return raw_->CheckUnchanged(); }
  uint64_t counted = 0;

 private:
  std::unique_ptr<io::ByteStream> raw_;
  std::atomic<uint64_t>* counter_;
};

// The content of a compressed object, its stored bytes counted in *progress as
// they are read (*counting is the counter, to settle the total at the end).
Result<std::unique_ptr<io::ByteStream>> OpenCounted(io::Store& store, const ObjectPlan& object, Progress* progress,
                                                    CountingStream** counting) {
  ASSIGN_OR_RETURN(std::unique_ptr<io::ByteStream> raw, io::OpenRaw(store, object.info, 0));
  auto counted = std::make_unique<CountingStream>(std::move(raw), &progress->bytes);
  *counting = counted.get();
  return io::MakeDecompressor(std::move(counted), object.compression, object.info.url);
}

}  // namespace

Result<csv::HeaderInfo> ReadObjectHeader(const ObjectPlan& object, const ScanOptions& options) {
  if (options.header == csv::HeaderMode::kNo) return csv::HeaderInfo{};
  ASSIGN_OR_RETURN(std::unique_ptr<io::ByteStream> s, OpenAt(*options.store, object, 0));
  Result<csv::HeaderInfo> header = csv::ReadHeader(s.get(), object.info.url, options.delim, options.header);
  RETURN_IF_ERROR(s->CheckUnchanged());  // a header read from bytes that changed is no header
  return header;
}

Status ScanTask(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                const ScanOptions& options, csv::RowSink* sink, Progress* progress,
                const std::atomic<bool>* cancel, csv::RangeEnd* end) {
  bool whole = object.compression != io::Compression::kNone;
  uint64_t from = whole ? 0 : csv::StreamStart(task.begin);
  std::unique_ptr<io::ByteStream> s;
  CountingStream* counting = nullptr;
  if (whole && progress != nullptr) {
    ASSIGN_OR_RETURN(s, OpenCounted(*options.store, object, progress, &counting));
  } else if (whole) {
    ASSIGN_OR_RETURN(s, OpenAt(*options.store, object, from));
  } else {
    // The range, the byte before it, and the longest row that may cross its end;
    // at least the bytes that decide a guessed line end (csv/chain.h).
    uint64_t window = task.end == std::numeric_limits<uint64_t>::max()
                          ? object.info.size
                          : std::max<uint64_t>(task.end - from + options.max_row_bytes, csv::kLineEndSniffBytes) + 1;
    ASSIGN_OR_RETURN(s, io::OpenMapped(*options.store, object.info, from, window));
  }
  csv::ReadOptions ro;
  ro.delim = options.delim;
  ro.buffer_bytes = options.buffer_bytes;
  ro.max_row_bytes = options.max_row_bytes;
  ro.begin = task.begin;
  ro.end = task.end;
  ro.start = start;
  ro.progress = whole || progress == nullptr ? nullptr : &progress->bytes;
  ro.cancel = cancel;
  ro.exact_kernel = options.reference;
  csv::RowReader reader(s.get(), object.info.url, ro);
  Status read = reader.Run(sink);
  RETURN_IF_ERROR(s->CheckUnchanged());  // a file that changed under the reader explains what it saw
  RETURN_IF_ERROR(read);
  if (counting != nullptr && counting->counted < task.stored_bytes) {  // the rest, unread (a stop at the end)
    progress->bytes.fetch_add(task.stored_bytes - counting->counted, std::memory_order_relaxed);
  }
  *end = reader.range_end();
  return Status::OK();
}

Result<uint64_t> LineNumberAt(const ObjectPlan& object, uint64_t offset, io::Store& store) {
  ASSIGN_OR_RETURN(std::unique_ptr<io::ByteStream> s, OpenAt(store, object, 0));
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
