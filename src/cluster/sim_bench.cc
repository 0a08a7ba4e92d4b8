// fanout_sim: a discrete-event simulation benchmark of the distributed scheduler.
//
// It drives the real cluster::Scheduler (and the real task/done frame encodings)
// with simulated workers in virtual time, and measures
//   1. dispatch: the coordinator's CPU cost per task (Scheduler calls + EncodeTask
//      + DecodeDone) on 1,000 workers x 8 cores and 100,000 tasks of 64 MiB, its
//      utilization, and its overhead on the job time: the makespan with the
//      coordinator as a single server (each section's measured time fed into
//      virtual time; Replay) against the zero-cost makespan;
//   2. makespan on a model of the NYC yellow-taxi listing (138 objects, ~251 GB)
//      on 12 workers x 8 cores: the seed's static chunking against fanout's
//      scheduling, with and without a 5x slower worker, with and without backups;
//   3. a job over staged data (the same listing's pieces pinned to the 12
//      machines that hold them): data locality and stealing, with machines
//      added, a slow holder, holders lost, for several steal factors.
// Every run checks that each task was accepted exactly once and that the
// makespan is not below the lower bound; the exit status is 1 otherwise.
// bench/sim/README.md explains the model and every number; bench/sim/run.sh runs it.

#include <sys/resource.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster/messages.h"
#include "cluster/scheduler.h"
#include "exec/plan.h"

namespace fanout::cluster {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = 1ull << 20;
constexpr double kGB = 1e9;  // sizes and speeds are decimal: 1 GB = 1e9 bytes

// ---------------------------------------------------------------------------
// A job: objects, the planner's tasks, and how long each task takes on a
// normal core.

struct Job {
  std::vector<exec::ObjectPlan> objects;
  std::vector<exec::Task> tasks;  // largest first, as exec::MakePlan orders them
  std::vector<double> seconds;    // per task, on a normal core
  double total_seconds = 0;       // sum of seconds
  double max_task_seconds = 0;
};

std::string Etag(uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "\"%016llx%016llx\"", static_cast<unsigned long long>(i * 0x9e3779b97f4a7c15ull),
                static_cast<unsigned long long>(~i));
  return buf;
}

// The arithmetic of exec::MakePlan for uncompressed objects (MakePlan itself opens
// each object to detect its compression, so the simulation cannot call it): an
// object larger than range_bytes becomes ceil(size / range_bytes) ranges, the last
// one shorter; the tasks are stable-sorted largest first.
void PlanRanges(Job* job, uint64_t range_bytes) {
  for (uint32_t o = 0; o < job->objects.size(); ++o) {
    uint64_t size = job->objects[o].info.size;
    if (size <= range_bytes) {
      job->tasks.push_back({o, 0, 1, 0, std::numeric_limits<uint64_t>::max(), size});
      continue;
    }
    uint32_t n = static_cast<uint32_t>((size + range_bytes - 1) / range_bytes);
    for (uint32_t r = 0; r < n; ++r) {
      uint64_t b = r * range_bytes, e = std::min(size, b + range_bytes);
      job->tasks.push_back({o, r, n, b, e, e - b});
    }
  }
  std::stable_sort(job->tasks.begin(), job->tasks.end(),
                   [](const exec::Task& a, const exec::Task& b) { return a.stored_bytes > b.stored_bytes; });
}

void SetDurations(Job* job, double bytes_per_second, double jitter_sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  job->seconds.clear();
  job->total_seconds = job->max_task_seconds = 0;
  for (const exec::Task& t : job->tasks) {
    double s = static_cast<double>(t.stored_bytes) / bytes_per_second;
    if (jitter_sigma > 0) s *= std::exp(jitter_sigma * normal(rng) - jitter_sigma * jitter_sigma / 2);  // mean 1
    job->seconds.push_back(s);
    job->total_seconds += s;
    job->max_task_seconds = std::max(job->max_task_seconds, s);
  }
}

// Dispatch job: `tasks` ranges of 64 MiB, 64 to an object (objects of 4 GiB).
Job DispatchJob(uint32_t tasks, double core_bytes_per_second, double jitter, uint64_t seed) {
  Job job;
  const uint32_t per_object = 64;
  uint32_t objects = (tasks + per_object - 1) / per_object;
  for (uint32_t o = 0; o < objects; ++o) {
    uint32_t ranges = std::min(per_object, tasks - o * per_object);
    char url[96];
    std::snprintf(url, sizeof url, "s3://fanout-sim-bucket/dispatch/part-%06u.csv", o);
    job.objects.push_back({io::ObjectInfo{url, ranges * 64 * kMiB, Etag(o)}, io::Compression::kNone});
  }
  PlanRanges(&job, 64 * kMiB);
  SetDurations(&job, core_bytes_per_second, jitter, seed);
  return job;
}

// A model of the NYC TLC yellow-taxi CSV listing, monthly from 2009-01: 138
// objects (2009-01 .. 2020-06). Not the listing itself (no network here): sizes are
// built to match what is known of it: ~251 GB in all, the largest 2.99 GB,
// 2009-2012 the biggest (2.4-2.99 GB), 2013-2014 2.0-2.3, 2015-2016 1.6-1.95,
// 2017-2018 0.8-0.95, 2019 0.6-0.7, 2020 small (COVID: 0.02 GB in April).
// Each year's files spread over [lo, hi] by a fixed seasonal shape (March and
// October busiest, February quietest).
std::vector<std::pair<std::string, uint64_t>> TaxiListing() {
  static const double season[12] = {0.45, 0.25, 1.0, 0.75, 0.9, 0.7, 0.45, 0.35, 0.6, 0.95, 0.6, 0.65};
  struct Range {
    int year;
    double lo, hi;
  };
  static const Range years[] = {{2009, 2.40, 2.58}, {2010, 2.40, 2.64}, {2011, 2.42, 2.72}, {2012, 2.45, 2.99},
                                {2013, 2.00, 2.32}, {2014, 2.00, 2.22}, {2015, 1.62, 1.95}, {2016, 1.60, 1.85},
                                {2017, 0.82, 0.95}, {2018, 0.80, 0.92}, {2019, 0.60, 0.70}};
  static const double y2020[6] = {0.590, 0.580, 0.280, 0.022, 0.032, 0.051};
  std::vector<std::pair<std::string, uint64_t>> out;
  auto add = [&](int y, int m, double gb) {
    char url[96];
    std::snprintf(url, sizeof url, "s3://nyc-tlc/trip data/yellow_tripdata_%04d-%02d.csv", y, m);
    out.emplace_back(url, static_cast<uint64_t>(std::llround(gb * 1000)) * 1000000ull);  // whole MB
  };
  for (const Range& r : years) {
    for (int m = 0; m < 12; ++m) add(r.year, m + 1, r.lo + (r.hi - r.lo) * season[m]);
  }
  for (int m = 0; m < 6; ++m) add(2020, m + 1, y2020[m]);
  return out;
}

// ---------------------------------------------------------------------------
// Static chunking (the seed): the listing split into `machines` contiguous
// chunks of equal count (the first size % machines chunks one file longer); each
// machine runs its chunk's whole files on `cores` cores, a free core taking the
// next file of the chunk.

struct StaticResult {
  double makespan = 0;
  std::vector<double> machine_end;
};

StaticResult RunStatic(const std::vector<double>& file_seconds, int machines, int cores, int slow_machine,
                       double slow_factor) {
  StaticResult r;
  size_t n = file_seconds.size(), base = n / machines, extra = n % machines, next = 0;
  for (int m = 0; m < machines; ++m) {
    size_t count = base + (static_cast<size_t>(m) < extra ? 1 : 0);
    double factor = m == slow_machine ? slow_factor : 1.0;
    std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
    for (int c = 0; c < cores; ++c) free_at.push(0);
    double end = 0;
    for (size_t i = next; i < next + count; ++i) {
      double t = free_at.top();
      free_at.pop();
      double done = t + file_seconds[i] * factor;
      end = std::max(end, done);
      free_at.push(done);
    }
    next += count;
    r.machine_end.push_back(end);
    r.makespan = std::max(r.makespan, end);
  }
  return r;
}

// ---------------------------------------------------------------------------
// fanout: the real Scheduler, simulated workers.
//
// A worker has `cores` cores and holds the tasks the scheduler gave it (up to
// cores + extra_slots): at most `cores` run, the others wait in a local FIFO.
// Frames travel with no latency. The coordinator handles one item at a time:
// a worker's result (DecodeDone, TaskOf, Complete, cancels, Assign, EncodeTask)
// or a timer tick every `tick` seconds of virtual time (a poll timeout: Assign,
// EncodeTask); the start of the job is one more Assign. Each handling is a timed
// section. A result whose task another attempt finished first cancels the loser
// (see README).
//
// The coordinator's cost in virtual time:
// - zero-cost (model_coordinator = false): every section takes no virtual time;
//   its task and cancel frames reach the workers at the instant the result
//   arrived. The makespan assumes an infinitely fast coordinator. With a Trace,
//   the run is recorded for Replay, which gives the overhead figure.
// - live (model_coordinator = true; a sensitivity check, not the overhead
//   figure): the coordinator is a single server.
//   Items wait in arrival order; a section starts at max(arrival, end of the
//   previous section), lasts the wall-clock time it was measured to take, and
//   its frames (cancels first, then tasks) reach the workers when it ends. The
//   scheduler is given the section's start as `now`. A worker with a task in
//   its local queue starts it the moment a core frees, whatever the
//   coordinator is doing; only a core with nothing queued waits for the frame.
//   The scheduler sees the delays and may decide differently; list scheduling
//   is not monotone, so this makespan can come out below the zero-cost one.

