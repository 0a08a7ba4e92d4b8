// The memory of this process's group tables, against one limit (--max-group-memory),
// so that a group-by over too many distinct keys fails with an error naming the
// flag before the machine runs out of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/status.h"

namespace fanout::ops {

// Half of this machine's memory (or of the cgroup's limit, when lower).
uint64_t DefaultGroupMemoryLimit();
// Sets the limit for this process; 0 restores the default.
void SetGroupMemoryLimit(uint64_t bytes);
uint64_t GroupMemoryLimit();
// The bytes all group tables of this process hold now.
uint64_t GroupMemoryUsed();
// True when they hold more than the limit.
bool GroupMemoryOverLimit();
// The error for that: names the limit and the flag that raises it.
Status GroupMemoryError();

// Bytes charged to the process's total by one table, given back when it goes.
// A copy starts at zero and charges its own bytes at its first Set; a move
// takes the charge along.
class GroupMemoryCharge {
 public:
  GroupMemoryCharge() = default;
  GroupMemoryCharge(const GroupMemoryCharge&) {}
  GroupMemoryCharge& operator=(const GroupMemoryCharge&) { return *this; }
  GroupMemoryCharge(GroupMemoryCharge&& o) noexcept : bytes_(std::exchange(o.bytes_, 0)) {}
  GroupMemoryCharge& operator=(GroupMemoryCharge&& o) noexcept;
  ~GroupMemoryCharge() { Set(0); }

  // The table now holds `bytes`: charges (or gives back) the difference.
  void Set(size_t bytes);

 private:
  size_t bytes_ = 0;
};

}  // namespace fanout::ops
