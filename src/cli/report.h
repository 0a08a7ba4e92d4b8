// --report FILE.html, --stats FILE.json, --dry-run and --verify FRACTION: the
// flags every job command takes beside the cluster flags, and the process's
// job timeline they are made from (exec/timeline.h, docs/report.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "exec/plan.h"
#include "exec/timeline.h"

namespace fanout::cli {

struct ReportFlags {
  std::string report;  // --report FILE.html
  std::string stats;   // --stats FILE.json
  bool dry_run = false;
  double verify = 0;   // --verify FRACTION: 0 = none
  bool wanted() const { return !report.empty() || !stats.empty(); }
};

void AddReportFlags(CLI::App* sub, ReportFlags* flags);

// The command line, for the report (main calls it first).
void SetCommandLine(int argc, char** argv);

// The timeline of this process's job, its clock started by SetCommandLine.
exec::TimelineRecorder& JobTimeline();

// Remembers what the reports describe: the flags, how the job runs (local,
// workers, hosts, cluster, launcher, slurm) and its plan (which must outlive
// the reports). Until then a failure writes a report with no plan.
void BeginReports(const ReportFlags& flags, const std::string& mode, const exec::Plan* plan);

// The executors are done: the time after this is "writing".
void MarkExecuted();

// Writes the reports the flags asked for (none: nothing) for a job that ended
// with `status`; returns ", report in FILE" for the summary line. Once per
// process: FailJob calls it with the failure, a command that succeeds before
// its summary.
Result<std::string> FinishReports(const Status& status);
// FinishReports for a job that succeeded; a failed write fails the command.
std::string FinishReportsOrFail();

// What --dry-run prints: the plan and its expected critical path, for `slots`
// slots (hosts × cores, or this machine's threads). Pure, for tests.
std::string DryRunText(const exec::Plan& plan, const std::vector<std::pair<std::string, int>>& hosts);

}  // namespace fanout::cli
