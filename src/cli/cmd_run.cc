// fanout run: the user's own command on every object — its bytes on the
// command's stdin, the command's stdout the task's output — locally or on the
// cluster, with the outputs merged by another command or written per object.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>

#include "cli/cluster.h"
#include "cli/report.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/file_write.h"
#include "core/progress.h"
#include "core/subprocess.h"
#include "core/temp_dir.h"
#include "exec/command_task.h"
#include "exec/local_executor.h"
#include "exec/object_outputs.h"
#include "exec/run_job.h"
#include "io/remote.h"
#include "io/sigv4.h"

namespace fanout::cli {

namespace {

struct RunFlags {
  std::string cmd, merge, out;
  std::vector<std::string> ship;
  bool split = false;
  bool csv = false;
  bool fail_fast = false;
  std::string range_size = "64MiB";
  int threads = 0;
  int command_attempts = 2;
  bool quiet = false;
  bool skip_missing = false;
  std::vector<std::string> inputs;
  io::RemoteOptions remote;
  ClusterFlags cluster;
};

constexpr size_t kCopyChunk = 1 << 20;
constexpr size_t kMergeStderrTail = 1500;
constexpr int kMergePollMs = 100;

Status Errno(const std::string& what) { return Status::IoError(what + ": " + std::strerror(errno)); }

// --- Signals -----------------------------------------------------------------
// SIGINT, SIGTERM and SIGHUP stop a local job: every command's process group
// is ended, temporary files are removed (by unwinding), and fanout exits with
// 128 + the signal. A signal that fanout was started ignoring (nohup; SIGINT
// for a shell's background job) stays ignored. (A cluster job's coordinator
// installs its own handlers for the job's duration; see cli/cluster.h.)

std::atomic<int> g_signal{0};
std::atomic<bool> g_cancel{false};

void OnStopSignal(int sig) {
  g_signal.store(sig);
  g_cancel.store(true);
}

class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa = {};
    sa.sa_handler = OnStopSignal;
    for (size_t i = 0; i < kSignals.size(); ++i) {
      sigaction(kSignals[i], nullptr, &old_[i]);
      if (old_[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &sa, nullptr);
    }
  }
  ~StopSignals() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
};

// Ends the job after a signal; the caller's destructors remove its files.
[[noreturn]] void FailInterrupted() {
  int sig = g_signal.load();
  std::fprintf(stderr, "fanout: interrupted (%s); every command was stopped\n", strsignal(sig));
  throw CLI::RuntimeError(128 + sig);
}

void ExitIfInterrupted() {
  if (g_signal.load() != 0) FailInterrupted();
}

// --- The merge command ---------------------------------------------------------

// Runs the merge command with every spooled output, in object order, on its
// stdin. Its stdout goes to a spool file, copied to ours only once it has
// exited 0: a merge that fails prints nothing.
class Merge {
 public:
  Merge(const std::string& cmd, std::string result_path) : cmd_(cmd), result_path_(std::move(result_path)) {}
  ~Merge() {
    if (result_fd_ >= 0) ::close(result_fd_);
  }

