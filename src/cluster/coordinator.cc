#include "cluster/coordinator.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include "core/bytes.h"
#include "core/strings.h"
#include "cluster/launcher.h"
#include "exec/job_registry.h"
#include "exec/range_chain.h"
#include "exec/warnings.h"
#include "io/object_store.h"

namespace fanout::cluster {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kStderrTail = 2000;
constexpr double kHeartbeatEvery = 1.0;
constexpr double kStatusEvery = 0.25;
constexpr int kStopGraceMs = 2000;
constexpr int kExitWaitMs = 500;  // for the exit status of a worker whose output ended
constexpr int kLostGraceMs = 1000;  // between SIGTERM and SIGKILL for a lost worker

enum class ConnState { kStarting, kReady, kLost };

struct Conn {
  Launcher* launcher = nullptr;  // who started it
  WorkerSlot slot;
  std::unique_ptr<WorkerProcess> proc;
  ConnState state = ConnState::kStarting;
  FrameReader reader;
  std::string out;       // frames not yet written to its stdin
  std::string err_tail;  // the end of what it wrote on stderr
  double started = 0, last_heard = 0, last_sent = 0, ready_at = 0;
  int sched_id = -1;
  int cores = 0;
  std::string home;  // whose staged pieces it can read: "local" or its host
  WorkerReport report;
  std::vector<bool> lanes;  // the timeline's lanes in use (ClusterOptions::timeline)
};

// A running attempt as the timeline knows it.
struct Recorded {
  size_t conn = 0;
  int lane = 0;
  size_t id = 0;  // in the TimelineRecorder
};

// What a scheduler task stands for: a plan task run with a given start state.
struct TaskRef {
  uint32_t plan_task = 0;
  csv::RangeStart start;
};

struct ObjectState {
  exec::RangeChain chain;            // the results so far, by range number
  std::vector<uint32_t> plan_tasks;  // by range number
  std::vector<size_t> recorded;      // by range number: the timeline's id of its accepted attempt
  bool committed = false;
};

class Coordinator {
 public:
  Coordinator(const exec::Plan& plan, exec::Job& job, const ClusterOptions& options, exec::Progress* progress,
              ClusterReport* report)
      : plan_(plan), job_(job), options_(options), progress_(progress), report_(report),
        sched_(options.scheduler), objects_(plan.objects.size()), t0_(Clock::now()) {
    for (uint32_t i = 0; i < plan.tasks.size(); ++i) {
      const exec::Task& t = plan.tasks[i];
      ObjectState& o = objects_[t.object];
      if (o.plan_tasks.empty()) o.chain.Reset(t.ranges);
      o.plan_tasks.resize(t.ranges);
      o.recorded.resize(t.ranges, ~size_t{0});
      o.plan_tasks[t.range] = i;
      refs_.push_back(TaskRef{i, csv::RangeStart{}});
      sched_.AddTask(t.stored_bytes, plan.staged.empty() ? -1 : HomeId(plan.staged[t.object].holder));
    }
    for (ObjectState& o : objects_) {
      if (o.plan_tasks.empty()) o.committed = true;  // no task (cannot happen with a valid plan)
    }
    committed_ = static_cast<size_t>(std::count_if(objects_.begin(), objects_.end(),
                                                   [](const ObjectState& o) { return o.committed; }));
  }

  ~Coordinator() { StopAll(); }

