// --verify FRACTION (count, agg): the story's "check the results with an
// alternate implementation". The objects of a random FRACTION of the tasks
// are read again, here, by the reference reader — the exact scalar CSV kernel
// (or Parquet's one reader), each object whole, no ranges, no chain — and each
// object's result is compared with the one the job merged from its ranges,
// wherever they ran. A difference fails the job naming the object and its tasks.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "exec/plan.h"
#include "exec/query_job.h"

namespace fanout::cli {

// The objects of a random `fraction` (0 < fraction <= 1) of the plan's tasks,
// at least one, in plan order.
std::vector<uint32_t> ChooseVerified(const exec::Plan& plan, double fraction, uint64_t seed);

// Reads `objects` of `plan` again with the reference reader on `threads`
// threads and compares each with what `job` kept (QueryJob::KeepObjects).
// *note gets ", N objects (M tasks) verified" for the summary line.
Status VerifyObjects(const exec::Plan& plan, const exec::QueryJob& job, const std::vector<uint32_t>& objects,
                     int threads, std::string* note);

}  // namespace fanout::cli
