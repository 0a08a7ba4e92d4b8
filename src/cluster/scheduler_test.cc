#include "cluster/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace fanout::cluster {
namespace {

TEST(SchedulerTest, LargestFirstAndSlotsAreCoresPlusOne) {
  Scheduler s;
  for (uint64_t b : {10, 50, 30, 20, 40}) s.AddTask(b);
  s.AddWorker(2);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 3u);  // 2 cores + 1 queued
  EXPECT_EQ(a[0].task, 1u);  // 50
  EXPECT_EQ(a[1].task, 4u);  // 40
  EXPECT_EQ(a[2].task, 2u);  // 30
  a.clear();
  s.Assign(0, &a);
  EXPECT_TRUE(a.empty());
}

// Few large tasks on several workers: each goes to a free core, none is queued
// behind a running task on one worker while another worker's cores are idle
// (the dry run showed one worker taking all three).
TEST(SchedulerTest, FreeCoresAnywhereBeforeAnyWorkersExtraSlot) {
  Scheduler s;
  for (uint64_t b : {300, 200, 100}) s.AddTask(b);
  for (int w = 0; w < 3; ++w) s.AddWorker(2);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 3u);
  std::set<int> workers;
  for (const Assignment& x : a) workers.insert(x.worker);
  EXPECT_EQ(workers.size(), 3u);
  // With more tasks than cores the extra slots fill too: 3 x (2 + 1).
  Scheduler m;
  for (int t = 0; t < 20; ++t) m.AddTask(100 + t);
  for (int w = 0; w < 3; ++w) m.AddWorker(2);
  a.clear();
  m.Assign(0, &a);
  ASSERT_EQ(a.size(), 9u);
  std::map<int, int> per;
  for (const Assignment& x : a) ++per[x.worker];
  for (const auto& [w, n] : per) EXPECT_EQ(n, 3) << w;
  // The largest go out first, one to each worker in turn.
  EXPECT_EQ(a[0].task, 19u);
  EXPECT_EQ(a[1].task, 18u);
  EXPECT_NE(a[0].worker, a[1].worker);
}

// The first worker to join takes a task per core, not one more queued behind
// them, while others are still starting (a report showed local-1 take all 4
// of 4 tasks while local-2..4 were starting). Once none is, the extra slot fills.
TEST(SchedulerTest, NoQueuedTaskWhileWorkersAreStarting) {
  Scheduler s;
  for (uint64_t b : {400, 300, 200, 100}) s.AddTask(b);
  s.SetStarting(3);
  int first = s.AddWorker(3);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 3u);
  int second = s.AddWorker(3);
  s.SetStarting(2);
  a.clear();
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].worker, second);
  EXPECT_EQ(a[0].task, 3u);
  // Nobody starting: a worker with free cores and its extra slot takes more.
  Scheduler t;
  for (int i = 0; i < 5; ++i) t.AddTask(100);
  t.AddWorker(3);
  a.clear();
  t.Assign(0, &a);
  EXPECT_EQ(a.size(), 4u);
  (void)first;
}