  Status Run() {
    job_.SetSlots(1);
    launch_started_ = Tl();
    RETURN_IF_ERROR(Launch());
    // Pieces held by a machine that is not among the workers are made again.
    for (const auto& [name, id] : homes_) {
      if (!HomeAlive(name)) sched_.Unpin(id);
    }
    std::vector<pollfd> fds;
    std::vector<std::pair<size_t, int>> owner;  // (conn, 0 out / 1 err / 2 in)
    while (committed_ < objects_.size()) {
      if (options_.interrupted != nullptr && options_.interrupted->load()) {
        return Status::IoError("interrupted; stopped every worker");
      }
      if (!failure_.ok()) return failure_;
      if (LiveWorkers() == 0) return NoWorkersLeft();
      fds.clear();
      owner.clear();
      for (size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = *conns_[i];
        if (c.state == ConnState::kLost) continue;
        fds.push_back({c.proc->from_fd(), POLLIN, 0});
        owner.emplace_back(i, 0);
        if (c.proc->err_fd() >= 0) {
          fds.push_back({c.proc->err_fd(), POLLIN, 0});
          owner.emplace_back(i, 1);
        }
        if (!c.out.empty()) {
          fds.push_back({c.proc->to_fd(), POLLOUT, 0});
          owner.emplace_back(i, 2);
        }
      }
      int r = ::poll(fds.data(), fds.size(), 100);
      if (r < 0 && errno != EINTR) return Status::IoError(std::string("poll: ") + std::strerror(errno));
      for (size_t k = 0; r > 0 && k < fds.size(); ++k) {
        if (fds[k].revents == 0) continue;
        auto [i, which] = owner[k];
        Conn& c = *conns_[i];
        if (c.state == ConnState::kLost) continue;
        if (which == 0) {
          ReadFrames(i);
        } else if (which == 1) {
          ReadStderr(c);
        } else {
          Flush(i);
        }
      }
      Timers();
      AssignTasks();
    }
    RETURN_IF_ERROR(failure_);
    const double merging = Tl();
    if (timeline_ != nullptr) timeline_->AddPhase("scanning", scan_started_ >= 0 ? scan_started_ : merging, merging);
    Status st = job_.Finish();
    if (timeline_ != nullptr) timeline_->AddPhase("merging", merging, Tl());
    return st;
  }

 private:
  double Now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  double Tl() const { return timeline_ != nullptr ? timeline_->Now() : 0; }

  // The timeline's record of attempt `attempt` starting on conn i now.
  void RecordStart(size_t i, const Assignment& x) {
    if (timeline_ == nullptr) return;
    Conn& c = *conns_[i];
    int lane = 0;
    while (lane < static_cast<int>(c.lanes.size()) && c.lanes[lane]) ++lane;
    if (lane == static_cast<int>(c.lanes.size())) c.lanes.push_back(false);
    c.lanes[lane] = true;
    const bool rerun = x.task >= plan_.tasks.size();  // a quote re-run (CheckObject)
    size_t id = timeline_->Start(plan_, refs_[x.task].plan_task, c.report.name, lane, x.backup, rerun);
    recorded_[x.attempt] = Recorded{i, lane, id};
  }

  // ... and of it ending; its lane is free again. Returns its id, or ~0 when
  // it was not (or is no longer) recorded.
  size_t RecordEnd(uint64_t attempt, exec::AttemptRecord::End end, uint64_t bytes = 0, uint64_t rows = 0,
                   std::string error = "", double run = -1, double cpu = -1) {
    auto it = recorded_.find(attempt);
    if (it == recorded_.end()) return ~size_t{0};
    Recorded r = it->second;
    recorded_.erase(it);
    conns_[r.conn]->lanes[r.lane] = false;
    timeline_->Finish(r.id, end, bytes, rows, std::move(error), run, cpu);
    return r.id;
  }

  void RecordHost(const Conn& c) {
    if (timeline_ == nullptr) return;
    exec::HostRecord h;
    h.name = c.report.name;
    h.slots = c.report.joined ? c.cores + options_.scheduler.extra_slots : 0;
    h.joined = c.report.joined ? joined_at_.at(c.report.name) : -1;
    h.lost = c.state == ConnState::kLost && !c.report.lost.empty() ? lost_at_[c.report.name] : -1;
    h.lost_reason = c.report.lost;
    h.interrupted = c.report.interrupted;
    timeline_->SetHost(h);
  }

  // Starts every launcher's workers, in order.
  Status Launch() {
    for (Launcher* l : options_.launchers) {
      for (const WorkerSlot& slot : l->Slots()) RETURN_IF_ERROR(Start(l, slot));
    }
    if (conns_.empty()) return Status::InvalidArgument("no workers to start");
    return Status::OK();
  }

