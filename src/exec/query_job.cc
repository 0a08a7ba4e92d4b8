#include "exec/query_job.h"

#include <limits>
#include <mutex>

#include "ops/aggregator.h"

namespace fanout::exec {

namespace {

struct PartialOutput final : TaskOutput {
  explicit PartialOutput(size_t num_aggs) : partial(num_aggs) {}
  ops::Partial partial;
};

}  // namespace

ObjectHeaders::ObjectHeaders(const Plan& plan, const ScanOptions& scan)
    : plan_(plan), scan_(scan), entries_(plan.objects.size()) {}

Result<const csv::HeaderInfo*> ObjectHeaders::Get(uint32_t o) {
  Entry& e = entries_[o];
  std::call_once(e.once, [&] {
    Result<csv::HeaderInfo> h = ReadObjectHeader(plan_.objects[o], scan_);
    if (h.ok()) {
      e.header = std::move(h).value();
    } else {
      e.status = h.status();
    }
  });
  if (!e.status.ok()) return e.status;
  return &e.header;
}

Status StrictError(const ObjectPlan& object, uint64_t offset, const std::string& reason, io::Store& store) {
  Result<uint64_t> line = LineNumberAt(object, offset, store);
  std::string where = object.info.url + ":" + (line.ok() ? std::to_string(line.value()) : "?");
  return Status::Corrupt(where + ": " + reason + " (--strict stops at the first skipped row)");
}

Result<ops::Partial> RunQueryTask(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                                  const ops::Query& query, const ops::ResolvedQuery& rq,
                                  const csv::HeaderInfo& header, const ScanOptions& scan, Progress* progress,
                                  const std::atomic<bool>* cancel, csv::RangeEnd* end) {
  ops::Partial partial(query.aggs.size());
  uint64_t header_offset = header.present ? header.offset : std::numeric_limits<uint64_t>::max();
  {
    ops::Aggregator agg(query, rq, &partial, header_offset, scan.strict);
    Status st = ScanTask(object, task, start, scan, &agg, progress, cancel, end);
    if (!st.ok() && scan.strict && agg.first_skipped() != nullptr) {
      return StrictError(object, agg.first_skipped()->offset, agg.first_skipped()->reason, *scan.store);
    }
    RETURN_IF_ERROR(st);
  }  // the aggregator is done with the partial before it is returned
  return partial;
}

Result<ops::Partial> RunQueryJob(const Plan& plan, const ops::Query& query, const JobOptions& options) {
  ObjectHeaders headers(plan, options.scan);
  std::vector<ops::ResolvedQuery> resolved(plan.objects.size());
  std::vector<std::once_flag> resolved_once(plan.objects.size());
  std::vector<Status> resolved_status(plan.objects.size());

  auto resolve = [&](uint32_t o) -> Result<const ops::ResolvedQuery*> {
    std::call_once(resolved_once[o], [&] {
      Result<const csv::HeaderInfo*> h = headers.Get(o);
      Result<ops::ResolvedQuery> r = h.ok() ? ops::Resolve(query, **h, plan.objects[o].info.url)
                                            : Result<ops::ResolvedQuery>(h.status());
      if (r.ok()) {
        resolved[o] = std::move(r).value();
      } else {
        resolved_status[o] = r.status();
      }
    });
    if (!resolved_status[o].ok()) return resolved_status[o];
    return &resolved[o];
  };

  RunFn run = [&](const Task& task, csv::RangeStart start) -> Result<std::unique_ptr<TaskOutput>> {
    const ObjectPlan& object = plan.objects[task.object];
    ASSIGN_OR_RETURN(const ops::ResolvedQuery* rq, resolve(task.object));
    ASSIGN_OR_RETURN(const csv::HeaderInfo* header, headers.Get(task.object));
    auto out = std::make_unique<PartialOutput>(query.aggs.size());
    ASSIGN_OR_RETURN(out->partial, RunQueryTask(object, task, start, query, *rq, *header, options.scan,
                                                options.progress, options.cancel, &out->end));
    return std::unique_ptr<TaskOutput>(std::move(out));
  };

  int threads = std::max(1, options.threads);
  std::vector<ops::Partial> per_thread(threads, ops::Partial(query.aggs.size()));
  CommitFn commit = [&](int thread, const Task& task, std::unique_ptr<TaskOutput> out) -> Status {
    auto* p = static_cast<PartialOutput*>(out.get());
    if (options.progress != nullptr) {
      options.progress->rows.fetch_add(p->partial.stats().rows);
      options.progress->rows_bytes.fetch_add(task.stored_bytes);
    }
    return per_thread[thread].Merge(std::move(p->partial));
  };

  ExecOptions eo;
  eo.threads = threads;
  eo.cancel = options.cancel;
  eo.warnings = options.warnings;
  RETURN_IF_ERROR(RunLocal(plan, eo, run, commit));
  ops::Partial total(query.aggs.size());
  for (ops::Partial& p : per_thread) RETURN_IF_ERROR(total.Merge(std::move(p)));
  return total;
}

}  // namespace fanout::exec
