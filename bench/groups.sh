#!/usr/bin/env bash
# High-cardinality group-by: fanout against DuckDB, Python's Counter and
# sort | uniq -c on one file with millions of distinct keys; see bench/README.md.
#
#   bash bench/groups.sh [--keys 5000000] [--fanout PATH] [--label WORD] [--no-install]
#
# Makes the data once (bench/data-groups-KEYS/keys.csv: a header, then KEYS rows with
# a distinct key each, half of them numbers and half text, in scrambled order, then
# KEYS/25 more rows repeating keys with a skew, so counts differ), warms the page
# cache, then runs every command once under /usr/bin/time -v (wall time and peak
# RSS), checks that fanout, DuckDB and Counter give the same counts and that fanout's
# rows come in its documented order, and writes bench/results/YYYY-MM-DD-<hostname>-groups.md
# (...-groups-WORD.md with --label WORD, e.g. for a build of an older revision).
# Peak RSS is the largest process's (for --workers 2: the coordinator or one worker).
# Exit status 1 when a command failed or an answer differs.
set -euo pipefail
cd "$(dirname "$0")/.."

keys=5000000
fanout=build/fanout
label=
install=1
usage() { sed -n '5,5p' "$0" | sed 's/^# *//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --keys) keys=${2:?}; shift 2 ;;
    --fanout) fanout=${2:?}; shift 2 ;;
    --label) label=${2:?}; [[ $label =~ ^[A-Za-z0-9._-]+$ ]] || { echo "bench/groups.sh: --label wants one word" >&2; exit 2; }; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) usage ;;
    *) echo "bench/groups.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ $keys =~ ^[1-9][0-9]*$ ]] || { echo "bench/groups.sh: --keys wants a positive number, got $keys" >&2; exit 2; }
[[ -x $fanout ]] || { echo "bench/groups.sh: $fanout is not an executable (bash scripts/dev.sh build)" >&2; exit 1; }
((install)) && bash bench/install.sh
PY=/usr/bin/python3

data=bench/data-groups-$keys
csv=$data/keys.csv
if [[ ! -f $data/.complete ]]; then
  rm -rf "$data"
  mkdir -p "$data"
  echo "bench/groups.sh: making $csv ($keys distinct keys)" >&2
  "$PY" - "$keys" "$csv" <<'EOF'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
# i -> i * odd constant mod 2^32 is a bijection: distinct, scrambled keys.
def key(i):
    x = (i * 2654435761) % (1 << 32)
    return str(x) if i % 2 == 0 else 'u%x' % x
