#include "cli/common.h"

#include "cli/report.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>

#include "core/bytes.h"
#include "core/strings.h"
#include "csv/kernel.h"
#include "csv/reader.h"
#include "exec/local_executor.h"
#include "io/router_store.h"

namespace fanout::cli {

namespace {

constexpr int kConnectionsPerThread = 4;  // one S3 connection carries ~90 MB/s; a thread scans GB/s
constexpr uint64_t kDefaultBufferBytes = csv::kDefaultBufferBytes;
constexpr uint64_t kBufferBlock = csv::kBlockBytes;
// The reader holds a row's bytes plus one buffer of what follows it, so a
// buffer may be at most this fraction of --max-row.
constexpr uint64_t kMaxRowPerBuffer = 2;
constexpr const char* kDefaultInputHelp = "Files, directories, globs, s3://bucket/keys (globs too), http(s) URLs";

std::string RangeText(int64_t lo, uint64_t hi) {
  if (hi == std::numeric_limits<uint64_t>::max() || hi == static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return "a whole number, " + std::to_string(lo) + " or more";
  }
  return "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
}

std::string SizeRangeText(uint64_t lo, uint64_t hi) {
  if (hi == std::numeric_limits<uint64_t>::max()) return "a size of at least " + SizeText(lo);
  return "a size from " + SizeText(lo) + " to " + SizeText(hi);
}

}  // namespace

std::string SizeText(uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  std::string unit;
  uint64_t n = bytes;
  for (const char* u : kUnits) {
    if (n == 0 || n % 1024 != 0) break;
    n /= 1024;
    unit = u;
  }
  if (unit.empty()) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  return std::to_string(n) + unit;
}

CLI::Validator WholeNumber(int64_t lo, uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        bool negative = !text.empty() && text[0] == '-';
        const char* first = text.data() + (negative ? 1 : 0);
        const char* last = text.data() + text.size();
        uint64_t magnitude = 0;
        auto [end, ec] = std::from_chars(first, last, magnitude);
        bool ok = first != last && ec == std::errc() && end == last;
        if (ok && negative) {
          ok = lo < 0 && magnitude <= static_cast<uint64_t>(-(lo + 1)) + 1;
        } else if (ok) {
          ok = magnitude <= hi && (lo <= 0 || magnitude >= static_cast<uint64_t>(lo));
        }
        return ok ? std::string() : "expected " + RangeText(lo, hi) + ", not '" + text + "'";
      },
      lo >= 0 ? "N" : "INT");
}

CLI::Validator ByteSizeIn(uint64_t lo, uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        Result<uint64_t> n = ParseByteSize(text);
        if (n.ok() && *n >= lo && *n <= hi) return std::string();
        return "expected " + SizeRangeText(lo, hi) + " (e.g. 4096, 64MiB, 2GB), not '" + text + "'";
      },
      "BYTES");
}

void AddCommonFlags(CLI::App* sub, CommonFlags* f, const std::string& input_help) {
  sub->add_option("--where", f->where,
                  "Keep rows where the condition holds: 'COL OP VALUE' (OP: = != < <= > >=; VALUE a number, or "
                  "'text' in quotes), COL [NOT] IN (...), COL BETWEEN A AND B, COL IS [NOT] NULL, joined by "
                  "AND, OR, NOT and parentheses; COL may be a function (year(pickup)); repeatable, ANDed")
      ->allow_extra_args(false);
  sub->add_option("--header", f->header, "Is each object's first row a header: auto|yes|no")
      ->capture_default_str();
  sub->add_option("--delimiter", f->delimiter, "Field delimiter (one character; '\\t' for tab)")
      ->capture_default_str();
  sub->add_option("-t,--threads", f->threads,
                  "Worker threads, 1 to " + std::to_string(kMaxThreads) + " (default: every core)")
      ->check(WholeNumber(1, kMaxThreads));
  sub->add_option("--range-size", f->range_size, "Split uncompressed objects into byte-range tasks of this size")
      ->check(ByteSizeIn(1, std::numeric_limits<uint64_t>::max()))
      ->capture_default_str();
  sub->add_option("--buffer-size", f->buffer_size,
                  "Read buffer per thread (default 1MiB, at most half of --max-row)")
      ->check(ByteSizeIn(1, kMaxBufferBytes / kMaxRowPerBuffer));
  sub->add_option("--max-row", f->max_row, "Longest row accepted (longer is an error); at least twice --buffer-size")
      ->check(ByteSizeIn(1, kMaxBufferBytes))
      ->capture_default_str();
  sub->add_flag("--strict", f->strict, "Make the first skipped row an error naming its object and line");
  sub->add_flag("-q,--quiet", f->quiet, "No progress bar and no summary on stderr");
  sub->add_flag("--skip-missing", f->skip_missing,
                "Skip inputs that do not exist (a 404 in a brace range of URLs), with a warning saying how many");
  sub->add_option("INPUT", f->inputs, input_help.empty() ? kDefaultInputHelp : input_help)->required();
  AddRemoteFlags(sub, &f->remote);
}

