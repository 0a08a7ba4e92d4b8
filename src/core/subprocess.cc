#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

namespace fanout {

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

namespace {

// Our environment with `extra` added (replacing variables of the same names).
std::vector<std::string> ChildEnvironment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : extra) replaced = replaced || name == k;
    if (!replaced) env.emplace_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

// In the child, before exec: says `what` and why on its stderr, and exits 127.
[[noreturn]] void ChildFailed(const std::string& what) {
  int err = errno;
  ssize_t ignored = ::write(STDERR_FILENO, what.data(), what.size());
  const char* why = strerrordesc_np(err);
  if (why != nullptr) ignored = ::write(STDERR_FILENO, why, std::strlen(why));
  ignored = ::write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  _exit(127);
}

}  // namespace

Result<Child> SpawnChild(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return Status::InvalidArgument("no program to run");
  int fds[6];
  for (int i = 0; i < 3; ++i) {
    if (pipe2(fds + 2 * i, O_CLOEXEC) != 0) {
      for (int j = 0; j < 2 * i; ++j) ::close(fds[j]);
      return Status::IoError("pipe: " + std::string(std::strerror(errno)));
    }
  }
  int in_r = fds[0], in_w = fds[1], out_r = fds[2], out_w = fds[3], err_r = fds[4], err_w = fds[5];
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  // Everything the child needs is made here: between fork and exec a child of
  // a threaded process may only make async-signal-safe calls (no malloc, so no
  // setenv or printf — another thread may have held the allocator's lock).
  std::vector<std::string> env = ChildEnvironment(options.env);
  std::vector<char*> cenv;
  for (const std::string& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  const std::string cwd_error = "cannot enter " + options.cwd + ": ";
  const std::string exec_error = "cannot run " + argv[0] + ": ";
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : fds) ::close(fd);
    return Status::IoError("fork: " + std::string(std::strerror(errno)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    dup2(in_r, STDIN_FILENO);
    dup2(out_w, STDOUT_FILENO);
    dup2(err_w, STDERR_FILENO);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) ChildFailed(cwd_error);
    execvpe(cargv[0], cargv.data(), cenv.data());
    ChildFailed(exec_error);
  }
  setpgid(pid, pid);  // also from here, so it holds before we might signal the group
  ::close(in_r);
  ::close(out_w);
  ::close(err_w);
  for (int fd : {in_w, out_r, err_r}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return Child{pid, in_w, out_r, err_r};
}

int WaitChild(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 255;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

namespace {

// Whether the child has exited (it stays unreaped); waits for it when `block`.
bool HasExited(pid_t pid, bool block) {
  for (;;) {
    siginfo_t info = {};
    int r = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    if (r < 0 && errno == EINTR) continue;
    return r < 0 || info.si_pid == pid;  // r < 0: not our child (any more)
  }
}

}  // namespace

void StopGroup(pid_t pid, int grace_ms) {
  constexpr auto kPollEvery = std::chrono::milliseconds(10);
  kill(-pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (!HasExited(pid, false) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(kPollEvery);
  kill(-pid, SIGKILL);
}

void WaitExited(pid_t pid) { HasExited(pid, true); }

int WaitChildFor(pid_t pid, int wait_ms) {
  constexpr auto kPollEvery = std::chrono::milliseconds(5);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(kPollEvery);
  }
}

namespace {

constexpr size_t kReadChunk = 1 << 16;

// write(2) that never raises SIGPIPE in this process, whatever its disposition:
// a reader that has gone is EPIPE. (SIGPIPE from a write goes to the writing
// thread; blocked, it stays pending until taken here.)
ssize_t WriteWithoutSigpipe(int fd, const char* data, size_t n) {
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t r = ::write(fd, data, n);
  int saved = errno;
  if (r < 0 && saved == EPIPE && !was_pending) {
    timespec zero = {0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return r;
}

// The pump's state between polls.
class Pump {
 public:
  Pump(Child* c, const PumpOptions& o) : c_(c), o_(o), buf_(kReadChunk), start_(std::chrono::steady_clock::now()) {}

  Result<PumpResult> Run() {
    if (!o_.source) {
      CloseFd(&c_->in);
      result_.all_fed = true;
    }
    while (c_->out >= 0 || c_->err >= 0) {
      if (o_.cancel != nullptr && o_.cancel->load()) return End(PumpEnd::kCancelled);
      int wait_ms = o_.poll_ms;
      if (o_.timeout_ms > 0) {
        int left = o_.timeout_ms - ElapsedMs();
        if (left <= 0) return End(PumpEnd::kTimedOut);
        wait_ms = std::min(wait_ms, left);
      }
      RETURN_IF_ERROR(Refill());
      RETURN_IF_ERROR(PollOnce(wait_ms));
    }
    return End(PumpEnd::kClosed);
  }

 private:
  int ElapsedMs() const {
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count());
  }

  PumpResult End(PumpEnd end) {
    result_.end = end;
    return result_;
  }

  // Asks the source for more once the last piece is written; closes the
  // child's stdin after the last one.
  Status Refill() {
    while (c_->in >= 0 && at_ == pending_.size() && !source_done_) {
      pending_.clear();
      at_ = 0;
      ASSIGN_OR_RETURN(bool more, o_.source(&pending_));
      if (!more) source_done_ = true;
    }
    if (c_->in >= 0 && source_done_ && at_ == pending_.size()) {
      CloseFd(&c_->in);
      result_.all_fed = true;
    }
    return Status::OK();
  }

  Status PollOnce(int wait_ms) {
    pollfd fds[3];
    nfds_t n = 0;
    if (c_->out >= 0) fds[n++] = {c_->out, POLLIN, 0};
    if (c_->err >= 0) fds[n++] = {c_->err, POLLIN, 0};
    if (c_->in >= 0 && at_ < pending_.size()) fds[n++] = {c_->in, POLLOUT, 0};
    if (::poll(fds, n, wait_ms) < 0 && errno != EINTR) {
      return Status::IoError(std::string("poll: ") + std::strerror(errno));
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == c_->in) {
        Feed();
      } else if (fds[i].fd == c_->out) {
        RETURN_IF_ERROR(Drain(&c_->out, o_.on_stdout));
      } else {
        RETURN_IF_ERROR(Drain(&c_->err, o_.on_stderr));
      }
    }
    return Status::OK();
  }

  void Feed() {
    ssize_t n = WriteWithoutSigpipe(c_->in, pending_.data() + at_, pending_.size() - at_);
    if (n > 0) {
      if (o_.on_fed) o_.on_fed(std::string_view(pending_.data() + at_, static_cast<size_t>(n)));
      at_ += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      CloseFd(&c_->in);  // it stopped reading: its exit status decides
      source_done_ = true;
    }
  }

  Status Drain(int* fd, const std::function<Status(std::string_view)>& sink) {
    ssize_t n = ::read(*fd, buf_.data(), buf_.size());
    if (n > 0) {
      if (sink) return sink(std::string_view(buf_.data(), static_cast<size_t>(n)));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      CloseFd(fd);
    }
    return Status::OK();
  }

  Child* c_;
  const PumpOptions& o_;
  std::vector<char> buf_;
  std::chrono::steady_clock::time_point start_;
  std::string pending_;  // input taken from the source, written up to at_
  size_t at_ = 0;
  bool source_done_ = false;
  PumpResult result_;
};

}  // namespace

Result<PumpResult> PumpChild(Child* c, const PumpOptions& options) { return Pump(c, options).Run(); }

void EndChild(Child* c, bool stop, int grace_ms) {
  if (stop) StopGroup(c->pid, grace_ms);
  CloseFd(&c->in);
  CloseFd(&c->out);
  CloseFd(&c->err);
  WaitExited(c->pid);
  kill(-c->pid, SIGKILL);  // what it left running in its group goes with it
}

void AppendTail(std::string* tail, std::string_view bytes, size_t keep) {
  tail->append(bytes);
  if (tail->size() > 2 * keep) tail->erase(0, tail->size() - keep);
}

Result<int> RunCapture(const std::vector<std::string>& argv, const std::string& input, std::string* out,
                       std::string* err) {
  constexpr int kStopGraceMs = 1000;
  ASSIGN_OR_RETURN(Child c, SpawnChild(argv));
  bool given = input.empty();
  PumpOptions o;
  o.source = [&](std::string* chunk) -> Result<bool> {
    if (given) return false;
    *chunk = input;
    given = true;
    return true;
  };
  o.on_stdout = [out](std::string_view s) {
    out->append(s);
    return Status::OK();
  };
  o.on_stderr = [err](std::string_view s) {
    err->append(s);
    return Status::OK();
  };
  Result<PumpResult> r = PumpChild(&c, o);
  if (!r.ok()) StopGroup(c.pid, kStopGraceMs);
  CloseFd(&c.in);
  CloseFd(&c.out);
  CloseFd(&c.err);
  int status = WaitChild(c.pid);
  if (!r.ok()) return r.status();
  return status;
}

Result<std::string> SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return Status::IoError("cannot find this program's path (/proc/self/exe)");
  std::string exe(buf, static_cast<size_t>(n));
  // Run through a bundle's loader (cluster/deploy.h), this process is the
  // loader's: the bundle's wrapper says where fanout is.
  const char* self = std::getenv("FANOUT_SELF");
  std::string base = exe.substr(exe.rfind('/') + 1);
  if (self != nullptr && *self == '/' && base.rfind("ld-linux", 0) == 0 && access(self, X_OK) == 0) return std::string(self);
  return exe;
}

}  // namespace fanout
