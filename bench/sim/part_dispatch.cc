// 1. The coordinator: its dispatch rate (tasks per second of coordinator CPU),
// its utilization, and its overhead on the job time, on big clusters pulling
// 64 MiB tasks (README: "1. The coordinator").
//
// Per scale: the dispatch rate (zero-cost runs at the main per-core speed) and,
// at each per-core speed, the makespan with the coordinator modelled as a
// single server (Replay) against the zero-cost one.

#include <algorithm>
#include <cstdio>

#include "cluster_sim.h"
#include "parts.h"
#include "replay.h"

namespace fanout::sim {
namespace {

constexpr double kDispatchTarget = 20000;  // tasks/s
constexpr double kOverheadTarget = 0.01;   // of the job time

struct Variant {
  const char* name;
  const char* short_name;
  bool backups;
};

// One variant at one speed, run `reps` times: each zero-cost run, its replay
// with the measured costs, and the live model.
struct VariantRuns {
  std::vector<double> coord, wall, mspan, over, live, firsts;
  double zero_starved = 0;  // core-seconds idle in the zero-cost replay of the first run
  std::vector<ReplayResult> replays;
  SimResult zero;  // the last zero-cost run
  bool stopped = false;
  Trace trace;
};

VariantRuns RunVariant(const Job& job, const SimConfig& cfg, const std::string& name, double lb, int reps,
                       Checks* checks) {
  VariantRuns v;
  SimConfig mcfg = cfg;
  mcfg.model_coordinator = true;
  for (int rep = 0; rep < reps; ++rep) {
    SimResult z = RunFanout(job, cfg, &v.trace);
    checks->Expect(z.error.empty(), name + ", zero-cost: " + z.error);
    checks->Expect(z.stopped || z.makespan >= lb * (1 - 1e-9), name + ", zero-cost: makespan below the lower bound");
    if (rep > 0 && !z.stopped && (z.makespan != v.zero.makespan || z.stats.attempts != v.zero.stats.attempts)) {
      checks->Expect(false, name + ": two zero-cost runs of the same simulation differ");
    }
    v.coord.push_back(z.coord_seconds);
    v.wall.push_back(z.wall_seconds);
    v.zero = z;
    if (z.stopped) {
      std::fprintf(stderr, "%s run %d: stopped by --budget after %.3f s of coordinator time\n", name.c_str(), rep + 1,
                   z.coord_seconds);
      ++checks->stopped_runs;
      v.stopped = true;
      break;  // one is enough to know it is over budget
    }
    // The overhead: the same run, the coordinator's measured costs fed into virtual time.
    v.firsts.push_back(z.first_section_seconds);
    if (rep == 0) {
      ReplayResult same = Replay(v.trace, true);
      v.zero_starved = same.starved_core_seconds;
      checks->Expect(same.error.empty() && same.makespan == z.makespan,
                     name + Fmt(": the replay with zero costs does not reproduce the zero-cost run (%.9f s, not "
                                "%.9f s) %s",
                                same.makespan, z.makespan, same.error.c_str()));
    }
    ReplayResult rp = Replay(v.trace);
    checks->Expect(rp.error.empty(), name + ": " + rp.error);
    checks->Expect(rp.makespan >= z.makespan,
                   name + Fmt(": modelling the coordinator made the makespan shorter (%.9f s) than the zero-cost "
                              "one (%.9f s)",
                              rp.makespan, z.makespan));
    v.mspan.push_back(rp.makespan);
    v.over.push_back(rp.makespan / z.makespan - 1);
    v.replays.push_back(rp);
    // Sensitivity: the live scheduler reacting to the same kind of delays.
    SimResult m = RunFanout(job, mcfg);
    checks->Expect(m.error.empty(), name + ", live coordinator model: " + m.error);
    if (m.stopped) {
      ++checks->stopped_runs;
      v.stopped = true;
      break;
    }
    checks->Expect(m.makespan >= lb * (1 - 1e-9), name + ", live coordinator model: makespan below the lower bound");
    v.live.push_back(m.makespan / z.makespan - 1);
    std::fprintf(stderr,
                 "%s run %d: zero-cost makespan %.6f s, coordinator %.3f s; modelled makespan %.6f s "
                 "(overhead %+.3f %%; first section %.2f ms, longest other %.1f us); live model %.6f s "
                 "(%+.3f %%); whole sims %.2f + %.2f s\n",
                 name.c_str(), rep + 1, z.makespan, z.coord_seconds, rp.makespan, 100 * v.over.back(),
                 1e3 * z.first_section_seconds, 1e6 * rp.max_other_cost, m.makespan, 100 * v.live.back(),
                 z.wall_seconds, m.wall_seconds);
  }
  return v;
}

// One scale (workers x tasks): its tables, and its rows of the overhead summary.
class Scale {
 public:
  Scale(const Options& o, const std::string& partial, int n_workers, uint32_t n_tasks, Checks* checks)
      : o_(o), partial_(partial), n_workers_(n_workers), n_tasks_(n_tasks), checks_(checks),
        total_cores_(static_cast<double>(n_workers) * o.cores) {}

