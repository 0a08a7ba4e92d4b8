// Format: how an object's bytes become rows for the jobs' sinks, and what a
// task must report for its object's results to be accepted. CSV
// (exec/csv_format.h) is the first; a format is one implementation of this
// interface and its line in the registry (formats.cc) — the executors, the
// jobs and the protocol only ever ask an object's Format.
//
// A task reports a csv::RangeEnd and runs with a csv::RangeStart (csv/chain.h);
// a format whose tasks need no chain reports the defaults and settles every
// object at once.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "csv/chain.h"
#include "csv/header.h"
#include "csv/reader.h"
#include "exec/plan.h"
#include "exec/task_runner.h"
#include "ops/sink.h"

namespace fanout::exec {

class Format {
 public:
  virtual ~Format() = default;
  // Its name in the registry and on the wire.
  virtual std::string_view Name() const = 0;
  // Whether an object whose content begins with `head` is in this format (its
  // magic bytes); formats are asked in registry order, CSV last.
  virtual bool Claims(std::string_view head) const = 0;
  // Appends the tasks of object number `index` (no I/O): for CSV, the whole
  // object when it is compressed or at most `range_bytes`, else byte ranges
  // of `range_bytes`, the last one shorter.
  virtual void Split(uint32_t index, const ObjectPlan& object, uint64_t range_bytes, std::vector<Task>* tasks) const = 0;
  // The object's column names (and whether it has them), read once per object.
  [[nodiscard]] virtual Result<csv::HeaderInfo> ReadHeader(const ObjectPlan& object, const ScanOptions& scan) const = 0;
  // Feeds `sink` the rows `task` owns, assuming `start` at its begin; stores
  // what it found in *end. Errors name the object. A text format hands over
  // rows (OnRow), a columnar one batches of the fields sink->Fields() names, in
  // their canonical text (OnBatch), after OnHeader in the object's first task
  // (ops/sink.h).
  [[nodiscard]] virtual Status Scan(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                                    const ScanOptions& scan, ops::Sink* sink, Progress* progress,
                                    const std::atomic<bool>* cancel, csv::RangeEnd* end) const = 0;
  // Given the ends of an object's leading ranges, in order: the first range to
  // run again and its start (rerun == ranges.size() when all read as they
  // must), or an error when no reading of the object is consistent.
  [[nodiscard]] virtual Result<csv::ChainVerdict> Settle(const std::vector<csv::RangeEnd>& ranges,
                                                         const std::string& object) const = 0;
  // "FILE:LINE" (or what the format can say) for a row at content offset
  // `offset`, for --strict errors.
  virtual std::string Where(const ObjectPlan& object, uint64_t offset, io::Store& store) const = 0;
};

// The format an object was planned as (ObjectPlan::format).
const Format& FormatOf(const ObjectPlan& object);
// The registered format of that name; NotFound otherwise.
Result<const Format*> FindFormat(std::string_view name);
// The first registered format that claims `head`.
const Format& DetectFormat(std::string_view head);

}  // namespace fanout::exec
