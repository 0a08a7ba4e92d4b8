// A job's facts as --stats writes them (docs/report.md, "fanout_stats": 1):
// the job, its plan, phases, hosts, every task's attempts, totals and the
// diagnosis (diagnosis.h). Pure: the caller gives the times.
#pragma once

#include <string>
#include <vector>

#include "exec/diagnosis.h"
#include "exec/plan.h"

namespace fanout::exec {

struct JobInfo {
  std::string command;            // count, agg, select, run, stage
  std::vector<std::string> argv;  // as typed
  std::string mode = "local";     // local, workers, hosts, cluster, launcher, slurm
  std::string started;            // ISO 8601, UTC
  bool ok = true;
  std::string error;              // when !ok
};

// The JSON text (one line). Attempts are grouped under their tasks, in plan order.
std::string StatsJson(const JobInfo& job, const Plan& plan, const Timeline& timeline);

// The JSON made safe inside an HTML <script> element: every '<' as \u003c.
std::string ForScriptElement(const std::string& json);

}  // namespace fanout::exec
