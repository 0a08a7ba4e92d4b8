#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace fanout::sim {
namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: fanout_sim [--out FILE] [--only dispatch|taxi|staged] [--reps N] [--scale WORKERSxTASKS]...\n"
               "                  [--cores N] [--budget SECONDS] [--core-gbps X] [--alt-core-gbps X] [--taxi-core-gbps X]\n"
               "                  [--staged-core-gbps X] [--staged-source-ratio X]\n"
               "                  [--jitter X] [--tick S] [--seed N] [--dispatch-backups on|off|both] [--note TEXT]\n");
  return 2;
}

constexpr long kMaxTasks = 100000000;

}  // namespace

int ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool missing = false;
    auto val = [&]() -> const char* {
      if (i + 1 < argc) return argv[++i];
      missing = true;
      return "";
    };
    if (a == "--out") o->out = val();
    else if (a == "--only") o->only = val();
    else if (a == "--note") o->note = val();
    else if (a == "--reps") o->reps = std::max(1, std::atoi(val()));
    else if (a == "--scale") {
      const char* v = val();
      char* end = nullptr;
      long w = std::strtol(v, &end, 10);
      long t = (end && *end == 'x') ? std::strtol(end + 1, &end, 10) : 0;
      if (!missing && (w < 1 || t < 1 || t > kMaxTasks || (end && *end))) return Usage();
      o->scales.emplace_back(static_cast<int>(w), static_cast<uint32_t>(t));
    }
    else if (a == "--budget") o->budget = std::atof(val());
    else if (a == "--cores") o->cores = std::max(1, std::atoi(val()));
    else if (a == "--core-gbps") o->core_gbps = std::atof(val());
    else if (a == "--alt-core-gbps") o->alt_core_gbps = std::atof(val());
    else if (a == "--taxi-core-gbps") o->taxi_core_gbps = std::atof(val());
    else if (a == "--staged-core-gbps") o->staged_core_gbps = std::atof(val());
    else if (a == "--staged-source-ratio") o->staged_source_ratio = std::atof(val());
    else if (a == "--jitter") o->jitter = std::atof(val());
    else if (a == "--tick") o->tick = std::atof(val());
    else if (a == "--seed") o->seed = std::strtoull(val(), nullptr, 10);
    else if (a == "--dispatch-backups") o->dispatch_backups = val();
    else if (a == "-h" || a == "--help") return Usage();
    else {
      std::fprintf(stderr, "fanout_sim: unknown argument %s\n", a.c_str());
      return Usage();
    }
    if (missing) {
      std::fprintf(stderr, "fanout_sim: %s needs a value\n", a.c_str());
      return 2;
    }
  }
  if (o->core_gbps <= 0 || o->alt_core_gbps < 0 || o->taxi_core_gbps <= 0 || o->staged_core_gbps <= 0 ||
      o->staged_source_ratio <= 0 ||
      (o->only != "" && o->only != "dispatch" && o->only != "taxi" && o->only != "staged") ||
      (o->dispatch_backups != "on" && o->dispatch_backups != "off" && o->dispatch_backups != "both")) {
    return Usage();
  }
  if (o->scales.empty()) o->scales.emplace_back(1000, 100000);
  return -1;
}

}  // namespace fanout::sim
