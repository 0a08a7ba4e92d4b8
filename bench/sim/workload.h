// The workloads the simulation runs: a job's objects, the real planner's tasks
// (exec::SplitIntoTasks) and how long each task takes on a normal core. Two
// listings: the dispatch job (many 4 GiB objects) and a model of the NYC
// yellow-taxi listing (README: "2. Makespan").
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "exec/plan.h"

namespace fanout::sim {

constexpr uint64_t kMiB = 1ull << 20;
constexpr double kGB = 1e9;                   // sizes and speeds are decimal: 1 GB = 1e9 bytes
constexpr uint64_t kRangeBytes = 64 * kMiB;  // fanout's default --range-size

struct Job {
  std::vector<exec::ObjectPlan> objects;
  std::vector<exec::Task> tasks;  // largest first, as exec::MakePlan orders them
  std::vector<double> seconds;    // per task, on a normal core (SetDurations)
  double total_seconds = 0;       // sum of seconds
  double max_task_seconds = 0;
};

// A made-up ETag for object i (the frames carry one).
std::string Etag(uint64_t i);

// Splits job->objects into job->tasks exactly as fanout plans them, with
// --range-size `range_bytes` (every object is uncompressed CSV).
void Plan(Job* job, uint64_t range_bytes);

// Sets each task's duration: its stored bytes / bytes_per_second, times a
// lognormal factor of mean 1 (sigma jitter_sigma; 0: none) drawn from `seed`.
void SetDurations(Job* job, double bytes_per_second, double jitter_sigma, uint64_t seed);

// The dispatch job: `tasks` ranges of 64 MiB, 64 to an object (objects of 4 GiB).
Job DispatchJob(uint32_t tasks, double core_bytes_per_second, double jitter, uint64_t seed);

// A model of the NYC TLC yellow-taxi CSV listing, monthly from 2009-01: 138
// objects (2009-01 .. 2020-06), (url, bytes) in listing order.
std::vector<std::pair<std::string, uint64_t>> TaxiListing();

// The taxi listing as a job planned into 64 MiB ranges; durations not set.
Job TaxiJob();

}  // namespace fanout::sim
