#include "exec/diagnosis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/bytes.h"

namespace fanout::exec {

namespace {

constexpr double kScaledWellShare = 0.2;  // a cause costing less than this share of the wall is not "the" bound
constexpr double kSlowFactor = 0.6;       // a machine this much slower than the others' median is slow
constexpr double kSourceWaitShare = 0.5;  // tasks off the CPU more than this share of their run waited on their source

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 10 ? "%.2f s" : "%.1f s", s);
  return buf;
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f %%", 100 * share);
  return buf;
}

std::string Rate(double bytes_per_s) { return FormatBytes(static_cast<uint64_t>(std::max(0.0, bytes_per_s))) + "/s"; }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Duration(const AttemptRecord& a) { return std::max(0.0, a.finish - a.start); }

struct Facts {
  int slots = 0;
  double scan_start = 0, scan_end = 0, scan = 0;
  double useful = 0;  // seconds of the attempts whose results were merged
  double wasted = 0;  // seconds of every other attempt
  size_t tasks = 0;
  uint64_t bytes = 0;
  const AttemptRecord* largest = nullptr;  // the longest merged attempt not on a slow machine
  std::map<std::string, double> speed;     // per host: the median bytes/s of its merged attempts
  std::map<std::string, double> others;    // per host: the median of the other hosts' speeds
  std::map<std::string, bool> slow;        // per host: slower than kSlowFactor of the others
};

Facts Gather(const Timeline& t) {
  Facts f;
  std::map<std::string, int> slots_of;
  for (const HostRecord& h : t.hosts) slots_of[h.name] = std::max(h.slots, 0);
  for (const AttemptRecord& a : t.attempts) slots_of[a.host] = std::max(slots_of[a.host], a.slot + 1);
  for (const auto& [host, n] : slots_of) f.slots += n;
  f.slots = std::max(f.slots, 1);
  bool any = false;
  std::map<uint32_t, bool> tasks;
  for (const AttemptRecord& a : t.attempts) {
    f.scan_start = any ? std::min(f.scan_start, a.start) : a.start;
    f.scan_end = any ? std::max(f.scan_end, a.finish) : a.finish;
    any = true;
    tasks[a.task] = true;
    if (a.end_state == AttemptRecord::End::kDone) {
      f.useful += Duration(a);
      f.bytes += a.bytes;
    } else {
      f.wasted += Duration(a);
    }
  }
  f.tasks = tasks.size();
  f.scan = std::max(0.0, f.scan_end - f.scan_start);
  std::map<std::string, std::vector<double>> speeds;
  for (const AttemptRecord& a : t.attempts) {
    if (a.end_state == AttemptRecord::End::kDone && Duration(a) > 0 && a.bytes > 0) {
      speeds[a.host].push_back(static_cast<double>(a.bytes) / Duration(a));
    }
  }
  for (auto& [host, v] : speeds) f.speed[host] = Median(v);
  for (const auto& [host, s] : f.speed) {
    std::vector<double> rest;
    for (const auto& [h, o] : f.speed) {
      if (h != host) rest.push_back(o);
    }
    f.others[host] = Median(rest);
    f.slow[host] = !rest.empty() && f.others[host] > 0 && s < kSlowFactor * f.others[host];
  }
  // The critical path is a task's own length, not its machine's slowness.
  f.largest = nullptr;
  for (const AttemptRecord& a : t.attempts) {
    if (a.end_state != AttemptRecord::End::kDone || f.slow[a.host]) continue;
    if (f.largest == nullptr || Duration(a) > Duration(*f.largest)) f.largest = &a;
  }
  return f;
}

Diagnosis Startup(const Timeline& t, const Facts& f) {
  Diagnosis d{"startup", "", f.scan_start};
  std::string parts;
  for (const PhaseRecord& p : t.phases) {
    if (p.name == "scanning" || p.name == "merging" || p.name == "writing" || p.end <= p.start) continue;
    parts += (parts.empty() ? "" : ", ") + p.name + " " + Seconds(p.end - p.start);
  }
  d.sentence = "Start-up took " + Seconds(f.scan_start) + " of the " + Seconds(t.wall) + " (" +
               Percent(t.wall > 0 ? f.scan_start / t.wall : 0) + ")" + (parts.empty() ? "" : ": " + parts) +
               ", before the first task ran.";
  return d;
}

