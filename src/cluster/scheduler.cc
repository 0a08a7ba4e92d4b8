#include "cluster/scheduler.h"

#include <algorithm>

namespace fanout::cluster {

namespace {
constexpr double kBackupScanEvery = 0.05;
}  // namespace

Scheduler::Scheduler(const SchedulerOptions& options) : options_(options) {}

uint32_t Scheduler::AddTask(uint64_t bytes, int home) {
  uint32_t id = static_cast<uint32_t>(tasks_.size());
  TaskInfo t;
  t.bytes = bytes;
  t.home = home < 0 ? -1 : home;
  tasks_.push_back(std::move(t));
  if (home >= 0) {
    pinned_[home].push_back(id);
  } else if (sorted_) {
    front_.push_back(id);
  } else {
    initial_.push_back(id);
  }
  return id;
}

int Scheduler::AddWorker(int cores, int home) {
  int id = static_cast<int>(workers_.size());
  workers_.push_back(WorkerInfo{std::max(1, cores) + std::max(0, options_.extra_slots)});
  workers_.back().hungry = true;
  workers_.back().home = home < 0 ? -1 : home;
  if (home >= 0) home_slots_[home] += workers_.back().slots;
  hungry_.push_back(id);
  ++live_workers_;
  return id;
}

void Scheduler::Requeue(uint32_t task) {
  tasks_[task].state = TaskState::kQueued;
  if (tasks_[task].home >= 0) {
    pinned_[tasks_[task].home].push_back(task);
  } else {
    front_.push_back(task);
  }
}

void Scheduler::Unpin(int home) {
  if (home < 0) return;
  for (uint32_t t = 0; t < tasks_.size(); ++t) {
    if (tasks_[t].home == home) tasks_[t].home = -1;
  }
  auto it = pinned_.find(home);
  if (it == pinned_.end()) return;
  for (uint32_t t : it->second) {
    if (tasks_[t].state == TaskState::kQueued) front_.push_back(t);
  }
  pinned_.erase(it);
}

void Scheduler::Release(uint64_t attempt, const Attempt& a) {
  WorkerInfo& w = workers_[a.worker];
  --w.used;
  if (w.live && !w.hungry) {
    w.hungry = true;
    hungry_.push_back(a.worker);
  }
  TaskInfo& t = tasks_[a.task];
  --t.running;
  t.attempts.erase(std::find(t.attempts.begin(), t.attempts.end(), attempt));
}

std::vector<uint64_t> Scheduler::RemoveWorker(int worker) {
  std::vector<uint64_t> dropped;
  if (worker < 0 || worker >= static_cast<int>(workers_.size()) || !workers_[worker].live) return dropped;
  workers_[worker].live = false;
  --live_workers_;
  if (workers_[worker].home >= 0) home_slots_[workers_[worker].home] -= workers_[worker].slots;
  for (const auto& [id, a] : running_) {
    if (a.worker == worker) dropped.push_back(id);
  }
  for (uint64_t id : dropped) {
    Attempt a = running_[id];
    running_.erase(id);
    Release(id, a);
    TaskInfo& t = tasks_[a.task];
    if (t.state == TaskState::kRunning && t.running == 0) {
      Requeue(a.task);
      ++stats_.requeued_lost;
    }
  }
  return dropped;
}

int Scheduler::Drain(int worker) {
  if (worker < 0 || worker >= static_cast<int>(workers_.size())) return 0;
  WorkerInfo& w = workers_[worker];
  if (!w.live || w.draining) return 0;
  w.draining = true;
  if (w.home >= 0) home_slots_[w.home] -= w.slots;
  w.slots = 0;  // used < slots never again: nothing new goes to it
  // Its home's data must be fetched again elsewhere unless another worker there stays.
  if (w.home >= 0 && home_slots_[w.home] <= 0) Unpin(w.home);
  int moved = 0;
  for (const auto& [id, a] : running_) {
    if (a.worker != worker) continue;
    TaskInfo& t = tasks_[a.task];
    if (t.state != TaskState::kRunning || t.running != 1) continue;  // done, or already has another attempt
    // Queued again while this attempt still runs: a stale-looking entry is
    // skipped by PopQueued once another attempt starts (state kRunning), and
    // whichever attempt finishes first completes the task.
    t.avoid_worker = worker;
    t.home = -1;
    Requeue(a.task);
    ++moved;
  }
  stats_.drained += static_cast<uint64_t>(moved);
  return moved;
}

void Scheduler::SortInitial() {
  if (sorted_) return;
  std::stable_sort(initial_.begin(), initial_.end(),
                   [&](uint32_t a, uint32_t b) { return tasks_[a].bytes > tasks_[b].bytes; });
  for (auto& [home, q] : pinned_) {
    std::stable_sort(q.begin(), q.end(), [&](uint32_t a, uint32_t b) { return tasks_[a].bytes < tasks_[b].bytes; });
  }
  sorted_ = true;
}

bool Scheduler::PopPinned(int home, uint32_t* task) {
  auto it = pinned_.find(home);
  if (it == pinned_.end()) return false;
  std::deque<uint32_t>& q = it->second;
  while (!q.empty()) {
    uint32_t t = q.back();
    q.pop_back();
    if (QueuedAt(t, home)) {
      *task = t;
      return true;
    }
  }
  return false;
}

bool Scheduler::PopQueued(int worker, uint32_t* task) {
  SortInitial();
  // Its own data first: nobody else can take those tasks.
  if (workers_[worker].home >= 0 && PopPinned(workers_[worker].home, task)) return true;
  // A task that failed on this worker waits for another, while another is live.
  auto usable = [&](uint32_t t) {
    return tasks_[t].state == TaskState::kQueued && (tasks_[t].avoid_worker != worker || live_workers_ + starting_ < 2);
  };
  for (size_t i = front_.size(); i-- > 0;) {
    uint32_t t = front_[i];
    if (tasks_[t].state != TaskState::kQueued) {  // stale entry
      front_.erase(front_.begin() + static_cast<long>(i));
      continue;
    }
    if (usable(t)) {
      front_.erase(front_.begin() + static_cast<long>(i));
      *task = t;
      return true;
    }
  }
  while (initial_next_ < initial_.size()) {
    uint32_t t = initial_[initial_next_];
    if (tasks_[t].state != TaskState::kQueued) {
      ++initial_next_;
      continue;
    }
    if (!usable(t)) break;  // keep order; it will go to another worker
    ++initial_next_;
    *task = t;
    return true;
  }
  return StealPinned(worker, task);
}

bool Scheduler::StealPinned(int worker, uint32_t* task) {
  if (options_.steal_factor <= 0 || pinned_.empty()) return false;
  int own = workers_[worker].home;
  std::deque<uint32_t>* victim = nullptr;
  int victim_home = -1;
  long worst = 0;
  for (auto& [home, q] : pinned_) {
    if (home == own) continue;
    auto slots = home_slots_.find(home);
    // A home with no live worker yet is still connecting (or is released by
    // the caller with Unpin): its tasks wait for it.
    if (slots == home_slots_.end() || slots->second <= 0) continue;
    long backlog = static_cast<long>(q.size()) - static_cast<long>(options_.steal_factor) * slots->second;
    if (backlog > worst) {
      worst = backlog;
      victim = &q;
      victim_home = home;
    }
  }
  if (victim == nullptr) return false;
  while (!victim->empty()) {  // the front: what its home would reach last
    uint32_t t = victim->front();
    victim->pop_front();
    if (!QueuedAt(t, victim_home)) continue;  // stale
    tasks_[t].home = -1;
    ++stats_.stolen;
    *task = t;
    return true;
  }
  return false;
}

bool Scheduler::QueueEmpty() {
  for (auto it = pinned_.begin(); it != pinned_.end();) {
    std::deque<uint32_t>& q = it->second;
    while (!q.empty() && !QueuedAt(q.back(), it->first)) q.pop_back();
    if (!q.empty()) return false;
    it = pinned_.erase(it);
  }
  while (!front_.empty() && tasks_[front_.back()].state != TaskState::kQueued) front_.pop_back();
  if (!front_.empty()) return false;
  while (initial_next_ < initial_.size() && tasks_[initial_[initial_next_]].state != TaskState::kQueued) {
    ++initial_next_;
  }
  return initial_next_ == initial_.size();
}

std::vector<std::pair<uint32_t, int>> Scheduler::BackupCandidates(double now) {
  std::vector<std::pair<double, std::pair<uint32_t, int>>> overdue;
  if (done_seconds_ <= 0 || done_bytes_ <= 0) return {};
  double rate = done_bytes_ / done_seconds_;  // bytes per second per slot, seen so far
  for (const auto& [id, a] : running_) {
    const TaskInfo& t = tasks_[a.task];
    if (t.state != TaskState::kRunning || t.running != 1) continue;
    double elapsed = now - a.start;
    double expected = static_cast<double>(t.bytes) / rate;
    if (elapsed < options_.backup_min_seconds || elapsed < options_.backup_factor * expected) continue;
    overdue.push_back({elapsed / std::max(expected, 1e-9), {a.task, a.worker}});
  }
  std::sort(overdue.begin(), overdue.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<std::pair<uint32_t, int>> out;
  for (const auto& o : overdue) out.push_back(o.second);
  return out;
}

void Scheduler::Start(int worker, uint32_t task, double now, bool backup, std::vector<Assignment>* out) {
  uint64_t id = next_attempt_++;
  running_[id] = Attempt{task, worker, now, backup};
  ++workers_[worker].used;
  TaskInfo& t = tasks_[task];
  t.attempts.push_back(id);
  t.state = TaskState::kRunning;
  ++t.running;
  ++stats_.attempts;
  if (backup) ++stats_.backups;
  out->push_back(Assignment{worker, task, id, backup});
}

void Scheduler::Assign(double now, std::vector<Assignment>* out) {
  if (hungry_.empty()) return;
  SortInitial();
  if (QueueEmpty()) {
    // Nothing queued: only backups can use a free slot, and looking for them
    // costs a pass over the running attempts, so not on every call.
    if (!options_.backups || now - last_backup_scan_ < kBackupScanEvery) return;
    last_backup_scan_ = now;
    std::vector<std::pair<uint32_t, int>> candidates = BackupCandidates(now);
    size_t next = 0;
    std::vector<int> still_hungry;
    while (!hungry_.empty() && next < candidates.size()) {
      int w = hungry_.back();
      hungry_.pop_back();
      WorkerInfo& wi = workers_[w];
      wi.hungry = false;
      if (!wi.live) continue;
      while (wi.used < wi.slots && next < candidates.size()) {
        auto [task, on] = candidates[next];
        if (on == w) break;  // not where it already runs; another worker may take it
        int home = tasks_[task].home;
        if (home >= 0 && home != wi.home) break;  // pinned elsewhere: its home's other workers may
        ++next;
        if (tasks_[task].state == TaskState::kRunning && tasks_[task].running == 1) Start(w, task, now, true, out);
      }
      if (wi.used < wi.slots) still_hungry.push_back(w);
    }
    for (int w : still_hungry) {
      workers_[w].hungry = true;
      hungry_.push_back(w);
    }
    return;
  }
  // Free cores first, one task at a time round the hungry workers, then each
  // worker's extra slots: no worker queues a task behind a running one while
  // another has a core with nothing to do (few large tasks on many slots). And
  // while workers are still starting, no extra slots at all: the first machine
  // to join would queue a task that a later one could start at once.
  const int extra = std::max(0, options_.extra_slots);
  const int passes = starting_ > 0 ? 1 : 2;
  for (int pass = 0; pass < passes && !QueueEmpty(); ++pass) {
    for (bool started = true; started && !QueueEmpty();) {
      started = false;
      for (auto it = hungry_.rbegin(); it != hungry_.rend() && !QueueEmpty(); ++it) {
        WorkerInfo& wi = workers_[*it];
        uint32_t t;
        if (wi.live && wi.used < (pass == 0 ? wi.slots - extra : wi.slots) && PopQueued(*it, &t)) {
          Start(*it, t, now, false, out);
          started = true;
        }
      }
    }
  }
  std::vector<int> still_hungry;
  for (int w : hungry_) {
    WorkerInfo& wi = workers_[w];
    wi.hungry = wi.live && wi.used < wi.slots;
    if (wi.hungry) still_hungry.push_back(w);
  }
  hungry_ = std::move(still_hungry);
}

Scheduler::Outcome Scheduler::Complete(uint64_t attempt, double now, std::vector<uint64_t>* cancel) {
  auto it = running_.find(attempt);
  if (it == running_.end()) return Outcome::kUnknown;
  Attempt a = it->second;
  running_.erase(it);
  Release(attempt, a);
  TaskInfo& t = tasks_[a.task];
  if (t.state == TaskState::kDone) {
    ++stats_.duplicates;
    return Outcome::kDuplicate;
  }
  t.state = TaskState::kDone;
  ++done_tasks_;
  done_bytes_ += static_cast<double>(t.bytes);
  done_seconds_ += std::max(now - a.start, 1e-6);
  if (a.backup) ++stats_.backups_won;
  if (cancel != nullptr) cancel->insert(cancel->end(), t.attempts.begin(), t.attempts.end());
  return Outcome::kAccepted;
}

Status Scheduler::Fail(uint64_t attempt, FailureClass kind, const std::string& message) {
  auto it = running_.find(attempt);
  if (it == running_.end()) return Status::OK();  // a dropped attempt: nothing depends on it
  Attempt a = it->second;
  running_.erase(it);
  Release(attempt, a);
  TaskInfo& t = tasks_[a.task];
  if (t.state == TaskState::kDone) return Status::OK();
  if (kind == FailureClass::kFatal) return Status::IoError(message);
  uint16_t& failures = kind == FailureClass::kCommand ? t.command_failures : t.failures;
  int limit = kind == FailureClass::kCommand ? options_.max_command_attempts : options_.max_attempts;
  ++failures;
  if (failures >= limit) {
    return Status::IoError(message + " (failed " + std::to_string(failures) + (failures == 1 ? " time" : " times") +
                           "; giving up)");
  }
  ++stats_.retries;
  t.avoid_worker = a.worker;
  t.home = -1;  // the data at its home may be what fails: fetch it again elsewhere
  if (t.running == 0) Requeue(a.task);
  return Status::OK();
}

uint32_t Scheduler::TaskOf(uint64_t attempt) const {
  auto it = running_.find(attempt);
  return it == running_.end() ? UINT32_MAX : it->second.task;
}

int Scheduler::WorkerOf(uint64_t attempt) const {
  auto it = running_.find(attempt);
  return it == running_.end() ? -1 : it->second.worker;
}

}  // namespace fanout::cluster
