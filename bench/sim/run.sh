#!/usr/bin/env bash
# Builds build/fanout_sim, runs the scheduler simulation and writes
# bench/results/YYYY-MM-DD-<hostname>-sim.md. bench/sim/README.md explains it.
#
#   bash bench/sim/run.sh                 # a few seconds on 2 cores
#   bash bench/sim/run.sh --reps 9        # extra arguments go to fanout_sim
#
# Exit status: fanout_sim's. When a sanity check fails (a task not accepted
# exactly once, a makespan under its lower bound, two zero-cost runs differing,
# the coordinator model shortening a makespan) the results are printed but no
# results file is written.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

[ -f build/build.ninja ] || cmake -S . -B build -G Ninja >/dev/null
ninja -C build fanout_sim

rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- src bench/sim CMakeLists.txt 2>/dev/null; then
  rev="$rev + uncommitted changes under src/ or bench/sim/"
fi
mkdir -p bench/results
out="bench/results/$(date +%F)-$(hostname)-sim.md"
tmp=$(mktemp "${TMPDIR:-/tmp}/fanout-sim.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# The full dispatch scale (1,000 x 8 cores, 100,000 tasks) and two smaller ones to
# show how the coordinator's cost grows with the cluster; each at 1.0 GB/s per
# core (the main case) and 0.4 GB/s (--alt-core-gbps, the seed's per-core speed).
# A full-scale run takes about 0.15 s, the whole script a few seconds. --budget is
# only a guard: it stops a run once the coordinator has used that many seconds
# (the row then gives a bound, not a rate), so a slow scheduler cannot make this
# take hours; the current one never comes near it.
status=0
build/fanout_sim --out "$tmp" --note "fanout $rev, $(c++ --version | head -1)" \
  --reps 5 --budget 10 --core-gbps 1.0 --alt-core-gbps 0.4 \
  --scale 1000x100000 --scale 300x30000 --scale 100x10000 "$@" || status=$?
if [ "$status" -eq 0 ]; then
  cp "$tmp" "$out"
  echo "wrote $out" >&2
else
  echo "fanout_sim failed (exit $status): no results file written" >&2
fi
exit "$status"
