#include "exec/timeline.h"

#include <algorithm>
#include <limits>

#include "io/object_store.h"

namespace fanout::exec {

size_t TimelineRecorder::Start(const Plan& plan, uint32_t task, const std::string& host, int slot, bool backup,
                               bool rerun) {
  AttemptRecord a;
  a.task = task;
  if (task < plan.tasks.size()) {
    const Task& t = plan.tasks[task];
    a.begin = t.begin;
    // A whole object's task ends at the object's end (its range is "to the end").
    a.end = t.end == std::numeric_limits<uint64_t>::max() ? t.begin + t.stored_bytes : t.end;
    if (t.object < plan.objects.size()) {
      a.object = plan.objects[t.object].info.url;
      a.unsplittable = t.ranges == 1 && plan.objects[t.object].compression != io::Compression::kNone;
      a.remote = io::IsRemote(plan.objects[t.object].info);
    }
  }
  a.host = host;
  a.slot = slot;
  a.backup = backup;
  a.rerun = rerun;
  double now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (attempts_of_task_.size() <= task) attempts_of_task_.resize(task + 1);
  a.attempt = ++attempts_of_task_[task];
  a.start = a.finish = now;
  a.end_state = AttemptRecord::End::kCancelled;  // until Finish says otherwise
  t_.attempts.push_back(std::move(a));
  return t_.attempts.size() - 1;
}

void TimelineRecorder::Finish(size_t id, AttemptRecord::End end, uint64_t bytes, uint64_t rows, std::string error,
                              double run, double cpu) {
  double now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (id >= t_.attempts.size()) return;
  AttemptRecord& a = t_.attempts[id];
  a.finish = now;
  if (run >= 0) a.start = std::max(a.start, now - run);
  a.cpu = cpu;
  a.end_state = end;
  a.bytes = bytes;
  a.rows = rows;
  a.error = std::move(error);
}

void TimelineRecorder::MarkRestaged(size_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id < t_.attempts.size()) t_.attempts[id].restaged = true;
}

void TimelineRecorder::Supersede(size_t id, std::string why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id >= t_.attempts.size()) return;
  t_.attempts[id].end_state = AttemptRecord::End::kDuplicate;
  t_.attempts[id].error = std::move(why);
}

void TimelineRecorder::AddPhase(std::string name, double start, double end) {
  std::lock_guard<std::mutex> lock(mu_);
  t_.phases.push_back(PhaseRecord{std::move(name), start, end});
}

void TimelineRecorder::SetHost(const HostRecord& host) {
  std::lock_guard<std::mutex> lock(mu_);
  for (HostRecord& h : t_.hosts) {
    if (h.name == host.name) {
      h = host;
      return;
    }
  }
  t_.hosts.push_back(host);
}

void TimelineRecorder::SetRangeSize(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  t_.range_size = bytes;
}

Timeline TimelineRecorder::Snapshot() const {
  double now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  Timeline t = t_;
  t.wall = now;
  return t;
}

}  // namespace fanout::exec
