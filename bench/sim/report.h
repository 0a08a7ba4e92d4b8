// What the simulation's parts share to report: formatting, the sanity checks
// they collect, and the results file (the machine, then the markdown).
#pragma once

#include <string>
#include <vector>

namespace fanout::sim {

// printf into a std::string.
std::string Fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));

double Median(std::vector<double> v);

// The cost of one timed section that does nothing: two steady_clock reads.
double TimerOverhead();

// The sanity checks of every run: a failed one is listed at the end of the
// results, and the exit status is 1.
struct Checks {
  std::vector<std::string> failures;
  int stopped_runs = 0;  // dispatch runs stopped by --budget (their numbers are bounds)

  void Expect(bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  }
};

// "**met**" or "**missed**".
const char* Pass(bool ok);

// Writes the results file: a title, the machine (host, nproc, CPU, memory,
// kernel, load average), `note` as the build, then `body`. False when it cannot
// be written.
bool WriteResultsFile(const std::string& path, const std::string& note, const std::string& body);

}  // namespace fanout::sim
