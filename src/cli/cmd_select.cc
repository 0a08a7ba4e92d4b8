// fanout select: the selected columns of every kept row, one output file per input.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/cluster.h"
#include "cli/report.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/temp_files.h"
#include "core/progress.h"
#include "core/strings.h"
#include "exec/local_executor.h"
#include "exec/object_outputs.h"
#include "exec/select_job.h"

namespace fanout::cli {

namespace {

struct SelectFlags {
  CommonFlags common;
  std::string cols;
  std::string out;
  bool overwrite = false;
  ClusterFlags cluster;
};

void Run(const SelectFlags& f) {
  auto start = std::chrono::steady_clock::now();
  TempFiles temps;  // before any thread starts
  Result<ReadSetup> setup = MakeReadSetup(f.common);
  if (!setup.ok()) FailUsage(setup.status());
  if (Status st = CheckOut(f.out); !st.ok()) FailUsage(st);
  exec::JobCommon common = MakeJobCommon(*setup, f.common);
  Result<std::unique_ptr<exec::SelectJob>> made = exec::SelectJob::Make(common, f.cols, f.common.where);
  if (!made.ok()) FailUsage(made.status());
  exec::SelectJob& job = **made;

  exec::Plan plan = OrFail(PlanInputs(f.common, setup->range_bytes));
  job.common().scan.store = plan.store.get();
  std::unique_ptr<OwnedTempDir> job_dir;
  exec::ObjectOutputs::Options oo = OrFail(OutputsFor(f.out, false, "select", &job_dir));
  oo.overwrite = f.overwrite;
  exec::ObjectOutputs outputs(plan, oo, &temps);
  OrFail(outputs.Prepare());
  job.SetOutputs(&outputs);

  std::string extra, details;
  OrFail(RunJob(f.cluster, plan, job, f.common.threads, setup->threads, f.common.quiet, &extra, &details));
  extra += FinishReportsOrFail();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintSummary(f.common.quiet, plan, job.stats(), secs, ", written to " + f.out + extra);
  if (!f.common.quiet) std::fputs(ForTerminalLines(details).c_str(), stderr);
}

}  // namespace

void AddSelectCommand(CLI::App& app) {
  static SelectFlags flags;
  CLI::App* sub = app.add_subcommand(
      "select",
      "Write the selected columns of every kept row, one output file per input (header kept).\n\n"
      "Examples:\n"
      "  fanout select --cols 1-5 data/ --out selected/\n"
      "  fanout select --cols passenger_count,trip_distance --where 'trip_distance > 10' data/ --out far/\n"
      "  fanout select --cols 'date(tpep_pickup_datetime) AS day,total_amount' data/ --out daily/\n"
      "  fanout select --cols 1-5 --hosts h1,h2 's3://bucket/trip data/' --out selected/   (written here)\n"
      "  fanout select --cols 1-5 'data/*.csv' --out s3://bucket/selected/   (each output uploaded as it completes)");
  sub->add_option("--cols", flags.cols, "Columns to keep, comma-separated: indices, ranges (1-5), names and key expressions "
                  "named with AS (yearmonth(pickup) AS ym)")->required();
  sub->add_option("--out", flags.out,
                  "Directory for the output files (created if missing), or s3://bucket/prefix/ to upload each")
      ->required();
  sub->add_flag("--overwrite", flags.overwrite, "Replace output files that exist already (else that is an error)");
  AddCommonFlags(sub, &flags.common);
  AddClusterFlags(sub, &flags.cluster);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
