#include "exec/range_chain.h"

#include "exec/warnings.h"

namespace fanout::exec {

void RangeChain::Put(uint32_t k, uint32_t index, const Task* task, const csv::RangeEnd& end, std::unique_ptr<TaskOutput> output,
                     std::string holder) {
  Range& r = ranges_[k];
  r.index = index;
  r.task = task;
  r.end = end;
  r.output = std::move(output);
  r.holder = std::move(holder);
}

bool RangeChain::Complete() const {
  for (const Range& r : ranges_) {
    if (r.output == nullptr) return false;
  }
  return true;
}

Result<csv::ChainVerdict> RangeChain::Verdict(const Format& format, const std::string& object) const {
  std::vector<csv::RangeEnd> ends;
  for (const Range& r : ranges_) {
    if (r.output == nullptr) break;
    ends.push_back(r.end);
  }
  return format.Settle(ends, object);
}

std::string RangeChain::Warning(const std::string& object) const {
  std::vector<csv::RangeEnd> ends;
  for (const Range& r : ranges_) ends.push_back(r.end);
  return UnterminatedWarning(object, ends);
}

std::vector<Committed> RangeChain::Take() {
  std::vector<Committed> out;
  out.reserve(ranges_.size());
  for (Range& r : ranges_) out.push_back(Committed{r.index, r.task, std::move(r.output), std::move(r.holder)});
  ranges_.clear();
  return out;
}

}  // namespace fanout::exec
