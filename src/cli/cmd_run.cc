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
#include "cli/commands.h"
#include "cli/common.h"
#include "core/bytes.h"
#include "core/file_write.h"
#include "core/progress.h"
#include "core/subprocess.h"
#include "core/temp_dir.h"
#include "exec/command_task.h"
#include "exec/local_executor.h"
#include "io/remote.h"
#include "io/sigv4.h"

namespace fanout::cli {

namespace {

struct RunFlags {
  std::string cmd, merge, out;
  std::vector<std::string> ship;
  bool split = false;
  bool fail_fast = false;
  std::string range_size = "64MiB";
  int threads = 0;
  int command_attempts = 2;
  bool quiet = false;
  std::vector<std::string> inputs;
  io::RemoteOptions remote;
  ClusterFlags cluster;
};

constexpr size_t kCopyChunk = 1 << 20;
constexpr size_t kMergeStderrTail = 1500;
constexpr int kMergePollMs = 100;
constexpr const char* kJobDirPrefix = "fanout-run";  // TMPDIR/fanout-run.<pid>.XXXXXX

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

// --- Outputs -----------------------------------------------------------------

// Where task outputs go: per object, its ranges in order, into a file that
// appears complete or not at all — DIR/<name> with --out, or a spool file per
// object that the merge command reads in object order.
class Outputs {
 public:
  // `spool_dir` non-empty: outputs are spooled there (for --merge, or for
  // `s3_prefix` — s3://bucket/prefix/ — where each is uploaded as
  // <prefix><name> as its object completes). Else they go to `dir`.
  Outputs(const exec::Plan& plan, std::string dir, std::string spool_dir, std::string s3_prefix)
      : plan_(plan), spool_(!spool_dir.empty()), dir_(spool_ ? std::move(spool_dir) : std::move(dir)),
        s3_prefix_(std::move(s3_prefix)) {}
  ~Outputs() {
    for (const std::string& p : temps_) ::unlink(p.c_str());
  }

  Status Prepare() {
    if (!spool_ && ::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) return Errno("--out " + dir_);
    if (spool_ && s3_prefix_.empty()) return Status::OK();
    std::string where = s3_prefix_.empty() ? dir_ + "/" : s3_prefix_;
    std::map<std::string, std::string> seen;
    for (const auto& o : plan_.objects) {
      auto [it, fresh] = seen.emplace(OutputName(o), o.info.url);
      if (!fresh) {
        return Status::InvalidArgument(o.info.url + " and " + it->second + " would both be written to " + where +
                                       it->first);
      }
    }
    if (!spool_) RemoveStaleTemps(seen);
    return Status::OK();
  }

  std::string FinalPath(uint32_t object) const {
    return spool_ ? dir_ + "/" + std::to_string(object) : dir_ + "/" + OutputName(plan_.objects[object]);
  }

  // Range `range` of `ranges` of the object's output; ranges come in order.
  Status Add(uint32_t object, uint32_t range, uint32_t ranges, std::string_view data) {
    std::string final_path = FinalPath(object);
    std::string tmp = spool_ ? final_path + ".part" : TempPath(OutputName(plan_.objects[object]), ::getpid());
    {
      std::lock_guard<std::mutex> lock(mu_);
      temps_.insert(tmp);
    }
    {
      std::ofstream f(tmp, range == 0 ? std::ios::binary | std::ios::trunc : std::ios::binary | std::ios::app);
      f.write(data.data(), static_cast<std::streamsize>(data.size()));
      f.close();
      if (!f) return Status::IoError("cannot write " + tmp + " (disk full?)");
    }
    if (range + 1 < ranges) return Status::OK();
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) return Errno("cannot write " + final_path);
    {
      std::lock_guard<std::mutex> lock(mu_);
      temps_.erase(tmp);
    }
    if (s3_prefix_.empty()) return Status::OK();
    std::ifstream in(final_path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    RETURN_IF_ERROR(plan_.store->Put(s3_prefix_ + OutputName(plan_.objects[object]), content.str()));
    ::unlink(final_path.c_str());
    return Status::OK();
  }

 private:
  std::string TempPath(const std::string& name, pid_t pid) const {
    return dir_ + "/." + name + ".tmp" + std::to_string(pid);
  }

