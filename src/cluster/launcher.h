// The Launcher seam: how a worker process is started on a host, how a command
// runs there and how a file reaches it. The coordinator starts its workers only
// through a Launcher, and `fanout deploy` and `stage --drop` reach hosts only
// through one. Implementations:
//   LocalLauncher (local_launcher.h)  `fanout worker` processes here (--workers N)
//   SshLauncher   (ssh_launcher.h)    one worker per host through OpenSSH (--hosts)
//   FakeLauncher  (fake_launcher.h)   in-process stand-ins for unit tests
// A worker speaks frames (docs/protocol.md) on a pair of pipes; what it writes on
// stderr is kept to explain why it failed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace fanout::cluster {

// One worker a launcher starts for a job.
struct WorkerSlot {
  std::string name;     // "local-1", "h2": in messages, the progress line, the report
  // The machine it runs on, whose staged pieces it can read: exec::kLocalHolder
  // for this one, else the host as --hosts gave it.
  std::string host;
  bool remote = false;  // on another machine: one that never joins fails the job (unless allowed)
};

// A started worker. Frames go to it on to_fd() and come from it on from_fd();
// err_fd() (-1 when it has none, or once closed) carries what it says on
// stderr. Our ends are non-blocking and owned by this object. Destroying it
// ends the worker at once (Stop(0)). Not thread-safe: one owner.
class WorkerProcess {
 public:
  virtual ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  int to_fd() const { return to_fd_; }
  int from_fd() const { return from_fd_; }
  int err_fd() const { return err_fd_; }

  // Closes its input: a worker takes that as the end of the job.
  void CloseInput();
  // Closes our end of its stderr (it has said everything).
  void CloseStderr();

  // Waits up to `wait_ms` for it to end. Returns its exit status (128 + N for
  // signal N), or -1 while it still runs or when no status is known.
  virtual int WaitExit(int wait_ms) = 0;
  // Asks it to stop now: a worker stops its commands first, then goes.
  virtual void Terminate() = 0;
  // Closes its pipes, gives it `grace_ms` to end, then ends it by force. It
  // is gone (reaped) when this returns; later calls do nothing.
  virtual void Stop(int grace_ms) = 0;

 protected:
  WorkerProcess(int to_fd, int from_fd, int err_fd) : to_fd_(to_fd), from_fd_(from_fd), err_fd_(err_fd) {}
  void ClosePipes();

 private:
  int to_fd_, from_fd_, err_fd_;
};

// A worker that is a child process of ours, in a process group of its own
// (core/subprocess.h): `fanout worker` itself, or the ssh client that runs it
// on a host. Terminate sends SIGTERM to the group, Stop SIGKILL after the grace.
Result<std::unique_ptr<WorkerProcess>> SpawnWorker(const std::vector<std::string>& argv);

// What a command run on a host did.
struct HostRun {
  int status = 0;            // its exit status (128 + N for signal N)
  bool unreachable = false;  // it never ran: the host could not be reached; `err` says why
  std::string out, err;      // what it wrote on stdout and on stderr
};

// The shell command that puts its stdin at `path` (mode 0755, its directory
// made) through a temporary file of this session's own (mktemp) renamed into
// place, so that hosts sharing a directory never see, or run, half a file:
// what a Launcher's PutFile runs on the host.
std::string PutFileCommand(const std::string& path);

// Slots, WhyNotStarted and DeployHint are cheap and pure. RunOnHost and PutFile
// may be called from several threads at once.
class Launcher {
 public:
  virtual ~Launcher() = default;

  // The workers it starts for a job, in the order they are started.
  virtual std::vector<WorkerSlot> Slots() const = 0;

  // Starts the worker of `slot` (one of Slots()). An error means that it could
  // not even be started here (no fork, no pipes): the job fails. A worker that
  // starts and then fails says why on stderr and by its exit status.
  virtual Result<std::unique_ptr<WorkerProcess>> Start(const WorkerSlot& slot) = 0;

  // Why the worker of `slot` ended before its hello, from its exit status (-1:
  // not known) and the last line it wrote on stderr (may be empty). This one:
  // "it exited with status N: LAST".
  virtual std::string WhyNotStarted(const WorkerSlot& slot, int status, const std::string& last) const;

  // What to do about a worker of `slot` that runs another fanout, or none: a
  // hint to append to the message (" — run fanout deploy ..."). This one: "".
  virtual std::string DeployHint(const WorkerSlot& slot) const { return ""; }

  // Runs `command`, a POSIX shell command line, on `host` with `input` on its
  // stdin, to the end. An error only when it cannot be started from here. This
  // one: Unsupported.
  virtual Result<HostRun> RunOnHost(const std::string& host, const std::string& command, const std::string& input);

  // Puts `content` at `path` on `host` (mode 0755, its directory made), whole
  // or not at all: hosts sharing a directory never see, or run, half a file.
  // The error says why it could not (the host's own words where it has some).
  // This one: Unsupported.
  virtual Status PutFile(const std::string& host, const std::string& path, const std::string& content);
};

}  // namespace fanout::cluster
