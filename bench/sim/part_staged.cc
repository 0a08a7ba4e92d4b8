// 3. A job over staged data: homes and stealing (README: "3. A job over staged
// data").
//
// The taxi model's 64 MiB-range tasks are the pieces (`fanout stage` writes one
// piece per task). The stage job is simulated first, on the 12 machines with
// every task reading its range from the source; the worker whose result was
// accepted holds the piece, as the real manifest records. A later job pins each
// piece to its holder. A task costs its bytes / L at its holder, and bytes / S +
// bytes / L anywhere else (the piece staged again from the source, then read).

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "cluster_sim.h"
#include "parts.h"

namespace fanout::sim {
namespace {

constexpr int kHolders = 12, kCores = 8, kAdded = 12;
constexpr double kSlow = 5.0;  // the slow holder's factor
const std::vector<int> kStealFactors = {0, 2, 4, 8, 16};

// A lower bound on a staged run's makespan, the largest of:
// - capacity: a core-second buys at most 1/factor seconds of work counted at the
//   pieces' holders (a piece whose holder has no live worker counted at its away
//   cost), and a worker that holds no piece (when every piece has a live holder)
//   at most 1/(away/local x factor): total work / what the live cores can buy;
// - the task whose cheapest placement is the longest;
// - with steal_factor 0 no pinned task leaves a live home (no failures here):
//   each home's work / its live cores, at its fastest worker's speed.
double StagedLowerBound(const Job& job, const SimConfig& cfg) {
  std::vector<bool> live(static_cast<size_t>(cfg.workers), true);
  for (int w : cfg.lost_workers) live[w] = false;
  auto factor = [&](int w) { return w == cfg.slow_worker ? cfg.slow_factor : 1.0; };
  std::map<int, int> home_cores;
  std::map<int, double> home_factor;  // the fastest live worker's
  for (int w = 0; w < cfg.workers; ++w) {
    if (!live[w]) continue;
    int h = cfg.worker_home[w];
    home_cores[h] += cfg.cores;
    home_factor[h] = home_factor.count(h) ? std::min(home_factor[h], factor(w)) : factor(w);
  }
  double units = 0, longest = 0, ratio = std::numeric_limits<double>::infinity();
  bool orphans = false;
  std::map<int, double> pinned_work;
  for (size_t t = 0; t < job.tasks.size(); ++t) {
    int h = cfg.task_home[t];
    bool held = h >= 0 && home_cores.count(h) > 0;
    units += held ? job.seconds[t] : cfg.away_seconds[t];
    orphans = orphans || !held;
    if (held) pinned_work[h] += job.seconds[t];
    ratio = std::min(ratio, cfg.away_seconds[t] / job.seconds[t]);
    double best = std::numeric_limits<double>::infinity();
    for (int w = 0; w < cfg.workers; ++w) {
      if (live[w]) best = std::min(best, (cfg.worker_home[w] == h ? job.seconds[t] : cfg.away_seconds[t]) * factor(w));
    }
    longest = std::max(longest, best);
  }
  double capacity = 0;
  for (int w = 0; w < cfg.workers; ++w) {
    if (!live[w]) continue;
    bool holds = pinned_work.count(cfg.worker_home[w]) > 0;
    capacity += cfg.cores * (holds || orphans ? 1.0 : 1.0 / ratio) / factor(w);
  }
  double lb = std::max(units / capacity, longest);
  if (cfg.options.steal_factor <= 0) {
    for (const auto& [h, work] : pinned_work) lb = std::max(lb, work * home_factor[h] / home_cores[h]);
  }
  return lb;
}

// One job over the stage, checked.
struct Run {
  SimConfig cfg;
  SimResult r;
  double lb = 0;
};

// The stage (who holds which piece) and the runs over it.
class Staged {
 public:
  Staged(const Options& o, const std::string& partial, Checks* checks) : o_(o), checks_(checks) {
    base_.workers = kHolders;
    base_.cores = kCores;
    base_.tick = o.tick;
    base_.partial = partial;
    default_factor_ = cluster::SchedulerOptions{}.steal_factor;
  }

