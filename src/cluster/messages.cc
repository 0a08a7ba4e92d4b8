#include "cluster/messages.h"

#include "exec/format.h"
#include "exec/job_registry.h"

namespace fanout::cluster {

namespace {

// A fail frame's kind byte (docs/protocol.md).
constexpr uint8_t kFailFatal = 0;
constexpr uint8_t kFailRetryable = 1;
constexpr uint8_t kFailCommand = 2;

// An object and the range of it a task owns (a task's, or a staged piece's source).
void EncodeObjectTask(const exec::ObjectPlan& o, const exec::Task& t, csv::RangeStart start, Encoder* e) {
  e->Str(o.info.url).U64(o.info.size).Str(o.info.etag).U8(static_cast<uint8_t>(o.compression)).Str(o.format);
  e->U32(t.range).U32(t.ranges).U64(t.begin).U64(t.end).U64(t.stored_bytes).U8(start.Code());
}

Status DecodeObjectTask(Decoder* d, uint64_t id, exec::ObjectPlan* o, exec::Task* t, csv::RangeStart* start) {
  ASSIGN_OR_RETURN(o->info.url, d->Str());
  ASSIGN_OR_RETURN(o->info.size, d->U64());
  ASSIGN_OR_RETURN(o->info.etag, d->Str());
  ASSIGN_OR_RETURN(uint8_t c, d->U8());
  if (c > static_cast<uint8_t>(io::Compression::kZstd)) return Status::Corrupt("unknown compression " + std::to_string(c));
  o->compression = static_cast<io::Compression>(c);
  ASSIGN_OR_RETURN(o->format, d->Str());
  if (!exec::FindFormat(o->format).ok()) return Status::Corrupt("task " + std::to_string(id) + ": unknown format '" + o->format.substr(0, 40) + "'");
  ASSIGN_OR_RETURN(t->range, d->U32());
  ASSIGN_OR_RETURN(t->ranges, d->U32());
  ASSIGN_OR_RETURN(t->begin, d->U64());
  ASSIGN_OR_RETURN(t->end, d->U64());
  ASSIGN_OR_RETURN(t->stored_bytes, d->U64());
  ASSIGN_OR_RETURN(*start, exec::DecodeRangeStart(d));
  if (t->ranges == 0 || t->range >= t->ranges || t->begin > t->end) {
    return Status::Corrupt("task " + std::to_string(id) + " has an impossible range");
  }
  return Status::OK();
}

}  // namespace

std::string EncodeHello(const Hello& m) {
  Encoder e;
  e.U32(m.version).U32(m.cores).Str(m.host).Str(m.fanout_version);
  return Frame(FrameType::kHello, e);
}

Result<Hello> DecodeHello(std::string_view payload) {
  Decoder d(payload);
  Hello m;
  ASSIGN_OR_RETURN(m.version, d.U32());
  if (m.version != kProtocolVersion) {
    return Status::Unsupported("worker speaks protocol version " + std::to_string(m.version) + ", this fanout speaks " +
                               std::to_string(kProtocolVersion) + " (run fanout deploy)");
  }
  ASSIGN_OR_RETURN(m.cores, d.U32());
  ASSIGN_OR_RETURN(m.host, d.Str());
  ASSIGN_OR_RETURN(m.fanout_version, d.Str());
  RETURN_IF_ERROR(d.Finish());
  if (m.cores == 0 || m.cores > 4096) return Status::Corrupt("worker reports " + std::to_string(m.cores) + " cores");
  return m;
}

std::string EncodeJobFrame(const exec::Job& job) {
  Encoder e;
  e.Raw(exec::EncodeJob(job));
  return Frame(FrameType::kJob, e);
}

std::string EncodeTask(const TaskMsg& m) {
  Encoder e;
  e.U64(m.id).U32(m.index);
  EncodeObjectTask(m.object, m.task, m.start, &e);
  e.U8(m.staged);
  if (m.staged) {
    e.U8(m.piece_here).U32(m.source.piece);
    EncodeObjectTask(m.source.source, m.source.source_task, m.source.start, &e);
  }
  return Frame(FrameType::kTask, e);
}

Result<TaskMsg> DecodeTask(std::string_view payload) {
  Decoder d(payload);
  TaskMsg m;
  ASSIGN_OR_RETURN(m.id, d.U64());
  ASSIGN_OR_RETURN(m.index, d.U32());
  RETURN_IF_ERROR(DecodeObjectTask(&d, m.id, &m.object, &m.task, &m.start));
  ASSIGN_OR_RETURN(uint8_t staged, d.U8());
  m.staged = staged != 0;
  if (m.staged) {
    ASSIGN_OR_RETURN(uint8_t here, d.U8());
    m.piece_here = here != 0;
    ASSIGN_OR_RETURN(m.source.piece, d.U32());
    RETURN_IF_ERROR(DecodeObjectTask(&d, m.id, &m.source.source, &m.source.source_task, &m.source.start));
  }
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeDone(const DoneMsg& m) {
  Encoder e;
  e.U64(m.id).U8(m.end.used.Code()).U8(static_cast<uint8_t>(m.end.quote));
  e.U8(static_cast<uint8_t>(m.end.saw_lf) | static_cast<uint8_t>(m.end.saw_cr) << 1 |
       static_cast<uint8_t>(m.end.quote_at_begin) << 2);
  e.U64(m.end.unterminated).Str(m.partial).Str(m.piece).U64(m.run_us).U64(m.cpu_us);
  return Frame(FrameType::kDone, e);
}

Result<DoneMsg> DecodeDone(std::string_view payload) {
  Decoder d(payload);
  DoneMsg m;
  ASSIGN_OR_RETURN(m.id, d.U64());
  ASSIGN_OR_RETURN(m.end.used, exec::DecodeRangeStart(&d));
  ASSIGN_OR_RETURN(uint8_t q, d.U8());
  ASSIGN_OR_RETURN(uint8_t saw, d.U8());
  constexpr uint8_t kMaxQuote = static_cast<uint8_t>(csv::QuoteState::kUnquoted), kSawBits = 7;
  if (q > kMaxQuote || (saw & ~kSawBits) != 0 || m.end.used.line_end == csv::LineEnd::kGuess) {
    return Status::Corrupt("task " + std::to_string(m.id) + ": an impossible range end");
  }
  m.end.quote = static_cast<csv::QuoteState>(q);
  m.end.saw_lf = (saw & 1) != 0;
  m.end.saw_cr = (saw & 2) != 0;
  m.end.quote_at_begin = (saw & 4) != 0;
  ASSIGN_OR_RETURN(m.end.unterminated, d.U64());
  ASSIGN_OR_RETURN(m.partial, d.Str());
  ASSIGN_OR_RETURN(m.piece, d.Str());
  ASSIGN_OR_RETURN(m.run_us, d.U64());
  ASSIGN_OR_RETURN(m.cpu_us, d.U64());
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeFail(const FailMsg& m) {
  Encoder e;
  e.U64(m.id).U8(m.command_failed ? kFailCommand : m.retryable ? kFailRetryable : kFailFatal).Str(m.message);
  return Frame(FrameType::kFail, e);
}

Result<FailMsg> DecodeFail(std::string_view payload) {
  Decoder d(payload);
  FailMsg m;
  ASSIGN_OR_RETURN(m.id, d.U64());
  ASSIGN_OR_RETURN(uint8_t r, d.U8());
  if (r > kFailCommand) return Status::Corrupt("a fail frame of unknown kind " + std::to_string(r));
  m.retryable = r != kFailFatal;
  m.command_failed = r == kFailCommand;
  ASSIGN_OR_RETURN(m.message, d.Str());
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeProgress(const ProgressMsg& m) {
  Encoder e;
  e.U64(m.bytes).U64(m.rows);
  return Frame(FrameType::kProgress, e);
}

Result<ProgressMsg> DecodeProgress(std::string_view payload) {
  Decoder d(payload);
  ProgressMsg m;
  ASSIGN_OR_RETURN(m.bytes, d.U64());
  ASSIGN_OR_RETURN(m.rows, d.U64());
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeNotice(const std::string& message) {
  Encoder e;
  e.Str(message);
  return Frame(FrameType::kNotice, e);
}

Result<std::string> DecodeNotice(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(std::string m, d.Str());
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeCancel(uint64_t id) {
  Encoder e;
  e.U64(id);
  return Frame(FrameType::kCancel, e);
}

Result<uint64_t> DecodeCancel(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(uint64_t id, d.U64());
  RETURN_IF_ERROR(d.Finish());
  return id;
}

std::string EncodeEmpty(FrameType type) { return Frame(type, Encoder()); }

std::string EncodeNeed(const std::vector<std::string>& sha256s) {
  Encoder e;
  e.U32(static_cast<uint32_t>(sha256s.size()));
  for (const std::string& s : sha256s) e.Str(s);
  return Frame(FrameType::kNeed, e);
}

Result<std::vector<std::string>> DecodeNeed(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(uint32_t n, d.U32());
  std::vector<std::string> out;
  for (uint32_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::string s, d.Str());
    out.push_back(std::move(s));
  }
  RETURN_IF_ERROR(d.Finish());
  return out;
}

std::string EncodeFile(const std::string& sha256, const std::string& content) {
  Encoder e;
  e.Str(sha256).Str(content);
  return Frame(FrameType::kFile, e);
}

Result<std::pair<std::string, std::string>> DecodeFile(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(std::string sha, d.Str());
  ASSIGN_OR_RETURN(std::string content, d.Str());
  RETURN_IF_ERROR(d.Finish());
  return std::make_pair(std::move(sha), std::move(content));
}

}  // namespace fanout::cluster
