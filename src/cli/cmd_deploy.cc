// fanout deploy: puts this fanout binary on every host (where --hosts will
// start workers) and checks that each runs and reports the same version.
#include <cstdio>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/cluster.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/strings.h"
#include "cluster/deploy.h"
#include "cluster/hosts.h"
#include "cluster/ssh_launcher.h"

namespace fanout::cli {

namespace {

struct DeployFlags {
  ClusterFlags cluster;  // --hosts or --cluster, --ssh, --remote-fanout, --connect-timeout
};

void Run(const DeployFlags& flags) {
  const ClusterFlags& f = flags.cluster;
  if (f.hosts.empty()) throw CLI::ValidationError("--hosts", "give --hosts h1,h2,... or --cluster NAME");
  std::vector<std::string> hosts = OrFail(cluster::ParseHosts(f.hosts));
  SshSetup ssh = ResolveSsh(f, nullptr);
  cluster::SshLauncher launcher = HostLauncher(f, ssh, hosts);
  const cluster::DeployBinary binary = OrFail(cluster::ThisBinary());

  std::vector<std::string> lines(hosts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hosts.size(); ++i) {
    threads.emplace_back([&, i] {
      cluster::DeployResult r = cluster::DeployTo(launcher, ssh.remote_fanout, hosts[i], binary);
      lines[i] = hosts[i] + (r.ok ? ": " : ": FAILED: ") + r.line;
    });
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
  sub->add_option("--hosts", flags.cluster.hosts, "h1,h2,user@h3 or @FILE (a host per line)");
  sub->add_option("--cluster", flags.cluster.cluster, "The machines of cluster NAME (fanout cluster up)");
  sub->add_option("--ssh", flags.cluster.ssh, std::string("The ssh command, split on spaces (default: ") + kDefaultSsh + ")");
  sub->add_option("--remote-fanout", flags.cluster.remote_fanout,
                  std::string("Where to put fanout on the hosts (default: ") + kDefaultRemoteFanout + ")");
  sub->add_option("--connect-timeout", flags.cluster.connect_timeout,
                  "ssh ConnectTimeout, seconds (1 to " + std::to_string(kMaxTimeoutSeconds) + ")")
      ->check(WholeNumber(1, kMaxTimeoutSeconds))
      ->capture_default_str();
  sub->parse_complete_callback([] { ApplyClusterFlag(&flags.cluster); });
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
