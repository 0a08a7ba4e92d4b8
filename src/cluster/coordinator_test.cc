// The coordinator's loop against fake workers (fake_launcher.h): a small count
// job run end to end in this process, its answer compared with the local
// executor's over the same plan.
#include "cluster/coordinator.h"

#include <signal.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "cluster/fake_launcher.h"
#include "exec/local_executor.h"
#include "exec/query_job.h"
#include "ops/group_table.h"

namespace fanout::cluster {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kRangeBytes = 64;  // many ranges, several starting inside quoted fields
constexpr int kFiles = 3;
constexpr int kRowsPerFile = 40;
constexpr auto kJobTimeout = std::chrono::seconds(60);

// Counts by group key, as a map to compare.
std::map<std::string, uint64_t> Counts(const ops::Partial& p) {
  std::map<std::string, uint64_t> m;
  for (uint32_t g = 0; g < p.num_groups(); ++g) m[std::string(p.key(g))] += p.count(g);
  return m;
}

// A fake worker called `name` that does what FakeWorker does by default.
FakeWorker Fake(std::string name) {
  FakeWorker w;
  w.name = std::move(name);
  return w;
}

// What a worker answers: the task run by the job itself, its output encoded
// as a worker's (the real task code).
std::string AnswerQuery(exec::Job& job, const TaskMsg& t) {
  DoneMsg done;
  done.id = t.id;
  exec::Progress progress;
  exec::TaskContext ctx{t.object, t.task, t.index, t.start, &progress, nullptr, &done.end};
  Result<std::unique_ptr<exec::TaskOutput>> out = job.RunTask(ctx);
  if (!out.ok()) {
    FailMsg fail;
    fail.id = t.id;
    fail.message = out.status().message();
    return EncodeFail(fail);
  }
  done.partial = job.EncodeOutput(**out);
  return EncodeDone(done);
}

// A count by column k.
std::unique_ptr<exec::QueryJob> CountByK() {
  exec::QuerySpec spec;
  spec.by = "k";
  Result<std::unique_ptr<exec::QueryJob>> job = exec::QueryJob::Make(exec::JobCommon{}, spec);
  EXPECT_TRUE(job.ok()) << job.status().message();
  return std::move(job).value();
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    struct sigaction ign = {};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe_);  // as the command line does: a lost worker is EPIPE
    char tmpl[] = "/tmp/fanout-coordinator-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::vector<io::ObjectInfo> objects;
    for (int f = 0; f < kFiles; ++f) {
      std::string path = dir_ + "/part" + std::to_string(f) + ".csv";
      std::ofstream out(path, std::ios::binary);
      out << "k,v\n";
      for (int r = 0; r < kRowsPerFile; ++r) {
        // Quoted keys with line ends and delimiters inside them: ranges that
        // begin in them read wrong at first and are run again.
        if (r % 3 == 0) out << "a," << r << "\n";
        if (r % 3 == 1) out << "\"b\nline two, with a comma\"," << r << "\n";
        if (r % 3 == 2) out << "\"c \"\"quoted\"\"\"," << r << "\n";
      }
      out.close();
      objects.push_back(io::ObjectInfo{path, fs::file_size(path), ""});
    }
    std::shared_ptr<io::Store> local(io::LocalFiles(), [](io::Store*) {});  // not ours to delete
    Result<exec::Plan> plan = exec::MakePlan(local, objects, kRangeBytes);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::move(plan).value();
    options_.connect_timeout_s = 1;
    options_.hello_grace_s = 0;
  }

  void TearDown() override {
    sigaction(SIGPIPE, &old_pipe_, nullptr);
    fs::remove_all(dir_);
  }

  // The same plan and query on the local executor.
  std::map<std::string, uint64_t> LocalCounts() {
    std::unique_ptr<exec::QueryJob> job = CountByK();
    exec::LocalOptions o;
    o.threads = 2;
    Status st = exec::RunJobLocally(plan_, *job, o);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(job->result().stats().rows, static_cast<uint64_t>(kFiles * kRowsPerFile));
    return st.ok() ? Counts(job->result()) : std::map<std::string, uint64_t>{};
  }

  // The job on `launcher`'s workers. A coordinator that hangs is interrupted
  // after kJobTimeout, so the test fails instead of hanging the suite.
  Result<ops::Partial> Run(FakeLauncher* launcher) {
    std::atomic<bool> interrupted{false};
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_for(lock, kJobTimeout, [&] { return done; })) interrupted.store(true);
    });
    options_.launchers = {launcher};
    options_.interrupted = &interrupted;
    std::unique_ptr<exec::QueryJob> job = CountByK();
    Status st = RunClusterJob(plan_, *job, options_, nullptr, &report_);
    Result<ops::Partial> r = st.ok() ? Result<ops::Partial>(std::move(job->result())) : Result<ops::Partial>(st);
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
    watchdog.join();
    options_.interrupted = nullptr;
    return r;
  }

  // Each task stretched so that all of them take about `total_ms` on one core.
  int DelayForAll(int total_ms) const { return total_ms / static_cast<int>(plan_.tasks.size()) + 1; }

  // Results accepted: one per task, and one per quote re-run.
  uint64_t Accepted() const { return plan_.tasks.size() + report_.quote_reruns; }

  // A remote worker that never says hello, and a local one taking `total_ms` for the whole job.
  std::vector<FakeWorker> SilentAndSlow(const std::string& silent, bool remote, int total_ms) {
    FakeWorker quiet = Fake(silent);
    quiet.remote = remote;
    quiet.hello = false;
    FakeWorker slow = Fake(silent == "local-1" ? "local-2" : "local-1");
    slow.delay_ms = DelayForAll(total_ms);
    return {quiet, slow};
  }

  struct sigaction old_pipe_ = {};
  std::string dir_;
  exec::Plan plan_;
  ClusterOptions options_;
  ClusterReport report_;
};

