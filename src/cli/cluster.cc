#include "cli/cluster.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>

#include "core/bytes.h"
#include "core/progress.h"
#include "core/strings.h"
#include "dist/launcher.h"

namespace fanout::cli {

namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

// Notes in the stage's manifest where its re-made pieces are now.
Status RecordRestaged(const exec::Plan& plan, const std::vector<dist::RestagedPiece>& restaged, bool quiet) {
  if (plan.stage.empty() || restaged.empty()) return Status::OK();
  ASSIGN_OR_RETURN(exec::Manifest m, exec::LoadManifest(plan.stage));
  std::set<std::string> holders;
  for (const dist::RestagedPiece& r : restaged) {
    uint32_t piece = plan.staged[r.object].piece;
    for (exec::Manifest::Piece& p : m.pieces) {
      if (p.where.piece != piece) continue;
      p.where.holder = r.holder;
      p.info = r.info;
    }
    exec::AddHolder(&m, r.holder);
    holders.insert(r.holder);
  }
  RETURN_IF_ERROR(exec::SaveManifest(m));
  if (!quiet) {
    std::fprintf(stderr, "fanout: %zu %s of stage %s staged again from the source, now on %s\n", restaged.size(),
                 restaged.size() == 1 ? "piece" : "pieces", ForTerminal(plan.stage).c_str(),
                 ForTerminal(Join(holders, ", ")).c_str());
  }
  return Status::OK();
}

}  // namespace

void AddClusterFlags(CLI::App* sub, ClusterFlags* f) {
  auto* g = sub->add_option_group("Cluster");
  g->add_option("--workers", f->workers, "Run on N local worker processes (each a fanout worker)")
      ->check(CLI::Range(1, 1024));
  g->add_option("--hosts", f->hosts,
                "Run one worker per host over ssh: h1,h2,user@h3 or @FILE (a host per line); "
                "local paths must exist on every host");
  g->add_option("--ssh", f->ssh, "The ssh command, split on spaces (e.g. 'ssh -F cluster.conf')")
      ->capture_default_str();
  g->add_option("--remote-fanout", f->remote_fanout, "fanout's path on the hosts (fanout deploy puts it there)")
      ->capture_default_str();
  g->add_option("--heartbeat-timeout", f->heartbeat_timeout, "A worker silent this many seconds is lost")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  g->add_option("--connect-timeout", f->connect_timeout, "Seconds a worker has to start and say hello")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  g->add_option("--max-attempts", f->max_attempts, "Failures of one task before the job fails")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  g->add_flag("--no-backups", f->no_backups, "No backup copies of straggling tasks near the end");
}

Result<ops::Partial> RunCluster(const ClusterFlags& f, const exec::Plan& plan, const dist::JobSpec& job,
                                size_t num_aggs, int threads_flag, bool quiet, std::string* summary_extra,
                                std::string* details) {
  ops::Partial total(num_aggs);
  RETURN_IF_ERROR(RunWithFlags(
      f, plan, job, {}, threads_flag, quiet, summary_extra, details,
      [&](const dist::ClusterOptions& o, const dist::JobSpec& spec, exec::Progress* progress,
          dist::ClusterReport* report) -> Status {
        ASSIGN_OR_RETURN(total, dist::RunClusterQuery(plan, spec, num_aggs, o, progress, report));
        return Status::OK();
      }));
  return total;
}

Status RunClusterJobFromFlags(const ClusterFlags& f, const exec::Plan& plan, const dist::JobSpec& job,
                              const std::map<std::string, std::string>& ship_files, dist::ResultHandler* handler,
                              int threads_flag, bool quiet, std::string* summary_extra, std::string* details) {
  return RunWithFlags(f, plan, job, ship_files, threads_flag, quiet, summary_extra, details,
                      [&](const dist::ClusterOptions& o, const dist::JobSpec& spec, exec::Progress* progress,
                          dist::ClusterReport* report) {
                        return dist::RunClusterJob(plan, spec, o, handler, progress, report);
                      });
}

