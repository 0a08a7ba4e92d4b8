#include "exec/stage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/cache_dir.h"
#include "core/file_write.h"
#include "core/strings.h"
#include "exec/format.h"
#include "exec/query_job.h"
#include "ops/projector.h"
#include "ops/query.h"

namespace fanout::exec {

namespace fs = std::filesystem;

namespace {

std::atomic<uint64_t> g_temp_counter{0};

// Manifest fields are tab-separated; these bytes are written as %XX.
std::string Escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c == '%' || c < 0x20 || c == 0x7f) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Result<std::string> Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return Status::Corrupt("a bad %-escape");
    auto hexval = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
    if (hi < 0 || lo < 0) return Status::Corrupt("a bad %-escape");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<uint64_t> ToU64(const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return Status::Corrupt("not a number: '" + s + "'");
  return v;
}

const char* HeaderModeName(csv::HeaderMode m) {
  return m == csv::HeaderMode::kYes ? "yes" : m == csv::HeaderMode::kNo ? "no" : "auto";
}

constexpr const char* kMarker = ".fanout-stage";

// A piece's file name: N.csv for a range's first run, else it names the start
// (Nq.csv, as earlier versions named a range read from inside quotes, or
// NsCODE.csv), so that a range run again from another start never overwrites
// the first try.
std::string PieceName(uint32_t piece, csv::RangeStart start) {
  uint8_t code = start.Code();
  std::string suffix = code == 0 ? "" : code == 1 ? "q" : "s" + std::to_string(code);
  return std::to_string(piece) + suffix + ".csv";
}

// A PieceName, or a temporary piece .NAME.tmp.PID.K: what WritePiece writes.
bool IsPieceFile(const std::string& name) {
  std::string n = name;
  bool temp = !n.empty() && n[0] == '.';
  if (temp) {
    size_t t = n.find(".csv.tmp.");
    if (t == std::string::npos) return false;
    n = n.substr(1, t + 4 - 1);
  }
  if (n.size() < 5 || n.compare(n.size() - 4, 4, ".csv") != 0) return false;
  n.resize(n.size() - 4);
  if (!n.empty() && n.back() == 'q') {
    n.pop_back();
  } else if (size_t s = n.find('s'); s != std::string::npos && s + 1 < n.size() &&
                                     n.find_first_not_of("0123456789", s + 1) == std::string::npos) {
    n.resize(s);
  }
  return !n.empty() && n.find_first_not_of("0123456789") == std::string::npos;
}

// Makes the piece directory, or checks that an existing one is fanout's: marked,
// or holding nothing but pieces (so --drop can never remove a user's files).
Status ClaimPieceDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create the stage directory " + dir + ": " + ec.message());
  std::string marker = dir + "/" + kMarker;
  if (::access(marker.c_str(), F_OK) == 0) return Status::OK();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name != kMarker && !IsPieceFile(name)) {
      return Status::InvalidArgument(dir + " already holds files fanout did not write (" + name +
                                     "); choose another --stage-dir or --as");
    }
  }
  if (ec) return Status::IoError("cannot list the stage directory " + dir + ": " + ec.message());
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(marker, "cannot create");
  ::close(fd);
  return Status::OK();
}

}  // namespace

Status RemovePieceDir(const StageRecipe& recipe, std::string* kept) {
  std::string dir = PieceDir(recipe);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::OK();
  std::vector<std::string> others;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name == kMarker || IsPieceFile(name)) {
      if (::unlink(e.path().c_str()) != 0 && errno != ENOENT) return ErrnoError(e.path().string(), "cannot remove");
    } else {
      others.push_back(name);
    }
  }
  if (ec) return Status::IoError("cannot list the stage directory " + dir + ": " + ec.message());
  if (others.empty()) {
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) return ErrnoError(dir, "cannot remove");
  } else if (kept != nullptr) {
    *kept = dir + " (it also holds " + others[0] + (others.size() > 1 ? " and more" : "") + ", left alone)";
  }
  return Status::OK();
}

