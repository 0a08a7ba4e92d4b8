#include "cloud/cost.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/bytes.h"

namespace fanout::cloud {

int64_t BilledSeconds(int64_t start, int64_t end) { return std::max(end - start, kMinimumBilledSeconds); }

double SpotCost(const std::vector<SpotPrice>& history, const std::string& zone, int64_t start, int64_t end) {
  std::vector<std::pair<int64_t, double>> points;  // (time, price) in this zone
  for (const SpotPrice& p : history) {
    if (p.zone == zone) points.push_back({ParseIsoTime(p.timestamp), p.price});
  }
  if (points.empty()) return -1;
  std::sort(points.begin(), points.end());
  int64_t billed_end = start + BilledSeconds(start, end);
  double cost = 0;
  // The price in force at `start`: the newest point at or before it, else the oldest.
  size_t i = 0;
  while (i + 1 < points.size() && points[i + 1].first <= start) ++i;
  int64_t t = start;
  while (t < billed_end) {
    int64_t next = i + 1 < points.size() ? std::min(points[i + 1].first, billed_end) : billed_end;
    if (next > t) cost += points[i].second * static_cast<double>(next - t) / 3600.0;
    t = std::max(t, next);
    if (i + 1 < points.size()) ++i;
  }
  return cost;
}

std::vector<std::pair<std::string, double>> CurrentPrices(const std::vector<SpotPrice>& history) {
  std::map<std::string, std::pair<int64_t, double>> newest;
  for (const SpotPrice& p : history) {
    int64_t t = ParseIsoTime(p.timestamp);
    auto it = newest.find(p.zone);
    if (it == newest.end() || t > it->second.first) newest[p.zone] = {t, p.price};
  }
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [zone, tp] : newest) out.push_back({zone, tp.second});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  return out;
}

std::string FormatUsd(double usd, bool fine) {
  char buf[64];
  if (usd == 0) return "$0.00";
  if (usd < 0.005) {
    if (!fine) return "< $0.01";
    std::snprintf(buf, sizeof buf, "$%.5f", usd);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

double ClusterCost(const ClusterRecord& record, int64_t end, const std::vector<SpotPrice>* history, bool* known) {
  *known = true;
  double total = 0;
  for (const Machine& m : record.machines) {
    double c = -1;
    if (history != nullptr) c = SpotCost(*history, m.zone, m.launched, end);
    if (c < 0 && m.hourly_price >= 0) c = m.hourly_price * static_cast<double>(BilledSeconds(m.launched, end)) / 3600.0;
    if (c < 0) {
      *known = false;
      continue;
    }
    total += c;
  }
  return total;
}

std::string JobCostLine(const ClusterRecord& record, double seconds) {
  bool known = true;
  double cost = 0;
  for (const Machine& m : record.machines) {
    if (m.hourly_price < 0) known = false;
    else cost += m.hourly_price * seconds / 3600.0;
  }
  return CostLine(record, seconds, cost, known);
}

std::string CostLine(const ClusterRecord& record, double seconds, double cost, bool known) {
  std::string s = std::to_string(record.machines.size()) + " × " + record.type + (record.spot ? " spot" : " on-demand") +
                  ", " + FormatSeconds(seconds);
  s += known ? ", " + FormatUsd(cost) : ", cost not known (no price for " + record.type + " here)";
  return s;
}

}  // namespace fanout::cloud
