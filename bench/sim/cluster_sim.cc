#include "cluster_sim.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <queue>

#include "cluster/messages.h"

namespace fanout::sim {
namespace {

using Clock = std::chrono::steady_clock;
using cluster::Assignment;
using cluster::Scheduler;

// One simulated run: the scheduler, the workers, the events in virtual time and
// the coordinator's inbox. Run() once.
class Simulation {
 public:
  Simulation(const Job& job, const SimConfig& cfg, Trace* trace)
      : job_(job), cfg_(cfg), trace_(trace), sched_(cfg.options), homes_(!cfg.task_home.empty()) {}

  SimResult Run();

 private:
  // A simulated worker: `busy` of its cores run attempts, `queue` waits.
  struct Worker {
    int cores = 0;
    double factor = 1;
    int busy = 0;
    std::deque<uint64_t> queue;
  };
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
  enum class Kind : uint8_t { kDone, kTick, kDeliver };
  struct Ev {
    double t;
    uint64_t seq;
    Kind kind;
    uint64_t attempt;  // kDone
    bool operator>(const Ev& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  struct Item {
    double arrival;
    uint64_t attempt;  // 0: Assign only (start of the job, timer tick)
  };

  bool Setup();  // false with r_.error set
  // Whether `task` runs away from its piece's holder on worker w (staged runs).
  bool Away(uint32_t task, int w) const { return homes_ && cfg_.task_home[task] != cfg_.worker_home[w]; }
  // A task's duration on worker w: away from its piece's holder the piece is
  // staged again first.
  double TaskSeconds(uint32_t task, int w) const {
    return (Away(task, w) ? cfg_.away_seconds[task] : job_.seconds[task]) * workers_[w].factor;
  }
  Att& Attempt(uint64_t id) {  // by attempt id (the scheduler numbers them 1, 2, ...)
    if (id >= att_.size()) att_.resize(std::max<size_t>(id + 1, att_.size() * 2));
    return att_[id];
  }
  double CloseSection(Clock::time_point t0, bool tail);
  void StartOnCore(uint64_t id, double now);
  void NextLocal(Worker& w, double now);
  void FreeCore(Worker& w, double now);
  void AssignAndEncode(double now);
  void Deliver(double now);
  double HandleResult(uint64_t attempt, double start, bool tail);
  void CheckAssignments();
  void RecordSection(double start, uint64_t attempt, double cost);
  void Handle(double start);
  void Drain(double now);
  void FinalChecks();

  const Job& job_;
  const SimConfig& cfg_;
  Trace* const trace_;
  Scheduler sched_;
  const bool homes_;
  SimResult r_;

  std::vector<Worker> workers_;
  std::vector<bool> lost_, unpinned_home_;
  std::vector<Att> att_;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> events_;
  uint64_t seq_ = 0;
  std::deque<Item> inbox_;  // waiting for the coordinator, in arrival order
  bool busy_ = false;       // a section's frames are on their way (modelled runs)
  std::vector<uint32_t> accepted_;
  std::vector<bool> started_;
  size_t started_tasks_ = 0;
  int slots_ = 0;
  double done_at_ = -1;
  // What the last coordinator section produced.
  std::vector<Assignment> out_;
  std::vector<uint64_t> cancel_;
  std::vector<std::string> frames_;  // task frames "sent"
};

bool Simulation::Setup() {
  if (homes_ && (cfg_.task_home.size() != job_.tasks.size() || cfg_.away_seconds.size() != job_.tasks.size() ||
                 cfg_.worker_home.size() != static_cast<size_t>(cfg_.workers))) {
    r_.error = "staged run: task_home, away_seconds or worker_home of the wrong size";
    return false;
  }
  for (size_t i = 0; i < job_.tasks.size(); ++i) sched_.AddTask(job_.tasks[i].stored_bytes, homes_ ? cfg_.task_home[i] : -1);
  if (trace_ != nullptr) {
    *trace_ = Trace{};
    trace_->cores = cfg_.cores;
    trace_->starts.resize(static_cast<size_t>(cfg_.workers));
  }
  for (int i = 0; i < cfg_.workers; ++i) {
    int id = sched_.AddWorker(cfg_.cores, homes_ ? cfg_.worker_home[i] : -1);
    if (id != i) {
      r_.error = "AddWorker returned an unexpected id";
      return false;
    }
    workers_.push_back({cfg_.cores, i == cfg_.slow_worker ? cfg_.slow_factor : 1.0, 0, {}});
  }
  // Lost before the job starts: the coordinator Unpins a home with no live worker.
  lost_.assign(static_cast<size_t>(cfg_.workers), false);
  for (int w : cfg_.lost_workers) {
    if (w < 0 || w >= cfg_.workers || lost_[w]) {
      r_.error = "staged run: a bad lost worker";
      return false;
    }
    lost_[w] = true;
    sched_.RemoveWorker(w);
    int h = homes_ ? cfg_.worker_home[w] : -1;
    if (h >= 0) {
      sched_.Unpin(h);
      if (unpinned_home_.size() <= static_cast<size_t>(h)) unpinned_home_.resize(h + 1, false);
      unpinned_home_[h] = true;
    }
  }
  r_.winner.assign(job_.tasks.size(), -1);
  accepted_.assign(job_.tasks.size(), 0);
  started_.assign(job_.tasks.size(), false);
  slots_ = cfg_.cores + std::max(0, cfg_.options.extra_slots);
  out_.reserve(1024);
  cancel_.reserve(16);
  frames_.reserve(1024);
  return true;
}

// Closes a coordinator section opened at t0; returns its duration.
double Simulation::CloseSection(Clock::time_point t0, bool tail) {
  double d = std::chrono::duration<double>(Clock::now() - t0).count();
  r_.coord_seconds += d;
  ++r_.coord_sections;
  if (tail) {
    r_.tail_coord_seconds += d;
    ++r_.tail_sections;
  }
  return d;
}

void Simulation::StartOnCore(uint64_t id, double now) {
  Att& a = att_[id];
  Worker& w = workers_[a.worker];
  ++w.busy;
  a.st = St::kRunning;
  events_.push({now + TaskSeconds(a.task, a.worker), seq_++, Kind::kDone, id});
  if (trace_ != nullptr) {
    trace_->attempts[id].pos = static_cast<uint32_t>(trace_->starts[a.worker].size());
    trace_->starts[a.worker].push_back(id);
  }
}

void Simulation::NextLocal(Worker& w, double now) {
  while (w.busy < w.cores && !w.queue.empty()) {
    uint64_t id = w.queue.front();
    w.queue.pop_front();
    StartOnCore(id, now);
  }
}

void Simulation::FreeCore(Worker& w, double now) {
  --w.busy;
  NextLocal(w, now);
}

// Coordinator: fill free slots and encode one task frame per new attempt.
void Simulation::AssignAndEncode(double now) {
  sched_.Assign(now, &out_);
  ++r_.assign_calls;
  for (const Assignment& a : out_) {
    cluster::TaskMsg m;
    m.id = a.attempt;
    const exec::Task& t = job_.tasks[a.task];
    m.object = job_.objects[t.object];
    m.task = t;
    frames_.push_back(cluster::EncodeTask(m));
  }
}

// Workers: the last section's cancel frames arrive and stop their attempts (a
// running one frees its core, a waiting one leaves the local queue); then its
// task frames arrive, are decoded, and run or wait.
void Simulation::Deliver(double now) {
  for (uint64_t id : cancel_) {
    ++r_.cancel_frames;
    Att& c = Attempt(id);
    Worker& cw = workers_[c.worker];
    if (c.st == St::kRunning) {
      c.st = St::kGone;
      ++r_.cancelled_running;
      FreeCore(cw, now);
    } else if (c.st == St::kQueued) {
      c.st = St::kGone;
      cw.queue.erase(std::find(cw.queue.begin(), cw.queue.end(), id));
      ++r_.cancelled_queued;
    } else if (c.st == St::kGone && cfg_.model_coordinator) {
      ++r_.late_cancels;  // it finished while the section ran; its result will be dropped
    } else {
      r_.error = "a cancel reached an attempt the worker never had";
      return;
    }
  }
  for (size_t i = 0; i < out_.size(); ++i) {
    const Assignment& a = out_[i];
    ++r_.task_frames;
    r_.task_frame_bytes += frames_[i].size();
    Result<cluster::TaskMsg> m = cluster::DecodeTask(std::string_view(frames_[i]).substr(5));
    if (!m.ok() || m->id != a.attempt || m->task.begin != job_.tasks[a.task].begin) {
      r_.error = "a task frame did not decode to what was sent";
      return;
    }
    Att& s = Attempt(a.attempt);
    if (s.st != St::kNone || s.co != Co::kSent) {
      r_.error = "the scheduler reused an attempt id";
      return;
    }
    s.st = St::kQueued;
    if (!started_[a.task]) {
      started_[a.task] = true;
      ++started_tasks_;
    }
    Worker& w = workers_[a.worker];
    w.queue.push_back(a.attempt);
    NextLocal(w, now);
    if (static_cast<int>(w.queue.size()) + w.busy > slots_) {
      r_.error = "a worker was given more tasks than its slots";
      return;
    }
  }
}

// The coordinator's section for one result, timed; then the checks of what the
// scheduler said (not timed). Returns the section's duration.
double Simulation::HandleResult(uint64_t attempt, double start, bool tail) {
  // The worker's result frame (worker side: not timed).
  std::string done = cluster::EncodeDone(cluster::DoneMsg{attempt, {}, cfg_.partial, {}});
  Scheduler::Outcome outcome;
  uint32_t task;
  bool decoded;
  Clock::time_point t0 = Clock::now();
  {
    Result<cluster::DoneMsg> m = cluster::DecodeDone(std::string_view(done).substr(5));
    decoded = m.ok() && m->id == attempt && m->partial.size() == cfg_.partial.size();
    task = sched_.TaskOf(attempt);
    outcome = sched_.Complete(attempt, start, &cancel_);
    for (uint64_t id : cancel_) {
      r_.cancel_frame_bytes += cluster::EncodeCancel(id).size();  // "sent"
      (void)sched_.Fail(id, true, "cancelled");
    }
    AssignAndEncode(start);
  }
  double d = CloseSection(t0, tail);
  ++r_.results;
  Att& a = att_[attempt];
  if (!decoded) {
    r_.error = "a done frame did not decode to what was sent";
  } else if (outcome == Scheduler::Outcome::kAccepted) {
    if (a.co != Co::kSent) {
      r_.error = "Complete accepted an attempt the coordinator did not think running";
    } else if (task >= accepted_.size()) {
      r_.error = "TaskOf named an unknown task";
    } else if (task != a.task) {
      r_.error = "TaskOf disagrees with the task sent";
    } else {
      ++accepted_[task];
      r_.winner[task] = a.worker;
      if (Away(task, a.worker)) {
        ++r_.away_tasks;
        r_.away_bytes += job_.tasks[task].stored_bytes;
      }
    }
    a.co = Co::kResult;
  } else if (outcome == Scheduler::Outcome::kUnknown) {
    // Only a cancelled attempt whose result was already on its way.
    if (a.co == Co::kCancelled && cfg_.model_coordinator) {
      ++r_.late_results;
    } else {
      r_.error = "Complete did not know a running attempt";
    }
  } else {
    a.co = Co::kResult;  // kDuplicate: dropped
  }
  for (uint64_t id : cancel_) {
    Att& c = Attempt(id);
    if (c.co != Co::kSent) r_.error = "asked to cancel an attempt that is not running";
    c.co = Co::kCancelled;
  }
  return d;
}

// The attempts the last section sent: to live workers, pinned ones at home, and
// never an id used before.
void Simulation::CheckAssignments() {
  for (const Assignment& a : out_) {
    if (a.worker < 0 || a.worker >= cfg_.workers || lost_[a.worker]) {
      r_.error = "the scheduler named an unknown or removed worker";
      break;
    }
    if (homes_) {
      // A pinned task runs only at its home; one taken away is unpinned.
      int h = sched_.HomeOf(a.task);
      if (h >= 0 && h != cfg_.worker_home[a.worker]) {
        r_.error = "a task pinned to a home ran elsewhere";
        break;
      }
      int holder = cfg_.task_home[a.task];
      bool holder_unpinned =
          holder >= 0 && static_cast<size_t>(holder) < unpinned_home_.size() && unpinned_home_[holder];
      if (!a.backup && holder >= 0 && !holder_unpinned && Away(a.task, a.worker) && !started_[a.task]) {
        ++r_.taken_from_live_homes;
      }
    }
    Att& s = Attempt(a.attempt);
    if (s.co != Co::kNone) {
      r_.error = "the scheduler reused an attempt id";
      break;
    }
    s.task = a.task;
    s.worker = a.worker;
    s.co = Co::kSent;
  }
}

void Simulation::RecordSection(double start, uint64_t attempt, double cost) {
  Trace::Section sec;
  sec.t = start;
  sec.attempt = attempt;
  sec.cost = cost;
  sec.out_begin = static_cast<uint32_t>(trace_->outs.size());
  for (const Assignment& a : out_) {
    trace_->outs.push_back(a.attempt);
    if (a.attempt >= trace_->attempts.size()) {
      trace_->attempts.resize(std::max<size_t>(a.attempt + 1, trace_->attempts.size() * 2));
    }
    trace_->attempts[a.attempt].worker = a.worker;
    trace_->attempts[a.attempt].seconds = TaskSeconds(a.task, a.worker);
  }
  sec.out_end = static_cast<uint32_t>(trace_->outs.size());
  sec.cancel_begin = static_cast<uint32_t>(trace_->cancels.size());
  trace_->cancels.insert(trace_->cancels.end(), cancel_.begin(), cancel_.end());
  sec.cancel_end = static_cast<uint32_t>(trace_->cancels.size());
  trace_->sections.push_back(sec);
}

// The coordinator handles the oldest waiting item, starting at `start`.
void Simulation::Handle(double start) {
  Item it = inbox_.front();
  inbox_.pop_front();
  out_.clear();
  frames_.clear();
  cancel_.clear();
  bool tail = started_tasks_ == job_.tasks.size();
  double d;
  if (it.attempt == 0) {
    Clock::time_point t0 = Clock::now();
    AssignAndEncode(start);
    d = CloseSection(t0, tail);
    if (r_.coord_sections == 1) r_.first_section_seconds = d;
  } else {
    d = HandleResult(it.attempt, start, tail);
  }
  CheckAssignments();
  if (trace_ != nullptr) RecordSection(start, it.attempt, d);
  double end = cfg_.model_coordinator ? start + d : start;
  if (done_at_ < 0 && sched_.AllDone()) done_at_ = end;
  if (end > start) {
    busy_ = true;
    events_.push({end, seq_++, Kind::kDeliver, 0});
  } else {
    Deliver(start);
  }
}

void Simulation::Drain(double now) {
  while (!busy_ && !inbox_.empty() && r_.error.empty() && !sched_.AllDone()) Handle(now);
}

void Simulation::FinalChecks() {
  if (!r_.error.empty() || r_.stopped) return;
  for (size_t t = 0; t < accepted_.size(); ++t) {
    if (accepted_[t] != 1) {
      r_.error = "task " + std::to_string(t) + " was accepted " + std::to_string(accepted_[t]) + " times";
      return;
    }
  }
  if (sched_.running() != 0) {
    r_.error = std::to_string(sched_.running()) + " attempts still running after the last task was accepted";
  }
}

SimResult Simulation::Run() {
  Clock::time_point wall0 = Clock::now();
  if (!Setup()) return r_;
  double now = 0;
  inbox_.push_back({0, 0});
  Drain(0);
  if (cfg_.tick > 0) events_.push({cfg_.tick, seq_++, Kind::kTick, 0});

  while (r_.error.empty() && !sched_.AllDone()) {
    if (cfg_.budget > 0 && r_.coord_seconds > cfg_.budget) {
      r_.stopped = true;
      break;
    }
    if (events_.empty()) {
      r_.error = "the simulation stalled: nothing running and tasks left";
      break;
    }
    Ev e = events_.top();
    events_.pop();
    if (e.t < now) {
      r_.error = "virtual time went backwards";
      break;
    }
    now = e.t;
    if (e.kind == Kind::kTick) {
      inbox_.push_back({now, 0});
      events_.push({now + cfg_.tick, seq_++, Kind::kTick, 0});
    } else if (e.kind == Kind::kDeliver) {
      busy_ = false;
      Deliver(now);
    } else {
      Att& a = att_[e.attempt];
      if (a.st != St::kRunning) continue;  // cancelled while running: its core was freed then
      a.st = St::kGone;
      FreeCore(workers_[a.worker], now);
      inbox_.push_back({now, e.attempt});
    }
    Drain(now);
  }
  r_.makespan = done_at_ >= 0 ? done_at_ : now;
  r_.stats = sched_.stats();
  r_.wall_seconds = std::chrono::duration<double>(Clock::now() - wall0).count();
  FinalChecks();
  return r_;
}

}  // namespace

SimResult RunFanout(const Job& job, const SimConfig& cfg, Trace* trace) { return Simulation(job, cfg, trace).Run(); }

}  // namespace fanout::sim
