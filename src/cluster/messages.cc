#include "cluster/messages.h"

#include "ops/query.h"

namespace fanout::cluster {

namespace {

// A fail frame's kind byte (docs/protocol.md).
constexpr uint8_t kFailFatal = 0;
constexpr uint8_t kFailRetryable = 1;
constexpr uint8_t kFailCommand = 2;

void EncodeScan(const exec::ScanOptions& scan, Encoder* e) {
  e->U8(static_cast<uint8_t>(scan.delim)).U8(static_cast<uint8_t>(scan.header));
  e->U64(scan.buffer_bytes).U64(scan.max_row_bytes).U8(scan.strict);
}

Result<exec::ScanOptions> DecodeScan(Decoder* d) {
  exec::ScanOptions scan;
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

// An object and the range of it a task owns (a task's, or a staged piece's source).
void EncodeObjectTask(const exec::ObjectPlan& o, const exec::Task& t, csv::RangeStart start, Encoder* e) {
  e->Str(o.info.url).U64(o.info.size).Str(o.info.etag).U8(static_cast<uint8_t>(o.compression));
  e->U32(t.range).U32(t.ranges).U64(t.begin).U64(t.end).U64(t.stored_bytes).U8(start.Code());
}

Result<csv::RangeStart> DecodeRangeStart(Decoder* d) {
  ASSIGN_OR_RETURN(uint8_t code, d->U8());
  csv::RangeStart start;
  if (!csv::RangeStart::FromCode(code, &start)) return Status::Corrupt("unknown range start " + std::to_string(code));
  return start;
}

Status DecodeObjectTask(Decoder* d, uint64_t id, exec::ObjectPlan* o, exec::Task* t, csv::RangeStart* start) {
  ASSIGN_OR_RETURN(o->info.url, d->Str());
  ASSIGN_OR_RETURN(o->info.size, d->U64());
  ASSIGN_OR_RETURN(o->info.etag, d->Str());
  ASSIGN_OR_RETURN(uint8_t c, d->U8());
  if (c > static_cast<uint8_t>(io::Compression::kZstd)) return Status::Corrupt("unknown compression " + std::to_string(c));
  o->compression = static_cast<io::Compression>(c);
  ASSIGN_OR_RETURN(t->range, d->U32());
  ASSIGN_OR_RETURN(t->ranges, d->U32());
  ASSIGN_OR_RETURN(t->begin, d->U64());
  ASSIGN_OR_RETURN(t->end, d->U64());
  ASSIGN_OR_RETURN(t->stored_bytes, d->U64());
  ASSIGN_OR_RETURN(*start, DecodeRangeStart(d));
  if (t->ranges == 0 || t->range >= t->ranges || t->begin > t->end) {
    return Status::Corrupt("task " + std::to_string(id) + " has an impossible range");
  }
  return Status::OK();
}

}  // namespace

std::string EncodeHello(const Hello& m) {
  Encoder e;
  e.U32(m.version).U32(m.cores).Str(m.host).Str(m.fanout_version);
  return e.Frame(FrameType::kHello);
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

std::string EncodeJob(const JobSpec& m) {
  Encoder e;
  e.U8(static_cast<uint8_t>(m.kind)).Str(m.cmd).U8(m.split).U32(static_cast<uint32_t>(m.ship.size()));
  for (const ShippedFile& f : m.ship) e.Str(f.name).Str(f.sha256);
  e.Str(m.by).U32(static_cast<uint32_t>(m.where.size()));
  for (const std::string& w : m.where) e.Str(w);
  e.U32(static_cast<uint32_t>(m.aggs.size()));
  for (const auto& [kind, col] : m.aggs) e.U8(kind).Str(col);
  e.U8(m.output_count);
  EncodeScan(m.scan, &e);
  e.Str(m.remote.endpoint_url).Str(m.remote.region).U8(m.remote.no_sign_request).Str(m.remote.addressing);
  e.U32(static_cast<uint32_t>(m.remote.io_timeout_s)).U32(static_cast<uint32_t>(m.remote.connections));
  e.U32(static_cast<uint32_t>(m.remote.parts_in_flight)).U64(m.remote.part_bytes);
  e.U32(m.threads).U32(m.idle_timeout_s);
  const exec::StageRecipe& st = m.stage;
  e.Str(st.name).Str(st.dir).Str(st.cols).U32(static_cast<uint32_t>(st.where.size()));
  for (const std::string& w : st.where) e.Str(w);
  EncodeScan(st.scan, &e);
  e.U64(m.max_group_memory);
  return e.Frame(FrameType::kJob);
}

Result<JobSpec> DecodeJob(std::string_view payload) {
  Decoder d(payload);
  JobSpec m;
  ASSIGN_OR_RETURN(uint8_t kind, d.U8());
  if (kind > static_cast<uint8_t>(JobKind::kStage)) return Status::Corrupt("unknown job kind " + std::to_string(kind));
  m.kind = static_cast<JobKind>(kind);
  ASSIGN_OR_RETURN(m.cmd, d.Str());
  ASSIGN_OR_RETURN(uint8_t split, d.U8());
  m.split = split != 0;
  ASSIGN_OR_RETURN(uint32_t nship, d.U32());
  for (uint32_t i = 0; i < nship; ++i) {
    ShippedFile f;
    ASSIGN_OR_RETURN(f.name, d.Str());
    ASSIGN_OR_RETURN(f.sha256, d.Str());
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == ".." ||
        f.sha256.size() != 64 || f.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Status::Corrupt("bad shipped file entry '" + f.name + "'");
    }
    m.ship.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(m.by, d.Str());
  ASSIGN_OR_RETURN(uint32_t nw, d.U32());
  for (uint32_t i = 0; i < nw; ++i) {
    ASSIGN_OR_RETURN(std::string w, d.Str());
    m.where.push_back(std::move(w));
  }
  ASSIGN_OR_RETURN(uint32_t na, d.U32());
  for (uint32_t i = 0; i < na; ++i) {
    ASSIGN_OR_RETURN(uint8_t kind, d.U8());
    if (kind > static_cast<uint8_t>(ops::AggKind::kMax)) return Status::Corrupt("unknown aggregate kind " + std::to_string(kind));
    ASSIGN_OR_RETURN(std::string col, d.Str());
    m.aggs.emplace_back(kind, std::move(col));
  }
  ASSIGN_OR_RETURN(uint8_t oc, d.U8());
  m.output_count = oc != 0;
  ASSIGN_OR_RETURN(m.scan, DecodeScan(&d));
  ASSIGN_OR_RETURN(m.remote.endpoint_url, d.Str());
  ASSIGN_OR_RETURN(m.remote.region, d.Str());
  ASSIGN_OR_RETURN(uint8_t anon, d.U8());
  m.remote.no_sign_request = anon != 0;
  ASSIGN_OR_RETURN(m.remote.addressing, d.Str());
  ASSIGN_OR_RETURN(uint32_t io_timeout, d.U32());
  ASSIGN_OR_RETURN(uint32_t connections, d.U32());
  ASSIGN_OR_RETURN(uint32_t parts, d.U32());
  ASSIGN_OR_RETURN(m.remote.part_bytes, d.U64());
  m.remote.io_timeout_s = io_timeout;
  m.remote.connections = static_cast<int>(std::min<uint32_t>(connections, 1024));
  m.remote.parts_in_flight = static_cast<int>(std::min<uint32_t>(parts, 1024));
  ASSIGN_OR_RETURN(m.threads, d.U32());
  ASSIGN_OR_RETURN(m.idle_timeout_s, d.U32());
  exec::StageRecipe& st = m.stage;
  ASSIGN_OR_RETURN(st.name, d.Str());
  ASSIGN_OR_RETURN(st.dir, d.Str());
  ASSIGN_OR_RETURN(st.cols, d.Str());
  ASSIGN_OR_RETURN(uint32_t nsw, d.U32());
  for (uint32_t i = 0; i < nsw; ++i) {
    ASSIGN_OR_RETURN(std::string w, d.Str());
    st.where.push_back(std::move(w));
  }
  ASSIGN_OR_RETURN(st.scan, DecodeScan(&d));
  ASSIGN_OR_RETURN(m.max_group_memory, d.U64());
  RETURN_IF_ERROR(d.Finish());
  if (!st.name.empty()) RETURN_IF_ERROR(exec::CheckStageName(st.name));
  if (m.kind == JobKind::kStage && st.name.empty()) return Status::Corrupt("a stage job without a stage name");
  return m;
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
  return e.Frame(FrameType::kTask);
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
  e.U64(m.end.unterminated).Str(m.partial).Str(m.piece);
  return e.Frame(FrameType::kDone);
}

Result<DoneMsg> DecodeDone(std::string_view payload) {
  Decoder d(payload);
  DoneMsg m;
  ASSIGN_OR_RETURN(m.id, d.U64());
  ASSIGN_OR_RETURN(m.end.used, DecodeRangeStart(&d));
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
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeFail(const FailMsg& m) {
  Encoder e;
  e.U64(m.id).U8(m.command_failed ? kFailCommand : m.retryable ? kFailRetryable : kFailFatal).Str(m.message);
  return e.Frame(FrameType::kFail);
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

std::string EncodeRunOutput(uint64_t lines, std::string_view output) {
  Encoder e;
  e.U64(lines);
  std::string out = e.bytes();
  out.append(output);
  return out;
}

Result<RunOutput> DecodeRunOutput(std::string_view payload) {
  Decoder d(payload.substr(0, sizeof(uint64_t)));
  RunOutput r;
  ASSIGN_OR_RETURN(r.lines, d.U64());
  r.output = payload.substr(sizeof(uint64_t));
  return r;
}

std::string EncodeProgress(const ProgressMsg& m) {
  Encoder e;
  e.U64(m.bytes).U64(m.rows);
  return e.Frame(FrameType::kProgress);
}

Result<ProgressMsg> DecodeProgress(std::string_view payload) {
  Decoder d(payload);
  ProgressMsg m;
  ASSIGN_OR_RETURN(m.bytes, d.U64());
  ASSIGN_OR_RETURN(m.rows, d.U64());
  RETURN_IF_ERROR(d.Finish());
  return m;
}

std::string EncodeCancel(uint64_t id) {
  Encoder e;
  e.U64(id);
  return e.Frame(FrameType::kCancel);
}

Result<uint64_t> DecodeCancel(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(uint64_t id, d.U64());
  RETURN_IF_ERROR(d.Finish());
  return id;
}

std::string EncodeEmpty(FrameType type) { return Encoder().Frame(type); }

std::string EncodeNeed(const std::vector<std::string>& sha256s) {
  Encoder e;
  e.U32(static_cast<uint32_t>(sha256s.size()));
  for (const std::string& s : sha256s) e.Str(s);
  return e.Frame(FrameType::kNeed);
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
  return e.Frame(FrameType::kFile);
}

Result<std::pair<std::string, std::string>> DecodeFile(std::string_view payload) {
  Decoder d(payload);
  ASSIGN_OR_RETURN(std::string sha, d.Str());
  ASSIGN_OR_RETURN(std::string content, d.Str());
  RETURN_IF_ERROR(d.Finish());
  return std::make_pair(std::move(sha), std::move(content));
}

std::string EncodePiece(const exec::PieceInfo& p) {
  Encoder e;
  e.Str(p.path).U64(p.size).U64(p.rows).U8(p.header).U8(p.start.Code());
  return e.bytes();
}

Result<exec::PieceInfo> DecodePiece(std::string_view payload) {
  Decoder d(payload);
  exec::PieceInfo p;
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

Result<ops::Query> BuildQuery(const JobSpec& spec) {
  ops::Query q;
  ASSIGN_OR_RETURN(q.keys, ops::ParseColumnList(spec.by));
  for (const std::string& w : spec.where) {
    ASSIGN_OR_RETURN(ops::Filter f, ops::Filter::Parse(w));
    q.filters.push_back(std::move(f));
  }
  for (const auto& [kind, col] : spec.aggs) {
    ASSIGN_OR_RETURN(csv::ColumnSpec c, csv::ColumnSpec::Parse(col));
    q.aggs.push_back({static_cast<ops::AggKind>(kind), std::move(c)});
  }
  q.output_count = spec.output_count;
  return q;
}

}  // namespace fanout::cluster
