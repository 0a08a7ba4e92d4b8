// fanout exec: one shell command on every host at once, each output line
// prefixed with its host, then which hosts failed.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "cli/cluster.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cluster/hosts.h"
#include "cluster/ssh_launcher.h"
#include "core/bytes.h"
#include "core/shell_quote.h"
#include "core/strings.h"
#include "core/subprocess.h"

namespace fanout::cli {

namespace {

struct ExecFlags {
  ClusterFlags cluster;
  std::vector<std::string> command;
  int timeout = 0;
};

std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};
void OnStop(int sig) {
  g_stop_signal.store(sig);
  g_stop.store(true);
}

// Writes whole lines of one host's stream, each prefixed, under a lock shared
// by every host so that lines never interleave.
class LinePrinter {
 public:
  LinePrinter(std::mutex* mu, FILE* to, std::string prefix) : mu_(mu), to_(to), prefix_(std::move(prefix)) {}
  void Add(std::string_view bytes) {
    pending_.append(bytes);
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      Print(std::string_view(pending_).substr(start, nl - start));
    }
    pending_.erase(0, start);
  }
  void Finish() {
    if (!pending_.empty()) Print(pending_);
    pending_.clear();
  }
  bool failed() const { return failed_; }

 private:
  void Print(std::string_view line) {
    std::lock_guard<std::mutex> lock(*mu_);
    std::string out = prefix_ + ForTerminal(line) + "\n";
    if (std::fwrite(out.data(), 1, out.size(), to_) != out.size() || std::fflush(to_) != 0) failed_ = true;
  }
  std::mutex* mu_;
  FILE* to_;
  std::string prefix_, pending_;
  bool failed_ = false;
};

struct HostOutcome {
  int status = -1;
  std::string why;  // not empty: it failed, and this says how
  bool write_failed = false;
};

// The command as the host runs it: in a session of its own, with no stdin,
// while a watcher waits for ssh's stdin to close and then ends the command's
// whole process group. Without a terminal (no -t), sshd would leave it running
// when the connection goes; this way Ctrl-C and --timeout end it everywhere.
std::string RemoteCommand(const std::string& command) {
  // (sh gives a background job /dev/null for stdin: the watcher reads ssh's through fd 3.)
  return "exec 3<&0; setsid sh -c " + ShellQuote(command) + " </dev/null 3<&- & c=$!; " +
         "(cat <&3 >/dev/null; kill -TERM -- -$c 2>/dev/null; sleep 2; kill -KILL -- -$c 2>/dev/null) >/dev/null 2>&1 & " +
         "w=$!; exec 3<&-; wait $c; s=$?; kill $w 2>/dev/null; exit $s";
}

HostOutcome RunOne(const ExecFlags& f, const cluster::SshLauncher& launcher, const std::string& host, const std::string& command,
                   size_t width, std::mutex* mu) {
  HostOutcome out;
  std::vector<std::string> argv =
      cluster::SshArgv(launcher.options().ssh, host, {RemoteCommand(command)}, launcher.options().connect_timeout_s);
  Result<Child> child = SpawnChild(argv);
  if (!child.ok()) {
    out.why = child.status().message();
    return out;
  }
  // Its stdin stays open (nothing is written) while the command runs: when it
  // closes — we are done, stopped, or gone — the command ends on the host.
  int keep_open = ::dup(child->in);
  std::string pad(width > host.size() ? width - host.size() : 0, ' ');
  LinePrinter so(mu, stdout, host + pad + ": "), se(mu, stderr, host + pad + ": ");
  std::string tail;
  PumpOptions po;
  po.on_stdout = [&](std::string_view b) {
    so.Add(b);
    return Status::OK();
  };
  po.on_stderr = [&](std::string_view b) {
    se.Add(b);
    AppendTail(&tail, b, 4096);
    return Status::OK();
  };
  po.cancel = &g_stop;
  po.timeout_ms = f.timeout > 0 ? f.timeout * 1000 : 0;
  Result<PumpResult> pumped = PumpChild(&*child, po);
  bool stop = !pumped.ok() || pumped->end != PumpEnd::kClosed;
  CloseFd(&keep_open);
  EndChild(&*child, stop, 2000);
  out.status = WaitChild(child->pid);
  so.Finish();
  se.Finish();
  out.write_failed = so.failed() || se.failed();
  if (!pumped.ok()) {
    out.why = pumped.status().message();
  } else if (pumped->end == PumpEnd::kTimedOut) {
    out.why = "stopped after --timeout " + std::to_string(f.timeout) + " s";
  } else if (pumped->end == PumpEnd::kCancelled) {
    out.why = "interrupted";
  } else if (out.status == cluster::kSshFailed) {
    out.why = "ssh failed (exit status 255): " + LastLine(tail);
  } else if (out.status != 0) {
    out.why = "exit status " + std::to_string(out.status);
  }
  return out;
}

