#include "cli/temp_files.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace fanout::cli {

TempFiles::TempFiles() {
  sigemptyset(&signals_);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals_, s);
  pthread_sigmask(SIG_BLOCK, &signals_, &old_mask_);
  signal_fd_ = ::signalfd(-1, &signals_, SFD_CLOEXEC);
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
  if (signal_fd_ >= 0 && stop_pipe_[0] >= 0) {
    waiter_ = std::thread([this] { Wait(); });
  } else {  // cannot watch: leave the signals as they were (their default ends the process)
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
}

TempFiles::~TempFiles() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& p : paths_) ::unlink(p.c_str());
    paths_.clear();
  }
  if (waiter_.joinable()) {
    char byte = 0;
    while (::write(stop_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
    }
    waiter_.join();
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  for (int fd : {signal_fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

void TempFiles::Add(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  paths_.insert(path);
}

void TempFiles::Forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  paths_.erase(path);
}

void TempFiles::Wait() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;  // the command is done
    signalfd_siginfo info;
    if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
    // The lock is never given back: no thread registers (or creates) another
    // file between this and the end of the process.
    mu_.lock();
    for (const std::string& p : paths_) ::unlink(p.c_str());
    int sig = static_cast<int>(info.ssi_signo);
    ::signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);  // (not reached: the default action ends the process)
  }
}

}  // namespace fanout::cli
