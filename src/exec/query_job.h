// A query job: a Plan's objects aggregated by a Query into one Partial, on this
// machine's threads. Per object, the header is read once and the query's columns
// resolved against it; every task's Partial is merged exactly once.
#pragma once

#include <mutex>
#include <vector>

#include "core/status.h"
#include "exec/local_executor.h"
#include "exec/plan.h"
#include "exec/task_runner.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace fanout::exec {

struct JobOptions {
  ScanOptions scan;
  int threads = 1;
  Progress* progress = nullptr;          // optional live counters
  std::atomic<bool>* cancel = nullptr;   // optional; set to stop the job
  Warnings* warnings = nullptr;          // optional (local_executor.h)
};

Result<ops::Partial> RunQueryJob(const Plan& plan, const ops::Query& query, const JobOptions& options);

// One task of a query job: the rows `task` owns, aggregated into a fresh Partial;
// what it found in *end (csv/chain.h). `header` and `rq` belong to the task's
// object. Under --strict the first skipped row is an error naming its line.
Result<ops::Partial> RunQueryTask(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                                  const ops::Query& query, const ops::ResolvedQuery& rq,
                                  const csv::HeaderInfo& header, const ScanOptions& scan, Progress* progress,
                                  const std::atomic<bool>* cancel, csv::RangeEnd* end);

// Per-object header and column resolution, computed once by whichever task
// needs it first. Shared by every command that reads rows.
class ObjectHeaders {
 public:
  ObjectHeaders(const Plan& plan, const ScanOptions& scan);
  // Returns the header of object `o` (reading it on first use), or its error.
  Result<const csv::HeaderInfo*> Get(uint32_t o);

 private:
  struct Entry {
    std::once_flag once;
    Status status;
    csv::HeaderInfo header;
  };
  const Plan& plan_;
  const ScanOptions& scan_;
  std::vector<Entry> entries_;
};

// "FILE:LINE: REASON" for a row skipped under --strict (the line counted by
// reading the object through `store`).
Status StrictError(const ObjectPlan& object, uint64_t offset, const std::string& reason, io::Store& store);

}  // namespace fanout::exec
