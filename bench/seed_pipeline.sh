#!/usr/bin/env bash
# The "seed pipeline": per file `cut -d, -f1-5 FILE | pypy3 bench/passenger_counts.py`,
# files in parallel on JOBS processes (xargs -P), then bench/merge_counts.py sums the
# per-file counts. Prints `value,count` lines.
#   bash bench/seed_pipeline.sh JOBS FILE...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobs=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Each file's counts go to $work/<index>.counts; a failing file makes xargs exit non-zero.
i=0
for f in "$@"; do printf '%s\0%s\0' "$f" "$work/$i.counts"; i=$((i + 1)); done |
  xargs -0 -n 2 -P "$jobs" bash -c 'set -o pipefail; cut -d, -f1-5 "$1" | pypy3 "$0" > "$2"' "$here/passenger_counts.py"
/usr/bin/python3 "$here/merge_counts.py" "$work"/*.counts
