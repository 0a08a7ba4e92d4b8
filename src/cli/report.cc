#include "cli/report.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <queue>

#include "cli/common.h"
#include "cli/report_template.h"  // generated from report_template.html (CMakeLists.txt)
#include "cluster/scheduler.h"
#include "core/bytes.h"
#include "core/file_write.h"
#include "core/strings.h"
#include "exec/diagnosis.h"
#include "exec/job_stats.h"

namespace fanout::cli {

namespace {

constexpr std::string_view kPlaceholder = "@FANOUT_STATS@";

struct ReportState {
  std::unique_ptr<exec::TimelineRecorder> timeline;
  std::vector<std::string> argv;
  std::string started;  // ISO 8601
  ReportFlags flags;
  std::string mode = "local";
  const exec::Plan* plan = nullptr;
  bool begun = false, finished = false;
  double executed = -1;
};

ReportState& State() {
  static ReportState state;
  return state;
}

std::string NowIso() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Html(const std::string& json) {
  std::string page(kReportTemplate);
  size_t at = page.find(kPlaceholder);
  if (at == std::string::npos) return page;  // (the template's test makes sure it is there)
  page.replace(at, kPlaceholder.size(), exec::ForScriptElement(json));
  return page;
}

}  // namespace

void AddReportFlags(CLI::App* sub, ReportFlags* f) {
  auto* g = sub->add_option_group("Report");
  g->add_option("--report", f->report,
                "Write FILE.html when the job ends: every machine's timeline, throughput, a table per machine and "
                "what bounded the job (one self-contained page, docs/report.md)");
  g->add_option("--stats", f->stats, "Write the same facts as JSON to FILE.json (schema: docs/report.md)");
  g->add_flag("--dry-run", f->dry_run,
              "Print the plan (objects, tasks, sizes, what each host takes first, the expected critical path) and "
              "stop without reading any data");
}

void SetCommandLine(int argc, char** argv) {
  ReportState& s = State();
  s.timeline = std::make_unique<exec::TimelineRecorder>();
  s.started = NowIso();
  s.argv.assign(argv, argv + argc);
}

exec::TimelineRecorder& JobTimeline() {
  ReportState& s = State();
  if (s.timeline == nullptr) s.timeline = std::make_unique<exec::TimelineRecorder>();
  return *s.timeline;
}

namespace {

// A report that could not be written would be found out only after the job
// ran (and printed its answer): a directory that is not there fails at once.
void CheckWritable(const std::string& flag, const std::string& path) {
  if (path.empty()) return;
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(dir.c_str(), W_OK) != 0) {
    FailUsage(Status::InvalidArgument(flag + " " + path + ": cannot write in " + dir + " (" +
                                      (errno != 0 ? std::strerror(errno) : "not a directory") + ")"));
  }
}

}  // namespace

void BeginReports(const ReportFlags& flags, const std::string& mode, const exec::Plan* plan) {
  errno = 0;
  CheckWritable("--stats", flags.stats);
  CheckWritable("--report", flags.report);
  ReportState& s = State();
  s.flags = flags;
  s.mode = mode;
  s.plan = plan;
  s.begun = true;
  if (plan != nullptr) {
    uint64_t range = 0;
    for (const exec::Task& t : plan->tasks) {
      if (t.ranges > 1) range = std::max(range, t.end - t.begin);
    }
    JobTimeline().SetRangeSize(range);
  }
}

void MarkExecuted() { State().executed = JobTimeline().Now(); }

Result<std::string> FinishReports(const Status& status) {
  ReportState& s = State();
  if (!s.begun || s.finished || !s.flags.wanted()) return std::string();
  s.finished = true;
  exec::TimelineRecorder& tl = JobTimeline();
  if (s.executed >= 0) tl.AddPhase("writing", s.executed, tl.Now());
  exec::JobInfo info;
  info.command = s.argv.size() > 1 ? s.argv[1] : "";
  info.argv = s.argv;
  info.mode = s.mode;
  info.started = s.started;
  info.ok = status.ok();
  info.error = status.message();
  static const exec::Plan kNoPlan;
  std::string json = exec::StatsJson(info, s.plan != nullptr ? *s.plan : kNoPlan, tl.Snapshot());
  std::string note;
  if (!s.flags.stats.empty()) {
    RETURN_IF_ERROR(WriteFileAtomically(s.flags.stats, json + "\n", 0644).WithPrefix("--stats " + s.flags.stats));
    note += ", stats in " + s.flags.stats;
  }
  if (!s.flags.report.empty()) {
    RETURN_IF_ERROR(WriteFileAtomically(s.flags.report, Html(json), 0644).WithPrefix("--report " + s.flags.report));
    note += ", report in " + s.flags.report;
  }
  return note;
}

std::string FinishReportsOrFail() { return OrFail(FinishReports(Status::OK())); }

