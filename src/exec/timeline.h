// The recorder of a job's timeline (diagnosis.h): the executors note each
// attempt of each task as it starts and ends, on which machine and slot; the
// command notes its phases. Thread-safe (the local executor's threads record
// at once); times are seconds since `origin`, the command's start.
#pragma once

#include <time.h>

#include <chrono>
#include <mutex>
#include <string>

#include "exec/diagnosis.h"
#include "exec/plan.h"

namespace fanout::exec {

// The wall time and this thread's CPU time since it was made (one task's run).
class TaskClock {
 public:
  TaskClock() : wall_(std::chrono::steady_clock::now()), cpu_(ThreadCpu()) {}
  double Seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count(); }
  double CpuSeconds() const { return ThreadCpu() - cpu_; }

 private:
  static double ThreadCpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

class TimelineRecorder {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TimelineRecorder(Clock::time_point origin = Clock::now()) : origin_(origin) {}

  double Now() const { return std::chrono::duration<double>(Clock::now() - origin_).count(); }

  // An attempt of `plan`'s task number `task` starts now; returns its id.
  size_t Start(const Plan& plan, uint32_t task, const std::string& host, int slot, bool backup = false,
               bool rerun = false);
  // The attempt `id` ended now. `bytes` and `rows` count for an attempt that
  // finished. `run` (>= 0): the seconds it ran where it ran, so it started
  // that long ago (not when it was sent); `cpu` (>= 0): its thread's CPU seconds.
  void Finish(size_t id, AttemptRecord::End end, uint64_t bytes = 0, uint64_t rows = 0, std::string error = "",
              double run = -1, double cpu = -1);
  void MarkRestaged(size_t id);
  // The attempt's result, merged once, was dropped after all (a range re-run
  // because its assumed start was wrong): it counts as work thrown away.
  void Supersede(size_t id, std::string why);

  void AddPhase(std::string name, double start, double end);
  // Adds the host, or updates the one of that name.
  void SetHost(const HostRecord& host);
  void SetRangeSize(uint64_t bytes);

  // What was recorded, with `wall` = now.
  Timeline Snapshot() const;

 private:
  const Clock::time_point origin_;
  mutable std::mutex mu_;
  Timeline t_;                              // guarded by mu_
  std::vector<uint32_t> attempts_of_task_;  // guarded by mu_
};

}  // namespace fanout::exec
