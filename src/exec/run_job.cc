#include "exec/run_job.h"

namespace fanout::exec {

namespace {

constexpr size_t kSha256HexChars = 64;

struct CommandOutput final : TaskOutput {
  std::string data;
  uint64_t lines = 0;
};

}  // namespace

Status CheckShipped(const ShippedFile& f) {
  bool name_ok = !f.name.empty() && f.name != "." && f.name != ".." &&
                 f.name.find_first_of(std::string("/\0", 2)) == std::string::npos;
  bool sha_ok = f.sha256.size() == kSha256HexChars && f.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!name_ok || !sha_ok) return Status::Corrupt("a shipped file with a bad name or sha256: '" + f.name + "'");
  return Status::OK();
}

// The flags byte of the job's fields.
constexpr uint8_t kSplitFlag = 1, kCsvFlag = 2;

Result<std::unique_ptr<RunJob>> RunJob::Make(JobCommon common, std::string cmd, bool split, bool csv,
                                             std::vector<ShippedFile> ship) {
  for (const ShippedFile& f : ship) RETURN_IF_ERROR(CheckShipped(f));
  return std::unique_ptr<RunJob>(new RunJob(std::move(common), std::move(cmd), split, csv, std::move(ship)));
}

void RunJob::EncodeFields(Encoder* e) const {
  uint8_t flags = (split_ ? kSplitFlag : 0) | (csv_ ? kCsvFlag : 0);
  e->Str(cmd_).U8(flags).U32(static_cast<uint32_t>(ship_.size()));
  for (const ShippedFile& f : ship_) e->Str(f.name).Str(f.sha256);
}

Result<std::unique_ptr<Job>> RunJob::Decode(JobCommon common, Decoder* d) {
  ASSIGN_OR_RETURN(std::string cmd, d->Str());
  ASSIGN_OR_RETURN(uint8_t flags, d->U8());
  if ((flags & ~(kSplitFlag | kCsvFlag)) != 0) return Status::Corrupt("a run job with unknown flags");
  ASSIGN_OR_RETURN(uint32_t n, d->U32());
  std::vector<ShippedFile> ship;
  for (uint32_t i = 0; i < n; ++i) {
    ShippedFile f;
    ASSIGN_OR_RETURN(f.name, d->Str());
    ASSIGN_OR_RETURN(f.sha256, d->Str());
    ship.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RunJob> job, Make(std::move(common), std::move(cmd), (flags & kSplitFlag) != 0,
                                                     (flags & kCsvFlag) != 0, std::move(ship)));
  return std::unique_ptr<Job>(std::move(job));
}

Status RunJob::Prepare(const RunEnv& env) {
  RETURN_IF_ERROR(PipefailShell().status());
  env_ = env;
  return Status::OK();
}

Result<std::unique_ptr<TaskOutput>> RunJob::RunTask(const TaskContext& ctx) {
  CommandOptions co;
  co.cmd = cmd_;
  co.shipped = env_.shipped;
  if (!co.shipped.empty()) co.workdir = env_.workdir;
  co.split = split_;
  co.csv = csv_;
  co.cancel = ctx.cancel;
  co.store = common().scan.store;
  CommandResult r = RunCommandTask(ctx.object, ctx.task, ctx.index, co);
  if (ctx.progress != nullptr) ctx.progress->bytes.fetch_add(ctx.task.stored_bytes, std::memory_order_relaxed);
  if (!r.status.ok()) return r.command_failed ? Status::CommandFailed(r.status.message()) : r.status;
  auto out = std::make_unique<CommandOutput>();
  out->data = std::move(r.output);
  out->lines = r.lines;
  return std::unique_ptr<TaskOutput>(std::move(out));
}

std::string RunJob::EncodeOutput(const TaskOutput& out) const {
  const auto& o = static_cast<const CommandOutput&>(out);
  Encoder e;
  e.U64(o.lines);
  std::string bytes = e.bytes();
  bytes.append(o.data);
  return bytes;
}

Result<std::unique_ptr<TaskOutput>> RunJob::DecodeOutput(std::string_view bytes) const {
  Decoder d(bytes.substr(0, sizeof(uint64_t)));
  auto out = std::make_unique<CommandOutput>();
  ASSIGN_OR_RETURN(out->lines, d.U64());
  out->data = std::string(bytes.substr(sizeof(uint64_t)));
  return std::unique_ptr<TaskOutput>(std::move(out));
}

uint64_t RunJob::Rows(const TaskOutput& out) const { return static_cast<const CommandOutput&>(out).lines; }

Status RunJob::Commit(int, uint32_t, std::vector<Committed>* ranges) {
  if (outputs_ == nullptr) return Status::Internal("run: no outputs to commit to");
  for (Committed& c : *ranges) {
    auto& o = static_cast<CommandOutput&>(*c.output);
    {
      std::lock_guard<std::mutex> lock(mu_);
      lines_ += o.lines;
    }
    RETURN_IF_ERROR(outputs_->CommitData(*c.task, o.data));
  }
  return Status::OK();
}

}  // namespace fanout::exec
