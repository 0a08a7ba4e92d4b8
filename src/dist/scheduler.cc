#include "dist/scheduler.h"

#include <algorithm>

namespace fanout::dist {

Scheduler::Scheduler(const SchedulerOptions& options) : options_(options) {}

uint32_t Scheduler::AddTask(uint64_t bytes) {
  uint32_t id = static_cast<uint32_t>(tasks_.size());
  tasks_.push_back(TaskInfo{bytes});
  if (sorted_) {
    front_.push_back(id);
  } else {
    initial_.push_back(id);
  }
  return id;
}

int Scheduler::AddWorker(int cores) {
  int id = static_cast<int>(workers_.size());
  workers_.push_back(WorkerInfo{std::max(1, cores) + std::max(0, options_.extra_slots)});
  workers_.back().hungry = true;
  hungry_.push_back(id);
  ++live_workers_;
  return id;
}

void Scheduler::Requeue(uint32_t task) {
  tasks_[task].state = TaskState::kQueued;
  front_.push_back(task);
}

void Scheduler::Release(uint64_t attempt, const Attempt& a) {
  WorkerInfo& w = workers_[a.worker];
  --w.used;
  if (w.live && !w.hungry) {
    w.hungry = true;
    hungry_.push_back(a.worker);
  }
  --tasks_[a.task].running;
  (void)attempt;
}

std::vector<uint64_t> Scheduler::RemoveWorker(int worker) {
  std::vector<uint64_t> dropped;
  if (worker < 0 || worker >= static_cast<int>(workers_.size()) || !workers_[worker].live) return dropped;
  workers_[worker].live = false;
  --live_workers_;
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

bool Scheduler::PopQueued(int worker, uint32_t* task) {
  if (!sorted_) {
    std::stable_sort(initial_.begin(), initial_.end(),
                     [&](uint32_t a, uint32_t b) { return tasks_[a].bytes > tasks_[b].bytes; });
    sorted_ = true;
  }
  // A task that failed on this worker waits for another, while another is live.
  auto usable = [&](uint32_t t) {
    return tasks_[t].state == TaskState::kQueued && (tasks_[t].avoid_worker != worker || live_workers_ < 2);
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
  return false;
}

bool Scheduler::PickBackup(int worker, double now, uint32_t* task) {
  if (!options_.backups || done_seconds_ <= 0 || done_bytes_ <= 0) return false;
  double rate = done_bytes_ / done_seconds_;  // bytes per second per slot, seen so far
  double best = 0;
  bool found = false;
  for (const auto& [id, a] : running_) {
    const TaskInfo& t = tasks_[a.task];
    if (t.state != TaskState::kRunning || t.running != 1 || a.worker == worker) continue;
    double elapsed = now - a.start;
    double expected = static_cast<double>(t.bytes) / rate;
    if (elapsed < options_.backup_min_seconds || elapsed < options_.backup_factor * expected) continue;
    double overdue = elapsed / std::max(expected, 1e-9);
    if (!found || overdue > best) {
      best = overdue;
      *task = a.task;
      found = true;
    }
  }
  return found;
}

void Scheduler::Start(int worker, uint32_t task, double now, bool backup, std::vector<Assignment>* out) {
  uint64_t id = next_attempt_++;
  running_[id] = Attempt{task, worker, now, backup};
  ++workers_[worker].used;
  TaskInfo& t = tasks_[task];
  t.state = TaskState::kRunning;
  ++t.running;
  ++stats_.attempts;
  if (backup) ++stats_.backups;
  out->push_back(Assignment{worker, task, id, backup});
}

void Scheduler::Assign(double now, std::vector<Assignment>* out) {
  std::vector<int> still_hungry;
  while (!hungry_.empty()) {
    int w = hungry_.back();
    hungry_.pop_back();
    WorkerInfo& wi = workers_[w];
    wi.hungry = false;
    if (!wi.live) continue;
    while (wi.used < wi.slots) {
      uint32_t t;
      if (PopQueued(w, &t)) {
        Start(w, t, now, false, out);
      } else if (PickBackup(w, now, &t)) {
        Start(w, t, now, true, out);
      } else {
        break;
      }
    }
    if (wi.used < wi.slots) still_hungry.push_back(w);
  }
  for (int w : still_hungry) {
    workers_[w].hungry = true;
    hungry_.push_back(w);
  }
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
  if (t.running > 0 && cancel != nullptr) {
    for (const auto& [id, other] : running_) {
      if (other.task == a.task) cancel->push_back(id);
    }
  }
  return Outcome::kAccepted;
}

Status Scheduler::Fail(uint64_t attempt, bool retryable, const std::string& message) {
  auto it = running_.find(attempt);
  if (it == running_.end()) return Status::OK();  // a dropped attempt: nothing depends on it
  Attempt a = it->second;
  running_.erase(it);
  Release(attempt, a);
  TaskInfo& t = tasks_[a.task];
  if (t.state == TaskState::kDone) return Status::OK();
  if (!retryable) return Status::IoError(message);
  ++t.failures;
  if (t.failures >= options_.max_attempts) {
    return Status::IoError(message + " (failed " + std::to_string(t.failures) + " times; giving up)");
  }
  ++stats_.retries;
  t.avoid_worker = a.worker;
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

}  // namespace fanout::dist
