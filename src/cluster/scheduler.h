// Scheduler: which task runs where, and when a result counts. Pure logic — no
// I/O, no clocks (the caller passes `now` in seconds) — so the same code runs in
// the coordinator and in the simulation benchmark.
//
// - Dynamic pull: a worker holds up to its cores + extra_slots tasks; a free slot
//   takes the largest queued task (tasks returned by a lost worker or a failure
//   go first: they are late).
// - Retries: a retryable failure puts the task back, to run on another worker if
//   there is one, up to max_attempts failures; then, or on a non-retryable
//   failure, the job fails. A failure of the user's command (fanout run) is
//   its own class with its own limit, max_command_attempts (2 by default: once
//   more, elsewhere, to rule out the machine — a command that fails twice is
//   likely to fail everywhere).
// - Lost workers: their running attempts return to the queue.
// - Backup tasks: once the queue is empty, a free slot takes a duplicate of the
//   running task that is most overdue — running longer than backup_factor times
//   what its size should take at the throughput seen so far. (Looked for at most
//   every 50 ms: a scan visits every running attempt.)
// - Exactly once: the first result of a task is accepted; any other attempt's
//   result is a duplicate, and the caller is told which attempts to cancel.
// - Homes (data locality): a task may be pinned to a home — the workers that
//   hold its data (staged pieces). Only those take it, before any unpinned
//   task; it waits while its home is still connecting. Unpin(home) releases a
//   home's tasks to every worker (the home is gone: its data must be fetched
//   again), and a pinned task that fails is released the same way.
// - Stealing: a worker with nothing else to do takes a pinned task of a home
//   whose queue is far behind — more than steal_factor times its live workers'
//   slots — the one that home would reach last (its smallest). The task runs
//   unpinned (its data fetched again), so added machines help a job over
//   staged data, and the data moves to them for the next job.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace fanout::cluster {

struct SchedulerOptions {
  int extra_slots = 1;
  int max_attempts = 4;          // retryable failures of one task before the job fails
  int max_command_attempts = 2;  // failures of one task's command before the job fails
  bool backups = true;
  double backup_factor = 2.0;
  double backup_min_seconds = 1.0;
  int steal_factor = 4;  // 0: never steal pinned tasks
};