  // Temporary outputs of an earlier run into the same directory that was
  // killed before it could remove them: DIR/.<name>.tmp<pid> of one of our
  // names, ours, whose process is gone.
  void RemoveStaleTemps(const std::map<std::string, std::string>& names) {
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return;
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
      std::string entry = e->d_name;
      size_t tmp = entry.rfind(".tmp");
      if (entry.size() < 2 || entry[0] != '.' || tmp == std::string::npos || tmp < 2) continue;
      std::string digits = entry.substr(tmp + 4);
      if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
      pid_t pid = static_cast<pid_t>(std::stol(digits));
      if (names.count(entry.substr(1, tmp - 1)) == 0 || pid == ::getpid()) continue;
      if (kill(pid, 0) == 0 || errno == EPERM) continue;  // its writer may still be at work
      struct stat st;
      std::string path = dir_ + "/" + entry;
      if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) stale.push_back(path);
    }
    ::closedir(d);
    for (const std::string& p : stale) ::unlink(p.c_str());
  }

  const exec::Plan& plan_;
  bool spool_;
  std::string dir_;
  std::string s3_prefix_;
  std::mutex mu_;
  std::set<std::string> temps_;
};

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

  Status Run(const Outputs& outputs, size_t objects) {
    for (size_t o = 0; o < objects; ++o) inputs_.push_back(outputs.FinalPath(static_cast<uint32_t>(o)));
    result_fd_ = ::open(result_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (result_fd_ < 0) return Errno("cannot make " + result_path_);
    ASSIGN_OR_RETURN(std::vector<std::string> argv, exec::PipefailShell());
    argv.push_back("set -o pipefail\n" + cmd_);
    ASSIGN_OR_RETURN(c_, SpawnChild(argv));
    Status st = Pump();
    if (!st.ok()) StopGroup(c_.pid, exec::kCommandStopGraceMs);
    CloseFd(&c_.in);
    CloseFd(&c_.out);
    CloseFd(&c_.err);
    WaitExited(c_.pid);
    kill(-c_.pid, SIGKILL);  // what it left running in its group goes with it
    int status = WaitChild(c_.pid);
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
  // Feeds the inputs and drains stdout and stderr until the command closes both.
  Status Pump() {
    while (c_.out >= 0 || c_.err >= 0) {
      if (g_cancel.load()) return Status::IoError("the merge command '" + cmd_ + "': interrupted");
      RETURN_IF_ERROR(Refill());
      std::vector<pollfd> fds;
      if (c_.out >= 0) fds.push_back({c_.out, POLLIN, 0});
      if (c_.err >= 0) fds.push_back({c_.err, POLLIN, 0});
      if (c_.in >= 0) fds.push_back({c_.in, POLLOUT, 0});
      if (::poll(fds.data(), fds.size(), kMergePollMs) < 0 && errno != EINTR) return Errno("poll");
      for (const pollfd& f : fds) {
        if (f.revents == 0) continue;
        if (f.fd == c_.in) {
          Feed();
        } else {
          RETURN_IF_ERROR(Drain(f.fd == c_.out ? &c_.out : &c_.err));
        }
      }
    }
    return Status::OK();
  }

  // Reads the next chunk of input when the last one is written; closes the
  // command's stdin after the last input.
  Status Refill() {
    while (c_.in >= 0 && pending_at_ == pending_.size()) {
      if (input_fd_ < 0) {
        if (next_input_ == inputs_.size()) {
          CloseFd(&c_.in);
          return Status::OK();
        }
        const std::string& path = inputs_[next_input_++];
        input_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (input_fd_ < 0) return Errno("cannot read the spooled output " + path);
      }
      pending_.resize(kCopyChunk);
      ssize_t n = ::read(input_fd_, pending_.data(), pending_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("cannot read the spooled output " + inputs_[next_input_ - 1]);
      pending_.resize(static_cast<size_t>(n));
      pending_at_ = 0;
      if (n == 0) CloseFd(&input_fd_);
    }
    return Status::OK();
  }

  void Feed() {
    ssize_t n = ::write(c_.in, pending_.data() + pending_at_, pending_.size() - pending_at_);
    if (n > 0) {
      pending_at_ += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      CloseFd(&c_.in);  // it stopped reading: its exit status decides
      CloseFd(&input_fd_);
    }
  }

  Status Drain(int* fd) {
    char buf[1 << 16];
    ssize_t n = ::read(*fd, buf, sizeof(buf));
    if (n > 0) {
      if (fd == &c_.out) return WriteAll(result_fd_, result_path_, std::string_view(buf, static_cast<size_t>(n)));
      err_.append(buf, static_cast<size_t>(n));
      if (err_.size() > 4 * kMergeStderrTail) err_.erase(0, err_.size() - 2 * kMergeStderrTail);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      CloseFd(fd);
    }
    return Status::OK();
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
  std::string pending_;
  size_t pending_at_ = 0;
  std::string err_;
};

// --- Tasks ---------------------------------------------------------------------

struct CommandOutput final : exec::TaskOutput {
  std::string data;
  uint64_t lines = 0;
};

// Shipped files, read into memory once: each task's command gets copies of its
// own (exec::CommandOptions::shipped), never the files themselves.
struct Shipping {
  std::vector<cluster::ShippedFile> files;
  std::map<std::string, std::string> content;  // sha256 -> bytes

  Status Load(const std::vector<std::string>& paths) {
    std::set<std::string> names;
    for (const std::string& p : paths) {
      std::ifstream in(p, std::ios::binary);
      if (!in) return Status::NotFound("--ship " + p + ": cannot read it");
      std::stringstream ss;
      ss << in.rdbuf();
      if (in.bad()) return Status::IoError("--ship " + p + ": cannot read it");
      cluster::ShippedFile f;
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
    for (const cluster::ShippedFile& f : files) out.push_back({f.name, &content.at(f.sha256)});
    return out;
  }
};

// The local retry policy, as the scheduler's for a cluster: a command that
// fails is run `command_attempts` times in all, an I/O failure `io_attempts`.
struct Retries {
  int command_attempts = 2;
  int io_attempts = 4;
};

Result<std::unique_ptr<exec::TaskOutput>> RunLocalTask(const exec::Plan& plan, const exec::Task& task,
                                                        const exec::CommandOptions& co, const Retries& retries) {
  uint64_t index = static_cast<uint64_t>(&task - plan.tasks.data());
  int command_failures = 0, io_failures = 0;
  for (;;) {
    exec::CommandResult r = exec::RunCommandTask(plan.objects[task.object], task, index, co);
    if (r.status.ok()) {
      auto out = std::make_unique<CommandOutput>();
      out->data = std::move(r.output);
      out->lines = r.lines;
      return std::unique_ptr<exec::TaskOutput>(std::move(out));
    }
    if (g_cancel.load()) return r.status;
    int failures = 0, limit = 0;
    if (r.command_failed) {
      failures = ++command_failures;
      limit = retries.command_attempts;
    } else if (r.status.code() == StatusCode::kIoError) {
      failures = ++io_failures;
      limit = retries.io_attempts;
    } else {
      return r.status;
    }
    if (failures >= limit) {
      if (limit == 1) return r.status;
      return Status::IoError(r.status.message() + " (failed " + std::to_string(failures) + " times; giving up)");
    }
    std::fprintf(stderr, "fanout: retrying (%d of %d): %s\n", failures + 1, limit, r.status.message().c_str());
  }
}

// Runs the job's tasks on this machine; returns the lines fed to commands.
uint64_t RunHere(const RunFlags& f, const exec::Plan& plan, int threads, const Shipping& ship,
                 const std::string& job_dir, Outputs* outputs) {
  exec::Progress progress;
  exec::CommandOptions co;
  co.cmd = f.cmd;
  co.shipped = ship.Copies();
  if (!co.shipped.empty()) co.workdir = job_dir;
  co.split = f.split;
  co.cancel = &g_cancel;
  co.store = plan.store.get();
  Retries retries;
  retries.command_attempts = f.fail_fast ? 1 : f.command_attempts;
  retries.io_attempts = f.fail_fast ? 1 : f.cluster.max_attempts;
  exec::RunFn run = [&](const exec::Task& task, csv::RangeStart) { return RunLocalTask(plan, task, co, retries); };
  exec::CommitFn commit = [&](int, const exec::Task& t, std::unique_ptr<exec::TaskOutput> out) -> Status {
    const auto& o = static_cast<const CommandOutput&>(*out);
    progress.bytes.fetch_add(t.stored_bytes, std::memory_order_relaxed);
    progress.rows.fetch_add(o.lines, std::memory_order_relaxed);
    return outputs->Add(t.object, t.range, t.ranges, o.data);
  };
  exec::ExecOptions eo;
  eo.threads = threads;
  eo.cancel = &g_cancel;
  Status st;
  {
    ProgressBar bar(!f.quiet, plan.total_bytes, &progress.bytes, &progress.rows);
    st = exec::RunLocal(plan, eo, run, commit);
  }
  ExitIfInterrupted();
  if (!st.ok()) FailJob(st);
  return progress.rows.load();
}

// Takes a cluster job's results: each object's outputs (with the lines fed to
// its commands) to `outputs`.
class RunResults final : public cluster::ResultHandler {
 public:
  explicit RunResults(Outputs* out) : out_(out) {}
  Status Check(const std::string& payload, uint64_t* rows) override {
    ASSIGN_OR_RETURN(cluster::RunOutput r, cluster::DecodeRunOutput(payload));
    *rows = r.lines;
    return Status::OK();
  }
  Status Commit(uint32_t object, std::vector<std::string>* payloads, const std::vector<std::string>&) override {
    for (size_t k = 0; k < payloads->size(); ++k) {
      ASSIGN_OR_RETURN(cluster::RunOutput r, cluster::DecodeRunOutput((*payloads)[k]));
      lines += r.lines;
      RETURN_IF_ERROR(out_->Add(object, static_cast<uint32_t>(k), static_cast<uint32_t>(payloads->size()), r.output));
    }
    return Status::OK();
  }
  uint64_t lines = 0;

 private:
  Outputs* out_;
};

// Runs the job's tasks on the workers; returns the lines fed to commands.
uint64_t RunOnCluster(const RunFlags& f, const exec::Plan& plan, const exec::Manifest& stage, const Shipping& ship,
                      Outputs* outputs, std::string* extra, std::string* details) {
  cluster::JobSpec job;
  job.kind = cluster::JobKind::kRun;
  job.cmd = f.cmd;
  job.split = f.split;
  job.ship = ship.files;
  job.remote = plan.stage.empty() ? f.remote : StageRemote(f.remote, stage);
  job.stage = stage.recipe;
  job.threads = static_cast<uint32_t>(std::max(0, f.threads));
  RunResults results(outputs);
  ClusterFlags cf = f.cluster;
  cf.command_attempts = f.command_attempts;
  if (f.fail_fast) cf.max_attempts = cf.command_attempts = 1;
  Status st = RunClusterJobFromFlags(cf, plan, job, ship.content, &results, f.threads, f.quiet, extra, details);
  ExitIfInterrupted();
  if (!st.ok()) FailJob(st);
  return results.lines;
}

void CheckFlags(const RunFlags& f, uint64_t* range_bytes) {
  if (f.merge.empty() == f.out.empty()) {
    FailUsage(Status::InvalidArgument("give either --merge CMD (one result) or --out DIR (one output per input)"));
  }
  if (f.out.rfind("s3://", 0) == 0 && f.out.find('/', 5) == std::string::npos) {
    FailUsage(Status::InvalidArgument("--out " + f.out + ": give a bucket and a prefix, e.g. s3://bucket/results/"));
  }
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
  const bool out_s3 = f.out.rfind("s3://", 0) == 0;
  OrFail(exec::PipefailShell());
  // A command that stops reading its input (head) must not end fanout with
  // SIGPIPE; the write fails with EPIPE and the command's own status decides.
  signal(SIGPIPE, SIG_IGN);
  StopSignals stop_signals;
  Shipping ship;
  OrFail(ship.Load(f.ship));

  int threads = f.threads > 0 ? f.threads : exec::DefaultThreads();
  exec::Manifest stage;
  exec::Plan plan = OrFail(PlanObjects(f.inputs, f.remote, threads, range_bytes, &stage));
  if (!plan.stage.empty() && !f.cluster.enabled()) OrFail(ReadyLocalPieces(&plan, &stage, f.quiet));
  ExitIfInterrupted();

  // This job's temporary files (spooled outputs, the merge's result, the
  // commands' working directories) live in one directory, removed at the end
  // however the job ends; what a killed job left behind goes first.
  RemoveStaleDirs(TempDirectory(), kJobDirPrefix);
  std::unique_ptr<OwnedTempDir> job_dir = OrFail(OwnedTempDir::Make(TempDirectory(), kJobDirPrefix));
  std::string prefix = out_s3 ? (f.out.back() == '/' ? f.out : f.out + "/") : "";
  bool spool = !f.merge.empty() || out_s3;
  Outputs outputs(plan, out_s3 ? "" : f.out, spool ? job_dir->path() + "/spool" : "", prefix);
  if (spool && ::mkdir((job_dir->path() + "/spool").c_str(), 0700) != 0) FailJob(Errno("cannot make a spool directory"));
  OrFail(outputs.Prepare());

  std::string extra, details;
  uint64_t lines = f.cluster.enabled() ? RunOnCluster(f, plan, stage, ship, &outputs, &extra, &details)
                                       : RunHere(f, plan, threads, ship, job_dir->path(), &outputs);
  if (!f.merge.empty()) {
    Merge merge(f.merge, job_dir->path() + "/result");
    Status st = merge.Run(outputs, plan.objects.size());
    ExitIfInterrupted();
    if (!st.ok()) FailJob(st);
  }
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
      "  fanout run --split --cmd 'wc -l' --merge 'awk \"{s+=\\$1} END {print s}\"' big.csv");
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
  sub->add_option("INPUT", flags.inputs, "Files, directories, globs, s3://bucket/keys, http(s) URLs, or stage://NAME")
      ->required();
  AddRemoteFlags(sub, &flags.remote);
  AddClusterFlags(sub, &flags.cluster);
  sub->callback([] { Run(flags); });
}

}  // namespace fanout::cli
