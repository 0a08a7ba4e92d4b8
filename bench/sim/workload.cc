#include "workload.h"

#include <cmath>
#include <cstdio>
#include <random>

namespace fanout::sim {

std::string Etag(uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "\"%016llx%016llx\"", static_cast<unsigned long long>(i * 0x9e3779b97f4a7c15ull),
                static_cast<unsigned long long>(~i));
  return buf;
}

void Plan(Job* job, uint64_t range_bytes) { job->tasks = exec::SplitIntoTasks(job->objects, range_bytes); }

void SetDurations(Job* job, double bytes_per_second, double jitter_sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  job->seconds.clear();
  job->total_seconds = job->max_task_seconds = 0;
  for (const exec::Task& t : job->tasks) {
    double s = static_cast<double>(t.stored_bytes) / bytes_per_second;
    if (jitter_sigma > 0) s *= std::exp(jitter_sigma * normal(rng) - jitter_sigma * jitter_sigma / 2);  // mean 1
    job->seconds.push_back(s);
    job->total_seconds += s;
    job->max_task_seconds = std::max(job->max_task_seconds, s);
  }
}

Job DispatchJob(uint32_t tasks, double core_bytes_per_second, double jitter, uint64_t seed) {
  Job job;
  const uint32_t per_object = 64;
  uint32_t objects = (tasks + per_object - 1) / per_object;
  for (uint32_t o = 0; o < objects; ++o) {
    uint32_t ranges = std::min(per_object, tasks - o * per_object);
    char url[96];
    std::snprintf(url, sizeof url, "s3://fanout-sim-bucket/dispatch/part-%06u.csv", o);
    job.objects.push_back({io::ObjectInfo{url, ranges * kRangeBytes, Etag(o)}, io::Compression::kNone});
  }
  Plan(&job, kRangeBytes);
  SetDurations(&job, core_bytes_per_second, jitter, seed);
  return job;
}

// Not the listing itself (no network here): sizes are built to match what is
// known of it: ~251 GB in all, the largest 2.99 GB, 2009-2012 the biggest
// (2.4-2.99 GB), 2013-2014 2.0-2.3, 2015-2016 1.6-1.95, 2017-2018 0.8-0.95,
// 2019 0.6-0.7, 2020 small (COVID: 0.02 GB in April). Each year's files spread
// over [lo, hi] by a fixed seasonal shape (March and October busiest, February
// quietest).
std::vector<std::pair<std::string, uint64_t>> TaxiListing() {
  static const double season[12] = {0.45, 0.25, 1.0, 0.75, 0.9, 0.7, 0.45, 0.35, 0.6, 0.95, 0.6, 0.65};
  struct Range {
    int year;
    double lo, hi;
  };
  static const Range years[] = {{2009, 2.40, 2.58}, {2010, 2.40, 2.64}, {2011, 2.42, 2.72}, {2012, 2.45, 2.99},
                                {2013, 2.00, 2.32}, {2014, 2.00, 2.22}, {2015, 1.62, 1.95}, {2016, 1.60, 1.85},
                                {2017, 0.82, 0.95}, {2018, 0.80, 0.92}, {2019, 0.60, 0.70}};
  static const double y2020[6] = {0.590, 0.580, 0.280, 0.022, 0.032, 0.051};
  std::vector<std::pair<std::string, uint64_t>> out;
  auto add = [&](int y, int m, double gb) {
    char url[96];
    std::snprintf(url, sizeof url, "s3://nyc-tlc/trip data/yellow_tripdata_%04d-%02d.csv", y, m);
    out.emplace_back(url, static_cast<uint64_t>(std::llround(gb * 1000)) * 1000000ull);  // whole MB
  };
  for (const Range& r : years) {
    for (int m = 0; m < 12; ++m) add(r.year, m + 1, r.lo + (r.hi - r.lo) * season[m]);
  }
  for (int m = 0; m < 6; ++m) add(2020, m + 1, y2020[m]);
  return out;
}

Job TaxiJob() {
  Job job;
  std::vector<std::pair<std::string, uint64_t>> listing = TaxiListing();
  for (size_t i = 0; i < listing.size(); ++i) {
    job.objects.push_back({io::ObjectInfo{listing[i].first, listing[i].second, Etag(i)}, io::Compression::kNone});
  }
  Plan(&job, kRangeBytes);
  return job;
}

}  // namespace fanout::sim
