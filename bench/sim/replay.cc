#include "replay.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

namespace fanout::sim {

ReplayResult Replay(const Trace& tr, bool zero_costs) {
  ReplayResult r;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const size_t n = tr.attempts.size();
  std::vector<double> deliv(n, nan), cancel_at(n, std::numeric_limits<double>::infinity());
  std::vector<uint32_t> section_of(n, UINT32_MAX);  // the section that handled the attempt's result
  for (uint32_t k = 0; k < tr.sections.size(); ++k) {
    if (tr.sections[k].attempt != 0) section_of[tr.sections[k].attempt] = k;
  }
  using Item = std::pair<double, uint32_t>;  // (arrival, section)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> arrived;
  for (uint32_t k = 0; k < tr.sections.size(); ++k) {
    if (tr.sections[k].attempt == 0) arrived.push({tr.sections[k].t, k});
  }
  struct W {
    size_t next = 0;
    double prev_start = 0;
    std::priority_queue<double, std::vector<double>, std::greater<>> free;  // when each core frees
  };
  std::vector<W> ws(tr.starts.size());
  for (W& w : ws) {
    for (int c = 0; c < tr.cores; ++c) w.free.push(0);
  }
  // Starts worker w's attempts, in order, as far as their frames have been sent.
  auto advance = [&](int w) {
    W& s = ws[static_cast<size_t>(w)];
    const std::vector<uint64_t>& order = tr.starts[static_cast<size_t>(w)];
    while (s.next < order.size() && !std::isnan(deliv[order[s.next]])) {
      uint64_t a = order[s.next];
      double core = s.free.top();
      s.free.pop();
      double start = std::max({deliv[a], s.prev_start, core});
      r.starved_core_seconds += start - core;
      double end = std::min(start + tr.attempts[a].seconds, cancel_at[a]);
      s.free.push(end);
      s.prev_start = start;
      ++s.next;
      if (section_of[a] != UINT32_MAX) arrived.push({end, section_of[a]});
    }
  };
  double coord_free = 0;
  size_t handled = 0;
  while (!arrived.empty()) {
    auto [arrival, k] = arrived.top();
    arrived.pop();
    const Trace::Section& sec = tr.sections[k];
    double start = std::max(arrival, coord_free);
    if (start < sec.t) {
      r.error = "replay: a section ran earlier than in the zero-cost run";
      return r;
    }
    r.wait_sum += start - arrival;
    r.wait_max = std::max(r.wait_max, start - arrival);
    if (k > 0) r.max_other_cost = std::max(r.max_other_cost, sec.cost);
    coord_free = start + (zero_costs ? 0.0 : sec.cost);
    r.makespan = std::max(r.makespan, coord_free);
    ++handled;
    for (uint32_t i = sec.cancel_begin; i < sec.cancel_end; ++i) cancel_at[tr.cancels[i]] = coord_free;
    for (uint32_t i = sec.out_begin; i < sec.out_end; ++i) deliv[tr.outs[i]] = coord_free;
    for (uint32_t i = sec.out_begin; i < sec.out_end; ++i) advance(tr.attempts[tr.outs[i]].worker);
  }
  if (handled != tr.sections.size()) r.error = "replay: some results never arrived";
  return r;
}

}  // namespace fanout::sim
