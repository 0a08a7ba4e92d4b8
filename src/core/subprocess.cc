#include "core/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace fanout