// Random workers joining, dying, failing tasks and finishing them late — and,
// with homes, pinned tasks, steals, and homes released when their last worker
// dies, as the coordinator does: each task is accepted exactly once, no pinned
// task runs away from its home, and the job ends.
void RandomJob(int seed, int homes) {
  std::mt19937 rng(seed);
  SchedulerOptions o;
  o.max_attempts = 1000;
  o.backup_min_seconds = 0.5;
  if (homes > 0) o.steal_factor = 1 + static_cast<int>(rng() % 4);
  Scheduler s(o);
  auto some_home = [&] { return homes > 0 ? static_cast<int>(rng() % homes) : -1; };
  const int n = 300;
  for (int i = 0; i < n; ++i) s.AddTask(1 + rng() % 1000, homes > 0 ? static_cast<int>(rng() % (homes + 1)) - 1 : -1);
  std::map<int, int> home_of;  // live worker -> its home
  auto add = [&](int home) { home_of[s.AddWorker(1 + static_cast<int>(rng() % 3), home)] = home; };
  for (int i = 0; i < 4; ++i) add(homes > 0 ? i % homes : -1);
  std::map<uint32_t, int> accepted;
  std::vector<uint64_t> inflight;
  double now = 0;
  int steps = 0;
  while (!s.AllDone() && steps++ < 100000) {
    now += 0.1;
    std::vector<Assignment> a;
    s.Assign(now, &a);
    for (const Assignment& x : a) {
      int h = s.HomeOf(x.task);
      ASSERT_TRUE(h < 0 || h == home_of.at(x.worker)) << "a pinned task ran away from its home";
      inflight.push_back(x.attempt);
    }
    if (inflight.empty()) {
      add(some_home());  // everyone died (or waits for a home): a new worker joins
      continue;
    }
    size_t i = rng() % inflight.size();
    uint64_t id = inflight[i];
    inflight.erase(inflight.begin() + static_cast<long>(i));
    int r = static_cast<int>(rng() % 100);
    if (r < 70) {
      uint32_t task = s.TaskOf(id);
      if (s.Complete(id, now, nullptr) == Scheduler::Outcome::kAccepted) ++accepted[task];
    } else if (r < 90) {
      ASSERT_TRUE(s.Fail(id, true, "transient").ok());
    } else if (r < 95 && home_of.size() > 1) {
      int w = s.WorkerOf(id);
      if (w >= 0) {
        int h = home_of[w];
        std::vector<uint64_t> dropped = s.RemoveWorker(w);
        home_of.erase(w);
        bool alive = false;
        for (const auto& [worker, hh] : home_of) alive |= hh == h;
        if (h >= 0 && !alive) s.Unpin(h);
        std::set<uint64_t> d(dropped.begin(), dropped.end());
        std::vector<uint64_t> keep;
        for (uint64_t x : inflight) {
          if (!d.count(x)) keep.push_back(x);
        }
        inflight = keep;
      }
    } else if (r < 97) {
      // The attempt's machine gets an interruption notice: its tasks start
      // elsewhere while it may still finish them (the attempt stays in flight).
      int w = s.WorkerOf(id);
      if (w >= 0) s.Drain(w);
      inflight.push_back(id);
    } else {
      inflight.push_back(id);  // not yet
    }
    if (rng() % 50 == 0) add(some_home());
  }
  ASSERT_TRUE(s.AllDone());
  ASSERT_EQ(accepted.size(), static_cast<size_t>(n));
  for (const auto& [task, times] : accepted) ASSERT_EQ(times, 1) << "task " << task;
}

TEST(SchedulerTest, EveryTaskCompletesOnceWhateverHappens) {
  for (int seed = 0; seed < 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomJob(seed, 0);
    if (HasFatalFailure()) return;
  }
}

TEST(SchedulerTest, EveryPinnedTaskCompletesOnceWhateverHappens) {
  for (int seed = 0; seed < 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomJob(seed, 4);
    if (HasFatalFailure()) return;
  }
}

TEST(SchedulerTest, ADrainedWorkersTasksStartElsewhereAtOnceAndTheFirstResultWins) {
  SchedulerOptions o;
  o.extra_slots = 0;
  Scheduler s(o);
  for (uint64_t b : {100, 90, 80}) s.AddTask(b);
  int w0 = s.AddWorker(2);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);  // 100 and 90 on w0; 80 queued
  EXPECT_EQ(s.Drain(w0), 2);
  EXPECT_EQ(s.Drain(w0), 0) << "a second notice moves nothing";
  EXPECT_EQ(s.stats().drained, 2u);
  std::vector<Assignment> none;
  s.Assign(1, &none);
  EXPECT_TRUE(none.empty()) << "nothing new goes to a draining worker";
  int w1 = s.AddWorker(3);
  std::vector<Assignment> b;
  s.Assign(1, &b);
  ASSERT_EQ(b.size(), 3u);
  std::set<uint32_t> tasks;
  for (const Assignment& x : b) {
    EXPECT_EQ(x.worker, w1);
    tasks.insert(x.task);
  }
  EXPECT_EQ(tasks, (std::set<uint32_t>{0, 1, 2})) << "the drained tasks first, then the queued one";
  // The drained worker finishes task 0 first: it counts, and the copy is cancelled.
  std::vector<uint64_t> cancel;
  EXPECT_EQ(s.Complete(a[0].attempt, 2, &cancel), Scheduler::Outcome::kAccepted);
  ASSERT_EQ(cancel.size(), 1u);
  EXPECT_EQ(s.TaskOf(cancel[0]), a[0].task);
  // Then it dies: task 1 has its copy on w1, nothing is queued again.
  std::vector<uint64_t> dropped = s.RemoveWorker(w0);
  EXPECT_EQ(dropped.size(), 1u);
  EXPECT_EQ(s.stats().requeued_lost, 0u);
  for (const Assignment& x : b) {
    if (x.task != a[0].task) EXPECT_EQ(s.Complete(x.attempt, 3, nullptr), Scheduler::Outcome::kAccepted);
  }
  EXPECT_TRUE(s.AllDone());
}

