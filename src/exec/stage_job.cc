#include "exec/stage_job.h"

#include "exec/job_registry.h"
#include "ops/query.h"

namespace fanout::exec {

namespace {

struct PieceOutput final : TaskOutput {
  PieceInfo info;
};

}  // namespace

Result<std::unique_ptr<StageJob>> StageJob::Make(JobCommon common) {
  if (common.stage.name.empty()) return Status::Corrupt("a stage job without a stage name");
  RETURN_IF_ERROR(ops::ParseColumnExprs(common.stage.cols).status());
  return std::unique_ptr<StageJob>(new StageJob(std::move(common)));
}

Result<std::unique_ptr<Job>> StageJob::Decode(JobCommon common, Decoder*) {
  ASSIGN_OR_RETURN(std::unique_ptr<StageJob> job, Make(std::move(common)));
  return std::unique_ptr<Job>(std::move(job));
}

Result<std::unique_ptr<TaskOutput>> StageJob::RunTask(const TaskContext& ctx) {
  auto out = std::make_unique<PieceOutput>();
  ASSIGN_OR_RETURN(out->info, WritePiece(common().stage, ctx.object, ctx.task, ctx.start, ctx.index, ctx.progress,
                                         ctx.cancel, ctx.end));
  return std::unique_ptr<TaskOutput>(std::move(out));
}

std::string StageJob::EncodeOutput(const TaskOutput& out) const {
  return EncodePiece(static_cast<const PieceOutput&>(out).info);
}

Result<std::unique_ptr<TaskOutput>> StageJob::DecodeOutput(std::string_view bytes) const {
  auto out = std::make_unique<PieceOutput>();
  ASSIGN_OR_RETURN(out->info, DecodePiece(bytes));
  return std::unique_ptr<TaskOutput>(std::move(out));
}

uint64_t StageJob::Rows(const TaskOutput& out) const { return static_cast<const PieceOutput&>(out).info.rows; }

Status StageJob::Commit(int, uint32_t, std::vector<Committed>* ranges) {
  for (Committed& c : *ranges) {
    if (record_) record_(c.index, c.holder, static_cast<PieceOutput&>(*c.output).info);
  }
  return Status::OK();
}

}  // namespace fanout::exec