  Status Run(const exec::ObjectOutputs& outputs, size_t objects) {
    for (size_t o = 0; o < objects; ++o) inputs_.push_back(outputs.FinalPath(static_cast<uint32_t>(o)));
    result_fd_ = ::open(result_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (result_fd_ < 0) return Errno("cannot make " + result_path_);
    ASSIGN_OR_RETURN(std::vector<std::string> argv, exec::PipefailShell());
    argv.push_back("set -o pipefail\n" + cmd_);
    ASSIGN_OR_RETURN(c_, SpawnChild(argv));
    Status st = Pump();
    EndChild(&c_, !st.ok(), exec::kCommandStopGraceMs);
    int status = WaitChild(c_.pid);
    CloseFd(&input_fd_);
    RETURN_IF_ERROR(st);
    if (::close(result_fd_) != 0) {
      result_fd_ = -1;
      return Errno("cannot write " + result_path_);
    }
    result_fd_ = -1;
    while (!err_.empty() && err_.back() == '\n') err_.pop_back();
    if (status != 0) {
      return Status::IoError("the merge command '" + cmd_ + "' exited with status " + std::to_string(status) +
                             (err_.empty() ? "" : ":\n" + err_.substr(err_.size() > kMergeStderrTail
                                                                           ? err_.size() - kMergeStderrTail
                                                                           : 0)));
    }
    if (!err_.empty()) std::fprintf(stderr, "%s\n", err_.c_str());
    return CopyToStdout(result_path_);
  }

 private:
  // Feeds the inputs and drains stdout (to the result file) and stderr until
  // the command closes both (core/subprocess.h).
  Status Pump() {
    PumpOptions o;
    o.source = [this](std::string* chunk) { return NextInput(chunk); };
    o.on_stdout = [this](std::string_view s) { return WriteAll(result_fd_, result_path_, s); };
    o.on_stderr = [this](std::string_view s) {
      AppendTail(&err_, s, 2 * kMergeStderrTail);
      return Status::OK();
    };
    o.cancel = &g_cancel;
    o.poll_ms = kMergePollMs;
    ASSIGN_OR_RETURN(PumpResult r, PumpChild(&c_, o));
    if (r.end == PumpEnd::kCancelled) return Status::IoError("the merge command '" + cmd_ + "': interrupted");
    return Status::OK();
  }

  // The next chunk of the spooled outputs, in input order; false after the last.
  Result<bool> NextInput(std::string* chunk) {
    for (;;) {
      if (input_fd_ < 0) {
        if (next_input_ == inputs_.size()) return false;
        const std::string& path = inputs_[next_input_++];
        input_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (input_fd_ < 0) return Errno("cannot read the spooled output " + path);
      }
      chunk->resize(kCopyChunk);
      ssize_t n = ::read(input_fd_, chunk->data(), chunk->size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("cannot read the spooled output " + inputs_[next_input_ - 1]);
      chunk->resize(static_cast<size_t>(n));
      if (n > 0) return true;
      CloseFd(&input_fd_);
    }
  }

  // The result, to our stdout. A reader that went away (`| head`) ends the
  // copy quietly; any other failed write is an error.
  static Status CopyToStdout(const std::string& path) {
    if (std::fflush(stdout) != 0) return Errno("writing the result to standard output");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot read " + path);
    std::vector<char> buf(kCopyChunk);
    Status st;
    for (bool more = true; more && st.ok();) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) st = Errno("cannot read " + path);
      more = n > 0;
      for (ssize_t at = 0; more && st.ok() && at < n;) {
        ssize_t w = ::write(STDOUT_FILENO, buf.data() + at, static_cast<size_t>(n - at));
        if (w > 0) {
          at += w;
        } else if (w < 0 && errno == EPIPE) {
          more = false;  // the reader has all it wanted
        } else if (w < 0 && errno != EINTR) {
          st = Errno("writing the result to standard output");
        }
      }
    }
    ::close(fd);
    return st;
  }

  std::string cmd_, result_path_;
  int result_fd_ = -1;
  Child c_;
  std::vector<std::string> inputs_;
  size_t next_input_ = 0;
  int input_fd_ = -1;
  std::string err_;
};

// --- Tasks ---------------------------------------------------------------------

// Shipped files, read into memory once: each task's command gets copies of its
// own (exec::CommandOptions::shipped), never the files themselves.
struct Shipping {
  std::vector<exec::ShippedFile> files;
  std::map<std::string, std::string> content;  // sha256 -> bytes

  Status Load(const std::vector<std::string>& paths) {
    std::set<std::string> names;
    for (const std::string& p : paths) {
      std::ifstream in(p, std::ios::binary);
      if (!in) return Status::NotFound("--ship " + p + ": cannot read it");
      std::stringstream ss;
      ss << in.rdbuf();
      if (in.bad()) return Status::IoError("--ship " + p + ": cannot read it");
      exec::ShippedFile f;
      f.name = p.substr(p.find_last_of('/') + 1);
      if (f.name.empty() || f.name == "." || f.name == "..") {
        return Status::InvalidArgument("--ship " + p + ": not a file name");
      }
      if (!names.insert(f.name).second) {
        return Status::InvalidArgument("--ship " + p + ": another shipped file has the name '" + f.name + "'");
      }
      ASSIGN_OR_RETURN(f.sha256, io::Sha256Hex(ss.str()));
      content[f.sha256] = ss.str();
      files.push_back(f);
    }
    return Status::OK();
  }

