// fanout_sim's command line (bench/sim/README.md lists every option).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fanout::sim {

struct Options {
  std::string out;
  std::string only;  // "", "dispatch", "taxi" or "staged"
  std::string note;
  int reps = 3;
  int cores = 8;
  std::vector<std::pair<int, uint32_t>> scales;  // dispatch: (workers, tasks); default 1000 x 100000
  double budget = 0;                              // dispatch: coordinator seconds per run, 0: no limit
  double core_gbps = 1.0;         // dispatch: GB/s per core (the main case)
  double alt_core_gbps = 0.4;     // dispatch: a second per-core speed for the overhead on job time; 0: none
  double taxi_core_gbps = 0.4;    // taxi: GB/s per core
  double staged_core_gbps = 1.0;  // staged: L, a piece read at its holder, GB/s of source bytes per core
  // staged: a piece's source read / its local read, per byte (the seed's job over
  // S3 took 80 s where over local files it took 18 s): S = L / this.
  double staged_source_ratio = 80.0 / 18.0;
  double jitter = 0.1;  // dispatch: lognormal sigma of task durations
  double tick = 0.1;
  uint64_t seed = 1;
  std::string dispatch_backups = "both";  // on, off or both

  bool Runs(const char* part) const { return only.empty() || only == part; }
};

// Parses argv into *o. Returns -1 to go on, or the exit status to end with (2
// after printing the usage for a bad or missing argument or --help).
int ParseOptions(int argc, char** argv, Options* o);

}  // namespace fanout::sim
