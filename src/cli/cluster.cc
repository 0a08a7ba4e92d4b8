#include "cli/cluster.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <unistd.h>

#include "cloud/cost.h"
#include "io/credentials.h"
#include "io/imds.h"
#include "core/bytes.h"
#include "core/cpu.h"
#include "cli/output.h"
#include "core/progress.h"
#include "core/strings.h"
#include "cluster/hosts.h"
#include "cluster/local_launcher.h"
#include "cluster/template_launcher.h"
#include "core/subprocess.h"
#include "exec/local_executor.h"
#include "io/object_store.h"

namespace fanout::cli {

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};

void OnSignal(int sig) {
  g_signal.store(sig);
  g_interrupted.store(true);
}

// Notes in the stage's manifest where its re-made pieces are now.
Status RecordRestaged(const exec::Plan& plan, const std::vector<cluster::RestagedPiece>& restaged, bool quiet) {
  if (plan.stage.empty() || restaged.empty()) return Status::OK();
  ASSIGN_OR_RETURN(exec::Manifest m, exec::LoadManifest(plan.stage));
  std::set<std::string> holders;
  for (const cluster::RestagedPiece& r : restaged) {
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
  g->add_option("--workers", f->workers,
                "Run on N local worker processes (each a fanout worker), 1 to " + std::to_string(kMaxWorkers))
      ->check(WholeNumber(1, kMaxWorkers));
  g->add_option("--hosts", f->hosts,
                "Run one worker per host over ssh: h1,h2,user@h3 or @FILE (a host per line); "
                "local paths are made absolute here and must exist at the same path on every host");
  g->add_option("--cluster", f->cluster,
                "Run one worker per machine of the cluster NAME made by fanout cluster up (its hosts, ssh and "
                "remote fanout)");
  g->add_option("--launcher", f->launcher,
                "Start each host's worker through this command instead of ssh, {host} replaced by its name: "
                "'srun --nodes=1 --ntasks=1 --nodelist={host} --', 'kubectl exec -i {host} --', 'docker exec -i {host}'");
  g->add_flag("--slurm", f->slurm,
              "Run one worker per node of this Slurm allocation (salloc/sbatch), each started with srun and using "
              "every core the allocation gives it");
  g->add_option("--nodes", f->slurm_nodes, "With --slurm outside an allocation: ask Slurm for N nodes first (salloc -N N)")
      ->check(WholeNumber(1, 10000));
  sub->parse_complete_callback([f] { ApplyClusterFlag(f); });
  g->add_flag("--allow-missing-hosts", f->allow_missing_hosts,
              "Run on the hosts that join when some cannot (else a host that never joins fails the job)");
  g->add_option("--ssh", f->ssh,
                "The ssh command, split on spaces (default: ssh; over stage://, the one the stage used)");
  g->add_option("--remote-fanout", f->remote_fanout,
                std::string("fanout's path on the hosts (default: ") + kDefaultRemoteFanout +
                    ", where fanout deploy puts it; over stage://, the one the stage used)");
  g->add_option("--heartbeat-timeout", f->heartbeat_timeout,
                "A worker silent this many seconds is lost (1 to " + std::to_string(kMaxTimeoutSeconds) + ")")
      ->check(WholeNumber(1, kMaxTimeoutSeconds))
      ->capture_default_str();
  g->add_option("--connect-timeout", f->connect_timeout,
                "Seconds a worker has to start and say hello (1 to " + std::to_string(kMaxTimeoutSeconds) + ")")
      ->check(WholeNumber(1, kMaxTimeoutSeconds))
      ->capture_default_str();
  g->add_option("--max-attempts", f->max_attempts, "Failures of one task before the job fails (1 to 100)")
      ->check(WholeNumber(1, kMaxAttempts))
      ->capture_default_str();
  g->add_flag("--no-backups", f->no_backups, "No backup copies of straggling tasks near the end");
  g->add_flag("--forward-credentials", f->forward_credentials,
              "Send this machine's AWS credentials to the workers inside the job frame (over ssh's channel; never "
              "in a command line, an environment or a file), for workers that have none of their own");
  AddReportFlags(sub, &f->report);
}

void ApplyClusterFlag(ClusterFlags* f) {
  ApplySlurmFlags(f);
  if (f->cluster.empty()) return;
  if (!f->hosts.empty()) throw CLI::ValidationError("--cluster", "give --cluster or --hosts, not both");
  if (Status st = cloud::CheckClusterName(f->cluster); !st.ok()) throw CLI::ValidationError("--cluster", st.message());
  auto record = std::make_shared<cloud::ClusterRecord>(OrFail(cloud::LoadCluster(f->cluster)));
  if (record->machines.empty()) FailJob(Status::InvalidArgument("cluster " + f->cluster + " has no machines"));
  f->hosts = "@" + cloud::ClusterDir(f->cluster) + "/hosts";
  if (f->ssh.empty()) f->ssh = cloud::ClusterSsh(*record);
  if (f->remote_fanout.empty()) f->remote_fanout = record->remote_fanout;
  f->cluster_record = std::move(record);
}

namespace {

// The launcher template of --slurm: one step per node, one task, sharing the
// node with other steps of ours (--overlap) and, without --exact, every CPU
// the allocation has there; unbuffered, as frames are not lines.
constexpr const char* kSlurmLauncher = "srun --nodes=1 --ntasks=1 --nodelist={host} --overlap --unbuffered --quiet --";

}  // namespace

void ApplySlurmFlags(ClusterFlags* f) {
  if (f->slurm_nodes > 0 && !f->slurm) throw CLI::ValidationError("--nodes", "is for --slurm");
  if (!f->slurm) {
    if (!f->launcher.empty() && f->hosts.empty() && f->cluster.empty()) {
      throw CLI::ValidationError("--launcher", "needs --hosts: the names {host} stands for");
    }
    if (!f->launcher.empty()) {
      if (Status st = cluster::ExpandTemplate(f->launcher, "h").status(); !st.ok()) {
        throw CLI::ValidationError("--launcher", st.message());
      }
      // As under Slurm, by default the machines see this binary at its path here
      // (a shared filesystem); containers need --remote-fanout.
      if (f->remote_fanout.empty()) f->remote_fanout = OrFail(SelfExe());
    }
    return;
  }
  if (!f->hosts.empty() || !f->cluster.empty() || f->workers > 0) {
    throw CLI::ValidationError("--slurm", "takes its hosts from the allocation: not with --hosts, --cluster or --workers");
  }
  if (!f->launcher.empty()) throw CLI::ValidationError("--slurm", "starts workers with srun: not with --launcher");
  const char* nodelist = std::getenv("SLURM_JOB_NODELIST");
  if (nodelist == nullptr || *nodelist == '\0') {
    if (f->slurm_nodes == 0) {
      FailJob(Status::InvalidArgument("--slurm runs inside a Slurm allocation (SLURM_JOB_NODELIST is not set): "
                                      "start fanout under salloc or sbatch, or add --nodes N to have it ask for one"));
    }
    ReexecUnderSalloc(f->slurm_nodes);  // does not return
  }
  // The hostlist syntax (node[01-12]) is Slurm's to expand.
  std::string out, err;
  Result<int> rc = RunCapture({"scontrol", "show", "hostnames", nodelist}, "", &out, &err);
  if (!rc.ok() || *rc != 0) {
    FailJob(Status::IoError("scontrol show hostnames " + std::string(nodelist) + " failed: " +
                            (rc.ok() ? LastLine(err) : rc.status().message())));
  }
  std::string hosts;
  std::istringstream lines(out);
  for (std::string h; std::getline(lines, h);) {
    if (!h.empty()) hosts += (hosts.empty() ? "" : ",") + h;
  }
  if (hosts.empty()) FailJob(Status::IoError("scontrol show hostnames " + std::string(nodelist) + " named no node"));
  f->hosts = hosts;
  f->launcher = kSlurmLauncher;
  // A cluster under Slurm shares its filesystem: this very binary, by default.
  if (f->remote_fanout.empty()) f->remote_fanout = OrFail(SelfExe());
}

void ReexecUnderSalloc(int nodes) {
  std::string self = OrFail(SelfExe());
  // Whole nodes (--exclusive): a worker uses every core of its node. --no-kill:
  // a node that fails ends its worker, not the job (its tasks run elsewhere).
  std::vector<std::string> args = {"salloc",  "--nodes=" + std::to_string(nodes), "--exclusive", "--no-kill",
                                   "--quiet", "--", self};
  // Our own arguments again, without --nodes N (inside, the allocation is there).
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  std::vector<std::string> mine;
  for (size_t start = 0, nul; start < all.size(); start = nul + 1) {
    nul = all.find('\0', start);
    if (nul == std::string::npos) nul = all.size();
    mine.push_back(all.substr(start, nul - start));
  }
  for (size_t i = 1; i < mine.size(); ++i) {
    if (mine[i] == "--nodes" && i + 1 < mine.size()) {
      ++i;
      continue;
    }
    if (mine[i].rfind("--nodes=", 0) == 0) continue;
    args.push_back(mine[i]);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  execvp("salloc", argv.data());
  FailJob(Status::IoError(std::string("cannot run salloc: ") + std::strerror(errno)));
}

SshSetup ResolveSsh(const ClusterFlags& f, const exec::Manifest* stage) {
  SshSetup s{f.ssh, f.remote_fanout};
  if (stage != nullptr && s.ssh.empty()) s.ssh = stage->ssh;
  if (stage != nullptr && s.remote_fanout.empty()) s.remote_fanout = stage->remote_fanout;
  if (s.ssh.empty()) s.ssh = kDefaultSsh;
  if (s.remote_fanout.empty()) s.remote_fanout = kDefaultRemoteFanout;
  return s;
}

cluster::SshLauncher HostLauncher(const ClusterFlags& f, const SshSetup& ssh, std::vector<std::string> hosts) {
  return cluster::SshLauncher(std::move(hosts), {ssh.ssh, ssh.remote_fanout, f.connect_timeout});
}

namespace {

// The plan with its local paths absolute (against this directory): workers on
// other machines read them at the same paths, whatever their own directory.
exec::Plan WithAbsolutePaths(const exec::Plan& plan) {
  exec::Plan p = plan;
  for (exec::ObjectPlan& o : p.objects) {
    if (!io::IsRemote(o.info)) o.info.url = std::filesystem::absolute(o.info.url).lexically_normal().string();
  }
  return p;
}

// The job's options, with launchers for the flags' workers (local ones first,
// then the hosts) put in *launchers, which must outlive the job.
Result<cluster::ClusterOptions> MakeOptions(const ClusterFlags& f, const exec::Plan& plan, int threads_flag,
                                            std::vector<std::unique_ptr<cluster::Launcher>>* launchers) {
  cluster::ClusterOptions o;
  std::vector<std::string> hosts;
  if (!f.hosts.empty()) {
    ASSIGN_OR_RETURN(hosts, cluster::ParseHosts(f.hosts));
  }
  exec::Manifest stage;
  const exec::Manifest* recorded = nullptr;  // the stage's, for its --ssh and --remote-fanout
  if (!plan.stage.empty()) {
    Result<exec::Manifest> m = exec::LoadManifest(plan.stage);
    if (m.ok()) {
      stage = std::move(m).value();
      recorded = &stage;
    }
  }
  SshSetup ssh = ResolveSsh(f, recorded);
  if (f.workers > 0) launchers->push_back(std::make_unique<cluster::LocalLauncher>(f.workers, threads_flag));
  if (!hosts.empty() && !f.launcher.empty()) {
    launchers->push_back(std::make_unique<cluster::TemplateLauncher>(hosts, f.launcher, ssh.remote_fanout));
  } else if (!hosts.empty()) {
    launchers->push_back(std::make_unique<cluster::SshLauncher>(HostLauncher(f, ssh, hosts)));
  }
  for (const auto& l : *launchers) o.launchers.push_back(l.get());
  o.heartbeat_timeout_s = f.heartbeat_timeout;
  o.connect_timeout_s = f.connect_timeout;
  o.allow_missing_hosts = f.allow_missing_hosts;
  o.scheduler.max_attempts = f.max_attempts;
  o.scheduler.max_command_attempts = f.command_attempts;
  o.scheduler.backups = !f.no_backups;
  o.interrupted = &g_interrupted;
  return o;
}

// Warnings that stand even with --quiet: a worker lost mid-job (the answer is
// still exact: its tasks ran elsewhere), a host that did not join.
void PrintClusterWarnings(const cluster::ClusterReport& report) {
  PrintWarnings(report.warnings);
  for (const cluster::WorkerReport& w : report.workers) {
    if (!w.interrupted.empty()) {
      std::fprintf(stderr, "fanout: warning: %s was interrupted (%s): %s started again elsewhere\n", w.name.c_str(),
                   ForTerminal(w.interrupted).c_str(), CountOf(w.moved, "task").c_str());
    }
    if (w.lost.empty()) continue;
    if (w.joined) {
      std::fprintf(stderr, "fanout: warning: %s was lost mid-job (%s); its tasks ran on the other workers\n",
                   w.name.c_str(), w.lost.c_str());
    } else {
      std::fprintf(stderr, "fanout: warning: %s did not join the job (%s)\n", w.name.c_str(), w.lost.c_str());
    }
  }
}

// Per worker: "h1   2 cores  12 tasks  1.20 GB  85.0 MB/s", then the attempts.
std::string Details(const cluster::ClusterReport& report) {
  std::string out;
  char line[1024];
  int lost = 0;
  for (const cluster::WorkerReport& w : report.workers) {
    lost += w.joined && !w.lost.empty();
    double rate = w.seconds > 0 ? static_cast<double>(w.bytes) / w.seconds : 0;
    std::string why = w.lost.empty() ? "" : (w.joined ? "  LOST: " : "  DID NOT JOIN: ") + w.lost;
    if (!w.interrupted.empty()) why = "  INTERRUPTED: " + w.interrupted + why;
    std::snprintf(line, sizeof(line), "fanout:   %-16s %3d %-5s  %6llu %-5s  %9s  %9s/s%.800s\n", w.name.c_str(),
                  w.cores, w.cores == 1 ? "core" : "cores", static_cast<unsigned long long>(w.tasks),
                  w.tasks == 1 ? "task" : "tasks", FormatBytes(w.bytes).c_str(),
                  FormatBytes(static_cast<uint64_t>(rate)).c_str(), why.c_str());
    out += line;
  }
  const cluster::Scheduler::Stats& s = report.stats;
  // A task run again because its worker was lost is a retry too.
  std::string line2 = "fanout:   " + CountOf(s.attempts, "attempt") + ", " +
                      CountOf(s.retries + s.requeued_lost, "retry", "retries");
  if (s.requeued_lost > 0) line2 += " (" + FormatThousands(s.requeued_lost) + " after a lost worker)";
  line2 += ", " + CountOf(s.backups, "backup") + " (" + FormatThousands(s.backups_won) + " won), " +
           CountOf(lost, "lost worker");
  if (report.quote_reruns > 0) line2 += ", " + CountOf(report.quote_reruns, "quote re-run");
  if (s.stolen > 0) line2 += ", " + CountOf(s.stolen, "staged piece") + " taken from busy holders";
  if (s.drained > 0) line2 += ", " + CountOf(s.drained, "task") + " moved off interrupted machines";
  return out + line2 + "\n";
}

}  // namespace

exec::TimelineRecorder* BeginJob(const ClusterFlags& f, const exec::Plan& plan, int threads_flag, int threads) {
  std::string mode = f.slurm                      ? "slurm"
                     : !f.launcher.empty()        ? "launcher"
                     : f.cluster_record != nullptr ? "cluster"
                     : !f.hosts.empty()           ? "hosts"
                     : f.workers > 0              ? "workers"
                                                  : "local";
  if (f.report.dry_run) {
    std::vector<std::pair<std::string, int>> machines;
    std::string assumed;
    if (f.workers > 0) {
      cluster::LocalLauncher local(f.workers, threads_flag);
      for (const cluster::WorkerSlot& s : local.Slots()) machines.emplace_back(s.name, local.cores_each());
    }
    if (!f.hosts.empty()) {
      std::vector<std::string> hosts = OrFail(cluster::ParseHosts(f.hosts));
      const int cores = threads_flag > 0 ? threads_flag : CoreCount();
      for (const std::string& h : hosts) machines.emplace_back(h, cores);
      if (threads_flag <= 0) {
        assumed = "(each host is assumed to have this machine's " + CountOf(cores, "core") +
                  "; they say how many they have when they join)\n";
      }
    }
    if (machines.empty()) machines.emplace_back("local", threads);
    std::string text = DryRunText(plan, machines) + assumed;
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) FailJob(Status::IoError("standard output: write failed"));
    OrFail(CloseStdout());
    throw CLI::RuntimeError(0);
  }
  BeginReports(f.report, mode, &plan);
  return f.report.wanted() ? &JobTimeline() : nullptr;
}

Status RunOnCluster(const ClusterFlags& f, const exec::Plan& plan, exec::Job& job,
                    const std::map<std::string, std::string>& ship_files, int threads_flag, bool quiet,
                    std::string* summary_extra, std::string* details) {
  exec::TimelineRecorder* timeline = BeginJob(f, plan, threads_flag, 1);
  std::vector<std::unique_ptr<cluster::Launcher>> launchers;
  ASSIGN_OR_RETURN(cluster::ClusterOptions o, MakeOptions(f, plan, threads_flag, &launchers));
  o.timeline = timeline;
  o.ship_files = ship_files;
  const bool absolute_paths = !f.hosts.empty() && plan.stage.empty();
  const exec::Plan absolute = absolute_paths ? WithAbsolutePaths(plan) : exec::Plan();
  const exec::Plan& to_run = absolute_paths ? absolute : plan;

  struct sigaction sa = {}, old_int = {}, old_term = {}, old_pipe = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  struct sigaction ign = {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old_pipe);  // a worker gone mid-write is an error to handle, not a death

  // A worker cut off from us (a dead link, a lost ssh session) exits after a few
  // heartbeat timeouts of silence, so it never outlives the job by long.
  job.common().idle_timeout_s = static_cast<uint32_t>(std::max(10, 3 * f.heartbeat_timeout));
  if (f.forward_credentials) {
    Result<std::optional<io::Credentials>> cr = io::CredentialsFromEnvironmentOrFiles();
    if (cr.ok() && !cr->has_value() && io::InstanceMetadataEnabled()) cr = io::CredentialsFromInstanceMetadata();
    if (!cr.ok()) return cr.status().WithPrefix("--forward-credentials");
    if (!cr->has_value()) {
      return Status::InvalidArgument(
          "--forward-credentials: this machine has no AWS credentials to send (AWS_ACCESS_KEY_ID, ~/.aws/credentials, "
          "instance metadata)");
    }
    job.common().remote.credentials = **cr;
  }
  // Spot machines can be taken away: their workers watch for EC2's notice.
  job.common().watch_interruptions = f.cluster_record != nullptr && f.cluster_record->spot;

  exec::Progress progress;
  cluster::ClusterReport report;
  Status r;
  const auto started = std::chrono::steady_clock::now();
  {
    // `run` jobs count no rows.
    bool rows = job.CountsRows();
    ProgressBar bar(!quiet, plan.total_bytes, &progress.bytes, rows ? &progress.rows : nullptr,
                    rows ? &progress.rows_bytes : nullptr);
    o.on_status = [&bar](const std::string& s) { bar.SetDetail(s); };
    r = cluster::RunClusterJob(to_run, job, o, &progress, &report);
  }
  MarkExecuted();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  // Pieces made again on other workers are recorded even when the job failed:
  // they are there now.
  Status recorded = RecordRestaged(plan, report.restaged, quiet);
  if (g_interrupted.load()) {
    std::fprintf(stderr, "fanout: interrupted; every worker was stopped\n");
    throw CLI::RuntimeError(128 + g_signal.load());  // 130 for Ctrl-C, 143 for SIGTERM
  }
  if (r.ok()) r = recorded;
  *summary_extra = ", " + CountOf(report.workers.size(), "worker");
  *details = Details(report);
  if (f.cluster_record != nullptr) {
    // What the machines cost while the job ran, first after the summary
    // ("fanout: cluster taxi: 12 × i3en.2xlarge spot, 41 s, $0.04").
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    *details = "fanout: cluster " + f.cluster + ": " + cloud::JobCostLine(*f.cluster_record, seconds) + "\n" + *details;
  }
  if (r.ok()) {
    PrintClusterWarnings(report);
    return r;
  }
  // The cause first (FailJob); then what each worker did, to explain it.
  if (!quiet) SetFailureDetails(*details);
  return r;
}

Status RunJob(const ClusterFlags& f, const exec::Plan& plan, exec::Job& job, int threads_flag, int threads,
              bool quiet, std::string* summary_extra, std::string* details) {
  if (f.enabled()) return RunOnCluster(f, plan, job, {}, threads_flag, quiet, summary_extra, details);
  exec::Progress progress;
  exec::LocalOptions lo;
  lo.threads = threads;
  lo.progress = &progress;
  exec::Warnings warnings;
  lo.warnings = &warnings;
  lo.timeline = BeginJob(f, plan, threads_flag, threads);
  Status st;
  {
    ProgressBar bar(!quiet, plan.total_bytes, &progress.bytes, job.CountsRows() ? &progress.rows : nullptr);
    st = exec::RunJobLocally(plan, job, lo);
  }
  MarkExecuted();
  PrintWarnings(warnings.Lines());
  return st;
}

}  // namespace fanout::cli
