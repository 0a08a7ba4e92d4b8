// The local executor: runs any Job's tasks on a pool of threads on this machine.
//
// Tasks start by assuming they begin at a field start, with a guessed line end.
// When all ranges of an object are done, their chain is checked (range_chain.h)
// and any range whose assumption was wrong runs again, so results are exact
// for any split. Only then are the object's outputs committed — each task's
// output exactly once, on the thread that settled the object.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/status.h"
#include "exec/job.h"
#include "exec/plan.h"
#include "exec/task_runner.h"
#include "exec/timeline.h"
#include "exec/warnings.h"

namespace fanout::exec {

struct LocalOptions {
  int threads = 1;
  std::atomic<bool>* cancel = nullptr;  // set by the executor on the first error; may be shared
  Warnings* warnings = nullptr;         // if set, gets what the committed objects' ranges noticed
  Progress* progress = nullptr;         // if set, rows are counted as outputs are committed
  RunEnv env;                           // passed to Job::Prepare
  // Runs of one task, in all, before its failure fails the job: a failure of
  // storage (kIoError) and one of the user's command (kCommandFailed).
  int io_attempts = 1;
  int command_attempts = 1;
  // Called before a failed task runs again: (attempt about to start, of how many, why).
  std::function<void(int, int, const Status&)> on_retry;
  // If set, gets every attempt (host "local", slot = thread), this machine's
  // slots and the scanning and merging phases (--report, --stats).
  TimelineRecorder* timeline = nullptr;
};

// Runs every task of `plan` through `job`, then Job::Finish. Returns the first
// error (others are dropped) after all threads have stopped.
[[nodiscard]] Status RunJobLocally(const Plan& plan, Job& job, const LocalOptions& options);

// Every core of this machine.
int DefaultThreads();

}  // namespace fanout::exec
