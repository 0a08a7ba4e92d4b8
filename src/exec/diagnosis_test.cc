#include "exec/diagnosis.h"

#include <gtest/gtest.h>

namespace fanout::exec {
namespace {

// Tasks laid on slots one after another: each slot runs its list back to back
// from `t0`; returns the time the last one ends.
double Lay(Timeline* t, const std::string& host, int slot, double t0, const std::vector<double>& seconds,
           double bytes_per_s, uint32_t* next_task) {
  double at = t0;
  for (double s : seconds) {
    AttemptRecord a;
    a.task = (*next_task)++;
    a.object = "data/part-" + std::to_string(a.task) + ".csv";
    a.bytes = static_cast<uint64_t>(s * bytes_per_s);
    a.end = a.bytes;
    a.host = host;
    a.slot = slot;
    a.start = at;
    a.finish = at + s;
    at = a.finish;
    t->attempts.push_back(a);
  }
  return at;
}

TEST(Diagnose, EvenWorkOnEverySlotScaledWell) {
  Timeline t;
  t.hosts = {{"local", 4}};
  uint32_t n = 0;
  for (int s = 0; s < 4; ++s) Lay(&t, "local", s, 0.1, std::vector<double>(10, 1.0), 100e6, &n);
  t.wall = 10.3;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "scaled_well") << d.sentence;
  EXPECT_NE(d.sentence.find("4 slots were busy 100 %"), std::string::npos) << d.sentence;
}

TEST(Diagnose, OneLargeObjectIsTheCriticalPath) {
  Timeline t;
  t.hosts = {{"h1", 2}, {"h2", 2}};
  uint32_t n = 0;
  Lay(&t, "h1", 0, 0, {30.0}, 100e6, &n);  // 3 GB in one task
  Lay(&t, "h1", 1, 0, {1, 1, 1}, 100e6, &n);
  Lay(&t, "h2", 0, 0, {1, 1, 1, 1, 1}, 100e6, &n);
  Lay(&t, "h2", 1, 0, {1, 1, 1, 1}, 100e6, &n);
  t.wall = 30.5;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "critical_path") << d.sentence;
  EXPECT_NE(d.sentence.find("data/part-0.csv (3.00 GB), ran 30.0 s of the 30.0 s scan"), std::string::npos) << d.sentence;
  EXPECT_NE(d.sentence.find("--range-size 512MiB;"), std::string::npos) << d.sentence;  // 750 MB a slot, as a flag
  EXPECT_NEAR(d.lost_seconds, 30.0 - (30.0 + 12) / 4, 1e-9);
}

// The story's "4 bigger machines, only 2x faster": few objects for many slots.
TEST(Diagnose, FewerTasksThanSlots) {
  Timeline t;
  uint32_t n = 0;
  for (int h = 1; h <= 4; ++h) t.hosts.push_back({"h" + std::to_string(h), 8});
  for (int h = 1; h <= 4; ++h) Lay(&t, "h" + std::to_string(h), 0, 0, {10.0, 10.0}, 100e6, &n);
  t.wall = 20.2;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "few_tasks") << d.sentence;
  EXPECT_NE(d.sentence.find("Only 8 tasks for 32 slots: 24 slots had nothing to do"), std::string::npos) << d.sentence;
  EXPECT_NEAR(d.lost_seconds, 80.0 / 8 - 80.0 / 32, 1e-9);
}

TEST(Diagnose, ASlowMachine) {
  Timeline t;
  t.hosts = {{"h1", 2}, {"h2", 2}, {"h3", 2}};
  uint32_t n = 0;
  for (int s = 0; s < 2; ++s) {
    Lay(&t, "h1", s, 0, std::vector<double>(10, 1.0), 100e6, &n);
    Lay(&t, "h3", s, 0, std::vector<double>(10, 1.0), 100e6, &n);
    Lay(&t, "h2", s, 0, {5.0, 5.0}, 20e6, &n);  // 100 MB tasks at 20 MB/s
  }
  t.wall = 10.2;
  // Make h2's tasks the last ones: it holds the job's end.
  for (AttemptRecord& a : t.attempts) {
    if (a.host == "h2") a.start += 4, a.finish += 4;
  }
  t.wall = 14.2;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "slow_machine") << d.sentence;
  EXPECT_NE(d.sentence.find("h2 was slow: its tasks ran at 20.0 MB/s (median), the other machines' at 100 MB/s"),
            std::string::npos)
      << d.sentence;
}

TEST(Diagnose, StartUpTookMostOfTheTime) {
  Timeline t;
  t.hosts = {{"h1", 2}};
  t.phases = {{"listing", 0, 2}, {"planning", 2, 3}, {"launching", 3, 20}, {"scanning", 20, 25}};
  uint32_t n = 0;
  Lay(&t, "h1", 0, 20, {2.5, 2.5}, 100e6, &n);
  Lay(&t, "h1", 1, 20, {2.5, 2.5}, 100e6, &n);
  t.wall = 25;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "startup") << d.sentence;
  EXPECT_EQ(d.sentence, "Start-up took 20.0 s of the 25.0 s (80 %): listing 2.00 s, planning 1.00 s, launching 17.0 s, "
                        "before the first task ran.");
}