  Status Start(Launcher* launcher, const WorkerSlot& slot) {
    ASSIGN_OR_RETURN(std::unique_ptr<WorkerProcess> p, launcher->Start(slot));
    auto c = std::make_unique<Conn>();
    c->launcher = launcher;
    c->slot = slot;
    c->proc = std::move(p);
    c->home = slot.host;
    c->started = c->last_heard = Now();
    c->report.name = slot.name;
    c->report.host = slot.remote;
    RecordHost(*c);  // (a host that never joins is in the timeline too)
    conns_.push_back(std::move(c));
    return Status::OK();
  }

  int HomeId(const std::string& name) {
    auto [it, fresh] = homes_.emplace(name, static_cast<int>(homes_.size()));
    return it->second;
  }

  bool HomeAlive(const std::string& name) const {
    for (const auto& c : conns_) {
      if (c->home == name && c->state != ConnState::kLost) return true;
    }
    return false;
  }

  int LiveWorkers() const {
    int n = 0;
    for (const auto& c : conns_) n += c->state != ConnState::kLost;
    return n;
  }

  Status NoWorkersLeft() const {
    std::string why;
    for (const auto& c : conns_) {
      if (!why.empty()) why += "; ";
      why += c->report.name + ": " + c->report.lost;
    }
    return Status::IoError("every worker was lost, the job cannot finish (" + why + ")");
  }

  void Send(Conn& c, const std::string& frame) {
    c.out += frame;
    c.last_sent = Now();
  }

  void Flush(size_t i) {
    Conn& c = *conns_[i];
    while (!c.out.empty()) {
      ssize_t n = ::write(c.proc->to_fd(), c.out.data(), c.out.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) {
        // Most often the worker has exited: give it a moment to leave its last
        // words on stderr, which say why better than the broken pipe does.
        std::string why = std::strerror(errno);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::string last = StderrSummary(c);
        Lose(i, last.empty() ? "its input closed (" + why + ")" : "it exited: " + last);
        return;
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
  }

  void ReadStderr(Conn& c) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(c.proc->err_fd(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) c.proc->CloseStderr();
        return;
      }
      c.err_tail.append(buf, static_cast<size_t>(n));
      if (c.err_tail.size() > kStderrTail) c.err_tail.erase(0, c.err_tail.size() - kStderrTail);
    }
  }

  std::string StderrSummary(Conn& c) {
    if (c.proc->err_fd() >= 0) ReadStderr(c);
    return LastLine(c.err_tail);
  }

