#include "exec/command_task.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/subprocess.h"
#include "io/decompress.h"
#include "io/object_store.h"

namespace fanout::exec {

namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kStderrTail = 1500;

// The key as the user thinks of it: the path for files, the key for s3://.
std::string KeyOf(const std::string& url) {
  if (url.rfind("s3://", 0) == 0) {
    size_t slash = url.find('/', 5);
    return slash == std::string::npos ? "" : url.substr(slash + 1);
  }
  return url;
}

// The bytes a task feeds the command: the whole content, or the lines that
// start in [begin, end) of an uncompressed object.
class TaskInput {
 public:
  TaskInput(const ObjectPlan& object, const Task& task, bool split) : object_(object), task_(task), split_(split) {}

  Status Open() {
    bool range = split_ && object_.compression == io::Compression::kNone && task_.ranges > 1;
    if (!range) {
      ASSIGN_OR_RETURN(stream_, io::OpenContent(object_.info, object_.compression));
      return Status::OK();
    }
    pos_ = task_.begin == 0 ? 0 : task_.begin - 1;
    skipping_ = task_.begin > 0;  // up to and including the newline that ends the line before
    prev_newline_ = true;
    limit_ = task_.end;
    ranged_ = true;
    ASSIGN_OR_RETURN(stream_, io::OpenRaw(object_.info, pos_));
    return Status::OK();
  }

  // Appends up to a chunk to *out; false at the end.
  Result<bool> Next(std::string* out) {
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
  const ObjectPlan& object_;
  const Task& task_;
  bool split_;
  std::unique_ptr<io::ByteStream> stream_;
  bool ranged_ = false, skipping_ = false, done_ = false, prev_newline_ = false;
  uint64_t pos_ = 0, limit_ = 0;
};

std::string Tail(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.size() > kStderrTail) s = "..." + s.substr(s.size() - kStderrTail);
  return s;
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

Result<std::string> RunCommandTask(const ObjectPlan& object, const Task& task, uint64_t task_index,
                                   const CommandOptions& o) {
  ASSIGN_OR_RETURN(std::vector<std::string> argv, PipefailShell());
  argv.push_back("set -o pipefail\n" + o.cmd);
  SpawnOptions so;
  so.cwd = o.workdir;
  so.env = {{"FANOUT_KEY", KeyOf(object.info.url)},
            {"FANOUT_URL", object.info.url},
            {"FANOUT_TASK", std::to_string(task_index)}};
  if (o.split && task.ranges > 1) {
    so.env.emplace_back("FANOUT_RANGE", std::to_string(task.begin) + "-" + std::to_string(task.end));
  }
  TaskInput input(object, task, o.split);
  RETURN_IF_ERROR(input.Open());
  ASSIGN_OR_RETURN(Child c, SpawnChild(argv, so));

  std::string pending, output, err;
  size_t pending_at = 0;
  bool input_done = false;
  Status failure;
  char buf[1 << 16];
  while (c.out >= 0 || c.err >= 0) {
    if (o.cancel != nullptr && o.cancel->load()) {
      failure = Status::IoError(object.info.url + ": cancelled");
      break;
    }
    if (c.in >= 0 && pending_at == pending.size() && !input_done) {
      pending.clear();
      pending_at = 0;
      Result<bool> more = input.Next(&pending);
      if (!more.ok()) {
        failure = more.status();
        break;
      }
      if (!*more) input_done = true;
    }
    if (c.in >= 0 && input_done && pending_at == pending.size()) CloseFd(&c.in);
    std::vector<pollfd> fds;
    if (c.out >= 0) fds.push_back({c.out, POLLIN, 0});
    if (c.err >= 0) fds.push_back({c.err, POLLIN, 0});
    if (c.in >= 0 && pending_at < pending.size()) fds.push_back({c.in, POLLOUT, 0});
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) {
      failure = Status::IoError(std::string("poll: ") + std::strerror(errno));
      break;
    }
    for (const pollfd& f : fds) {
      if (f.revents == 0) continue;
      if (f.fd == c.in) {
        ssize_t n = ::write(c.in, pending.data() + pending_at, pending.size() - pending_at);
        if (n > 0) {
          pending_at += static_cast<size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          CloseFd(&c.in);  // it stopped reading (e.g. head): not an error by itself
          input_done = true;
        }
        continue;
      }
      bool is_out = f.fd == c.out;
      ssize_t n = ::read(f.fd, buf, sizeof(buf));
      if (n > 0) {
        (is_out ? output : err).append(buf, static_cast<size_t>(n));
        if (!is_out && err.size() > 4 * kStderrTail) err.erase(0, err.size() - 2 * kStderrTail);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        CloseFd(is_out ? &c.out : &c.err);
      }
    }
    if (output.size() > o.max_output_bytes) {
      failure = Status::Unsupported(object.info.url + ": the command's output passed " +
                                    std::to_string(o.max_output_bytes) + " bytes");
      break;
    }
  }
  if (!failure.ok()) kill(-c.pid, SIGKILL);
  CloseFd(&c.in);
  CloseFd(&c.out);
  CloseFd(&c.err);
  int status = WaitChild(c.pid);
  RETURN_IF_ERROR(failure);
  if (status != 0) {
    std::string tail = Tail(err);
    return Status::IoError(object.info.url + ": the command exited with status " + std::to_string(status) +
                           (tail.empty() ? "" : ":\n" + tail));
  }
  return output;
}

}  // namespace fanout::exec