void AddRemoteFlags(CLI::App* sub, io::RemoteOptions* r) {
  auto* g = sub->add_option_group("S3");
  g->add_option("--endpoint-url", r->endpoint_url, "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (else AWS_ENDPOINT_URL)");
  g->add_option("--region", r->region, "S3 region (else AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config; us-east-1)");
  g->add_flag("--no-sign-request", r->no_sign_request, "Send anonymous requests (public buckets)");
  g->add_option("--io-timeout", r->io_timeout_s,
                "Retry a transfer that receives nothing for this many seconds (1 to " +
                    std::to_string(kMaxTimeoutSeconds) + ")")
      ->check(WholeNumber(1, kMaxTimeoutSeconds))
      ->capture_default_str();
  g->add_option("--connections", r->connections,
                "Concurrent ranged GETs in all, 1 to " + std::to_string(kMaxConnections) +
                    " (default: 4 per thread); each range keeps connections/threads parts in flight")
      ->check(WholeNumber(1, kMaxConnections));
  g->add_option_function<std::string>(
       "--part-size", [r](const std::string& text) { r->part_bytes = ParseByteSize(text).value(); },
       "Bytes per ranged GET, " + SizeText(kMinPartBytes) + " to " + SizeText(kMaxPartBytes) +
           " (default 8MiB; AWS advises 8-16MB)")
      ->check(ByteSizeIn(kMinPartBytes, kMaxPartBytes));
  g->add_option("--s3-addressing", r->addressing, "path|virtual|auto (auto: path style with --endpoint-url)")
      ->check(CLI::IsMember({"path", "virtual", "auto"}))
      ->capture_default_str();
}

namespace {

// --buffer-size, checked against --max-row (the reader holds a row plus one
// buffer of what follows it); without the flag, the default, made smaller for a
// small --max-row.
Result<uint64_t> BufferBytes(const std::string& buffer_flag, uint64_t max_row) {
  uint64_t most = std::max<uint64_t>(1, max_row / kMaxRowPerBuffer);
  if (buffer_flag.empty()) {
    return std::min(kDefaultBufferBytes, std::max(kBufferBlock, most / kBufferBlock * kBufferBlock));
  }
  ASSIGN_OR_RETURN(uint64_t buffer, ParseByteSize(buffer_flag));
  if (buffer == 0 || buffer > most) {
    return Status::InvalidArgument("--buffer-size " + buffer_flag + " does not fit --max-row " + SizeText(max_row) +
                                   ": expected " + SizeRangeText(1, most) +
                                   " (at most half of --max-row: a row is held with one buffer of what follows it)");
  }
  return buffer;
}

}  // namespace

