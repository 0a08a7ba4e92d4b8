#!/usr/bin/env bash
# Many groups: the result of a high-cardinality group-by equals the reference's at
# every split, with --top, over workers; past --max-group-memory the job fails with
# an error naming the flag (exit 1, nothing on stdout) instead of running the machine
# out of memory.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/g
mkdir -p "$D"
# 70,000 keys (enough for the parallel sort): numbers (some equal as values: 7, 7.0, 07), text sharing long
# prefixes, empty keys; counts from 1 to 5, and two key columns.
"$PY" - "$D/many.csv" <<'EOF2'
import random, sys
rnd = random.Random(5)
keys = [str(i) for i in range(20000)] + [f'{i}.0' for i in range(0, 20000, 97)] + [f'0{i}' for i in range(0, 20000, 89)]
keys += [f'prefix-shared-{i:06d}' for i in range(40000)] + [f'-{i}.5' for i in range(10000)] + ['', ' ', 'x']
rows = []
for k in keys:
    for _ in range(rnd.choice([1, 1, 1, 2, 3, 5])):
        rows.append(f'{k},{rnd.choice("abc")},{rnd.randint(0, 9)}\n')
rnd.shuffle(rows)
with open(sys.argv[1], 'w') as f:
    f.write('k,j,v\n' + ''.join(rows))
EOF2

# The reference is slow on this many groups: it runs once per query, and fanout's
# runs (splits, --top, workers, a memory limit it stays within) are checked against
# that answer. The reference's --top N is the first N rows of its full answer.
run_ref ref count --by k "$D/many.csv"
[[ $(rc_of ref) == 0 ]] || die "reference failed: $(cat "$TMP/err.ref")"
check_table ref count --by k "$D/many.csv"
check_table ref count --by k "$D/many.csv" --threads 2 --range-size 100000
check_table ref count --by k "$D/many.csv" --workers 2 --range-size 150000
check_table ref count --by k "$D/many.csv" --max-group-memory 64MiB
for top in 0 1 10 1000 70434 1000000; do
  head -n $((top + 1)) "$TMP/out.ref" >"$TMP/out.top"
  echo 0 >"$TMP/rc.top"
  check_table top count --by k "$D/many.csv" --top "$top" --threads 2 --range-size 200000
done
compare_ok count --by k,j "$D/many.csv" --threads 2 --range-size 100000
check_table ref count --by k,j "$D/many.csv" --workers 2
compare_ok agg --by k --count --sum v --max v "$D/many.csv" --threads 2 --range-size 7777

# ---- the memory limit ------------------------------------------------------------------
expect_fail 1 "--max-group-memory" count --by k "$D/many.csv" --max-group-memory 1MiB --quiet
expect_fail 1 "--max-group-memory" count --by k,j "$D/many.csv" --max-group-memory 1MiB --threads 2 --range-size 100000 --quiet
expect_fail 1 "--max-group-memory" count --by k "$D/many.csv" --max-group-memory 1MiB --workers 2 --quiet
expect_fail 1 "--max-group-memory" agg --by k --sum v "$D/many.csv" --max-group-memory 2MiB --quiet
expect_fail 2 "--max-group-memory" count --by k "$D/many.csv" --max-group-memory lots
expect_fail 2 "--max-group-memory" count --by k "$D/many.csv" --max-group-memory 0

finish
