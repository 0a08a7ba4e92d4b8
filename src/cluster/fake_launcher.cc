#include "cluster/fake_launcher.h"

#include "exec/job_registry.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/subprocess.h"
#include "cluster/wire.h"

namespace fanout::cluster {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPollMs = 20;
constexpr auto kHeartbeatEvery = std::chrono::seconds(1);

// The fake worker's side of its three socket pairs, and what it runs.
class FakeThread {
 public:
  FakeThread(const FakeWorker& script, const FakeAnswer& answer, std::atomic<int>* answered, int in, int out, int err)
      : script_(script), answer_(answer), answered_count_(answered), in_(in), out_(out), err_(err) {}

  ~FakeThread() {
    for (int* fd : {&in_, &out_, &err_}) CloseFd(fd);
  }

  void Run(const std::atomic<bool>* stop) {
    stop_ = stop;
    if (script_.hello) {
      Hello h;
      h.cores = static_cast<uint32_t>(script_.cores);
      h.host = script_.name;
      h.fanout_version = FANOUT_VERSION;
      Send(EncodeHello(h));
    }
    Loop();
    if (!script_.last_words.empty()) ::send(err_, script_.last_words.data(), script_.last_words.size(), MSG_NOSIGNAL);
    for (int* fd : {&in_, &out_, &err_}) CloseFd(fd);  // the coordinator sees the end
  }

 private:
  // Until the coordinator says bye or closes our input, a stop, or a death.
  void Loop() {
    FrameReader reader;
    auto last_beat = Clock::now();
    char buf[1 << 16];
    while (!stop_->load()) {
      if (script_.hello && Clock::now() - last_beat >= kHeartbeatEvery) {
        last_beat = Clock::now();
        Send(EncodeEmpty(FrameType::kHeartbeat));
      }
      pollfd p{in_, POLLIN, 0};
      if (::poll(&p, 1, kPollMs) <= 0) continue;
      ssize_t n = ::recv(in_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      reader.Feed(buf, static_cast<size_t>(n));
      for (;;) {
        bool ready = false;
        FrameType type;
        std::string payload;
        if (!reader.Next(&ready, &type, &payload).ok()) return;
        if (!ready) break;
        if (!Handle(type, payload)) return;
      }
    }
  }

  // False: the worker ends here.
  bool Handle(FrameType type, const std::string& payload) {
    if (type == FrameType::kBye) return false;
    if (type == FrameType::kJob) {
      Result<std::unique_ptr<exec::Job>> job = exec::DecodeJob(payload);
      if (!job.ok()) return false;
      job_ = std::move(job).value();
      return true;
    }
    if (type != FrameType::kTask) return true;  // heartbeats, cancels: nothing to do
    Result<TaskMsg> task = DecodeTask(payload);
    if (!task.ok()) return false;
    if (script_.die_after >= 0 && answered_ >= script_.die_after) return false;
    if (!Wait(script_.delay_ms)) return false;
    ++answered_;
    answered_count_->fetch_add(1);
    if (job_ == nullptr) return false;  // a task before the job
    return Send(answer_(*job_, *task));
  }

  // Sleeps `ms`, or less when stopped (then false).
  bool Wait(int ms) {
    auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < until) {
      if (stop_->load()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  bool Send(const std::string& frame) {
    for (size_t done = 0; done < frame.size();) {
      ssize_t n = ::send(out_, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  const FakeWorker& script_;
  const FakeAnswer& answer_;
  std::atomic<int>* answered_count_;
  int in_, out_, err_;
  const std::atomic<bool>* stop_ = nullptr;
  std::unique_ptr<exec::Job> job_;
  int answered_ = 0;
};

// The coordinator's side: a thread to join instead of a process to reap.
class FakeProcess final : public WorkerProcess {
 public:
  FakeProcess(int to, int from, int err, std::unique_ptr<FakeThread> fake)
      : WorkerProcess(to, from, err), fake_(std::move(fake)) {
    thread_ = std::thread([this] {
      fake_->Run(&stop_);
      done_.store(true);
    });
  }
  ~FakeProcess() override { Stop(0); }

  int WaitExit(int wait_ms) override {
    auto until = Clock::now() + std::chrono::milliseconds(wait_ms);
    while (!done_.load() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done_.load() ? 0 : -1;
  }

  void Terminate() override { stop_.store(true); }

  void Stop(int) override {
    ClosePipes();
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::unique_ptr<FakeThread> fake_;
  std::atomic<bool> stop_{false}, done_{false};
  std::thread thread_;
};

// A connected pair: [0] ours (non-blocking, close-on-exec), [1] the fake's.
Status SocketPair(int fds[2]) {
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::IoError(std::string("socketpair: ") + std::strerror(errno));
  }
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return Status::OK();
}

}  // namespace

FakeLauncher::FakeLauncher(std::vector<FakeWorker> workers, FakeAnswer answer)
    : workers_(std::move(workers)), answer_(std::move(answer)) {
  for (size_t i = 0; i < workers_.size(); ++i) answered_.push_back(std::make_unique<std::atomic<int>>(0));
}

std::vector<WorkerSlot> FakeLauncher::Slots() const {
  std::vector<WorkerSlot> slots;
  for (const FakeWorker& w : workers_) slots.push_back({w.name, w.remote ? w.name : exec::kLocalHolder, w.remote});
  return slots;
}

Result<std::unique_ptr<WorkerProcess>> FakeLauncher::Start(const WorkerSlot& slot) {
  size_t i = 0;
  while (i < workers_.size() && workers_[i].name != slot.name) ++i;
  if (i == workers_.size()) return Status::InvalidArgument("no fake worker is called " + slot.name);
  int to[2], from[2], err[2];
  RETURN_IF_ERROR(SocketPair(to));
  if (Status st = SocketPair(from); !st.ok()) {
    for (int fd : to) ::close(fd);
    return st;
  }
  if (Status st = SocketPair(err); !st.ok()) {
    for (int fd : {to[0], to[1], from[0], from[1]}) ::close(fd);
    return st;
  }
  auto fake = std::make_unique<FakeThread>(workers_[i], answer_, answered_[i].get(), to[1], from[1], err[1]);
  return std::unique_ptr<WorkerProcess>(std::make_unique<FakeProcess>(to[0], from[0], err[0], std::move(fake)));
}

}  // namespace fanout::cluster
