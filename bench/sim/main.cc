// fanout_sim: a discrete-event simulation benchmark of the distributed scheduler.
//
// It drives the real cluster::Scheduler, the real task/done frame encodings and
// the real planner's split of objects into tasks (exec::SplitIntoTasks) with
// simulated workers in virtual time, and measures
//   1. dispatch: the coordinator's CPU cost per task (Scheduler calls + EncodeTask
//      + DecodeDone) on 1,000 workers x 8 cores and 100,000 tasks of 64 MiB, its
//      utilization, and its overhead on the job time (part_dispatch.cc);
//   2. makespan on a model of the NYC yellow-taxi listing (138 objects, ~251 GB)
//      on 12 workers x 8 cores: the seed's static chunking against fanout's
//      scheduling, with and without a 5x slower worker, with and without backups
//      (part_taxi.cc);
//   3. a job over staged data (the same listing's pieces pinned to the 12
//      machines that hold them): data locality and stealing, with machines
//      added, a slow holder, holders lost, for several steal factors
//      (part_staged.cc).
// Every run checks that each task was accepted exactly once and that the
// makespan is not below the lower bound; the exit status is 1 otherwise.
// bench/sim/README.md explains the model and every number; bench/sim/run.sh runs it.

#include <cstdio>
#include <sstream>
#include <string>

#include "options.h"
#include "parts.h"
#include "report.h"

namespace fanout::sim {
namespace {

constexpr size_t kPartialBytes = 200;  // the payload of every simulated done frame

void Summary(const Options& o, const Checks& checks, std::ostringstream& md) {
  if (!checks.failures.empty()) {
    md << "## Sanity checks FAILED\n\n";
    for (const std::string& f : checks.failures) md << "- " << f << "\n";
    return;
  }
  md << "Sanity checks passed: every task accepted exactly once in every finished run (zero-cost and live), "
        "every makespan at or above its lower bound, repeated zero-cost runs identical, the replay with zero "
        "costs reproduces the zero-cost makespan exactly, no replayed section earlier than in the zero-cost run "
        "and every modelled makespan at or above the zero-cost one.";
  if (o.Runs("staged")) {
    md << " Staged runs (part 3): no task pinned to a home ran elsewhere, no task went to a removed worker, "
          "Stats::stolen equals the pinned tasks of live homes that ran away from them (0 with steal_factor 0).";
  }
  if (checks.stopped_runs > 0) {
    md << Fmt(" (%d run%s stopped by --budget: checked only for frames, slots and attempt ids.)", checks.stopped_runs,
              checks.stopped_runs == 1 ? "" : "s");
  }
  md << "\n";
}

int Main(int argc, char** argv) {
  Options o;
  if (int status = ParseOptions(argc, argv, &o); status >= 0) return status;
  Checks checks;
  std::ostringstream md;  // the results, markdown; also printed
  const std::string partial(kPartialBytes, 'p');
  if (o.Runs("dispatch")) DispatchPart(o, partial, &checks, &md);
  if (o.Runs("taxi")) TaxiPart(o, partial, &checks, &md);
  if (o.Runs("staged")) StagedPart(o, partial, &checks, &md);
  Summary(o, checks, md);

  std::string body = md.str();
  std::fwrite(body.data(), 1, body.size(), stdout);
  if (!o.out.empty() && !WriteResultsFile(o.out, o.note, body)) {
    std::fprintf(stderr, "fanout_sim: cannot write %s\n", o.out.c_str());
    return 1;
  }
  if (!checks.failures.empty()) {
    std::fprintf(stderr, "fanout_sim: %zu sanity check(s) failed\n", checks.failures.size());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace fanout::sim

int main(int argc, char** argv) { return fanout::sim::Main(argc, argv); }
