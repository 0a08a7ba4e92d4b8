// The CSV format: byte ranges read by the SIMD row reader (exec/task_runner.h),
// settled by the quote chain (csv/chain.h). It claims every object, so it is
// asked last.
#pragma once

#include "exec/format.h"

namespace fanout::exec {

class CsvFormat final : public Format {
 public:
  static constexpr std::string_view kName = "csv";
  std::string_view Name() const override { return kName; }
  bool Claims(std::string_view) const override { return true; }
  void Split(uint32_t index, const ObjectPlan& object, uint64_t range_bytes, std::vector<Task>* tasks) const override;
  Result<csv::HeaderInfo> ReadHeader(const ObjectPlan& object, const ScanOptions& scan) const override;
  Status Scan(const ObjectPlan& object, const Task& task, csv::RangeStart start, const ScanOptions& scan,
              ops::Sink* sink, Progress* progress, const std::atomic<bool>* cancel,
              csv::RangeEnd* end) const override;
  Result<csv::ChainVerdict> Settle(const std::vector<csv::RangeEnd>& ranges, const std::string& object) const override;
  std::string Where(const ObjectPlan& object, uint64_t offset, io::Store& store) const override;
};

}  // namespace fanout::exec
