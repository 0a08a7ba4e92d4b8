// TempFiles: the temporary files a command is writing, removed when it fails
// (the destructor) or is interrupted: on SIGINT, SIGTERM or SIGHUP they are
// removed and the process then ends by that signal, as it would have without
// them (so the shell sees the usual status, 130 for Ctrl-C).
#pragma once

#include <signal.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "exec/object_outputs.h"

namespace fanout::cli {

class TempFiles final : public exec::TempRegistry {
 public:
  // Blocks those signals in the calling thread — and so in every thread it
  // starts from now on, which must be all the command's threads — and starts a
  // thread that waits for them. Make one before starting any other thread.
  TempFiles();
  // Removes the files still registered, stops the waiting thread and unblocks
  // the signals.
  ~TempFiles();
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;

  // Registers `path` before it is created. Thread-safe.
  void Add(const std::string& path) override;
  // Unregisters it: renamed into place, or removed. Thread-safe.
  void Forget(const std::string& path) override;

 private:
  void Wait();  // the waiting thread

  sigset_t signals_, old_mask_;
  int signal_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::mutex mu_;
  std::set<std::string> paths_;  // guarded by mu_
  std::thread waiter_;
};

}  // namespace fanout::cli
