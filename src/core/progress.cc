#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/bytes.h"
#include "core/strings.h"

namespace fanout {

namespace {
constexpr auto kRedrawInterval = std::chrono::milliseconds(200);
constexpr int kBarWidth = 24;
}  // namespace

ProgressBar::ProgressBar(bool enabled, uint64_t total_bytes, const std::atomic<uint64_t>* bytes,
                         const std::atomic<uint64_t>* rows, const std::atomic<uint64_t>* rows_bytes)
    : total_(total_bytes), bytes_(bytes), rows_(rows), rows_bytes_(rows_bytes), start_(std::chrono::steady_clock::now()) {
  if (enabled && ::isatty(STDERR_FILENO)) thread_ = std::thread([this] { Loop(); });
}

ProgressBar::~ProgressBar() { Stop(); }

void ProgressBar::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void ProgressBar::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, kRedrawInterval, [this] { return stop_; })) Draw();
}

void ProgressBar::SetDetail(const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  detail_ = ForTerminal(detail);  // worker names and states: nothing raw on the terminal
}

std::string ProgressBar::RowsText(uint64_t bytes, uint64_t rows, uint64_t rows_bytes, bool scaled) {
  if (!scaled || rows_bytes == 0 || rows_bytes >= bytes) return CountOf(rows, "row");
  double per_byte = static_cast<double>(rows) / static_cast<double>(rows_bytes);
  auto estimate = static_cast<uint64_t>(static_cast<double>(rows) + per_byte * static_cast<double>(bytes - rows_bytes));
  return "~" + CountOf(estimate, "row");
}

std::string ProgressBar::Compose() const {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  uint64_t done = bytes_->load(std::memory_order_relaxed);
  double frac = total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  int filled = static_cast<int>(frac * kBarWidth);
  std::string bar(filled, '#');
  bar.append(kBarWidth - filled, '.');
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string eta = rate > 0 && done < total_ ? FormatSeconds(static_cast<double>(total_ - done) / rate) : "-";
  std::string rows;
  if (rows_ != nullptr) {
    uint64_t counted = rows_bytes_ != nullptr ? rows_bytes_->load(std::memory_order_relaxed) : 0;
    rows = "  " + RowsText(done, rows_->load(std::memory_order_relaxed), counted, rows_bytes_ != nullptr);
  }
  constexpr size_t kMaxDetail = 90;
  std::string detail = detail_.size() > kMaxDetail ? detail_.substr(0, kMaxDetail - 3) + "..." : detail_;
  char line[512];
  std::snprintf(line, sizeof(line), "[%s] %3.0f%% %s / %s%s  %s/s  ETA %s%s%s", bar.c_str(), frac * 100,
                FormatBytes(done).c_str(), FormatBytes(total_).c_str(), rows.c_str(),
                FormatBytes(static_cast<uint64_t>(rate)).c_str(), eta.c_str(), detail.empty() ? "" : "  ",
                detail.c_str());
  return line;
}

void ProgressBar::Draw() {
  std::fprintf(stderr, "\r\033[K%s", Compose().c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace fanout