Result<ReadSetup> MakeReadSetup(const CommonFlags& f) {
  ReadSetup s;
  ASSIGN_OR_RETURN(s.scan.header, csv::ParseHeaderMode(f.header));
  std::string d = f.delimiter == "\\t" || f.delimiter == "tab" ? "\t" : f.delimiter;
  if (d.size() != 1 || d[0] == '"' || d[0] == '\n' || d[0] == '\r') {
    return Status::InvalidArgument("--delimiter must be one character other than a quote or line end, not '" +
                                   f.delimiter + "'");
  }
  s.scan.delim = d[0];
  ASSIGN_OR_RETURN(s.range_bytes, ParseByteSize(f.range_size));
  if (s.range_bytes == 0) return Status::InvalidArgument("--range-size must be at least 1 byte");
  ASSIGN_OR_RETURN(uint64_t max_row, ParseByteSize(f.max_row));
  if (max_row == 0 || max_row > kMaxBufferBytes) {
    return Status::InvalidArgument("--max-row: expected " + SizeRangeText(1, kMaxBufferBytes) + ", not '" + f.max_row +
                                   "'");
  }
  ASSIGN_OR_RETURN(uint64_t buffer, BufferBytes(f.buffer_size, max_row));
  s.scan.buffer_bytes = buffer;
  s.scan.max_row_bytes = max_row;
  s.scan.strict = f.strict;
  s.threads = f.threads == 0 ? exec::DefaultThreads() : f.threads;
  ASSIGN_OR_RETURN(s.where, ops::ParseWhere(f.where));
  return s;
}

exec::JobCommon MakeJobCommon(const ReadSetup& setup, const CommonFlags& flags) {
  exec::JobCommon common;
  common.scan = setup.scan;
  common.remote = flags.remote;
  common.threads = static_cast<uint32_t>(std::max(0, flags.threads));
  return common;
}

io::RemoteOptions WithDefaultConnections(io::RemoteOptions remote, int threads) {
  if (remote.connections == 0) remote.connections = kConnectionsPerThread * threads;
  return remote;
}

Result<std::vector<io::ObjectInfo>> ListObjects(io::Store& store, const std::vector<std::string>& inputs,
                                                std::vector<std::string>* missing) {
  auto staged = std::find_if(inputs.begin(), inputs.end(),
                             [](const std::string& in) { return in.rfind(exec::kStageScheme, 0) == 0; });
  if (staged == inputs.end()) return io::ListInputs(store, inputs, missing);
  // The inputs before it are listed first, as their errors come first.
  RETURN_IF_ERROR(io::ListInputs(store, std::vector<std::string>(inputs.begin(), staged), missing).status());
  return Status::InvalidArgument(*staged + ": stage:// inputs are read by count, agg and run (fanout stage --list "
                                 "shows the stages)");
}

Result<exec::Plan> PlanInputs(const CommonFlags& f, uint64_t range_bytes, exec::Manifest* stage) {
  std::vector<std::string> missing;
  Result<exec::Plan> plan =
      PlanObjects(f.inputs, f.remote, f.threads, range_bytes, stage, f.skip_missing ? &missing : nullptr);
  if (plan.ok()) WarnMissing(missing);
  return plan;
}

void WarnMissing(const std::vector<std::string>& missing) {
  if (missing.empty()) return;
  std::string names;
  for (size_t i = 0; i < missing.size() && i < 3; ++i) names += (i > 0 ? ", " : "") + missing[i];
  if (missing.size() > 3) names += ", ...";
  PrintWarnings({"--skip-missing: skipped " + CountOf(missing.size(), "input") + " that do" +
                 (missing.size() == 1 ? "es" : "") + " not exist: " + ForTerminal(names)});
}

