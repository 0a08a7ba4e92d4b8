#include "exec/query_job.h"

#include <limits>

#include "exec/format.h"
#include "ops/aggregator.h"

namespace fanout::exec {

namespace {

struct PartialOutput final : TaskOutput {
  explicit PartialOutput(ops::Partial p) : partial(std::move(p)) {}
  ops::Partial partial;
};

}  // namespace

Result<const HeaderCache::Entry*> HeaderCache::Get(const ObjectPlan& object) {
  std::string key = object.info.url + '\n' + object.info.etag;
  Slot* slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<Slot>& s = slots_[key];
    if (s == nullptr) s = std::make_unique<Slot>();
    slot = s.get();
  }
  std::call_once(slot->once, [&] {
    Result<csv::HeaderInfo> h = FormatOf(object).ReadHeader(object, scan_);
    if (!h.ok()) {
      slot->status = h.status();
      return;
    }
    slot->entry.header = std::move(h).value();
    if (query_ == nullptr) return;
    Result<ops::ResolvedQuery> rq = ops::Resolve(*query_, slot->entry.header, object.info.url);
    if (rq.ok()) {
      slot->entry.resolved = std::move(rq).value();
    } else {
      slot->status = rq.status();
    }
  });
  if (slot->status.ok()) return &slot->entry;
  Status st = slot->status;
  if (st.code() == StatusCode::kIoError) {  // worth another try by the next task
    std::lock_guard<std::mutex> lock(mu_);
    auto it = slots_.find(key);
    if (it != slots_.end() && it->second.get() == slot) {
      retired_.push_back(std::move(it->second));  // another thread may still read it
      slots_.erase(it);
    }
  }
  return st;
}

Status StrictError(const ObjectPlan& object, uint64_t offset, const std::string& reason, io::Store& store) {
  return Status::Corrupt(FormatOf(object).Where(object, offset, store) + ": " + reason +
                         " (--strict stops at the first skipped row)");
}

Result<ops::Partial> RunQueryTask(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                                  const ops::Query& query, const ops::ResolvedQuery& rq,
                                  const csv::HeaderInfo& header, const ScanOptions& scan, Progress* progress,
                                  const std::atomic<bool>* cancel, csv::RangeEnd* end) {
  ops::Partial partial(query.aggs.size());
  uint64_t header_offset = header.present ? header.offset : std::numeric_limits<uint64_t>::max();
  {
    ops::Aggregator agg(query, rq, &partial, header_offset, scan.strict);
    Status st = FormatOf(object).Scan(object, task, start, scan, &agg, progress, cancel, end);
    if (!st.ok() && scan.strict && agg.first_skipped() != nullptr) {
      return StrictError(object, agg.first_skipped()->offset, agg.first_skipped()->reason, *scan.store);
    }
    RETURN_IF_ERROR(st);
  }  // the aggregator is done with the partial before it is returned
  return partial;
}

Result<ops::Query> ParseQuery(const QuerySpec& spec) {
  ops::Query q;
  if (!spec.by.empty()) {  // no --by: one group of every row
    ASSIGN_OR_RETURN(std::vector<ops::KeyExpr> keys, ops::ParseKeyList(spec.by));
    ops::SetKeys(std::move(keys), &q);
  }
  RETURN_IF_ERROR(ops::SetWhere(spec.where, &q));
  for (const auto& [kind, col] : spec.aggs) {
    if (kind > static_cast<uint8_t>(ops::AggKind::kStddev)) {
      return Status::Corrupt("unknown aggregate kind " + std::to_string(kind));
    }
    ASSIGN_OR_RETURN(csv::ColumnSpec c, csv::ColumnSpec::Parse(col));
    q.aggs.push_back({static_cast<ops::AggKind>(kind), c});
    // A standard deviation is the values' sum and count (its own cell) and the
    // sum of their squares (the cell after it).
    if (kind == static_cast<uint8_t>(ops::AggKind::kStddev)) q.aggs.push_back({ops::AggKind::kSquares, std::move(c)});
  }
  q.output_count = spec.output_count;
  return q;
}

QueryJob::QueryJob(JobCommon common, QuerySpec spec, ops::Query query)
    : Job(std::move(common)), spec_(std::move(spec)), query_(std::move(query)), headers_(this->common().scan, &query_),
      total_(query_.aggs.size()) {}

