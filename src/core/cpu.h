// How many cores this machine has: asked of the system in one place.
#pragma once

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace fanout {

// The hardware threads this process may run on at once: its CPU affinity
// (what taskset, cpusets and Slurm's task/affinity leave it), else
// std::thread::hardware_concurrency; inside a Slurm job step, at most the CPUs
// Slurm gave the step on this node (SLURM_CPUS_ON_NODE: a step that is not
// bound to them still sees the whole machine). At least 1.
inline int CoreCount() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) n = CPU_COUNT(&set);
  const char* step = std::getenv("SLURM_STEP_ID");
  const char* cpus = std::getenv("SLURM_CPUS_ON_NODE");
  if (step != nullptr && *step != '\0' && cpus != nullptr) {
    int slurm = std::atoi(cpus);
    if (slurm > 0) n = n > 0 ? std::min(n, slurm) : slurm;
  }
  return std::max(n, 1);
}

}  // namespace fanout
