// Workers on other machines through the system's OpenSSH client (--hosts,
// --ssh, --remote-fanout): `ssh HOST '<remote-fanout>' worker`, one per host.
// Host keys are checked as the user configured; fanout never turns that off.
#pragma once

#include <string>
#include <vector>

#include "cluster/launcher.h"

namespace fanout::cluster {

inline constexpr const char* kDefaultSsh = "ssh";
// Where fanout deploy puts fanout on a host and where workers are started
// from: relative to the home directory ssh starts in there. (The host's own
// cache directory, which this machine cannot compute: CacheDir() reads this
// machine's XDG_CACHE_HOME.)
inline constexpr const char* kDefaultRemoteFanout = ".cache/fanout/bin/fanout";
inline constexpr int kDefaultConnectTimeoutS = 15;

// The exit statuses of `ssh HOST COMMAND`: ssh's own failure (it could not
// connect or log in), and the remote shell's "command not found" and
// "cannot execute".
inline constexpr int kSshFailed = 255;
inline constexpr int kCommandNotFound = 127;
inline constexpr int kCannotExecute = 126;

struct SshOptions {
  std::string ssh = kDefaultSsh;                     // --ssh: the command, split on spaces
  std::string remote_fanout = kDefaultRemoteFanout;  // --remote-fanout: fanout's path on the hosts
  int connect_timeout_s = kDefaultConnectTimeoutS;   // ssh's ConnectTimeout
};

class SshLauncher final : public Launcher {
 public:
  // One worker per host, in the order given (names as --hosts gave them).
  SshLauncher(std::vector<std::string> hosts, SshOptions options);

  std::vector<WorkerSlot> Slots() const override;
  Result<std::unique_ptr<WorkerProcess>> Start(const WorkerSlot& slot) override;
  // ssh's own failure, no fanout at --remote-fanout (with the `fanout deploy`
  // that puts it there), or what it said last.
  std::string WhyNotStarted(const WorkerSlot& slot, int status, const std::string& last) const override;
  // " — run fanout deploy --hosts H" (with its --remote-fanout when not the default).
  std::string DeployHint(const WorkerSlot& slot) const override;
  // Unreachable when ssh itself failed (exit status 255).
  Result<HostRun> RunOnHost(const std::string& host, const std::string& command, const std::string& input) override;
  // Through `cat` into a temporary file of this session's own (mktemp) beside
  // `path`, renamed into place. The error is what the host said last.
  Status PutFile(const std::string& host, const std::string& path, const std::string& content) override;

  const SshOptions& options() const { return options_; }

 private:
  std::vector<std::string> hosts_;
  SshOptions options_;
};

// The argv that runs `remote_command` on `host` through `ssh_command` (split on
// spaces). The options fanout adds come after the user's own (ssh takes the
// first value of each option, so the user's command line and ~/.ssh/config
// still win): BatchMode, ConnectTimeout, keep-alives, and connection sharing
// (ControlMaster/ControlPersist) with its sockets in CacheDir()/ssh
// (core/cache_dir.h) — without sharing when that cannot be made.
std::vector<std::string> SshArgv(const std::string& ssh_command, const std::string& host,
                                 const std::vector<std::string>& remote_command, int connect_timeout_s);

// The remote command that starts a worker: `remote_fanout` (a path on the
// host, quoted: ShellQuote) with "worker".
std::string RemoteWorkerCommand(const std::string& remote_fanout);

}  // namespace fanout::cluster
