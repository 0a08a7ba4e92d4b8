// fanout deploy: puts this fanout binary on every host (where --hosts will
// start workers) and checks that each runs and reports the same version.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/cluster.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/shell_quote.h"
#include "core/strings.h"
#include "core/subprocess.h"
#include "cluster/hosts.h"
#include "cluster/ssh_launcher.h"
#include "io/sigv4.h"

namespace fanout::cli {

namespace {

struct DeployFlags {
  std::string hosts;
  std::string ssh = kDefaultSsh;
  std::string remote_fanout = kDefaultRemoteFanout;
  int connect_timeout = cluster::kDefaultConnectTimeoutS;
};

// Deploys to one host through `launcher`; returns the line to print.
std::string DeployOne(cluster::Launcher& launcher, const std::string& remote_fanout, const std::string& host,
                      const std::string& binary, const std::string& sha, const std::string& version) {
  const std::string path = ShellQuote(remote_fanout);
  Result<cluster::HostRun> have = launcher.RunOnHost(host, "sha256sum " + path + " 2>/dev/null || true", "");
  if (!have.ok()) return host + ": FAILED: " + have.status().message();
  if (have->unreachable) return host + ": FAILED: ssh: " + LastLine(have->err);
  std::string copied = "up to date";
  if (have->out.rfind(sha, 0) != 0) {
    if (Status st = launcher.PutFile(host, remote_fanout, binary); !st.ok()) {
      return host + ": FAILED copying to " + remote_fanout + ": " + st.message();
    }
    copied = "copied " + FormatBytes(binary.size());
  }
  Result<cluster::HostRun> rc = launcher.RunOnHost(host, path + " --version", "");
  if (!rc.ok()) return host + ": FAILED: " + rc.status().message();
  std::string got = LastLine(rc->out);
  if (rc->status != 0) return host + ": FAILED: " + remote_fanout + " does not run there: " + LastLine(rc->err);
  // The version must match; the CSV kernel in parentheses may differ by CPU.
  if (got.substr(0, got.find(" (")) != version.substr(0, version.find(" ("))) return host + ": FAILED: it reports '" + got + "', expected '" + version + "'";
  return host + ": " + copied + ", " + got;
}

void Run(const DeployFlags& f) {
  std::vector<std::string> hosts = OrFail(cluster::ParseHosts(f.hosts));
  cluster::SshLauncher launcher(hosts, {f.ssh, f.remote_fanout, f.connect_timeout});
  std::string exe = OrFail(SelfExe());
  std::ifstream in(exe, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string binary = buf.str();
  if (binary.empty()) FailJob(Status::IoError("cannot read " + exe));
  std::string sha = OrFail(io::Sha256Hex(binary));
  std::string version = "fanout " FANOUT_VERSION;
  std::string self_out, self_err;
  if (OrFail(RunCapture({exe, "--version"}, "", &self_out, &self_err)) == 0) version = LastLine(self_out);

  std::vector<std::string> lines(hosts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hosts.size(); ++i) {
    threads.emplace_back([&, i] { lines[i] = DeployOne(launcher, f.remote_fanout, hosts[i], binary, sha, version); });
  }
  for (std::thread& t : threads) t.join();
  int failed = 0;
  for (const std::string& l : lines) {
    std::printf("%s\n", l.c_str());
    failed += l.find(": FAILED") != std::string::npos;
  }
  std::fflush(stdout);
  if (failed > 0) {
    FailJob(Status::IoError(std::to_string(failed) + " of " + CountOf(hosts.size(), "host") + " failed"));
  }
}

}  // namespace

void AddDeployCommand(CLI::App& app) {
  static DeployFlags flags;
  CLI::App* sub = app.add_subcommand("deploy",
                                     "Copy this fanout binary to every host (unless it is already there) and check\n"
                                     "that it runs and reports this version. --hosts jobs then find it.\n\n"
                                     "Examples:\n"
                                     "  fanout deploy --hosts h1,h2,h3\n"
                                     "  fanout deploy --hosts @cluster.txt --ssh 'ssh -F cluster.conf'");
  sub->add_option("--hosts", flags.hosts, "h1,h2,user@h3 or @FILE (a host per line)")->required();
  sub->add_option("--ssh", flags.ssh, "The ssh command, split on spaces")->capture_default_str();
  sub->add_option("--remote-fanout", flags.remote_fanout, "Where to put fanout on the hosts")->capture_default_str();
  sub->add_option("--connect-timeout", flags.connect_timeout,
                  "ssh ConnectTimeout, seconds (1 to " + std::to_string(kMaxTimeoutSeconds) + ")")
      ->check(WholeNumber(1, kMaxTimeoutSeconds))
      ->capture_default_str();
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
