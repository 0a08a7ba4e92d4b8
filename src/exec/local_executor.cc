#include "exec/local_executor.h"

#include <mutex>
#include <thread>
#include <vector>

#include "exec/range_chain.h"
#include "core/cpu.h"

namespace fanout::exec {

namespace {

// One object's ranges as they finish. Set up before any task runs; then
// guarded by mu until `remaining` reaches 0, when the task that finished the
// last range owns it (it settles the chain and commits).
struct ObjectState {
  std::mutex mu;
  RangeChain chain;
  std::vector<Status> failed;           // by range: the error of its last run, if it failed
  std::vector<csv::RangeStart> tried;   // by range: the start of its last run
  std::vector<const Task*> tasks;       // by range
  uint32_t remaining = 0;
};

class Runner {
 public:
  Runner(const Plan& plan, Job& job, const LocalOptions& options)
      : plan_(plan), job_(job), options_(options), objects_(plan.objects.size()) {
    cancel_ = options.cancel != nullptr ? options.cancel : &own_cancel_;
    for (const Task& t : plan.tasks) {
      ObjectState& o = objects_[t.object];
      if (o.tasks.empty()) {
        o.chain.Reset(t.ranges);
        o.failed.resize(t.ranges);
        o.tried.resize(t.ranges);
        o.tasks.resize(t.ranges);
        o.remaining = t.ranges;
      }
      o.tasks[t.range] = &t;
    }
  }

  Status Run() {
    int n = std::max(1, options_.threads);
    RETURN_IF_ERROR(job_.Prepare(options_.env));
    job_.SetSlots(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back([this, i] { Work(i); });
    for (std::thread& t : threads) t.join();
    RETURN_IF_ERROR(first_error_);
    return job_.Finish();
  }

 private:
  void Work(int slot) {
    for (;;) {
      size_t i = next_.fetch_add(1);
      if (i >= plan_.tasks.size() || cancel_->load()) return;
      Status st = RunOne(slot, static_cast<uint32_t>(i));
      if (!st.ok()) Fail(st);
    }
  }

  // Runs a task, again after a failure the options allow to be retried.
  Result<std::unique_ptr<TaskOutput>> Attempt(uint32_t index, csv::RangeStart start, csv::RangeEnd* end) {
    const Task& task = plan_.tasks[index];
    int io_failures = 0, command_failures = 0;
    for (;;) {
      TaskContext ctx{plan_.objects[task.object], task, index, start, options_.progress, cancel_, end};
      Result<std::unique_ptr<TaskOutput>> r = job_.RunTask(ctx);
      if (r.ok() || cancel_->load()) return r;
      int failures = 0, limit = 0;
      if (r.status().code() == StatusCode::kCommandFailed) {
        failures = ++command_failures;
        limit = options_.command_attempts;
      } else if (r.status().code() == StatusCode::kIoError) {
        failures = ++io_failures;
        limit = options_.io_attempts;
      } else {
        return r;
      }
      if (failures >= std::max(limit, 1)) {
        if (limit <= 1) return r;
        return Status(r.status().code(),
                      r.status().message() + " (failed " + std::to_string(failures) + " times; giving up)");
      }
      if (options_.on_retry) options_.on_retry(failures + 1, limit, r.status());
    }
  }

  Status RunOne(int slot, uint32_t index) {
    const Task& task = plan_.tasks[index];
    ObjectState& o = objects_[task.object];
    csv::RangeEnd end;
    Result<std::unique_ptr<TaskOutput>> r = Attempt(index, csv::RangeStart{}, &end);
    // A whole object's failure is its answer: the start it assumed is the truth.
    if (!r.ok() && task.ranges == 1) return r.status();
    {
      std::lock_guard<std::mutex> lock(o.mu);
      if (r.ok()) {
        o.chain.Put(task.range, index, &task, end, std::move(r).value(), kLocalHolder);
      } else {
        o.failed[task.range] = r.status();
      }
      if (--o.remaining > 0) return Status::OK();
    }
    return FinishObject(slot, task.object);
  }

  // All ranges are done: settle their chain, re-running wrong guesses (a range
  // that failed under a wrong guess runs again too), then commit in range order.
  Status FinishObject(int slot, uint32_t object) {
    ObjectState& o = objects_[object];
    const std::string& name = plan_.objects[object].info.url;
    for (;;) {
      ASSIGN_OR_RETURN(csv::ChainVerdict v, o.chain.Verdict(FormatOf(plan_.objects[object]), name));
      if (v.rerun == o.chain.size()) break;
      uint32_t k = static_cast<uint32_t>(v.rerun);
      if (!o.chain.Has(k) && o.tried[k] == v.start) return o.failed[k];  // it failed under the right start
      o.tried[k] = v.start;
      uint32_t index = static_cast<uint32_t>(o.tasks[k] - plan_.tasks.data());
      csv::RangeEnd end;
      ASSIGN_OR_RETURN(std::unique_ptr<TaskOutput> out, Attempt(index, v.start, &end));
      o.chain.Put(k, index, o.tasks[k], end, std::move(out), kLocalHolder);
    }
    std::string w = o.chain.Warning(name);
    if (!w.empty() && options_.warnings != nullptr) options_.warnings->Add(std::move(w));
    std::vector<Committed> ranges = o.chain.Take();
    if (options_.progress != nullptr) {
      for (const Committed& c : ranges) {
        options_.progress->rows.fetch_add(job_.Rows(*c.output), std::memory_order_relaxed);
        options_.progress->rows_bytes.fetch_add(c.task->stored_bytes, std::memory_order_relaxed);
      }
    }
    return job_.Commit(slot, object, &ranges);
  }

  void Fail(const Status& st) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (first_error_.ok()) first_error_ = st;
    cancel_->store(true);
  }

  const Plan& plan_;
  Job& job_;
  const LocalOptions& options_;
  std::vector<ObjectState> objects_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> own_cancel_{false};
  std::atomic<bool>* cancel_;
  std::mutex error_mu_;
  Status first_error_;  // guarded by error_mu_
};

}  // namespace

Status RunJobLocally(const Plan& plan, Job& job, const LocalOptions& options) {
  Runner runner(plan, job, options);
  return runner.Run();
}

int DefaultThreads() { return CoreCount(); }

}  // namespace fanout::exec
