#include "cluster/launcher.h"

#include "core/subprocess.h"
#include "exec/stage.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace fanout::cluster {

namespace {

std::vector<std::string> SplitWords(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::vector<std::string> SshArgv(const std::string& ssh_command, const std::string& host,
                                 const std::vector<std::string>& remote_command, int connect_timeout_s) {
  std::vector<std::string> argv = SplitWords(ssh_command.empty() ? "ssh" : ssh_command);
  std::string control_dir = exec::CacheDir() + "/ssh";
  bool share = ::mkdir(control_dir.c_str(), 0700) == 0 || errno == EEXIST;
  for (const std::string& o : {std::string("BatchMode=yes"), "ConnectTimeout=" + std::to_string(connect_timeout_s),
                               std::string("ServerAliveInterval=5"), std::string("ServerAliveCountMax=3")}) {
    argv.push_back("-o");
    argv.push_back(o);
  }
  if (share) {
    for (const std::string& o : {std::string("ControlMaster=auto"), std::string("ControlPersist=60"),
                                 "ControlPath=" + control_dir + "/%C"}) {
      argv.push_back("-o");
      argv.push_back(o);
    }
  }
  argv.push_back(host);
  argv.insert(argv.end(), remote_command.begin(), remote_command.end());
  return argv;
}

std::string ShellQuote(const std::string& word) {
  std::string head, rest = word;
  if (rest.rfind("~/", 0) == 0) {
    head = "~/";
    rest = rest.substr(2);
  }
  std::string out = head + "'";
  for (char c : rest) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string RemoteWorkerCommand(const std::string& remote_fanout) { return ShellQuote(remote_fanout) + " worker"; }

Result<WorkerProcess> Spawn(const std::vector<std::string>& argv, const std::string& name) {
  ASSIGN_OR_RETURN(Child c, SpawnChild(argv));
  WorkerProcess w;
  w.pid = c.pid;
  w.to_fd = c.in;
  w.from_fd = c.out;
  w.err_fd = c.err;
  w.name = name;
  return w;
}

Result<std::string> SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return Status::IoError("cannot find this program's path (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

Result<std::vector<std::string>> ParseHosts(const std::string& spec) {
  std::vector<std::string> hosts;
  auto add = [&](std::string h, const std::string& where) -> Status {
    size_t a = h.find_first_not_of(" \t\r");
    size_t b = h.find_last_not_of(" \t\r");
    h = a == std::string::npos ? "" : h.substr(a, b - a + 1);
    if (h.empty()) return Status::OK();
    if (h[0] == '-' || h.find_first_of(" \t'\"`$;&|<>\\") != std::string::npos) {
      return Status::InvalidArgument(where + ": '" + h + "' is not a host name");
    }
    hosts.push_back(h);
    return Status::OK();
  };
  if (!spec.empty() && spec[0] == '@') {
    std::string path = spec.substr(1);
    std::ifstream in(path);
    if (!in) return Status::NotFound("--hosts " + spec + ": cannot read " + path);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      RETURN_IF_ERROR(add(line, path + ":" + std::to_string(line_no)));
    }
  } else {
    std::stringstream in(spec);
    for (std::string h; std::getline(in, h, ',');) RETURN_IF_ERROR(add(h, "--hosts"));
  }
  if (hosts.empty()) return Status::InvalidArgument("--hosts " + spec + ": no hosts");
  return hosts;
}

Result<int> RunCapture(const std::vector<std::string>& argv, const std::string& input, std::string* out,
                       std::string* err) {
  ASSIGN_OR_RETURN(WorkerProcess p, Spawn(argv, argv.empty() ? "" : argv[0]));
  size_t written = 0;
  if (input.empty()) CloseFd(&p.to_fd);
  char buf[1 << 16];
  while (p.from_fd >= 0 || p.err_fd >= 0) {
    std::vector<pollfd> fds;
    if (p.from_fd >= 0) fds.push_back({p.from_fd, POLLIN, 0});
    if (p.err_fd >= 0) fds.push_back({p.err_fd, POLLIN, 0});
    if (p.to_fd >= 0) fds.push_back({p.to_fd, POLLOUT, 0});
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
    for (const pollfd& f : fds) {
      if (f.revents == 0) continue;
      if (f.fd == p.to_fd) {
        ssize_t n = ::write(p.to_fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) CloseFd(&p.to_fd);
        continue;
      }
      int* fd = f.fd == p.from_fd ? &p.from_fd : &p.err_fd;
      std::string* sink = f.fd == p.from_fd ? out : err;
      ssize_t n = ::read(*fd, buf, sizeof(buf));
      if (n > 0) {
        sink->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        CloseFd(fd);
      }
    }
  }
  CloseFd(&p.to_fd);
  return WaitChild(p.pid);
}

std::string LastLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

int WaitExit(WorkerProcess* w, int wait_ms) {
  if (w->pid <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(w->pid, &status, WNOHANG);
    if (r == w->pid) {
      w->pid = -1;
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Stop(WorkerProcess* w, int grace_ms) {
  CloseFd(&w->to_fd);
  CloseFd(&w->from_fd);
  CloseFd(&w->err_fd);
  if (w->pid <= 0) return;
  auto reaped = [&] {
    int status;
    pid_t r = waitpid(w->pid, &status, WNOHANG);
    return r == w->pid || (r < 0 && errno == ECHILD);
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (!reaped()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-w->pid, SIGKILL);
      waitpid(w->pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  w->pid = -1;
}

}  // namespace fanout::cluster