  std::vector<exec::ShippedCopy> Copies() const {
    std::vector<exec::ShippedCopy> out;
    for (const exec::ShippedFile& f : files) out.push_back({f.name, &content.at(f.sha256)});
    return out;
  }
};

// Runs the job's tasks on this machine, as the scheduler would on a cluster: a
// command that fails is run --command-attempts times in all, an I/O failure
// --max-attempts times.
void RunHere(const RunFlags& f, const exec::Plan& plan, int threads, const Shipping& ship,
             const std::string& job_dir, exec::RunJob* job) {
  exec::Progress progress;
  exec::LocalOptions lo;
  lo.threads = threads;
  lo.cancel = &g_cancel;
  lo.progress = &progress;
  lo.env.shipped = ship.Copies();
  if (!lo.env.shipped.empty()) lo.env.workdir = job_dir;
  lo.command_attempts = f.fail_fast ? 1 : f.command_attempts;
  lo.io_attempts = f.fail_fast ? 1 : f.cluster.max_attempts;
  lo.on_retry = [](int attempt, int of, const Status& why) {
    std::fprintf(stderr, "fanout: retrying (%d of %d): %s\n", attempt, of, why.message().c_str());
  };
  lo.timeline = BeginJob(f.cluster, plan, f.threads, threads);
  Status st;
  {
    ProgressBar bar(!f.quiet, plan.total_bytes, &progress.bytes, &progress.rows);
    st = exec::RunJobLocally(plan, *job, lo);
  }
  MarkExecuted();
  ExitIfInterrupted();
  if (!st.ok()) FailJob(st);
}

// Runs the job's tasks on the workers.
void RunOnWorkers(const RunFlags& f, const exec::Plan& plan, const Shipping& ship, exec::RunJob* job,
                  std::string* extra, std::string* details) {
  ClusterFlags cf = f.cluster;
  cf.command_attempts = f.command_attempts;
  if (f.fail_fast) cf.max_attempts = cf.command_attempts = 1;
  Status st = RunOnCluster(cf, plan, *job, ship.content, f.threads, f.quiet, extra, details);
  ExitIfInterrupted();
  if (!st.ok()) FailJob(st);
}

void CheckFlags(const RunFlags& f, uint64_t* range_bytes) {
  if (f.merge.empty() == f.out.empty()) {
    FailUsage(Status::InvalidArgument("give either --merge CMD (one result) or --out DIR (one output per input)"));
  }
  if (Status st = CheckOut(f.out); !st.ok()) FailUsage(st);
  *range_bytes = std::numeric_limits<uint64_t>::max();
  if (f.split) {
    Result<uint64_t> r = ParseByteSize(f.range_size);
    if (!r.ok() || *r == 0) FailUsage(Status::InvalidArgument("--range-size: expected a size like 64MiB"));
    *range_bytes = *r;
  }
}

void Run(const RunFlags& f) {
  auto start = std::chrono::steady_clock::now();
  uint64_t range_bytes = 0;
  CheckFlags(f, &range_bytes);
  OrFail(exec::PipefailShell());
  // A command that stops reading its input (head) must not end fanout with
  // SIGPIPE; the write fails with EPIPE and the command's own status decides.
  signal(SIGPIPE, SIG_IGN);
  StopSignals stop_signals;
  Shipping ship;
  OrFail(ship.Load(f.ship));

  int threads = f.threads > 0 ? f.threads : exec::DefaultThreads();
  exec::Manifest stage;
  std::vector<std::string> missing;
  exec::Plan plan =
      OrFail(PlanObjects(f.inputs, f.remote, threads, range_bytes, &stage, f.skip_missing ? &missing : nullptr));
  WarnMissing(missing);
  if (f.split) {
    for (const exec::ObjectPlan& o : plan.objects) {
      if (o.format == "parquet") {
        // Ranges of a Parquet file are no file a command can read, and not lines.
        OrFail(Status::InvalidArgument(o.info.url + " is a Parquet file: --split hands commands ranges of "
                                       "lines; without --split the command gets the whole file (with --csv, its rows as CSV)"));
      }
    }
  }
  if (!plan.stage.empty() && !f.cluster.enabled()) OrFail(ReadyLocalPieces(&plan, &stage, f.quiet));
  ExitIfInterrupted();

  // This job's temporary files (spooled outputs, the merge's result, the
  // commands' working directories) live in one directory, removed at the end
  // however the job ends; what a killed job left behind goes first.
  std::unique_ptr<OwnedTempDir> job_dir;
  exec::ObjectOutputs::Options oo = OrFail(OutputsFor(f.out, !f.merge.empty(), "run", &job_dir));
  exec::ObjectOutputs outputs(plan, oo);
  OrFail(outputs.Prepare());

  exec::JobCommon common;
  common.remote = plan.stage.empty() ? f.remote : StageRemote(f.remote, stage);
  common.stage = stage.recipe;
  common.scan.store = plan.store.get();
  common.stage.scan.store = plan.store.get();
  common.threads = static_cast<uint32_t>(std::max(0, f.threads));
  std::unique_ptr<exec::RunJob> job = OrFail(exec::RunJob::Make(common, f.cmd, f.split, f.csv, ship.files));
  job->SetOutputs(&outputs);
  std::string extra, details;
  if (f.cluster.enabled()) {
    RunOnWorkers(f, plan, ship, job.get(), &extra, &details);
  } else {
    RunHere(f, plan, threads, ship, job_dir->path(), job.get());
  }
  uint64_t lines = job->lines();
  if (!f.merge.empty()) {
    Merge merge(f.merge, job_dir->path() + "/result");
    Status st = merge.Run(outputs, plan.objects.size());
    ExitIfInterrupted();
    if (!st.ok()) FailJob(st);
  }
  extra += FinishReportsOrFail();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!f.quiet) {
    std::fprintf(stderr, "fanout: %zu %s, %s, %zu %s, %s %s fed to commands%s, %s\n", plan.objects.size(),
                 plan.objects.size() == 1 ? "object" : "objects", FormatBytes(plan.total_bytes).c_str(),
                 plan.tasks.size(), plan.tasks.size() == 1 ? "task" : "tasks", FormatThousands(lines).c_str(),
                 lines == 1 ? "line" : "lines", extra.c_str(), FormatSeconds(secs).c_str());
    std::fputs(details.c_str(), stderr);
  }
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  static RunFlags flags;
  CLI::App* sub = app.add_subcommand(
      "run",
      "Run your own command on every object: the object's bytes (decompressed) on its stdin,\n"
      "its stdout the task's output. With --merge, every output goes, in input order, to the\n"
      "merge command's stdin and its stdout is the result (printed only if it exits 0); with\n"
      "--out DIR, each output is written to DIR/<the input's name>. The command runs with\n"
      "/bin/sh (bash where sh lacks pipefail), fails when any part of a pipeline fails, and\n"
      "finds the object in $FANOUT_KEY, $FANOUT_URL and $FANOUT_TASK — never in its command\n"
      "line. A command that fails is run once more by default (on another machine when there\n"
      "is one). Ctrl-C or SIGTERM stops every command and removes fanout's temporary files.\n\n"
      "Examples:\n"
      "  # trips per passenger count (column 4 in every era), the numbers fanout count --by passenger_count gives:\n"
      "  fanout run --cmd 'awk -F, \"NR > 1 && NF >= 4 {print \\$4}\" | sort | uniq -c' --merge 'awk \"{n[\\$2] += \\$1} END {for (k in n) print k, n[k]}\"' data/\n"
      "  fanout run --ship count.py --cmd 'pypy3 count.py' --merge 'python3 merge.py' --hosts h1,h2 data/\n"
      "  fanout run --cmd 'cut -d, -f1-5' --out selected/ 's3://bucket/trip data/'\n"
      "  fanout run --split --cmd 'wc -l' --merge 'awk \"{s+=\\$1} END {print s}\"' big.csv\n"
      "  # a line-oriented script over Parquet: --csv feeds each file's rows as CSV with a header\n"
      "  fanout run --csv --ship count.py --cmd 'pypy3 count.py' --merge 'python3 merge.py' pq/");
  sub->add_option("--cmd", flags.cmd, "The command for every object (a /bin/sh command line)")->required();
  sub->add_option("--merge", flags.merge, "A command that reads every output, in input order, and prints the result");
  sub->add_option("--out", flags.out,
                  "Write each object's output to DIR/<its name> (or s3://bucket/prefix/<its name>) instead");
  sub->add_option("--ship", flags.ship,
                  "Copy FILE to every worker (cached by content); each command finds a read-only copy of its own "
                  "by FILE's name in its working directory")
      ->allow_extra_args(false);
  sub->add_flag("--split", flags.split,
                "Let large uncompressed objects be split into byte ranges (each gets the lines that start in it; "
                "only for line-oriented commands)");
  sub->add_option("--range-size", flags.range_size, "With --split: bytes per range")->capture_default_str();
  sub->add_flag("--csv", flags.csv,
                "Give the command a Parquet object's rows as CSV text with a header (else its bytes, for a "
                "Parquet reader); CSV objects are fed as they are either way");
  sub->add_flag("--fail-fast", flags.fail_fast,
                "Stop at the first failed task instead of retrying it (--command-attempts 1 --max-attempts 1)");
  sub->add_option("--command-attempts", flags.command_attempts,
                  "Runs of a task whose command exits non-zero before the job fails (each retry on another "
                  "machine when there is one)")
      ->check(WholeNumber(1, 100))
      ->capture_default_str();
  sub->add_option("-t,--threads", flags.threads, "Commands at once (default: every core); per worker with a cluster")
      ->check(WholeNumber(1, kMaxThreads));
  sub->add_flag("-q,--quiet", flags.quiet, "No progress bar and no summary on stderr");
  sub->add_flag("--skip-missing", flags.skip_missing,
                "Skip inputs that do not exist (a 404 in a brace range of URLs), with a warning saying how many");
  sub->add_option("INPUT", flags.inputs, "Files, directories, globs, s3://bucket/keys, http(s) URLs, or stage://NAME")
      ->required();
  AddRemoteFlags(sub, &flags.remote);
  AddClusterFlags(sub, &flags.cluster);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