TEST_F(CoordinatorTest, TwoWorkersMergeEveryResultOnce) {
  ASSERT_GT(plan_.tasks.size(), 10u);
  // Each takes its time, so that neither finishes the job before the other joins.
  FakeWorker one = Fake("local-1"), two = Fake("local-2");
  one.delay_ms = two.delay_ms = DelayForAll(400);
  two.cores = 2;
  FakeLauncher fake({one, two}, AnswerQuery);
  Result<ops::Partial> got = Run(&fake);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->stats().rows, static_cast<uint64_t>(kFiles * kRowsPerFile));
  EXPECT_EQ(Counts(*got), LocalCounts());
  EXPECT_EQ(Counts(*got).size(), 3u);
  EXPECT_GT(report_.quote_reruns, 0u);  // the coordinator's re-run path ran
  EXPECT_GT(fake.TasksAnswered(0), 0);
  EXPECT_GT(fake.TasksAnswered(1), 0);
  ASSERT_EQ(report_.workers.size(), 2u);
  EXPECT_EQ(report_.workers[0].tasks + report_.workers[1].tasks, Accepted());
  for (const WorkerReport& w : report_.workers) {
    EXPECT_TRUE(w.joined) << w.name;
    EXPECT_EQ(w.lost, "") << w.name;
  }
  EXPECT_EQ(report_.workers[1].cores, 2);
}

TEST_F(CoordinatorTest, AWorkerThatDiesMidJobHasItsTasksRunElsewhere) {
  FakeWorker dies = Fake("local-1");
  dies.die_after = 1;
  dies.last_words = "out of memory\n";
  FakeWorker survivor = Fake("local-2");
  survivor.delay_ms = DelayForAll(400);  // the job lasts until the other has joined and died
  FakeLauncher fake({dies, survivor}, AnswerQuery);
  Result<ops::Partial> got = Run(&fake);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(Counts(*got), LocalCounts());
  EXPECT_EQ(fake.TasksAnswered(0), 1);
  ASSERT_EQ(report_.workers.size(), 2u);
  EXPECT_TRUE(report_.workers[0].joined);
  EXPECT_EQ(report_.workers[0].lost, "it exited: out of memory");
  EXPECT_LE(report_.workers[0].tasks, 1u);
  EXPECT_GE(report_.stats.requeued_lost, 1u);
  EXPECT_EQ(report_.workers[1].lost, "");
}

