// A launcher for unit tests of the coordinator: each worker is a thread of
// this process that speaks the protocol (docs/protocol.md) over socket pairs,
// as a script says — it says hello or never does, answers tasks through a
// callback, takes its time, or dies mid-job. No process, no ssh.
//
// A coordinator that writes to a fake worker that has gone gets EPIPE only
// where SIGPIPE is ignored, as the command line ignores it: tests that lose
// workers ignore it too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/launcher.h"
#include "cluster/messages.h"
#include "exec/job.h"

namespace fanout::cluster {

// What one fake worker does.
struct FakeWorker {
  std::string name;       // its slot's name (unique), and its host when remote
  bool remote = false;    // as a --hosts worker: one that never joins fails the job
  int cores = 1;          // said in its hello
  bool hello = true;      // false: it never says hello, and waits until stopped
  int die_after = -1;     // >= 0: it exits when a task arrives after it has answered this many
  int delay_ms = 0;       // it takes this long over each task
  std::string last_words; // written on its stderr as it exits
};

// Answers one task of `job`: the frame to send back (EncodeDone or EncodeFail).
// Called on the fake workers' threads, several at once.
using FakeAnswer = std::function<std::string(exec::Job& job, const TaskMsg& task)>;

class FakeLauncher final : public Launcher {
 public:
  // Must outlive the workers it starts (the job).
  FakeLauncher(std::vector<FakeWorker> workers, FakeAnswer answer);

  std::vector<WorkerSlot> Slots() const override;
  Result<std::unique_ptr<WorkerProcess>> Start(const WorkerSlot& slot) override;

  // The tasks worker `i` (as given) has answered so far. Thread-safe.
  int TasksAnswered(size_t i) const { return answered_[i]->load(); }

 private:
  std::vector<FakeWorker> workers_;
  FakeAnswer answer_;
  std::vector<std::unique_ptr<std::atomic<int>>> answered_;
};

}  // namespace fanout::cluster