struct Assignment {
  int worker = 0;
  uint32_t task = 0;
  uint64_t attempt = 0;  // unique per scheduler, never reused
  bool backup = false;
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerOptions& options = {});

  // A task of `bytes` (its size sets the order and the expected duration).
  // Tasks added before the first Assign run largest first; later ones (re-runs)
  // go to the front of the queue.
  // `home` >= 0 pins the task to workers added with that home.
  uint32_t AddTask(uint64_t bytes, int home = -1);
  int AddWorker(int cores, int home = -1);
  // Workers still starting (not yet added, not yet lost): a task that must
  // avoid the worker it failed on waits for one of them rather than going
  // back to that worker.
  void SetStarting(int workers) { starting_ = workers; }
  // Every task pinned to `home` may now run anywhere.
  void Unpin(int home);
  // The task's home, or -1 when any worker may run it.
  int HomeOf(uint32_t task) const { return tasks_[task].home; }
  // The worker is gone: its running attempts are dropped and their tasks queued
  // again unless another attempt is still running. Returns the dropped attempts.
  std::vector<uint64_t> RemoveWorker(int worker);
  // The worker is about to go (its machine has an interruption notice): it
  // gets no new task, and each task it runs alone is queued again at the
  // front, to start on another worker at once; the first result of either
  // attempt wins. When it was its home's last worker, the home's tasks are
  // released (Unpin). Returns how many tasks were queued again (0 when it is
  // already draining or gone).
  int Drain(int worker);

  // Fills every free slot it can; appends the new attempts to *out.
  void Assign(double now, std::vector<Assignment>* out);

  enum class FailureClass {
    kFatal,      // would fail again anywhere (a missing column, --strict): the job fails
    kRetryable,  // I/O: network, throttling, a truncated transfer
    kCommand,    // the user's command exited non-zero
  };

  enum class Outcome { kAccepted, kDuplicate, kUnknown };
  // The attempt finished with a result. kAccepted: the first for its task — use
  // it; the task's other running attempts are appended to *cancel. kDuplicate: the
  // task was already done; drop the result. kUnknown: not a running attempt
  // (e.g. of a worker declared lost): drop it.
  Outcome Complete(uint64_t attempt, double now, std::vector<uint64_t>* cancel);
  // The attempt failed. OK when the task will be tried again (or is already
  // done); the error when the job must fail.
  Status Fail(uint64_t attempt, FailureClass kind, const std::string& message);
  Status Fail(uint64_t attempt, bool retryable, const std::string& message) {
    return Fail(attempt, retryable ? FailureClass::kRetryable : FailureClass::kFatal, message);
  }

  bool AllDone() const { return done_tasks_ == tasks_.size(); }
  bool HasLiveWorkers() const { return live_workers_ > 0; }
  uint32_t TaskOf(uint64_t attempt) const;  // for a running attempt
  int WorkerOf(uint64_t attempt) const;     // -1 when not running

  struct Stats {
    uint64_t attempts = 0, retries = 0, backups = 0, backups_won = 0, requeued_lost = 0, duplicates = 0, stolen = 0;
    uint64_t drained = 0;  // tasks queued again because their worker's machine was about to go
  };
  const Stats& stats() const { return stats_; }
  size_t num_tasks() const { return tasks_.size(); }
  size_t running() const { return running_.size(); }

 private:
  enum class TaskState : uint8_t { kQueued, kRunning, kDone };
  struct TaskInfo {
    uint64_t bytes = 0;
    TaskState state = TaskState::kQueued;
    uint16_t running = 0;   // attempts in flight
    uint16_t failures = 0;          // retryable ones
    uint16_t command_failures = 0;
    int avoid_worker = -1;  // the worker it last failed on
    int home = -1;          // pinned to this home's workers; -1: any
    std::vector<uint64_t> attempts;  // running attempt ids (rarely more than two)
  };
  struct WorkerInfo {
    int slots = 0;
    int used = 0;
    bool live = true;
    bool hungry = false;  // in hungry_
    bool draining = false;  // Drain: no new tasks
    int home = -1;
  };
  struct Attempt {
    uint32_t task = 0;
    int worker = 0;
    double start = 0;
    bool backup = false;
  };

  void SortInitial();  // largest first, once, before the first task is handed out
  bool PopQueued(int worker, uint32_t* task);
  // Still waiting in `home`'s queue (queue entries go stale when a task starts,
  // is released, or finishes through another attempt).
  bool QueuedAt(uint32_t task, int home) const {
    return tasks_[task].state == TaskState::kQueued && tasks_[task].home == home;
  }
  bool PopPinned(int home, uint32_t* task);
  bool StealPinned(int worker, uint32_t* task);
  bool QueueEmpty();
  // The running tasks that deserve a backup now, most overdue first.
  std::vector<std::pair<uint32_t, int>> BackupCandidates(double now);
  void Start(int worker, uint32_t task, double now, bool backup, std::vector<Assignment>* out);
  void Release(uint64_t attempt, const Attempt& a);
  void Requeue(uint32_t task);

  SchedulerOptions options_;
  std::vector<TaskInfo> tasks_;
  std::vector<uint32_t> initial_;  // sorted largest first at the first Assign
  size_t initial_next_ = 0;
  bool sorted_ = false;
  std::vector<uint32_t> front_;  // late tasks, taken before initial_ (LIFO is fine: all are late)
  // Queued pinned tasks per home, taken from the back: sorted smallest first at
  // the first Assign, late ones pushed on the back.
  std::unordered_map<int, std::deque<uint32_t>> pinned_;
  std::unordered_map<int, int> home_slots_;  // slots of each home's live workers
  std::vector<WorkerInfo> workers_;
  std::vector<int> hungry_;  // workers that may have a free slot
  int live_workers_ = 0;
  int starting_ = 0;
  std::unordered_map<uint64_t, Attempt> running_;
  uint64_t next_attempt_ = 1;
  size_t done_tasks_ = 0;
  double done_bytes_ = 0, done_seconds_ = 0;  // for the expected throughput per slot
  double last_backup_scan_ = -1e300;           // backups are looked for at most every kBackupScanEvery
  Stats stats_;
};

}  // namespace fanout::cluster
