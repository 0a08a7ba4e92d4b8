#include "ops/group_memory.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>

#include "core/bytes.h"

namespace fanout::ops {

namespace {

std::atomic<int64_t> g_used{0};
std::atomic<uint64_t> g_limit{0};  // 0: not set, the default applies

// cgroup v2's memory.max for this process's group ("max" when unlimited), or 0.
uint64_t CgroupLimit() {
  std::ifstream f("/sys/fs/cgroup/memory.max");
  std::string text;
  if (!(f >> text) || text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoull(text);
}

}  // namespace

uint64_t DefaultGroupMemoryLimit() {
  static const uint64_t limit = [] {
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    uint64_t bytes = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
    uint64_t cg = CgroupLimit();
    if (cg > 0 && (bytes == 0 || cg < bytes)) bytes = cg;
    constexpr uint64_t kFallback = uint64_t{4} << 30;  // when the system will not say
    return bytes == 0 ? kFallback : bytes / 2;
  }();
  return limit;
}

void SetGroupMemoryLimit(uint64_t bytes) { g_limit.store(bytes, std::memory_order_relaxed); }

uint64_t GroupMemoryLimit() {
  uint64_t l = g_limit.load(std::memory_order_relaxed);
  return l == 0 ? DefaultGroupMemoryLimit() : l;
}

uint64_t GroupMemoryUsed() {
  int64_t used = g_used.load(std::memory_order_relaxed);
  return used > 0 ? static_cast<uint64_t>(used) : 0;
}

bool GroupMemoryOverLimit() { return GroupMemoryUsed() > GroupMemoryLimit(); }

Status GroupMemoryError() {
  return Status::Unsupported("too many groups: their tables need more than " + FormatBytes(GroupMemoryLimit()) +
                             " of memory (--max-group-memory raises the limit; the default is half of the "
                             "machine's memory)");
}

GroupMemoryCharge& GroupMemoryCharge::operator=(GroupMemoryCharge&& o) noexcept {
  if (this != &o) {
    Set(0);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

void GroupMemoryCharge::Set(size_t bytes) {
  if (bytes == bytes_) return;
  g_used.fetch_add(static_cast<int64_t>(bytes) - static_cast<int64_t>(bytes_), std::memory_order_relaxed);
  bytes_ = bytes;
}

}  // namespace fanout::ops
