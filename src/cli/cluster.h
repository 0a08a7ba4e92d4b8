// The flags that turn any query command into a cluster job (--workers, --hosts)
// and the glue between the command line and dist::RunClusterQuery.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "cli/common.h"
#include "dist/coordinator.h"

namespace fanout::cli {

struct ClusterFlags {
  int workers = 0;
  std::string hosts;
  std::string ssh = "ssh";
  std::string remote_fanout = ".cache/fanout/bin/fanout";
  int heartbeat_timeout = 10;
  int connect_timeout = 15;
  int max_attempts = 4;
  int command_attempts = 2;  // fanout run's --command-attempts (no flag elsewhere)
  bool no_backups = false;

  bool enabled() const { return workers > 0 || !hosts.empty(); }
};

void AddClusterFlags(CLI::App* sub, ClusterFlags* flags);

// Runs the job on the workers the flags describe, with a progress line and
// Ctrl-C handling (every worker stopped, exit status 130). *details gets the
// per-worker figures, lines for stderr after the summary (printed at once when
// the job fails, unless quiet).
// Runs a job of any kind on the workers the flags describe; `handler` takes the
// results (see dist::ResultHandler). Otherwise like RunCluster.
Status RunClusterJobFromFlags(const ClusterFlags& flags, const exec::Plan& plan, const dist::JobSpec& job,
                              const std::map<std::string, std::string>& ship_files, dist::ResultHandler* handler,
                              int threads_flag, bool quiet, std::string* summary_extra, std::string* details);

// The common part: options from flags, signals, progress, the report.
using RunClusterFn = std::function<Status(const dist::ClusterOptions&, const dist::JobSpec&, exec::Progress*,
                                          dist::ClusterReport*)>;
Status RunWithFlags(const ClusterFlags& flags, const exec::Plan& plan, const dist::JobSpec& job,
                    const std::map<std::string, std::string>& ship_files, int threads_flag, bool quiet,
                    std::string* summary_extra, std::string* details, const RunClusterFn& run);

Result<ops::Partial> RunCluster(const ClusterFlags& flags, const exec::Plan& plan, const dist::JobSpec& job,
                                size_t num_aggs, int threads_flag, bool quiet, std::string* summary_extra,
                                std::string* details);

}  // namespace fanout::cli
