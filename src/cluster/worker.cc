#include "cluster/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "core/cache_dir.h"
#include "core/cpu.h"
#include "core/file_write.h"
#include "core/temp_dir.h"
#include "cluster/messages.h"
#include "exec/timeline.h"
#include "ops/group_memory.h"
#include "exec/command_task.h"
#include "exec/job_registry.h"
#include "exec/query_job.h"
#include "exec/run_job.h"
#include "io/imds.h"
#include "io/remote.h"
#include "io/router_store.h"
#include "io/sigv4.h"

namespace fanout::cluster {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kHeartbeatEvery = std::chrono::seconds(1);
constexpr auto kInterruptionPollEvery = std::chrono::seconds(1);
constexpr auto kProgressEvery = std::chrono::milliseconds(250);
constexpr const char* kJobDirPrefix = "run";  // CACHE/run.<pid>.XXXXXX: the job's commands' directories
constexpr size_t kSha256HexChars = 64;

// SIGTERM, SIGINT and SIGHUP end the worker the way a bye does: its commands
// are stopped first. One it was started ignoring stays ignored.
std::atomic<int> g_stop_signal{0};

void OnStopSignal(int sig) { g_stop_signal.store(sig); }

void CatchStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    struct sigaction old = {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler != SIG_IGN) sigaction(sig, &sa, nullptr);
  }
}

