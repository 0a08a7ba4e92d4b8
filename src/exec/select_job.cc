#include "exec/select_job.h"

#include <fcntl.h>
#include <unistd.h>

#include <limits>

#include "core/file_write.h"
#include "exec/format.h"
#include "ops/projector.h"

namespace fanout::exec {

namespace {

// A task's selected rows: in a part file (run here) or in memory (run on a worker).
struct SelectOutput final : TaskOutput {
  std::string path;
  std::string data;
  ops::RowStats stats;
};

}  // namespace

SelectJob::SelectJob(JobCommon common, std::string cols, std::vector<std::string> where, ops::Query query)
    : Job(std::move(common)), cols_(std::move(cols)), where_(std::move(where)), query_(std::move(query)),
      headers_(this->common().scan, &query_) {}

Result<std::unique_ptr<SelectJob>> SelectJob::Make(JobCommon common, std::string cols, std::vector<std::string> where) {
  ops::Query q;
  ASSIGN_OR_RETURN(std::vector<ops::KeyExpr> keys, ops::ParseColumnExprs(cols));
  ops::SetKeys(std::move(keys), &q);
  RETURN_IF_ERROR(ops::SetWhere(where, &q));
  return std::unique_ptr<SelectJob>(new SelectJob(std::move(common), std::move(cols), std::move(where), std::move(q)));
}

void SelectJob::EncodeFields(Encoder* e) const {
  e->Str(cols_).Strs(where_);
}

Result<std::unique_ptr<Job>> SelectJob::Decode(JobCommon common, Decoder* d) {
  ASSIGN_OR_RETURN(std::string cols, d->Str());
  ASSIGN_OR_RETURN(std::vector<std::string> where, d->Strs());
  ASSIGN_OR_RETURN(std::unique_ptr<SelectJob> job, Make(std::move(common), std::move(cols), std::move(where)));
  return std::unique_ptr<Job>(std::move(job));
}

Result<std::unique_ptr<TaskOutput>> SelectJob::RunTask(const TaskContext& ctx) {
  ASSIGN_OR_RETURN(const HeaderCache::Entry* e, headers_.Get(ctx.object));
  const ScanOptions& scan = common().scan;
  auto out = std::make_unique<SelectOutput>();
  int fd = -1;
  if (outputs_ != nullptr) {
    out->path = outputs_->PartPath(ctx.task);
    fd = ::open(out->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError(out->path, "cannot create");
  }
  SelectOutput* o = out.get();
  auto flush = [o, fd](std::string* buf) {
    Status st = fd >= 0 ? WriteAll(fd, o->path, *buf) : Status::OK();
    if (fd < 0) o->data += *buf;
    buf->clear();
    return st;
  };
  uint64_t header_offset = e->header.present ? e->header.offset : std::numeric_limits<uint64_t>::max();
  ops::Projector proj(query_, e->resolved, ctx.object.info.url, scan.delim, header_offset, scan.strict, &out->stats,
                      flush);
  Status st = FormatOf(ctx.object).Scan(ctx.object, ctx.task, ctx.start, scan, &proj, ctx.progress, ctx.cancel, ctx.end);
  if (st.ok()) st = proj.Finish();
  if (fd >= 0 && ::close(fd) != 0 && st.ok()) st = ErrnoError(out->path, "write failed");
  if (!st.ok() && scan.strict && proj.first_skipped() != nullptr) {
    return StrictError(ctx.object, proj.first_skipped()->offset, proj.first_skipped()->reason, *scan.store);
  }
  RETURN_IF_ERROR(st);
  return std::unique_ptr<TaskOutput>(std::move(out));
}

std::string SelectJob::EncodeOutput(const TaskOutput& out) const {
  const auto& o = static_cast<const SelectOutput&>(out);
  Encoder e;
  ops::EncodeRowStats(o.stats, &e);
  e.Str(o.data);
  return e.bytes();
}

Result<std::unique_ptr<TaskOutput>> SelectJob::DecodeOutput(std::string_view bytes) const {
  Decoder d(bytes);
  auto out = std::make_unique<SelectOutput>();
  ASSIGN_OR_RETURN(out->stats, ops::DecodeRowStats(&d));
  ASSIGN_OR_RETURN(out->data, d.Str());
  RETURN_IF_ERROR(d.Finish());
  return std::unique_ptr<TaskOutput>(std::move(out));
}

uint64_t SelectJob::Rows(const TaskOutput& out) const { return static_cast<const SelectOutput&>(out).stats.rows; }

Status SelectJob::Commit(int, uint32_t, std::vector<Committed>* ranges) {
  if (outputs_ == nullptr) return Status::Internal("select: no outputs to commit to");
  for (Committed& c : *ranges) {
    auto& o = static_cast<SelectOutput&>(*c.output);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.Merge(o.stats);
    }
    const Task& t = *c.task;  // (ranges of one object arrive in order)
    RETURN_IF_ERROR(o.path.empty() ? outputs_->CommitData(t, o.data) : outputs_->Commit(t, o.path));
  }
  return Status::OK();
}

}  // namespace fanout::exec
