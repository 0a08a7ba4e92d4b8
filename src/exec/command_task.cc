#include "exec/command_task.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "core/file_write.h"
#include "core/subprocess.h"
#include "exec/format.h"
#include "io/decompress.h"
#include "io/store.h"
#include "ops/projector.h"
#include "ops/query.h"

namespace fanout::exec {

namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kStderrTail = 1500;
constexpr int kPollMs = 200;
constexpr mode_t kShippedMode = 0555;  // readable and runnable, never writable

// The key as the user thinks of it: the path for files, the key for s3://.
std::string KeyOf(const std::string& url) {
  if (url.rfind("s3://", 0) == 0) {
    size_t slash = url.find('/', 5);
    return slash == std::string::npos ? "" : url.substr(slash + 1);
  }
  return url;
}

// A columnar object's rows as CSV text with a header (run --csv): the object's
// format scans it into a Projector of every column on a thread of its own, and
// the text comes over in chunks through a queue of at most kFeedBytes, so the
// scan waits for the command, never the other way round beyond that.
class CsvFeed {
 public:
  static constexpr size_t kFeedBytes = 8 << 20;

  CsvFeed(io::Store* store, const ObjectPlan& object) : store_(store), object_(object) {
    thread_ = std::thread([this] { Run(); });
  }
  ~CsvFeed() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    cancel_.store(true);
    thread_.join();
  }
  CsvFeed(const CsvFeed&) = delete;
  CsvFeed& operator=(const CsvFeed&) = delete;

  // Appends the next chunk to *out; false at the end; the scan's error once
  // every chunk before it was handed over.
  Result<bool> Next(std::string* out) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !chunks_.empty() || done_; });
    if (!chunks_.empty()) {
      out->append(chunks_.front());
      buffered_ -= chunks_.front().size();
      chunks_.pop_front();
      cv_.notify_all();
      return true;
    }
    if (!status_.ok()) return status_;
    return false;
  }

 private:
  Status Push(std::string* buffer) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return buffered_ < kFeedBytes || stop_; });
    if (stop_) return Status::IoError(object_.info.url + ": the command stopped reading");
    buffered_ += buffer->size();
    chunks_.push_back(std::move(*buffer));
    buffer->clear();
    cv_.notify_all();
    return Status::OK();
  }

  Status Scan() {
    ScanOptions scan;
    scan.store = store_;
    const Format& format = FormatOf(object_);
    ASSIGN_OR_RETURN(csv::HeaderInfo header, format.ReadHeader(object_, scan));
    ops::Query query;
    for (size_t i = 0; i < header.names.size(); ++i) {
      ASSIGN_OR_RETURN(csv::ColumnSpec c, csv::ColumnSpec::Parse(std::to_string(i + 1)));
      query.keys.push_back(std::move(c));
    }
    ASSIGN_OR_RETURN(ops::ResolvedQuery resolved, ops::Resolve(query, header, object_.info.url));
    ops::RowStats stats;
    ops::Projector projector(query, resolved, object_.info.url, ',', std::numeric_limits<uint64_t>::max(), false,
                             &stats, [this](std::string* buffer) { return Push(buffer); });
    Task whole;
    whole.end = std::numeric_limits<uint64_t>::max();
    whole.stored_bytes = object_.info.size;
    csv::RangeEnd end;
    RETURN_IF_ERROR(format.Scan(object_, whole, csv::RangeStart{}, scan, &projector, nullptr, &cancel_, &end));
    if (cancel_.load()) return Status::IoError(object_.info.url + ": the command stopped reading");
    return projector.Finish();
  }

  void Run() {
    Status st = Scan();
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(st);
    done_ = true;
    cv_.notify_all();
  }

  io::Store* store_;
  const ObjectPlan& object_;
  std::atomic<bool> cancel_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;  // guarded by mu_
  size_t buffered_ = 0;             // guarded by mu_
  bool done_ = false;               // guarded by mu_
  bool stop_ = false;               // guarded by mu_
  Status status_;                   // guarded by mu_
  std::thread thread_;              // last: started once everything above exists
};

// The bytes a task feeds the command: the whole content, or the lines that
// start in [begin, end) of an uncompressed object, or (csv) a columnar
// object's rows as CSV.
class TaskInput {
 public:
  TaskInput(io::Store* store, const ObjectPlan& object, const Task& task, bool split, bool csv)
      : store_(store), object_(object), task_(task), split_(split), csv_(csv) {}