  // Simulates the stage job; false (a failed check) when a piece got no holder.
  bool Stage();
  void Describe(std::ostringstream& md) const;
  void HoldersAndAdded(std::ostringstream& md);
  void SlowHolder(std::ostringstream& md);
  void LostHolders(std::ostringstream& md);
  void Sensitivity(std::ostringstream& md);
  void Conclusion(std::ostringstream& md) const;

 private:
  // holder i is home i and worker i; added machine j is worker and home 12 + j
  // (a home that holds no piece behaves as none).
  Run RunJob(const std::string& name, int n_added, int steal, int slow_holder, const std::vector<int>& lost,
             const std::vector<int>& task_home, double source_ratio);
  // The stage as a run left it: a piece that ran away from its holder is held
  // where it ran (the manifest records the new holder).
  static std::vector<int> Moved(const Run& x);
  double AwayShare(const Run& x) const { return 100.0 * static_cast<double>(x.r.away_bytes) / total_bytes_; }
  std::string FactorName(int f) const {
    return f == 0 ? std::string("0 (off)") : f == default_factor_ ? Fmt("%d (default)", f) : Fmt("%d", f);
  }
  void RowAbc(const char* label, const char* machines, int f, const Run& x, const Run& a, std::ostringstream& md);

  const Options& o_;
  Checks* checks_;
  SimConfig base_;
  int default_factor_ = 0;
  Job job_;  // durations at the local speed L
  SimResult stage_;
  double stage_lb_ = 0;
  std::vector<int> holder_;  // per piece
  std::vector<uint64_t> held_bytes_ = std::vector<uint64_t>(kHolders, 0);
  std::vector<int> held_pieces_ = std::vector<int>(kHolders, 0);
  uint64_t total_bytes_ = 0;
  std::vector<double> c_makespan_, d_mean_, worst_;  // for the conclusion
};

bool Staged::Stage() {
  const double local_speed = o_.staged_core_gbps * kGB;
  const double source_speed = local_speed / o_.staged_source_ratio;
  // The stage job: the 12 machines read every range from the source.
  job_ = TaxiJob();
  Job stage_job = job_;
  SetDurations(&stage_job, source_speed, 0, o_.seed);
  stage_ = RunFanout(stage_job, base_);
  stage_lb_ = std::max(stage_job.total_seconds / (kHolders * kCores), stage_job.max_task_seconds);
  checks_->Expect(stage_.error.empty(), "staged: the stage job: " + stage_.error);
  checks_->Expect(stage_.makespan >= stage_lb_ * (1 - 1e-9), "staged: the stage job: makespan below the lower bound");
  holder_ = stage_.winner;
  for (size_t t = 0; t < holder_.size(); ++t) {
    if (holder_[t] < 0 || holder_[t] >= kHolders) {
      checks_->Expect(false, "staged: a piece of the stage job has no holder");
      return false;
    }
    held_bytes_[holder_[t]] += job_.tasks[t].stored_bytes;
    ++held_pieces_[holder_[t]];
    total_bytes_ += job_.tasks[t].stored_bytes;
  }
  SetDurations(&job_, local_speed, 0, o_.seed);
  return true;
}

Run Staged::RunJob(const std::string& name, int n_added, int steal, int slow_holder, const std::vector<int>& lost,
                   const std::vector<int>& task_home, double source_ratio) {
  Run x;
  SimConfig& c = x.cfg;
  c = base_;
  c.workers = kHolders + n_added;
  c.options.steal_factor = steal;
  c.slow_worker = slow_holder;
  c.slow_factor = slow_holder >= 0 ? kSlow : 1.0;
  c.task_home = task_home;
  for (int w = 0; w < c.workers; ++w) c.worker_home.push_back(w);
  for (double s : job_.seconds) c.away_seconds.push_back(s * (1 + source_ratio));
  c.lost_workers = lost;
  x.r = RunFanout(job_, c);
  x.lb = StagedLowerBound(job_, c);
  checks_->Expect(x.r.error.empty(), name + ": " + x.r.error);
  checks_->Expect(x.r.makespan >= x.lb * (1 - 1e-9), name + ": makespan below the lower bound");
  checks_->Expect(x.r.stats.stolen == x.r.taken_from_live_homes,
                  name + ": Stats::stolen is not the number of pinned tasks that ran away from a live home");
  checks_->Expect(steal > 0 || x.r.stats.stolen == 0, name + ": a task stolen with steal_factor 0");
  return x;
}

std::vector<int> Staged::Moved(const Run& x) {
  std::vector<int> h = x.cfg.task_home;
  for (size_t t = 0; t < h.size(); ++t) {
    int w = x.r.winner[t];
    if (w >= 0 && x.cfg.worker_home[w] != h[t]) h[t] = x.cfg.worker_home[w];
  }
  return h;
}

void Staged::Describe(std::ostringstream& md) const {
  const double r0 = o_.staged_source_ratio;
  md << "## 3. A job over staged data (homes and stealing)\n\n";
  md << Fmt("Pieces: the taxi model's %zu tasks of at most 64 MiB (`fanout stage` writes one piece per task), "
            "%.2f GB of source ranges. Holders: the stage job simulated on %d machines x %d cores, every task "
            "reading its range from the source (bytes / S); each piece is held by the worker whose result was "
            "accepted. Stage job: %.2f s (lower bound %.2f s); the holders got %.2f .. %.2f GB (%d .. %d "
            "pieces). A later job pins each piece to its holder. Per core: a piece read at its holder costs "
            "its bytes at L = %.2f GB/s; anywhere else it is staged again first: bytes at S = L / %.2f = %.3f "
            "GB/s (the source), plus the local read, %.2fx a read at home in all. No failures, no latency; "
            "lower bounds in README.\n\n",
            job_.tasks.size(), static_cast<double>(total_bytes_) / kGB, kHolders, kCores, stage_.makespan,
            stage_lb_, *std::min_element(held_bytes_.begin(), held_bytes_.end()) / kGB,
            *std::max_element(held_bytes_.begin(), held_bytes_.end()) / kGB,
            *std::min_element(held_pieces_.begin(), held_pieces_.end()),
            *std::max_element(held_pieces_.begin(), held_pieces_.end()), o_.staged_core_gbps, r0,
            o_.staged_core_gbps / r0, 1 + r0);
}

void Staged::RowAbc(const char* label, const char* machines, int f, const Run& x, const Run& a,
                    std::ostringstream& md) {
  Run next = RunJob(std::string("staged ") + label + ", next job", x.cfg.workers - kHolders, f, -1, {}, Moved(x),
                    o_.staged_source_ratio);
  md << Fmt("| %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %llu | %.1f %% | %llu / %llu | %.3f |\n", label, machines,
            FactorName(f).c_str(), x.r.makespan, x.lb, x.r.makespan / x.lb, x.r.makespan / a.r.makespan,
            static_cast<unsigned long long>(x.r.stats.stolen), AwayShare(x),
            static_cast<unsigned long long>(x.r.stats.backups), static_cast<unsigned long long>(x.r.stats.backups_won),
            next.r.makespan);
}

// a), b), c): the 12 holders alone, then with 12 machines added.
void Staged::HoldersAndAdded(std::ostringstream& md) {
  const double r0 = o_.staged_source_ratio;
  md << "### The 12 holders, alone and with 12 machines added\n\n";
  md << "| case | machines | steal_factor | makespan s | lower bound s | vs lower bound | vs a) | tasks stolen | "
        "bytes read away from home | backups started / won | next job s |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  Run a = RunJob("staged a)", 0, default_factor_, -1, {}, holder_, r0);
  RowAbc("a) holders alone", "12", default_factor_, a, a, md);
  RowAbc("a') holders alone", "12", 0, RunJob("staged a')", 0, 0, -1, {}, holder_, r0), a, md);
  for (int f : kStealFactors) {
    Run x = RunJob(Fmt("staged c) steal_factor %d", f), kAdded, f, -1, {}, holder_, r0);
    c_makespan_.push_back(x.r.makespan);
    RowAbc(f == 0 ? "b) + 12 added" : "c) + 12 added", "12 + 12", f, x, a, md);
  }
  md << "\n";
}

// d): one holder 5x slower, each of the 12 in turn.
void Staged::SlowHolder(std::ostringstream& md) {
  md << "### One holder 5x slower (12 machines)\n\n";
  md << "Every task on the slow holder takes 5x as long (the stage was made before it slowed down). Each row: 12 "
        "runs, each holder the slow one in turn; min / mean / max.\n\n";
  md << "| steal_factor | makespan s min | mean | max | mean vs off | lower bound s (mean) | mean vs lower bound | "
        "tasks stolen (mean) | bytes read away from home (mean) | backups started / won (sum) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (int f : kStealFactors) {
    std::vector<double> m;
    double lb = 0, vs = 0, stolen = 0, share = 0;
    uint64_t backups = 0, won = 0;
    for (int w = 0; w < kHolders; ++w) {
      Run x = RunJob(Fmt("staged d) holder %d slow, steal_factor %d", w, f), 0, f, w, {}, holder_,
                     o_.staged_source_ratio);
      m.push_back(x.r.makespan);
      lb += x.lb / kHolders;
      vs += x.r.makespan / x.lb / kHolders;
      stolen += static_cast<double>(x.r.stats.stolen) / kHolders;
      share += AwayShare(x) / kHolders;
      backups += x.r.stats.backups;
      won += x.r.stats.backups_won;
    }
    double mean = std::accumulate(m.begin(), m.end(), 0.0) / kHolders;
    d_mean_.push_back(mean);
    md << Fmt("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f %% | %llu / %llu |\n",
              FactorName(f).c_str(), *std::min_element(m.begin(), m.end()), mean,
              *std::max_element(m.begin(), m.end()), mean / d_mean_.front(), lb, vs, stolen, share,
              static_cast<unsigned long long>(backups), static_cast<unsigned long long>(won));
  }
  md << "\n";
}

