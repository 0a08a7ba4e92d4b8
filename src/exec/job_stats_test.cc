#include "exec/job_stats.h"
#include "exec/timeline.h"

#include <gtest/gtest.h>

#include <limits>

#include <nlohmann/json.hpp>

namespace fanout::exec {
namespace {

// Two objects: a.csv in two ranges and a whole gzip object.
Plan SmallPlan() {
  Plan p;
  p.objects.resize(2);
  p.objects[0].info = {"a.csv", 200, ""};
  p.objects[1].info = {"b</script>.csv.gz", 50, ""};
  p.objects[1].compression = io::Compression::kGzip;
  p.tasks.push_back({0, 0, 2, 0, 100, 100});
  p.tasks.push_back({0, 1, 2, 100, 200, 100});
  p.tasks.push_back({1, 0, 1, 0, std::numeric_limits<uint64_t>::max(), 50});
  p.total_bytes = 250;
  return p;
}

TEST(JobStats, TheSchemaOfDocsReportMd) {
  Plan plan = SmallPlan();
  TimelineRecorder tl;
  HostRecord h;
  h.name = "h1";
  h.slots = 2;
  h.joined = 0.01;
  tl.SetHost(h);
  tl.AddPhase("scanning", 0.01, 0.5);
  tl.AddPhase("listing", 0, 0.01);
  size_t a = tl.Start(plan, 0, "h1", 0);
  tl.Finish(a, AttemptRecord::End::kFailed, 0, 0, "reset");
  a = tl.Start(plan, 0, "h1", 1);
  tl.Finish(a, AttemptRecord::End::kDone, 100, 7, "", -1, 0.001);
  a = tl.Start(plan, 1, "h1", 0);
  tl.Finish(a, AttemptRecord::End::kDone, 100, 8);
  a = tl.Start(plan, 2, "h1", 0, /*backup=*/false);
  tl.Finish(a, AttemptRecord::End::kDone, 50, 5);
  JobInfo info;
  info.command = "count";
  info.argv = {"fanout", "count", "--by", "x"};
  info.mode = "hosts";
  info.started = "2026-12-03T15:00:00Z";
  nlohmann::json d = nlohmann::json::parse(StatsJson(info, plan, tl.Snapshot()));
  EXPECT_EQ(d["fanout_stats"], 1);
  EXPECT_EQ(d["job"]["command"], "count");
  EXPECT_EQ(d["job"]["mode"], "hosts");
  EXPECT_EQ(d["job"]["status"], "ok");
  EXPECT_EQ(d["plan"]["objects"], 2);
  EXPECT_EQ(d["plan"]["tasks"], 3);
  EXPECT_EQ(d["plan"]["bytes"], 250);
  EXPECT_EQ(d["plan"]["slots"], 2);
  EXPECT_EQ(d["plan"]["largest_task_bytes"], 100);
  ASSERT_EQ(d["phases"].size(), 2u);
  EXPECT_EQ(d["phases"][0]["name"], "listing");  // in order of their start
  EXPECT_EQ(d["hosts"][0]["lost_s"], nullptr);
  EXPECT_EQ(d["objects"][1]["url"], "b</script>.csv.gz");
  ASSERT_EQ(d["tasks"].size(), 3u);
  ASSERT_EQ(d["tasks"][0]["attempts"].size(), 2u);
  EXPECT_EQ(d["tasks"][0]["attempts"][0]["outcome"], "failed");
  EXPECT_EQ(d["tasks"][0]["attempts"][0]["error"], "reset");
  EXPECT_EQ(d["tasks"][0]["attempts"][0]["cpu_s"], nullptr);
  EXPECT_EQ(d["tasks"][0]["attempts"][1]["attempt"], 2);
  EXPECT_DOUBLE_EQ(d["tasks"][0]["attempts"][1]["cpu_s"].get<double>(), 0.001);
  // A whole object's range ends at its stored size, not at 2^64 - 1.
  EXPECT_EQ(d["tasks"][2]["end"], 50);
  EXPECT_EQ(d["totals"]["rows"], 20);
  EXPECT_EQ(d["totals"]["bytes"], 250);
  EXPECT_EQ(d["totals"]["attempts"], 4);
  EXPECT_EQ(d["totals"]["retries"], 1);
  EXPECT_TRUE(d["diagnosis"]["cause"].is_string());
  EXPECT_TRUE(d["diagnosis"]["all"].is_array());

  info.ok = false;
  info.error = "a.csv: no column x";
  d = nlohmann::json::parse(StatsJson(info, plan, tl.Snapshot()));
  EXPECT_EQ(d["job"]["status"], "failed");
  EXPECT_EQ(d["diagnosis"]["cause"], "failed");
  EXPECT_EQ(d["diagnosis"]["sentence"], "The job failed: a.csv: no column x");
}

TEST(JobStats, NamesThatAreNotUtf8StayValidJson) {
  Plan plan = SmallPlan();
  plan.objects[0].info.url = std::string("bad\xff\xfe name.csv");
  TimelineRecorder tl;
  tl.Finish(tl.Start(plan, 0, "local", 0), AttemptRecord::End::kDone, 100, 1);
  EXPECT_NO_THROW(nlohmann::json::parse(StatsJson(JobInfo{}, plan, tl.Snapshot())));
  // A name that spells the key the tasks are put in at stays a name.
  plan.objects[0].info.url = "x\"tasks\":null,\"tasks\":null";
  plan.objects[1].info.url = "\"tasks\":null";
  nlohmann::json d = nlohmann::json::parse(StatsJson(JobInfo{}, plan, tl.Snapshot()));
  EXPECT_EQ(d["objects"][0]["url"], plan.objects[0].info.url);
  EXPECT_EQ(d["objects"][1]["url"], plan.objects[1].info.url);
  ASSERT_TRUE(d["tasks"].is_array());
  EXPECT_EQ(d["tasks"].size(), 3u);
  EXPECT_EQ(d["tasks"][0]["attempts"][0]["host"], "local");
}

TEST(JobStats, ScriptElementTextCannotCloseTheScript) {
  std::string s = ForScriptElement(R"({"url":"</script><script>alert(1)</script>"})");
  EXPECT_EQ(s.find('<'), std::string::npos) << s;
  EXPECT_EQ(nlohmann::json::parse(s)["url"], "</script><script>alert(1)</script>");
}

TEST(Timeline, ARunTimeMovesTheStartToWhenTheTaskRan) {
  Plan plan = SmallPlan();
  TimelineRecorder tl(TimelineRecorder::Clock::now() - std::chrono::seconds(10));
  size_t a = tl.Start(plan, 1, "w1", 2, /*backup=*/true);
  tl.Finish(a, AttemptRecord::End::kDone, 100, 3, "", /*run=*/0.0, /*cpu=*/0.0);
  size_t b = tl.Start(plan, 1, "w2", 0);
  tl.Supersede(b, "read from the wrong start");
  Timeline t = tl.Snapshot();
  ASSERT_EQ(t.attempts.size(), 2u);
  EXPECT_NEAR(t.attempts[0].start, t.attempts[0].finish, 1e-9);
  EXPECT_GE(t.attempts[0].start, 10.0);
  EXPECT_TRUE(t.attempts[0].backup);
  EXPECT_EQ(t.attempts[0].attempt, 1u);
  EXPECT_EQ(t.attempts[1].attempt, 2u);
  EXPECT_EQ(t.attempts[1].end_state, AttemptRecord::End::kDuplicate);
  EXPECT_EQ(t.attempts[0].object, "a.csv");
  EXPECT_EQ(t.attempts[0].begin, 100u);
  EXPECT_EQ(t.attempts[0].end, 200u);
  EXPECT_GE(t.wall, 10.0);
}

}  // namespace
}  // namespace fanout::exec