  Status Open() {
    if (csv_ && FormatOf(object_).Name() != "csv") {
      feed_ = std::make_unique<CsvFeed>(store_, object_);
      return Status::OK();
    }
    bool range = split_ && object_.compression == io::Compression::kNone && task_.ranges > 1;
    if (!range) {
      ASSIGN_OR_RETURN(stream_, io::OpenContent(*store_, object_.info, object_.compression));
      return Status::OK();
    }
    pos_ = task_.begin == 0 ? 0 : task_.begin - 1;
    skipping_ = task_.begin > 0;  // up to and including the newline that ends the line before
    prev_newline_ = true;
    limit_ = task_.end;
    ranged_ = true;
    ASSIGN_OR_RETURN(stream_, io::OpenRaw(*store_, object_.info, pos_));
    return Status::OK();
  }

  // Appends up to a chunk to *out; false at the end.
  Result<bool> Next(std::string* out) {
    if (feed_ != nullptr) return feed_->Next(out);
    if (done_) return false;
    char buf[kChunk];
    ASSIGN_OR_RETURN(size_t n, stream_->Read(buf, sizeof(buf)));
    if (n == 0) {
      done_ = true;
      return false;
    }
    if (!ranged_) {
      out->append(buf, n);
      return true;
    }
    size_t i = 0;
    if (skipping_) {
      const char* nl = static_cast<const char*>(std::memchr(buf, '\n', n));
      if (nl == nullptr) {
        pos_ += n;
        return true;
      }
      i = static_cast<size_t>(nl - buf) + 1;
      skipping_ = false;
      prev_newline_ = true;
    }
    // Emit until a line starts at or after the range's end.
    size_t start = i;
    while (i < n) {
      uint64_t at = pos_ + i;
      if (at >= limit_ && (at == 0 || prev_newline_)) {
        done_ = true;
        break;
      }
      prev_newline_ = buf[i] == '\n';
      ++i;
    }
    out->append(buf + start, i - start);
    pos_ += n;
    return true;
  }

 private:
  io::Store* store_;
  const ObjectPlan& object_;
  const Task& task_;
  bool split_;
  bool csv_;
  std::unique_ptr<CsvFeed> feed_;
  std::unique_ptr<io::ByteStream> stream_;
  bool ranged_ = false, skipping_ = false, done_ = false, prev_newline_ = false;
  uint64_t pos_ = 0, limit_ = 0;
};

std::string Tail(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.size() > kStderrTail) s = "..." + s.substr(s.size() - kStderrTail);
  return s;
}

