// fanout stage: the selected columns of a dataset written once to the local
// disks of the machines that will query it, read again as stage://NAME
// (exec/stage.h); --drop frees the space, --list shows what is staged.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "cli/cluster.h"
#include "cli/report.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/cache_dir.h"
#include "core/progress.h"
#include "core/shell_quote.h"
#include "core/strings.h"
#include "cluster/hosts.h"
#include "cluster/launcher.h"
#include "exec/local_executor.h"
#include "exec/stage.h"
#include "exec/stage_job.h"
#include "ops/query.h"

namespace fanout::cli {

namespace {

namespace fs = std::filesystem;

struct StageFlags {
  CommonFlags common;
  std::string cols;
  std::string as;
  std::string dir;
  std::string drop;
  std::string drop_here;
  bool list = false;
  bool replace = false;
  ClusterFlags cluster;
};

uint64_t PieceBytes(const exec::Manifest& m) {
  uint64_t n = 0;
  for (const auto& p : m.pieces) n += p.info.size;
  return n;
}

// Removes the stage's pieces from every machine that may hold some, then its
// manifest. A machine that cannot be reached keeps the manifest (listing only
// those machines) so the drop can be tried again.
Status Drop(const std::string& name, const ClusterFlags& cf, bool quiet) {
  ASSIGN_OR_RETURN(exec::Manifest m, exec::LoadManifest(name));
  const SshSetup ssh = ResolveSsh(cf, &m);  // as the stage reached its hosts, unless given
  cluster::SshLauncher hosts = HostLauncher(cf, ssh, {});
  std::vector<std::string> holders = m.holders;
  for (const auto& p : m.pieces) {
    if (std::find(holders.begin(), holders.end(), p.where.holder) == holders.end()) holders.push_back(p.where.holder);
  }
  std::vector<std::string> failed;
  std::string problems;
  for (const std::string& h : holders) {
    if (h == exec::kLocalHolder) {
      std::string kept;
      Status st = exec::RemovePieceDir(m.recipe, &kept);
      if (!st.ok()) {
        failed.push_back(h);
        problems += "; " + st.message();
      } else if (!kept.empty() && !quiet) {
        std::fprintf(stderr, "fanout: kept %s\n", ForTerminal(kept).c_str());
      }
      continue;
    }
    std::string command = ShellQuote(ssh.remote_fanout) + " stage --drop-here " + ShellQuote(name);
    if (!m.recipe.dir.empty()) command += " --stage-dir " + ShellQuote(m.recipe.dir);
    Result<cluster::HostRun> r = hosts.RunOnHost(h, command, "");
    if (!r.ok() || r->status != 0) {
      failed.push_back(h);
      std::string why = !r.ok() ? r.status().message() : LastLine(r->err);
      problems += "; " + h + ": " + (why.empty() ? "exit status " + std::to_string(r->status) : why);
    }
  }
  if (!failed.empty()) {
    m.holders = failed;
    std::vector<exec::Manifest::Piece> left;  // the pieces still out there
    for (const auto& p : m.pieces) {
      if (std::find(failed.begin(), failed.end(), p.where.holder) != failed.end()) left.push_back(p);
    }
    m.pieces = left;
    m.complete = false;  // some of it is gone: no job may read it now
    RETURN_IF_ERROR(exec::SaveManifest(m));
    return Status::IoError("stage '" + name + "' could not be removed everywhere (" + problems.substr(2) +
                           "); the manifest now lists only those machines: run fanout stage --drop " + name + " again");
  }
  std::string path = exec::ManifestPath(name);
  if (::unlink(path.c_str()) != 0) return Status::IoError(path + ": cannot remove the manifest");
  if (!quiet) {
    std::string on = Join(holders, ", ");
    std::fprintf(stderr, "fanout: dropped stage %s (%zu %s, %s) from %s\n", name.c_str(), m.pieces.size(),
                 m.pieces.size() == 1 ? "piece" : "pieces",
                 FormatBytes(PieceBytes(m)).c_str(), on.empty() ? "nowhere (it held nothing)" : on.c_str());
  }
  return Status::OK();
}

void List() {
  std::string dir = CacheDir() + "/stages";
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (exec::CheckStageName(n).ok() && n.find(".tmp.") == std::string::npos) names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    Result<exec::Manifest> m = exec::LoadManifest(n);
    if (!m.ok()) {
      std::printf("%s\tunreadable: %s\n", n.c_str(), m.status().message().c_str());
      continue;
    }
    std::set<std::string> holders;
    for (const auto& p : m->pieces) holders.insert(p.where.holder);
    std::string on = Join(holders, ",");
    std::printf("%s\t%s\t%s\t%s\t%s\t--cols %s\n", n.c_str(), m->complete ? "complete" : "INCOMPLETE",
                CountOf(m->pieces.size(), "piece").c_str(), FormatBytes(PieceBytes(*m)).c_str(), on.empty() ? "-" : on.c_str(),
                m->recipe.cols.c_str());
  }
}

void Stage(const StageFlags& f) {
  auto start = std::chrono::steady_clock::now();
  if (f.cols.empty()) FailUsage(Status::InvalidArgument("give --cols (the columns to stage)"));
  if (f.as.empty()) FailUsage(Status::InvalidArgument("give --as NAME (what later jobs call it: stage://NAME)"));
  if (f.common.inputs.empty()) FailUsage(Status::InvalidArgument("give the INPUT objects to stage"));
  if (Status st = exec::CheckStageName(f.as); !st.ok()) FailUsage(st);
  if (Result<std::vector<ops::KeyExpr>> c = ops::ParseColumnExprs(f.cols); !c.ok()) FailUsage(c.status());
  Result<ReadSetup> setup = MakeReadSetup(f.common);
  if (!setup.ok()) FailUsage(setup.status());
  if (::access(exec::ManifestPath(f.as).c_str(), F_OK) == 0) {
    if (!f.replace) {
      FailUsage(Status::InvalidArgument("stage '" + f.as + "' exists; fanout stage --drop " + f.as +
                                        " first, or give --replace"));
    }
    OrFail(Drop(f.as, f.cluster, f.common.quiet));
  }
  exec::Plan plan = OrFail(PlanInputs(f.common, setup->range_bytes));
  setup->scan.store = plan.store.get();
  // Absolute, so that hosts (whatever their directory) and later jobs run from
  // another directory can stage a piece again.
  for (exec::ObjectPlan& o : plan.objects) {
    if (!io::IsRemote(o.info)) o.info.url = fs::absolute(o.info.url).lexically_normal().string();
  }

  exec::Manifest m;
  m.recipe.name = f.as;
  m.recipe.dir = f.dir;
  if (!f.dir.empty() && f.cluster.hosts.empty()) m.recipe.dir = fs::absolute(f.dir).lexically_normal().string();
  m.recipe.cols = f.cols;
  m.recipe.where = f.common.where;
  m.recipe.scan = setup->scan;
  m.remote = f.common.remote;
  m.ssh = f.cluster.ssh;  // as given (empty: the default), for --drop and later jobs
  m.remote_fanout = f.cluster.remote_fanout;
  if (!f.cluster.enabled() || f.cluster.workers > 0) m.holders.push_back(exec::kLocalHolder);
  if (!f.cluster.hosts.empty()) {
    for (const std::string& h : OrFail(cluster::ParseHosts(f.cluster.hosts))) exec::AddHolder(&m, h);
  }
  // Recorded before anything is written: a stage that fails or is interrupted
  // can always be dropped.
  OrFail(exec::SaveManifest(m));

  std::vector<exec::Manifest::Piece> pieces(plan.tasks.size());  // by plan task; written ones have a path
  std::mutex mu;
  uint64_t rows = 0;
  auto record = [&](uint32_t index, const std::string& holder, const exec::PieceInfo& info) {
    std::lock_guard<std::mutex> lock(mu);
    const exec::Task& t = plan.tasks[index];
    pieces[index] = {exec::StagedPiece{holder, index, plan.objects[t.object], t, info.start}, info};
    rows += info.rows;
  };
  auto save_partial = [&](const Status& st) {
    m.pieces.clear();
    for (const exec::Manifest::Piece& p : pieces) {
      if (!p.info.path.empty()) m.pieces.push_back(p);
    }
    Status saved = exec::SaveManifest(m);
    // The note goes on the cause's line, before any per-worker lines.
    std::string message = st.message();
    size_t eol = std::min(message.find('\n'), message.size());
    message.insert(eol, " — stage '" + f.as + "' is incomplete" +
                            (saved.ok() ? "; fanout stage --drop " + f.as + " removes what was written" : ""));
    FailJob(Status::IoError(message));
  };

  exec::JobCommon common = MakeJobCommon(*setup, f.common);
  common.stage = m.recipe;
  std::unique_ptr<exec::StageJob> job = OrFail(exec::StageJob::Make(common));
  job->SetRecord(record);
  std::string extra, details;
  Status st;
  st = RunJob(f.cluster, plan, *job, f.common.threads, setup->threads, f.common.quiet, &extra, &details);
  if (!st.ok()) save_partial(st);
  m.pieces = pieces;
  std::sort(m.pieces.begin(), m.pieces.end(),
            [](const auto& a, const auto& b) { return a.where.piece < b.where.piece; });
  m.complete = true;
  OrFail(exec::SaveManifest(m));
  extra += FinishReportsOrFail();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ops::RowStats stats;
  stats.rows = rows;
  std::set<std::string> holders;
  for (const auto& p : m.pieces) holders.insert(p.where.holder);
  std::string on = Join(holders, ", ");
  PrintSummary(f.common.quiet, plan, stats, secs,
               ", staged as stage://" + f.as + ": " + std::to_string(m.pieces.size()) +
                   (m.pieces.size() == 1 ? " piece, " : " pieces, ") +
                   FormatBytes(PieceBytes(m)) + " on " + (on.empty() ? "-" : on) + extra);
  if (!f.common.quiet) std::fputs(ForTerminalLines(details).c_str(), stderr);
}

void Run(const StageFlags& f) {
  if (!f.drop_here.empty()) {  // on a host, for --drop: this machine's pieces only
    exec::StageRecipe r;
    r.name = f.drop_here;
    r.dir = f.dir;
    if (Status st = exec::CheckStageName(r.name); !st.ok()) FailUsage(st);
    std::string kept;
    OrFail(exec::RemovePieceDir(r, &kept));
    if (!kept.empty()) std::fprintf(stderr, "fanout: kept %s\n", ForTerminal(kept).c_str());
    return;
  }
  if (f.list) return List();
  if (!f.drop.empty()) {
    if (Status st = exec::CheckStageName(f.drop); !st.ok()) FailUsage(st);
    OrFail(Drop(f.drop, f.cluster, f.common.quiet));
    return;
  }
  Stage(f);
}

}  // namespace

