// A task of `fanout run`: the user's shell command with the task's bytes on its
// stdin; its stdout is the task's output. The same code runs in the local
// executor and in workers.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "exec/plan.h"

namespace fanout::exec {

struct CommandOptions {
  std::string cmd;
  std::string workdir;  // where it runs (shipped files are there); empty: here
  bool split = false;   // the task is a byte range: feed the lines that start in it
  uint64_t max_output_bytes = 1ull << 30;
  const std::atomic<bool>* cancel = nullptr;
};

// The shell that runs commands: /bin/sh if it knows `set -o pipefail`, else
// bash (Debian's /bin/sh, dash, does not). Error when neither does.
Result<std::vector<std::string>> PipefailShell();

// Runs the command for `task` of `object`; FANOUT_KEY, FANOUT_URL, FANOUT_TASK
// (and FANOUT_RANGE for a range) in its environment, never in its command line.
// A non-zero exit is an error naming the object, with the end of its stderr.
Result<std::string> RunCommandTask(const ObjectPlan& object, const Task& task, uint64_t task_index,
                                   const CommandOptions& options);

}  // namespace fanout::exec
