// TopJob (top): the N rows with the largest (or smallest) values of one
// numeric column, with the columns asked for (ops/top.h). Each task keeps its
// own best N; the committing side keeps the best N of those, per commit slot,
// and of the slots' at Finish. The order is total, so the answer does not
// depend on the split, the threads or the machines.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/job.h"
#include "exec/query_job.h"
#include "ops/partial.h"
#include "ops/query.h"
#include "ops/top.h"

namespace fanout::exec {

// The most rows `top` keeps (each task holds as many in memory).
constexpr uint64_t kMaxTopRows = 1000000;

struct TopSpec {
  uint64_t n = 10;
  std::string by;                  // the value column
  bool desc = true;                // largest first
  std::string cols;                // the columns printed; empty: all of them
  std::vector<std::string> where;  // --where, each
};

class TopJob final : public Job {
 public:
  static constexpr std::string_view kKind = "top";
  // Parses the spec; an error is the user's.
  static Result<std::unique_ptr<TopJob>> Make(JobCommon common, TopSpec spec);
  static Result<std::unique_ptr<Job>> Decode(JobCommon common, Decoder* d);

  // The objects' names by plan index, for messages (the committing side).
  void SetObjectNames(std::vector<std::string> names) { object_names_ = std::move(names); }

  std::string_view Kind() const override { return kKind; }
  void EncodeFields(Encoder* e) const override;
  Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) override;
  std::string EncodeOutput(const TaskOutput& out) const override;
  Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view bytes) const override;
  uint64_t Rows(const TaskOutput& out) const override;
  void SetSlots(int slots) override;
  Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) override;
  Status Finish() override;

  const TopSpec& spec() const { return spec_; }
  // After Finish: the columns' names (empty when no object had rows), the rows
  // best first, and the rows seen and skipped.
  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<ops::TopRow>& rows() const { return sorted_; }
  const ops::RowStats& stats() const { return stats_; }

 private:
  TopJob(JobCommon common, TopSpec spec, ops::Query query);

  TopSpec spec_;
  ops::Query query_;
  HeaderCache headers_;
  std::vector<std::string> object_names_;
  std::vector<ops::TopRows> per_slot_;
  ops::TopBound bound_;              // the rows of this process's tasks that ended well
  std::mutex mu_;                    // guards the three below
  std::vector<std::string> columns_;
  uint32_t columns_object_ = 0;      // the object columns_ came from
  ops::RowStats stats_;
  std::vector<ops::TopRow> sorted_;  // after Finish
};

}  // namespace fanout::exec
