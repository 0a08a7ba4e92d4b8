#include "cluster/launcher.h"

#include <signal.h>
#include <sys/wait.h>

#include "core/shell_quote.h"
#include "core/subprocess.h"

namespace fanout::cluster {

WorkerProcess::~WorkerProcess() { ClosePipes(); }

void WorkerProcess::CloseInput() { CloseFd(&to_fd_); }

void WorkerProcess::CloseStderr() { CloseFd(&err_fd_); }

void WorkerProcess::ClosePipes() {
  CloseFd(&to_fd_);
  CloseFd(&from_fd_);
  CloseFd(&err_fd_);
}

namespace {

class ChildWorker final : public WorkerProcess {
 public:
  explicit ChildWorker(const Child& c) : WorkerProcess(c.in, c.out, c.err), pid_(c.pid) {}
  ~ChildWorker() override { Stop(0); }

  int WaitExit(int wait_ms) override {
    if (pid_ <= 0) return -1;
    int status = WaitChildFor(pid_, wait_ms);
    if (status >= 0) pid_ = -1;  // reaped
    return status;
  }

  void Terminate() override {
    if (pid_ > 0) kill(-pid_, SIGTERM);
  }

  void Stop(int grace_ms) override {
    ClosePipes();
    if (pid_ <= 0) return;
    if (WaitChildFor(pid_, grace_ms) < 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

}  // namespace

Result<std::unique_ptr<WorkerProcess>> SpawnWorker(const std::vector<std::string>& argv) {
  ASSIGN_OR_RETURN(Child c, SpawnChild(argv));
  return std::unique_ptr<WorkerProcess>(std::make_unique<ChildWorker>(c));
}

std::string Launcher::WhyNotStarted(const WorkerSlot&, int status, const std::string& last) const {
  std::string how = status >= 0 ? "it exited with status " + std::to_string(status) : "it exited";
  return how + (last.empty() ? "" : ": " + last);
}

Result<HostRun> Launcher::RunOnHost(const std::string& host, const std::string&, const std::string&) {
  return Status::Unsupported("cannot run commands on " + host + " with this launcher");
}

std::string PutFileCommand(const std::string& path) {
  const std::string quoted = ShellQuote(path);
  return "mkdir -p \"$(dirname " + quoted + ")\" && t=$(mktemp " + ShellQuote(path + ".tmp.") +
         "XXXXXX) && cat > \"$t\" && chmod 755 \"$t\" && mv -f \"$t\" " + quoted;
}

Status Launcher::PutFile(const std::string& host, const std::string& path, const std::string&) {
  return Status::Unsupported("cannot put " + path + " on " + host + " with this launcher");
}

}  // namespace fanout::cluster
