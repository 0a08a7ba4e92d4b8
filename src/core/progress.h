// ProgressBar: a one-line live display on stderr (bytes, rows, GB/s, ETA), only
// when stderr is a terminal. It polls counters from its own thread, so the hot
// path only bumps relaxed atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace fanout {

class ProgressBar {
 public:
  // Starts drawing if `enabled` and stderr is a terminal. The counters must
  // outlive the bar.
  ProgressBar(bool enabled, uint64_t total_bytes, const std::atomic<uint64_t>* bytes,
              const std::atomic<uint64_t>* rows);
  ~ProgressBar();  // stops and erases the line

  void Stop();
  // Text shown after the figures (e.g. per-worker task counts); thread-safe.
  void SetDetail(const std::string& detail);

 private:
  void Loop();
  void Draw();

  uint64_t total_;
  const std::atomic<uint64_t>* bytes_;
  const std::atomic<uint64_t>* rows_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool drawn_ = false;
  std::string detail_;
  std::thread thread_;
};

}  // namespace fanout
