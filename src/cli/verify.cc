#include "cli/verify.h"

#include <algorithm>
#include <limits>
#include <random>
#include <set>

#include "core/bytes.h"
#include "core/strings.h"
#include "exec/local_executor.h"

namespace fanout::cli {

std::vector<uint32_t> ChooseVerified(const exec::Plan& plan, double fraction, uint64_t seed) {
  std::set<uint32_t> objects;
  if (plan.tasks.empty()) return {};
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution take(std::clamp(fraction, 0.0, 1.0));
  for (const exec::Task& t : plan.tasks) {
    if (take(rng)) objects.insert(t.object);
  }
  if (objects.empty()) objects.insert(plan.tasks[rng() % plan.tasks.size()].object);
  return {objects.begin(), objects.end()};
}

Status VerifyObjects(const exec::Plan& plan, const exec::QueryJob& job, const std::vector<uint32_t>& objects,
                     int threads, std::string* note) {
  exec::Plan whole;
  whole.store = plan.store;
  for (uint32_t o : objects) {
    whole.objects.push_back(plan.objects[o]);
    whole.total_bytes += plan.objects[o].info.size;
  }
  whole.tasks = exec::SplitIntoTasks(whole.objects, std::numeric_limits<uint64_t>::max());
  exec::JobCommon common = job.common();
  common.scan.reference = true;
  common.scan.store = plan.store.get();
  ASSIGN_OR_RETURN(std::unique_ptr<exec::QueryJob> reference, exec::QueryJob::Make(common, job.spec()));
  std::vector<uint32_t> all(whole.objects.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  reference->KeepObjects(all);
  exec::LocalOptions lo;
  lo.threads = threads;
  RETURN_IF_ERROR(exec::RunJobLocally(whole, *reference, lo).WithPrefix("--verify: the reference reader"));
  uint64_t tasks = 0;
  for (size_t i = 0; i < objects.size(); ++i) {
    const uint32_t o = objects[i];
    std::vector<std::string> numbers;
    for (uint32_t t = 0; t < plan.tasks.size(); ++t) {
      if (plan.tasks[t].object == o) numbers.push_back(std::to_string(t));
    }
    tasks += numbers.size();
    auto got = job.kept().find(o);
    auto want = reference->kept().find(static_cast<uint32_t>(i));
    if (got == job.kept().end() || want == reference->kept().end()) {
      return Status::Internal("--verify: no result kept for " + plan.objects[o].info.url);
    }
    std::string diff = ops::Difference(want->second, got->second);
    if (!diff.empty()) {
      return Status::Corrupt("--verify: " + plan.objects[o].info.url + " (" +
                             (numbers.size() == 1 ? "task " : "tasks ") + Join(numbers, ", ") +
                             ") differs from the reference reader: " + diff);
    }
  }
  *note = ", " + CountOf(objects.size(), "object") + " (" + CountOf(tasks, "task") + ") verified";
  return Status::OK();
}

}  // namespace fanout::cli