namespace {

Result<exec::Plan> ListAndPlan(const std::vector<std::string>& inputs, const io::RemoteOptions& remote, int threads,
                               uint64_t range_bytes, exec::Manifest* stage, std::vector<std::string>* missing) {
  int t = threads > 0 ? threads : exec::DefaultThreads();
  size_t staged = static_cast<size_t>(std::count_if(inputs.begin(), inputs.end(), [](const std::string& i) {
    return i.rfind(exec::kStageScheme, 0) == 0;
  }));
  if (staged == 0 || stage == nullptr) {  // (ListObjects refuses stage:// for the commands that cannot read it)
    std::shared_ptr<io::Store> store = io::MakeStore(WithDefaultConnections(remote, t));
    ASSIGN_OR_RETURN(std::vector<io::ObjectInfo> objects, ListObjects(*store, inputs, missing));
    return exec::MakePlan(std::move(store), std::move(objects), range_bytes);
  }
  if (staged != inputs.size() || inputs.size() != 1) {
    return Status::InvalidArgument("a stage:// input must be the only input (one stage per job)");
  }
  std::string name = inputs[0].substr(std::string(exec::kStageScheme).size());
  while (!name.empty() && name.back() == '/') name.pop_back();
  ASSIGN_OR_RETURN(*stage, exec::LoadManifest(name));
  if (!stage->complete) {
    return Status::InvalidArgument("stage '" + name + "' did not finish staging; fanout stage --drop " + name +
                                   " and stage it again");
  }
  exec::Plan plan;
  plan.store = io::MakeStore(WithDefaultConnections(StageRemote(remote, *stage), t));
  plan.stage = name;
  for (const exec::Manifest::Piece& p : stage->pieces) {
    uint32_t o = static_cast<uint32_t>(plan.objects.size());
    plan.objects.push_back({io::ObjectInfo{p.info.path, p.info.size, ""}, io::Compression::kNone});
    plan.staged.push_back(p.where);
    plan.tasks.push_back({o, 0, 1, 0, std::numeric_limits<uint64_t>::max(), p.info.size});
    plan.total_bytes += p.info.size;
  }
  std::stable_sort(plan.tasks.begin(), plan.tasks.end(),
                   [](const exec::Task& a, const exec::Task& b) { return a.stored_bytes > b.stored_bytes; });
  return plan;
}

}  // namespace

Result<exec::Plan> PlanObjects(const std::vector<std::string>& inputs, const io::RemoteOptions& remote, int threads,
                               uint64_t range_bytes, exec::Manifest* stage, std::vector<std::string>* missing) {
  const double started = JobTimeline().Now();
  Result<exec::Plan> plan = ListAndPlan(inputs, remote, threads, range_bytes, stage, missing);
  JobTimeline().AddPhase("listing", started, JobTimeline().Now());
  return plan;
}

Status CheckOut(const std::string& out) {
  if (out.rfind("s3://", 0) == 0 && out.find('/', 5) == std::string::npos) {
    return Status::InvalidArgument("--out " + out + ": give a bucket and a prefix, e.g. s3://bucket/results/");
  }
  return Status::OK();
}

Result<exec::ObjectOutputs::Options> OutputsFor(const std::string& out, bool spool, const std::string& command,
                                                std::unique_ptr<OwnedTempDir>* job_dir) {
  RETURN_IF_ERROR(CheckOut(out));
  const bool out_s3 = out.rfind("s3://", 0) == 0;
  exec::ObjectOutputs::Options oo;
  oo.s3_prefix = out_s3 ? (out.back() == '/' ? out : out + "/") : "";
  oo.spool = spool || out_s3;
  oo.dir = out;
  // What a killed job of this command left behind goes first.
  const std::string prefix = "fanout-" + command;
  RemoveStaleDirs(TempDirectory(), prefix);
  ASSIGN_OR_RETURN(*job_dir, OwnedTempDir::Make(TempDirectory(), prefix));
  if (oo.spool) {
    oo.dir = (*job_dir)->path() + "/spool";
    if (::mkdir(oo.dir.c_str(), 0700) != 0) return Status::IoError("cannot make a spool directory " + oo.dir);
  }
  return oo;
}

io::RemoteOptions StageRemote(io::RemoteOptions user, const exec::Manifest& m) {
  if (user.endpoint_url.empty()) user.endpoint_url = m.remote.endpoint_url;
  if (user.region.empty()) user.region = m.remote.region;
  user.no_sign_request = user.no_sign_request || m.remote.no_sign_request;
  if (user.addressing == "auto") user.addressing = m.remote.addressing;
  return user;
}

void ReadAsStaged(const exec::Manifest& m, const std::string& header_flag, exec::ScanOptions* scan) {
  scan->delim = m.recipe.scan.delim;
  if (header_flag != "auto" || m.pieces.empty()) return;
  size_t with = static_cast<size_t>(
      std::count_if(m.pieces.begin(), m.pieces.end(), [](const exec::Manifest::Piece& p) { return p.info.header; }));
  if (with == m.pieces.size()) scan->header = csv::HeaderMode::kYes;
  if (with == 0) scan->header = csv::HeaderMode::kNo;
}

