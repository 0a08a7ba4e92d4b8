#include "exec/job_stats.h"

#include <algorithm>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

namespace fanout::exec {

namespace {

using nlohmann::json;

json DiagnosisJson(const Diagnosis& d) { return {{"cause", d.cause}, {"sentence", d.sentence}, {"lost_s", d.lost_seconds}}; }

}  // namespace

std::string StatsJson(const JobInfo& job, const Plan& plan, const Timeline& t) {
  json out;
  out["fanout_stats"] = 1;
  out["job"] = {{"command", job.command}, {"argv", job.argv},       {"mode", job.mode},
                {"version", FANOUT_VERSION}, {"started", job.started}, {"wall_s", t.wall},
                {"status", job.ok ? "ok" : "failed"}, {"error", job.ok ? "" : job.error}};
  uint64_t largest = 0;
  for (const Task& task : plan.tasks) largest = std::max(largest, task.stored_bytes);
  int slots = 0;
  for (const HostRecord& h : t.hosts) slots += std::max(h.slots, 0);
  out["plan"] = {{"objects", plan.objects.size()}, {"tasks", plan.tasks.size()},  {"bytes", plan.total_bytes},
                 {"range_size", t.range_size},     {"largest_task_bytes", largest}, {"slots", slots}};
  json phases = json::array();
  std::vector<PhaseRecord> ordered = t.phases;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const PhaseRecord& a, const PhaseRecord& b) { return a.start < b.start; });
  for (const PhaseRecord& p : ordered) phases.push_back({{"name", p.name}, {"start_s", p.start}, {"end_s", p.end}});
  out["phases"] = std::move(phases);
  json hosts = json::array();
  uint64_t lost_hosts = 0;
  for (const HostRecord& h : t.hosts) {
    lost_hosts += h.lost >= 0 && h.joined >= 0;
    hosts.push_back({{"name", h.name},
                     {"slots", h.slots},
                     {"joined_s", h.joined >= 0 ? json(h.joined) : json(nullptr)},
                     {"lost_s", h.lost >= 0 ? json(h.lost) : json(nullptr)},
                     {"lost", h.lost_reason},
                     {"interrupted", h.interrupted}});
  }
  out["hosts"] = std::move(hosts);
  json objects = json::array();
  for (const ObjectPlan& o : plan.objects) objects.push_back({{"url", o.info.url}, {"size", o.info.size}, {"format", o.format}});
  out["objects"] = std::move(objects);

  std::vector<std::vector<const AttemptRecord*>> by_task(plan.tasks.size());
  for (const AttemptRecord& a : t.attempts) {
    if (a.task < by_task.size()) by_task[a.task].push_back(&a);
  }
  json tasks = json::array();
  uint64_t bytes = 0, rows = 0, retries = 0, backups = 0;
  for (size_t i = 0; i < plan.tasks.size(); ++i) {
    const Task& task = plan.tasks[i];
    json attempts = json::array();
    std::stable_sort(by_task[i].begin(), by_task[i].end(),
                     [](const AttemptRecord* a, const AttemptRecord* b) { return a->attempt < b->attempt; });
    for (const AttemptRecord* a : by_task[i]) {
      if (a->end_state == AttemptRecord::End::kDone) {
        bytes += a->bytes;
        rows += a->rows;
      }
      retries += a->attempt > 1 && !a->backup;
      backups += a->backup;
      attempts.push_back({{"attempt", a->attempt},  {"host", a->host},          {"slot", a->slot},
                          {"start_s", a->start},    {"end_s", a->finish},       {"bytes", a->bytes},
                          {"rows", a->rows},        {"backup", a->backup},      {"rerun", a->rerun},
                          {"restaged", a->restaged}, {"outcome", EndName(a->end_state)}, {"error", a->error},
                          {"cpu_s", a->cpu >= 0 ? json(a->cpu) : json(nullptr)}});
    }
    // A whole object's range is "to its end": its stored size, as a number JSON keeps exactly.
    uint64_t end = task.end == std::numeric_limits<uint64_t>::max() ? task.begin + task.stored_bytes : task.end;
    tasks.push_back({{"task", i},
                     {"object", task.object},
                     {"begin", task.begin},
                     {"end", end},
                     {"attempts", std::move(attempts)}});
  }
  out["tasks"] = std::move(tasks);
  double scan_start = 0, scan_end = 0, useful = 0;
  bool any = false;
  for (const AttemptRecord& a : t.attempts) {
    scan_start = any ? std::min(scan_start, a.start) : a.start;
    scan_end = any ? std::max(scan_end, a.finish) : a.finish;
    any = true;
    if (a.end_state == AttemptRecord::End::kDone) useful += std::max(0.0, a.finish - a.start);
  }
  double capacity = std::max(slots, 1) * (scan_end - scan_start);
  out["totals"] = {{"bytes", bytes},
                   {"rows", rows},
                   {"attempts", t.attempts.size()},
                   {"retries", retries},
                   {"backups", backups},
                   {"lost_hosts", lost_hosts},
                   {"busy_share", capacity > 0 ? useful / capacity : 0.0}};
  Diagnosis d = Diagnose(t);
  if (!job.ok) d = Diagnosis{"failed", "The job failed: " + job.error, t.wall};
  json diagnosis = DiagnosisJson(d);
  json all = json::array();
  for (const Diagnosis& c : AllCauses(t)) all.push_back(DiagnosisJson(c));
  diagnosis["all"] = std::move(all);
  out["diagnosis"] = std::move(diagnosis);
  // Object names and messages may hold any bytes: never fail on invalid UTF-8.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ForScriptElement(const std::string& json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace fanout::exec