Status CheckStageName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 100 && name[0] != '.';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '-');
  }
  if (!ok) {
    return Status::InvalidArgument("a stage name is 1 to 100 of A-Z a-z 0-9 . _ - and does not start with '.', not '" +
                                   name + "'");
  }
  return Status::OK();
}

std::string PieceDir(const StageRecipe& recipe) {
  std::string base = recipe.dir.empty() ? CacheDir() + "/stage" : recipe.dir;
  std::error_code ec;
  fs::path abs = fs::absolute(base, ec);
  return ((ec ? fs::path(base) : abs) / recipe.name).lexically_normal().string();
}

Result<PieceInfo> WritePiece(const StageRecipe& recipe, const ObjectPlan& source, const Task& task,
                             csv::RangeStart start, uint32_t piece, Progress* progress,
                             const std::atomic<bool>* cancel, csv::RangeEnd* end) {
  ops::Query query;
  ASSIGN_OR_RETURN(std::vector<ops::KeyExpr> keys, ops::ParseColumnExprs(recipe.cols));
  ops::SetKeys(std::move(keys), &query);
  RETURN_IF_ERROR(ops::SetWhere(recipe.where, &query));
  ASSIGN_OR_RETURN(csv::HeaderInfo header, FormatOf(source).ReadHeader(source, recipe.scan));
  ASSIGN_OR_RETURN(ops::ResolvedQuery rq, ops::Resolve(query, header, source.info.url));

  std::string dir = PieceDir(recipe);
  RETURN_IF_ERROR(ClaimPieceDir(dir));
  std::string name = PieceName(piece, start);
  std::string final_path = dir + "/" + name;
  std::string tmp = dir + "/." + name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(g_temp_counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(tmp, "cannot create a piece in the stage directory");

  PieceInfo info;
  info.header = header.present;
  Status st;
  if (header.present && task.range > 0) {  // later ranges carry the header too
    std::string line;
    for (size_t i = 0; i < rq.keys.size(); ++i) {
      if (i > 0) line += recipe.scan.delim;
      if (query.key_fns.empty() || query.key_fns[i].none()) {
        line += header.raw[static_cast<size_t>(rq.keys[i])];
      } else {
        AppendCsvField(&line, query.keys[i].label, recipe.scan.delim);
      }
    }
    line += '\n';
    info.size += line.size();
    st = WriteAll(fd, tmp, line);
  }
  ops::RowStats stats;
  auto flush = [&](std::string* buf) {
    info.size += buf->size();
    Status s = WriteAll(fd, tmp, *buf);
    buf->clear();
    return s;
  };
  uint64_t header_offset = header.present && task.range == 0 ? header.offset : std::numeric_limits<uint64_t>::max();
  ops::Projector proj(query, rq, source.info.url, recipe.scan.delim, header_offset, recipe.scan.strict, &stats, flush);
  if (st.ok()) st = FormatOf(source).Scan(source, task, start, recipe.scan, &proj, progress, cancel, end);
  if (st.ok()) st = proj.Finish();
  if (st.ok() && cancel != nullptr && cancel->load()) st = Status::IoError(source.info.url + ": cancelled");
  if (!st.ok() && recipe.scan.strict && proj.first_skipped() != nullptr) {
    st = StrictError(source, proj.first_skipped()->offset, proj.first_skipped()->reason, *recipe.scan.store);
  }
  RETURN_IF_ERROR(FinishTempFile(fd, tmp, final_path, std::move(st)));
  info.path = final_path;
  info.rows = stats.rows;
  info.start = start;
  return info;
}

bool PieceIsThere(const std::string& path, uint64_t size) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == size;
}

Result<PieceInfo> RemakePiece(const StageRecipe& recipe, const StagedPiece& piece, const std::atomic<bool>* cancel) {
  csv::RangeEnd end;
  return WritePiece(recipe, piece.source, piece.source_task, piece.start, piece.piece, nullptr, cancel, &end);
}

std::string ManifestPath(const std::string& name) { return CacheDir() + "/stages/" + name; }

