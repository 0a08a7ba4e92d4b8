#include "exec/csv_format.h"

#include <algorithm>
#include <limits>

namespace fanout::exec {

void CsvFormat::Split(uint32_t index, const ObjectPlan& object, uint64_t range_bytes, std::vector<Task>* tasks) const {
  uint64_t size = object.info.size;
  if (object.compression != io::Compression::kNone || size <= range_bytes) {
    // Compressed content cannot be entered mid-stream: one task reads it all.
    tasks->push_back({index, 0, 1, 0, std::numeric_limits<uint64_t>::max(), size});
    return;
  }
  uint32_t n = static_cast<uint32_t>((size + range_bytes - 1) / range_bytes);
  for (uint32_t r = 0; r < n; ++r) {
    uint64_t b = r * range_bytes, e = std::min(size, b + range_bytes);
    tasks->push_back({index, r, n, b, e, e - b});
  }
}

Result<csv::HeaderInfo> CsvFormat::ReadHeader(const ObjectPlan& object, const ScanOptions& scan) const {
  return ReadObjectHeader(object, scan);
}

Status CsvFormat::Scan(const ObjectPlan& object, const Task& task, csv::RangeStart start, const ScanOptions& scan,
                       ops::Sink* sink, Progress* progress, const std::atomic<bool>* cancel,
                       csv::RangeEnd* end) const {
  return ScanTask(object, task, start, scan, sink, progress, cancel, end);
}

Result<csv::ChainVerdict> CsvFormat::Settle(const std::vector<csv::RangeEnd>& ranges, const std::string& object) const {
  return csv::CheckChain(ranges, object);
}

std::string CsvFormat::Where(const ObjectPlan& object, uint64_t offset, io::Store& store) const {
  Result<uint64_t> line = LineNumberAt(object, offset, store);
  return object.info.url + ":" + (line.ok() ? std::to_string(line.value()) : "?");
}

}  // namespace fanout::exec