  void ReadFrames(size_t i) {
    Conn& c = *conns_[i];
    char buf[1 << 16];
    bool eof = false;
    for (;;) {
      ssize_t n = ::read(c.proc->from_fd(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        eof = true;
        break;
      }
      c.last_heard = Now();
      c.reader.Feed(buf, static_cast<size_t>(n));
    }
    HandleFrames(i);
    if (eof && c.state != ConnState::kLost) {
      // Give the process a moment to leave its last words on stderr.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::string last = StderrSummary(c);
      if (c.state == ConnState::kStarting) {
        int status = c.proc->WaitExit(kExitWaitMs);
        Lose(i, c.launcher->WhyNotStarted(c.slot, status, last));
      } else {
        Lose(i, last.empty() ? "it exited" : "it exited: " + last);
      }
    }
  }

  void HandleFrames(size_t i) {
    Conn& c = *conns_[i];
    for (;;) {
      bool ready = false;
      FrameType type;
      std::string payload;
      Status st = c.reader.Next(&ready, &type, &payload);
      if (!st.ok()) {
        std::string last = StderrSummary(c);
        Lose(i, st.message() + (last.empty() ? "" : " — it said: " + last));
        return;
      }
      if (!ready) return;
      Handle(i, type, payload);
      if (c.state == ConnState::kLost || !failure_.ok()) return;
    }
  }

  void Handle(size_t i, FrameType type, const std::string& payload) {
    Conn& c = *conns_[i];
    if (c.state == ConnState::kStarting && type != FrameType::kHello) {
      Lose(i, std::string("sent ") + FrameTypeName(type) + " before hello");
      return;
    }
    switch (type) {
      case FrameType::kHello: {
        Result<Hello> h = DecodeHello(payload);
        if (!h.ok()) {
          Lose(i, h.status().message());
          return;
        }
        if (c.state != ConnState::kStarting) {
          Lose(i, "said hello twice");
          return;
        }
        if (h->fanout_version != FANOUT_VERSION) {
          Lose(i, "it runs fanout " + h->fanout_version + ", this is fanout " FANOUT_VERSION + c.launcher->DeployHint(c.slot));
          return;
        }
        c.report.joined = true;
        c.cores = static_cast<int>(h->cores);
        c.report.cores = c.cores;
        c.state = ConnState::kReady;
        c.ready_at = Now();
        if (timeline_ != nullptr) {
          joined_at_[c.report.name] = Tl();
          if (scan_started_ < 0) {
            scan_started_ = Tl();
            timeline_->AddPhase("launching", launch_started_, scan_started_);
          }
          RecordHost(c);
        }
        auto home = homes_.find(c.home);
        c.sched_id = sched_.AddWorker(c.cores, home == homes_.end() ? -1 : home->second);
        if (static_cast<size_t>(c.sched_id) >= sched_to_conn_.size()) sched_to_conn_.resize(c.sched_id + 1);
        sched_to_conn_[c.sched_id] = i;
        Send(c, job_frame_);
        return;
      }
      case FrameType::kHeartbeat:
        return;
      case FrameType::kProgress: {
        Result<ProgressMsg> m = DecodeProgress(payload);
        if (!m.ok()) return Lose(i, m.status().message());
        if (progress_ != nullptr) progress_->bytes.fetch_add(m->bytes, std::memory_order_relaxed);
        return;
      }
      case FrameType::kDone: {
        Result<DoneMsg> m = DecodeDone(payload);
        if (!m.ok()) return Lose(i, m.status().message());
        return OnDone(i, std::move(m).value());
      }
      case FrameType::kFail: {
        Result<FailMsg> m = DecodeFail(payload);
        if (!m.ok()) return Lose(i, m.status().message());
        return OnFail(i, *m);
      }
      case FrameType::kNeed: {
        Result<std::vector<std::string>> need = DecodeNeed(payload);
        if (!need.ok()) return Lose(i, need.status().message());
        for (const std::string& sha : *need) {
          auto it = options_.ship_files.find(sha);
          if (it == options_.ship_files.end()) return Lose(i, "asked for a file that is not shipped: " + sha);
          Send(c, EncodeFile(sha, it->second));
        }
        return;
      }
      case FrameType::kNotice: {
        Result<std::string> m = DecodeNotice(payload);
        if (!m.ok()) return Lose(i, m.status().message());
        if (!c.report.interrupted.empty()) return;  // said once is enough
        c.report.interrupted = m->empty() ? "an interruption notice" : *m;
        // No new task goes there; what it runs alone starts elsewhere at once.
        c.report.moved += static_cast<uint64_t>(sched_.Drain(c.sched_id));
        RecordHost(c);
        return;
      }
      case FrameType::kBye:
        return Lose(i, "it said bye before the job ended");
      default:
        return Lose(i, std::string("unexpected ") + FrameTypeName(type) + " frame");
    }
  }

  bool Owns(size_t i, uint64_t attempt) const {
    int w = sched_.WorkerOf(attempt);
    return w >= 0 && static_cast<size_t>(w) < sched_to_conn_.size() && sched_to_conn_[w] == i;
  }

  void OnDone(size_t i, DoneMsg m) {
    Conn& c = *conns_[i];
    if (!Owns(i, m.id)) return;  // an attempt we gave up on
    uint32_t task = sched_.TaskOf(m.id);
    Result<std::unique_ptr<exec::TaskOutput>> out = job_.DecodeOutput(m.partial);
    if (!out.ok()) {  // a worker sending garbage is not trusted with more
      Lose(i, "sent a corrupt result: " + out.status().message());
      return;
    }
    uint64_t rows = job_.Rows(**out);
    exec::PieceInfo restaged;
    if (!m.piece.empty()) {
      Result<exec::PieceInfo> p = exec::DecodePiece(m.piece);
      if (!p.ok()) return Lose(i, "sent a corrupt piece description: " + p.status().message());
      restaged = std::move(p).value();
    }
    std::vector<uint64_t> cancel;
    const TaskRef ref = refs_[task];
    const exec::Task& t = plan_.tasks[ref.plan_task];
    Scheduler::Outcome outcome = sched_.Complete(m.id, Now(), &cancel);
    const double run = static_cast<double>(m.run_us) * 1e-6, cpu = static_cast<double>(m.cpu_us) * 1e-6;
    if (outcome == Scheduler::Outcome::kDuplicate) {
      RecordEnd(m.id, exec::AttemptRecord::End::kDuplicate, t.stored_bytes, rows, "", run, cpu);
    }
    if (outcome != Scheduler::Outcome::kAccepted) return;
    const size_t recorded = RecordEnd(m.id, exec::AttemptRecord::End::kDone, t.stored_bytes, rows, "", run, cpu);
    if (!m.piece.empty() && recorded != ~size_t{0}) timeline_->MarkRestaged(recorded);
    for (uint64_t a : cancel) {
      int w = sched_.WorkerOf(a);
      if (w >= 0) Send(*conns_[sched_to_conn_[w]], EncodeCancel(a));
      RecordEnd(a, exec::AttemptRecord::End::kCancelled);
    }
    ++c.report.tasks;
    c.report.bytes += t.stored_bytes;
    if (progress_ != nullptr) {
      progress_->rows.fetch_add(rows, std::memory_order_relaxed);
      progress_->rows_bytes.fetch_add(t.stored_bytes, std::memory_order_relaxed);
    }
    if (!m.piece.empty()) report_->restaged.push_back(RestagedPiece{t.object, c.home, std::move(restaged)});
    ObjectState& o = objects_[t.object];
    o.recorded[t.range] = recorded;
    o.chain.Put(t.range, ref.plan_task, &t, m.end, std::move(out).value(), c.home);
    CheckObject(t.object);
  }

  // All of an object's ranges have results: check their chain (csv/chain.h),
  // re-run the first that assumed wrong, and commit once all agree.
  void CheckObject(uint32_t object) {
    ObjectState& o = objects_[object];
    if (o.committed || !o.chain.Complete()) return;  // some range is still running (or re-running)
    const std::string& name = plan_.objects[object].info.url;
    Result<csv::ChainVerdict> v = o.chain.Verdict(exec::FormatOf(plan_.objects[object]), name);
    if (!v.ok()) {
      if (failure_.ok()) failure_ = v.status();
      return;
    }
    if (v->rerun < o.chain.size()) {
      if (timeline_ != nullptr && o.recorded[v->rerun] != ~size_t{0}) {
        timeline_->Supersede(o.recorded[v->rerun], "read from the wrong start (quote state); run again");
      }
      o.chain.Clear(static_cast<uint32_t>(v->rerun));
      refs_.push_back(TaskRef{o.plan_tasks[v->rerun], v->start});
      sched_.AddTask(plan_.tasks[o.plan_tasks[v->rerun]].stored_bytes);
      ++report_->quote_reruns;
      return;
    }
    std::string warning = o.chain.Warning(name);
    if (!warning.empty()) report_->warnings.push_back(std::move(warning));
    std::vector<exec::Committed> ranges = o.chain.Take();
    o.committed = true;
    ++committed_;
    if (Status st = job_.Commit(0, object, &ranges); !st.ok() && failure_.ok()) failure_ = st;
  }

  void OnFail(size_t i, const FailMsg& m) {
    if (!Owns(i, m.id)) return;
    std::string message = m.message + MissingHereHint(i, m) + " (on " + conns_[i]->report.name + ")";
    using Class = Scheduler::FailureClass;
    Class kind = m.command_failed ? Class::kCommand : m.retryable ? Class::kRetryable : Class::kFatal;
    RecordEnd(m.id, exec::AttemptRecord::End::kFailed, 0, 0, message);
    Status st = sched_.Fail(m.id, kind, message);
    if (!st.ok()) failure_ = m.retryable ? st : Status::IoError(message);
  }

  // A host could not open a local input: it must be there too.
  std::string MissingHereHint(size_t i, const FailMsg& m) const {
    const Conn& c = *conns_[i];
    if (!c.report.host || !plan_.staged.empty()) return "";  // (m.id is running: OnFail checked)
    const exec::ObjectPlan& o = plan_.objects[plan_.tasks[refs_[sched_.TaskOf(m.id)].plan_task].object];
    if (io::IsRemote(o.info) || m.message.rfind(o.info.url + ": cannot open", 0) != 0) return "";
    return " — local paths must exist at the same path on every host (" + o.info.url + " on " + c.report.name + ")";
  }

  void Lose(size_t i, const std::string& why) {
    Conn& c = *conns_[i];
    if (c.state == ConnState::kLost) return;
    if (c.state == ConnState::kStarting && c.report.host && !options_.allow_missing_hosts && failure_.ok()) {
      failure_ = Status::IoError(c.report.name + " did not join the job: " + why +
                                 " (with --allow-missing-hosts the job runs without the hosts that do not join)");
    }
    c.state = ConnState::kLost;
    c.report.lost = why;
    if (c.sched_id >= 0) {
      for (uint64_t a : sched_.RemoveWorker(c.sched_id)) RecordEnd(a, exec::AttemptRecord::End::kLost, 0, 0, why);
    }
    if (timeline_ != nullptr) {
      lost_at_[c.report.name] = Tl();
      RecordHost(c);
    }
    // The last worker of a holder of staged pieces: they are made again elsewhere.
    if (auto home = homes_.find(c.home); home != homes_.end() && !HomeAlive(c.home)) sched_.Unpin(home->second);
    c.report.seconds = Now() - (c.ready_at > 0 ? c.ready_at : c.started);
    // SIGTERM first: a worker stops its commands' process groups (which are not
    // its own) before it goes; Stop sends SIGKILL after the grace.
    c.proc->Terminate();
    c.proc->Stop(kLostGraceMs);
  }

  void Timers() {
    double now = Now();
    for (size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = *conns_[i];
      const int hello_within = options_.connect_timeout_s + options_.hello_grace_s;
      if (c.state == ConnState::kStarting && now - c.started > hello_within) {
        std::string last = StderrSummary(c);
        Lose(i, "no hello within " + std::to_string(hello_within) + " s" +
                    (last.empty() ? "" : ": " + last));
      } else if (c.state == ConnState::kReady && now - c.last_heard > options_.heartbeat_timeout_s) {
        Lose(i, "silent for " + std::to_string(options_.heartbeat_timeout_s) + " s (no heartbeat)");
      } else if (c.state == ConnState::kReady && now - c.last_sent >= kHeartbeatEvery) {
        Send(c, EncodeEmpty(FrameType::kHeartbeat));
      }
      if (c.state != ConnState::kLost && !c.out.empty()) Flush(i);
    }
    if (options_.on_status && now - last_status_ >= kStatusEvery) {
      last_status_ = now;
      options_.on_status(StatusLine());
    }
  }

  // "connecting to 3 hosts..." until a worker has joined; then "h1: 12 tasks
  // 85 MB/s  h2: 9 tasks 80 MB/s  h3: lost": accepted tasks and their bytes per second.
  std::string StatusLine() const {
    int starting = 0, hosts = 0;
    for (const auto& c : conns_) {
      starting += c->state == ConnState::kStarting;
      hosts += c->report.host;
    }
    if (starting == static_cast<int>(conns_.size())) {
      return hosts == starting ? "connecting to " + CountOf(hosts, "host") + "..."
                               : "starting " + CountOf(starting, "worker") + "...";
    }
    std::string s;
    double now = Now();
    for (const auto& c : conns_) {
      if (!s.empty()) s += "  ";
      s += c->report.name + ": ";
      if (c->state == ConnState::kLost) {
        s += c->report.joined ? "lost" : "did not join";
      } else if (c->state == ConnState::kStarting) {
        s += c->report.host ? "connecting..." : "starting...";
      } else {
        double secs = std::max(now - c->ready_at, 1e-3);
        s += CountOf(c->report.tasks, "task") + " " +
             FormatBytes(static_cast<uint64_t>(static_cast<double>(c->report.bytes) / secs)) + "/s";
      }
    }
    return s;
  }

  void AssignTasks() {
    sched_.SetStarting(static_cast<int>(std::count_if(
        conns_.begin(), conns_.end(), [](const auto& c) { return c->state == ConnState::kStarting; })));
    std::vector<Assignment> a;
    sched_.Assign(Now(), &a);
    for (const Assignment& x : a) {
      Conn& c = *conns_[sched_to_conn_[x.worker]];
      const TaskRef& ref = refs_[x.task];
      TaskMsg m;
      m.id = x.attempt;
      m.index = ref.plan_task;
      m.task = plan_.tasks[ref.plan_task];
      m.object = plan_.objects[m.task.object];
      m.start = ref.start;
      if (!plan_.staged.empty()) {
        m.staged = true;
        m.source = plan_.staged[m.task.object];
        m.piece_here = sched_.HomeOf(x.task) >= 0;  // still pinned: its holder runs it
      }
      Send(c, EncodeTask(m));
      RecordStart(sched_to_conn_[x.worker], x);
    }
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (conns_[i]->state != ConnState::kLost && !conns_[i]->out.empty()) Flush(i);
    }
  }