TEST(SchedulerTest, DrainingAHomesLastWorkerReleasesItsTasks) {
  Scheduler s;
  s.AddTask(10, /*home=*/0);
  s.AddTask(20, /*home=*/0);
  int h = s.AddWorker(1, 0);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);
  s.Drain(h);
  EXPECT_EQ(s.HomeOf(0), -1);
  EXPECT_EQ(s.HomeOf(1), -1);
  int other = s.AddWorker(1);
  std::vector<Assignment> b;
  s.Assign(1, &b);
  EXPECT_EQ(b.size(), 2u);
  for (const Assignment& x : b) EXPECT_EQ(x.worker, other);
}

TEST(SchedulerTest, LostWorkersTasksRunElsewhere) {
  Scheduler s;
  s.AddTask(100);
  s.AddTask(90);
  int w0 = s.AddWorker(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);
  std::vector<uint64_t> dropped = s.RemoveWorker(w0);
  EXPECT_EQ(dropped.size(), 2u);
  int w1 = s.AddWorker(1);
  a.clear();
  s.Assign(1, &a);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].worker, w1);
  // A late result from the lost worker counts for nothing.
  EXPECT_EQ(s.Complete(dropped[0], 2, nullptr), Scheduler::Outcome::kUnknown);
  EXPECT_EQ(s.Complete(a[0].attempt, 2, nullptr), Scheduler::Outcome::kAccepted);
  EXPECT_EQ(s.Complete(a[1].attempt, 2, nullptr), Scheduler::Outcome::kAccepted);
  EXPECT_TRUE(s.AllDone());
}

TEST(SchedulerTest, RetryGoesToAnotherWorkerAndGivesUpAtTheLimit) {
  SchedulerOptions o;
  o.max_attempts = 3;
  o.extra_slots = 0;
  Scheduler s(o);
  s.AddTask(10);
  int w0 = s.AddWorker(1);
  int w1 = s.AddWorker(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 1u);
  int first = a[0].worker;
  ASSERT_TRUE(s.Fail(a[0].attempt, true, "reset").ok());
  a.clear();
  s.Assign(1, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].worker, first);  // not where it failed
  ASSERT_TRUE(s.Fail(a[0].attempt, true, "reset").ok());
  a.clear();
  s.Assign(2, &a);
  ASSERT_EQ(a.size(), 1u);
  Status st = s.Fail(a[0].attempt, true, "s3://b/k: reset");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("s3://b/k"), std::string::npos);
  (void)w0;
  (void)w1;
}

// A user's command that exits non-zero is its own class of failure: by default
// it runs once more, on another worker, and then the job fails — however many
// attempts I/O failures get.
TEST(SchedulerTest, AFailedCommandIsRetriedOnceElsewhereByDefault) {
  SchedulerOptions o;
  o.extra_slots = 0;
  Scheduler s(o);
  ASSERT_EQ(o.max_command_attempts, 2);
  ASSERT_GT(o.max_attempts, 2);
  s.AddTask(10);
  s.AddWorker(1);
  s.AddWorker(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 1u);
  int first = a[0].worker;
  ASSERT_TRUE(s.Fail(a[0].attempt, Scheduler::FailureClass::kCommand, "x.csv: the command exited with status 3").ok());
  a.clear();
  s.Assign(1, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].worker, first);  // on another machine, to rule this one out
  Status st = s.Fail(a[0].attempt, Scheduler::FailureClass::kCommand, "x.csv: the command exited with status 3");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("failed 2 times; giving up"), std::string::npos) << st.message();
  EXPECT_EQ(s.stats().retries, 1u);
}

