#include "cluster/ssh_launcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <sstream>

#include "core/cache_dir.h"
#include "core/shell_quote.h"
#include "core/strings.h"
#include "core/subprocess.h"

namespace fanout::cluster {

namespace {

constexpr int kServerAliveIntervalS = 5;
constexpr int kServerAliveCountMax = 3;
constexpr int kControlPersistS = 60;

std::vector<std::string> SplitWords(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::vector<std::string> SshArgv(const std::string& ssh_command, const std::string& host,
                                 const std::vector<std::string>& remote_command, int connect_timeout_s) {
  std::vector<std::string> argv = SplitWords(ssh_command.empty() ? kDefaultSsh : ssh_command);
  std::string control_dir = CacheDir() + "/ssh";
  bool share = ::mkdir(control_dir.c_str(), 0700) == 0 || errno == EEXIST;
  for (const std::string& o :
       {std::string("BatchMode=yes"), "ConnectTimeout=" + std::to_string(connect_timeout_s),
        "ServerAliveInterval=" + std::to_string(kServerAliveIntervalS),
        "ServerAliveCountMax=" + std::to_string(kServerAliveCountMax)}) {
    argv.push_back("-o");
    argv.push_back(o);
  }
  if (share) {
    for (const std::string& o : {std::string("ControlMaster=auto"), "ControlPersist=" + std::to_string(kControlPersistS),
                                 "ControlPath=" + control_dir + "/%C"}) {
      argv.push_back("-o");
      argv.push_back(o);
    }
  }
  argv.push_back(host);
  argv.insert(argv.end(), remote_command.begin(), remote_command.end());
  return argv;
}

std::string RemoteWorkerCommand(const std::string& remote_fanout) { return ShellQuote(remote_fanout) + " worker"; }

SshLauncher::SshLauncher(std::vector<std::string> hosts, SshOptions options)
    : hosts_(std::move(hosts)), options_(std::move(options)) {}

std::vector<WorkerSlot> SshLauncher::Slots() const {
  std::vector<WorkerSlot> slots;
  for (const std::string& h : hosts_) slots.push_back({h, h, true});
  return slots;
}

Result<std::unique_ptr<WorkerProcess>> SshLauncher::Start(const WorkerSlot& slot) {
  return SpawnWorker(
      SshArgv(options_.ssh, slot.host, {RemoteWorkerCommand(options_.remote_fanout)}, options_.connect_timeout_s));
}

std::string SshLauncher::DeployHint(const WorkerSlot& slot) const {
  std::string hint = " — run fanout deploy --hosts " + slot.host;
  if (options_.remote_fanout != kDefaultRemoteFanout) hint += " --remote-fanout " + options_.remote_fanout;
  return hint;
}

std::string SshLauncher::WhyNotStarted(const WorkerSlot& slot, int status, const std::string& last) const {
  std::string said = last.empty() ? "" : " (" + last + ")";
  if (status == kSshFailed) return "ssh failed" + (last.empty() ? "" : ": " + last);
  if (status == kCommandNotFound) {
    return "fanout not found at " + options_.remote_fanout + " on the host" + said + DeployHint(slot);
  }
  if (status == kCannotExecute) return options_.remote_fanout + " cannot be run on the host" + said + DeployHint(slot);
  return Launcher::WhyNotStarted(slot, status, last);
}

Result<HostRun> SshLauncher::RunOnHost(const std::string& host, const std::string& command,
                                       const std::string& input) {
  HostRun r;
  ASSIGN_OR_RETURN(r.status,
                   RunCapture(SshArgv(options_.ssh, host, {command}, options_.connect_timeout_s), input, &r.out, &r.err));
  r.unreachable = r.status == kSshFailed;
  return r;
}

Status SshLauncher::PutFile(const std::string& host, const std::string& path, const std::string& content) {
  const std::string cmd = PutFileCommand(path);
  ASSIGN_OR_RETURN(HostRun r, RunOnHost(host, cmd, content));
  if (r.status != 0) return Status::IoError(LastLine(r.err));
  return Status::OK();
}

}  // namespace fanout::cluster