std::string DryRunText(const exec::Plan& plan, const std::vector<std::pair<std::string, int>>& hosts) {
  std::string out;
  char line[512];
  uint64_t largest = 0;
  for (const exec::Task& t : plan.tasks) largest = std::max(largest, t.stored_bytes);
  int slots = 0;
  for (const auto& [name, cores] : hosts) slots += std::max(cores, 1);
  out += "plan: " + CountOf(plan.objects.size(), "object") + ", " + CountOf(plan.tasks.size(), "task") + ", " +
         FormatBytes(plan.total_bytes) + " on " + CountOf(hosts.size(), "host") + " with " + CountOf(slots, "slot") +
         "\n";
  // The objects, largest first, with how they were split.
  std::vector<uint32_t> tasks_of(plan.objects.size());
  for (const exec::Task& t : plan.tasks) ++tasks_of[t.object];
  std::vector<uint32_t> order(plan.objects.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return plan.objects[a].info.size > plan.objects[b].info.size; });
  constexpr size_t kListed = 20;
  out += "objects (largest first):\n";
  for (size_t k = 0; k < order.size() && k < kListed; ++k) {
    const exec::ObjectPlan& o = plan.objects[order[k]];
    std::snprintf(line, sizeof line, "  %10s  %-7s  %5u %-5s  %s\n", FormatBytes(o.info.size).c_str(), o.format.c_str(),
                  tasks_of[order[k]], tasks_of[order[k]] == 1 ? "task" : "tasks", ForTerminal(o.info.url).c_str());
    out += line;
  }
  if (order.size() > kListed) out += "  ... and " + CountOf(order.size() - kListed, "more object") + "\n";

  // The scheduler the job would use, on a simulated clock where every slot
  // reads a byte a tick: what each host takes first, and when the last task ends.
  cluster::SchedulerOptions so;
  so.backups = false;
  cluster::Scheduler sched(so);
  for (const exec::Task& t : plan.tasks) sched.AddTask(t.stored_bytes);
  std::vector<int> cores;
  for (const auto& [name, c] : hosts) {
    sched.AddWorker(c);
    cores.push_back(std::max(c, 1));
  }
  struct Running {
    double end;
    uint64_t attempt;
    int worker;
    bool operator>(const Running& o) const { return end > o.end; }
  };
  std::priority_queue<Running, std::vector<Running>, std::greater<>> running;
  std::vector<std::deque<std::pair<uint64_t, uint32_t>>> waiting(hosts.size());  // queued on a worker
  std::vector<int> busy(hosts.size());
  std::vector<std::vector<uint32_t>> first(hosts.size());
  double now = 0, makespan = 0;
  bool first_round = true;
  auto start_waiting = [&](int w) {
    while (busy[w] < cores[w] && !waiting[w].empty()) {
      auto [attempt, task] = waiting[w].front();
      waiting[w].pop_front();
      ++busy[w];
      running.push(Running{now + static_cast<double>(std::max<uint64_t>(plan.tasks[task].stored_bytes, 1)), attempt, w});
    }
  };
  while (!sched.AllDone()) {
    std::vector<cluster::Assignment> a;
    sched.Assign(now, &a);
    for (const cluster::Assignment& x : a) {
      waiting[x.worker].emplace_back(x.attempt, x.task);
      if (first_round) first[x.worker].push_back(x.task);
    }
    first_round = false;
    for (size_t w = 0; w < hosts.size(); ++w) start_waiting(static_cast<int>(w));
    if (running.empty()) break;  // (cannot happen: every task is assignable)
    Running r = running.top();
    running.pop();
    now = makespan = r.end;
    --busy[r.worker];
    std::vector<uint64_t> cancel;
    (void)sched.Complete(r.attempt, now, &cancel);
    start_waiting(r.worker);
  }
  out += "first tasks per host:\n";
  for (size_t w = 0; w < hosts.size(); ++w) {
    uint64_t bytes = 0;
    for (uint32_t t : first[w]) bytes += plan.tasks[t].stored_bytes;
    std::string what;
    for (size_t k = 0; k < first[w].size() && k < 3; ++k) {
      const exec::Task& t = plan.tasks[first[w][k]];
      what += (k > 0 ? ", " : "") + plan.objects[t.object].info.url +
              (t.ranges > 1 ? " [" + std::to_string(t.range + 1) + "/" + std::to_string(t.ranges) + "]" : "");
    }
    if (first[w].size() > 3) what += ", ...";
    out += "  " + ForTerminal(hosts[w].first) + ": " + CountOf(first[w].size(), "task") + ", " + FormatBytes(bytes) +
           (what.empty() ? "" : " (" + ForTerminal(what) + ")") + "\n";
  }
  double ideal = slots > 0 ? static_cast<double>(plan.total_bytes) / slots : 0;
  out += "expected: the work spread evenly is " + FormatBytes(static_cast<uint64_t>(ideal)) +
         " per slot; the largest task is " + FormatBytes(largest);
  if (ideal > 0 && makespan > 0) {
    std::snprintf(line, sizeof line, "; the last slot to finish reads %s, %.2fx the even share",
                  FormatBytes(static_cast<uint64_t>(makespan)).c_str(), makespan / ideal);
    out += line;
    if (plan.tasks.size() < static_cast<size_t>(slots)) {
      out += " — fewer tasks than slots: " + CountOf(slots - plan.tasks.size(), "slot") + " will have nothing to do";
    }
    if (makespan > 1.25 * ideal && static_cast<double>(largest) > 0.8 * makespan) {
      bool unsplittable = false;
      for (const exec::Task& t : plan.tasks) {
        unsplittable = unsplittable || (t.stored_bytes == largest && t.ranges == 1 &&
                                        plan.objects[t.object].compression != io::Compression::kNone);
      }
      uint64_t range = 0;
      for (const exec::Task& t : plan.tasks) {
        if (t.ranges > 1) range = std::max(range, t.end - t.begin);
      }
      out += " — the largest task is the critical path: " + exec::SplitAdvice(largest, slots, unsplittable, range);
    }
  }
  out += "\n";
  return out;
}

}  // namespace fanout::cli
