// Flags and steps shared by the commands that read rows (count, agg, select).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "core/temp_dir.h"
#include "exec/job.h"
#include "exec/object_outputs.h"
#include "exec/plan.h"
#include "exec/stage.h"
#include "io/remote.h"
#include "io/store.h"
#include "exec/task_runner.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace fanout::cli {

// Limits of the numeric flags (docs/cli.md). A value outside them is a usage
// error naming the flag, the value and the range.
inline constexpr int kMaxThreads = 1024;        // threads per process (--threads, gen-taxi --threads)
inline constexpr int kMaxWorkers = 1024;        // --workers
inline constexpr int kMaxConnections = 1024;    // --connections
inline constexpr int kMaxTimeoutSeconds = 3600; // --io-timeout, --heartbeat-timeout, --connect-timeout
inline constexpr uint64_t kMinPartBytes = 4 << 10;
inline constexpr uint64_t kMaxPartBytes = 1 << 30;
inline constexpr uint64_t kMaxBufferBytes = 1ull << 31;  // positions in a read buffer are 32-bit

// A CLI11 check: a whole number from lo to hi (decimal digits, '-' for a
// negative one). Its message names the range and the value, e.g.
// "--threads: expected a whole number from 1 to 1024, not '0'".
CLI::Validator WholeNumber(int64_t lo, uint64_t hi);
// The same for a byte size as ParseByteSize reads it ("64MiB"), from lo to hi bytes.
CLI::Validator ByteSizeIn(uint64_t lo, uint64_t hi);
// "64MiB", "1GiB", "4096 bytes": a size as the flags take it, exact.
std::string SizeText(uint64_t bytes);

struct CommonFlags {
  std::vector<std::string> inputs;
  std::vector<std::string> where;
  std::string header = "auto";
  std::string delimiter = ",";
  int threads = 0;  // 0: not given (every core)
  std::string range_size = "64MiB";
  std::string buffer_size;  // empty: not given (1MiB, or less for a small --max-row)
  std::string max_row = "64MiB";
  bool strict = false;
  bool quiet = false;
  bool skip_missing = false;
  io::RemoteOptions remote;
};

// Adds --endpoint-url, --region, --no-sign-request and --s3-addressing.
void AddRemoteFlags(CLI::App* sub, io::RemoteOptions* remote);

// Adds --where, --header, --delimiter, --threads, --range-size, --buffer-size,
// --max-row, --strict, --quiet and the INPUT... positional to `sub`;
// `input_help` says what INPUT may be for this command (default: files,
// directories, globs, s3:// keys and http(s) URLs).
void AddCommonFlags(CLI::App* sub, CommonFlags* flags, const std::string& input_help = "");

// Everything the flags say about reading, validated.
struct ReadSetup {
  exec::ScanOptions scan;
  uint64_t range_bytes = exec::kDefaultRangeBytes;
  int threads = 1;
  ops::Where where;  // --where, parsed (the jobs parse their own copy: this checks it early)
};
Result<ReadSetup> MakeReadSetup(const CommonFlags& flags);

// What every job of a reading command carries: how to read (`setup`), how to
// reach stores and how many threads per worker (`flags`).
exec::JobCommon MakeJobCommon(const ReadSetup& setup, const CommonFlags& flags);

// `remote` with --connections defaulted from the thread count (4 per thread:
// one S3 connection carries ~90 MB/s, a scanning thread consumes GB/s).
io::RemoteOptions WithDefaultConnections(io::RemoteOptions remote, int threads);

// Lists `inputs` through `store`. A stage://NAME input is refused: it is
// planned from its manifest, by the commands that read stages (PlanObjects).
Result<std::vector<io::ObjectInfo>> ListObjects(io::Store& store, const std::vector<std::string>& inputs,
                                                std::vector<std::string>* missing = nullptr);

// Lists the inputs and plans the tasks, through a store made from `remote`
// (plan.store, which the plan's readers use). stage://NAME inputs (alone, one
// stage) plan the stage's pieces instead, one task each, with plan.stage and
// plan.staged set and the manifest in *stage, and the store made from the
// stage's options (StageRemote); without `stage` they are refused (the
// command cannot read stages). With `missing` (--skip-missing), inputs that do
// not exist are listed there, not an error (io::ListInputs); PlanInputs warns
// of them.
Result<exec::Plan> PlanInputs(const CommonFlags& flags, uint64_t range_bytes, exec::Manifest* stage = nullptr);
Result<exec::Plan> PlanObjects(const std::vector<std::string>& inputs, const io::RemoteOptions& remote, int threads,
                               uint64_t range_bytes, exec::Manifest* stage,
                               std::vector<std::string>* missing = nullptr);

// The warning for --skip-missing's skipped inputs (none: nothing).
void WarnMissing(const std::vector<std::string>& missing);

// --out OUT of a command that writes one output per input (select, run): a
// directory, or s3://bucket/prefix/ (a usage error without a prefix), whose
// outputs are spooled in *job_dir (this job's temporary directory, made here in
// TempDirectory, named after `command`, removed with it) and uploaded as each
// completes. With `spool` (run --merge) the outputs are spooled whatever OUT is.
Result<exec::ObjectOutputs::Options> OutputsFor(const std::string& out, bool spool, const std::string& command,
                                                std::unique_ptr<OwnedTempDir>* job_dir);
// The same check alone, for the flags: OUT as an S3 prefix is well-formed.
Status CheckOut(const std::string& out);

// How to reach a stage's sources: the user's flags, else what the stage used.
io::RemoteOptions StageRemote(io::RemoteOptions user, const exec::Manifest& m);

// Reads a stage's pieces as they were written: the source's delimiter, and a
// header when every piece has one (unless --header said otherwise).
void ReadAsStaged(const exec::Manifest& m, const std::string& header_flag, exec::ScanOptions* scan);

// For a staged plan run on this machine alone: every piece must be held here
// ("local"); a piece file that is missing or not its recorded size is made
// again from its source now (through plan->store), and the manifest updated.
Status ReadyLocalPieces(exec::Plan* plan, exec::Manifest* m, bool quiet);

// Lines for FailJob to print after the cause of a failure (a cluster job's
// report of what each worker did).
void SetFailureDetails(std::string lines);

// Prints "fanout: MESSAGE" to stderr (through ForTerminal: a message may quote
// data or name an object), then the failure details if set, and ends the
// command with exit status 1.
[[noreturn]] void FailJob(const Status& status);
// The same with exit status 2, for a command line that is wrong.
[[noreturn]] void FailUsage(const Status& status);

// Fails the job with `status` unless it is OK.
inline void OrFail(const Status& status) {
  if (!status.ok()) FailJob(status);
}

// Unwraps a Result, failing the job with its error.
template <typename T>
T OrFail(Result<T> r) {
  if (!r.ok()) FailJob(r.status());
  return std::move(r).value();
}

using exec::OutputName;  // exec/object_outputs.h

// Prints each as "fanout: warning: ..." on stderr, --quiet or not: what a job
// noticed that leaves the answer exact but that the user must hear of.
void PrintWarnings(const std::vector<std::string>& warnings);

// Prints the one-line summary on stderr (unless quiet), through ForTerminal.
void PrintSummary(bool quiet, const exec::Plan& plan, const ops::RowStats& stats, double seconds,
                  const std::string& extra = "");

}  // namespace fanout::cli