// e): 3 holders lost at the start; the coordinator Unpins their homes.
void Staged::LostHolders(std::ostringstream& md) {
  md << "### 3 of the 12 holders lost at the start (9 left)\n\n";
  md << "Holders 0, 1 and 2 are removed before the first Assign and their homes Unpinned, as the coordinator "
        "does for a holder with no live worker: their pieces are staged again by whoever runs them.\n\n";
  md << "| steal_factor | makespan s | lower bound s | vs lower bound | pieces of lost holders | tasks stolen | "
        "bytes read away from home |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (int f : kStealFactors) {
    Run x = RunJob(Fmt("staged e) steal_factor %d", f), 0, f, -1, {0, 1, 2}, holder_, o_.staged_source_ratio);
    uint64_t orphans = 0;
    for (int h : holder_) orphans += h <= 2 ? 1 : 0;
    md << Fmt("| %s | %.3f | %.3f | %.3f | %llu | %llu | %.1f %% |\n", FactorName(f).c_str(), x.r.makespan, x.lb,
              x.r.makespan / x.lb, static_cast<unsigned long long>(orphans),
              static_cast<unsigned long long>(x.r.stats.stolen), AwayShare(x));
  }
  md << "\n";
}

// The same sweeps at other costs of staging a piece again.
void Staged::Sensitivity(std::ostringstream& md) {
  md << "### The steal factor against the cost of staging a piece again\n\n";
  md << "Makespan s by steal_factor, for three values of S = L / ratio (a stolen piece costs 1 + ratio reads at "
        "home); the best of each row in bold. Rows \"12 + 12\": case c); rows \"holder 0 slow\": case d) with "
        "holder 0 the slow one (the table above gives the spread over the 12). Last row: for each steal_factor, "
        "its largest excess over the best of a row, over the six rows.\n\n";
  md << "| cluster | source ratio (away cost) |";
  for (int f : kStealFactors) md << " " << FactorName(f) << " |";
  md << "\n|---|---|";
  for (size_t i = 0; i < kStealFactors.size(); ++i) md << "---:|";
  md << "\n";
  std::vector<double> ratios = {2.0, o_.staged_source_ratio, 10.0};
  worst_.assign(kStealFactors.size(), 0);  // largest makespan / best of its row
  for (int cluster = 0; cluster < 2; ++cluster) {
    for (double ratio : ratios) {
      std::vector<double> v;
      for (int f : kStealFactors) {
        Run x = cluster == 0
                    ? RunJob(Fmt("staged sensitivity 12+12, ratio %.2f, steal_factor %d", ratio, f), kAdded, f, -1,
                             {}, holder_, ratio)
                    : RunJob(Fmt("staged sensitivity holder 0 slow, ratio %.2f, steal_factor %d", ratio, f), 0, f, 0,
                             {}, holder_, ratio);
        v.push_back(x.r.makespan);
      }
      double best = *std::min_element(v.begin(), v.end());
      md << Fmt("| %s | %.2f (%.2fx) |", cluster == 0 ? "12 + 12" : "12, holder 0 slow", ratio, 1 + ratio);
      for (size_t i = 0; i < v.size(); ++i) {
        md << (v[i] == best ? Fmt(" **%.3f** |", v[i]) : Fmt(" %.3f |", v[i]));
        worst_[i] = std::max(worst_[i], v[i] / best);
      }
      md << "\n";
    }
  }
  md << "| worst vs the best of its row | |";
  for (double w : worst_) md << Fmt(" +%.1f %% |", 100 * (w - 1));
  md << "\n\n";
}

