// Reading one byte range as several concurrent ranged GETs, handed back in order.
//
// One connection to S3 carries about 85-90 MB/s, so a scanner that consumes
// gigabytes per second needs several requests in flight per object. A
// PartWindow splits [begin, end) into parts (small first, doubling up to a
// maximum), keeps up to `window` of them in flight on a FetchPool (its store's), and
// returns them strictly in order. Memory is bounded by window x max part size.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "io/http.h"

namespace fanout::io {

// A fixed set of threads, each owning one HttpClient so that its connections
// are reused from request to request. Jobs run in submission order.
class FetchPool {
 public:
  using Job = std::function<void(HttpClient*)>;

  explicit FetchPool(int threads);
  ~FetchPool();  // finishes running jobs, drops queued ones
  FetchPool(const FetchPool&) = delete;
  FetchPool& operator=(const FetchPool&) = delete;

  void Submit(Job job);
  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  std::vector<std::thread> threads_;
};

struct PartPlan {
  uint64_t begin = 0, end = 0;        // the bytes to read
  uint64_t first_part = 64 << 10;     // parts start this small: the first bytes come back soon
  uint64_t max_part = 8 << 20;        // parts double from first_part up to this
  int window = 4;                     // parts fetched or held at once, the one being read included
  bool eager = false;                 // the whole window at once; else the first part alone until it is
                                      // consumed, so a reader that stops early (a header) costs one request
};

class PartWindow {
 public:
  // Appends bytes [from, to) of the object to *out; on error *out keeps what
  // arrived. Runs on a pool thread with that thread's client; returns promptly
  // (with any error) once *cancel is set.
  using Fetch = std::function<Status(HttpClient* client, uint64_t from, uint64_t to, std::string* out,
                                     const std::atomic<bool>* cancel)>;

  PartWindow(FetchPool* pool, Fetch fetch, const PartPlan& plan);
  ~PartWindow();  // cancels parts in flight and waits for the running ones
  PartWindow(const PartWindow&) = delete;
  PartWindow& operator=(const PartWindow&) = delete;

  // The next part's bytes, in order; an empty view at the end. The view stays
  // valid until the next call. A failed part's error is returned when its turn
  // comes, and again on every later call.
  Result<std::string_view> Next();

 private:
  struct Part;
  void Refill();

  FetchPool* pool_;
  std::shared_ptr<const Fetch> fetch_;
  PartPlan plan_;
  uint64_t next_from_;       // where the next part to submit starts
  uint64_t next_size_;
  bool first_consumed_ = false;
  std::deque<std::shared_ptr<Part>> in_flight_;
  std::shared_ptr<Part> current_;
  Status failed_;
};

}  // namespace fanout::io
