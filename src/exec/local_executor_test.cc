// The local executor against a job that reads nothing: its tasks report the
// range ends a test chooses, so the chain's re-runs, the commit order and the
// retry policy are checked on their own, not through a CSV reader.
#include "exec/local_executor.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <vector>

namespace fanout::exec {
namespace {

struct Out final : TaskOutput {
  uint32_t index = 0;
  csv::RangeStart start;
};

// Each task reports a '\n' in its bytes and ends in the state `ends[index]`
// (field start unless given). `failures[index]` lists the errors its first
// attempts return, in order.
class FakeJob final : public Job {
 public:
  FakeJob() : Job(JobCommon{}) {}
  std::map<uint32_t, csv::QuoteState> ends;
  std::map<uint32_t, std::vector<Status>> failures;

  std::string_view Kind() const override { return "fake"; }
  void EncodeFields(Encoder*) const override {}
  Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      runs.push_back({ctx.index, ctx.start});
      std::vector<Status>& f = failures[ctx.index];
      if (!f.empty()) {
        Status st = f.front();
        f.erase(f.begin());
        return st;
      }
    }
    ctx.end->used = csv::RangeStart{ctx.start.quote, csv::LineEnd::kLf};
    ctx.end->saw_lf = true;
    auto it = ends.find(ctx.index);
    ctx.end->quote = it == ends.end() ? csv::QuoteState::kFieldStart : it->second;
    auto out = std::make_unique<Out>();
    out->index = ctx.index;
    out->start = ctx.start;
    return std::unique_ptr<TaskOutput>(std::move(out));
  }
  std::string EncodeOutput(const TaskOutput&) const override { return ""; }
  Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view) const override {
    return Status::Internal("not on the wire");
  }
  uint64_t Rows(const TaskOutput&) const override { return 1; }
  void SetSlots(int n) override { slots = n; }
  Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) override {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_GE(slot, 0);
    EXPECT_LT(slot, slots);
    for (Committed& c : *ranges) {
      const Out& o = static_cast<const Out&>(*c.output);
      EXPECT_EQ(o.index, c.index);
      EXPECT_EQ(c.holder, kLocalHolder);
      committed.push_back({object, c.task->range, o.start});
    }
    return Status::OK();
  }
  Status Finish() override {
    ++finished;
    return Status::OK();
  }

  struct Run {
    uint32_t index;
    csv::RangeStart start;
  };
  struct Commit1 {
    uint32_t object, range;
    csv::RangeStart start;
  };
  std::mutex mu;
  std::vector<Run> runs;
  std::vector<Commit1> committed;
  int slots = 0, finished = 0;
};

// One object of `ranges` ranges of 10 bytes each, and a second of one range.
Plan TwoObjects(uint32_t ranges) {
  Plan p;
  p.objects.resize(2);
  p.objects[0].info = {"a.csv", 10ull * ranges, ""};
  p.objects[1].info = {"b.csv", 5, ""};
  for (uint32_t r = 0; r < ranges; ++r) p.tasks.push_back({0, r, ranges, 10ull * r, 10ull * (r + 1), 10});
  p.tasks.push_back({1, 0, 1, 0, 5, 5});
  return p;
}

TEST(LocalExecutor, CommitsEachObjectsRangesOnceInOrderAfterTheChainSettles) {
  for (int threads : {1, 2, 4}) {
    Plan plan = TwoObjects(4);
    FakeJob job;
    job.ends[1] = csv::QuoteState::kQuoted;  // range 1 ends inside a quoted field: range 2 must run again
    LocalOptions lo;
    lo.threads = threads;
    ASSERT_TRUE(RunJobLocally(plan, job, lo).ok());
    EXPECT_EQ(job.finished, 1);
    EXPECT_EQ(job.slots, threads);
    std::vector<uint32_t> ranges_of_a;
    for (const auto& c : job.committed) {
      if (c.object != 0) continue;
      ranges_of_a.push_back(c.range);
      csv::QuoteState want = c.range == 2 ? csv::QuoteState::kQuoted : csv::QuoteState::kFieldStart;
      EXPECT_EQ(c.start.quote, want) << "range " << c.range;
    }
    EXPECT_EQ(ranges_of_a, (std::vector<uint32_t>{0, 1, 2, 3})) << threads << " threads";
    EXPECT_EQ(job.committed.size(), 5u);
    EXPECT_EQ(job.runs.size(), 6u);  // five tasks and one re-run
  }
}

TEST(LocalExecutor, ReRunsSeveralRangesInTurn) {
  Plan plan = TwoObjects(5);
  FakeJob job;
  // Range 1 ends quoted; run again quoted... every range after it ends quoted too,
  // so each learns its start only once the one before it has settled.
  for (uint32_t r = 1; r < 4; ++r) job.ends[r] = csv::QuoteState::kQuoted;
  ASSERT_TRUE(RunJobLocally(plan, job, LocalOptions{}).ok());
  std::map<uint32_t, csv::QuoteState> started;
  for (const auto& c : job.committed) {
    if (c.object == 0) started[c.range] = c.start.quote;
  }
  EXPECT_EQ(started[1], csv::QuoteState::kFieldStart);
  for (uint32_t r = 2; r < 5; ++r) EXPECT_EQ(started[r], csv::QuoteState::kQuoted) << "range " << r;
}

