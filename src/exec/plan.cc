#include "exec/plan.h"

#include "exec/format.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

namespace fanout::exec {

namespace {

// Remote objects each cost a round trip to detect (tens of ms on S3): 138 keys
// one after another would add seconds before any work starts.
constexpr size_t kDetectThreads = 16;

// A format's magic bytes are at most this long (Parquet's "PAR1": 4).
constexpr size_t kHeadBytes = 8;

std::vector<Result<io::Head>> DetectAll(io::Store& store, const std::vector<io::ObjectInfo>& objects) {
  std::vector<Result<io::Head>> out(objects.size(), Status::OK());
  bool remote = std::any_of(objects.begin(), objects.end(), [](const io::ObjectInfo& o) { return io::IsRemote(o); });
  size_t threads = remote ? std::min(kDetectThreads, objects.size()) : 1;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < objects.size();) out[i] = io::ReadHead(store, objects[i], kHeadBytes);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return out;
}

}  // namespace

std::vector<Task> SplitIntoTasks(const std::vector<ObjectPlan>& objects, uint64_t range_bytes) {
  std::vector<Task> tasks;
  for (uint32_t o = 0; o < objects.size(); ++o) FormatOf(objects[o]).Split(o, objects[o], range_bytes, &tasks);
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const Task& a, const Task& b) { return a.stored_bytes > b.stored_bytes; });
  return tasks;
}

Result<Plan> MakePlan(std::shared_ptr<io::Store> store, std::vector<io::ObjectInfo> objects, uint64_t range_bytes) {
  if (range_bytes == 0) return Status::InvalidArgument("--range-size must be at least 1 byte");
  Plan plan;
  std::vector<Result<io::Head>> detected = DetectAll(*store, objects);
  plan.store = std::move(store);
  for (size_t i = 0; i < objects.size(); ++i) {
    ASSIGN_OR_RETURN(io::Head head, std::move(detected[i]));  // the first failure in listing order
    plan.total_bytes += objects[i].size;
    // A compressed object's content is text to be decompressed: CSV.
    std::string format(head.compression == io::Compression::kNone ? DetectFormat(head.bytes).Name() : "csv");
    plan.objects.push_back({std::move(objects[i]), head.compression, std::move(format)});
  }
  plan.tasks = SplitIntoTasks(plan.objects, range_bytes);
  return plan;
}

}  // namespace fanout::exec
