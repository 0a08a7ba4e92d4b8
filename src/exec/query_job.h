// QueryJob (count, agg): a Plan's objects grouped by key columns and
// aggregated into one Partial. Per object, the header is read once and the
// query's columns resolved against it (HeaderCache); every task's Partial is
// merged exactly once, per commit slot, and the slots' into one at Finish.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "exec/job.h"
#include "exec/plan.h"
#include "exec/task_runner.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace fanout::exec {

// Per object (by URL and ETag): its header, read once by whichever task
// needs it first, and the columns `query` names resolved against it (when a
// query is given). A read that failed on the network is tried again by the
// next task; any other failure is the object's answer. Thread-safe.
class HeaderCache {
 public:
  HeaderCache(const ScanOptions& scan, const ops::Query* query) : scan_(scan), query_(query) {}
  struct Entry {
    csv::HeaderInfo header;
    ops::ResolvedQuery resolved;
  };
  Result<const Entry*> Get(const ObjectPlan& object);

 private:
  struct Slot {
    std::once_flag once;
    Status status;
    Entry entry;
  };
  const ScanOptions& scan_;
  const ops::Query* query_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;  // guarded by mu_ (the map, not the slots)
  std::vector<std::unique_ptr<Slot>> retired_;           // failed on the network; guarded by mu_
};

// What the command line says a query is: parsed on both sides by the same code.
struct QuerySpec {
  std::string by;                                     // --by
  std::vector<std::string> where;                     // --where, each
  std::vector<std::pair<uint8_t, std::string>> aggs;  // (ops::AggKind, column), in order
  bool output_count = true;
};

class QueryJob final : public Job {
 public:
  static constexpr std::string_view kKind = "query";
  // Parses the query; an error is the user's (a usage error).
  static Result<std::unique_ptr<QueryJob>> Make(JobCommon common, QuerySpec spec);
  static Result<std::unique_ptr<Job>> Decode(JobCommon common, Decoder* d);

  std::string_view Kind() const override { return kKind; }
  void EncodeFields(Encoder* e) const override;
  Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) override;
  std::string EncodeOutput(const TaskOutput& out) const override;
  Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view bytes) const override;
  uint64_t Rows(const TaskOutput& out) const override;
  void SetSlots(int slots) override;
  Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) override;
  Status Finish() override;

  const ops::Query& query() const { return query_; }
  const QuerySpec& spec() const { return spec_; }
  // Keeps a copy of each of these objects' results, merged over its ranges,
  // as they are committed (--verify compares them with the reference reader's).
  // Call before the job runs.
  void KeepObjects(const std::vector<uint32_t>& objects);
  // What KeepObjects kept, by object, after the job.
  const std::map<uint32_t, ops::Partial>& kept() const { return kept_; }
  // The merged result, after Finish.
  ops::Partial& result() { return total_; }

 private:
  QueryJob(JobCommon common, QuerySpec spec, ops::Query query);

  QuerySpec spec_;
  ops::Query query_;
  HeaderCache headers_;
  std::vector<ops::Partial> per_slot_;
  ops::Partial total_;
  // Made before the job runs; each entry written only by its object's one Commit.
  std::map<uint32_t, ops::Partial> kept_;
};

// One task of a query: the rows `task` owns, aggregated into a fresh Partial;
// what it found in *end (csv/chain.h). `header` and `rq` belong to the task's
// object. Under --strict the first skipped row is an error naming its line.
Result<ops::Partial> RunQueryTask(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                                  const ops::Query& query, const ops::ResolvedQuery& rq,
                                  const csv::HeaderInfo& header, const ScanOptions& scan, Progress* progress,
                                  const std::atomic<bool>* cancel, csv::RangeEnd* end);

// "FILE:LINE: REASON" for a row skipped under --strict (the line counted by
// reading the object through `store`).
Status StrictError(const ObjectPlan& object, uint64_t offset, const std::string& reason, io::Store& store);

// The query a spec describes.
Result<ops::Query> ParseQuery(const QuerySpec& spec);

}  // namespace fanout::exec