Result<std::unique_ptr<QueryJob>> QueryJob::Make(JobCommon common, QuerySpec spec) {
  ASSIGN_OR_RETURN(ops::Query q, ParseQuery(spec));
  return std::unique_ptr<QueryJob>(new QueryJob(std::move(common), std::move(spec), std::move(q)));
}

void QueryJob::EncodeFields(Encoder* e) const {
  e->Str(spec_.by).Strs(spec_.where);
  e->U32(static_cast<uint32_t>(spec_.aggs.size()));
  for (const auto& [kind, col] : spec_.aggs) e->U8(kind).Str(col);
  e->U8(spec_.output_count);
}

Result<std::unique_ptr<Job>> QueryJob::Decode(JobCommon common, Decoder* d) {
  QuerySpec spec;
  ASSIGN_OR_RETURN(spec.by, d->Str());
  ASSIGN_OR_RETURN(spec.where, d->Strs());
  ASSIGN_OR_RETURN(uint32_t na, d->U32());
  for (uint32_t i = 0; i < na; ++i) {
    ASSIGN_OR_RETURN(uint8_t kind, d->U8());
    ASSIGN_OR_RETURN(std::string col, d->Str());
    spec.aggs.emplace_back(kind, std::move(col));
  }
  ASSIGN_OR_RETURN(uint8_t oc, d->U8());
  spec.output_count = oc != 0;
  ASSIGN_OR_RETURN(std::unique_ptr<QueryJob> job, Make(std::move(common), std::move(spec)));
  return std::unique_ptr<Job>(std::move(job));
}

Result<std::unique_ptr<TaskOutput>> QueryJob::RunTask(const TaskContext& ctx) {
  ASSIGN_OR_RETURN(const HeaderCache::Entry* e, headers_.Get(ctx.object));
  ASSIGN_OR_RETURN(ops::Partial p, RunQueryTask(ctx.object, ctx.task, ctx.start, query_, e->resolved, e->header,
                                                common().scan, ctx.progress, ctx.cancel, ctx.end));
  return std::unique_ptr<TaskOutput>(std::make_unique<PartialOutput>(std::move(p)));
}

std::string QueryJob::EncodeOutput(const TaskOutput& out) const {
  return static_cast<const PartialOutput&>(out).partial.Serialize();
}

Result<std::unique_ptr<TaskOutput>> QueryJob::DecodeOutput(std::string_view bytes) const {
  ASSIGN_OR_RETURN(ops::Partial p, ops::Partial::Deserialize(bytes));
  RETURN_IF_ERROR(p.Check(query_));
  return std::unique_ptr<TaskOutput>(std::make_unique<PartialOutput>(std::move(p)));
}

uint64_t QueryJob::Rows(const TaskOutput& out) const {
  return static_cast<const PartialOutput&>(out).partial.stats().rows;
}

void QueryJob::SetSlots(int slots) { per_slot_.assign(static_cast<size_t>(std::max(slots, 1)), ops::Partial(query_.aggs.size())); }

void QueryJob::KeepObjects(const std::vector<uint32_t>& objects) {
  for (uint32_t o : objects) kept_.try_emplace(o, ops::Partial(query_.aggs.size()));
}

Status QueryJob::Commit(int slot, uint32_t object, std::vector<Committed>* ranges) {
  ops::Partial& into = per_slot_[static_cast<size_t>(slot)];
  auto kept = kept_.find(object);
  for (Committed& c : *ranges) {
    ops::Partial& part = static_cast<PartialOutput&>(*c.output).partial;
    if (kept != kept_.end()) RETURN_IF_ERROR(kept->second.Merge(part));
    uint64_t rows;
    if (__builtin_add_overflow(into.stats().rows, part.stats().rows, &rows)) {
      return Status::Corrupt("the workers' results add up to more rows than a 64-bit count holds");
    }
    RETURN_IF_ERROR(into.Merge(std::move(part)));
  }
  return Status::OK();
}

Status QueryJob::Finish() {
  for (ops::Partial& p : per_slot_) RETURN_IF_ERROR(total_.Merge(std::move(p)));
  per_slot_.clear();
  return Status::OK();
}

}  // namespace fanout::exec