// Writes whole frames to the coordinator; one writer at a time.
class Out {
 public:
  explicit Out(int fd) : fd_(fd) {}
  bool Send(const std::string& frame) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t done = 0;
    while (done < frame.size()) {
      ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
  std::mutex mu_;  // held for a whole frame's writes to fd_
};

// A test hook, FANOUT_TEST_CORRUPT_RESULT=MODE[:MARKER] — the worker that first
// creates the file MARKER (without one: every worker, every time) sends that
// query result corrupted, so tests can check that the coordinator rejects it:
// MODE "aggs" (one aggregate fewer), "keys" (an extra key field), "counts" (a
// count that overflows), "truncate" — or "swap": the first two groups' keys
// exchanged, a result the coordinator's checks accept but that is wrong (what
// --verify is for).
std::string CorruptForTest(const std::string& serialized, const std::string& mode) {
  Result<ops::Partial> decoded = ops::Partial::Deserialize(serialized);
  if (!decoded.ok()) return serialized;
  const ops::Partial& p = *decoded;
  std::string bytes = serialized;
  if (mode == "truncate") return bytes.substr(0, bytes.size() / 2);
  size_t aggs = mode == "aggs" ? (p.num_aggs() == 0 ? 1 : p.num_aggs() - 1) : p.num_aggs();
  ops::Partial q(aggs);
  q.stats() = p.stats();
  for (uint32_t g = 0; g < p.num_groups(); ++g) {
    const bool swap = mode == "swap" && p.num_groups() >= 2 && g < 2;
    std::string key(p.key(swap ? 1 - g : g));
    if (mode == "keys") ops::AppendKeyField(&key, "extra");
    uint32_t h = q.Group(key);
    q.count(h) = mode == "counts" ? std::numeric_limits<uint64_t>::max() : p.count(g);
    for (size_t a = 0; a < std::min(aggs, p.num_aggs()); ++a) q.cell(h, a) = p.cell(g, a);
  }
  return q.Serialize();
}

bool ClaimTestMarker(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

class Worker {
 public:
  Worker(int in_fd, int out_fd, const WorkerOptions& options)
      : in_fd_(in_fd), out_(out_fd), cores_(options.cores > 0 ? options.cores : CoreCount()) {
    if (const char* d = std::getenv("FANOUT_TEST_TASK_DELAY_MS")) test_task_delay_ms_ = std::atoi(d);
    if (const char* c = std::getenv("FANOUT_TEST_CORRUPT_RESULT")) test_corrupt_ = c;
  }

  Status Run() {
    // A command that stops reading its input (head) must not take the worker
    // down with SIGPIPE; writes to it fail with EPIPE instead.
    signal(SIGPIPE, SIG_IGN);
    CatchStopSignals();
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    Hello hello;
    hello.cores = static_cast<uint32_t>(cores_);
    hello.host = host;
    hello.fanout_version = FANOUT_VERSION;
    if (!out_.Send(EncodeHello(hello))) return Status::IoError("cannot write to the coordinator");
    std::thread ticker([this] { Tick(); });
    Status st = ReadLoop();
    if (!st.ok()) std::fprintf(stderr, "fanout worker: %s\n", st.message().c_str());
    // Whatever ended the loop, stop now: running tasks are abandoned (the
    // coordinator has already given up on them or said bye).
    Exit(st.ok() ? 0 : 3);
  }

 private:
  // Ends the process: every command it runs is stopped and the job's
  // directory removed first. The first caller does it; any other waits.
  [[noreturn]] void Exit(int code) {
    static std::mutex exiting;
    exiting.lock();  // never unlocked: the process ends here
    exec::StopAllCommands(exec::kCommandStopGraceMs);
    std::unique_ptr<OwnedTempDir> dir;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dir = std::move(job_dir_);
    }
    dir.reset();
    std::_Exit(code);
  }

  Status ReadLoop() {
    FrameReader reader;
    std::vector<char> buf(1 << 16);
    auto last_heard = Clock::now();
    for (;;) {
      if (int sig = g_stop_signal.load(); sig != 0) {
        return Status::IoError(std::string("stopped by a signal (") + strsignal(sig) + ")");
      }
      long idle_ms = static_cast<long>(idle_timeout_s_.load()) * 1000;
      pollfd p{in_fd_, POLLIN, 0};
      int r = ::poll(&p, 1, 500);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {
        if (Clock::now() - last_heard > std::chrono::milliseconds(idle_ms)) {
          return Status::IoError("no word from the coordinator for " + std::to_string(idle_ms / 1000) + " s; exiting");
        }
        continue;
      }
      ssize_t n = ::read(in_fd_, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::OK();  // the coordinator closed our input: done
      last_heard = Clock::now();
      reader.Feed(buf.data(), static_cast<size_t>(n));
      for (;;) {
        bool ready = false;
        FrameType type;
        std::string payload;
        RETURN_IF_ERROR(reader.Next(&ready, &type, &payload));
        if (!ready) break;
        bool bye = false;
        RETURN_IF_ERROR(Handle(type, payload, &bye));
        if (bye) return Status::OK();
      }
    }
  }

  Status Handle(FrameType type, const std::string& payload, bool* bye) {
    switch (type) {
      case FrameType::kJob: {
        if (have_job_) return Status::Corrupt("a second job frame (a worker runs one job)");
        ASSIGN_OR_RETURN(std::unique_ptr<exec::Job> job, exec::DecodeJob(payload));
        if (!job->common().remote.credentials.has_value()) {
          job->common().remote.no_credentials_hint =
              " on this worker's machine, or give the job --forward-credentials to send the coordinator's "
              "(inside the job frame, over the worker's channel)";
        }
        store_ = io::MakeStore(job->common().remote);  // set once, before any task thread starts
        job->common().scan.store = store_.get();
        job->common().stage.scan.store = store_.get();
        ops::SetGroupMemoryLimit(job->common().max_group_memory);
        {
          std::lock_guard<std::mutex> lock(mu_);
          job_ = std::move(job);
          have_job_ = true;
        }
        idle_timeout_s_ = std::max<uint32_t>(job_->common().idle_timeout_s, 1);
        RETURN_IF_ERROR(PrepareShipping());
        int threads = job_->common().threads > 0 ? static_cast<int>(job_->common().threads) : cores_;
        for (int i = 0; i < threads; ++i) std::thread([this] { TaskLoop(); }).detach();
        if (job_->common().watch_interruptions) std::thread([this] { WatchInterruptions(); }).detach();
        return Status::OK();
      }
      case FrameType::kTask: {
        ASSIGN_OR_RETURN(TaskMsg t, DecodeTask(payload));
        std::lock_guard<std::mutex> lock(mu_);
        if (!have_job_) return Status::Corrupt("a task arrived before the job");
        auto cancel = std::make_shared<std::atomic<bool>>(false);
        cancels_[t.id] = cancel;
        queue_.push_back({std::move(t), cancel});
        cv_.notify_all();
        return Status::OK();
      }
      case FrameType::kCancel: {
        ASSIGN_OR_RETURN(uint64_t id, DecodeCancel(payload));
        std::lock_guard<std::mutex> lock(mu_);
        auto it = cancels_.find(id);
        if (it != cancels_.end()) it->second->store(true);
        return Status::OK();
      }
      case FrameType::kFile: {
        ASSIGN_OR_RETURN(auto file, DecodeFile(payload));
        return StoreShipped(file.first, file.second);
      }
      case FrameType::kHeartbeat:
        return Status::OK();
      case FrameType::kBye:
        *bye = true;
        return Status::OK();
      default:
        return Status::Corrupt(std::string("unexpected ") + FrameTypeName(type) + " frame from the coordinator");
    }
  }

  struct Queued {
    TaskMsg msg;
    std::shared_ptr<std::atomic<bool>> cancel;
  };

  // Shipped files live in the cache by content (ship/<sha256>, read-only) and
  // are checked against their sha256 each time a job loads them: an entry that
  // does not match is removed and fetched again (need/file frames), never used.
  // The job keeps the checked bytes; every task gets copies of its own in a
  // private directory (exec::CommandOptions::shipped) under the job's one.
  Status PrepareShipping() {
    ship_ = job_->Shipped();
    if (ship_.empty()) return JobReady({});  // commands run where the worker started (home over ssh)
    std::string cache = CacheDir();
    ship_dir_ = cache + "/ship";
    ::mkdir(ship_dir_.c_str(), 0700);
    RemoveStaleDirs(cache, kJobDirPrefix);
    ASSIGN_OR_RETURN(std::unique_ptr<OwnedTempDir> dir, OwnedTempDir::Make(cache, kJobDirPrefix));
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_dir_ = std::move(dir);
    }
    std::vector<std::string> need;
    for (const exec::ShippedFile& f : ship_) {
      if (shipped_.count(f.sha256) == 0 && !LoadCached(f.sha256)) need.push_back(f.sha256);
    }
    std::sort(need.begin(), need.end());
    need.erase(std::unique(need.begin(), need.end()), need.end());
    needed_.insert(need.begin(), need.end());
    if (!need.empty()) {
      out_.Send(EncodeNeed(need));
      return Status::OK();
    }
    return ShippedReady();
  }

  // The cache entry for `sha`, if there is one and its content has that hash.
  bool LoadCached(const std::string& sha) {
    std::string path = ship_dir_ + "/" + sha;
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    Result<std::string> got = io::Sha256Hex(ss.str());
    if (in.bad() || !got.ok() || *got != sha) {
      std::fprintf(stderr, "fanout worker: %s does not hold what its name says; fetching it again\n", path.c_str());
      ::unlink(path.c_str());
      return false;
    }
    shipped_[sha] = ss.str();
    return true;
  }

  Status StoreShipped(const std::string& sha, const std::string& content) {
    if (needed_.erase(sha) == 0) return Status::Corrupt("a shipped file that was not asked for: " + sha);
    ASSIGN_OR_RETURN(std::string got, io::Sha256Hex(content));
    if (got != sha) return Status::Corrupt("a shipped file does not match its sha256 " + sha);
    shipped_[sha] = content;
    // The cache only saves a later job the transfer: a failed write is said, not fatal.
    if (Status st = WriteFileAtomically(ship_dir_ + "/" + sha, content, 0555); !st.ok()) {
      std::fprintf(stderr, "fanout worker: cannot cache a shipped file: %s\n", st.message().c_str());
    }
    if (needed_.empty()) return ShippedReady();
    return Status::OK();
  }

  Status ShippedReady() {
    std::vector<exec::ShippedCopy> copies;
    for (const exec::ShippedFile& f : ship_) copies.push_back({f.name, &shipped_.at(f.sha256)});
    exec::RunEnv env;
    env.shipped = std::move(copies);
    {
      std::lock_guard<std::mutex> lock(mu_);
      env.workdir = job_dir_->path();
    }
    return JobReady(std::move(env));
  }

  // The job may start its tasks: its files are here.
  Status JobReady(exec::RunEnv env) {
    RETURN_IF_ERROR(job_->Prepare(env));
    std::lock_guard<std::mutex> lock(mu_);
    ready_ = true;
    cv_.notify_all();
    return Status::OK();
  }

  void TaskLoop() {
    for (;;) {
      Queued q;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() && ready_; });
        q = std::move(queue_.front());
        queue_.pop_front();
      }
      std::string frame = RunTask(q);
      {
        std::lock_guard<std::mutex> lock(mu_);
        cancels_.erase(q.msg.id);
      }
      FlushProgress();  // the coordinator sees the bytes before the result
      if (!out_.Send(frame)) Exit(3);
    }
  }

  // A staged piece: read it where it is, or make it again from its source
  // when this machine does not hold it (whole and of the expected size).
  Status Materialize(const Queued& q, exec::ObjectPlan* object, exec::Task* task, std::string* piece) {
    const TaskMsg& t = q.msg;
    *object = t.object;
    *task = t.task;
    if (!t.staged) return Status::OK();
    if (t.piece_here && exec::PieceIsThere(t.object.info.url, t.object.info.size)) return Status::OK();
    ASSIGN_OR_RETURN(exec::PieceInfo p, exec::RemakePiece(job_->common().stage, t.source, q.cancel.get()));
    object->info = io::ObjectInfo{p.path, p.size, ""};
    object->compression = io::Compression::kNone;
    task->begin = 0;
    task->end = std::numeric_limits<uint64_t>::max();
    task->range = 0;
    task->ranges = 1;
    *piece = exec::EncodePiece(p);
    return Status::OK();
  }

  std::string RunTask(const Queued& q) {
    const TaskMsg& t = q.msg;
    // The task's run, for the job's timeline: from here (a staged piece made
    // again, and the test hook's stretch, count as its work).
    const exec::TaskClock task_clock;
    if (test_task_delay_ms_ > 0) {  // a test hook: stretch jobs so faults can land mid-way
      std::this_thread::sleep_for(std::chrono::milliseconds(test_task_delay_ms_));
    }
    FailMsg fail;
    fail.id = t.id;
    if (q.cancel->load()) {
      fail.retryable = true;
      fail.message = t.object.info.url + ": cancelled";
      return EncodeFail(fail);
    }
    exec::ObjectPlan object;
    exec::Task task;
    std::string piece;
    if (Status st = Materialize(q, &object, &task, &piece); !st.ok()) return Fail(t.id, st);
    DoneMsg done;
    done.id = t.id;
    done.piece = std::move(piece);
    exec::TaskContext ctx{object, task, t.index, t.start, &progress_, q.cancel.get(), &done.end};
    Result<std::unique_ptr<exec::TaskOutput>> out = job_->RunTask(ctx);
    done.run_us = static_cast<uint64_t>(task_clock.Seconds() * 1e6);
    done.cpu_us = static_cast<uint64_t>(std::max(0.0, task_clock.CpuSeconds()) * 1e6);
    // The test hook's stretch stands for a slower task's work, not for waiting.
    done.cpu_us += static_cast<uint64_t>(std::max(0, test_task_delay_ms_)) * 1000;
    if (!out.ok()) return Fail(t.id, out.status());
    done.partial = job_->EncodeOutput(**out);
    size_t colon = test_corrupt_.find(':');
    bool corrupt = !test_corrupt_.empty() && job_->Kind() == exec::QueryJob::kKind &&
                   (colon == std::string::npos || ClaimTestMarker(test_corrupt_.substr(colon + 1)));
    if (corrupt) done.partial = CorruptForTest(done.partial, test_corrupt_.substr(0, colon));
    return EncodeDone(done);
  }

  // A fail frame for a task: storage and network failures and the user's
  // command's are worth another attempt (elsewhere, for a command).
  static std::string Fail(uint64_t id, const Status& st) {
    FailMsg fail;
    fail.id = id;
    fail.command_failed = st.code() == StatusCode::kCommandFailed;
    fail.retryable = fail.command_failed || st.code() == StatusCode::kIoError;
    fail.message = st.message();
    return EncodeFail(fail);
  }

  // Asks the machine's metadata service every second whether EC2 is about to
  // take it away, and tells the coordinator once when it is (a notice frame):
  // the coordinator then sends it nothing new and starts its tasks elsewhere.
  // Without a metadata service (not on EC2) it gives up after a few tries.
  void WatchInterruptions() {
    io::InterruptionWatch watch;
    int failures = 0;
    bool answered = false;
    for (;;) {
      Result<std::string> notice = watch.Poll();
      if (notice.ok()) {
        answered = true;
        failures = 0;
        if (!notice->empty()) {
          std::fprintf(stderr, "fanout worker: %s\n", notice->c_str());
          if (!out_.Send(EncodeNotice(*notice))) Exit(3);
          return;
        }
      } else if (++failures >= (answered ? 30 : 3)) {
        std::fprintf(stderr, "fanout worker: interruption notices are not watched: %s\n",
                     notice.status().message().c_str());
        return;
      }
      std::this_thread::sleep_for(kInterruptionPollEvery);
    }
  }

  void FlushProgress() {
    std::lock_guard<std::mutex> lock(progress_mu_);
    uint64_t b = progress_.bytes.load(), r = progress_.rows.load();
    if (b == sent_bytes_ && r == sent_rows_) return;
    ProgressMsg m{b - sent_bytes_, r - sent_rows_};
    sent_bytes_ = b;
    sent_rows_ = r;
    out_.Send(EncodeProgress(m));
  }

  void Tick() {
    auto last_beat = Clock::now();
    for (;;) {
      std::this_thread::sleep_for(kProgressEvery);
      FlushProgress();
      if (Clock::now() - last_beat >= kHeartbeatEvery) {
        last_beat = Clock::now();
        if (!out_.Send(EncodeEmpty(FrameType::kHeartbeat))) Exit(3);
      }
    }
  }

  int in_fd_;
  Out out_;
  // Shipped files, touched by the frame-reading thread only until ready_.
  std::vector<exec::ShippedFile> ship_;
  std::string ship_dir_;
  std::map<std::string, std::string> shipped_;  // sha256 -> checked content
  std::set<std::string> needed_;                // asked for, not arrived yet
  int cores_;
  int test_task_delay_ms_ = 0;
  std::string test_corrupt_;  // FANOUT_TEST_CORRUPT_RESULT
  std::atomic<uint32_t> idle_timeout_s_{30};
  // Where the job's objects are read from: made from the job's options when
  // the job frame arrives, before the task threads start; constant after.
  std::unique_ptr<io::Store> store_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool have_job_ = false;                   // guarded by mu_
  bool ready_ = false;                      // the job is prepared: tasks may run; guarded by mu_
  std::unique_ptr<OwnedTempDir> job_dir_;   // with --ship: the tasks' directories; guarded by mu_
  std::unique_ptr<exec::Job> job_;          // set once, under mu_, before any task thread starts
  std::deque<Queued> queue_;
  std::map<uint64_t, std::shared_ptr<std::atomic<bool>>> cancels_;

  exec::Progress progress_;
  std::mutex progress_mu_;
  uint64_t sent_bytes_ = 0, sent_rows_ = 0;
};

}  // namespace

Status RunWorker(int in_fd, int out_fd, const WorkerOptions& options) {
  Worker w(in_fd, out_fd, options);
  return w.Run();
}

}  // namespace fanout::cluster