// The time lost because fewer tasks than slots could run at once.
Diagnosis FewTasks(const Timeline& t, const Facts& f) {
  Diagnosis d{"few_tasks", "", 0};
  if (f.tasks == 0 || f.tasks >= static_cast<size_t>(f.slots)) return d;
  double ideal = f.useful / f.slots;
  double with_these = f.useful / static_cast<double>(f.tasks);
  d.lost_seconds = std::max(0.0, std::min(with_these, f.scan) - ideal);
  bool unsplittable = false;
  for (const AttemptRecord& a : t.attempts) unsplittable = unsplittable || a.unsplittable;
  d.sentence = "Only " + std::to_string(f.tasks) + (f.tasks == 1 ? " task" : " tasks") + " for " +
               std::to_string(f.slots) + " slots: " + std::to_string(f.slots - static_cast<int>(f.tasks)) +
               " slots had nothing to do the whole job; " +
               SplitAdvice(f.bytes / 4, f.slots, unsplittable, t.range_size) + (unsplittable ? "" : " (about 4 tasks a slot)") +
               ".";
  return d;
}

// The largest task, when it alone outlasts the work spread over the slots.
Diagnosis CriticalPath(const Timeline& t, const Facts& f) {
  Diagnosis d{"critical_path", "", 0};
  if (f.largest == nullptr) return d;
  const AttemptRecord& a = *f.largest;
  double longest = Duration(a);
  double spread = f.useful / std::min<double>(f.slots, std::max<size_t>(f.tasks, 1));
  d.lost_seconds = std::max(0.0, longest - spread);
  uint64_t size = a.end > a.begin ? a.end - a.begin : a.bytes;
  d.sentence = "The largest task, " + a.object + " (" + FormatBytes(size) + "), ran " + Seconds(longest) + " of the " +
               Seconds(f.scan) + " scan, while all the work spread over the " + std::to_string(f.slots) +
               " slots would take " + Seconds(spread) + ": " + SplitAdvice(size, f.slots, a.unsplittable, t.range_size) +
               ", so that the slots share it.";
  return d;
}

// A machine whose tasks ran much slower than the others'.
Diagnosis SlowMachine(const Timeline& t, const Facts& f) {
  Diagnosis d{"slow_machine", "", 0};
  for (const auto& [host, s] : f.speed) {
    if (!f.slow.at(host)) continue;
    const double other = f.others.at(host);
    double extra = 0;
    size_t n = 0;
    for (const AttemptRecord& a : t.attempts) {
      if (a.host != host || a.end_state != AttemptRecord::End::kDone || Duration(a) <= 0 || a.bytes == 0) continue;
      extra += Duration(a) - static_cast<double>(a.bytes) / other;
      ++n;
    }
    // What it cost the job's end: its slots' extra time, but no more than
    // the scan's overrun of the work done at the others' speed, spread.
    int host_slots = 1;
    for (const HostRecord& h : t.hosts) {
      if (h.name == host) host_slots = std::max(h.slots, 1);
    }
    double lost = std::min(extra / host_slots, f.scan - (f.useful - extra) / f.slots);
    if (lost <= d.lost_seconds) continue;
    d.lost_seconds = lost;
    d.sentence = host + " was slow: its tasks ran at " + Rate(s) + " (median), the other machines' at " + Rate(other) +
                 "; its " + std::to_string(n) + (n == 1 ? " task" : " tasks") + " took " + Seconds(extra) +
                 " more than they would have elsewhere.";
  }
  return d;
}

// Tasks whose threads were mostly off the CPU while they ran: they waited on
// their source (the network or the store; the disk for local files).
Diagnosis Source(const Timeline& t, const Facts& f) {
  Diagnosis d{"source", "", 0};
  double run = 0, cpu = 0;
  bool remote = false;
  std::vector<double> speeds;
  for (const AttemptRecord& a : t.attempts) {
    if (a.end_state != AttemptRecord::End::kDone || a.cpu < 0 || Duration(a) <= 0) continue;
    run += Duration(a);
    cpu += std::min(a.cpu, Duration(a));
    remote = remote || a.remote;
    if (a.bytes > 0) speeds.push_back(static_cast<double>(a.bytes) / Duration(a));
  }
  if (run <= 0 || f.useful <= 0) return d;
  const double on_cpu = cpu / run;
  if (on_cpu > 1 - kSourceWaitShare) return d;
  // Had they run at the speed of their CPU work, the scan would have been
  // shorter by the share of it they waited.
  d.lost_seconds = f.scan * (1 - on_cpu) * std::min(1.0, run / f.useful);
  d.sentence = std::string("The tasks waited on their source: their threads were on the CPU only ") + Percent(on_cpu) +
               " of the " + Seconds(run) + " they ran (a slot read " + Rate(Median(speeds)) + ", median), so the job is bound by " +
               (remote ? "the network or the store" : "the disk") + ", not by the CPUs: " +
               (remote ? "more connections (--connections), more machines or machines nearer the data would help"
                       : "faster disks, or the data spread over more machines, would help") +
               ", more cores would not.";
  return d;
}