std::string EncodeManifest(const Manifest& m) {
  std::ostringstream o;
  auto kv = [&](const char* k, const std::string& v) { o << k << '\t' << Escape(v) << '\n'; };
  o << "fanout-stage\t1\n";
  kv("name", m.recipe.name);
  kv("complete", m.complete ? "1" : "0");
  kv("dir", m.recipe.dir);
  kv("cols", m.recipe.cols);
  for (const std::string& w : m.recipe.where) kv("where", w);
  kv("delimiter", std::to_string(static_cast<unsigned char>(m.recipe.scan.delim)));
  kv("header", HeaderModeName(m.recipe.scan.header));
  kv("strict", m.recipe.scan.strict ? "1" : "0");
  kv("buffer", std::to_string(m.recipe.scan.buffer_bytes));
  kv("max-row", std::to_string(m.recipe.scan.max_row_bytes));
  kv("endpoint", m.remote.endpoint_url);
  kv("region", m.remote.region);
  kv("anonymous", m.remote.no_sign_request ? "1" : "0");
  kv("addressing", m.remote.addressing);
  // Written only when set, so manifests without them read as before.
  if (!m.ssh.empty()) kv("ssh", m.ssh);
  if (!m.remote_fanout.empty()) kv("remote-fanout", m.remote_fanout);
  for (const std::string& h : m.holders) kv("holder", h);
  for (const Manifest::Piece& p : m.pieces) {
    const StagedPiece& w = p.where;
    std::vector<std::string> f = {std::to_string(w.piece),
                                  w.holder,
                                  p.info.path,
                                  std::to_string(p.info.size),
                                  std::to_string(p.info.rows),
                                  p.info.header ? "1" : "0",
                                  w.source.info.url,
                                  std::to_string(w.source.info.size),
                                  w.source.info.etag,
                                  std::to_string(static_cast<int>(w.source.compression)),
                                  std::to_string(w.source_task.range),
                                  std::to_string(w.source_task.ranges),
                                  std::to_string(w.source_task.begin),
                                  std::to_string(w.source_task.end),
                                  std::to_string(w.source_task.stored_bytes),
                                  std::to_string(w.start.Code())};
    // The source's format, only when it is not CSV: manifests from before it read as CSV.
    if (w.source.format != "csv") f.push_back(w.source.format);
    o << "piece";
    for (const std::string& x : f) o << '\t' << Escape(x);
    o << '\n';
  }
  return o.str();
}

