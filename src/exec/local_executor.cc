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
constexpr size_t kNotRecorded = ~size_t{0};

struct ObjectState {
  std::mutex mu;
  RangeChain chain;
  std::vector<Status> failed;           // by range: the error of its last run, if it failed
  std::vector<csv::RangeStart> tried;   // by range: the start of its last run
  std::vector<const Task*> tasks;       // by range
  std::vector<size_t> recorded;         // by range: its last attempt's id in the timeline
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
        o.recorded.resize(t.ranges, kNotRecorded);
        o.remaining = t.ranges;
      }
      o.tasks[t.range] = &t;
    }
  }

  Status Run() {
    int n = std::max(1, options_.threads);
    RETURN_IF_ERROR(job_.Prepare(options_.env));
    job_.SetSlots(n);
    TimelineRecorder* tl = options_.timeline;
    const double started = tl != nullptr ? tl->Now() : 0;
    if (tl != nullptr) {
      HostRecord here;
      here.name = "local";
      here.slots = n;
      here.joined = started;
      tl->SetHost(here);
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back([this, i] { Work(i); });
    for (std::thread& t : threads) t.join();
    if (tl != nullptr) tl->AddPhase("scanning", started, tl->Now());
    RETURN_IF_ERROR(first_error_);
    const double merging = tl != nullptr ? tl->Now() : 0;
    Status st = job_.Finish();
    if (tl != nullptr) tl->AddPhase("merging", merging, tl->Now());
    return st;
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
  // `*recorded` gets the last run's id in the timeline.
  Result<std::unique_ptr<TaskOutput>> Attempt(int slot, uint32_t index, csv::RangeStart start, csv::RangeEnd* end,
                                              bool rerun, size_t* recorded) {
    const Task& task = plan_.tasks[index];
    TimelineRecorder* tl = options_.timeline;
    int io_failures = 0, command_failures = 0;
    for (;;) {
      TaskContext ctx{plan_.objects[task.object], task, index, start, options_.progress, cancel_, end};
      size_t id = tl != nullptr ? tl->Start(plan_, index, "local", slot, false, rerun) : kNotRecorded;
      *recorded = id;
      const TaskClock clock;
      Result<std::unique_ptr<TaskOutput>> r = job_.RunTask(ctx);
      if (tl != nullptr) {
        // More threads than cores: a thread off the CPU may be waiting for one.
        const double cpu = cpu_known_ ? clock.CpuSeconds() : -1;
        if (r.ok()) {
          tl->Finish(id, AttemptRecord::End::kDone, task.stored_bytes, job_.Rows(**r), "", -1, cpu);
        } else {
          tl->Finish(id, cancel_->load() ? AttemptRecord::End::kCancelled : AttemptRecord::End::kFailed, 0, 0,
                     r.status().message());
        }
      }
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
    size_t recorded = kNotRecorded;
    Result<std::unique_ptr<TaskOutput>> r = Attempt(slot, index, csv::RangeStart{}, &end, false, &recorded);
    // A whole object's failure is its answer: the start it assumed is the truth.
    if (!r.ok() && task.ranges == 1) return r.status();
    {
      std::lock_guard<std::mutex> lock(o.mu);
      o.recorded[task.range] = recorded;
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
      if (options_.timeline != nullptr && o.chain.Has(k) && o.recorded[k] != kNotRecorded) {
        options_.timeline->Supersede(o.recorded[k], "read from the wrong start (quote state); run again");
      }
      csv::RangeEnd end;
      ASSIGN_OR_RETURN(std::unique_ptr<TaskOutput> out, Attempt(slot, index, v.start, &end, true, &o.recorded[k]));
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
  const bool cpu_known_ = options_.threads <= CoreCount();  // (asked once: it reads the system's files)
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
