// The seed's schedule, for comparison: the listing split into `machines`
// contiguous chunks of equal count (the first size % machines chunks one file
// longer); each machine runs its chunk's whole files on `cores` cores, a free
// core taking the chunk's next file.
#pragma once

#include <vector>

namespace fanout::sim {

struct StaticResult {
  double makespan = 0;
  std::vector<double> machine_end;  // when each machine finished its chunk
};

// file_seconds: each file's duration on a normal core, in listing order. The
// machine numbered slow_machine (-1: none) takes slow_factor times as long.
StaticResult RunStatic(const std::vector<double>& file_seconds, int machines, int cores, int slow_machine,
                       double slow_factor);

}  // namespace fanout::sim
