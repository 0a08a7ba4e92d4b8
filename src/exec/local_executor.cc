#include "exec/local_executor.h"

#include <mutex>
#include <thread>
#include <vector>

#include "core/cpu.h"

namespace fanout::exec {

namespace {

// A task's result while its object's other ranges are still running.
struct Slot {
  std::unique_ptr<TaskOutput> output;
  Status status;
  const Task* task = nullptr;
  csv::RangeStart tried;  // the start of its last run
};

struct ObjectState {
  std::mutex mu;
  std::vector<Slot> slots;  // by range number
  uint32_t remaining = 0;
};

class Runner {
 public:
  Runner(const Plan& plan, const ExecOptions& options, const RunFn& run, const CommitFn& commit)
      : plan_(plan), options_(options), run_(run), commit_(commit), objects_(plan.objects.size()) {
    cancel_ = options.cancel != nullptr ? options.cancel : &own_cancel_;
    for (const Task& t : plan.tasks) {
      ObjectState& o = objects_[t.object];
      o.slots.resize(t.ranges);
      o.remaining = t.ranges;
    }
  }

  Status Run() {
    int n = std::max(1, options_.threads);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back([this, i] { Work(i); });
    for (std::thread& t : threads) t.join();
    return first_error_;
  }

 private:
  void Work(int thread) {
    for (;;) {
      size_t i = next_.fetch_add(1);
      if (i >= plan_.tasks.size() || cancel_->load()) return;
      const Task& task = plan_.tasks[i];
      Status st = RunOne(thread, task);
      if (!st.ok()) Fail(st);
    }
  }

  Status RunOne(int thread, const Task& task) {
    Result<std::unique_ptr<TaskOutput>> r = run_(task, csv::RangeStart{});
    if (task.ranges == 1) {
      if (!r.ok()) return r.status();
      // One range: its own report settles its line end (it starts the object).
      const std::string& name = plan_.objects[task.object].info.url;
      RETURN_IF_ERROR(csv::CheckChain({(*r)->end}, name).status());
      Warn(name, {(*r)->end});
      return commit_(thread, task, std::move(r).value());
    }
    ObjectState& o = objects_[task.object];
    {
      std::lock_guard<std::mutex> lock(o.mu);
      Slot& s = o.slots[task.range];
      s.task = &task;
      if (r.ok()) {
        s.output = std::move(r).value();
      } else {
        s.status = r.status();
      }
      if (--o.remaining > 0) return Status::OK();
    }
    return FinishObject(thread, o);
  }

  // All ranges are done: check their chain, re-run wrong guesses, then commit in
  // range order. A range that failed under a wrong guess is run again too.
  Status FinishObject(int thread, ObjectState& o) {
    const std::string& name = plan_.objects[o.slots[0].task->object].info.url;
    for (;;) {
      std::vector<csv::RangeEnd> ends;
      for (Slot& s : o.slots) {
        if (s.output == nullptr) break;  // failed: its error stands unless a rerun replaces it
        ends.push_back(s.output->end);
      }
      ASSIGN_OR_RETURN(csv::ChainVerdict v, csv::CheckChain(ends, name));
      if (v.rerun == o.slots.size()) break;
      Slot& s = o.slots[v.rerun];
      if (s.output == nullptr && s.tried == v.start) return s.status;  // it failed under the right start
      s.tried = v.start;
      Result<std::unique_ptr<TaskOutput>> r = run_(*s.task, v.start);
      if (!r.ok()) return r.status();
      s.output = std::move(r).value();
    }
    std::vector<csv::RangeEnd> settled;
    for (const Slot& s : o.slots) settled.push_back(s.output->end);
    Warn(name, settled);
    for (Slot& s : o.slots) RETURN_IF_ERROR(commit_(thread, *s.task, std::move(s.output)));
    return Status::OK();
  }

  // A committed object's ranges say whether a row was skipped.
  void Warn(const std::string& object, const std::vector<csv::RangeEnd>& ranges) {
    std::string w = UnterminatedWarning(object, ranges);
    if (!w.empty() && options_.warnings != nullptr) options_.warnings->Add(std::move(w));
  }

  void Fail(const Status& st) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (first_error_.ok()) first_error_ = st;
    cancel_->store(true);
  }

  const Plan& plan_;
  const ExecOptions& options_;
  const RunFn& run_;
  const CommitFn& commit_;
  std::vector<ObjectState> objects_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> own_cancel_{false};
  std::atomic<bool>* cancel_;
  std::mutex error_mu_;
  Status first_error_;
};

}  // namespace

Status RunLocal(const Plan& plan, const ExecOptions& options, const RunFn& run, const CommitFn& commit) {
  Runner runner(plan, options, run, commit);
  return runner.Run();
}

int DefaultThreads() { return CoreCount(); }

}  // namespace fanout::exec