// The commands running in this process, by the pid of their group leader, so
// that a process going away can end them all. A leader is forgotten only once
// it has exited (a zombie), so a group signalled from here always still exists.
class RunningCommands {
 public:
  // Spawns under the lock, so StopAll never misses a command being started.
  Result<Child> Spawn(const std::vector<std::string>& argv, const SpawnOptions& so) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::IoError("stopping: no more commands are started");
    ASSIGN_OR_RETURN(Child c, SpawnChild(argv, so));
    pids_.insert(c.pid);
    return c;
  }

  // The leader has exited: forget it, then reap it.
  int Reap(pid_t pid) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pids_.erase(pid);
    }
    return WaitChild(pid);
  }

  // Holds the lock to the end (the process exits next), so no leader is reaped
  // and no command is started meanwhile.
  void StopAll(int grace_ms) {
    mu_.lock();
    stopping_ = true;
    for (pid_t p : pids_) kill(-p, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    while (std::chrono::steady_clock::now() < deadline && !AllGone()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (pid_t p : pids_) kill(-p, SIGKILL);
  }

 private:
  bool AllGone() const {
    for (pid_t p : pids_) {
      siginfo_t info = {};
      if (waitid(P_PID, static_cast<id_t>(p), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != p) {
        return false;
      }
    }
    return true;
  }

  std::mutex mu_;
  bool stopping_ = false;  // guarded by mu_
  std::set<pid_t> pids_;   // guarded by mu_
};

RunningCommands& Running() {
  static RunningCommands* r = new RunningCommands();  // never destroyed: used until _exit
  return *r;
}

// A task's private working directory with its copies of the shipped files;
// removed, with whatever the command left there, when destroyed.
class TaskDir {
 public:
  ~TaskDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  Status Make(const std::string& parent, const std::vector<ShippedCopy>& files) {
    std::string tmpl = parent + "/task.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) return ErrnoError(parent, "cannot make a task directory");
    path_ = buf.data();
    for (const ShippedCopy& f : files) {
      if (f.name.empty() || f.name == "." || f.name == ".." || f.name.find('/') != std::string::npos ||
          f.content == nullptr) {
        return Status::InvalidArgument("'" + f.name + "' is not a name for a shipped file");
      }
      std::string path = path_ + "/" + f.name;
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kShippedMode);
      if (fd < 0) return ErrnoError(path, "cannot create");
      Status st = WriteAll(fd, path, *f.content);
      if (::close(fd) != 0 && st.ok()) st = ErrnoError(path, "cannot write");
      RETURN_IF_ERROR(st);
    }
    return Status::OK();
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The lines in [data, data + n).
uint64_t CountLines(const char* data, size_t n) {
  return static_cast<uint64_t>(std::count(data, data + n, '\n'));
}

}  // namespace

Result<std::vector<std::string>> PipefailShell() {
  static std::once_flag once;
  static Result<std::vector<std::string>> shell = Status::OK();
  std::call_once(once, [] {
    for (const char* sh : {"/bin/sh", "/bin/bash", "/usr/bin/bash"}) {
      if (access(sh, X_OK) != 0) continue;
      Result<Child> c = SpawnChild({sh, "-c", "set -o pipefail"});
      if (!c.ok()) continue;
      CloseFd(&c->in);
      CloseFd(&c->out);
      CloseFd(&c->err);
      if (WaitChild(c->pid) == 0) {
        shell = std::vector<std::string>{sh, "-c"};
        return;
      }
    }
    shell = Status::Unsupported("no shell with `set -o pipefail` (/bin/sh or bash) to run commands with");
  });
  return shell;
}

void StopAllCommands(int grace_ms) { Running().StopAll(grace_ms); }

namespace {

// The command's pipes, driven by the one poll loop (core/subprocess.h): input
// from the task, stdout kept as the output, stderr's end kept for the error
// message; the lines fed counted as they go.
struct CommandIo {
  std::string output, err;
  uint64_t lines = 0;
  int last_fed = kNothingFed;
  static constexpr int kNothingFed = -1;

  // Runs until the command closes its stdout and stderr; an error stops early.
  Status Run(Child* c, TaskInput* input, const ObjectPlan& object, const CommandOptions& o) {
    PumpOptions po;
    po.source = [input](std::string* chunk) { return input->Next(chunk); };
    po.on_fed = [this](std::string_view fed) {
      lines += CountLines(fed.data(), fed.size());
      last_fed = static_cast<unsigned char>(fed.back());
    };
    po.on_stdout = [&](std::string_view s) -> Status {
      output.append(s);
      if (output.size() > o.max_output_bytes) {
        return Status::Unsupported(object.info.url + ": the command's output passed " +
                                   std::to_string(o.max_output_bytes) + " bytes");
      }
      return Status::OK();
    };
    po.on_stderr = [this](std::string_view s) {
      AppendTail(&err, s, 2 * kStderrTail);
      return Status::OK();
    };
    po.cancel = o.cancel;
    po.poll_ms = kPollMs;
    ASSIGN_OR_RETURN(PumpResult r, PumpChild(c, po));
    if (r.all_fed && last_fed != '\n' && last_fed != kNothingFed) ++lines;  // a last line without its newline
    if (r.end == PumpEnd::kCancelled) return Status::IoError(object.info.url + ": cancelled");
    return Status::OK();
  }
};

}  // namespace

CommandResult RunCommandTask(const ObjectPlan& object, const Task& task, uint64_t task_index,
                             const CommandOptions& o) {
  CommandResult r;
  auto fail = [&r](Status st) {
    r.status = std::move(st);
    return std::move(r);
  };
  Result<std::vector<std::string>> shell = PipefailShell();
  if (!shell.ok()) return fail(shell.status());
  std::vector<std::string> argv = *shell;
  argv.push_back("set -o pipefail\n" + o.cmd);
  SpawnOptions so;
  so.cwd = o.workdir;
  so.env = {{"FANOUT_KEY", KeyOf(object.info.url)},
            {"FANOUT_URL", object.info.url},
            {"FANOUT_TASK", std::to_string(task_index)}};
  if (o.split && task.ranges > 1) {
    so.env.emplace_back("FANOUT_RANGE", std::to_string(task.begin) + "-" + std::to_string(task.end));
  }
  TaskDir dir;
  if (!o.shipped.empty()) {
    if (Status st = dir.Make(o.workdir, o.shipped); !st.ok()) return fail(st);
    so.cwd = dir.path();
  }
  TaskInput input(o.store, object, task, o.split, o.csv);
  if (Status st = input.Open(); !st.ok()) return fail(st);
  Result<Child> spawned = Running().Spawn(argv, so);
  if (!spawned.ok()) return fail(spawned.status());
  Child c = *spawned;
  CommandIo io;
  Status failure = io.Run(&c, &input, object, o);
  EndChild(&c, !failure.ok(), kCommandStopGraceMs);
  int status = Running().Reap(c.pid);
  r.lines = io.lines;
  if (!failure.ok()) return fail(failure);
  if (status != 0) {
    std::string tail = Tail(io.err);
    r.command_failed = true;
    return fail(Status::IoError(object.info.url + ": the command exited with status " + std::to_string(status) +
                                (tail.empty() ? "" : ":\n" + tail)));
  }
  r.output = std::move(io.output);
  return r;
}

}  // namespace fanout::exec
