// RangeChain: one object's range results until their chain is settled
// (Format::Settle), then handed to the job's Commit in range order, each once.
// Both executors use it: the local one re-runs a range on the thread that
// found it wrong, the coordinator queues it again; neither decides anything
// about the chain itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "csv/chain.h"
#include "exec/format.h"
#include "exec/job.h"

namespace fanout::exec {

class RangeChain {
 public:
  RangeChain() = default;
  void Reset(uint32_t ranges) {
    ranges_.clear();
    ranges_.resize(ranges);
  }
  size_t size() const { return ranges_.size(); }

  // Range k's result under the start it assumed: what it found, its output,
  // where it was made.
  void Put(uint32_t k, uint32_t index, const Task* task, const csv::RangeEnd& end, std::unique_ptr<TaskOutput> output,
           std::string holder);
  // Range k has no result (it failed, or it runs again).
  void Clear(uint32_t k) { ranges_[k].output.reset(); }
  bool Has(uint32_t k) const { return ranges_[k].output != nullptr; }
  // Every range has a result.
  bool Complete() const;

  // The first range to run again and its start, judged on the leading ranges
  // that have results: rerun == size() when every range has one and all read
  // as they must; rerun == the first range without a result when the ones
  // before it are settled. An error when no reading is consistent.
  Result<csv::ChainVerdict> Verdict(const Format& format, const std::string& object) const;

  // Settled: the warning the ranges' ends call for ("" if none; exec/warnings.h),
  // then the outputs in range order (the chain is empty afterwards).
  std::string Warning(const std::string& object) const;
  std::vector<Committed> Take();

 private:
  struct Range {
    uint32_t index = 0;
    const Task* task = nullptr;
    csv::RangeEnd end;
    std::unique_ptr<TaskOutput> output;
    std::string holder;
  };
  std::vector<Range> ranges_;
};

}  // namespace fanout::exec