  // Says bye, closes every worker's input and waits a little for them to go;
  // what is still there then is killed.
  void StopAll() {
    double now = Now();
    while (!recorded_.empty()) RecordEnd(recorded_.begin()->first, exec::AttemptRecord::End::kCancelled, 0, 0, "the job ended");
    for (auto& c : conns_) {
      if (c->state == ConnState::kStarting) {
        c->report.lost = "still connecting when the job ended";
        RecordHost(*c);
      }
      if (c->state == ConnState::kLost) continue;
      if (c->state == ConnState::kReady) {
        std::string bye = EncodeEmpty(FrameType::kBye);
        ssize_t ignored = ::write(c->proc->to_fd(), bye.data(), bye.size());
        (void)ignored;
      }
      c->proc->CloseInput();
    }
    // One grace period for all of them: a healthy worker exits within
    // milliseconds of bye; a hung one is killed when the period ends.
    auto deadline = Clock::now() + std::chrono::milliseconds(kStopGraceMs);
    for (auto& c : conns_) {
      if (c->state == ConnState::kLost) continue;
      c->report.seconds = now - (c->ready_at > 0 ? c->ready_at : c->started);
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      c->proc->Stop(std::max(left, 0));
      c->state = ConnState::kLost;
    }
    if (report_ != nullptr) {
      report_->workers.clear();
      for (auto& c : conns_) report_->workers.push_back(c->report);
      report_->stats = sched_.stats();
    }
  }

  const exec::Plan& plan_;
  exec::Job& job_;
  const std::string job_frame_ = EncodeJobFrame(job_);
  const ClusterOptions& options_;
  exec::Progress* progress_;
  ClusterReport* report_;
  Scheduler sched_;
  std::vector<TaskRef> refs_;  // by scheduler task id
  std::vector<ObjectState> objects_;
  size_t committed_ = 0;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<size_t> sched_to_conn_;
  std::map<std::string, int> homes_;  // holders of staged pieces -> scheduler home ids
  Status failure_;
  exec::TimelineRecorder* const timeline_ = options_.timeline;
  std::map<uint64_t, Recorded> recorded_;  // running attempts, by scheduler attempt id
  std::map<std::string, double> joined_at_, lost_at_;  // by worker name, timeline seconds
  double launch_started_ = 0, scan_started_ = -1;
  Clock::time_point t0_;
  double last_status_ = 0;
};

}  // namespace

Status RunClusterJob(const exec::Plan& plan, exec::Job& job, const ClusterOptions& options, exec::Progress* progress,
                     ClusterReport* report) {
  ClusterReport ignored;
  Coordinator c(plan, job, options, progress, report != nullptr ? report : &ignored);
  return c.Run();
}

}  // namespace fanout::cluster
