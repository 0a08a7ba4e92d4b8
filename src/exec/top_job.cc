#include "exec/top_job.h"

#include <limits>

#include "core/strings.h"
#include "csv/reader.h"
#include "exec/format.h"

namespace fanout::exec {

namespace {

struct TopOutput final : TaskOutput {
  explicit TopOutput(const TopSpec& spec) : rows(spec.n, spec.desc) {}
  ops::TopRows rows;
  ops::RowStats stats;
  std::vector<std::string> columns;  // the names of the rows' fields
};

}  // namespace

TopJob::TopJob(JobCommon common, TopSpec spec, ops::Query query)
    : Job(std::move(common)),
      spec_(std::move(spec)),
      query_(std::move(query)),
      headers_(this->common().scan, &query_),
      bound_(spec_.n, spec_.desc) {}

Result<std::unique_ptr<TopJob>> TopJob::Make(JobCommon common, TopSpec spec) {
  if (spec.n > kMaxTopRows) {
    return Status::InvalidArgument("top: N is at most " + std::to_string(kMaxTopRows) + " (select writes every row)");
  }
  ops::Query q;
  if (spec.by.empty()) return Status::InvalidArgument("top: --by names the column whose values order the rows");
  Result<csv::ColumnSpec> by = csv::ColumnSpec::Parse(spec.by);
  if (!by.ok() || spec.by.find(',') != std::string::npos) {
    return Status::InvalidArgument("--by: one column (an index, a name, or A|B alternatives), not '" + spec.by + "'");
  }
  q.aggs.push_back(ops::AggSpec{ops::AggKind::kMax, std::move(by).value()});
  if (!spec.cols.empty()) {
    ASSIGN_OR_RETURN(std::vector<ops::KeyExpr> keys, ops::ParseColumnExprs(spec.cols));
    ops::SetKeys(std::move(keys), &q);
  }
  RETURN_IF_ERROR(ops::SetWhere(spec.where, &q));
  return std::unique_ptr<TopJob>(new TopJob(std::move(common), std::move(spec), std::move(q)));
}

void TopJob::EncodeFields(Encoder* e) const {
  e->U64(spec_.n).Str(spec_.by).U8(spec_.desc ? 1 : 0).Str(spec_.cols).Strs(spec_.where);
}

Result<std::unique_ptr<Job>> TopJob::Decode(JobCommon common, Decoder* d) {
  TopSpec spec;
  ASSIGN_OR_RETURN(spec.n, d->U64());
  ASSIGN_OR_RETURN(spec.by, d->Str());
  ASSIGN_OR_RETURN(uint8_t desc, d->U8());
  if (desc > 1) return Status::Corrupt("top: a direction that is neither");
  spec.desc = desc == 1;
  ASSIGN_OR_RETURN(spec.cols, d->Str());
  ASSIGN_OR_RETURN(spec.where, d->Strs());
  ASSIGN_OR_RETURN(std::unique_ptr<TopJob> job, Make(std::move(common), std::move(spec)));
  return std::unique_ptr<Job>(std::move(job));
}

Result<std::unique_ptr<TaskOutput>> TopJob::RunTask(const TaskContext& ctx) {
  ASSIGN_OR_RETURN(const HeaderCache::Entry* e, headers_.Get(ctx.object));
  const ScanOptions& scan = common().scan;
  auto out = std::make_unique<TopOutput>(spec_);
  const bool all = spec_.cols.empty();
  if (all) {
    if (!e->header.present && !e->header.empty) {
      return Status::InvalidArgument(ctx.object.info.url +
                                     ": has no header, so its columns have no names: choose them with --cols");
    }
    std::string scratch;  // the names as written (header.names are folded to lower case)
    for (const std::string& raw : e->header.raw) out->columns.emplace_back(csv::Unquote(raw, &scratch));
  } else {
    for (const csv::ColumnSpec& c : query_.keys) out->columns.push_back(c.label);
  }
  uint64_t header_offset = e->header.present ? e->header.offset : std::numeric_limits<uint64_t>::max();
  ops::TopSink sink(query_, e->resolved, all, e->header.names.size(), header_offset, scan.strict, &out->stats,
                    &out->rows, &bound_, ctx.task.object);
  Status st = FormatOf(ctx.object).Scan(ctx.object, ctx.task, ctx.start, scan, &sink, ctx.progress, ctx.cancel, ctx.end);
  if (!st.ok() && scan.strict && sink.first_skipped() != nullptr) {
    return StrictError(ctx.object, sink.first_skipped()->offset, sink.first_skipped()->reason, *scan.store);
  }
  RETURN_IF_ERROR(st);
  bound_.Offer(out->rows, ctx.task.object);
  return std::unique_ptr<TaskOutput>(std::move(out));
}

std::string TopJob::EncodeOutput(const TaskOutput& out) const {
  const auto& o = static_cast<const TopOutput&>(out);
  Encoder e;
  ops::EncodeRowStats(o.stats, &e);
  e.Strs(o.columns).U32(static_cast<uint32_t>(o.rows.size()));
  for (const ops::TopRow& r : o.rows.rows()) e.Str(r.value_text).U64(r.at).Strs(r.fields);
  return e.bytes();
}

Result<std::unique_ptr<TaskOutput>> TopJob::DecodeOutput(std::string_view bytes) const {
  Decoder d(bytes);
  auto out = std::make_unique<TopOutput>(spec_);
  ASSIGN_OR_RETURN(out->stats, ops::DecodeRowStats(&d));
  ASSIGN_OR_RETURN(out->columns, d.Strs());
  if (!spec_.cols.empty() && out->columns.size() != query_.keys.size()) {
    return Status::Corrupt("top: rows of " + std::to_string(out->columns.size()) + " columns, not " +
                           std::to_string(query_.keys.size()));
  }
  ASSIGN_OR_RETURN(uint32_t n, d.U32());
  if (n > spec_.n || n > out->stats.rows) return Status::Corrupt("top: more rows than were asked for or read");
  for (uint32_t i = 0; i < n; ++i) {
    ops::TopRow r;
    ASSIGN_OR_RETURN(r.value_text, d.Str());
    if (!r.value.Parse(r.value_text)) return Status::Corrupt("top: a value that is not a number");
    ASSIGN_OR_RETURN(r.at, d.U64());
    ASSIGN_OR_RETURN(r.fields, d.Strs());
    if (r.fields.size() != out->columns.size()) return Status::Corrupt("top: a row of the wrong number of columns");
    out->rows.Offer(std::move(r));
  }
  RETURN_IF_ERROR(d.Finish());
  return std::unique_ptr<TaskOutput>(std::move(out));
}

uint64_t TopJob::Rows(const TaskOutput& out) const { return static_cast<const TopOutput&>(out).stats.rows; }

void TopJob::SetSlots(int slots) {
  per_slot_.clear();
  for (int i = 0; i < std::max(1, slots); ++i) per_slot_.emplace_back(spec_.n, spec_.desc);
}

Status TopJob::Commit(int slot, uint32_t object, std::vector<Committed>* ranges) {
  if (slot < 0 || static_cast<size_t>(slot) >= per_slot_.size()) return Status::Internal("top: no commit slot");
  auto name = [this](uint32_t o) {
    return o < object_names_.size() ? object_names_[o] : "object " + std::to_string(o + 1);
  };
  for (Committed& c : *ranges) {
    auto& o = static_cast<TopOutput&>(*c.output);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.Merge(o.stats);
      if (o.rows.size() > 0 || !o.columns.empty()) {
        if (columns_.empty()) {
          columns_ = o.columns;
          columns_object_ = object;
        } else if (o.columns != columns_) {
          return Status::InvalidArgument("top: " + name(columns_object_) + " and " + name(object) +
                                         " have different columns (" + Join(columns_, ",") + " and " +
                                         Join(o.columns, ",") + "): choose the columns to print with --cols");
        }
      }
    }
    o.rows.SetObject(object);
    per_slot_[static_cast<size_t>(slot)].Merge(std::move(o.rows));
  }
  return Status::OK();
}

Status TopJob::Finish() {
  ops::TopRows total(spec_.n, spec_.desc);
  for (ops::TopRows& s : per_slot_) total.Merge(std::move(s));
  sorted_ = total.TakeSorted();
  return Status::OK();
}

}  // namespace fanout::exec