// Found under load: the second worker had not joined when the first failure
// came back, so the retry ran on the same machine. A worker still starting
// counts: the retry waits for it.
TEST(SchedulerTest, ACommandRetryWaitsForAWorkerThatIsStillStarting) {
  SchedulerOptions o;
  o.extra_slots = 0;
  Scheduler s(o);
  s.AddTask(10);
  int first = s.AddWorker(1);
  s.SetStarting(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_TRUE(s.Fail(a[0].attempt, Scheduler::FailureClass::kCommand, "x.csv: status 3").ok());
  a.clear();
  s.Assign(1, &a);
  EXPECT_TRUE(a.empty()) << "the retry went back to the worker it failed on";
  int second = s.AddWorker(1);
  s.SetStarting(0);
  a.clear();
  s.Assign(2, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].worker, second);
  EXPECT_NE(a[0].worker, first);
  // With no other worker coming, it runs where it can.
  Scheduler t(o);
  t.AddTask(10);
  t.AddWorker(1);
  a.clear();
  t.Assign(0, &a);
  ASSERT_TRUE(t.Fail(a[0].attempt, Scheduler::FailureClass::kCommand, "x.csv: status 3").ok());
  a.clear();
  t.Assign(1, &a);
  EXPECT_EQ(a.size(), 1u);
}

// The two classes count apart: I/O failures do not use up the command's
// attempts, nor the reverse.
TEST(SchedulerTest, CommandAndIoFailuresHaveTheirOwnLimits) {
  SchedulerOptions o;
  o.extra_slots = 0;
  o.max_attempts = 3;
  o.max_command_attempts = 2;
  Scheduler s(o);
  s.AddTask(10);
  s.AddWorker(1);
  std::vector<Assignment> a;
  auto next = [&](double now) {
    a.clear();
    s.Assign(now, &a);
    EXPECT_EQ(a.size(), 1u);
    return a.empty() ? 0 : a[0].attempt;
  };
  using Class = Scheduler::FailureClass;
  EXPECT_TRUE(s.Fail(next(0), Class::kRetryable, "reset").ok());
  EXPECT_TRUE(s.Fail(next(1), Class::kRetryable, "reset").ok());
  EXPECT_TRUE(s.Fail(next(2), Class::kCommand, "status 1").ok());
  EXPECT_FALSE(s.Fail(next(3), Class::kRetryable, "reset").ok());  // the third I/O failure
  Scheduler t(o);
  t.AddTask(10);
  t.AddWorker(1);
  auto next_t = [&](double now) {
    a.clear();
    t.Assign(now, &a);
    EXPECT_EQ(a.size(), 1u);
    return a.empty() ? 0 : a[0].attempt;
  };
  EXPECT_TRUE(t.Fail(next_t(0), Class::kCommand, "status 1").ok());
  EXPECT_TRUE(t.Fail(next_t(1), Class::kRetryable, "reset").ok());
  EXPECT_TRUE(t.Fail(next_t(2), Class::kRetryable, "reset").ok());
  EXPECT_FALSE(t.Fail(next_t(3), Class::kCommand, "status 1").ok());  // the second command failure
}

