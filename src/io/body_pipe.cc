#include "io/body_pipe.h"

#include <algorithm>

namespace fanout::io {

BodyPipe::BodyPipe(Fetch fetch, size_t max_buffered)
    : max_buffered_(std::max<size_t>(1, max_buffered)), thread_([this, f = std::move(fetch)] { Run(f); }) {}

BodyPipe::~BodyPipe() {
  cancel_.store(true, std::memory_order_relaxed);
  cv_.notify_all();
  thread_.join();
}

void BodyPipe::Run(const Fetch& fetch) {
  HttpClient client;
  Status st = fetch(&client, [this](const char* data, size_t n) { return Push(data, n); }, &cancel_);
  std::lock_guard<std::mutex> lock(mu_);
  status_ = std::move(st);
  done_ = true;
  cv_.notify_all();
}

bool BodyPipe::Push(const char* data, size_t n) {
  if (n == 0) return !cancel_.load(std::memory_order_relaxed);  // an empty chunk would read as the end
  std::unique_lock<std::mutex> lock(mu_);
  // A chunk larger than the bound still goes in once the queue is empty.
  cv_.wait(lock, [&] { return cancel_.load(std::memory_order_relaxed) || buffered_ == 0 || buffered_ + n <= max_buffered_; });
  if (cancel_.load(std::memory_order_relaxed)) return false;
  chunks_.emplace_back(data, n);
  buffered_ += n;
  cv_.notify_all();
  return true;
}

Result<std::string_view> BodyPipe::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !chunks_.empty() || done_; });
  if (chunks_.empty()) {
    if (!status_.ok()) return status_;
    return std::string_view();
  }
  current_ = std::move(chunks_.front());
  chunks_.pop_front();
  buffered_ -= current_.size();
  cv_.notify_all();
  return std::string_view(current_);
}

}  // namespace fanout::io
