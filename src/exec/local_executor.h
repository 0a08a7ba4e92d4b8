// LocalExecutor: runs a Plan's tasks on a pool of threads on this machine.
//
// Tasks start by assuming they begin at a field start, with a guessed line end.
// When all ranges of an object are done, the executor checks their chain
// (csv/chain.h: each range reports what it found) and re-runs any range whose
// assumption was wrong, so results are exact for any split. Only then are the
// object's outputs committed — each task's output exactly once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "core/status.h"
#include "csv/chain.h"
#include "exec/plan.h"
#include "exec/warnings.h"

namespace fanout::exec {

// What a task produced; subclassed by each command (a Partial, a part file, ...).
struct TaskOutput {
  virtual ~TaskOutput() = default;
  csv::RangeEnd end;  // what the task found (csv/chain.h)
};

// Runs one task with the given start. Called from worker threads.
using RunFn = std::function<Result<std::unique_ptr<TaskOutput>>(const Task& task, csv::RangeStart start)>;
// Receives each task's final output once, on worker thread `thread` (0-based);
// an object's ranges arrive together, in range order, on one thread.
using CommitFn = std::function<Status(int thread, const Task& task, std::unique_ptr<TaskOutput> out)>;

struct ExecOptions {
  int threads = 1;
  std::atomic<bool>* cancel = nullptr;  // set by the executor on the first error; may be shared
  Warnings* warnings = nullptr;         // if set, gets what the committed objects' ranges noticed
};

// Runs every task of `plan`. Returns the first error (others are dropped) after
// all threads have stopped.
Status RunLocal(const Plan& plan, const ExecOptions& options, const RunFn& run, const CommitFn& commit);

// Every core of this machine.
int DefaultThreads();

}  // namespace fanout::exec
