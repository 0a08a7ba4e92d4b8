// fanout select: the selected columns of every kept row, one output file per input.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/temp_files.h"
#include "core/file_write.h"
#include "core/progress.h"
#include "exec/local_executor.h"
#include "exec/query_job.h"
#include "ops/projector.h"

namespace fanout::cli {

namespace {

namespace fs = std::filesystem;

struct SelectFlags {
  CommonFlags common;
  std::string cols;
  std::string out;
  bool overwrite = false;
};

// Appends the file `from` to `fd` (the file `to`).
Status AppendFile(const std::string& from, int fd, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return ErrnoError(from, "cannot open");
  constexpr size_t kCopyChunk = 1 << 20;
  std::string buf(kCopyChunk, '\0');
  Status st;
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = ErrnoError(from, "read failed");
    if (n <= 0) break;
    st = WriteAll(fd, to, std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!st.ok()) break;
  }
  ::close(in);
  return st;
}

// Whether process `pid` is alive on this machine (or might be: not ours to ask).
bool ProcessAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

struct PartOutput final : exec::TaskOutput {
  std::string path;
  ops::RowStats stats;
};

// Owns the output files: task parts, their assembly in order, and cleanup.
// Temporary names start with a dot and the output's name and hold the writing
// process's id: ".NAME.partK.tmpPID.N" (range K of the object, attempt N) and
// ".NAME.tmpPID" (the parts put together). A later run removes those of a
// process that is gone.
class OutputFiles {
 public:
  OutputFiles(std::string dir, const exec::Plan& plan, TempFiles* temps)
      : dir_(std::move(dir)), plan_(plan), temps_(temps) {}

  Status CheckNames(bool overwrite) {
    std::map<std::string, std::string> seen;
    std::vector<std::string> existing;
    for (const auto& o : plan_.objects) {
      auto [it, fresh] = seen.emplace(OutputName(o), o.info.url);
      if (!fresh) {
        return Status::InvalidArgument(o.info.url + " and " + it->second + " would both be written to " +
                                       FinalPath(it->first));
      }
      if (!overwrite && ::access(FinalPath(it->first).c_str(), F_OK) == 0) existing.push_back(FinalPath(it->first));
    }
    if (existing.empty()) return Status::OK();
    std::string more = existing.size() == 1 ? "" : " (and " + std::to_string(existing.size() - 1) + " more)";
    return Status::InvalidArgument(existing[0] + more + " already exists; --overwrite replaces the outputs");
  }

  // Removes the temporaries of earlier runs for these outputs whose process is
  // no longer running (interrupted, killed, or a machine that went down).
  void RemoveStale() {
    std::set<std::string> names;
    for (const auto& o : plan_.objects) names.insert(OutputName(o));
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return;
    while (dirent* e = ::readdir(d)) {
      std::string name;
      long pid = TempOwner(e->d_name, &name);
      bool gone = pid == ::getpid() || !ProcessAlive(pid);  // (none of ours exists yet)
      if (pid > 0 && names.count(name) > 0 && gone) ::unlink((fs::path(dir_) / e->d_name).c_str());
    }
    ::closedir(d);
  }

  std::string PartPath(const exec::Task& t) {
    std::string p = TempPrefix(t) + ".part" + std::to_string(t.range) + ".tmp" + std::to_string(::getpid()) + "." +
                    std::to_string(counter_++);
    temps_->Add(p);
    return p;
  }

