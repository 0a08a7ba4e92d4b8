// Plan: the listing turned into tasks. One task is a whole object, or a byte
// range of a large uncompressed object; tasks run largest first.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "csv/chain.h"
#include "io/object_store.h"
#include "io/store.h"

namespace fanout::exec {

constexpr uint64_t kDefaultRangeBytes = 64ull << 20;

struct ObjectPlan {
  io::ObjectInfo info;
  io::Compression compression = io::Compression::kNone;
  std::string format = "csv";  // its Format's name (exec/format.h)
};

struct Task {
  uint32_t object = 0;       // index into Plan::objects
  uint32_t range = 0;        // 0-based range number within the object
  uint32_t ranges = 1;       // how many ranges the object was split into
  uint64_t begin = 0;        // content offsets: the task owns rows starting in [begin, end)
  uint64_t end = 0;
  uint64_t stored_bytes = 0; // bytes of storage this task accounts for (progress, ordering)
};

// An object that is a staged piece (a stage://NAME input): who holds it and
// how to make it again from its source (exec/stage.h).
struct StagedPiece {
  std::string holder;          // "local", or the host (as given to --hosts) that holds it
  uint32_t piece = 0;          // its number within the stage (names its file)
  ObjectPlan source;           // the object it was selected from
  Task source_task;            // the range of the source it holds (.object is meaningless)
  csv::RangeStart start;       // what that range was read assuming
};

struct Plan {
  std::vector<ObjectPlan> objects;
  std::vector<Task> tasks;  // largest first
  uint64_t total_bytes = 0;
  // For stage://NAME inputs: the stage's name and, per object, its piece.
  std::string stage;
  std::vector<StagedPiece> staged;
  // The store the objects were listed through, to read them through (null in a
  // plan made by hand). A plan's copies share it.
  std::shared_ptr<io::Store> store;
};

// The tasks of `objects`, with no I/O, as each object's Format splits it
// (exec/format.h). For CSV: a compressed object, or one of at most
// `range_bytes`, is one task reading it whole (begin 0, end UINT64_MAX); a larger
// uncompressed one is ceil(size / range_bytes) ranges [r * range_bytes,
// min(size, (r + 1) * range_bytes)), the last one shorter. Tasks are ordered
// largest first (stored bytes), ties in listing order. REQUIRES: range_bytes > 0.
std::vector<Task> SplitIntoTasks(const std::vector<ObjectPlan>& objects, uint64_t range_bytes);

// Detects each object's compression and format (from its first bytes, read
// through `store`, which the plan keeps; exec/format.h), then splits the
// objects with SplitIntoTasks. Fails with the first object, in listing order,
// that cannot be read, and with InvalidArgument for a `range_bytes` of 0.
Result<Plan> MakePlan(std::shared_ptr<io::Store> store, std::vector<io::ObjectInfo> objects, uint64_t range_bytes);

}  // namespace fanout::exec