Result<Manifest> DecodeManifest(const std::string& text, const std::string& where) {
  Manifest m;
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  bool magic = false;
  auto bad = [&](const std::string& why) {
    return Status::Corrupt(where + ":" + std::to_string(lineno) + ": " + why + " (a damaged stage manifest)");
  };
  while (std::getline(in, line)) {
    ++lineno;
    std::vector<std::string> f;
    size_t start = 0;
    for (;;) {
      size_t tab = line.find('\t', start);
      Result<std::string> u = Unescape(std::string_view(line).substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (!u.ok()) return bad(u.status().message());
      f.push_back(std::move(u).value());
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    const std::string& k = f[0];
    if (lineno == 1) {
      if (k != "fanout-stage" || f.size() != 2 || f[1] != "1") return bad("not a stage manifest of version 1");
      magic = true;
      continue;
    }
    if (k == "piece") {
      if (f.size() != 17 && f.size() != 18) return bad("a piece line needs 16 fields (17 with its source's format)");
      Manifest::Piece p;
      StagedPiece& w = p.where;
      Result<uint64_t> n[12] = {ToU64(f[1]),  ToU64(f[4]),  ToU64(f[5]),  ToU64(f[8]),  ToU64(f[10]), ToU64(f[11]),
                                ToU64(f[12]), ToU64(f[13]), ToU64(f[14]), ToU64(f[15]), ToU64(f[6]),  ToU64(f[16])};
      for (const auto& r : n) {
        if (!r.ok()) return bad(r.status().message());
      }
      if (*n[0] >= UINT32_MAX || *n[4] > 2 || *n[10] > 1 || *n[11] > UINT8_MAX || *n[6] == 0 || *n[5] >= *n[6]) {
        return bad("a piece line out of range");
      }
      w.piece = static_cast<uint32_t>(*n[0]);
      w.holder = f[2];
      p.info.path = f[3];
      p.info.size = *n[1];
      p.info.rows = *n[2];
      p.info.header = *n[10] == 1;
      w.source.info.url = f[7];
      w.source.info.size = *n[3];
      w.source.info.etag = f[9];
      w.source.compression = static_cast<io::Compression>(*n[4]);
      w.source_task.range = static_cast<uint32_t>(*n[5]);
      w.source_task.ranges = static_cast<uint32_t>(*n[6]);
      w.source_task.begin = *n[7];
      w.source_task.end = *n[8];
      w.source_task.stored_bytes = *n[9];
      if (!csv::RangeStart::FromCode(static_cast<uint8_t>(*n[11]), &w.start)) return bad("a piece line out of range");
      if (f.size() == 18) {
        if (!FindFormat(f[17]).ok()) return bad("a piece of an unknown format '" + f[17] + "'");
        w.source.format = f[17];
      }
      m.pieces.push_back(std::move(p));
      continue;
    }
    if (f.size() != 2) return bad("'" + k + "' needs one value");
    const std::string& v = f[1];
    if (k == "name") {
      m.recipe.name = v;
    } else if (k == "complete") {
      m.complete = v == "1";
    } else if (k == "dir") {
      m.recipe.dir = v;
    } else if (k == "cols") {
      m.recipe.cols = v;
    } else if (k == "where") {
      m.recipe.where.push_back(v);
    } else if (k == "delimiter") {
      Result<uint64_t> d = ToU64(v);
      if (!d.ok() || *d > 255) return bad("a bad delimiter");
      m.recipe.scan.delim = static_cast<char>(*d);
    } else if (k == "header") {
      Result<csv::HeaderMode> h = csv::ParseHeaderMode(v);
      if (!h.ok()) return bad(h.status().message());
      m.recipe.scan.header = *h;
    } else if (k == "strict") {
      m.recipe.scan.strict = v == "1";
    } else if (k == "buffer" || k == "max-row") {
      Result<uint64_t> b = ToU64(v);
      if (!b.ok() || *b == 0 || *b > (1ull << 31)) return bad("a bad buffer size");
      (k == "buffer" ? m.recipe.scan.buffer_bytes : m.recipe.scan.max_row_bytes) = *b;
    } else if (k == "endpoint") {
      m.remote.endpoint_url = v;
    } else if (k == "region") {
      m.remote.region = v;
    } else if (k == "anonymous") {
      m.remote.no_sign_request = v == "1";
    } else if (k == "addressing") {
      m.remote.addressing = v;
    } else if (k == "ssh") {
      m.ssh = v;
    } else if (k == "remote-fanout") {
      m.remote_fanout = v;
    } else if (k == "holder") {
      m.holders.push_back(v);
    } else {
      return bad("unknown field '" + k + "'");
    }
  }
  if (!magic) return Status::Corrupt(where + ": empty (a damaged stage manifest)");
  return m;
}

Result<Manifest> LoadManifest(const std::string& name) {
  RETURN_IF_ERROR(CheckStageName(name));
  std::string path = ManifestPath(name);
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return Status::NotFound("no stage named '" + name + "' (no manifest " + path +
                            "; make one with fanout stage --as " + name + ")");
  }
  std::ostringstream s;
  s << f.rdbuf();
  ASSIGN_OR_RETURN(Manifest m, DecodeManifest(s.str(), path));
  if (m.recipe.name != name) return Status::Corrupt(path + ": names stage '" + m.recipe.name + "', not '" + name + "'");
  return m;
}

Status SaveManifest(const Manifest& m) {
  RETURN_IF_ERROR(CheckStageName(m.recipe.name));
  std::string dir = CacheDir() + "/stages";
  ::mkdir(dir.c_str(), 0700);
  return WriteFileAtomically(ManifestPath(m.recipe.name), EncodeManifest(m), 0600);
}

void AddHolder(Manifest* m, const std::string& holder) {
  for (const std::string& h : m->holders) {
    if (h == holder) return;
  }
  m->holders.push_back(holder);
}

}  // namespace fanout::exec