TEST(SchedulerTest, NonRetryableFailureFailsTheJob) {
  Scheduler s;
  s.AddTask(10);
  s.AddWorker(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  EXPECT_FALSE(s.Fail(a[0].attempt, false, "s3://b/k: 403 AccessDenied").ok());
}

TEST(SchedulerTest, BackupOfAStragglerWinsAndTheOriginalIsCancelled) {
  SchedulerOptions o;
  o.extra_slots = 0;
  o.backup_min_seconds = 0;
  Scheduler s(o);
  for (int i = 0; i < 4; ++i) s.AddTask(100);
  int fast = s.AddWorker(1);
  int slow = s.AddWorker(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);
  uint64_t on_slow = a[0].worker == slow ? a[0].attempt : a[1].attempt;
  uint64_t on_fast = a[0].worker == fast ? a[0].attempt : a[1].attempt;
  double now = 1;
  // The fast worker finishes three tasks at one per second; the slow one is stuck.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(s.Complete(on_fast, now, nullptr), Scheduler::Outcome::kAccepted);
    a.clear();
    s.Assign(now, &a);
    if (i < 2) {
      ASSERT_EQ(a.size(), 1u);
      EXPECT_FALSE(a[0].backup);
      on_fast = a[0].attempt;
    }
    now += 1;
  }
  // After the third: the queue is empty, the straggler has run 3 s against 1 s
  // expected: the free slot takes a backup of it.
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(a[0].backup);
  EXPECT_EQ(a[0].worker, fast);
  std::vector<uint64_t> cancel;
  EXPECT_EQ(s.Complete(a[0].attempt, now + 1, &cancel), Scheduler::Outcome::kAccepted);
  ASSERT_EQ(cancel.size(), 1u);
  EXPECT_EQ(cancel[0], on_slow);
  EXPECT_EQ(s.Complete(on_slow, now + 2, nullptr), Scheduler::Outcome::kDuplicate);
  EXPECT_TRUE(s.AllDone());
  EXPECT_EQ(s.stats().backups_won, 1u);
}

TEST(SchedulerTest, NoBackupsWhenDisabled) {
  SchedulerOptions o;
  o.backups = false;
  o.backup_min_seconds = 0;
  Scheduler s(o);
  s.AddTask(1);
  s.AddTask(1);
  s.AddWorker(1);
  s.AddWorker(1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(s.Complete(a[0].attempt, 1, nullptr), Scheduler::Outcome::kAccepted);
  a.clear();
  s.Assign(100, &a);
  EXPECT_TRUE(a.empty());
}


TEST(SchedulerTest, PinnedTasksWaitForTheirHome) {
  SchedulerOptions o;
  o.extra_slots = 0;
  Scheduler s(o);
  uint32_t a0 = s.AddTask(100, /*home=*/0);
  uint32_t a1 = s.AddTask(50, 0);
  uint32_t b0 = s.AddTask(80, 1);
  uint32_t any = s.AddTask(10);
  int w1 = s.AddWorker(4, 1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  // Home 1's worker takes its own task first, then the unpinned one; home 0's
  // tasks wait for home 0.
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].task, b0);
  EXPECT_EQ(a[1].task, any);
  int w0 = s.AddWorker(1, 0);
  a.clear();
  s.Assign(1, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].worker, w0);
  EXPECT_EQ(a[0].task, a0);  // largest first within a home
  EXPECT_EQ(s.HomeOf(a1), 0);
  (void)w1;
}

TEST(SchedulerTest, UnpinReleasesAGoneHomesTasksToEveryone) {
  Scheduler s;
  uint32_t p0 = s.AddTask(100, 0);
  uint32_t p1 = s.AddTask(90, 0);
  int home = s.AddWorker(1, 0);
  int other = s.AddWorker(4, 1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);  // both to the home (1 core + 1 extra slot)
  for (const Assignment& x : a) EXPECT_EQ(x.worker, home);
  s.RemoveWorker(home);
  a.clear();
  s.Assign(1, &a);
  EXPECT_TRUE(a.empty());  // still pinned: nobody else may take them
  s.Unpin(0);
  EXPECT_EQ(s.HomeOf(p0), -1);
  EXPECT_EQ(s.HomeOf(p1), -1);
  s.Assign(2, &a);
  ASSERT_EQ(a.size(), 2u);
  for (const Assignment& x : a) EXPECT_EQ(x.worker, other);
  for (const Assignment& x : a) EXPECT_EQ(s.Complete(x.attempt, 3, nullptr), Scheduler::Outcome::kAccepted);
  EXPECT_TRUE(s.AllDone());
}

TEST(SchedulerTest, APinnedTaskThatFailsRunsAnywhere) {
  SchedulerOptions o;
  o.extra_slots = 0;
  Scheduler s(o);
  uint32_t t = s.AddTask(100, 0);
  int home = s.AddWorker(1, 0);
  int other = s.AddWorker(1, 1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].worker, home);
  ASSERT_TRUE(s.Fail(a[0].attempt, true, "piece unreadable").ok());
  EXPECT_EQ(s.HomeOf(t), -1);
  a.clear();
  s.Assign(1, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].worker, other);
}

