// 2. Makespan on a model of the NYC yellow-taxi listing: the seed's static
// chunking against fanout's scheduling on 12 machines x 8 cores, at full speed
// and with one machine 5x slower (README: "2. Makespan").

#include <algorithm>
#include <cmath>

#include "cluster_sim.h"
#include "parts.h"
#include "static_chunking.h"

namespace fanout::sim {
namespace {

constexpr int kMachines = 12, kCores = 8;
constexpr double kSlow = 5.0;  // the slow machine's factor

// The listing, planned, and what both schedules need to know of it.
struct Taxi {
  Job job;
  std::vector<double> file_seconds;  // per object, whole, on a normal core (static chunking)
  uint64_t total = 0, largest = 0;
  double lb = 0, lb_work = 0, lb_static = 0;  // lower bounds at full speed
  double slow_cores = 0, lb_slow = 0, lb_static_slow = 0;  // ... and with the slow machine
  double largest_file_seconds = 0;
};

Taxi MakeTaxi(const Options& o, Checks* checks) {
  Taxi x;
  const double speed = o.taxi_core_gbps * kGB;
  x.job = TaxiJob();
  for (const exec::ObjectPlan& obj : x.job.objects) {
    x.file_seconds.push_back(static_cast<double>(obj.info.size) / speed);
    x.total += obj.info.size;
    x.largest = std::max(x.largest, obj.info.size);
  }
  checks->Expect(x.job.objects.size() == 138, "taxi model: not 138 objects");
  checks->Expect(std::fabs(static_cast<double>(x.total) / kGB - 251) <= 2.51, "taxi model: total not 251 GB +- 1 %");
  checks->Expect(x.largest == 2990000000ull, "taxi model: largest not 2.99 GB");
  SetDurations(&x.job, speed, 0, o.seed);

  x.largest_file_seconds = *std::max_element(x.file_seconds.begin(), x.file_seconds.end());
  double all_cores = kMachines * kCores;
  x.lb_work = x.job.total_seconds / all_cores;
  x.lb = std::max(x.lb_work, x.job.max_task_seconds);
  x.lb_static = std::max(x.lb_work, x.largest_file_seconds);
  x.slow_cores = (kMachines - 1) * kCores + kCores / kSlow;
  x.lb_slow = std::max(x.job.total_seconds / x.slow_cores, x.job.max_task_seconds);
  x.lb_static_slow = std::max(x.job.total_seconds / x.slow_cores, x.largest_file_seconds);
  return x;
}

SimResult Run(const Taxi& x, const SimConfig& cfg, const std::string& name, double bound, Checks* checks) {
  SimResult r = RunFanout(x.job, cfg);
  checks->Expect(r.error.empty(), name + ": " + r.error);
  checks->Expect(r.makespan >= bound * (1 - 1e-9), name + ": makespan below the lower bound");
  return r;
}

// a) and b): every worker at full speed.
void FullSpeed(const Taxi& x, const SimConfig& base, Checks* checks, std::ostringstream& md) {
  StaticResult st = RunStatic(x.file_seconds, kMachines, kCores, -1, 1.0);
  checks->Expect(st.makespan >= x.lb_static * (1 - 1e-9), "static: makespan below the lower bound");
  SimResult fb = Run(x, base, "fanout", x.lb, checks);
  double ratio = fb.makespan / st.makespan;
  md << "### All 12 workers at full speed\n\n";
  md << "| schedule | makespan s | vs lower bound | backups started / won |\n|---|---:|---:|---:|\n";
  md << Fmt("| lower bound (work / cores) | %.2f | 1.00 | |\n", x.lb);
  md << Fmt("| a) static chunking (seed) | %.2f | %.2f | |\n", st.makespan, st.makespan / x.lb);
  md << Fmt("| b) fanout (backups on, default) | %.2f | %.2f | %llu / %llu |\n", fb.makespan, fb.makespan / x.lb,
            static_cast<unsigned long long>(fb.stats.backups), static_cast<unsigned long long>(fb.stats.backups_won));
  SimConfig nb = base;
  nb.options.backups = false;
  SimResult fnb = Run(x, nb, "fanout no backups", x.lb, checks);
  md << Fmt("| b') fanout, backups off | %.2f | %.2f | |\n", fnb.makespan, fnb.makespan / x.lb);
  md << Fmt("\nb/a = %.3f (target <= 0.6: %s).\n\n", ratio, Pass(ratio <= 0.6));
  md << "Static chunking, each machine's finish time (s):";
  for (size_t m = 0; m < st.machine_end.size(); ++m) md << Fmt(" %.1f", st.machine_end[m]);
  md << "\n\n";
}

// Makespans of one schedule over the 12 choices of the slow worker.
struct Spread {
  std::vector<double> v;
  uint64_t backups = 0, won = 0, cancelled = 0;
  void Add(double x) { v.push_back(x); }
  double Min() const { return *std::min_element(v.begin(), v.end()); }
  double Max() const { return *std::max_element(v.begin(), v.end()); }
  double Mean() const {
    double s = 0;
    for (double x : v) s += x;
    return s / v.size();
  }
  std::string List() const {
    std::string l;
    for (double x : v) l += Fmt(" %.3f", x);
    return l;
  }
};

// c): one worker 5x slower, for each choice of the slow worker.
void OneSlow(const Taxi& x, const SimConfig& base, Checks* checks, std::ostringstream& md) {
  Spread a_st, a_nb, a_b;
  for (int w = 0; w < kMachines; ++w) {
    StaticResult s = RunStatic(x.file_seconds, kMachines, kCores, w, kSlow);
    checks->Expect(s.makespan >= x.lb_static_slow * (1 - 1e-9), "static slow: makespan below the lower bound");
    a_st.Add(s.makespan);
    SimConfig c = base;
    c.slow_worker = w;
    c.slow_factor = kSlow;
    c.options.backups = false;
    SimResult r1 = Run(x, c, "fanout slow, no backups", x.lb_slow, checks);
    a_nb.Add(r1.makespan);
    c.options.backups = true;
    SimResult r2 = Run(x, c, "fanout slow, backups", x.lb_slow, checks);
    a_b.Add(r2.makespan);
    a_b.backups += r2.stats.backups;
    a_b.won += r2.stats.backups_won;
    a_b.cancelled += r2.cancelled_running + r2.cancelled_queued;
  }
  md << "### One worker 5x slower\n\n";
  md << Fmt("Every task on the slow worker takes 5x as long. Each schedule is run 12 times, once with each "
            "worker (for static chunking: each chunk) being the slow one; min / mean / max over the 12. Lower "
            "bound: total work / %.1f core-equivalents = %.2f s.\n\n",
            x.slow_cores, x.lb_slow);
  md << "| schedule | makespan s min | mean | max | mean vs static | backups started / won (sum of 12 runs) |\n";
  md << "|---|---:|---:|---:|---:|---:|\n";
  md << Fmt("| static chunking (seed) | %.2f | %.2f | %.2f | 1.00 | |\n", a_st.Min(), a_st.Mean(), a_st.Max());
  md << Fmt("| fanout, backups off | %.2f | %.2f | %.2f | %.3f | |\n", a_nb.Min(), a_nb.Mean(), a_nb.Max(),
            a_nb.Mean() / a_st.Mean());
  md << Fmt("| fanout, backups on | %.2f | %.2f | %.2f | %.3f | %llu / %llu |\n", a_b.Min(), a_b.Mean(), a_b.Max(),
            a_b.Mean() / a_st.Mean(), static_cast<unsigned long long>(a_b.backups),
            static_cast<unsigned long long>(a_b.won));
  md << "\n";
  md << "Makespan (s) with worker 0, 1, ..., 11 the slow one:\n\n";
  md << "- static:" << a_st.List() << "\n- fanout, backups off:" << a_nb.List() << "\n- fanout, backups on:"
     << a_b.List() << "\n\n";
  md << "Slow worker = worker 0 (static: it gets the first chunk, 2009's files):\n\n";
  md << Fmt("| static %.2f s | fanout, backups off %.2f s | fanout, backups on %.2f s |\n|---:|---:|---:|\n\n",
            a_st.v[0], a_nb.v[0], a_b.v[0]);
}

}  // namespace

void TaxiPart(const Options& o, const std::string& partial, Checks* checks, std::ostringstream* out) {
  std::ostringstream& md = *out;
  Taxi x = MakeTaxi(o, checks);
  md << "## 2. Makespan on the NYC yellow-taxi listing (a model of it)\n\n";
  md << Fmt("%zu objects, %.2f GB, the largest %.2f GB (sizes modelled from the known facts of the listing, "
            "not the listing itself: see README). %d workers x %d cores, %.2f GB/s per core. fanout: %zu tasks "
            "of at most 64 MiB. Lower bound: total work / %d cores = %.2f s; largest task %.3f s (fanout), "
            "largest file %.2f s (static).\n\n",
            x.job.objects.size(), static_cast<double>(x.total) / kGB, static_cast<double>(x.largest) / kGB,
            kMachines, kCores, o.taxi_core_gbps, x.job.tasks.size(), kMachines * kCores, x.lb_work,
            x.job.max_task_seconds, x.largest_file_seconds);
  SimConfig base;
  base.workers = kMachines;
  base.cores = kCores;
  base.tick = o.tick;
  base.partial = partial;
  FullSpeed(x, base, checks, md);
  OneSlow(x, base, checks, md);
}

}  // namespace fanout::sim
