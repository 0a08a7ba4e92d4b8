// What bounded a job: a job's timeline (every attempt of every task, where and
// when it ran, what it read) and, from it, the one cause that explains most of
// its wall time, as a sentence with numbers. Pure: no clocks, no I/O, so every
// rule is unit-tested on synthetic timelines (diagnosis_test.cc) and the same
// code explains local jobs and cluster jobs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fanout::exec {

struct AttemptRecord {
  uint32_t task = 0;          // the task's number in the plan
  std::string object;         // its object (as the user names it)
  uint64_t begin = 0, end = 0;  // its byte range in the object
  std::string host;           // the machine ("local" for this one)
  int slot = 0;               // the slot on that machine, 0-based
  double start = 0, finish = 0;  // seconds since the job started
  uint64_t bytes = 0, rows = 0;  // read by this attempt (0 unless it finished)
  uint32_t attempt = 1;       // 1 for a task's first attempt, 2 for its second, ...
  bool backup = false;        // a copy started because the task was overdue
  bool rerun = false;         // run again because an earlier range's end moved its start (quotes)
  bool restaged = false;      // it made its staged piece again from the source
  bool unsplittable = false;  // its object cannot be split into ranges (compressed)
  enum class End : uint8_t {
    kDone,       // its result was merged
    kDuplicate,  // it finished, but another attempt's result was merged first
    kFailed,     // it failed (and the task ran again, or the job failed)
    kLost,       // its machine was lost or interrupted under it
    kCancelled,  // stopped: another attempt had finished the task
  } end_state = End::kDone;
  std::string error;          // why it failed or was lost
  double cpu = -1;            // CPU seconds of the thread that ran it; -1: not known
  bool remote = false;        // its object is read over the network (s3://, http(s)://)
};

// "done", "duplicate", "failed", "lost", "cancelled" (docs/report.md).
const char* EndName(AttemptRecord::End end);

struct HostRecord {
  std::string name;
  int slots = 0;
  double joined = 0;    // when it took its first task's worth of frames (seconds since the start)
  double lost = -1;     // when it was lost; -1: never
  std::string lost_reason;  // why it was lost, or did not join
  std::string interrupted;  // its machine's interruption notice (spot), if one came
};

struct PhaseRecord {
  std::string name;     // listing, planning, launching, scanning, merging, writing
  double start = 0, end = 0;
};

struct Timeline {
  double wall = 0;                    // the job's wall time, seconds
  std::vector<PhaseRecord> phases;
  std::vector<HostRecord> hosts;
  std::vector<AttemptRecord> attempts;
  uint64_t range_size = 0;            // --range-size, for the advice on splitting
};

struct Diagnosis {
  // critical_path, few_tasks, slow_machine, source, startup, retries, scaled_well
  std::string cause;
  std::string sentence;    // "The largest task, x.csv (2.1 GB), ran 31.0 s of the 33.2 s scan: ..."
  double lost_seconds = 0; // the wall time the cause is estimated to have cost
};

// The cause that cost the most wall time, among those measured; "scaled_well"
// when none cost more than a fifth of it.
Diagnosis Diagnose(const Timeline& timeline);

// Every cause's estimate, largest first (for the report's table).
std::vector<Diagnosis> AllCauses(const Timeline& timeline);

// A size as --range-size takes it, a power of two no larger than `bytes` and no
// smaller than 64KiB: "256KiB", "16MiB", "1GiB".
std::string RangeSizeFlag(uint64_t bytes);

// What to tell a user whose largest task is too big: split it with
// --range-size (a split a slot's share of `bytes`) — or, for an object that
// cannot be split, to store it as smaller objects or stage it.
std::string SplitAdvice(uint64_t bytes, int slots, bool unsplittable, uint64_t range_size);

}  // namespace fanout::exec