// The job's timeline (--report): every attempt on a lane of its worker, the
// dead worker's running attempts lost with it and run again elsewhere, every
// task merged once, both hosts with their lanes and the one that died lost.
TEST_F(CoordinatorTest, TheTimelineRecordsEveryAttemptAndTheLostWorker) {
  FakeWorker dies = Fake("local-1");
  dies.die_after = 1;
  FakeWorker survivor = Fake("local-2");
  survivor.delay_ms = DelayForAll(400);
  survivor.cores = 2;
  FakeLauncher fake({dies, survivor}, AnswerQuery);
  exec::TimelineRecorder timeline;
  options_.timeline = &timeline;
  Result<ops::Partial> got = Run(&fake);
  options_.timeline = nullptr;
  ASSERT_TRUE(got.ok()) << got.status().message();
  exec::Timeline t = timeline.Snapshot();
  ASSERT_EQ(t.hosts.size(), 2u);
  std::map<std::string, exec::HostRecord> hosts;
  for (const exec::HostRecord& h : t.hosts) hosts[h.name] = h;
  EXPECT_GE(hosts["local-1"].lost, 0);
  EXPECT_NE(hosts["local-1"].lost_reason, "");
  EXPECT_LT(hosts["local-2"].lost, 0);
  EXPECT_EQ(hosts["local-2"].slots, 3);  // 2 cores + 1 queued
  std::map<uint32_t, int> done;
  int lost = 0;
  for (const exec::AttemptRecord& a : t.attempts) {
    EXPECT_LT(a.slot, hosts[a.host].slots > 0 ? hosts[a.host].slots : 2) << a.host;
    EXPECT_LE(a.start, a.finish);
    if (a.end_state == exec::AttemptRecord::End::kDone) ++done[a.task];
    if (a.end_state == exec::AttemptRecord::End::kLost) {
      ++lost;
      EXPECT_EQ(a.host, "local-1");
    }
  }
  // Each task merged once: a re-run range's first result is superseded.
  for (uint32_t i = 0; i < plan_.tasks.size(); ++i) EXPECT_EQ(done[i], 1) << "task " << i;
  EXPECT_GE(lost, 1);
  std::vector<std::string> phases;
  for (const exec::PhaseRecord& p : t.phases) phases.push_back(p.name);
  EXPECT_EQ(phases, (std::vector<std::string>{"launching", "scanning", "merging"}));
}

TEST_F(CoordinatorTest, AHostThatNeverSaysHelloFailsTheJobNamingIt) {
  FakeLauncher fake(SilentAndSlow("h-silent", true, 10000), AnswerQuery);
  Result<ops::Partial> got = Run(&fake);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "h-silent did not join the job: no hello within 1 s (with --allow-missing-hosts the job runs without the "
            "hosts that do not join)");
  ASSERT_EQ(report_.workers.size(), 2u);
  EXPECT_FALSE(report_.workers[0].joined);
}

TEST_F(CoordinatorTest, WithAllowMissingHostsTheJobRunsWithoutIt) {
  options_.allow_missing_hosts = true;
  FakeLauncher fake(SilentAndSlow("h-silent", true, 1500), AnswerQuery);
  Result<ops::Partial> got = Run(&fake);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(Counts(*got), LocalCounts());
  ASSERT_EQ(report_.workers.size(), 2u);
  EXPECT_FALSE(report_.workers[0].joined);
  EXPECT_EQ(report_.workers[0].lost, "no hello within 1 s");
  EXPECT_EQ(report_.workers[1].tasks, Accepted());
}

// A local worker that never says hello is lost too, but is no reason to fail
// a job the others can finish.
TEST_F(CoordinatorTest, ALocalWorkerThatNeverSaysHelloIsOnlyLost) {
  FakeLauncher fake(SilentAndSlow("local-1", false, 1500), AnswerQuery);
  Result<ops::Partial> got = Run(&fake);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(Counts(*got), LocalCounts());
  EXPECT_EQ(report_.workers[0].lost, "no hello within 1 s");
}

TEST_F(CoordinatorTest, NoWorkerLeftFailsTheJobSayingWhy) {
  FakeWorker dies = Fake("local-1");
  dies.die_after = 0;
  dies.last_words = "segfault\n";
  FakeLauncher fake({dies}, AnswerQuery);
  Result<ops::Partial> got = Run(&fake);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "every worker was lost, the job cannot finish (local-1: it exited: segfault)");
}

}  // namespace
}  // namespace fanout::cluster
