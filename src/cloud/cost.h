// What machines cost: EC2 bills Linux instances by the second with a minimum
// of 60 seconds, at the on-demand price or, for spot instances, at the spot
// price in force in the machine's zone during each second it ran.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/cluster_record.h"
#include "cloud/ec2.h"

namespace fanout::cloud {

inline constexpr int64_t kMinimumBilledSeconds = 60;

// The seconds EC2 bills for a machine that ran from `start` to `end`.
int64_t BilledSeconds(int64_t start, int64_t end);

// The cost of running from `start` to `end` in `zone` under a spot price
// `history` (any zones, any order): each stretch at the price of the newest
// entry of that zone at or before its start (before the oldest entry: the
// oldest), the 60-second minimum included. -1 when the history has no entry
// for the zone.
double SpotCost(const std::vector<SpotPrice>& history, const std::string& zone, int64_t start, int64_t end);

// The newest price per zone in `history`, as (zone, price) sorted by price
// then zone.
std::vector<std::pair<std::string, double>> CurrentPrices(const std::vector<SpotPrice>& history);

// "$0.04", "$12.35", "< $0.01" (0 stays "$0.00"), "$0.00042" below a cent
// when `fine`.
std::string FormatUsd(double usd, bool fine = false);

// The cost of `record`'s machines from their launch to `end`: at each
// machine's recorded hourly price, or from `history` when it is given (spot).
// Sets *known to false when some machine's price is not known (then the sum
// covers the others).
double ClusterCost(const ClusterRecord& record, int64_t end, const std::vector<SpotPrice>* history, bool* known);

// A job's share: every machine for `seconds` at its recorded hourly price
// (no 60-second minimum: the machines run on), as a CostLine.
std::string JobCostLine(const ClusterRecord& record, double seconds);

// "3 × i3en.2xlarge spot, 41 s, $0.04" — for a job's summary and `cluster down`.
std::string CostLine(const ClusterRecord& record, double seconds, double cost, bool known);

}  // namespace fanout::cloud
