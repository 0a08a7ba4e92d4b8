// The protocol's messages (docs/protocol.md) and their payload encodings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "cluster/wire.h"
#include "exec/plan.h"
#include "exec/stage.h"
#include "exec/task_runner.h"
#include "io/remote.h"
#include "ops/query.h"

namespace fanout::cluster {

struct Hello {
  uint32_t version = kProtocolVersion;
  uint32_t cores = 1;
  std::string host;
  std::string fanout_version;
};

// Everything a worker needs to run any task of a job: the query as the user
// wrote it (parsed on both sides by the same code), how to read CSV and how to
// reach remote stores. No credentials: a worker finds its own (environment,
// shared files, instance profile), as the aws cli would on that machine.
// kStage: every task writes its rows' selected columns as a piece on the
// worker's disk (exec/stage.h) and answers with the piece's description.
enum class JobKind : uint8_t { kQuery = 0, kRun = 1, kStage = 2 };

struct ShippedFile {
  std::string name;    // base name the command sees in its working directory
  std::string sha256;  // lower-case hex of the content
};

struct JobSpec {
  JobKind kind = JobKind::kQuery;
  // kRun: the command for every task, and the files it needs.
  std::string cmd;
  bool split = false;  // tasks may be byte ranges: feed each the lines that start in it
  std::vector<ShippedFile> ship;
  // kQuery:
  std::string by;                    // --by
  std::vector<std::string> where;    // --where, each
  std::vector<std::pair<uint8_t, std::string>> aggs;  // (ops::AggKind, column), in order
  bool output_count = true;
  exec::ScanOptions scan;
  io::RemoteOptions remote;
  uint32_t threads = 0;              // task threads per worker; 0: its cores
  uint32_t idle_timeout_s = 30;      // a worker exits after this long without a frame from the coordinator
  uint64_t max_group_memory = 0;     // --max-group-memory; 0: each worker's default (ops/group_memory.h)
  // kStage, and any job whose tasks are staged pieces: how pieces are made.
  exec::StageRecipe stage;
};

struct TaskMsg {
  uint64_t id = 0;  // the attempt id: unique per job, echoed in progress/done/fail
  uint32_t index = 0;  // the task's number in the job's plan (the same for every attempt)
  exec::ObjectPlan object;
  exec::Task task;  // .object is meaningless on the worker
  csv::RangeStart start;  // what the task assumes at its begin (csv/chain.h)
  // The object is a staged piece: `piece_here` says the worker's machine holds
  // it at object.info.url; otherwise (or if the file is missing or not the
  // size it should be) the worker makes it again from `source` first.
  bool staged = false;
  bool piece_here = false;
  exec::StagedPiece source;  // .holder is not sent
};

struct DoneMsg {
  uint64_t id = 0;
  csv::RangeEnd end;    // what the task found (csv/chain.h)
  std::string partial;  // ops::Partial::Serialize(), a command's output, or (kStage) EncodePiece
  std::string piece;    // a staged piece made again for this task: EncodePiece; else empty
};

struct FailMsg {
  uint64_t id = 0;
  bool retryable = false;
  // (kRun) the user's command failed: retried at most the job's command
  // attempts, on another worker when there is one. Implies retryable.
  bool command_failed = false;
  std::string message;
};

struct ProgressMsg {
  uint64_t bytes = 0, rows = 0;  // since the previous progress frame
};

std::string EncodeHello(const Hello& m);
Result<Hello> DecodeHello(std::string_view payload);
std::string EncodeJob(const JobSpec& m);
Result<JobSpec> DecodeJob(std::string_view payload);
std::string EncodeTask(const TaskMsg& m);
Result<TaskMsg> DecodeTask(std::string_view payload);
std::string EncodeDone(const DoneMsg& m);
Result<DoneMsg> DecodeDone(std::string_view payload);
std::string EncodeFail(const FailMsg& m);
Result<FailMsg> DecodeFail(std::string_view payload);
std::string EncodeProgress(const ProgressMsg& m);
Result<ProgressMsg> DecodeProgress(std::string_view payload);
std::string EncodeCancel(uint64_t id);
Result<uint64_t> DecodeCancel(std::string_view payload);
std::string EncodeEmpty(FrameType type);  // heartbeat, bye
std::string EncodeNeed(const std::vector<std::string>& sha256s);
Result<std::vector<std::string>> DecodeNeed(std::string_view payload);
std::string EncodeFile(const std::string& sha256, const std::string& content);
Result<std::pair<std::string, std::string>> DecodeFile(std::string_view payload);  // (sha256, content)

// A run task's result (a done frame's partial): the lines fed to the command,
// then its output.
struct RunOutput {
  uint64_t lines = 0;
  std::string_view output;  // into the decoded payload
};
std::string EncodeRunOutput(uint64_t lines, std::string_view output);
Result<RunOutput> DecodeRunOutput(std::string_view payload);

std::string EncodePiece(const exec::PieceInfo& p);
Result<exec::PieceInfo> DecodePiece(std::string_view payload);

// The query a JobSpec describes, parsed the way the command line parses it.
Result<ops::Query> BuildQuery(const JobSpec& spec);

}  // namespace fanout::cluster