Status ReadyLocalPieces(exec::Plan* plan, exec::Manifest* m, bool quiet) {
  std::set<std::string> elsewhere;
  for (const exec::StagedPiece& p : plan->staged) {
    if (p.holder != exec::kLocalHolder) elsewhere.insert(p.holder);
  }
  if (!elsewhere.empty()) {
    std::string hosts = Join(elsewhere, ",");
    return Status::InvalidArgument("stage '" + plan->stage + "' is held by " + hosts + "; run the job there with --hosts " +
                                   hosts + " (pieces of hosts left out are staged again from their sources)");
  }
  size_t remade = 0;
  m->recipe.scan.store = plan->store.get();
  for (uint32_t o = 0; o < plan->objects.size(); ++o) {
    io::ObjectInfo& info = plan->objects[o].info;
    if (exec::PieceIsThere(info.url, info.size)) continue;
    const exec::StagedPiece& w = plan->staged[o];
    ASSIGN_OR_RETURN(exec::PieceInfo p, exec::RemakePiece(m->recipe, w, nullptr));
    info.url = p.path;
    info.size = p.size;
    for (exec::Manifest::Piece& mp : m->pieces) {
      if (mp.where.piece == w.piece) mp.info = p;
    }
    ++remade;
  }
  if (remade > 0) {
    plan->total_bytes = 0;
    for (const exec::ObjectPlan& o : plan->objects) plan->total_bytes += o.info.size;
    RETURN_IF_ERROR(exec::SaveManifest(*m));
    if (!quiet) {
      std::fprintf(stderr, "fanout: %zu %s of stage %s %s missing here: staged again from the source\n", remade,
                   remade == 1 ? "piece" : "pieces", ForTerminal(plan->stage).c_str(), remade == 1 ? "was" : "were");
    }
  }
  return Status::OK();
}

namespace {
std::string g_failure_details;  // the command's one thread sets and prints it
}  // namespace

void SetFailureDetails(std::string lines) { g_failure_details = std::move(lines); }

void FailJob(const Status& status) {
  std::fprintf(stderr, "fanout: %s\n", ForTerminal(status.message()).c_str());
  // The reports of a failed job say why it failed (a write that fails too is said).
  Result<std::string> written = FinishReports(status);
  if (!written.ok()) std::fprintf(stderr, "fanout: %s\n", ForTerminal(written.status().message()).c_str());
  std::fputs(ForTerminalLines(g_failure_details).c_str(), stderr);
  throw CLI::RuntimeError(1);
}

void FailUsage(const Status& status) {
  std::fprintf(stderr, "fanout: %s\n", ForTerminal(status.message()).c_str());
  throw CLI::RuntimeError(2);
}


void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) std::fprintf(stderr, "fanout: warning: %s\n", w.c_str());
}

void PrintSummary(bool quiet, const exec::Plan& plan, const ops::RowStats& stats, double seconds,
                  const std::string& extra) {
  if (quiet) return;
  std::string line = "fanout: " + CountOf(plan.objects.size(), "object") + ", " + FormatBytes(plan.total_bytes) +
                     ", " + CountOf(stats.rows, "row");
  uint64_t skipped = stats.skipped_total();
  if (skipped > 0) {
    line += ", skipped " + FormatThousands(skipped) + " (";
    bool first = true;
    for (const auto& [reason, n] : stats.skipped) {
      line += (first ? "" : ", ") + reason + " " + FormatThousands(n);
      first = false;
    }
    line += ")";
  }
  if (stats.row_groups_skipped > 0) {
    line += ", " + FormatThousands(stats.row_groups_skipped) + " of " + CountOf(stats.row_groups, "row group") +
            " skipped by statistics";
  }
  line += extra;
  double rate = seconds > 0 ? static_cast<double>(plan.total_bytes) / seconds : 0;
  line += ", " + FormatSeconds(seconds) + ", " + FormatBytes(static_cast<uint64_t>(rate)) + "/s";
  std::fprintf(stderr, "%s\n", ForTerminal(line).c_str());
}

}  // namespace fanout::cli
