#include "io/part_window.h"

#include <algorithm>

namespace fanout::io {

FetchPool::FetchPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

FetchPool::~FetchPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void FetchPool::Submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void FetchPool::Loop() {
  HttpClient client;
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job(&client);
  }
}

namespace {

// Part buffers outlive their windows: a fresh multi-megabyte buffer costs a page
// fault per 4 KiB when it is first filled, which at GB/s is a large share of the
// work. Consumed buffers wait here (a bounded number) for the next part.
class BufferShelf {
 public:
  std::string Take(size_t capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t best = shelf_.size();  // the smallest that fits, so big parts find big buffers
    for (size_t i = 0; i < shelf_.size(); ++i) {
      if (shelf_[i].capacity() >= capacity && (best == shelf_.size() || shelf_[i].capacity() < shelf_[best].capacity())) {
        best = i;
      }
    }
    if (best == shelf_.size()) return {};
    std::string s = std::move(shelf_[best]);
    shelf_[best] = std::move(shelf_.back());
    shelf_.pop_back();
    return s;
  }

  void Give(std::string s, size_t keep) {
    s.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (shelf_.size() < keep) {
      shelf_.push_back(std::move(s));
    } else {  // full: let the smallest go
      auto smallest = std::min_element(shelf_.begin(), shelf_.end(),
                                       [](const std::string& a, const std::string& b) { return a.capacity() < b.capacity(); });
      if (smallest != shelf_.end() && smallest->capacity() < s.capacity()) *smallest = std::move(s);
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::string> shelf_;  // guarded by mu_
};

BufferShelf* Shelf() {
  static BufferShelf* shelf = new BufferShelf;  // never destroyed: windows of any store use it
  return shelf;
}

}  // namespace

// One part's state, shared by the window and the pool job that fills it.
struct PartWindow::Part {
  uint64_t from = 0, to = 0;
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, done = false;  // guarded by mu
  std::string data;                    // guarded by mu
  Status status;                       // guarded by mu
};

PartWindow::PartWindow(FetchPool* pool, Fetch fetch, const PartPlan& plan)
    : pool_(pool),
      fetch_(std::make_shared<const Fetch>(std::move(fetch))),
      plan_(plan),
      next_from_(plan.begin),
      next_size_(std::max<uint64_t>(1, plan.first_part)) {
  plan_.window = std::max(1, plan_.window);
  plan_.max_part = std::max(plan_.max_part, next_size_);
}

PartWindow::~PartWindow() {
  for (auto& p : in_flight_) p->cancel.store(true, std::memory_order_relaxed);
  for (auto& p : in_flight_) {
    std::unique_lock<std::mutex> lock(p->mu);
    p->cv.wait(lock, [&] { return !p->started || p->done; });  // queued ones are skipped when their turn comes
  }
}

void PartWindow::Refill() {
  size_t want = first_consumed_ || plan_.eager ? static_cast<size_t>(plan_.window) : 1;
  while (in_flight_.size() < want && next_from_ < plan_.end) {
    auto part = std::make_shared<Part>();
    part->from = next_from_;
    part->to = std::min(plan_.end, next_from_ + next_size_);
    next_from_ = part->to;
    next_size_ = std::min(next_size_ * 2, plan_.max_part);
    part->data = Shelf()->Take(part->to - part->from);
    in_flight_.push_back(part);
    pool_->Submit([part, fetch = fetch_](HttpClient* client) {
      {
        std::lock_guard<std::mutex> lock(part->mu);
        if (part->cancel.load(std::memory_order_relaxed)) {
          part->done = true;
          part->cv.notify_all();
          return;
        }
        part->started = true;
      }
      part->data.reserve(part->to - part->from);
      Status st = (*fetch)(client, part->from, part->to, &part->data, &part->cancel);
      std::lock_guard<std::mutex> lock(part->mu);
      part->status = std::move(st);
      part->done = true;
      part->cv.notify_all();
    });
  }
}

Result<std::string_view> PartWindow::Next() {
  if (!failed_.ok()) return failed_;
  if (current_ != nullptr) {
    Shelf()->Give(std::move(current_->data), 2 * static_cast<size_t>(pool_->threads()) + 4);
    current_.reset();
    first_consumed_ = true;
  }
  Refill();
  if (in_flight_.empty()) return std::string_view();
  std::shared_ptr<Part> part = in_flight_.front();
  {
    std::unique_lock<std::mutex> lock(part->mu);
    part->cv.wait(lock, [&] { return part->done; });
  }
  in_flight_.pop_front();
  if (!part->status.ok()) {
    failed_ = part->status;
    return failed_;
  }
  if (part->data.size() != part->to - part->from) {
    failed_ = Status::Internal("a part of " + std::to_string(part->to - part->from) + " bytes came back with " +
                               std::to_string(part->data.size()));
    return failed_;
  }
  current_ = std::move(part);
  return std::string_view(current_->data);
}

}  // namespace fanout::io
