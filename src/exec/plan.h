// Plan: the listing turned into tasks. One task is a whole object, or a byte
// range of a large uncompressed object; tasks run largest first.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "io/object_store.h"

namespace fanout::exec {

constexpr uint64_t kDefaultRangeBytes = 64ull << 20;

struct ObjectPlan {
  io::ObjectInfo info;
  io::Compression compression = io::Compression::kNone;
};

struct Task {
  uint32_t object = 0;       // index into Plan::objects
  uint32_t range = 0;        // 0-based range number within the object
  uint32_t ranges = 1;       // how many ranges the object was split into
  uint64_t begin = 0;        // content offsets: the task owns rows starting in [begin, end)
  uint64_t end = 0;
  uint64_t stored_bytes = 0; // bytes of storage this task accounts for (progress, ordering)
};

struct Plan {
  std::vector<ObjectPlan> objects;
  std::vector<Task> tasks;  // largest first
  uint64_t total_bytes = 0;
};

// Detects each object's compression and splits uncompressed objects larger than
// `range_bytes` into ranges. Fails with the first object that cannot be read.
Result<Plan> MakePlan(std::vector<io::ObjectInfo> objects, uint64_t range_bytes);

}  // namespace fanout::exec