rnd = random.Random(1)
with open(path, 'w', newline='') as f:
    f.write('k,v\n')
    f.writelines(f'{key(i)},{i % 10}\n' for i in range(n))
    # Repeats with a skew: key j again about n / (25 * (j + 1)) times.
    f.writelines(f'{key(int(n ** rnd.random()) - 1)},0\n' for _ in range(n // 25))
EOF
  touch "$data/.complete"
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fanout-groups.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/fanout
cp "$fanout" "$bin"  # a rebuild during the run cannot change what is measured
cat "$csv" >/dev/null  # warm the page cache: every command reads from memory

cat >"$tmp/counter.py" <<'EOF'
import collections, sys
with open(sys.argv[1], newline='') as f:
    next(f)
    counts = collections.Counter(line[:line.index(',')] for line in f)
with open(sys.argv[2], 'w') as out:
    out.writelines(f'{k},{n}\n' for k, n in counts.most_common())
EOF

threads=$(nproc)
names=() commands=()
add() { names+=("$1"); commands+=("$2"); }
add "fanout count --by k" "'$bin' count --by k --format csv --quiet '$csv' >'$tmp/fanout.csv'"
add "fanout count --by k --top 10" "'$bin' count --by k --top 10 --format csv --quiet '$csv' >'$tmp/top.csv'"
add "fanout count --by k --workers 2" "'$bin' count --by k --workers 2 --format csv --quiet '$csv' >'$tmp/workers.csv'"
add "DuckDB GROUP BY k ORDER BY n DESC, k" "node bench/duckdb_groups.mjs $threads '$csv' '$tmp/duckdb.csv'"
add "python3 Counter + most_common" "'$PY' '$tmp/counter.py' '$csv' '$tmp/counter.csv'"
add "sort | uniq -c" "tail -n +2 '$csv' | cut -d, -f1 | LC_ALL=C sort | uniq -c >'$tmp/uniq.txt'"

results=()
for i in "${!names[@]}"; do
  echo "bench/groups.sh: ${names[$i]}" >&2
  if ! /usr/bin/time -v -o "$tmp/time.$i" bash -c "${commands[$i]}"; then
    echo "BENCHMARK FAILED: ${names[$i]} failed" >&2
    exit 1
  fi
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.$i" |
    awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s}')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.$i")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tmp/time.$i")
  results+=("$wall $cpu $((rss / 1024))")
done

# The answers: the same counts everywhere, and fanout's rows in its documented order
# (count descending, then numbers by value before text by bytes).
if ! "$PY" - "$tmp" <<'EOF'
import sys
d = sys.argv[1]
def read(name, parse, header=False):
    with open(f'{d}/{name}', newline='') as f:
        if header:
            next(f)
        return [parse(line.rstrip('\n')) for line in f]
def kv(line):
    k, _, n = line.rpartition(',')
    return k, int(n)
fan = read('fanout.csv', kv, header=True)
def order(row):
    k, n = row
    try:
        return (-n, 0, float(k), b'')
    except ValueError:
        return (-n, 1, 0.0, k.encode())
problems = []
if fan != sorted(fan, key=order):
    problems.append('fanout: rows not in count-then-key order')
want = dict(fan)
for name in ('duckdb.csv', 'counter.csv'):
    if dict(read(name, kv)) != want:
        problems.append(f'{name}: counts differ from fanout')
uniq = {k: int(n) for n, k in (line.split() for line in open(f'{d}/uniq.txt'))}
if uniq != want:
    problems.append('sort | uniq -c: counts differ from fanout')
if read('workers.csv', kv, header=True) != fan:
    problems.append('fanout --workers 2 differs from fanout')
if read('top.csv', kv, header=True) != fan[:10]:
    problems.append('fanout --top 10 is not the first 10 rows')
if problems:
    print('BENCHMARK FAILED: ' + '; '.join(problems), file=sys.stderr)
    sys.exit(1)
print(f'checked: {len(fan)} groups, the same counts from every tool', file=sys.stderr)
EOF
then
  exit 1
fi

key_bytes=$(cut -d, -f1 "$csv" | tail -n +2 | LC_ALL=C sort -u | awk '{n += length($0)} END {print n}')
groups=$(($(wc -l <"$tmp/fanout.csv") - 1))
mkdir -p bench/results
out=bench/results/$(date +%F)-$(hostname)-groups${label:+-$label}.md
base=${results[3]%% *}  # DuckDB's wall time is the reference
{
  echo "# High-cardinality group-by, $(date +%F) on $(hostname)${label:+: $label}"
  echo
  echo "$csv: $(stat -c %s "$csv") bytes, $(($(wc -l <"$csv") - 1)) rows, $groups distinct keys" \
    "($key_bytes bytes of key text). One run each, page cache warm, $threads threads where a tool takes them."
  echo "Machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo). Load before: $load_before."
  if [[ $fanout == build/fanout ]]; then
    echo "fanout: $("$bin" --version), $(git rev-parse --short=10 HEAD)$(git diff --quiet HEAD -- src || echo ' + work tree')."
  else
    echo "fanout: $("$bin" --version), the binary $fanout."
  fi
  echo
  echo "| command | wall s | vs DuckDB | CPU s | peak RSS MiB | RSS / key bytes |"
  echo "|---|---:|---:|---:|---:|---:|"
  for i in "${!names[@]}"; do
    read -r wall cpu rss <<<"${results[$i]}"
    awk -v n="${names[$i]}" -v w="$wall" -v b="$base" -v c="$cpu" -v r="$rss" -v k="$key_bytes" \
      'BEGIN {gsub(/\|/, "\\|", n); printf "| %s | %.2f | %.2fx | %.2f | %d | %.1f |\n", n, w, w / b, c, r, r * 1048576 / k}'
  done
  echo
  echo "CPU s is user + system time of all the command's processes: on a loaded machine it is steadier than wall time."
  echo "Load after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Checked: fanout, DuckDB, Counter and sort | uniq -c give the same count per key; fanout's rows are in"
  echo "its order (count descending, then numbers by value, then text by bytes); --workers 2 and --top 10 agree."
} >"$out"
cat "$out"
echo "bench/groups.sh: wrote $out" >&2
