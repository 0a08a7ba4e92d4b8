#include "exec/job_stats.h"

#include <algorithm>
#include <cstdio>
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
  // The tasks, the bulk of a big job's stats (100,000 tasks: 25 MB), written
  // straight to text: a JSON tree of them costs seconds. Strings go through
  // the JSON library (cached: a job has few hosts and objects).
  std::string tasks = "[";
  tasks.reserve(160 * t.attempts.size() + 64 * plan.tasks.size() + 2);
  std::map<std::string, std::string> quoted;
  auto quote = [&quoted](const std::string& text) -> const std::string& {
    auto [it, fresh] = quoted.try_emplace(text);
    if (fresh) it->second = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
    return it->second;
  };
  char num[64];
  auto seconds = [&num](double v) -> const char* {
    std::snprintf(num, sizeof num, "%.6f", v);
    return num;
  };
  uint64_t bytes = 0, rows = 0, retries = 0, backups = 0;
  for (size_t i = 0; i < plan.tasks.size(); ++i) {
    const Task& task = plan.tasks[i];
    std::stable_sort(by_task[i].begin(), by_task[i].end(),
                     [](const AttemptRecord* a, const AttemptRecord* b) { return a->attempt < b->attempt; });
    // A whole object's range is "to its end": its stored size, as a number JSON keeps exactly.
    uint64_t end = task.end == std::numeric_limits<uint64_t>::max() ? task.begin + task.stored_bytes : task.end;
    tasks += (i > 0 ? ",{\"task\":" : "{\"task\":") + std::to_string(i) + ",\"object\":" + std::to_string(task.object) +
             ",\"begin\":" + std::to_string(task.begin) + ",\"end\":" + std::to_string(end) + ",\"attempts\":[";
    bool first = true;
    for (const AttemptRecord* a : by_task[i]) {
      if (a->end_state == AttemptRecord::End::kDone) {
        bytes += a->bytes;
        rows += a->rows;
      }
      retries += a->attempt > 1 && !a->backup;
      backups += a->backup;
      tasks += first ? "{\"attempt\":" : ",{\"attempt\":";
      first = false;
      tasks += std::to_string(a->attempt);
      tasks += ",\"host\":" + quote(a->host) + ",\"slot\":" + std::to_string(a->slot);
      tasks += ",\"start_s\":";
      tasks += seconds(a->start);
      tasks += ",\"end_s\":";
      tasks += seconds(a->finish);
      tasks += ",\"bytes\":" + std::to_string(a->bytes) + ",\"rows\":" + std::to_string(a->rows);
      tasks += std::string(",\"backup\":") + (a->backup ? "true" : "false") + ",\"rerun\":" + (a->rerun ? "true" : "false") +
               ",\"restaged\":" + (a->restaged ? "true" : "false") + ",\"outcome\":\"" + EndName(a->end_state) +
               "\",\"error\":" + (a->error.empty() ? std::string("\"\"") : json(a->error).dump(-1, ' ', false, json::error_handler_t::replace));
      tasks += ",\"cpu_s\":";
      tasks += a->cpu >= 0 ? seconds(a->cpu) : "null";
      tasks += "}";
    }
    tasks += "]}";
  }
  tasks += "]";
  out["tasks"] = nullptr;  // replaced by the text above, below
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
  std::string text = out.dump(-1, ' ', false, json::error_handler_t::replace);
  // The one "tasks": null there is: inside any JSON string each '"' follows a '\\'.
  const std::string slot = "\"tasks\":null";
  size_t at = text.find(slot);
  if (at != std::string::npos) text.replace(at + slot.size() - 4, 4, tasks);
  return text;
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
