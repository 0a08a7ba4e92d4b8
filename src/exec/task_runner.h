// The task runner: source -> decompress -> CSV rows -> a row sink, for one task.
// The same code runs in the local executor and (later) in remote workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "csv/chain.h"
#include "csv/header.h"
#include "csv/reader.h"
#include "exec/plan.h"
#include "io/store.h"

namespace fanout::exec {

struct ScanOptions {
  char delim = ',';
  csv::HeaderMode header = csv::HeaderMode::kAuto;
  size_t buffer_bytes = csv::kDefaultBufferBytes;
  size_t max_row_bytes = csv::kDefaultMaxRowBytes;
  bool strict = false;
  // Read with the reference reader: the exact scalar kernel (csv::ReadOptions::
  // exact_kernel). For --verify, on this machine only: not sent to workers.
  bool reference = false;
  // Where the objects' bytes are read from; must outlive the reads. Not sent
  // to workers (each reads through a store of its own).
  io::Store* store = io::LocalFiles();
};

// Live counters the progress display reads; all optional.
struct Progress {
  std::atomic<uint64_t> bytes{0};  // stored bytes done (compressed ones as they are read)
  std::atomic<uint64_t> rows{0};   // data rows of the finished tasks
  std::atomic<uint64_t> rows_bytes{0};  // stored bytes of the tasks counted in `rows` (0: not kept)
};

// Reads the object's header (per options.header) from its first bytes; an
// object that changed while they were read is an error (CheckUnchanged).
Result<csv::HeaderInfo> ReadObjectHeader(const ObjectPlan& object, const ScanOptions& options);

// Runs `sink` over the rows that `task` owns, assuming `start` at the task's begin
// (csv/chain.h). Stores what the task found in *end (unless the sink stopped the
// read early). Errors name the object.
Status ScanTask(const ObjectPlan& object, const Task& task, csv::RangeStart start,
                const ScanOptions& options, csv::RowSink* sink, Progress* progress,
                const std::atomic<bool>* cancel, csv::RangeEnd* end);

// The 1-based line number of the line holding content offset `offset`, for
// error messages (reads the object's content up to there, through `store`).
Result<uint64_t> LineNumberAt(const ObjectPlan& object, uint64_t offset, io::Store& store);

}  // namespace fanout::exec
