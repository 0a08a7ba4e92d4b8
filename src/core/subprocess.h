// Child processes with pipes on stdin, stdout and stderr, in a process group of
// their own (so a terminal's Ctrl-C reaches only us, and the whole group can be
// stopped at once). Our ends of the pipes are non-blocking and close-on-exec.
// PumpChild is the one loop that drives those pipes: every caller that feeds a
// child or reads what it says (a `run` task's command, the merge command, ssh
// for deploy and stage --drop) goes through it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace fanout {

struct Child {
  pid_t pid = -1;
  int in = -1;   // its stdin (we write)
  int out = -1;  // its stdout (we read)
  int err = -1;  // its stderr (we read)
};

struct SpawnOptions {
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) our environment
  std::string cwd;                                       // empty: ours
};

// Starts argv[0] (searched in PATH) with argv.
Result<Child> SpawnChild(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// Closes *fd if open and sets it to -1.
void CloseFd(int* fd);

// Waits for the child and returns its exit status (128 + N for signal N).
int WaitChild(pid_t pid);

// Ends the child's process group — the child and whatever it started there (a
// pipeline's other commands): SIGTERM to the group, then SIGKILL to whatever
// of the group is left once the child has exited or `grace_ms` has passed. The
// child is left to reap (WaitChild).
void StopGroup(pid_t pid, int grace_ms);

// Blocks until the child has exited, without reaping it: while it is a zombie
// its process group id stays reserved, so the group can still be signalled.
void WaitExited(pid_t pid);

// Waits up to `wait_ms` for the child to exit and reaps it when it has.
// Returns its exit status (128 + N for signal N), or -1 while it still runs.
int WaitChildFor(pid_t pid, int wait_ms);

// --- The poll loop -------------------------------------------------------------

// Where a pump's input comes from and where the child's output goes. Every
// callback runs on the pumping thread.
struct PumpOptions {
  // Appends the next input to *chunk (empty when called) and returns true, or
  // returns false at the end of the input: the child's stdin is then closed.
  // Unset: no input, its stdin is closed at once. An error stops the pump.
  std::function<Result<bool>(std::string* chunk)> source;
  // Each piece of input as the child takes it (optional).
  std::function<void(std::string_view)> on_fed;
  // What the child writes on stdout and on stderr, as it comes; unset: dropped.
  // An error stops the pump.
  std::function<Status(std::string_view)> on_stdout;
  std::function<Status(std::string_view)> on_stderr;
  const std::atomic<bool>* cancel = nullptr;  // once set, the pump stops (kCancelled)
  int timeout_ms = 0;  // > 0: the pump stops after this long (kTimedOut)
  int poll_ms = 200;   // the longest a set cancel goes unnoticed
};

enum class PumpEnd {
  kClosed,     // the child closed its stdout and stderr (as a rule: it exited)
  kCancelled,  // *cancel was set
  kTimedOut,   // timeout_ms passed
};

struct PumpResult {
  PumpEnd end = PumpEnd::kClosed;
  // Every byte of input was taken and stdin closed after the last one — not
  // closed early because the child stopped reading.
  bool all_fed = false;
};

// Feeds the child's stdin from `source` while handing its stdout and stderr to
// the sinks, all in one poll loop, so that neither side can block the other
// whatever the sizes; until the child closes both outputs, or a cancel or the
// timeout. A child that stops reading (EPIPE, as `head` does) gets its stdin
// closed and the rest of the input is not asked for: not an error by itself
// (its exit status decides). No SIGPIPE is raised in this process by it.
// Returns how the pump ended, or the source's, a sink's or poll's error. The
// pipes it closed are -1 in *c; the caller closes the rest, ends the child
// (EndChild) and reaps it.
Result<PumpResult> PumpChild(Child* c, const PumpOptions& options);

// After a pump: when `stop` (it did not end by itself), stops the child's group
// first (StopGroup, `grace_ms`); closes its pipes, waits for it to exit, then
// kills whatever it left running in its group. The child is left to reap.
void EndChild(Child* c, bool stop, int grace_ms);

// Appends `bytes` to *tail, keeping at least its last `keep` bytes (it is cut
// back to `keep` whenever it passes twice that): the end of a child's stderr.
void AppendTail(std::string* tail, std::string_view bytes, size_t keep);

// Runs argv to completion, `input` on its stdin; its stdout and stderr into
// *out and *err. Returns its exit status (128 + N for signal N). Nothing is
// killed after it exits: what it leaves running in the background (ssh's shared
// connection) stays.
Result<int> RunCapture(const std::vector<std::string>& argv, const std::string& input, std::string* out,
                       std::string* err);

// This program's own path (/proc/self/exe).
Result<std::string> SelfExe();

}  // namespace fanout
