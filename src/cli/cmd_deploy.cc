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
#include "cluster/launcher.h"
#include "io/sigv4.h"

namespace fanout::cli {

namespace {

struct DeployFlags {
  std::string hosts;
  std::string ssh = kDefaultSsh;
  std::string remote_fanout = kDefaultRemoteFanout;
  int connect_timeout = 15;
};

// Deploys to one host; returns the line to print.
std::string DeployOne(const DeployFlags& f, const std::string& host, const std::string& binary,
                      const std::string& sha, const std::string& version) {
  const std::string path = cluster::ShellQuote(f.remote_fanout);
  auto ssh = [&](const std::string& command, const std::string& input, std::string* out, std::string* err) {
    return cluster::RunCapture(cluster::SshArgv(f.ssh, host, {command}, f.connect_timeout), input, out, err);
  };
  std::string out, err;
  Result<int> have = ssh("sha256sum " + path + " 2>/dev/null || true", "", &out, &err);
  if (!have.ok()) return host + ": FAILED: " + have.status().message();
  if (*have == 255) return host + ": FAILED: ssh: " + cluster::LastLine(err);
  bool current = out.rfind(sha, 0) == 0;
  std::string copied = "up to date";
  if (!current) {
    out.clear();
    err.clear();
    // A temporary file of this session's own (mktemp), renamed into place: hosts
    // sharing a home directory never see, or run, a half-written binary.
    std::string cmd = "mkdir -p \"$(dirname " + path + ")\" && t=$(mktemp " + cluster::ShellQuote(f.remote_fanout + ".tmp.") +
                      "XXXXXX) && cat > \"$t\" && chmod 755 \"$t\" && mv -f \"$t\" " + path;
    Result<int> rc = ssh(cmd, binary, &out, &err);
    if (!rc.ok()) return host + ": FAILED: " + rc.status().message();
    if (*rc != 0) return host + ": FAILED copying to " + f.remote_fanout + ": " + cluster::LastLine(err);
    copied = "copied " + FormatBytes(binary.size());
  }
  out.clear();
  err.clear();
  Result<int> rc = ssh(path + " --version", "", &out, &err);
  if (!rc.ok()) return host + ": FAILED: " + rc.status().message();
  std::string got = cluster::LastLine(out);
  if (*rc != 0) return host + ": FAILED: " + f.remote_fanout + " does not run there: " + cluster::LastLine(err);
  // The version must match; the CSV kernel in parentheses may differ by CPU.
  if (got.substr(0, got.find(" (")) != version.substr(0, version.find(" ("))) return host + ": FAILED: it reports '" + got + "', expected '" + version + "'";
  return host + ": " + copied + ", " + got;
}

void Run(const DeployFlags& f) {
  std::vector<std::string> hosts = OrFail(cluster::ParseHosts(f.hosts));
  std::string exe = OrFail(cluster::SelfExe());
  std::ifstream in(exe, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string binary = buf.str();
  if (binary.empty()) FailJob(Status::IoError("cannot read " + exe));
  std::string sha = OrFail(io::Sha256Hex(binary));
  std::string version = "fanout " FANOUT_VERSION;
  std::string self_out, self_err;
  if (OrFail(cluster::RunCapture({exe, "--version"}, "", &self_out, &self_err)) == 0) version = cluster::LastLine(self_out);

  std::vector<std::string> lines(hosts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hosts.size(); ++i) {
    threads.emplace_back([&, i] { lines[i] = DeployOne(f, hosts[i], binary, sha, version); });
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
