// The protocol's messages (docs/protocol.md) and their payload encodings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "cluster/wire.h"
#include "exec/job.h"
#include "exec/plan.h"
#include "exec/stage.h"
#include "exec/task_runner.h"
#include "io/remote.h"

namespace fanout::cluster {

struct Hello {
  uint32_t version = kProtocolVersion;
  uint32_t cores = 1;
  std::string host;
  std::string fanout_version;
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
  std::string partial;  // the task's output as its job encodes it (exec::Job::EncodeOutput)
  std::string piece;    // a staged piece made again for this task: exec::EncodePiece; else empty
  // How long the task ran on the worker (from its start there, not from when
  // it was sent) and the CPU time of the thread that ran it, in microseconds
  // (--report: queueing apart, and what a task waited on besides the CPU).
  uint64_t run_us = 0, cpu_us = 0;
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
// A job frame: the job as the registry encodes it (exec/job_registry.h).
std::string EncodeJobFrame(const exec::Job& job);
std::string EncodeTask(const TaskMsg& m);
Result<TaskMsg> DecodeTask(std::string_view payload);
std::string EncodeDone(const DoneMsg& m);
Result<DoneMsg> DecodeDone(std::string_view payload);
std::string EncodeFail(const FailMsg& m);
Result<FailMsg> DecodeFail(std::string_view payload);
std::string EncodeProgress(const ProgressMsg& m);
Result<ProgressMsg> DecodeProgress(std::string_view payload);
// notice: what EC2 said about this machine (io::InterruptionWatch::Poll).
std::string EncodeNotice(const std::string& message);
Result<std::string> DecodeNotice(std::string_view payload);

std::string EncodeCancel(uint64_t id);
Result<uint64_t> DecodeCancel(std::string_view payload);
std::string EncodeEmpty(FrameType type);  // heartbeat, bye
std::string EncodeNeed(const std::vector<std::string>& sha256s);
Result<std::vector<std::string>> DecodeNeed(std::string_view payload);
std::string EncodeFile(const std::string& sha256, const std::string& content);
Result<std::pair<std::string, std::string>> DecodeFile(std::string_view payload);  // (sha256, content)

}  // namespace fanout::cluster
