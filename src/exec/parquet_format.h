// The Parquet format: an object is split into byte ranges like CSV, and a range
// owns the row groups whose first column chunk starts in it, so the split needs
// no I/O and a big file spreads over every core. A task reads the footer (its
// length from the last 8 bytes, then exactly its bytes; once per process and
// object), then only the column chunks of the fields its sink reads, and hands
// them over as batches of canonical text (parquet/column_reader.h).
// Nothing chains between ranges: every object settles at once.
#pragma once

#include "exec/format.h"

namespace fanout::exec {

class ParquetFormat final : public Format {
 public:
  static constexpr std::string_view kName = "parquet";
  std::string_view Name() const override { return kName; }
  bool Claims(std::string_view head) const override;
  void Split(uint32_t index, const ObjectPlan& object, uint64_t range_bytes, std::vector<Task>* tasks) const override;
  Result<csv::HeaderInfo> ReadHeader(const ObjectPlan& object, const ScanOptions& scan) const override;
  Status Scan(const ObjectPlan& object, const Task& task, csv::RangeStart start, const ScanOptions& scan,
              ops::Sink* sink, Progress* progress, const std::atomic<bool>* cancel,
              csv::RangeEnd* end) const override;
  Result<csv::ChainVerdict> Settle(const std::vector<csv::RangeEnd>& ranges, const std::string& object) const override;
  std::string Where(const ObjectPlan& object, uint64_t offset, io::Store& store) const override;
};

}  // namespace fanout::exec
