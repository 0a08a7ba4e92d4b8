// RunJob (fanout run): the user's command for every task (exec/command_task.h),
// its output committed per object, ranges in order, to ObjectOutputs (an --out
// directory, s3://, or a spool that the merge command reads).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/job.h"
#include "exec/object_outputs.h"

namespace fanout::exec {

class RunJob final : public Job {
 public:
  static constexpr std::string_view kKind = "run";
  // `cmd` runs for every task; `split`: tasks may be byte ranges, each fed the
  // lines that start in it; `csv`: a columnar object (Parquet) is fed as its
  // rows in CSV with a header rather than its bytes; `ship`: files every
  // command needs.
  static Result<std::unique_ptr<RunJob>> Make(JobCommon common, std::string cmd, bool split, bool csv,
                                              std::vector<ShippedFile> ship);
  static Result<std::unique_ptr<Job>> Decode(JobCommon common, Decoder* d);

  void SetOutputs(ObjectOutputs* outputs) { outputs_ = outputs; }
  // Lines fed to the commands of the committed tasks.
  uint64_t lines() const { return lines_; }

  std::string_view Kind() const override { return kKind; }
  void EncodeFields(Encoder* e) const override;
  std::vector<ShippedFile> Shipped() const override { return ship_; }
  bool CountsRows() const override { return false; }
  Status Prepare(const RunEnv& env) override;
  Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) override;
  std::string EncodeOutput(const TaskOutput& out) const override;
  Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view bytes) const override;
  uint64_t Rows(const TaskOutput& out) const override;
  Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) override;

 private:
  RunJob(JobCommon common, std::string cmd, bool split, bool csv, std::vector<ShippedFile> ship)
      : Job(std::move(common)), cmd_(std::move(cmd)), split_(split), csv_(csv), ship_(std::move(ship)) {}

  std::string cmd_;
  bool split_;
  bool csv_;
  std::vector<ShippedFile> ship_;
  RunEnv env_;
  ObjectOutputs* outputs_ = nullptr;
  uint64_t lines_ = 0;  // guarded by mu_
  std::mutex mu_;
};

// A shipped file's name and hash as a coordinator may send them.
Status CheckShipped(const ShippedFile& f);

}  // namespace fanout::exec
