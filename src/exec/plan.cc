#include "exec/plan.h"

#include <algorithm>
#include <limits>

namespace fanout::exec {

Result<Plan> MakePlan(std::vector<io::ObjectInfo> objects, uint64_t range_bytes) {
  if (range_bytes == 0) return Status::InvalidArgument("--range-size must be at least 1 byte");
  Plan plan;
  for (io::ObjectInfo& info : objects) {
    ASSIGN_OR_RETURN(io::Compression c, io::DetectCompression(info));
    plan.total_bytes += info.size;
    plan.objects.push_back({std::move(info), c});
  }
  for (uint32_t o = 0; o < plan.objects.size(); ++o) {
    const ObjectPlan& obj = plan.objects[o];
    uint64_t size = obj.info.size;
    if (obj.compression != io::Compression::kNone || size <= range_bytes) {
      // Compressed content cannot be entered mid-stream: one task reads it all.
      plan.tasks.push_back({o, 0, 1, 0, std::numeric_limits<uint64_t>::max(), size});
      continue;
    }
    uint32_t n = static_cast<uint32_t>((size + range_bytes - 1) / range_bytes);
    for (uint32_t r = 0; r < n; ++r) {
      uint64_t b = r * range_bytes, e = std::min(size, b + range_bytes);
      plan.tasks.push_back({o, r, n, b, e, e - b});
    }
  }
  std::stable_sort(plan.tasks.begin(), plan.tasks.end(),
                   [](const Task& a, const Task& b) { return a.stored_bytes > b.stored_bytes; });
  return plan;
}

}  // namespace fanout::exec