TEST(LocalExecutor, RetriesOnlyWhatTheOptionsAllow) {
  {
    Plan plan = TwoObjects(1);
    FakeJob job;
    job.failures[0] = {Status::IoError("a.csv: reset"), Status::IoError("a.csv: reset")};
    LocalOptions lo;
    lo.io_attempts = 3;
    int retries = 0;
    lo.on_retry = [&](int attempt, int of, const Status&) {
      ++retries;
      EXPECT_EQ(of, 3);
      EXPECT_EQ(attempt, retries + 1);
    };
    EXPECT_TRUE(RunJobLocally(plan, job, lo).ok());
    EXPECT_EQ(retries, 2);
    EXPECT_EQ(job.committed.size(), 2u);
  }
  {
    Plan plan = TwoObjects(1);
    FakeJob job;
    job.failures[0] = {Status::IoError("a.csv: reset")};
    Status st = RunJobLocally(plan, job, LocalOptions{});  // one attempt by default
    EXPECT_EQ(st.message(), "a.csv: reset");
    EXPECT_EQ(job.finished, 0);
  }
  {
    Plan plan = TwoObjects(1);
    FakeJob job;
    job.failures[0] = {Status::CommandFailed("exit 1"), Status::CommandFailed("exit 1")};
    LocalOptions lo;
    lo.io_attempts = 5;
    lo.command_attempts = 2;
    Status st = RunJobLocally(plan, job, lo);
    EXPECT_EQ(st.code(), StatusCode::kCommandFailed);
    EXPECT_EQ(st.message(), "exit 1 (failed 2 times; giving up)");
  }
  {
    Plan plan = TwoObjects(1);
    FakeJob job;
    job.failures[0] = {Status::Corrupt("a.csv: bad gzip")};
    LocalOptions lo;
    lo.io_attempts = lo.command_attempts = 5;
    EXPECT_EQ(RunJobLocally(plan, job, lo).message(), "a.csv: bad gzip");  // never retried
    size_t runs_of_a = 0;
    for (const auto& r : job.runs) runs_of_a += r.index == 0;
    EXPECT_EQ(runs_of_a, 1u);
  }
}

TEST(LocalExecutor, ARangeThatFailedUnderAWrongGuessRunsAgain) {
  Plan plan = TwoObjects(3);
  FakeJob job;
  job.ends[0] = csv::QuoteState::kQuoted;
  // Range 1's first run (assuming a field start) fails; under the right start it works.
  job.failures[1] = {Status::Corrupt("a.csv: a row longer than --max-row")};
  ASSERT_TRUE(RunJobLocally(plan, job, LocalOptions{}).ok());
  EXPECT_EQ(job.committed.size(), 4u);
}

// The timeline gets every run of every task once, on the slot that ran it:
// a range read from the wrong start is a duplicate (work thrown away), its
// re-run a rerun; a failure that was retried is failed, its retry attempt 2.
TEST(LocalExecutor, RecordsEveryAttemptInTheTimeline) {
  Plan plan = TwoObjects(4);
  FakeJob job;
  job.ends[1] = csv::QuoteState::kQuoted;                  // range 2 runs again
  job.failures[4] = {Status::IoError("b.csv: reset")};    // b.csv fails once
  TimelineRecorder tl;
  LocalOptions lo;
  lo.threads = 2;
  lo.io_attempts = 2;
  lo.timeline = &tl;
  ASSERT_TRUE(RunJobLocally(plan, job, lo).ok());
  Timeline t = tl.Snapshot();
  ASSERT_EQ(t.attempts.size(), job.runs.size());
  ASSERT_EQ(t.hosts.size(), 1u);
  EXPECT_EQ(t.hosts[0].name, "local");
  EXPECT_EQ(t.hosts[0].slots, 2);
  std::map<std::string, int> outcomes;
  for (const AttemptRecord& a : t.attempts) {
    EXPECT_EQ(a.host, "local");
    EXPECT_GE(a.slot, 0);
    EXPECT_LT(a.slot, 2);
    EXPECT_LE(a.start, a.finish);
    ++outcomes[EndName(a.end_state)];
    if (a.task == 2 && a.rerun) {
      EXPECT_EQ(a.attempt, 2u);
      EXPECT_EQ(a.end_state, AttemptRecord::End::kDone);
    }
    if (a.task == 2 && !a.rerun) {
      EXPECT_EQ(a.end_state, AttemptRecord::End::kDuplicate) << a.error;
    }
    if (a.task == 4 && a.attempt == 1) {
      EXPECT_EQ(a.end_state, AttemptRecord::End::kFailed);
      EXPECT_EQ(a.error, "b.csv: reset");
    }
    if (a.end_state == AttemptRecord::End::kDone) {
      EXPECT_EQ(a.bytes, plan.tasks[a.task].stored_bytes);
    }
  }
  EXPECT_EQ(outcomes["done"], 5);
  EXPECT_EQ(outcomes["duplicate"], 1);
  EXPECT_EQ(outcomes["failed"], 1);
  std::vector<std::string> phases;
  for (const PhaseRecord& p : t.phases) phases.push_back(p.name);
  EXPECT_EQ(phases, (std::vector<std::string>{"scanning", "merging"}));
}

}  // namespace
}  // namespace fanout::exec
