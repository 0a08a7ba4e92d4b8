// The coordinator: runs a query job's tasks on worker processes — started by
// launchers (launcher.h): local ones (--workers N), one per host over ssh
// (--hosts) — and merges their partial results, each task's exactly once.
//
// One thread, one poll loop: frames in from every worker, tasks out as the
// Scheduler (scheduler.h) assigns them, heartbeats both ways. A worker that
// exits, whose connection drops, or that falls silent past the heartbeat
// timeout is lost: its tasks run elsewhere and the job goes on while any worker
// remains. Byte ranges of one object are checked for their quote states as in
// the local executor (local_executor.h) and re-run where a guess was wrong.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "cluster/launcher.h"
#include "cluster/messages.h"
#include "cluster/scheduler.h"
#include "exec/plan.h"
#include "exec/task_runner.h"
#include "exec/job.h"
#include "exec/timeline.h"

namespace fanout::cluster {

struct ClusterOptions {
  // Who starts the workers (launcher.h): every slot of each, in order. Not
  // owned; they must outlive the job.
  std::vector<Launcher*> launchers;
  int connect_timeout_s = 15;      // a worker that has not said hello by then (+ hello_grace_s) is lost
  // Beyond connect_timeout_s, which ssh applies to its connection alone: for
  // logging in and starting fanout on the host.
  int hello_grace_s = 5;
  int heartbeat_timeout_s = 10;    // a worker silent this long is lost
  // A host that never joins (ssh fails, no fanout there, another version, no
  // hello in time) fails the job, naming it and why, unless this is set; then
  // the job runs on the others. A worker lost after it joined never fails the
  // job by itself: its tasks run elsewhere.
  bool allow_missing_hosts = false;
  SchedulerOptions scheduler;
  std::map<std::string, std::string> ship_files;  // sha256 -> content, sent to workers that need them
  std::atomic<bool>* interrupted = nullptr;  // set by a signal handler: stop everything
  // Called about four times a second with a one-line summary: "connecting to
  // 3 hosts..." until one has joined, then each worker's accepted tasks and rate.
  std::function<void(const std::string&)> on_status;
  // If set, gets every attempt (host = worker, slot = its lane among the
  // worker's cores + 1 tasks in flight, from when the task was sent), the hosts
  // as they join and are lost, and the launching, scanning and merging phases.
  exec::TimelineRecorder* timeline = nullptr;
};

struct WorkerReport {
  std::string name;
  bool host = false;       // on another machine (WorkerSlot::remote: --hosts), not a local process
  bool joined = false;     // it said hello and took part
  int cores = 0;
  uint64_t tasks = 0;      // results accepted from it
  uint64_t bytes = 0;      // stored bytes of those tasks
  double seconds = 0;      // from its hello to the end (or its loss)
  std::string lost;        // why it was lost; empty if it was not
  std::string interrupted; // its machine's interruption notice (spot); empty if none came
  uint64_t moved = 0;      // tasks queued again elsewhere because of that notice
};

// A staged piece that a task had to make again (its holder was gone, or the
// file was missing), now held by `holder`.
struct RestagedPiece {
  uint32_t object = 0;  // in the plan
  std::string holder;
  exec::PieceInfo info;
};

struct ClusterReport {
  std::vector<WorkerReport> workers;
  Scheduler::Stats stats;
  uint64_t quote_reruns = 0;
  std::vector<RestagedPiece> restaged;
  std::vector<std::string> warnings;  // what the committed objects' ranges noticed (exec/warnings.h)
};

// Runs every task of `plan` on the workers; `progress` (optional) counts bytes
// and rows as results arrive. When the plan's objects are staged pieces, each
// task is pinned to the workers of the piece's holder; the pieces of a holder
// that is not among the workers, or that is lost, are made again from their
// sources wherever their tasks run (reported in report->restaged).
// `job`'s outputs are decoded, checked and committed here (exec/job.h), then
// the job is finished.
[[nodiscard]] Status RunClusterJob(const exec::Plan& plan, exec::Job& job, const ClusterOptions& options,
                                   exec::Progress* progress, ClusterReport* report);

}  // namespace fanout::cluster