TEST(Diagnose, ALostMachine) {
  Timeline t;
  t.hosts = {{"h1", 1}, {"h2", 1}};
  t.hosts[1].lost = 9.5;
  uint32_t n = 0;
  Lay(&t, "h1", 0, 0, {10, 10}, 100e6, &n);
  AttemptRecord lost;
  lost.task = n++;
  lost.object = "data/part-lost.csv";
  lost.host = "h2";
  lost.start = 0;
  lost.finish = 9.5;
  lost.end_state = AttemptRecord::End::kLost;
  t.attempts.push_back(lost);
  AttemptRecord again = lost;
  again.host = "h1";
  again.start = 20;
  again.finish = 30;
  again.attempt = 2;
  again.bytes = 1000000000;
  again.end_state = AttemptRecord::End::kDone;
  t.attempts.push_back(again);
  Lay(&t, "h1", 0, 30, {10}, 100e6, &n);
  t.wall = 40;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "retries") << d.sentence;
  EXPECT_NEAR(d.lost_seconds, 9.5 / 2 + (40 - 9.5) / 2, 1e-9);
  EXPECT_NE(d.sentence.find("1 attempt failed, were lost"), std::string::npos) << d.sentence;
  EXPECT_NE(d.sentence.find("h2 lost at 9.50 s"), std::string::npos) << d.sentence;
}

TEST(Diagnose, AnEmptyJobSaysSomethingTrue) {
  Timeline t;
  t.wall = 0.01;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "scaled_well");
  EXPECT_FALSE(d.sentence.empty());
  EXPECT_TRUE(AllCauses(t).empty() || AllCauses(t)[0].lost_seconds == 0);
}

// The slow machine's own tasks are long because of the machine: that is not a
// critical path (a report of three equal-sized-task hosts once said it was).
TEST(Diagnose, ASlowMachinesTasksAreNotTheCriticalPath) {
  Timeline t;
  t.hosts = {{"fast1", 2}, {"fast2", 2}, {"slow", 2}};
  uint32_t n = 0;
  for (int s = 0; s < 2; ++s) {
    Lay(&t, "fast1", s, 0, std::vector<double>(20, 0.01), 100e6, &n);
    Lay(&t, "fast2", s, 0, std::vector<double>(20, 0.01), 100e6, &n);
    Lay(&t, "slow", s, 0, {0.75}, 100e6 / 75, &n);  // 1 MB at 1.3 MB/s
  }
  t.wall = 0.8;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "slow_machine") << d.sentence;
  for (const Diagnosis& c : AllCauses(t)) {
    if (c.cause == "critical_path") EXPECT_LT(c.lost_seconds, 0.05) << c.sentence;
  }
}

// Threads off the CPU most of the time they ran: the source bounds the job.
TEST(Diagnose, TasksThatWaitedOnTheirSource) {
  Timeline t;
  t.hosts = {{"h1", 4}};
  uint32_t n = 0;
  for (int s = 0; s < 4; ++s) Lay(&t, "h1", s, 0.1, std::vector<double>(10, 1.0), 50e6, &n);
  for (AttemptRecord& a : t.attempts) {
    a.cpu = 0.2;  // on the CPU a fifth of each second it ran
    a.remote = true;
  }
  t.wall = 10.2;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "source") << d.sentence;
  EXPECT_NE(d.sentence.find("on the CPU only 20 % of the 40.0 s they ran"), std::string::npos) << d.sentence;
  EXPECT_NE(d.sentence.find("the network or the store"), std::string::npos) << d.sentence;
  EXPECT_NEAR(d.lost_seconds, 10.0 * 0.8, 1e-6);
  // On the CPU most of the time: not the source, whatever the speed.
  for (AttemptRecord& a : t.attempts) a.cpu = 0.9;
  EXPECT_EQ(Diagnose(t).cause, "scaled_well") << Diagnose(t).sentence;
  // Not measured (more threads than cores): no verdict about the source.
  for (AttemptRecord& a : t.attempts) a.cpu = -1;
  for (const Diagnosis& c : AllCauses(t)) EXPECT_NE(c.cause, "source") << c.sentence;
}

// A compressed object cannot be split: the advice says what can be done instead.
TEST(Diagnose, ACompressedLargestTaskGetsAdviceThatWorks) {
  Timeline t;
  t.hosts = {{"h1", 4}};
  uint32_t n = 0;
  Lay(&t, "h1", 0, 0, {20.0}, 100e6, &n);
  Lay(&t, "h1", 1, 0, {1, 1}, 100e6, &n);
  Lay(&t, "h1", 2, 0, {1, 1}, 100e6, &n);
  Lay(&t, "h1", 3, 0, {1, 1}, 100e6, &n);
  t.attempts[0].unsplittable = true;
  t.wall = 20.1;
  Diagnosis d = Diagnose(t);
  EXPECT_EQ(d.cause, "critical_path") << d.sentence;
  EXPECT_NE(d.sentence.find("a compressed object cannot be split into ranges"), std::string::npos) << d.sentence;
  EXPECT_EQ(d.sentence.find("--range-size"), std::string::npos) << d.sentence;
}

TEST(Diagnose, RangeSizeFlagIsAPowerOfTwoTheFlagTakes) {
  EXPECT_EQ(RangeSizeFlag(0), "64KiB");
  EXPECT_EQ(RangeSizeFlag(100 << 10), "64KiB");
  EXPECT_EQ(RangeSizeFlag(750000000), "512MiB");
  EXPECT_EQ(RangeSizeFlag(uint64_t{3} << 30), "2GiB");
}

}  // namespace
}  // namespace fanout::exec