// Attempts whose work was thrown away: failures, lost machines, duplicates.
Diagnosis Retries(const Timeline& t, const Facts& f) {
  // The work thrown away, spread over the slots, and the capacity a lost
  // machine no longer gave from its loss to the end of the scan.
  double missing = 0;
  for (const HostRecord& h : t.hosts) {
    if (h.lost >= 0 && h.joined >= 0) missing += std::max(0.0, f.scan_end - h.lost) * std::max(h.slots, 1) / f.slots;
  }
  Diagnosis d{"retries", "", f.wasted / f.slots + missing};
  if (f.wasted <= 0 && missing <= 0) return {"retries", "", 0};
  size_t again = 0;
  for (const AttemptRecord& a : t.attempts) again += a.end_state != AttemptRecord::End::kDone;
  std::string lost;
  for (const HostRecord& h : t.hosts) {
    if (h.lost >= 0 && h.joined >= 0) lost += (lost.empty() ? "" : ", ") + h.name + (!h.interrupted.empty() ? " interrupted" : " lost") + " at " + Seconds(h.lost);
  }
  d.sentence = "Failures and lost machines cost about " + Seconds(d.lost_seconds) + ": " + std::to_string(again) +
               (again == 1 ? " attempt" : " attempts") + " failed, were lost or were beaten by another (" +
               Seconds(f.wasted) + " of work thrown away)" + (lost.empty() ? "" : "; " + lost) + ".";
  return d;
}

}  // namespace

std::string RangeSizeFlag(uint64_t bytes) {
  uint64_t p = 64 << 10;
  while (p * 2 <= bytes && p < (uint64_t{1} << 40)) p *= 2;
  if (p >= (uint64_t{1} << 30)) return std::to_string(p >> 30) + "GiB";
  if (p >= (uint64_t{1} << 20)) return std::to_string(p >> 20) + "MiB";
  return std::to_string(p >> 10) + "KiB";
}

std::string SplitAdvice(uint64_t bytes, int slots, bool unsplittable, uint64_t range_size) {
  if (unsplittable) {
    return "a compressed object cannot be split into ranges: store it as several smaller objects, or stage it "
           "once (fanout stage) and query the stage";
  }
  std::string flag = RangeSizeFlag(bytes / static_cast<uint64_t>(std::max(slots, 1)));
  return "split it (--range-size " + flag + (range_size > 0 ? ", not " + RangeSizeFlag(range_size) : "") +
         "; for Parquet, more row groups)";
}

const char* EndName(AttemptRecord::End end) {
  switch (end) {
    case AttemptRecord::End::kDone: return "done";
    case AttemptRecord::End::kDuplicate: return "duplicate";
    case AttemptRecord::End::kFailed: return "failed";
    case AttemptRecord::End::kLost: return "lost";
    case AttemptRecord::End::kCancelled: return "cancelled";
  }
  return "done";
}

std::vector<Diagnosis> AllCauses(const Timeline& t) {
  Facts f = Gather(t);
  std::vector<Diagnosis> all = {Startup(t, f),    FewTasks(t, f), CriticalPath(t, f),
                                SlowMachine(t, f), Source(t, f),   Retries(t, f)};
  all.erase(std::remove_if(all.begin(), all.end(), [](const Diagnosis& d) { return d.sentence.empty(); }), all.end());
  std::stable_sort(all.begin(), all.end(),
                   [](const Diagnosis& a, const Diagnosis& b) { return a.lost_seconds > b.lost_seconds; });
  return all;
}

Diagnosis Diagnose(const Timeline& t) {
  Facts f = Gather(t);
  std::vector<Diagnosis> all = AllCauses(t);
  if (!all.empty() && all[0].lost_seconds > kScaledWellShare * t.wall) return all[0];
  double busy = f.slots * f.scan > 0 ? f.useful / (f.slots * f.scan) : 0;
  Diagnosis d{"scaled_well", "", all.empty() ? 0 : all[0].lost_seconds};
  d.sentence = "The job scaled well: its " + std::to_string(f.slots) + " slots were busy " + Percent(busy) +
               " of the " + Seconds(f.scan) + " scan" +
               (all.empty() || all[0].lost_seconds <= 0
                    ? "."
                    : "; the largest cost, " + all[0].cause + ", was " + Seconds(all[0].lost_seconds) + ".");
  return d;
}

}  // namespace fanout::exec
