#include "exec/local_executor.h"

#include <mutex>
#include <thread>
#include <vector>

namespace fanout::exec {

namespace {

// A task's result while its object's other ranges are still running.
struct Slot {
  std::unique_ptr<TaskOutput> output;
  Status status;
  const Task* task = nullptr;
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
    // Only a task that starts an object knows its start state for sure.
    Result<std::unique_ptr<TaskOutput>> r = run_(task, false);
    if (task.ranges == 1) {
      if (!r.ok()) return r.status();
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

  // All ranges are done: check the chain of quote states, re-run wrong guesses,
  // then commit in range order.
  Status FinishObject(int thread, ObjectState& o) {
    bool state = false;  // the content starts outside quotes
    for (Slot& s : o.slots) {
      if (state) {
        // Every range first ran assuming it starts outside quotes; this one
        // starts inside a quoted field, so its result (or error) is void.
        Result<std::unique_ptr<TaskOutput>> r = run_(*s.task, state);
        if (!r.ok()) return r.status();
        s.output = std::move(r).value();
      } else if (s.output == nullptr) {
        return s.status;
      }
      state = s.output->end_in_quote;
    }
    for (Slot& s : o.slots) RETURN_IF_ERROR(commit_(thread, *s.task, std::move(s.output)));
    return Status::OK();
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

int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace fanout::exec
