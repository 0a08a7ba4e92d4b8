// The coordinator as a single server, replayed on a zero-cost run.
//
// The zero-cost run's decisions are kept (which section sent which attempt to
// which worker, the order in which each worker started its attempts) and only
// its times are recomputed:
// - an item arrives at its fixed time (the start of the job, a timer tick) or
//   when its result's attempt finishes in the replay;
// - the coordinator handles one item at a time, the earliest arrived first
//   (ties: zero-cost order), starting at max(arrival, end of the previous
//   section), for the wall-clock time its section was measured to take;
// - the attempts a section sends (and its cancels) reach the workers when it
//   ends;
// - a worker starts its attempts in the zero-cost order, each at the latest of:
//   its frame's arrival, the previous start, and a core freeing (the earliest
//   of its `cores` cores). So an attempt that reached its worker while the
//   worker still had one queued starts the moment a core frees, however late
//   its frame; only a core with nothing queued waits for the coordinator.
//   A cancelled attempt frees its core at the earlier of its end and its
//   cancel's arrival when the cancel has been handled by the time it starts,
//   else at its end (conservative; the dispatch runs start no backups, so
//   cancel nothing).
// Timer ticks after the zero-cost run's end are not replayed (no work was
// measured for them; they find nothing to do). Every time is a max of sums of
// zero-cost times and non-negative costs, so no section can start before its
// zero-cost time and the makespan cannot shrink; Replay checks the first for
// every section, the caller the second.
#pragma once

#include <string>

#include "cluster_sim.h"

namespace fanout::sim {

struct ReplayResult {
  double makespan = 0;  // when the coordinator had handled every result
  double wait_sum = 0, wait_max = 0;
  double max_other_cost = 0;  // the longest section after the first
  // Core-seconds cores sat idle before their next attempt started: from the
  // core freeing (or time 0) to the start, summed over starts. Idle time in the
  // tail, with nothing left to start, is not counted.
  double starved_core_seconds = 0;
  std::string error;
};

// Replays `trace` with every section taking its measured cost (or none, with
// zero_costs: that must reproduce the zero-cost makespan exactly).
ReplayResult Replay(const Trace& trace, bool zero_costs = false);

}  // namespace fanout::sim