  // Runs every variant at every speed; appends to *overhead_rows and writes the
  // scale's section to md.
  void Run(const std::vector<double>& speeds, std::string* overhead_rows, std::ostringstream& md);

 private:
  void RateRow(const Variant& v, const VariantRuns& x, double lb);
  void OverheadRow(const Variant& v, const VariantRuns& x, double gbps, double task_ms, double demand,
                   std::string* overhead_rows);

  const Options& o_;
  const std::string& partial_;
  const int n_workers_;
  const uint32_t n_tasks_;
  Checks* checks_;
  const double total_cores_;
  double timer_ = 0;
  std::string rows_, notes_, details_;
  double frame_bytes_ = 0;
};

// The dispatch-rate table: zero-cost runs at the main speed.
void Scale::RateRow(const Variant& v, const VariantRuns& x, double lb) {
  const SimResult& zero = x.zero;
  if (x.stopped && zero.stopped) {
    rows_ += Fmt("| %s | > %.1f (stopped after %llu of %u results) | < %.0f | > %.0f | | (%.3f when stopped) | "
                 "%.3f | n/a | %llu | %llu | %.2f |\n",
                 v.name, zero.coord_seconds, static_cast<unsigned long long>(zero.results), n_tasks_,
                 n_tasks_ / zero.coord_seconds, 1e6 * zero.coord_seconds / n_tasks_, zero.makespan, lb,
                 static_cast<unsigned long long>(zero.coord_sections),
                 static_cast<unsigned long long>(zero.stats.backups), zero.wall_seconds);
    notes_ += Fmt("- %s: **stopped** by --budget after %.1f s of coordinator time with %llu of %u results "
                  "handled: under %.0f tasks/s, target >= 20,000 tasks/s **missed**.\n",
                  v.name, zero.coord_seconds, static_cast<unsigned long long>(zero.results), n_tasks_,
                  n_tasks_ / zero.coord_seconds);
    return;
  }
  double c = Median(x.coord), cmin = *std::min_element(x.coord.begin(), x.coord.end());
  double net = c - timer_ * static_cast<double>(zero.coord_sections);
  double rate = n_tasks_ / c;
  frame_bytes_ = static_cast<double>(zero.task_frame_bytes) / std::max<uint64_t>(1, zero.task_frames);
  rows_ += Fmt("| %s | %.3f (%.3f) | %.0f (%.0f) | %.2f | %.0f | %.4f | %.3f | %.1f %% | %llu | %llu | %.2f |\n", v.name,
               c, cmin, rate, n_tasks_ / cmin, 1e6 * c / n_tasks_, n_tasks_ / net, zero.makespan, lb,
               100 * c / zero.makespan, static_cast<unsigned long long>(zero.coord_sections),
               static_cast<unsigned long long>(zero.stats.backups), Median(x.wall));
  notes_ += Fmt("- %s: target >= 20,000 tasks/s %s (%.0f tasks/s, median). Coordinator utilization "
                "%.1f %% (busy time / zero-cost makespan; not the overhead on the job time: see the "
                "overhead table).\n",
                v.name, Pass(rate >= kDispatchTarget), rate, 100 * c / zero.makespan);
  uint64_t queued_sections = zero.coord_sections - zero.tail_sections;
  notes_ += Fmt("  Last run: %.3f s of coordinator time in %llu sections while tasks were queued (%.2f us "
                "each), %.3f s in %llu sections of the tail, after every task had started (%.2f us each); "
                "the Assign at the start (%llu tasks, %d per worker) took %.2f ms.\n",
                zero.coord_seconds - zero.tail_coord_seconds, static_cast<unsigned long long>(queued_sections),
                1e6 * (zero.coord_seconds - zero.tail_coord_seconds) / std::max<double>(1, queued_sections),
                zero.tail_coord_seconds, static_cast<unsigned long long>(zero.tail_sections),
                1e6 * zero.tail_coord_seconds / std::max<double>(1, static_cast<double>(zero.tail_sections)),
                static_cast<unsigned long long>(std::min<double>(n_tasks_, total_cores_ + n_workers_)), o_.cores + 1,
                1e3 * zero.first_section_seconds);
}

// The overhead on job time.
void Scale::OverheadRow(const Variant& v, const VariantRuns& x, double gbps, double task_ms, double demand,
                        std::string* overhead_rows) {
  const SimResult& zero = x.zero;
  std::string cluster = Fmt("%d x %d, %u tasks", n_workers_, o_.cores, n_tasks_);
  std::string speed = Fmt("%.2f (%.0f ms)", gbps, task_ms);
  if (x.stopped) {
    *overhead_rows += Fmt("| %s | %s | %s | n/a | n/a | %s | n/a (stopped by --budget) | n/a | **missed** | |\n",
                          cluster.c_str(), speed.c_str(), v.short_name,
                          zero.stopped ? "n/a" : Fmt("%.4f", zero.makespan).c_str());
    details_ += Fmt("- %.2f GB/s per core, %s: stopped by --budget; no overhead figure.\n", gbps, v.name);
    return;
  }
  // The run with the median overhead, for the details.
  const std::vector<double>& over = x.over;
  std::vector<size_t> idx(over.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return over[a] < over[b]; });
  size_t med = idx[(idx.size() - 1) / 2];
  const ReplayResult& rp = x.replays[med];
  double ov = Median(over), ov_max = *std::max_element(over.begin(), over.end());
  double c = Median(x.coord);
  double live_min = *std::min_element(x.live.begin(), x.live.end());
  double live_max = *std::max_element(x.live.begin(), x.live.end());
  *overhead_rows += Fmt("| %s | %s | %s | %.2f | %.1f %% | %.4f | %.4f (%.4f) | **%.2f %%** (%.2f %%) | %s | "
                        "%+.2f %% .. %+.2f %% |\n",
                        cluster.c_str(), speed.c_str(), v.short_name, 1e6 * c / n_tasks_, 100 * c / zero.makespan,
                        zero.makespan, Median(x.mspan), *std::max_element(x.mspan.begin(), x.mspan.end()), 100 * ov,
                        100 * ov_max, Pass(ov_max < kOverheadTarget), 100 * live_min, 100 * live_max);
  details_ += Fmt("- %.2f GB/s per core (%.1f ms a task; the cluster finishes %.0f tasks/s; one coordinator "
                  "core keeps up below %.2f us per task), %s: overhead %.3f %% median, %.3f %% max over %zu "
                  "runs (target < 1 %%: %s). Median run: the makespan grew by %.2f ms, and the start-of-job "
                  "Assign alone took %.2f ms (every core waits for it); an item waited for the coordinator "
                  "%.3f us on average, %.1f us at most (the longest section after the first: %.1f us); cores "
                  "sat idle waiting for a "
                  "task %.1f core-ms (%.1f core-ms with zero cost; %.3f %% of cores x makespan). Live "
                  "scheduler: makespan %+.2f %% .. %+.2f %%.\n",
                  gbps, task_ms, demand, 1e6 / demand, v.name, 100 * ov, 100 * ov_max, over.size(),
                  Pass(ov_max < kOverheadTarget), 1e3 * (rp.makespan - zero.makespan), 1e3 * x.firsts[med],
                  1e6 * rp.wait_sum / static_cast<double>(std::max<size_t>(1, x.trace.sections.size())),
                  1e6 * rp.wait_max, 1e6 * rp.max_other_cost, 1e3 * rp.starved_core_seconds, 1e3 * x.zero_starved,
                  100 * rp.starved_core_seconds / (total_cores_ * rp.makespan), 100 * live_min, 100 * live_max);
}

void Scale::Run(const std::vector<double>& speeds, std::string* overhead_rows, std::ostringstream& md) {
  timer_ = TimerOverhead();
  std::vector<Variant> variants;
  if (o_.dispatch_backups != "off") variants.push_back({"default options (backups on)", "on", true});
  if (o_.dispatch_backups != "on") variants.push_back({"backups off", "off", false});
  size_t main_objects = 0;
  for (double gbps : speeds) {
    const bool main_speed = gbps == speeds.front();
    Job job = DispatchJob(n_tasks_, gbps * kGB, o_.jitter, o_.seed);
    double task_ms = 1000.0 * (64.0 * kMiB) / (gbps * kGB);
    double lb = std::max(job.total_seconds / total_cores_, job.max_task_seconds);
    double demand = total_cores_ / (task_ms / 1000);
    if (main_speed) main_objects = job.objects.size();
    for (const Variant& v : variants) {
      SimConfig cfg;
      cfg.workers = n_workers_;
      cfg.cores = o_.cores;
      cfg.options.backups = v.backups;
      cfg.tick = o_.tick;
      cfg.partial = partial_;
      cfg.budget = o_.budget;
      std::string name = Fmt("dispatch %dx%u at %.2f GB/s per core (%s)", n_workers_, n_tasks_, gbps, v.name);
      VariantRuns x = RunVariant(job, cfg, name, lb, o_.reps, checks_);
      if (main_speed) RateRow(v, x, lb);
      OverheadRow(v, x, gbps, task_ms, demand, overhead_rows);
    }
  }
  double main_task_ms = 1000.0 * (64.0 * kMiB) / (o_.core_gbps * kGB);
  md << Fmt("### %d workers x %d cores, %u tasks\n\n", n_workers_, o_.cores, n_tasks_);
  md << Fmt("%u tasks of 64 MiB (%zu objects of up to 4 GiB, 64 ranges each), lognormal jitter on each task's "
            "duration (sigma %.2f, seed %llu). Dispatch rate at %.2f GB/s per core (a task takes %.1f ms on "
            "average), zero-cost runs: median of %d runs (min in brackets). Timer cost per section: %.0f ns, "
            "subtracted in the \"net\" column.%s\n\n",
            n_tasks_, main_objects, o_.jitter, static_cast<unsigned long long>(o_.seed), o_.core_gbps, main_task_ms,
            o_.reps, timer_ * 1e9,
            o_.budget > 0 ? Fmt(" A run stops once the coordinator has used %.0f s.", o_.budget).c_str() : "");
  md << "| options | coordinator s, median (min) | tasks/s | us/task | net tasks/s | makespan s (zero-cost) | "
        "lower bound s | coordinator utilization | timed sections | backups | whole sim wall s |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  md << rows_ << "\n" << notes_;
  md << Fmt("- Task frames: %.0f bytes on average.\n\n", frame_bytes_);
  md << "Overhead on job time (the coordinator replayed as a single server; the table above):\n\n" << details_ << "\n";
}

void Introduction(const Options& o, const std::string& partial, const std::vector<double>& speeds,
                  std::ostringstream& md) {
  md << "## 1. Coordinator: dispatch rate, utilization, overhead on job time\n\n";
  md << Fmt("Coordinator work per result = DecodeDone of a %zu-byte partial + TaskOf + Complete (+ EncodeCancel "
            "and Fail per cancelled attempt) + Assign + EncodeTask per new attempt, timed with steady_clock around "
            "each such section (and around the Assign of the start and of each %.1f s timer tick); the "
            "simulator's own work is outside the sections. Targets: dispatch rate >= 20,000 tasks/s; overhead "
            "on the job time < 1 %% with 64 MiB tasks.\n\n",
            partial.size(), o.tick);
  md << "- **dispatch rate** = tasks / coordinator busy seconds.\n"
        "- **coordinator utilization** = coordinator busy seconds / makespan: the share of one core the "
        "coordinator needs. It says whether one core keeps up (under 100 %), not how much it delays the job: "
        "most of its work overlaps the workers' work.\n"
        "- **overhead on job time** = makespan with the coordinator modelled / zero-cost makespan - 1, same job, "
        "seeds and options. Zero-cost: every coordinator section takes no virtual time (an infinitely fast "
        "coordinator). Modelled: the zero-cost run replayed with the coordinator as a single server: items "
        "(results, timer ticks, the start-of-job Assign) are handled one at a time in arrival order, each "
        "costing the wall-clock time its own section was measured to take in that run, and the task frames "
        "it produced reach the workers only when it ends. A worker starts a task it already holds (the "
        "cores+1 slot) the moment a core frees, so a late frame costs time only on a core with nothing "
        "queued. The schedule (which task went to which worker, in which order) is the zero-cost run's, so "
        "every event is at or after its zero-cost time, and the overhead is never negative (checked). The "
        "makespan ends when the coordinator has handled the last result.\n"
        "- **live scheduler** (sensitivity, not the overhead): the simulation run again with the delays fed "
        "to the real Scheduler as they happen (each section's measured time), so it can choose differently. "
        "Once anything moves one task, which tasks finish last changes (list scheduling is not monotone), so "
        "at 1,000 workers this makespan moves by about a percent either way from run to run and can come out "
        "below the zero-cost one: it measures that noise more than the coordinator.\n\n";
  md << Fmt("### Overhead on job time\n\n"
            "%d runs each (the zero-cost run is deterministic; the measured section times are not). The per-core "
            "speed sets a task's mean duration (64 MiB / speed): %g GB/s per core is the main case%s. "
            "us/task and utilization are from the zero-cost runs; the target column uses the largest overhead "
            "of the runs.\n\n",
            o.reps, o.core_gbps,
            speeds.size() > 1 ? Fmt(", %g GB/s the second line (the seed's per-core speed is 0.4 GB/s; longer "
                                    "tasks, fewer results per second)",
                                    speeds[1])
                                    .c_str()
                              : "");
  md << "| cluster (workers x cores) | GB/s per core (task ms) | backups | coordinator us/task | coordinator "
        "utilization | makespan s, zero-cost | makespan s, coordinator modelled, median (max) | overhead, "
        "median (max) | overhead < 1 % (max) | live scheduler: makespan change, min .. max |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|---|---:|\n";
}

}  // namespace

void DispatchPart(const Options& o, const std::string& partial, Checks* checks, std::ostringstream* md) {
  std::vector<double> speeds = {o.core_gbps};
  if (o.alt_core_gbps > 0 && o.alt_core_gbps != o.core_gbps) speeds.push_back(o.alt_core_gbps);
  std::string overhead_rows;  // the summary table over all scales, before the scales' own sections
  std::ostringstream per_scale;
  for (const auto& [w, t] : o.scales) Scale(o, partial, w, t, checks).Run(speeds, &overhead_rows, per_scale);
  Introduction(o, partial, speeds, *md);
  *md << overhead_rows << "\n" << per_scale.str();
}

}  // namespace fanout::sim
