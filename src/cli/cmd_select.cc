// fanout select: the selected columns of every kept row, one output file per input.
#include <fcntl.h>
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
#include <set>

#include "cli/commands.h"
#include "core/file_write.h"
#include "cli/common.h"
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
};

Status AppendFile(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return ErrnoError(from, "cannot open");
  int out = ::open(to.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (out < 0) {
    ::close(in);
    return ErrnoError(to, "cannot open");
  }
  constexpr size_t kCopyChunk = 1 << 20;
  std::string buf(kCopyChunk, '\0');
  Status st;
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = ErrnoError(from, "read failed");
    if (n <= 0) break;
    st = WriteAll(out, to, std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!st.ok()) break;
  }
  ::close(in);
  if (::close(out) != 0 && st.ok()) st = ErrnoError(to, "write failed");
  return st;
}

struct PartOutput final : exec::TaskOutput {
  std::string path;
  ops::RowStats stats;
};

// Owns the output files: task parts, their assembly in order, and cleanup.
class OutputFiles {
 public:
  OutputFiles(std::string dir, const exec::Plan& plan) : dir_(std::move(dir)), plan_(plan) {}
  ~OutputFiles() {
    for (const std::string& p : temps_) ::unlink(p.c_str());
  }

  Status CheckNames() {
    std::map<std::string, std::string> seen;
    for (const auto& o : plan_.objects) {
      auto [it, fresh] = seen.emplace(OutputName(o), o.info.url);
      if (!fresh) {
        return Status::InvalidArgument(o.info.url + " and " + it->second + " would both be written to " +
                                       (fs::path(dir_) / it->first).string());
      }
    }
    return Status::OK();
  }

  std::string PartPath(const exec::Task& t) {
    std::string p = (fs::path(dir_) / ("." + OutputName(plan_.objects[t.object]))).string() + ".part" +
                    std::to_string(t.range) + ".tmp" + std::to_string(::getpid()) + "." + std::to_string(counter_++);
    std::lock_guard<std::mutex> lock(mu_);
    temps_.insert(p);
    return p;
  }

  // Parts of one object arrive in range order; the last one completes the file.
  Status Commit(const exec::Task& t, const std::string& part) {
    std::string final_path = (fs::path(dir_) / OutputName(plan_.objects[t.object])).string();
    std::string assembling = final_path + ".tmp" + std::to_string(::getpid());
    {
      std::lock_guard<std::mutex> lock(mu_);
      temps_.insert(assembling);
    }
    if (t.range == 0) {
      if (::rename(part.c_str(), assembling.c_str()) != 0) return ErrnoError(assembling, "cannot rename");
    } else {
      RETURN_IF_ERROR(AppendFile(part, assembling));
      ::unlink(part.c_str());
    }
    Forget(part);
    if (t.range + 1 < t.ranges) return Status::OK();
    if (::rename(assembling.c_str(), final_path.c_str()) != 0) return ErrnoError(final_path, "cannot rename");
    Forget(assembling);
    return Status::OK();
  }

 private:
  void Forget(const std::string& p) {
    std::lock_guard<std::mutex> lock(mu_);
    temps_.erase(p);
  }
  std::string dir_;
  const exec::Plan& plan_;
  std::atomic<uint64_t> counter_{0};
  std::mutex mu_;
  std::set<std::string> temps_;
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
    return exec::StrictError(object, proj.first_skipped()->offset, proj.first_skipped()->reason);
  }
  RETURN_IF_ERROR(st);
  return std::unique_ptr<exec::TaskOutput>(std::move(out));
}

void Run(const SelectFlags& f) {
  auto start = std::chrono::steady_clock::now();
  Result<ReadSetup> setup = MakeReadSetup(f.common);
  if (!setup.ok()) FailUsage(setup.status());
  ops::Query query;
  Result<std::vector<csv::ColumnSpec>> cols = ops::ParseColumnList(f.cols, /*allow_ranges=*/true);
  if (!cols.ok()) FailUsage(cols.status());
  query.keys = std::move(cols).value();
  query.filters = setup->filters;

  exec::Plan plan = OrFail(PlanInputs(f.common, setup->range_bytes));
  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec) FailJob(Status::IoError(f.out + ": cannot create directory: " + ec.message()));
  OutputFiles files(f.out, plan);
  Status names = files.CheckNames();
  if (!names.ok()) FailJob(names);

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
  AddCommonFlags(sub, &flags.common);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
