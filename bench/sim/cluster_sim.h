// fanout's scheduling simulated: the real cluster::Scheduler and the real task
// and done frame encodings, driven by simulated workers in virtual time.
//
// A worker has `cores` cores and holds the tasks the scheduler gave it (up to
// cores + extra_slots): at most `cores` run, the others wait in a local FIFO.
// Frames travel with no latency. The coordinator handles one item at a time:
// a worker's result (DecodeDone, TaskOf, Complete, cancels, Assign, EncodeTask)
// or a timer tick every `tick` seconds of virtual time (a poll timeout: Assign,
// EncodeTask); the start of the job is one more Assign. Each handling is a timed
// section. A result whose task another attempt finished first cancels the loser
// (see README).
//
// The coordinator's cost in virtual time:
// - zero-cost (model_coordinator = false): every section takes no virtual time;
//   its task and cancel frames reach the workers at the instant the result
//   arrived. The makespan assumes an infinitely fast coordinator. With a Trace,
//   the run is recorded for Replay (replay.h), which gives the overhead figure.
// - live (model_coordinator = true; a sensitivity check, not the overhead
//   figure): the coordinator is a single server.
//   Items wait in arrival order; a section starts at max(arrival, end of the
//   previous section), lasts the wall-clock time it was measured to take, and
//   its frames (cancels first, then tasks) reach the workers when it ends. The
//   scheduler is given the section's start as `now`. A worker with a task in
//   its local queue starts it the moment a core frees, whatever the
//   coordinator is doing; only a core with nothing queued waits for the frame.
//   The scheduler sees the delays and may decide differently; list scheduling
//   is not monotone, so this makespan can come out below the zero-cost one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/scheduler.h"
#include "workload.h"

namespace fanout::sim {

struct SimConfig {
  int workers = 12;
  int cores = 8;
  int slow_worker = -1;
  double slow_factor = 1.0;
  cluster::SchedulerOptions options;
  double tick = 0.1;
  std::string partial;             // the payload of every done frame
  double budget = 0;               // > 0: stop once the coordinator has used this many seconds
  bool model_coordinator = false;  // feed each section's measured time back into virtual time
  // Staged data (part 3); all empty: no homes. A task whose holder is not its
  // worker's home takes away_seconds (its piece staged again) instead of
  // job.seconds.
  std::vector<int> task_home;        // per task: the home that holds its piece, -1: none
  std::vector<int> worker_home;      // per worker: its home, -1: none
  std::vector<double> away_seconds;  // per task, on a normal core away from its holder
  std::vector<int> lost_workers;     // removed, and their homes Unpinned, before the first Assign
};

struct SimResult {
  double makespan = 0;       // virtual time when the coordinator had accepted every task
  double coord_seconds = 0;  // steady-clock time inside coordinator sections
  // The tail: sections after every task had its first attempt (the queue is empty).
  double tail_coord_seconds = 0;
  uint64_t tail_sections = 0;
  uint64_t coord_sections = 0;
  uint64_t assign_calls = 0, results = 0, task_frames = 0, task_frame_bytes = 0, cancel_frames = 0, cancel_frame_bytes = 0;
  uint64_t cancelled_running = 0, cancelled_queued = 0;
  double first_section_seconds = 0;  // the Assign at the start of the job (fills every slot)
  // Races the modelled coordinator allows: a result of an attempt cancelled
  // before its result was handled (dropped: Complete says kUnknown), a cancel
  // reaching an attempt that had already finished.
  uint64_t late_results = 0, late_cancels = 0;
  cluster::Scheduler::Stats stats;
  std::vector<int> winner;  // per task: the worker whose result was accepted
  // Staged runs: tasks whose accepted attempt ran away from its piece's holder,
  // and their bytes; first attempts that took a task pinned to a live home
  // away from it (must equal stats.stolen).
  uint64_t away_tasks = 0, away_bytes = 0, taken_from_live_homes = 0;
  double wall_seconds = 0;  // the whole simulation, simulator included
  std::string error;        // empty when every check passed
  bool stopped = false;     // the budget ran out: the numbers cover part of the job
};

// What a zero-cost run did, for Replay: every coordinator section in the order
// it ran (when, for which result, its measured cost, the attempts it sent and
// cancelled), and every attempt's worker, duration and place in its worker's
// start order.
struct Trace {
  struct Section {
    double t = 0;          // when it ran (= when its item arrived: zero cost)
    uint64_t attempt = 0;  // the result it handled; 0: Assign only
    double cost = 0;       // measured seconds
    uint32_t out_begin = 0, out_end = 0, cancel_begin = 0, cancel_end = 0;  // into outs, cancels
  };
  struct Attempt {
    int worker = -1;
    double seconds = 0;         // on its worker
    uint32_t pos = UINT32_MAX;  // in starts[worker]; UINT32_MAX: cancelled before it started
  };
  int cores = 0;
  std::vector<Section> sections;
  std::vector<uint64_t> outs, cancels;
  std::vector<Attempt> attempts;              // by attempt id
  std::vector<std::vector<uint64_t>> starts;  // per worker: attempts in the order they started
};

// Runs `job` on the simulated cluster `cfg` until every task is accepted (or
// the budget runs out), checking as it goes that each task is accepted exactly
// once, that the scheduler respects slots, attempt ids, homes and removed
// workers, and that every frame decodes to what was encoded. The first failed
// check ends the run and is in SimResult::error. With `trace`, records the run.
SimResult RunFanout(const Job& job, const SimConfig& cfg, Trace* trace = nullptr);

}  // namespace fanout::sim
