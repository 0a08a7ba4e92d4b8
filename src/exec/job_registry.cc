#include "exec/job_registry.h"

#include <algorithm>

#include "exec/query_job.h"
#include "exec/run_job.h"
#include "exec/select_job.h"
#include "exec/top_job.h"
#include "exec/stage_job.h"

namespace fanout::exec {

namespace {

using DecodeFn = Result<std::unique_ptr<Job>> (*)(JobCommon, Decoder*);

struct Registered {
  std::string_view kind;
  DecodeFn decode;
};

// Every kind of job a worker can run.
constexpr Registered kJobs[] = {
    {QueryJob::kKind, &QueryJob::Decode},
    {SelectJob::kKind, &SelectJob::Decode},
    {TopJob::kKind, &TopJob::Decode},
    {RunJob::kKind, &RunJob::Decode},
    {StageJob::kKind, &StageJob::Decode},
};

constexpr uint32_t kMaxWireConnections = 1024;

void EncodeCommon(const JobCommon& c, Encoder* e) {
  EncodeScan(c.scan, e);
  const io::RemoteOptions& r = c.remote;
  e->Str(r.endpoint_url).Str(r.region).U8(r.no_sign_request).Str(r.addressing);
  e->U32(static_cast<uint32_t>(r.io_timeout_s)).U32(static_cast<uint32_t>(r.connections));
  e->U32(static_cast<uint32_t>(r.parts_in_flight)).U64(r.part_bytes);
  // --forward-credentials: the secret travels in this frame only (over the
  // worker's pipe or ssh channel), never in a command line, an environment or a file.
  e->U8(r.credentials.has_value());
  if (r.credentials.has_value()) {
    e->Str(r.credentials->access_key_id).Str(r.credentials->secret_access_key).Str(r.credentials->session_token);
  }
  e->U32(c.threads).U32(c.idle_timeout_s).U64(c.max_group_memory).U8(c.watch_interruptions);
  const StageRecipe& st = c.stage;
  e->Str(st.name).Str(st.dir).Str(st.cols).Strs(st.where);
  EncodeScan(st.scan, e);
}

Result<JobCommon> DecodeCommon(Decoder* d) {
  JobCommon c;
  ASSIGN_OR_RETURN(c.scan, DecodeScan(d));
  io::RemoteOptions& r = c.remote;
  ASSIGN_OR_RETURN(r.endpoint_url, d->Str());
  ASSIGN_OR_RETURN(r.region, d->Str());
  ASSIGN_OR_RETURN(uint8_t anon, d->U8());
  r.no_sign_request = anon != 0;
  ASSIGN_OR_RETURN(r.addressing, d->Str());
  ASSIGN_OR_RETURN(uint32_t io_timeout, d->U32());
  ASSIGN_OR_RETURN(uint32_t connections, d->U32());
  ASSIGN_OR_RETURN(uint32_t parts, d->U32());
  ASSIGN_OR_RETURN(r.part_bytes, d->U64());
  ASSIGN_OR_RETURN(uint8_t has_credentials, d->U8());
  if (has_credentials > 1) return Status::Corrupt("a job's credentials flag is not 0 or 1");
  if (has_credentials == 1) {
    io::Credentials cr;
    ASSIGN_OR_RETURN(cr.access_key_id, d->Str());
    ASSIGN_OR_RETURN(cr.secret_access_key, d->Str());
    ASSIGN_OR_RETURN(cr.session_token, d->Str());
    r.credentials = std::move(cr);
  }
  r.io_timeout_s = io_timeout;
  r.connections = static_cast<int>(std::min(connections, kMaxWireConnections));
  r.parts_in_flight = static_cast<int>(std::min(parts, kMaxWireConnections));
  ASSIGN_OR_RETURN(c.threads, d->U32());
  ASSIGN_OR_RETURN(c.idle_timeout_s, d->U32());
  ASSIGN_OR_RETURN(c.max_group_memory, d->U64());
  ASSIGN_OR_RETURN(uint8_t watch, d->U8());
  c.watch_interruptions = watch != 0;
  StageRecipe& st = c.stage;
  ASSIGN_OR_RETURN(st.name, d->Str());
  ASSIGN_OR_RETURN(st.dir, d->Str());
  ASSIGN_OR_RETURN(st.cols, d->Str());
  ASSIGN_OR_RETURN(st.where, d->Strs());
  ASSIGN_OR_RETURN(st.scan, DecodeScan(d));
  if (!st.name.empty()) RETURN_IF_ERROR(CheckStageName(st.name));
  return c;
}

}  // namespace

void EncodeScan(const ScanOptions& scan, Encoder* e) {
  e->U8(static_cast<uint8_t>(scan.delim)).U8(static_cast<uint8_t>(scan.header));
  e->U64(scan.buffer_bytes).U64(scan.max_row_bytes).U8(scan.strict);
}

Result<ScanOptions> DecodeScan(Decoder* d) {
  ScanOptions scan;
  ASSIGN_OR_RETURN(uint8_t delim, d->U8());
  scan.delim = static_cast<char>(delim);
  ASSIGN_OR_RETURN(uint8_t header, d->U8());
  if (header > static_cast<uint8_t>(csv::HeaderMode::kNo)) return Status::Corrupt("unknown header mode");
  scan.header = static_cast<csv::HeaderMode>(header);
  ASSIGN_OR_RETURN(uint64_t buffer, d->U64());
  ASSIGN_OR_RETURN(uint64_t max_row, d->U64());
  if (buffer == 0 || max_row == 0 || buffer > (1ull << 31) || max_row > (1ull << 31)) {
    return Status::Corrupt("buffer sizes out of range");
  }
  scan.buffer_bytes = buffer;
  scan.max_row_bytes = max_row;
  ASSIGN_OR_RETURN(uint8_t strict, d->U8());
  scan.strict = strict != 0;
  return scan;
}

Result<csv::RangeStart> DecodeRangeStart(Decoder* d) {
  ASSIGN_OR_RETURN(uint8_t code, d->U8());
  csv::RangeStart start;
  if (!csv::RangeStart::FromCode(code, &start)) return Status::Corrupt("unknown range start " + std::to_string(code));
  return start;
}

std::string EncodePiece(const PieceInfo& p) {
  Encoder e;
  e.Str(p.path).U64(p.size).U64(p.rows).U8(p.header).U8(p.start.Code());
  return e.bytes();
}

Result<PieceInfo> DecodePiece(std::string_view payload) {
  Decoder d(payload);
  PieceInfo p;
  ASSIGN_OR_RETURN(p.path, d.Str());
  ASSIGN_OR_RETURN(p.size, d.U64());
  ASSIGN_OR_RETURN(p.rows, d.U64());
  ASSIGN_OR_RETURN(uint8_t h, d.U8());
  p.header = h != 0;
  ASSIGN_OR_RETURN(p.start, DecodeRangeStart(&d));
  RETURN_IF_ERROR(d.Finish());
  if (p.path.empty() || p.path[0] != '/') return Status::Corrupt("a piece path that is not absolute: '" + p.path + "'");
  return p;
}

std::string EncodeJob(const Job& job) {
  Encoder e;
  e.Str(job.Kind());
  EncodeCommon(job.common(), &e);
  job.EncodeFields(&e);
  return e.bytes();
}

Result<std::unique_ptr<Job>> DecodeJob(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(std::string kind, d.Str());
  const Registered* r = std::find_if(std::begin(kJobs), std::end(kJobs),
                                     [&](const Registered& x) { return x.kind == kind; });
  if (r == std::end(kJobs)) return Status::Corrupt("unknown job kind '" + kind.substr(0, 40) + "'");
  ASSIGN_OR_RETURN(JobCommon common, DecodeCommon(&d));
  ASSIGN_OR_RETURN(std::unique_ptr<Job> job, r->decode(std::move(common), &d));
  RETURN_IF_ERROR(d.Finish());
  return job;
}

}  // namespace fanout::exec