struct SimConfig {
  int workers = 12;
  int cores = 8;
  int slow_worker = -1;
  double slow_factor = 1.0;
  SchedulerOptions options;
  double tick = 0.1;
  std::string partial;             // the payload of every done frame
  double budget = 0;               // > 0: stop once the coordinator has used this many seconds
  bool model_coordinator = false;  // feed each section's measured time back into virtual time
  // Staged data (part 3); all empty: no homes. A task whose holder is not its
  // worker's home takes away_seconds (its piece staged again) instead of
  // job.seconds.
  std::vector<int> task_home;        // per task: the home that holds its piece, -1: none
  std::vector<int> worker_home;      // per worker: its home, -1: none
  std::vector<double> away_seconds;  // per task, on a normal core away from its holder
  std::vector<int> lost_workers;     // removed, and their homes Unpinned, before the first Assign
};

struct SimResult {
  double makespan = 0;       // virtual time when the coordinator had accepted every task
  double coord_seconds = 0;  // steady-clock time inside coordinator sections
  // The tail: sections after every task had its first attempt (the queue is empty).
  double tail_coord_seconds = 0;
  uint64_t tail_sections = 0;
  uint64_t coord_sections = 0;
  uint64_t assign_calls = 0, results = 0, task_frames = 0, task_frame_bytes = 0, cancel_frames = 0, cancel_frame_bytes = 0;
  uint64_t cancelled_running = 0, cancelled_queued = 0;
  double first_section_seconds = 0;  // the Assign at the start of the job (fills every slot)
  // Races the modelled coordinator allows: a result of an attempt cancelled
  // before its result was handled (dropped: Complete says kUnknown), a cancel
  // reaching an attempt that had already finished.
  uint64_t late_results = 0, late_cancels = 0;
  Scheduler::Stats stats;
  std::vector<int> winner;  // per task: the worker whose result was accepted
  // Staged runs: tasks whose accepted attempt ran away from its piece's holder,
  // and their bytes; first attempts that took a task pinned to a live home
  // away from it (must equal stats.stolen).
  uint64_t away_tasks = 0, away_bytes = 0, taken_from_live_homes = 0;
  double wall_seconds = 0;  // the whole simulation, simulator included
  std::string error;        // empty when every check passed
  bool stopped = false;     // the budget ran out: the numbers cover part of the job
};

// What a zero-cost run did, for Replay: every coordinator section in the order
// it ran (when, for which result, its measured cost, the attempts it sent and
// cancelled), and every attempt's worker, duration and place in its worker's
// start order.
struct Trace {
  struct Section {
    double t = 0;          // when it ran (= when its item arrived: zero cost)
    uint64_t attempt = 0;  // the result it handled; 0: Assign only
    double cost = 0;       // measured seconds
    uint32_t out_begin = 0, out_end = 0, cancel_begin = 0, cancel_end = 0;  // into outs, cancels
  };
  struct Attempt {
    int worker = -1;
    double seconds = 0;                  // on its worker
    uint32_t pos = UINT32_MAX;           // in starts[worker]; UINT32_MAX: cancelled before it started
  };
  int cores = 0;
  std::vector<Section> sections;
  std::vector<uint64_t> outs, cancels;
  std::vector<Attempt> attempts;               // by attempt id
  std::vector<std::vector<uint64_t>> starts;  // per worker: attempts in the order they started
};

