#!/usr/bin/env bash
# mawk peer: per file, one mawk process counts rows per passenger_count value; files
# run in parallel on JOBS processes (xargs -P), then bench/merge_counts.py sums them.
# The column is taken from each file's header (case-insensitively), so every schema
# era is read right. Blank lines are not rows; a row with too few fields is skipped.
# Prints `value,count` lines.
#   bash bench/mawk_pipeline.sh JOBS FILE...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobs=$1; shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prog='
NR == 1 {
  for (i = 1; i <= NF; i++) { h = tolower($i); sub(/\r$/, "", h); gsub(/^ +| +$/, "", h); if (h == "passenger_count") col = i }
  if (!col) { print FILENAME ": no passenger_count column in header" > "/dev/stderr"; exit 2 }
  next
}
$0 == "" || $0 == "\r" { next }
NF < col { skipped++; next }
{ v = $col; if (col == NF) sub(/\r$/, "", v); c[v]++ }
END {
  if (skipped) print FILENAME ": skipped " skipped " rows with too few fields" > "/dev/stderr"
  for (v in c) print v "," c[v]
}'
i=0
for f in "$@"; do printf '%s\0%s\0' "$f" "$work/$i.counts"; i=$((i + 1)); done |
  xargs -0 -n 2 -P "$jobs" sh -c 'mawk -F, "$0" "$1" > "$2"' "$prog"
/usr/bin/python3 "$here/merge_counts.py" "$work"/*.counts
