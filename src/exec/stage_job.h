// StageJob (stage): every task writes its rows' selected columns as a piece on
// the disk of the machine that runs it (exec/stage.h); the committing side
// records each piece with where it was made (the stage's manifest).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "exec/job.h"
#include "exec/stage.h"

namespace fanout::exec {

class StageJob final : public Job {
 public:
  static constexpr std::string_view kKind = "stage";
  // common.stage is the stage being written.
  static Result<std::unique_ptr<StageJob>> Make(JobCommon common);
  static Result<std::unique_ptr<Job>> Decode(JobCommon common, Decoder* d);

  // Called for each committed piece: (its task's number in the plan, holder, piece).
  using RecordFn = std::function<void(uint32_t index, const std::string& holder, const PieceInfo& piece)>;
  void SetRecord(RecordFn record) { record_ = std::move(record); }

  std::string_view Kind() const override { return kKind; }
  void EncodeFields(Encoder*) const override {}
  Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) override;
  std::string EncodeOutput(const TaskOutput& out) const override;
  Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view bytes) const override;
  uint64_t Rows(const TaskOutput& out) const override;
  Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) override;

 private:
  explicit StageJob(JobCommon common) : Job(std::move(common)) {}
  RecordFn record_;
};

}  // namespace fanout::exec