Status RunWithFlags(const ClusterFlags& f, const exec::Plan& plan, const dist::JobSpec& job,
                    const std::map<std::string, std::string>& ship_files, int threads_flag, bool quiet,
                    std::string* summary_extra, std::string* details, const RunClusterFn& run) {
  dist::ClusterOptions o;
  o.local_workers = f.workers;
  o.local_worker_cores = threads_flag;
  if (!f.hosts.empty()) {
    ASSIGN_OR_RETURN(o.hosts, dist::ParseHosts(f.hosts));
  }
  o.ssh = f.ssh;
  o.remote_fanout = f.remote_fanout;
  o.heartbeat_timeout_s = f.heartbeat_timeout;
  o.connect_timeout_s = f.connect_timeout;
  o.scheduler.max_attempts = f.max_attempts;
  o.scheduler.backups = !f.no_backups;
  o.interrupted = &g_interrupted;
  o.ship_files = ship_files;

  struct sigaction sa = {}, old_int = {}, old_term = {}, old_pipe = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct sigaction ign = {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old_pipe);  // a worker gone mid-write is an error to handle, not a death

  // A worker cut off from us (a dead link, a lost ssh session) exits after a few
  // heartbeat timeouts of silence, so it never outlives the job by long.
  dist::JobSpec spec = job;
  spec.idle_timeout_s = static_cast<uint32_t>(std::max(10, 3 * f.heartbeat_timeout));

  exec::Progress progress;
  dist::ClusterReport report;
  Status r;
  {
    ProgressBar bar(!quiet, plan.total_bytes, &progress.bytes, &progress.rows);
    o.on_status = [&bar](const std::string& s) { bar.SetDetail(s); };
    r = run(o, spec, &progress, &report);
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  // Pieces made again on other workers are recorded even when the job failed:
  // they are there now.
  Status recorded = RecordRestaged(plan, report.restaged, quiet);
  if (g_interrupted.load()) {
    std::fprintf(stderr, "fanout: interrupted; every worker was stopped\n");
    throw CLI::RuntimeError(130);
  }
  if (r.ok()) r = recorded;
  int lost = 0;
  for (const dist::WorkerReport& w : report.workers) lost += !w.lost.empty();
  *summary_extra = ", " + std::to_string(report.workers.size()) + " workers";
  details->clear();
  char line[1024];
  for (const dist::WorkerReport& w : report.workers) {
    double rate = w.seconds > 0 ? static_cast<double>(w.bytes) / w.seconds : 0;
    std::snprintf(line, sizeof(line), "fanout:   %-16s %3d cores  %6llu tasks  %9s  %9s/s%s%.800s\n", w.name.c_str(),
                  w.cores, static_cast<unsigned long long>(w.tasks), FormatBytes(w.bytes).c_str(),
                  FormatBytes(static_cast<uint64_t>(rate)).c_str(), w.lost.empty() ? "" : "  LOST: ", w.lost.c_str());
    *details += line;
  }
  const dist::Scheduler::Stats& s = report.stats;
  std::string more;
  if (report.quote_reruns > 0) more += ", " + std::to_string(report.quote_reruns) + " quote re-runs";
  if (s.stolen > 0) more += ", " + std::to_string(s.stolen) + " staged pieces taken from busy holders";
  std::snprintf(line, sizeof(line), "fanout:   %llu attempts, %llu retries, %llu backups (%llu won), %d lost workers%s\n",
                static_cast<unsigned long long>(s.attempts), static_cast<unsigned long long>(s.retries),
                static_cast<unsigned long long>(s.backups), static_cast<unsigned long long>(s.backups_won), lost,
                more.c_str());
  *details += line;
  if (!r.ok() && !quiet) std::fputs(ForTerminalLines(*details).c_str(), stderr);  // what each worker did, to explain the failure
  return r;
}

}  // namespace fanout::cli
