// The three parts of the simulation (bench/sim/README.md: 1. the coordinator's
// dispatch rate and overhead, 2. makespan on the taxi listing, 3. a job over
// staged data). Each appends its markdown to *md and its failed sanity checks to
// *checks; `partial` is the payload of every simulated done frame.
#pragma once

#include <sstream>
#include <string>

#include "options.h"
#include "report.h"

namespace fanout::sim {

void DispatchPart(const Options& o, const std::string& partial, Checks* checks, std::ostringstream* md);
void TaxiPart(const Options& o, const std::string& partial, Checks* checks, std::ostringstream* md);
void StagedPart(const Options& o, const std::string& partial, Checks* checks, std::ostringstream* md);

}  // namespace fanout::sim
