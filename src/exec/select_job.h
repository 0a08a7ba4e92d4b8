// SelectJob (select): the selected columns of every kept row, one output file
// per input object (ObjectOutputs). Run locally, each task writes its part
// file beside the outputs; run on workers, a task's rows travel in its done
// frame and the coordinator writes them — so outputs are always where the
// coordinator is.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/job.h"
#include "exec/object_outputs.h"
#include "exec/query_job.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace fanout::exec {

class SelectJob final : public Job {
 public:
  static constexpr std::string_view kKind = "select";
  // Parses --cols and --where; an error is the user's.
  static Result<std::unique_ptr<SelectJob>> Make(JobCommon common, std::string cols, std::vector<std::string> where);
  static Result<std::unique_ptr<Job>> Decode(JobCommon common, Decoder* d);

  // Where the outputs go (the committing side); tasks run here write their
  // parts next to them.
  void SetOutputs(ObjectOutputs* outputs) { outputs_ = outputs; }
  // The rows seen and skipped by every committed task.
  const ops::RowStats& stats() const { return stats_; }

  std::string_view Kind() const override { return kKind; }
  void EncodeFields(Encoder* e) const override;
  Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) override;
  std::string EncodeOutput(const TaskOutput& out) const override;
  Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view bytes) const override;
  uint64_t Rows(const TaskOutput& out) const override;
  Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) override;

 private:
  SelectJob(JobCommon common, std::string cols, std::vector<std::string> where, ops::Query query);

  std::string cols_;
  std::vector<std::string> where_;
  ops::Query query_;
  HeaderCache headers_;
  ObjectOutputs* outputs_ = nullptr;
  std::mutex mu_;
  ops::RowStats stats_;  // guarded by mu_
};

}  // namespace fanout::exec
