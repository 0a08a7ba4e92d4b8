#include "static_chunking.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace fanout::sim {

StaticResult RunStatic(const std::vector<double>& file_seconds, int machines, int cores, int slow_machine,
                       double slow_factor) {
  StaticResult r;
  size_t n = file_seconds.size(), base = n / machines, extra = n % machines, next = 0;
  for (int m = 0; m < machines; ++m) {
    size_t count = base + (static_cast<size_t>(m) < extra ? 1 : 0);
    double factor = m == slow_machine ? slow_factor : 1.0;
    std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
    for (int c = 0; c < cores; ++c) free_at.push(0);
    double end = 0;
    for (size_t i = next; i < next + count; ++i) {
      double t = free_at.top();
      free_at.pop();
      double done = t + file_seconds[i] * factor;
      end = std::max(end, done);
      free_at.push(done);
    }
    next += count;
    r.machine_end.push_back(end);
    r.makespan = std::max(r.makespan, end);
  }
  return r;
}

}  // namespace fanout::sim
