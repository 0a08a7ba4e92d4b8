// A task of `fanout run`: the user's shell command with the task's bytes on its
// stdin; its stdout is the task's output. The same code runs in the local
// executor and in workers.
//
// Every command runs in a process group of its own, and no part of it outlives
// its task: when the command exits, what it left running in its group is
// killed; a cancelled task stops its group (SIGTERM, then SIGKILL); and a
// process that is going away ends every command it runs with StopAllCommands.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "exec/plan.h"
#include "io/store.h"

namespace fanout::exec {

// A file shipped with the job (--ship): the command finds a copy by `name`.
struct ShippedCopy {
  std::string name;                // a base name: no '/', not "." or ".."
  const std::string* content = nullptr;  // must outlive the tasks
};

struct CommandOptions {
  std::string cmd;
  // Without shipped files: where the command runs (empty: here). With them:
  // the directory in which each task gets a private directory of its own,
  // holding read-only (0555) copies of the shipped files, removed after the
  // task — so a command can change neither the user's files, nor a cache, nor
  // what another task sees.
  std::string workdir;
  std::vector<ShippedCopy> shipped;
  bool split = false;   // the task is a byte range: feed the lines that start in it
  bool csv = false;     // a columnar object (Parquet) is fed as its rows in CSV with a header, not its bytes
  uint64_t max_output_bytes = 1ull << 30;
  const std::atomic<bool>* cancel = nullptr;
  io::Store* store = io::LocalFiles();  // where the objects are read from; must outlive the task
};

// What a task's command did. On success `output` is its stdout; `lines` counts
// the lines fed to its stdin either way (a last line without a newline counts).
struct CommandResult {
  Status status;
  // The command itself failed (exited non-zero or was killed by a signal it
  // did not get from us) — as opposed to an input that could not be read, a
  // cancellation, or an output too large. Retried at most --command-attempts times.
  bool command_failed = false;
  std::string output;
  uint64_t lines = 0;
};

// The shell that runs commands: /bin/sh if it knows `set -o pipefail`, else
// bash (Debian's /bin/sh, dash, does not). Error when neither does.
Result<std::vector<std::string>> PipefailShell();

// Runs the command for `task` of `object`; FANOUT_KEY, FANOUT_URL, FANOUT_TASK
// (and FANOUT_RANGE for a range) in its environment, never in its command line.
// A non-zero exit is an error naming the object, with the end of its stderr.
CommandResult RunCommandTask(const ObjectPlan& object, const Task& task, uint64_t task_index,
                             const CommandOptions& options);

// Ends every command RunCommandTask is running in this process (SIGTERM to
// each group, SIGKILL to what is left after `grace_ms`), and makes every later
// RunCommandTask fail at once: for a process that is about to exit. Thread-safe;
// returns once the groups are signalled, with their leaders not yet reaped.
void StopAllCommands(int grace_ms);

// The grace a command gets between SIGTERM and SIGKILL.
constexpr int kCommandStopGraceMs = 1000;

}  // namespace fanout::exec
