// Job: what one analysis does with its tasks, whichever executor runs them.
//
// A job has two sides. Where tasks run — this machine's threads (RunJobLocally,
// local_executor.h) or a worker (cluster/worker.h) — it runs one task at a time
// and, on a worker, encodes the task's output for the wire. Where results are
// committed — this machine, or the coordinator (cluster/coordinator.h) — it
// decodes and checks outputs that came from elsewhere, takes each object's
// outputs once its ranges are settled (in range order, each exactly once), and
// finishes after the last. The executors own threads, retries, the range
// chain (range_chain.h) and progress; a job owns only what its operator means.
//
// The same shape as DuckDB's sinks: RunTask is the per-task Sink, Commit the
// per-slot Combine (a local job commits on its executor's thread `slot`; the
// coordinator commits on slot 0), Finish the one Finalize.
//
// A new operator is one Job subclass, its line in the registry
// (job_registry.cc) and its flags.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.h"
#include "core/status.h"
#include "csv/chain.h"
#include "exec/command_task.h"
#include "exec/plan.h"
#include "exec/stage.h"
#include "exec/task_runner.h"
#include "io/remote.h"

namespace fanout::exec {

// What every job carries besides its own fields.
struct JobCommon {
  ScanOptions scan;                // how to read CSV
  io::RemoteOptions remote;        // how to reach remote stores (no credentials: workers find their own)
  uint32_t threads = 0;            // task threads per worker; 0: its cores
  uint32_t idle_timeout_s = 30;    // a worker exits after this long without a frame from the coordinator
  uint64_t max_group_memory = 0;   // --max-group-memory; 0: each process's default (ops/group_memory.h)
  // Workers ask their machine's metadata service every second whether EC2 is
  // about to take it away (spot machines of a --cluster), and say so.
  bool watch_interruptions = false;
  StageRecipe stage;               // for inputs that are staged pieces: how a piece is made again
};

// A file a job's commands need, shipped to every worker that lacks it.
struct ShippedFile {
  std::string name;    // base name the command sees in its working directory
  std::string sha256;  // lower-case hex of the content
};

// What one task produced; each job subclasses it.
struct TaskOutput {
  virtual ~TaskOutput() = default;
};

// One task to run: where its bytes are and what it may assume.
struct TaskContext {
  const ObjectPlan& object;
  const Task& task;
  uint32_t index = 0;            // the task's number in the plan (the same for every attempt)
  csv::RangeStart start;         // what it assumes at its begin (csv/chain.h)
  Progress* progress = nullptr;  // live counters; may be null
  const std::atomic<bool>* cancel = nullptr;
  csv::RangeEnd* end = nullptr;  // what it found: must be set when the task reads rows
};

// Where a job's tasks run: the shipped files and a directory of the job's own
// (empty when the job ships nothing).
struct RunEnv {
  std::vector<ShippedCopy> shipped;
  std::string workdir;
};

// One committed range of an object.
struct Committed {
  uint32_t index = 0;                   // its task's number in the plan
  const Task* task = nullptr;           // that task
  std::unique_ptr<TaskOutput> output;
  std::string holder;                   // where it was made: "local", or the host
};

class Job {
 public:
  explicit Job(JobCommon common) : common_(std::move(common)) {}
  virtual ~Job() = default;
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  const JobCommon& common() const { return common_; }
  JobCommon& common() { return common_; }

  // Its name in the registry (job_registry.h), and its own fields for the job frame.
  virtual std::string_view Kind() const = 0;
  virtual void EncodeFields(Encoder* e) const = 0;
  // Files its tasks need on every machine that runs them.
  virtual std::vector<ShippedFile> Shipped() const { return {}; }
  // Whether its outputs count rows (the progress bar shows them); `run` counts lines.
  virtual bool CountsRows() const { return true; }

  // --- where tasks run ---
  // Once, before the first task, with the shipped files in place.
  [[nodiscard]] virtual Status Prepare(const RunEnv&) { return Status::OK(); }
  // Runs one task; called from any thread. A failure of the user's command
  // is StatusCode::kCommandFailed, one of storage or the network kIoError
  // (both retried by the executors); anything else fails the job.
  [[nodiscard]] virtual Result<std::unique_ptr<TaskOutput>> RunTask(const TaskContext& ctx) = 0;
  // A task's output as it travels from a worker.
  virtual std::string EncodeOutput(const TaskOutput& out) const = 0;

  // --- where results are committed ---
  // A worker's output, decoded and checked: a worker is trusted with nothing,
  // so garbage is an error (the worker is dropped and the task runs elsewhere).
  [[nodiscard]] virtual Result<std::unique_ptr<TaskOutput>> DecodeOutput(std::string_view bytes) const = 0;
  // The data rows (or lines) an output holds, for the progress display.
  virtual uint64_t Rows(const TaskOutput& out) const = 0;
  // Called once before the first commit with the number of commit slots.
  virtual void SetSlots(int slots) {}
  // An object's outputs, one per range in range order, each exactly once.
  // Slots commit at the same time; one slot commits one object at a time.
  [[nodiscard]] virtual Status Commit(int slot, uint32_t object, std::vector<Committed>* ranges) = 0;
  // After the last commit of a job that succeeded.
  [[nodiscard]] virtual Status Finish() { return Status::OK(); }

 private:
  JobCommon common_;
};

}  // namespace fanout::exec