TEST(SchedulerTest, PinnedBackupsStayAtHome) {
  SchedulerOptions o;
  o.extra_slots = 0;
  o.backup_min_seconds = 0;
  Scheduler s(o);
  s.AddTask(100, 0);
  s.AddTask(100);
  s.AddTask(100);
  int home = s.AddWorker(1, 0);
  int other = s.AddWorker(1, 1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 2u);
  uint64_t on_other = a[0].worker == other ? a[0].attempt : a[1].attempt;
  ASSERT_EQ(s.Complete(on_other, 1, nullptr), Scheduler::Outcome::kAccepted);
  a.clear();
  s.Assign(1, &a);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(s.Complete(a[0].attempt, 2, nullptr), Scheduler::Outcome::kAccepted);
  // The pinned task on `home` is long overdue, but `other` may not back it up.
  a.clear();
  s.Assign(100, &a);
  EXPECT_TRUE(a.empty());
  (void)home;
}


TEST(SchedulerTest, AnIdleWorkerStealsFromAHomeFarBehind) {
  SchedulerOptions o;
  o.extra_slots = 0;
  o.steal_factor = 2;
  Scheduler s(o);
  for (uint64_t b = 1; b <= 10; ++b) s.AddTask(b * 10, /*home=*/0);  // 10 tasks, sizes 10..100
  int home = s.AddWorker(1, 0);
  int thief = s.AddWorker(1, 1);
  std::vector<Assignment> a;
  s.Assign(0, &a);
  // The home takes its largest; 9 stay queued, more than 2 x its 1 slot: the
  // idle worker takes the smallest, released from the home.
  ASSERT_EQ(a.size(), 2u);
  for (const Assignment& x : a) {
    if (x.worker == home) {
      EXPECT_EQ(x.task, 9u);  // 100
    }
    if (x.worker == thief) {
      EXPECT_EQ(x.task, 0u);  // 10
      EXPECT_EQ(s.HomeOf(x.task), -1);
    }
  }
  EXPECT_EQ(s.stats().stolen, 1u);
  // It goes on while the home's queue is longer than 2 slots' worth: 8 queued
  // now, so the thief steals until 2 are left.
  int stolen = 1;
  for (int round = 0; round < 20 && !s.AllDone(); ++round) {
    for (const Assignment& x : a) ASSERT_EQ(s.Complete(x.attempt, round + 1, nullptr), Scheduler::Outcome::kAccepted);
    a.clear();
    s.Assign(round + 1, &a);
    for (const Assignment& x : a) stolen += x.worker == thief;
  }
  EXPECT_TRUE(s.AllDone());
  EXPECT_EQ(s.stats().stolen, static_cast<uint64_t>(stolen));
  EXPECT_GE(stolen, 3);
  EXPECT_LE(stolen, 5);  // never the last two: the home gets to them first
}

TEST(SchedulerTest, NoStealingFromAHomeThatKeepsUpOrIsNotThereYet) {
  SchedulerOptions o;
  o.extra_slots = 0;
  o.steal_factor = 4;
  Scheduler s(o);
  for (int i = 0; i < 4; ++i) s.AddTask(10, 0);  // 4 queued, home has 1 slot: not more than 4 x 1
  for (int i = 0; i < 50; ++i) s.AddTask(10, 1);  // home 1 has no worker yet
  int w0 = s.AddWorker(1, 0);
  s.AddWorker(1, 2);  // an idle worker of another home
  std::vector<Assignment> a;
  s.Assign(0, &a);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].worker, w0);
  EXPECT_EQ(s.stats().stolen, 0u);
  SchedulerOptions never;
  never.steal_factor = 0;
  Scheduler n(never);
  for (int i = 0; i < 50; ++i) n.AddTask(10, 0);
  n.AddWorker(1, 0);
  n.AddWorker(8, 1);
  a.clear();
  n.Assign(0, &a);
  EXPECT_EQ(a.size(), 2u);  // the home's own two slots; the other worker takes nothing
  EXPECT_EQ(n.stats().stolen, 0u);
}

}  // namespace
}  // namespace fanout::cluster
