// ProgressBar: a one-line live display on stderr (bytes, rows, GB/s, ETA), only
// when stderr is a terminal. It polls counters from its own thread, so the hot
// path only bumps relaxed atomics.
//
// Rows are counted when a task finishes, bytes as they are read; given the
// bytes of the finished tasks (`rows_bytes`), the bar shows rows so far as
// "~N rows", the finished tasks' rows per byte times the bytes read, so the
// figure keeps up with the bytes. The ETA is the bytes left at the rate so far.
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
  // outlive the bar; `rows` may be null (a job that does not count rows: none
  // shown), and so may `rows_bytes` (rows shown as counted).
  ProgressBar(bool enabled, uint64_t total_bytes, const std::atomic<uint64_t>* bytes,
              const std::atomic<uint64_t>* rows, const std::atomic<uint64_t>* rows_bytes = nullptr);
  ~ProgressBar();  // stops and erases the line

  void Stop();
  // Text shown after the figures (e.g. per-worker task counts); thread-safe.
  void SetDetail(const std::string& detail);

  // "1,234 rows" when every read byte is counted, else "~N rows" scaled from
  // the counted tasks (see above).
  static std::string RowsText(uint64_t bytes, uint64_t rows, uint64_t rows_bytes, bool scaled);

 private:
  void Loop();
  void Draw();            // with mu_ held
  std::string Compose() const;  // with mu_ held

  uint64_t total_;
  const std::atomic<uint64_t>* bytes_;
  const std::atomic<uint64_t>* rows_;
  const std::atomic<uint64_t>* rows_bytes_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;    // guarded by mu_
  bool drawn_ = false;   // guarded by mu_
  std::string detail_;   // guarded by mu_
  std::thread thread_;
};

}  // namespace fanout