// The default against the best of the sweeps above (c and d).
void Staged::Conclusion(std::ostringstream& md) const {
  auto at = [&](const std::vector<double>& v, int f) {
    return v[std::find(kStealFactors.begin(), kStealFactors.end(), f) - kStealFactors.begin()];
  };
  size_t best_c = std::min_element(c_makespan_.begin(), c_makespan_.end()) - c_makespan_.begin();
  size_t best_d = std::min_element(d_mean_.begin(), d_mean_.end()) - d_mean_.begin();
  size_t best_worst = std::min_element(worst_.begin(), worst_.end()) - worst_.begin();
  md << Fmt("Default steal_factor %d, source ratio %.2f: 12 + 12 %.3f s (best: %d, %.3f s; off: %.3f s); one holder "
            "5x slower %.3f s mean (best: %d, %.3f s; off: %.3f s). Over the six rows of the last table steal_factor "
            "%d has the smallest worst excess over the best of a row (+%.1f %%)%s.\n\n",
            default_factor_, o_.staged_source_ratio, at(c_makespan_, default_factor_), kStealFactors[best_c],
            c_makespan_[best_c], at(c_makespan_, 0), at(d_mean_, default_factor_), kStealFactors[best_d],
            d_mean_[best_d], at(d_mean_, 0), kStealFactors[best_worst], 100 * (worst_[best_worst] - 1),
            kStealFactors[best_worst] == default_factor_
                ? ""
                : Fmt("; the default's is +%.1f %%", 100 * (at(worst_, default_factor_) - 1)).c_str());
}

}  // namespace

void StagedPart(const Options& o, const std::string& partial, Checks* checks, std::ostringstream* out) {
  std::ostringstream& md = *out;
  Staged s(o, partial, checks);
  if (!s.Stage()) return;
  s.Describe(md);
  s.HoldersAndAdded(md);
  s.SlowHolder(md);
  s.LostHolders(md);
  s.Sensitivity(md);
  s.Conclusion(md);
}

}  // namespace fanout::sim
