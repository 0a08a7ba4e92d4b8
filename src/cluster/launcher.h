// Starting worker processes: locally (this binary, `fanout worker`) or on other
// machines through the system's OpenSSH client. Each worker's stdin, stdout and
// stderr are pipes to the coordinator; each runs in a process group of its own,
// so a Ctrl-C at the terminal reaches the coordinator only, which then stops
// the workers itself.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace fanout::cluster {

struct WorkerProcess {
  pid_t pid = -1;
  int to_fd = -1;    // the worker's stdin
  int from_fd = -1;  // its stdout (frames)
  int err_fd = -1;   // its stderr (shown when it fails)
  std::string name;  // "local-1", "h2"
};

// The ssh options fanout adds after the user's own (ssh takes the first value
// of each option, so the user's command line and ~/.ssh/config still win):
// BatchMode, ConnectTimeout, keep-alives, and connection sharing
// (ControlMaster/ControlPersist) under exec::CacheDir()/ssh (~/.cache/fanout/ssh). Host keys are
// checked as the user configured; fanout never turns that off.
std::vector<std::string> SshArgv(const std::string& ssh_command, const std::string& host,
                                 const std::vector<std::string>& remote_command, int connect_timeout_s);

// `word` as one word for the remote (POSIX) shell that ssh hands its command
// to: single-quoted, except that a leading "~/" stays outside the quotes, so it
// still means the home directory. Paths with spaces or quotes stay one word.
std::string ShellQuote(const std::string& word);

// The remote command that starts a worker: `remote_fanout` (a path on the
// host, quoted) with "worker".
std::string RemoteWorkerCommand(const std::string& remote_fanout);

// Starts argv[0] with argv, stdin/stdout/stderr on new pipes.
Result<WorkerProcess> Spawn(const std::vector<std::string>& argv, const std::string& name);

// This program's own path (/proc/self/exe).
Result<std::string> SelfExe();

// Parses --hosts: "h1,h2,user@h3" or "@FILE" (one host per line, # comments).
Result<std::vector<std::string>> ParseHosts(const std::string& spec);

// Runs argv to completion, `input` on its stdin; its stdout and stderr into
// *out and *err. Returns its exit status (128+N for signal N).
Result<int> RunCapture(const std::vector<std::string>& argv, const std::string& input, std::string* out,
                       std::string* err);

// The last non-empty line of a process's output (what ssh or a worker said
// last, which usually says the most).
std::string LastLine(std::string text);

// Waits up to `wait_ms` for the process to exit and reaps it (w->pid becomes
// -1). Returns its exit status (128+N for signal N), or -1 while it still runs.
int WaitExit(WorkerProcess* w, int wait_ms);

// Stops a worker process: closes its pipes, then SIGTERM and, if it is still
// there after `grace_ms`, SIGKILL to its process group; reaps it.
void Stop(WorkerProcess* w, int grace_ms);

}  // namespace fanout::cluster
