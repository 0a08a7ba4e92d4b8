#include "exec/csv_format.h"

namespace fanout::exec {

Result<csv::HeaderInfo> CsvFormat::ReadHeader(const ObjectPlan& object, const ScanOptions& scan) const {
  return ReadObjectHeader(object, scan);
}

Status CsvFormat::Scan(const ObjectPlan& object, const Task& task, csv::RangeStart start, const ScanOptions& scan,
                       csv::RowSink* sink, Progress* progress, const std::atomic<bool>* cancel,
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