SimResult RunFanout(const Job& job, const SimConfig& cfg, Trace* trace = nullptr) {
  SimResult r;
  Clock::time_point wall0 = Clock::now();
  Scheduler sched(cfg.options);
  const bool homes = !cfg.task_home.empty();
  if (homes && (cfg.task_home.size() != job.tasks.size() || cfg.away_seconds.size() != job.tasks.size() ||
                cfg.worker_home.size() != static_cast<size_t>(cfg.workers))) {
    r.error = "staged run: task_home, away_seconds or worker_home of the wrong size";
    return r;
  }
  for (size_t i = 0; i < job.tasks.size(); ++i) sched.AddTask(job.tasks[i].stored_bytes, homes ? cfg.task_home[i] : -1);

  struct Worker {
    int cores = 0;
    double factor = 1;
    int busy = 0;
    std::deque<uint64_t> queue;
  };
  std::vector<Worker> workers;
  if (trace != nullptr) {
    *trace = Trace{};
    trace->cores = cfg.cores;
    trace->starts.resize(static_cast<size_t>(cfg.workers));
  }
  for (int i = 0; i < cfg.workers; ++i) {
    int id = sched.AddWorker(cfg.cores, homes ? cfg.worker_home[i] : -1);
    if (id != i) {
      r.error = "AddWorker returned an unexpected id";
      return r;
    }
    workers.push_back({cfg.cores, i == cfg.slow_worker ? cfg.slow_factor : 1.0, 0, {}});
  }
  // Lost before the job starts: the coordinator Unpins a home with no live worker.
  std::vector<bool> lost(static_cast<size_t>(cfg.workers), false), unpinned_home;
  for (int w : cfg.lost_workers) {
    if (w < 0 || w >= cfg.workers || lost[w]) {
      r.error = "staged run: a bad lost worker";
      return r;
    }
    lost[w] = true;
    sched.RemoveWorker(w);
    int h = homes ? cfg.worker_home[w] : -1;
    if (h >= 0) {
      sched.Unpin(h);
      if (unpinned_home.size() <= static_cast<size_t>(h)) unpinned_home.resize(h + 1, false);
      unpinned_home[h] = true;
    }
  }
  // A task's duration on a normal core of worker w: away from its piece's holder
  // the piece is staged again first.
  auto away = [&](uint32_t task, int w) { return homes && cfg.task_home[task] != cfg.worker_home[w]; };
  auto task_seconds = [&](uint32_t task, int w) {
    return (away(task, w) ? cfg.away_seconds[task] : job.seconds[task]) * workers[w].factor;
  };
  r.winner.assign(job.tasks.size(), -1);

  // The worker's view of an attempt (st) and the coordinator's (co): sent, its
  // result handled, or cancelled. They differ while a section is in progress.
  enum class St : uint8_t { kNone, kQueued, kRunning, kGone };
  enum class Co : uint8_t { kNone, kSent, kResult, kCancelled };
  struct Att {
    uint32_t task = 0;
    int worker = 0;
    St st = St::kNone;
    Co co = Co::kNone;
  };
  std::vector<Att> att;  // by attempt id (the scheduler numbers them 1, 2, ...; grown as needed)
  auto attempt = [&](uint64_t id) -> Att& {
    if (id >= att.size()) att.resize(std::max<size_t>(id + 1, att.size() * 2));
    return att[id];
  };

  enum class Kind : uint8_t { kDone, kTick, kDeliver };
  struct Ev {
    double t;
    uint64_t seq;
    Kind kind;
    uint64_t attempt;  // kDone
    bool operator>(const Ev& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> events;
  uint64_t seq = 0;

  struct Item {
    double arrival;
    uint64_t attempt;  // 0: Assign only (start of the job, timer tick)
  };
  std::deque<Item> inbox;  // waiting for the coordinator, in arrival order
  bool busy = false;       // a section's frames are on their way (modelled runs)

  std::vector<uint32_t> accepted(job.tasks.size(), 0);
  std::vector<bool> started(job.tasks.size(), false);
  size_t started_tasks = 0;
  const int slots = cfg.cores + std::max(0, cfg.options.extra_slots);
  double done_at = -1;
  // Closes a coordinator section opened at t0; returns its duration.
  auto section = [&](Clock::time_point t0, bool tail) {
    double d = std::chrono::duration<double>(Clock::now() - t0).count();
    r.coord_seconds += d;
    ++r.coord_sections;
    if (tail) {
      r.tail_coord_seconds += d;
      ++r.tail_sections;
    }
    return d;
  };
  std::vector<Assignment> out;
  std::vector<uint64_t> cancel;
  std::vector<std::string> frames;  // task frames "sent" by the last coordinator section
  out.reserve(1024);
  cancel.reserve(16);
  frames.reserve(1024);

  auto start_on_core = [&](uint64_t id, double now) {
    Att& a = att[id];
    Worker& w = workers[a.worker];
    ++w.busy;
    a.st = St::kRunning;
    events.push({now + task_seconds(a.task, a.worker), seq++, Kind::kDone, id});
    if (trace != nullptr) {
      trace->attempts[id].pos = static_cast<uint32_t>(trace->starts[a.worker].size());
      trace->starts[a.worker].push_back(id);
    }
  };
  auto next_local = [&](Worker& w, double now) {
    while (w.busy < w.cores && !w.queue.empty()) {
      uint64_t id = w.queue.front();
      w.queue.pop_front();
      start_on_core(id, now);
    }
  };
  auto free_core = [&](Worker& w, double now) {
    --w.busy;
    next_local(w, now);
  };
  // Coordinator: fill free slots and encode one task frame per new attempt.
  auto assign_and_encode = [&](double now) {
    sched.Assign(now, &out);
    ++r.assign_calls;
    for (const Assignment& a : out) {
      TaskMsg m;
      m.id = a.attempt;
      const exec::Task& t = job.tasks[a.task];
      m.object = job.objects[t.object];
      m.task = t;
      frames.push_back(EncodeTask(m));
    }
  };
  // Workers: the last section's cancel frames arrive and stop their attempts (a
  // running one frees its core, a waiting one leaves the local queue); then its
  // task frames arrive, are decoded, and run or wait.
  auto deliver = [&](double now) {
    for (uint64_t id : cancel) {
      ++r.cancel_frames;
      Att& c = attempt(id);
      Worker& cw = workers[c.worker];
      if (c.st == St::kRunning) {
        c.st = St::kGone;
        ++r.cancelled_running;
        free_core(cw, now);
      } else if (c.st == St::kQueued) {
        c.st = St::kGone;
        cw.queue.erase(std::find(cw.queue.begin(), cw.queue.end(), id));
        ++r.cancelled_queued;
      } else if (c.st == St::kGone && cfg.model_coordinator) {
        ++r.late_cancels;  // it finished while the section ran; its result will be dropped
      } else {
        r.error = "a cancel reached an attempt the worker never had";
        return;
      }
    }
    for (size_t i = 0; i < out.size(); ++i) {
      const Assignment& a = out[i];
      ++r.task_frames;
      r.task_frame_bytes += frames[i].size();
      Result<TaskMsg> m = DecodeTask(std::string_view(frames[i]).substr(5));
      if (!m.ok() || m->id != a.attempt || m->task.begin != job.tasks[a.task].begin) {
        r.error = "a task frame did not decode to what was sent";
        return;
      }
      Att& s = attempt(a.attempt);
      if (s.st != St::kNone || s.co != Co::kSent) {
        r.error = "the scheduler reused an attempt id";
        return;
      }
      s.st = St::kQueued;
      if (!started[a.task]) {
        started[a.task] = true;
        ++started_tasks;
      }
      Worker& w = workers[a.worker];
      w.queue.push_back(a.attempt);
      next_local(w, now);
      if (static_cast<int>(w.queue.size()) + w.busy > slots) {
        r.error = "a worker was given more tasks than its slots";
        return;
      }
    }
  };
  // The coordinator handles the oldest waiting item, starting at `start`.
  auto handle = [&](double start) {
    Item it = inbox.front();
    inbox.pop_front();
    out.clear();
    frames.clear();
    cancel.clear();
    bool tail = started_tasks == job.tasks.size();
    double d;
    if (it.attempt == 0) {
      Clock::time_point t0 = Clock::now();
      assign_and_encode(start);
      d = section(t0, tail);
      if (r.coord_sections == 1) r.first_section_seconds = d;
    } else {
      // The worker's result frame (worker side: not timed).
      std::string done = EncodeDone(DoneMsg{it.attempt, {}, cfg.partial, {}});
      Scheduler::Outcome outcome;
      uint32_t task;
      bool decoded;
      Clock::time_point t0 = Clock::now();
      {
        Result<DoneMsg> m = DecodeDone(std::string_view(done).substr(5));
        decoded = m.ok() && m->id == it.attempt && m->partial.size() == cfg.partial.size();
        task = sched.TaskOf(it.attempt);
        outcome = sched.Complete(it.attempt, start, &cancel);
        for (uint64_t id : cancel) {
          r.cancel_frame_bytes += EncodeCancel(id).size();  // "sent"
          (void)sched.Fail(id, true, "cancelled");
        }
        assign_and_encode(start);
      }
      d = section(t0, tail);
      ++r.results;
      Att& a = att[it.attempt];
      if (!decoded) {
        r.error = "a done frame did not decode to what was sent";
      } else if (outcome == Scheduler::Outcome::kAccepted) {
        if (a.co != Co::kSent) {
          r.error = "Complete accepted an attempt the coordinator did not think running";
        } else if (task >= accepted.size()) {
          r.error = "TaskOf named an unknown task";
        } else if (task != a.task) {
          r.error = "TaskOf disagrees with the task sent";
        } else {
          ++accepted[task];
          r.winner[task] = a.worker;
          if (away(task, a.worker)) {
            ++r.away_tasks;
            r.away_bytes += job.tasks[task].stored_bytes;
          }
        }
        a.co = Co::kResult;
      } else if (outcome == Scheduler::Outcome::kUnknown) {
        // Only a cancelled attempt whose result was already on its way.
        if (a.co == Co::kCancelled && cfg.model_coordinator) {
          ++r.late_results;
        } else {
          r.error = "Complete did not know a running attempt";
        }
      } else {
        a.co = Co::kResult;  // kDuplicate: dropped
      }
      for (uint64_t id : cancel) {
        Att& c = attempt(id);
        if (c.co != Co::kSent) r.error = "asked to cancel an attempt that is not running";
        c.co = Co::kCancelled;
      }
    }
    for (const Assignment& a : out) {
      if (a.worker < 0 || a.worker >= cfg.workers || lost[a.worker]) {
        r.error = "the scheduler named an unknown or removed worker";
        break;
      }
      if (homes) {
        // A pinned task runs only at its home; one taken away is unpinned.
        int h = sched.HomeOf(a.task);
        if (h >= 0 && h != cfg.worker_home[a.worker]) {
          r.error = "a task pinned to a home ran elsewhere";
          break;
        }
        int holder = cfg.task_home[a.task];
        bool holder_unpinned = holder >= 0 && static_cast<size_t>(holder) < unpinned_home.size() && unpinned_home[holder];
        if (!a.backup && holder >= 0 && !holder_unpinned && away(a.task, a.worker) && !started[a.task]) {
          ++r.taken_from_live_homes;
        }
      }
      Att& s = attempt(a.attempt);
      if (s.co != Co::kNone) {
        r.error = "the scheduler reused an attempt id";
        break;
      }
      s.task = a.task;
      s.worker = a.worker;
      s.co = Co::kSent;
    }
    if (trace != nullptr) {
      Trace::Section sec;
      sec.t = start;
      sec.attempt = it.attempt;
      sec.cost = d;
      sec.out_begin = static_cast<uint32_t>(trace->outs.size());
      for (const Assignment& a : out) {
        trace->outs.push_back(a.attempt);
        if (a.attempt >= trace->attempts.size()) {
          trace->attempts.resize(std::max<size_t>(a.attempt + 1, trace->attempts.size() * 2));
        }
        trace->attempts[a.attempt].worker = a.worker;
        trace->attempts[a.attempt].seconds = task_seconds(a.task, a.worker);
      }
      sec.out_end = static_cast<uint32_t>(trace->outs.size());
      sec.cancel_begin = static_cast<uint32_t>(trace->cancels.size());
      trace->cancels.insert(trace->cancels.end(), cancel.begin(), cancel.end());
      sec.cancel_end = static_cast<uint32_t>(trace->cancels.size());
      trace->sections.push_back(sec);
    }
    double end = cfg.model_coordinator ? start + d : start;
    if (done_at < 0 && sched.AllDone()) done_at = end;
    if (end > start) {
      busy = true;
      events.push({end, seq++, Kind::kDeliver, 0});
    } else {
      deliver(start);
    }
  };
  auto drain = [&](double now) {
    while (!busy && !inbox.empty() && r.error.empty() && !sched.AllDone()) handle(now);
  };

  double now = 0;
  inbox.push_back({0, 0});
  drain(0);
  if (cfg.tick > 0) events.push({cfg.tick, seq++, Kind::kTick, 0});

  while (r.error.empty() && !sched.AllDone()) {
    if (cfg.budget > 0 && r.coord_seconds > cfg.budget) {
      r.stopped = true;
      break;
    }
    if (events.empty()) {
      r.error = "the simulation stalled: nothing running and tasks left";
      break;
    }
    Ev e = events.top();
    events.pop();
    if (e.t < now) {
      r.error = "virtual time went backwards";
      break;
    }
    now = e.t;
    if (e.kind == Kind::kTick) {
      inbox.push_back({now, 0});
      events.push({now + cfg.tick, seq++, Kind::kTick, 0});
    } else if (e.kind == Kind::kDeliver) {
      busy = false;
      deliver(now);
    } else {
      Att& a = att[e.attempt];
      if (a.st != St::kRunning) continue;  // cancelled while running: its core was freed then
      a.st = St::kGone;
      free_core(workers[a.worker], now);
      inbox.push_back({now, e.attempt});
    }
    drain(now);
  }
  r.makespan = done_at >= 0 ? done_at : now;
  r.stats = sched.stats();
  r.wall_seconds = std::chrono::duration<double>(Clock::now() - wall0).count();
  if (r.error.empty() && !r.stopped) {
    for (size_t t = 0; t < accepted.size(); ++t) {
      if (accepted[t] != 1) {
        r.error = "task " + std::to_string(t) + " was accepted " + std::to_string(accepted[t]) + " times";
        break;
      }
    }
  }
  if (r.error.empty() && !r.stopped && sched.running() != 0) {
    r.error = std::to_string(sched.running()) + " attempts still running after the last task was accepted";
  }
  return r;
}

// ---------------------------------------------------------------------------
// The coordinator as a single server, replayed on a zero-cost run.
//
// The zero-cost run's decisions are kept (which section sent which attempt to
// which worker, the order in which each worker started its attempts) and only
// its times are recomputed:
// - an item arrives at its fixed time (the start of the job, a timer tick) or
//   when its result's attempt finishes in the replay;
// - the coordinator handles one item at a time, the earliest arrived first
//   (ties: zero-cost order), starting at max(arrival, end of the previous
//   section), for the wall-clock time its section was measured to take;
// - the attempts a section sends (and its cancels) reach the workers when it
//   ends;
// - a worker starts its attempts in the zero-cost order, each at the latest of:
//   its frame's arrival, the previous start, and a core freeing (the earliest
//   of its `cores` cores). So an attempt that reached its worker while the
//   worker still had one queued starts the moment a core frees, however late
//   its frame; only a core with nothing queued waits for the coordinator.
//   A cancelled attempt frees its core at the earlier of its end and its
//   cancel's arrival when the cancel has been handled by the time it starts,
//   else at its end (conservative; the dispatch runs start no backups, so
//   cancel nothing).
// Timer ticks after the zero-cost run's end are not replayed (no work was
// measured for them; they find nothing to do). Every time is a max of sums of
// zero-cost times and non-negative costs, so no section can start before its
// zero-cost time and the makespan cannot shrink; Replay checks the first for
// every section, the caller the second.

struct ReplayResult {
  double makespan = 0;  // when the coordinator had handled every result
  double wait_sum = 0, wait_max = 0;
  double max_other_cost = 0;        // the longest section after the first
  // Core-seconds cores sat idle before their next attempt started: from the
  // core freeing (or time 0) to the start, summed over starts. Idle time in the
  // tail, with nothing left to start, is not counted.
  double starved_core_seconds = 0;
  std::string error;
};

ReplayResult Replay(const Trace& tr, bool zero_costs = false) {
  ReplayResult r;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const size_t n = tr.attempts.size();
  std::vector<double> deliv(n, nan), cancel_at(n, std::numeric_limits<double>::infinity());
  std::vector<uint32_t> section_of(n, UINT32_MAX);  // the section that handled the attempt's result
  for (uint32_t k = 0; k < tr.sections.size(); ++k) {
    if (tr.sections[k].attempt != 0) section_of[tr.sections[k].attempt] = k;
  }
  using Item = std::pair<double, uint32_t>;  // (arrival, section)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> arrived;
  for (uint32_t k = 0; k < tr.sections.size(); ++k) {
    if (tr.sections[k].attempt == 0) arrived.push({tr.sections[k].t, k});
  }
  struct W {
    size_t next = 0;
    double prev_start = 0;
    std::priority_queue<double, std::vector<double>, std::greater<>> free;  // when each core frees
  };
  std::vector<W> ws(tr.starts.size());
  for (W& w : ws) {
    for (int c = 0; c < tr.cores; ++c) w.free.push(0);
  }
  // Starts worker w's attempts, in order, as far as their frames have been sent.
  auto advance = [&](int w) {
    W& s = ws[static_cast<size_t>(w)];
    const std::vector<uint64_t>& order = tr.starts[static_cast<size_t>(w)];
    while (s.next < order.size() && !std::isnan(deliv[order[s.next]])) {
      uint64_t a = order[s.next];
      double core = s.free.top();
      s.free.pop();
      double start = std::max({deliv[a], s.prev_start, core});
      r.starved_core_seconds += start - core;
      double end = std::min(start + tr.attempts[a].seconds, cancel_at[a]);
      s.free.push(end);
      s.prev_start = start;
      ++s.next;
      if (section_of[a] != UINT32_MAX) arrived.push({end, section_of[a]});
    }
  };
  double coord_free = 0;
  size_t handled = 0;
  while (!arrived.empty()) {
    auto [arrival, k] = arrived.top();
    arrived.pop();
    const Trace::Section& sec = tr.sections[k];
    double start = std::max(arrival, coord_free);
    if (start < sec.t) {
      r.error = "replay: a section ran earlier than in the zero-cost run";
      return r;
    }
    r.wait_sum += start - arrival;
    r.wait_max = std::max(r.wait_max, start - arrival);
    if (k > 0) r.max_other_cost = std::max(r.max_other_cost, sec.cost);
    coord_free = start + (zero_costs ? 0.0 : sec.cost);
    r.makespan = std::max(r.makespan, coord_free);
    ++handled;
    for (uint32_t i = sec.cancel_begin; i < sec.cancel_end; ++i) cancel_at[tr.cancels[i]] = coord_free;
    for (uint32_t i = sec.out_begin; i < sec.out_end; ++i) deliv[tr.outs[i]] = coord_free;
    for (uint32_t i = sec.out_begin; i < sec.out_end; ++i) advance(tr.attempts[tr.outs[i]].worker);
  }
  if (handled != tr.sections.size()) r.error = "replay: some results never arrived";
  return r;
}

// ---------------------------------------------------------------------------
// Reporting.

std::string Fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string Fmt(const char* f, ...) {
  va_list ap, ap2;
  va_start(ap, f);
  va_copy(ap2, ap);
  int n = std::vsnprintf(nullptr, 0, f, ap);
  va_end(ap);
  std::string s(static_cast<size_t>(std::max(n, 0)) + 1, '\0');
  std::vsnprintf(s.data(), s.size(), f, ap2);
  va_end(ap2);
  s.resize(static_cast<size_t>(std::max(n, 0)));
  return s;
}

std::string ReadFirst(const char* path, const char* key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      size_t c = line.find(':');
      std::string v = c == std::string::npos ? line : line.substr(c + 1);
      size_t b = v.find_first_not_of(" \t");
      return b == std::string::npos ? "" : v.substr(b);
    }
  }
  return "?";
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The cost of one timed section that does nothing: two steady_clock reads.
double TimerOverhead() {
  const int n = 1000000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    Clock::time_point t0 = Clock::now();
    sum += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return sum / n;
}

struct Options {
  std::string out;
  std::string only;  // "", "dispatch", "taxi" or "staged"
  std::string note;
  int reps = 3;
  int cores = 8;
  std::vector<std::pair<int, uint32_t>> scales;  // dispatch: (workers, tasks); default 1000 x 100000
  double budget = 0;                              // dispatch: coordinator seconds per run, 0: no limit
  double core_gbps = 1.0;       // dispatch: GB/s per core (the main case)
  double alt_core_gbps = 0.4;   // dispatch: a second per-core speed for the overhead on job time; 0: none
  double taxi_core_gbps = 0.4;  // taxi: GB/s per core
  double staged_core_gbps = 1.0;  // staged: L, a piece read at its holder, GB/s of source bytes per core
  // staged: a piece's source read / its local read, per byte (the seed's job over
  // S3 took 80 s where over local files it took 18 s): S = L / this.
  double staged_source_ratio = 80.0 / 18.0;
  double jitter = 0.1;          // dispatch: lognormal sigma of task durations
  double tick = 0.1;
  uint64_t seed = 1;
  std::string dispatch_backups = "both";  // on, off or both
};

int Usage() {
  std::fprintf(stderr,
               "usage: fanout_sim [--out FILE] [--only dispatch|taxi|staged] [--reps N] [--scale WORKERSxTASKS]...\n"
               "                  [--cores N] [--budget SECONDS] [--core-gbps X] [--alt-core-gbps X] [--taxi-core-gbps X]\n"
               "                  [--staged-core-gbps X] [--staged-source-ratio X]\n"
               "                  [--jitter X] [--tick S] [--seed N] [--dispatch-backups on|off|both] [--note TEXT]\n");
  return 2;
}

// ---------------------------------------------------------------------------
// 3. A job over staged data: homes and stealing.
//
// The taxi model's 64 MiB-range tasks are the pieces (`fanout stage` writes one
// piece per task). The stage job is simulated first, on the 12 machines with
// every task reading its range from the source; the worker whose result was
// accepted holds the piece, as the real manifest records. A later job pins each
// piece to its holder. A task costs its bytes / L at its holder, and bytes / S +
// bytes / L anywhere else (the piece staged again from the source, then read).

// The taxi model's tasks; durations not set.
Job TaxiTasks() {
  Job job;
  std::vector<std::pair<std::string, uint64_t>> listing = TaxiListing();
  for (size_t i = 0; i < listing.size(); ++i) {
    job.objects.push_back({io::ObjectInfo{listing[i].first, listing[i].second, Etag(i)}, io::Compression::kNone});
  }
  PlanRanges(&job, 64 * kMiB);
  return job;
}

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

void StagedPart(const Options& o, const std::string& partial, std::ostringstream& md,
                const std::function<void(bool, const std::string&)>& check) {
  const int holders = 12, cores = 8, added = 12;
  const double slow = 5.0;
  const double local_speed = o.staged_core_gbps * kGB;
  const double source_speed = local_speed / o.staged_source_ratio;
  const std::vector<int> steal_factors = {0, 2, 4, 8, 16};
  const int default_factor = SchedulerOptions{}.steal_factor;
  auto factor_name = [&](int f) {
    return f == 0 ? std::string("0 (off)") : f == default_factor ? Fmt("%d (default)", f) : Fmt("%d", f);
  };

  // The stage job: the 12 machines read every range from the source.
  Job job = TaxiTasks();
  Job stage_job = job;
  SetDurations(&stage_job, source_speed, 0, o.seed);
  SimConfig base;
  base.workers = holders;
  base.cores = cores;
  base.tick = o.tick;
  base.partial = partial;
  SimResult stage = RunFanout(stage_job, base);
  double stage_lb = std::max(stage_job.total_seconds / (holders * cores), stage_job.max_task_seconds);
  check(stage.error.empty(), "staged: the stage job: " + stage.error);
  check(stage.makespan >= stage_lb * (1 - 1e-9), "staged: the stage job: makespan below the lower bound");
  std::vector<int> holder = stage.winner;
  std::vector<uint64_t> held_bytes(holders, 0);
  std::vector<int> held_pieces(holders, 0);
  uint64_t total_bytes = 0;
  for (size_t t = 0; t < holder.size(); ++t) {
    if (holder[t] < 0 || holder[t] >= holders) {
      check(false, "staged: a piece of the stage job has no holder");
      return;
    }
    held_bytes[holder[t]] += job.tasks[t].stored_bytes;
    ++held_pieces[holder[t]];
    total_bytes += job.tasks[t].stored_bytes;
  }
  SetDurations(&job, local_speed, 0, o.seed);

  struct Run {
    SimConfig cfg;
    SimResult r;
    double lb = 0;
  };
  // holder i is home i and worker i; added machine j is worker and home 12 + j
  // (a home that holds no piece behaves as none).
  auto run = [&](const std::string& name, int n_added, int steal, int slow_holder, const std::vector<int>& lost,
                 const std::vector<int>& task_home, double source_ratio) {
    Run x;
    SimConfig& c = x.cfg;
    c = base;
    c.workers = holders + n_added;
    c.options.steal_factor = steal;
    c.slow_worker = slow_holder;
    c.slow_factor = slow_holder >= 0 ? slow : 1.0;
    c.task_home = task_home;
    for (int w = 0; w < c.workers; ++w) c.worker_home.push_back(w);
    for (double s : job.seconds) c.away_seconds.push_back(s * (1 + source_ratio));
    c.lost_workers = lost;
    x.r = RunFanout(job, c);
    x.lb = StagedLowerBound(job, c);
    check(x.r.error.empty(), name + ": " + x.r.error);
    check(x.r.makespan >= x.lb * (1 - 1e-9), name + ": makespan below the lower bound");
    check(x.r.stats.stolen == x.r.taken_from_live_homes,
          name + ": Stats::stolen is not the number of pinned tasks that ran away from a live home");
    check(steal > 0 || x.r.stats.stolen == 0, name + ": a task stolen with steal_factor 0");
    return x;
  };
  // The stage as a run left it: a piece that ran away from its holder is held
  // where it ran (the manifest records the new holder).
  auto moved = [&](const Run& x) {
    std::vector<int> h = x.cfg.task_home;
    for (size_t t = 0; t < h.size(); ++t) {
      int w = x.r.winner[t];
      if (w >= 0 && x.cfg.worker_home[w] != h[t]) h[t] = x.cfg.worker_home[w];
    }
    return h;
  };
  auto away_share = [&](const Run& x) { return 100.0 * static_cast<double>(x.r.away_bytes) / total_bytes; };
  const double r0 = o.staged_source_ratio;

  md << "## 3. A job over staged data (homes and stealing)\n\n";
  md << Fmt("Pieces: the taxi model's %zu tasks of at most 64 MiB (`fanout stage` writes one piece per task), "
            "%.2f GB of source ranges. Holders: the stage job simulated on %d machines x %d cores, every task "
            "reading its range from the source (bytes / S); each piece is held by the worker whose result was "
            "accepted. Stage job: %.2f s (lower bound %.2f s); the holders got %.2f .. %.2f GB (%d .. %d "
            "pieces). A later job pins each piece to its holder. Per core: a piece read at its holder costs "
            "its bytes at L = %.2f GB/s; anywhere else it is staged again first: bytes at S = L / %.2f = %.3f "
            "GB/s (the source), plus the local read, %.2fx a read at home in all. No failures, no latency; "
            "lower bounds in README.\n\n",
            job.tasks.size(), static_cast<double>(total_bytes) / kGB, holders, cores, stage.makespan, stage_lb,
            *std::min_element(held_bytes.begin(), held_bytes.end()) / kGB,
            *std::max_element(held_bytes.begin(), held_bytes.end()) / kGB,
            *std::min_element(held_pieces.begin(), held_pieces.end()),
            *std::max_element(held_pieces.begin(), held_pieces.end()), o.staged_core_gbps, r0,
            o.staged_core_gbps / r0, 1 + r0);

  // a), b), c): the 12 holders alone, then with 12 machines added.
  md << "### The 12 holders, alone and with 12 machines added\n\n";
  md << "| case | machines | steal_factor | makespan s | lower bound s | vs lower bound | vs a) | tasks stolen | "
        "bytes read away from home | backups started / won | next job s |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  Run a = run("staged a)", 0, default_factor, -1, {}, holder, r0);
  auto row_abc = [&](const char* label, const char* machines, int f, const Run& x) {
    Run next = run(std::string("staged ") + label + ", next job", x.cfg.workers - holders, f, -1, {}, moved(x), r0);
    md << Fmt("| %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %llu | %.1f %% | %llu / %llu | %.3f |\n", label,
              machines, factor_name(f).c_str(), x.r.makespan, x.lb, x.r.makespan / x.lb, x.r.makespan / a.r.makespan,
              static_cast<unsigned long long>(x.r.stats.stolen), away_share(x),
              static_cast<unsigned long long>(x.r.stats.backups), static_cast<unsigned long long>(x.r.stats.backups_won),
              next.r.makespan);
  };
  row_abc("a) holders alone", "12", default_factor, a);
  row_abc("a') holders alone", "12", 0, run("staged a')", 0, 0, -1, {}, holder, r0));
  std::vector<double> c_makespan;
  for (int f : steal_factors) {
    Run x = run(Fmt("staged c) steal_factor %d", f), added, f, -1, {}, holder, r0);
    c_makespan.push_back(x.r.makespan);
    row_abc(f == 0 ? "b) + 12 added" : "c) + 12 added", "12 + 12", f, x);
  }
  md << "\n";

  // d): one holder 5x slower, each of the 12 in turn.
  md << "### One holder 5x slower (12 machines)\n\n";
  md << "Every task on the slow holder takes 5x as long (the stage was made before it slowed down). Each row: 12 "
        "runs, each holder the slow one in turn; min / mean / max.\n\n";
  md << "| steal_factor | makespan s min | mean | max | mean vs off | lower bound s (mean) | mean vs lower bound | "
        "tasks stolen (mean) | bytes read away from home (mean) | backups started / won (sum) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<double> d_mean;
  for (int f : steal_factors) {
    std::vector<double> m;
    double lb = 0, vs = 0, stolen = 0, share = 0;
    uint64_t backups = 0, won = 0;
    for (int w = 0; w < holders; ++w) {
      Run x = run(Fmt("staged d) holder %d slow, steal_factor %d", w, f), 0, f, w, {}, holder, r0);
      m.push_back(x.r.makespan);
      lb += x.lb / holders;
      vs += x.r.makespan / x.lb / holders;
      stolen += static_cast<double>(x.r.stats.stolen) / holders;
      share += away_share(x) / holders;
      backups += x.r.stats.backups;
      won += x.r.stats.backups_won;
    }
    double mean = std::accumulate(m.begin(), m.end(), 0.0) / holders;
    d_mean.push_back(mean);
    md << Fmt("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f %% | %llu / %llu |\n",
              factor_name(f).c_str(), *std::min_element(m.begin(), m.end()), mean,
              *std::max_element(m.begin(), m.end()), mean / d_mean.front(), lb, vs, stolen, share,
              static_cast<unsigned long long>(backups), static_cast<unsigned long long>(won));
  }
  md << "\n";

  // e): 3 holders lost at the start; the coordinator Unpins their homes.
  md << "### 3 of the 12 holders lost at the start (9 left)\n\n";
  md << "Holders 0, 1 and 2 are removed before the first Assign and their homes Unpinned, as the coordinator "
        "does for a holder with no live worker: their pieces are staged again by whoever runs them.\n\n";
  md << "| steal_factor | makespan s | lower bound s | vs lower bound | pieces of lost holders | tasks stolen | "
        "bytes read away from home |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (int f : steal_factors) {
    Run x = run(Fmt("staged e) steal_factor %d", f), 0, f, -1, {0, 1, 2}, holder, r0);
    uint64_t orphans = 0;
    for (int h : holder) orphans += h <= 2 ? 1 : 0;
    md << Fmt("| %s | %.3f | %.3f | %.3f | %llu | %llu | %.1f %% |\n", factor_name(f).c_str(), x.r.makespan, x.lb,
              x.r.makespan / x.lb, static_cast<unsigned long long>(orphans),
              static_cast<unsigned long long>(x.r.stats.stolen), away_share(x));
  }
  md << "\n";

  // Sensitivity: the same sweeps at other costs of staging a piece again.
  md << "### The steal factor against the cost of staging a piece again\n\n";
  md << "Makespan s by steal_factor, for three values of S = L / ratio (a stolen piece costs 1 + ratio reads at "
        "home); the best of each row in bold. Rows \"12 + 12\": case c); rows \"holder 0 slow\": case d) with "
        "holder 0 the slow one (the table above gives the spread over the 12). Last row: for each steal_factor, "
        "its largest excess over the best of a row, over the six rows.\n\n";
  md << "| cluster | source ratio (away cost) |";
  for (int f : steal_factors) md << " " << factor_name(f) << " |";
  md << "\n|---|---|";
  for (size_t i = 0; i < steal_factors.size(); ++i) md << "---:|";
  md << "\n";
  std::vector<double> ratios = {2.0, r0, 10.0};
  std::vector<double> worst(steal_factors.size(), 0);  // largest makespan / best of its row
  for (int cluster = 0; cluster < 2; ++cluster) {
    for (double ratio : ratios) {
      std::vector<double> v;
      for (int f : steal_factors) {
        Run x = cluster == 0
                    ? run(Fmt("staged sensitivity 12+12, ratio %.2f, steal_factor %d", ratio, f), added, f, -1, {},
                          holder, ratio)
                    : run(Fmt("staged sensitivity holder 0 slow, ratio %.2f, steal_factor %d", ratio, f), 0, f, 0, {},
                          holder, ratio);
        v.push_back(x.r.makespan);
      }
      double best = *std::min_element(v.begin(), v.end());
      md << Fmt("| %s | %.2f (%.2fx) |", cluster == 0 ? "12 + 12" : "12, holder 0 slow", ratio, 1 + ratio);
      for (size_t i = 0; i < v.size(); ++i) {
        md << (v[i] == best ? Fmt(" **%.3f** |", v[i]) : Fmt(" %.3f |", v[i]));
        worst[i] = std::max(worst[i], v[i] / best);
      }
      md << "\n";
    }
  }
  md << "| worst vs the best of its row | |";
  for (double w : worst) md << Fmt(" +%.1f %% |", 100 * (w - 1));
  md << "\n\n";

  // The default against the best of the sweeps above (c and d).
  auto at = [&](const std::vector<double>& v, int f) {
    return v[std::find(steal_factors.begin(), steal_factors.end(), f) - steal_factors.begin()];
  };
  size_t best_c = std::min_element(c_makespan.begin(), c_makespan.end()) - c_makespan.begin();
  size_t best_d = std::min_element(d_mean.begin(), d_mean.end()) - d_mean.begin();
  size_t best_worst = std::min_element(worst.begin(), worst.end()) - worst.begin();
  md << Fmt("Default steal_factor %d, source ratio %.2f: 12 + 12 %.3f s (best: %d, %.3f s; off: %.3f s); one holder "
            "5x slower %.3f s mean (best: %d, %.3f s; off: %.3f s). Over the six rows of the last table steal_factor "
            "%d has the smallest worst excess over the best of a row (+%.1f %%)%s.\n\n",
            default_factor, r0, at(c_makespan, default_factor), steal_factors[best_c], c_makespan[best_c],
            at(c_makespan, 0), at(d_mean, default_factor), steal_factors[best_d], d_mean[best_d], at(d_mean, 0),
            steal_factors[best_worst], 100 * (worst[best_worst] - 1),
            steal_factors[best_worst] == default_factor
                ? ""
                : Fmt("; the default's is +%.1f %%", 100 * (at(worst, default_factor) - 1)).c_str());
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fanout_sim: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--out") o.out = val();
    else if (a == "--only") o.only = val();
    else if (a == "--note") o.note = val();
    else if (a == "--reps") o.reps = std::max(1, std::atoi(val()));
    else if (a == "--scale") {
      const char* v = val();
      char* end = nullptr;
      long w = std::strtol(v, &end, 10);
      long t = (end && *end == 'x') ? std::strtol(end + 1, &end, 10) : 0;
      if (w < 1 || t < 1 || t > 100000000 || (end && *end)) return Usage();
      o.scales.emplace_back(static_cast<int>(w), static_cast<uint32_t>(t));
    }
    else if (a == "--budget") o.budget = std::atof(val());
    else if (a == "--cores") o.cores = std::max(1, std::atoi(val()));
    else if (a == "--core-gbps") o.core_gbps = std::atof(val());
    else if (a == "--alt-core-gbps") o.alt_core_gbps = std::atof(val());
    else if (a == "--taxi-core-gbps") o.taxi_core_gbps = std::atof(val());
    else if (a == "--staged-core-gbps") o.staged_core_gbps = std::atof(val());
    else if (a == "--staged-source-ratio") o.staged_source_ratio = std::atof(val());
    else if (a == "--jitter") o.jitter = std::atof(val());
    else if (a == "--tick") o.tick = std::atof(val());
    else if (a == "--seed") o.seed = std::strtoull(val(), nullptr, 10);
    else if (a == "--dispatch-backups") o.dispatch_backups = val();
    else if (a == "-h" || a == "--help") return Usage();
    else {
      std::fprintf(stderr, "fanout_sim: unknown argument %s\n", a.c_str());
      return Usage();
    }
  }
  if (o.core_gbps <= 0 || o.alt_core_gbps < 0 || o.taxi_core_gbps <= 0 || o.staged_core_gbps <= 0 ||
      o.staged_source_ratio <= 0 || (o.only != "" && o.only != "dispatch" && o.only != "taxi" && o.only != "staged") ||
      (o.dispatch_backups != "on" && o.dispatch_backups != "off" && o.dispatch_backups != "both")) {
    return Usage();
  }
  if (o.scales.empty()) o.scales.emplace_back(1000, 100000);

  std::vector<std::string> failures;
  int stopped_runs = 0;
  std::ostringstream md;  // the results, markdown; also printed
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  };
  auto pass = [](bool ok) { return ok ? "**met**" : "**missed**"; };
  const std::string partial(200, 'p');

  // ---- 1. Dispatch ------------------------------------------------------
  // Per scale: the dispatch rate (zero-cost runs at the main per-core speed) and,
  // at each per-core speed, the makespan with the coordinator modelled as a
  // single server against the zero-cost one.
  std::vector<double> speeds = {o.core_gbps};
  if (o.alt_core_gbps > 0 && o.alt_core_gbps != o.core_gbps) speeds.push_back(o.alt_core_gbps);
  std::string overhead_rows;  // the summary table over all scales
  auto dispatch = [&](int n_workers, uint32_t n_tasks) {
    double total_cores = static_cast<double>(n_workers) * o.cores;
    double timer = TimerOverhead();
    struct Variant {
      const char* name;
      const char* short_name;
      bool backups;
    };
    std::vector<Variant> variants;
    if (o.dispatch_backups != "off") variants.push_back({"default options (backups on)", "on", true});
    if (o.dispatch_backups != "on") variants.push_back({"backups off", "off", false});
    std::string rows, notes, details;
    Job main_job;
    double frame_bytes = 0;
    for (double gbps : speeds) {
      const bool main_speed = gbps == speeds.front();
      Job job = DispatchJob(n_tasks, gbps * kGB, o.jitter, o.seed);
      double task_ms = 1000.0 * (64.0 * kMiB) / (gbps * kGB);
      double lb = std::max(job.total_seconds / total_cores, job.max_task_seconds);
      double demand = total_cores / (task_ms / 1000);
      if (main_speed) main_job = job;
      for (const Variant& v : variants) {
        SimConfig cfg;
        cfg.workers = n_workers;
        cfg.cores = o.cores;
        cfg.options.backups = v.backups;
        cfg.tick = o.tick;
        cfg.partial = partial;
        cfg.budget = o.budget;
        SimConfig mcfg = cfg;
        mcfg.model_coordinator = true;
        std::string name = Fmt("dispatch %dx%u at %.2f GB/s per core (%s)", n_workers, n_tasks, gbps, v.name);
        std::vector<double> coord, wall, mspan, over, live, firsts;
        double zero_starved = 0;
        std::vector<ReplayResult> replays;
        SimResult zero;
        bool stopped = false;
        Trace trace;
        for (int rep = 0; rep < o.reps; ++rep) {
          SimResult z = RunFanout(job, cfg, &trace);
          check(z.error.empty(), name + ", zero-cost: " + z.error);
          check(z.stopped || z.makespan >= lb * (1 - 1e-9), name + ", zero-cost: makespan below the lower bound");
          if (rep > 0 && !z.stopped && (z.makespan != zero.makespan || z.stats.attempts != zero.stats.attempts)) {
            failures.push_back(name + ": two zero-cost runs of the same simulation differ");
          }
          coord.push_back(z.coord_seconds);
          wall.push_back(z.wall_seconds);
          zero = z;
          if (z.stopped) {
            std::fprintf(stderr, "%s run %d: stopped by --budget after %.3f s of coordinator time\n", name.c_str(),
                         rep + 1, z.coord_seconds);
            ++stopped_runs;
            stopped = true;
            break;  // one is enough to know it is over budget
          }
          // The overhead: the same run, the coordinator's measured costs fed into virtual time.
          firsts.push_back(z.first_section_seconds);
          if (rep == 0) {
            ReplayResult same = Replay(trace, true);
            zero_starved = same.starved_core_seconds;
            check(same.error.empty() && same.makespan == z.makespan,
                  name + Fmt(": the replay with zero costs does not reproduce the zero-cost run (%.9f s, not %.9f "
                             "s) %s",
                             same.makespan, z.makespan, same.error.c_str()));
          }
          ReplayResult rp = Replay(trace);
          check(rp.error.empty(), name + ": " + rp.error);
          check(rp.makespan >= z.makespan,
                name + Fmt(": modelling the coordinator made the makespan shorter (%.9f s) than the zero-cost one "
                           "(%.9f s)",
                           rp.makespan, z.makespan));
          mspan.push_back(rp.makespan);
          over.push_back(rp.makespan / z.makespan - 1);
          replays.push_back(rp);
          // Sensitivity: the live scheduler reacting to the same kind of delays.
          SimResult m = RunFanout(job, mcfg);
          check(m.error.empty(), name + ", live coordinator model: " + m.error);
          if (m.stopped) {
            ++stopped_runs;
            stopped = true;
            break;
          }
          check(m.makespan >= lb * (1 - 1e-9), name + ", live coordinator model: makespan below the lower bound");
          live.push_back(m.makespan / z.makespan - 1);
          std::fprintf(stderr,
                       "%s run %d: zero-cost makespan %.6f s, coordinator %.3f s; modelled makespan %.6f s "
                       "(overhead %+.3f %%; first section %.2f ms, longest other %.1f us); live model %.6f s "
                       "(%+.3f %%); whole sims %.2f + %.2f s\n",
                       name.c_str(), rep + 1, z.makespan, z.coord_seconds, rp.makespan, 100 * over.back(),
                       1e3 * z.first_section_seconds, 1e6 * rp.max_other_cost, m.makespan, 100 * live.back(),
                       z.wall_seconds, m.wall_seconds);
        }
        std::string cluster = Fmt("%d x %d, %u tasks", n_workers, o.cores, n_tasks);
        std::string speed = Fmt("%.2f (%.0f ms)", gbps, task_ms);

        // The dispatch-rate table: zero-cost runs at the main speed.
        if (main_speed && stopped && zero.stopped) {
          rows += Fmt("| %s | > %.1f (stopped after %llu of %u results) | < %.0f | > %.0f | | (%.3f when stopped) | "
                      "%.3f | n/a | %llu | %llu | %.2f |\n",
                      v.name, zero.coord_seconds, static_cast<unsigned long long>(zero.results), n_tasks,
                      n_tasks / zero.coord_seconds, 1e6 * zero.coord_seconds / n_tasks, zero.makespan, lb,
                      static_cast<unsigned long long>(zero.coord_sections),
                      static_cast<unsigned long long>(zero.stats.backups), zero.wall_seconds);
          notes += Fmt("- %s: **stopped** by --budget after %.1f s of coordinator time with %llu of %u results "
                       "handled: under %.0f tasks/s, target >= 20,000 tasks/s **missed**.\n",
                       v.name, zero.coord_seconds, static_cast<unsigned long long>(zero.results), n_tasks,
                       n_tasks / zero.coord_seconds);
        } else if (main_speed) {
          double c = Median(coord), cmin = *std::min_element(coord.begin(), coord.end());
          double net = c - timer * static_cast<double>(zero.coord_sections);
          double rate = n_tasks / c;
          frame_bytes = static_cast<double>(zero.task_frame_bytes) / std::max<uint64_t>(1, zero.task_frames);
          rows += Fmt("| %s | %.3f (%.3f) | %.0f (%.0f) | %.2f | %.0f | %.4f | %.3f | %.1f %% | %llu | %llu | %.2f |\n",
                      v.name, c, cmin, rate, n_tasks / cmin, 1e6 * c / n_tasks, n_tasks / net, zero.makespan, lb,
                      100 * c / zero.makespan, static_cast<unsigned long long>(zero.coord_sections),
                      static_cast<unsigned long long>(zero.stats.backups), Median(wall));
          notes += Fmt("- %s: target >= 20,000 tasks/s %s (%.0f tasks/s, median). Coordinator utilization "
                       "%.1f %% (busy time / zero-cost makespan; not the overhead on the job time: see the "
                       "overhead table).\n",
                       v.name, pass(rate >= 20000), rate, 100 * c / zero.makespan);
          uint64_t queued_sections = zero.coord_sections - zero.tail_sections;
          notes += Fmt("  Last run: %.3f s of coordinator time in %llu sections while tasks were queued (%.2f us "
                       "each), %.3f s in %llu sections of the tail, after every task had started (%.2f us each); "
                       "the Assign at the start (%llu tasks, %d per worker) took %.2f ms.\n",
                       zero.coord_seconds - zero.tail_coord_seconds, static_cast<unsigned long long>(queued_sections),
                       1e6 * (zero.coord_seconds - zero.tail_coord_seconds) / std::max<double>(1, queued_sections),
                       zero.tail_coord_seconds, static_cast<unsigned long long>(zero.tail_sections),
                       1e6 * zero.tail_coord_seconds / std::max<double>(1, static_cast<double>(zero.tail_sections)),
                       static_cast<unsigned long long>(std::min<double>(n_tasks, total_cores + n_workers)),
                       o.cores + 1, 1e3 * zero.first_section_seconds);
        }

        // The overhead on job time.
        if (stopped) {
          overhead_rows += Fmt("| %s | %s | %s | n/a | n/a | %s | n/a (stopped by --budget) | n/a | **missed** | |\n",
                               cluster.c_str(), speed.c_str(), v.short_name,
                               zero.stopped ? "n/a" : Fmt("%.4f", zero.makespan).c_str());
          details += Fmt("- %.2f GB/s per core, %s: stopped by --budget; no overhead figure.\n", gbps, v.name);
          continue;
        }
        // The run with the median overhead, for the details.
        std::vector<size_t> idx(over.size());
        for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return over[a] < over[b]; });
        size_t med = idx[(idx.size() - 1) / 2];
        const ReplayResult& rp = replays[med];
        double ov = Median(over), ov_max = *std::max_element(over.begin(), over.end());
        double c = Median(coord);
        overhead_rows += Fmt("| %s | %s | %s | %.2f | %.1f %% | %.4f | %.4f (%.4f) | **%.2f %%** (%.2f %%) | %s | "
                             "%+.2f %% .. %+.2f %% |\n",
                             cluster.c_str(), speed.c_str(), v.short_name, 1e6 * c / n_tasks,
                             100 * c / zero.makespan, zero.makespan, Median(mspan),
                             *std::max_element(mspan.begin(), mspan.end()), 100 * ov, 100 * ov_max,
                             pass(ov_max < 0.01), 100 * *std::min_element(live.begin(), live.end()),
                             100 * *std::max_element(live.begin(), live.end()));
        details += Fmt("- %.2f GB/s per core (%.1f ms a task; the cluster finishes %.0f tasks/s; one coordinator "
                       "core keeps up below %.2f us per task), %s: overhead %.3f %% median, %.3f %% max over %zu "
                       "runs (target < 1 %%: %s). Median run: the makespan grew by %.2f ms, and the start-of-job "
                       "Assign alone took %.2f ms (every core waits for it); an item waited for the coordinator "
                       "%.3f us on average, %.1f us at most (the longest section after the first: %.1f us); cores "
                       "sat idle waiting for a "
                       "task %.1f core-ms (%.1f core-ms with zero cost; %.3f %% of cores x makespan). Live "
                       "scheduler: makespan %+.2f %% .. %+.2f %%.\n",
                       gbps, task_ms, demand, 1e6 / demand, v.name, 100 * ov, 100 * ov_max, over.size(),
                       pass(ov_max < 0.01), 1e3 * (rp.makespan - zero.makespan), 1e3 * firsts[med],
                       1e6 * rp.wait_sum / static_cast<double>(std::max<size_t>(1, trace.sections.size())),
                       1e6 * rp.wait_max, 1e6 * rp.max_other_cost,
                       1e3 * rp.starved_core_seconds, 1e3 * zero_starved,
                       100 * rp.starved_core_seconds / (total_cores * rp.makespan),
                       100 * *std::min_element(live.begin(), live.end()),
                       100 * *std::max_element(live.begin(), live.end()));
      }
    }
    double main_task_ms = 1000.0 * (64.0 * kMiB) / (o.core_gbps * kGB);
    md << Fmt("### %d workers x %d cores, %u tasks\n\n", n_workers, o.cores, n_tasks);
    md << Fmt("%u tasks of 64 MiB (%zu objects of up to 4 GiB, 64 ranges each), lognormal jitter on each task's "
              "duration (sigma %.2f, seed %llu). Dispatch rate at %.2f GB/s per core (a task takes %.1f ms on "
              "average), zero-cost runs: median of %d runs (min in brackets). Timer cost per section: %.0f ns, "
              "subtracted in the \"net\" column.%s\n\n",
              n_tasks, main_job.objects.size(), o.jitter, static_cast<unsigned long long>(o.seed), o.core_gbps,
              main_task_ms, o.reps, timer * 1e9,
              o.budget > 0 ? Fmt(" A run stops once the coordinator has used %.0f s.", o.budget).c_str() : "");
    md << "| options | coordinator s, median (min) | tasks/s | us/task | net tasks/s | makespan s (zero-cost) | "
          "lower bound s | coordinator utilization | timed sections | backups | whole sim wall s |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    md << rows << "\n" << notes;
    md << Fmt("- Task frames: %.0f bytes on average.\n\n", frame_bytes);
    md << "Overhead on job time (the coordinator replayed as a single server; the table above):\n\n" << details
       << "\n";
  };
  if (o.only.empty() || o.only == "dispatch") {
    std::string before = md.str();
    md.str("");
    for (const auto& [w, t] : o.scales) dispatch(w, t);
    std::string per_scale = md.str();
    md.str("");
    md << before;
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
                                      speeds[1]).c_str()
                                : "");
    md << "| cluster (workers x cores) | GB/s per core (task ms) | backups | coordinator us/task | coordinator "
          "utilization | makespan s, zero-cost | makespan s, coordinator modelled, median (max) | overhead, "
          "median (max) | overhead < 1 % (max) | live scheduler: makespan change, min .. max |\n"
          "|---|---:|---|---:|---:|---:|---:|---:|---|---:|\n";
    md << overhead_rows << "\n" << per_scale;
  }

  // ---- 2. Taxi makespan ---------------------------------------------------
  if (o.only.empty() || o.only == "taxi") {
    const int machines = 12, cores = 8;
    const double speed = o.taxi_core_gbps * kGB;
    std::vector<std::pair<std::string, uint64_t>> listing = TaxiListing();
    Job job;
    std::vector<double> file_seconds;
    uint64_t total = 0, largest = 0;
    for (size_t i = 0; i < listing.size(); ++i) {
      job.objects.push_back({io::ObjectInfo{listing[i].first, listing[i].second, Etag(i)}, io::Compression::kNone});
      file_seconds.push_back(static_cast<double>(listing[i].second) / speed);
      total += listing[i].second;
      largest = std::max(largest, listing[i].second);
    }
    check(listing.size() == 138, "taxi model: not 138 objects");
    check(std::fabs(static_cast<double>(total) / kGB - 251) <= 2.51, "taxi model: total not 251 GB +- 1 %");
    check(largest == 2990000000ull, "taxi model: largest not 2.99 GB");
    PlanRanges(&job, 64 * kMiB);
    SetDurations(&job, speed, 0, o.seed);

    double all_cores = machines * cores;
    double lb_work = job.total_seconds / all_cores;
    double lb = std::max(lb_work, job.max_task_seconds);
    double lb_static = std::max(lb_work, *std::max_element(file_seconds.begin(), file_seconds.end()));
    const double slow = 5.0;
    double slow_cores = (machines - 1) * cores + cores / slow;
    double lb_slow = std::max(job.total_seconds / slow_cores, job.max_task_seconds);
    double lb_static_slow = std::max(job.total_seconds / slow_cores, *std::max_element(file_seconds.begin(), file_seconds.end()));

    md << "## 2. Makespan on the NYC yellow-taxi listing (a model of it)\n\n";
    md << Fmt("%zu objects, %.2f GB, the largest %.2f GB (sizes modelled from the known facts of the listing, "
              "not the listing itself: see README). %d workers x %d cores, %.2f GB/s per core. fanout: %zu tasks "
              "of at most 64 MiB. Lower bound: total work / %d cores = %.2f s; largest task %.3f s (fanout), "
              "largest file %.2f s (static).\n\n",
              listing.size(), static_cast<double>(total) / kGB, static_cast<double>(largest) / kGB, machines,
              cores, o.taxi_core_gbps, job.tasks.size(), machines * cores, lb_work, job.max_task_seconds,
              *std::max_element(file_seconds.begin(), file_seconds.end()));

    SimConfig base;
    base.workers = machines;
    base.cores = cores;
    base.tick = o.tick;
    base.partial = partial;

    auto run = [&](SimConfig cfg, const std::string& name, double bound) {
      SimResult r = RunFanout(job, cfg);
      check(r.error.empty(), name + ": " + r.error);
      check(r.makespan >= bound * (1 - 1e-9), name + ": makespan below the lower bound");
      return r;
    };

    // a) and b): every worker at full speed.
    StaticResult st = RunStatic(file_seconds, machines, cores, -1, 1.0);
    check(st.makespan >= lb_static * (1 - 1e-9), "static: makespan below the lower bound");
    SimResult fb = run(base, "fanout", lb);
    double ratio = fb.makespan / st.makespan;
    md << "### All 12 workers at full speed\n\n";
    md << "| schedule | makespan s | vs lower bound | backups started / won |\n|---|---:|---:|---:|\n";
    md << Fmt("| lower bound (work / cores) | %.2f | 1.00 | |\n", lb);
    md << Fmt("| a) static chunking (seed) | %.2f | %.2f | |\n", st.makespan, st.makespan / lb);
    md << Fmt("| b) fanout (backups on, default) | %.2f | %.2f | %llu / %llu |\n", fb.makespan, fb.makespan / lb,
              static_cast<unsigned long long>(fb.stats.backups), static_cast<unsigned long long>(fb.stats.backups_won));
    SimConfig nb = base;
    nb.options.backups = false;
    SimResult fnb = run(nb, "fanout no backups", lb);
    md << Fmt("| b') fanout, backups off | %.2f | %.2f | |\n", fnb.makespan, fnb.makespan / lb);
    md << Fmt("\nb/a = %.3f (target <= 0.6: %s).\n\n", ratio, pass(ratio <= 0.6));
    md << "Static chunking, each machine's finish time (s):";
    for (size_t m = 0; m < st.machine_end.size(); ++m) md << Fmt(" %.1f", st.machine_end[m]);
    md << "\n\n";

    // c): one worker 5x slower, for each choice of the slow worker.
    struct Agg {
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
    };
    Agg a_st, a_nb, a_b;
    for (int w = 0; w < machines; ++w) {
      StaticResult s = RunStatic(file_seconds, machines, cores, w, slow);
      check(s.makespan >= lb_static_slow * (1 - 1e-9), "static slow: makespan below the lower bound");
      a_st.Add(s.makespan);
      SimConfig c = base;
      c.slow_worker = w;
      c.slow_factor = slow;
      c.options.backups = false;
      SimResult r1 = run(c, "fanout slow, no backups", lb_slow);
      a_nb.Add(r1.makespan);
      c.options.backups = true;
      SimResult r2 = run(c, "fanout slow, backups", lb_slow);
      a_b.Add(r2.makespan);
      a_b.backups += r2.stats.backups;
      a_b.won += r2.stats.backups_won;
      a_b.cancelled += r2.cancelled_running + r2.cancelled_queued;
    }
    md << "### One worker 5x slower\n\n";
    md << Fmt("Every task on the slow worker takes 5x as long. Each schedule is run 12 times, once with each "
              "worker (for static chunking: each chunk) being the slow one; min / mean / max over the 12. Lower "
              "bound: total work / %.1f core-equivalents = %.2f s.\n\n",
              slow_cores, lb_slow);
    md << "| schedule | makespan s min | mean | max | mean vs static | backups started / won (sum of 12 runs) |\n";
    md << "|---|---:|---:|---:|---:|---:|\n";
    md << Fmt("| static chunking (seed) | %.2f | %.2f | %.2f | 1.00 | |\n", a_st.Min(), a_st.Mean(), a_st.Max());
    md << Fmt("| fanout, backups off | %.2f | %.2f | %.2f | %.3f | |\n", a_nb.Min(), a_nb.Mean(), a_nb.Max(),
              a_nb.Mean() / a_st.Mean());
    md << Fmt("| fanout, backups on | %.2f | %.2f | %.2f | %.3f | %llu / %llu |\n", a_b.Min(), a_b.Mean(), a_b.Max(),
              a_b.Mean() / a_st.Mean(), static_cast<unsigned long long>(a_b.backups),
              static_cast<unsigned long long>(a_b.won));
    md << "\n";
    auto list = [&](const Agg& g) {
      std::string l;
      for (double x : g.v) l += Fmt(" %.3f", x);
      return l;
    };
    md << "Makespan (s) with worker 0, 1, ..., 11 the slow one:\n\n";
    md << "- static:" << list(a_st) << "\n- fanout, backups off:" << list(a_nb) << "\n- fanout, backups on:" << list(a_b)
       << "\n\n";
    md << "Slow worker = worker 0 (static: it gets the first chunk, 2009's files):\n\n";
    md << Fmt("| static %.2f s | fanout, backups off %.2f s | fanout, backups on %.2f s |\n|---:|---:|---:|\n\n",
              a_st.v[0], a_nb.v[0], a_b.v[0]);
  }

  // ---- 3. Staged data -------------------------------------------------------
  if (o.only.empty() || o.only == "staged") StagedPart(o, partial, md, check);

  if (!failures.empty()) {
    md << "## Sanity checks FAILED\n\n";
    for (const std::string& f : failures) md << "- " << f << "\n";
  } else {
    md << "Sanity checks passed: every task accepted exactly once in every finished run (zero-cost and live), "
          "every makespan at or above its lower bound, repeated zero-cost runs identical, the replay with zero "
          "costs reproduces the zero-cost makespan exactly, no replayed section earlier than in the zero-cost run "
          "and every modelled makespan at or above the zero-cost one.";
    if (o.only.empty() || o.only == "staged") {
      md << " Staged runs (part 3): no task pinned to a home ran elsewhere, no task went to a removed worker, "
            "Stats::stolen equals the pinned tasks of live homes that ran away from them (0 with steal_factor 0).";
    }
    if (stopped_runs > 0) {
      md << Fmt(" (%d run%s stopped by --budget: checked only for frames, slots and attempt ids.)", stopped_runs,
                stopped_runs == 1 ? "" : "s");
    }
    md << "\n";
  }

  std::string body = md.str();
  std::fwrite(body.data(), 1, body.size(), stdout);
  if (!o.out.empty()) {
    struct utsname u;
    uname(&u);
    std::ofstream f(o.out);
    char date[32];
    std::time_t t = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&t));
    f << "# fanout scheduler simulation: " << date << "\n\n";
    f << "Made by `bench/sim/run.sh` (`build/fanout_sim`); bench/sim/README.md explains the model and every number.\n\n";
    f << "| machine | |\n|---|---|\n";
    f << "| host | " << u.nodename << " |\n";
    f << "| nproc | " << std::thread::hardware_concurrency() << " |\n";
    f << "| CPU | " << ReadFirst("/proc/cpuinfo", "model name") << " |\n";
    f << "| memory | " << ReadFirst("/proc/meminfo", "MemTotal") << " |\n";
    f << "| kernel | " << u.sysname << " " << u.release << " " << u.machine << " |\n";
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) == 3) f << Fmt("| load average | %.2f %.2f %.2f |\n", load[0], load[1], load[2]);
    if (!o.note.empty()) f << "| build | " << o.note << " |\n";
    f << "\n" << body;
    if (!f) {
      std::fprintf(stderr, "fanout_sim: cannot write %s\n", o.out.c_str());
      return 1;
    }
  }
  if (!failures.empty()) {
    std::fprintf(stderr, "fanout_sim: %zu sanity check(s) failed\n", failures.size());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace fanout::cluster

int main(int argc, char** argv) { return fanout::cluster::Main(argc, argv); }