  // Parts of one object arrive in range order; the last one completes the file,
  // synced and renamed into place (FinishTempFile).
  Status Commit(const exec::Task& t, const std::string& part) {
    std::string final_path = FinalPath(OutputName(plan_.objects[t.object]));
    std::string assembling = t.ranges == 1 ? part : TempPrefix(t) + ".tmp" + std::to_string(::getpid());
    if (t.range == 0 && t.ranges > 1) {
      temps_->Add(assembling);
      if (::rename(part.c_str(), assembling.c_str()) != 0) return ErrnoError(assembling, "cannot rename");
      temps_->Forget(part);
      return Status::OK();
    }
    int fd = ::open(assembling.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return ErrnoError(assembling, "cannot open");
    Status st;
    if (t.range > 0) {
      st = AppendFile(part, fd, assembling);
      ::unlink(part.c_str());
      temps_->Forget(part);
    }
    if (t.range + 1 < t.ranges) {
      if (::close(fd) != 0 && st.ok()) st = ErrnoError(assembling, "write failed");
      return st;
    }
    st = FinishTempFile(fd, assembling, final_path, std::move(st));
    temps_->Forget(assembling);
    return st;
  }

 private:
  std::string FinalPath(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string TempPrefix(const exec::Task& t) const {
    return (fs::path(dir_) / ("." + OutputName(plan_.objects[t.object]))).string();
  }

  // The process id in a temporary name of ours, with the output's name in
  // *name; 0 for any other name.
  static long TempOwner(const std::string& file, std::string* name) {
    static const std::regex kTemp(R"(^\.(.+?)(\.part[0-9]+)?\.tmp([0-9]{1,10})(\.[0-9]+)?$)");
    std::smatch m;
    if (!std::regex_match(file, m, kTemp)) return 0;
    if (m[2].matched != m[4].matched) return 0;  // a part has both, an assembly neither
    long pid = std::stol(m[3]);
    if (pid > std::numeric_limits<pid_t>::max()) return 0;  // no process of ours had it
    *name = m[1];
    return pid;
  }

  std::string dir_;
  const exec::Plan& plan_;
  TempFiles* temps_;
  std::atomic<uint64_t> counter_{0};
};

Result<std::unique_ptr<exec::TaskOutput>> RunPart(const exec::Plan& plan, const exec::Task& task, csv::RangeStart start,
                                                  const ops::Query& query, const ops::ResolvedQuery& rq,
                                                  const csv::HeaderInfo& header, const ReadSetup& setup,
                                                  OutputFiles* files, exec::Progress* progress) {
  const exec::ObjectPlan& object = plan.objects[task.object];
  auto out = std::make_unique<PartOutput>();
  out->path = files->PartPath(task);
  int fd = ::open(out->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(out->path, "cannot create");
  auto flush = [&](std::string* buf) {
    Status st = WriteAll(fd, out->path, *buf);
    buf->clear();
    return st;
  };
  uint64_t header_offset = header.present ? header.offset : std::numeric_limits<uint64_t>::max();
  ops::Projector proj(query, rq, object.info.url, setup.scan.delim, header_offset, setup.scan.strict, &out->stats, flush);
  Status st = exec::ScanTask(object, task, start, setup.scan, &proj, progress, nullptr, &out->end);
  if (st.ok()) st = proj.Finish();
  if (::close(fd) != 0 && st.ok()) st = ErrnoError(out->path, "write failed");
  if (!st.ok() && setup.scan.strict && proj.first_skipped() != nullptr) {
    return exec::StrictError(object, proj.first_skipped()->offset, proj.first_skipped()->reason, *setup.scan.store);
  }
  RETURN_IF_ERROR(st);
  return std::unique_ptr<exec::TaskOutput>(std::move(out));
}

void Run(const SelectFlags& f) {
  auto start = std::chrono::steady_clock::now();
  TempFiles temps;  // before any thread starts
  Result<ReadSetup> setup = MakeReadSetup(f.common);
  if (!setup.ok()) FailUsage(setup.status());
  ops::Query query;
  Result<std::vector<csv::ColumnSpec>> cols = ops::ParseColumnList(f.cols, /*allow_ranges=*/true);
  if (!cols.ok()) FailUsage(cols.status());
  query.keys = std::move(cols).value();
  query.filters = setup->filters;

  exec::Plan plan = OrFail(PlanInputs(f.common, setup->range_bytes));
  setup->scan.store = plan.store.get();
  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec) FailJob(Status::IoError(f.out + ": cannot create directory: " + ec.message()));
  OutputFiles files(f.out, plan, &temps);
  Status names = files.CheckNames(f.overwrite);
  if (!names.ok()) FailJob(names);
  files.RemoveStale();

  exec::ObjectHeaders headers(plan, setup->scan);
  exec::Progress progress;
  ops::RowStats total;
  std::mutex total_mu;
  exec::RunFn run = [&](const exec::Task& task, csv::RangeStart start) -> Result<std::unique_ptr<exec::TaskOutput>> {
    ASSIGN_OR_RETURN(const csv::HeaderInfo* header, headers.Get(task.object));
    ASSIGN_OR_RETURN(ops::ResolvedQuery rq, ops::Resolve(query, *header, plan.objects[task.object].info.url));
    return RunPart(plan, task, start, query, rq, *header, *setup, &files, &progress);
  };
  exec::CommitFn commit = [&](int, const exec::Task& task, std::unique_ptr<exec::TaskOutput> out) -> Status {
    auto* part = static_cast<PartOutput*>(out.get());
    {
      std::lock_guard<std::mutex> lock(total_mu);
      total.Merge(part->stats);
    }
    progress.rows.fetch_add(part->stats.rows);
    return files.Commit(task, part->path);
  };
  exec::ExecOptions eo;
  eo.threads = setup->threads;
  exec::Warnings warnings;
  eo.warnings = &warnings;
  {
    ProgressBar bar(!f.common.quiet, plan.total_bytes, &progress.bytes, &progress.rows);
    Status st = exec::RunLocal(plan, eo, run, commit);
    if (!st.ok()) FailJob(st);
  }
  PrintWarnings(warnings.Lines());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintSummary(f.common.quiet, plan, total, secs, ", written to " + f.out);
}

}  // namespace

void AddSelectCommand(CLI::App& app) {
  static SelectFlags flags;
  CLI::App* sub = app.add_subcommand(
      "select",
      "Write the selected columns of every kept row, one output file per input (header kept).\n\n"
      "Examples:\n"
      "  fanout select --cols 1-5 data/ --out selected/\n"
      "  fanout select --cols passenger_count,trip_distance --where 'trip_distance > 10' data/ --out far/");
  sub->add_option("--cols", flags.cols, "Columns to keep: indices, ranges (1-5) and names, comma-separated")->required();
  sub->add_option("--out", flags.out, "Directory for the output files (created if missing)")->required();
  sub->add_flag("--overwrite", flags.overwrite, "Replace output files that exist already (else that is an error)");
  AddCommonFlags(sub, &flags.common);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