void Run(ExecFlags& f) {
  if (f.cluster.hosts.empty()) throw CLI::ValidationError("--hosts", "give --cluster NAME or --hosts h1,h2,...");
  if (f.command.empty()) throw CLI::ValidationError("COMMAND", "give the command after --: fanout exec --hosts h1,h2 -- uname -a");
  std::vector<std::string> hosts = OrFail(cluster::ParseHosts(f.cluster.hosts));
  SshSetup ssh = ResolveSsh(f.cluster, nullptr);
  cluster::SshLauncher launcher = HostLauncher(f.cluster, ssh, hosts);
  // The words after -- are one shell command line, as ssh itself joins them.
  std::string command = Join(f.command, " ");
  size_t width = 0;
  for (const std::string& h : hosts) width = std::max(width, h.size());

  struct sigaction sa = {}, old_int = {}, old_term = {}, old_pipe = {};
  sa.sa_handler = OnStop;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct sigaction ign = {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old_pipe);
  std::mutex mu;
  std::vector<HostOutcome> outcomes(hosts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hosts.size(); ++i) {
    threads.emplace_back([&, i] { outcomes[i] = RunOne(f, launcher, hosts[i], command, width, &mu); });
  }
  for (std::thread& t : threads) t.join();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);

  std::vector<std::string> failed;
  bool write_failed = false;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (!outcomes[i].why.empty()) failed.push_back(hosts[i] + ": " + outcomes[i].why);
    write_failed = write_failed || outcomes[i].write_failed;
  }
  if (g_stop.load()) {
    std::fprintf(stderr, "fanout: interrupted; the command was stopped on every host\n");
    throw CLI::RuntimeError(128 + g_stop_signal.load());
  }
  if (write_failed) FailJob(Status::IoError("cannot write the hosts' output"));
  if (!failed.empty()) {
    FailJob(Status::CommandFailed(std::to_string(failed.size()) + " of " + CountOf(hosts.size(), "host") +
                                  " failed: " + Join(failed, "; ")));
  }
  if (!f.cluster.hosts.empty() && !f.cluster.cluster.empty()) {
    std::fprintf(stderr, "fanout: exec: ok on all %s of cluster %s\n", CountOf(hosts.size(), "host").c_str(),
                 f.cluster.cluster.c_str());
  } else {
    std::fprintf(stderr, "fanout: exec: ok on all %s\n", CountOf(hosts.size(), "host").c_str());
  }
}

}  // namespace

void AddExecCommand(CLI::App& app) {
  static ExecFlags flags;
  CLI::App* sub = app.add_subcommand(
      "exec",
      "Run one shell command on every host at once: each output line prefixed by its host, then which hosts\n"
      "failed (exit status 1 if any did).\n\n"
      "Examples:\n"
      "  fanout exec --cluster taxi -- 'sudo apt-get install -y pypy3'\n"
      "  fanout exec --hosts h1,h2,h3 -- df -h /mnt");
  sub->add_option("--hosts", flags.cluster.hosts, "h1,h2,user@h3 or @FILE (a host per line)");
  sub->add_option("--cluster", flags.cluster.cluster, "The machines of cluster NAME (fanout cluster up)");
  sub->add_option("--ssh", flags.cluster.ssh, "The ssh command, split on spaces (default: ssh)");
  sub->add_option("--connect-timeout", flags.cluster.connect_timeout,
                  "ssh ConnectTimeout, seconds (1 to " + std::to_string(kMaxTimeoutSeconds) + ")")
      ->check(WholeNumber(1, kMaxTimeoutSeconds))
      ->capture_default_str();
  sub->add_option("--timeout", flags.timeout, "Stop the command on a host after this many seconds (default: none)")
      ->check(WholeNumber(1, 7 * 24 * 3600));
  sub->add_option("command", flags.command, "The command line, after --")->expected(-1);
  sub->parse_complete_callback([] { ApplyClusterFlag(&flags.cluster); });
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
