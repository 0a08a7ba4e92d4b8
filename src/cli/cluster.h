// The flags that turn any query command into a cluster job (--workers, --hosts)
// and the glue between the command line and cluster::RunClusterJob.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cli/common.h"
#include "cli/report.h"
#include "cloud/cluster_record.h"
#include "cluster/coordinator.h"
#include "exec/job.h"
#include "cluster/ssh_launcher.h"

namespace fanout::cli {

using cluster::kDefaultRemoteFanout;  // where fanout deploy puts it
using cluster::kDefaultSsh;
inline constexpr int kMaxAttempts = 100;  // --max-attempts

struct ClusterFlags {
  int workers = 0;
  std::string hosts;
  std::string ssh;            // empty: not given (the stage's, else kDefaultSsh)
  std::string remote_fanout;  // empty: not given (the stage's, else kDefaultRemoteFanout)
  int heartbeat_timeout = 10;
  int connect_timeout = 15;
  int max_attempts = 4;
  int command_attempts = 2;  // fanout run's --command-attempts (no flag elsewhere)
  bool no_backups = false;
  bool allow_missing_hosts = false;
  // --cluster NAME: the record of `fanout cluster up`, whose hosts, ssh and
  // remote fanout fill in --hosts, --ssh and --remote-fanout when parsing ends.
  std::string cluster;
  std::shared_ptr<const cloud::ClusterRecord> cluster_record;
  // --launcher 'TEMPLATE': workers on the --hosts started through TEMPLATE
  // ({host} replaced) rather than ssh. --slurm sets it (and --hosts: the
  // allocation's nodes); --nodes N makes the allocation first (salloc).
  std::string launcher;
  bool slurm = false;
  int slurm_nodes = 0;
  bool forward_credentials = false;  // --forward-credentials
  ReportFlags report;                // --report, --stats, --dry-run (cli/report.h)

  bool enabled() const { return workers > 0 || !hosts.empty(); }  // after ApplyClusterFlag
};

void AddClusterFlags(CLI::App* sub, ClusterFlags* flags);

// Fills in --hosts, --ssh and --remote-fanout from --cluster NAME's record
// (given --ssh/--remote-fanout win; --hosts with --cluster is a usage error).
// Called by AddClusterFlags' parse-complete callback; for other commands that
// take --cluster (fanout exec, deploy).
void ApplyClusterFlag(ClusterFlags* flags);

// --slurm: inside an allocation, --hosts becomes its nodes (scontrol show
// hostnames) and --launcher the srun that starts one worker per node; with
// --nodes N outside one, fanout runs itself again under `salloc --nodes=N`.
// Usage errors for --slurm with --hosts/--cluster/--workers/--launcher.
void ApplySlurmFlags(ClusterFlags* flags);
[[noreturn]] void ReexecUnderSalloc(int nodes);

// --ssh and --remote-fanout as given, else as `stage` (if not null) recorded
// them when it was made, else the defaults.
struct SshSetup {
  std::string ssh, remote_fanout;
};
SshSetup ResolveSsh(const ClusterFlags& flags, const exec::Manifest* stage);

// The launcher that reaches the hosts as `ssh` says, with --connect-timeout.
cluster::SshLauncher HostLauncher(const ClusterFlags& flags, const SshSetup& ssh, std::vector<std::string> hosts);

// Runs `job` on the workers the flags describe — its outputs committed here —
// with a progress line and Ctrl-C handling (every worker stopped, exit status
// 130). With --hosts, local paths are made absolute against this directory.
// `ship_files` (sha256 -> content) go to the workers that need them.
// *details gets the per-worker figures, lines for stderr after the summary. A
// failed job's error names the cause first, then (unless quiet) those lines. A
// worker lost mid-job, or a host that did not join (--allow-missing-hosts), is
// a warning on stderr, printed even when quiet.
Status RunOnCluster(const ClusterFlags& flags, const exec::Plan& plan, exec::Job& job,
                    const std::map<std::string, std::string>& ship_files, int threads_flag, bool quiet,
                    std::string* summary_extra, std::string* details);

// What every job does before its executor runs: with --dry-run, prints the
// plan for the machines the flags name (DryRunText) and ends the command
// (exit 0); else begins the reports (BeginReports). Returns the timeline the
// executor records into, or null when no report was asked for.
exec::TimelineRecorder* BeginJob(const ClusterFlags& flags, const exec::Plan& plan, int threads_flag, int threads);

// Runs `job` where the flags say: on the workers (RunOnCluster), or on
// `threads` threads of this machine with a progress bar, printing what its
// objects' ranges noticed (warnings) when it is done. The flags → Job →
// executor step of every command that reads rows.
Status RunJob(const ClusterFlags& flags, const exec::Plan& plan, exec::Job& job, int threads_flag, int threads,
              bool quiet, std::string* summary_extra, std::string* details);

}  // namespace fanout::cli
