// Child processes with pipes on stdin, stdout and stderr, in a process group of
// their own (so a terminal's Ctrl-C reaches only us, and the whole group can be
// stopped at once). Our ends of the pipes are non-blocking and close-on-exec.
#pragma once

#include <sys/types.h>

#include <string>
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

}  // namespace fanout