void AddStageCommand(CLI::App& app) {
  static StageFlags flags;
  CLI::App* sub = app.add_subcommand(
      "stage",
      "Read a dataset once and write the selected columns to the local disks of the machines\n"
      "that will query it; later jobs read stage://NAME, each piece on the machine that holds it\n"
      "(a piece whose machine is gone is staged again from its source). Columns of a stage are\n"
      "numbered and named as selected: after --cols 1-5, column 4 is the source's column 4.\n\n"
      "Examples:\n"
      "  fanout stage --cols 1-5 --as trips --hosts h1,h2,h3 's3://bucket/trip data/yellow_*.csv'\n"
      "  fanout count --by 4 --hosts h1,h2,h3 stage://trips\n"
      "  fanout stage --cols passenger_count,trip_distance --where 'trip_distance > 10' --as far data/\n"
      "  fanout stage --list\n"
      "  fanout stage --drop trips --hosts h1,h2,h3");
  sub->add_option("--cols", flags.cols, "Columns to keep, comma-separated: indices, ranges (1-5), names and key expressions "
                  "named with AS (yearmonth(pickup) AS ym)");
  sub->add_option("--as", flags.as, "The stage's name (later jobs read stage://NAME)");
  sub->add_option("--stage-dir", flags.dir,
                  "Where pieces go on each machine (default: ~/.cache/fanout/stage; relative to the home directory "
                  "on hosts)");
  sub->add_flag("--replace", flags.replace, "Drop a stage of the same name first");
  sub->add_option("--drop", flags.drop, "Remove stage NAME's pieces from every machine holding them, and its manifest");
  sub->add_flag("--list", flags.list, "List the stages this machine's manifests know");
  sub->add_option("--drop-here", flags.drop_here, "(used by --drop on each host)")->group("");
  AddCommonFlags(sub, &flags.common);
  sub->get_option("INPUT")->required(false);
  AddClusterFlags(sub, &flags.cluster);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
