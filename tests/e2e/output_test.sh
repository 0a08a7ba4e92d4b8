#!/usr/bin/env bash
# Output: csv, json and table formats, --top, empty groups, and ls.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/o
mkdir -p "$D/dir/sub" "$D/dir/.hidden"
{
  printf 'vendor,passenger_count,total_amount\n'
  for i in $(seq 1 1234); do printf 'A,1,%d.25\n' "$((i % 17))"; done
  for i in $(seq 1 50); do printf 'B,,%d\n' "$i"; done
  for i in $(seq 1 7); do printf '"C, Inc.",2,-%d.5\n' "$i"; done
  printf '"He said ""hi""",3,1\n'
} >"$D/a.csv"
printf 'vendor,passenger_count,total_amount\nA,4,1\n,,2\n' >"$D/dir/b.csv"
printf 'vendor,passenger_count,total_amount\nB,1,3\n' >"$D/dir/sub/c.csv"
printf 'vendor,passenger_count,total_amount\nX,9,9\n' >"$D/dir/.hidden/h.csv"
printf 'vendor,passenger_count,total_amount\nX,9,9\n' >"$D/dir/.dot.csv"
gzip -c "$D/a.csv" >"$D/dir/sub/d.csv.gz"

ALL=("$D/a.csv" "$D/dir")

# ---- csv (the default when stdout is not a terminal) and --top ------------------------
compare_ok count "${ALL[@]}" --by passenger_count
compare_ok count "${ALL[@]}" --by vendor,passenger_count --format csv
compare_ok agg "${ALL[@]}" --by vendor --count --sum total_amount --mean total_amount --min total_amount --max total_amount
for top in 0 1 2 3 100; do
  compare_ok count "${ALL[@]}" --by vendor --top "$top"
  compare_ok agg "${ALL[@]}" --by passenger_count --sum total_amount --top "$top" --threads 2 --range-size 100
done
run_fanout dflt count "${ALL[@]}" --by vendor --quiet
run_fanout csv count "${ALL[@]}" --by vendor --quiet --format csv
check_files_equal "csv is the default when stdout is not a terminal" "$TMP/out.dflt" "$TMP/out.csv"
# An empty key is an empty CSV field.
run_fanout csv2 count "${ALL[@]}" --by passenger_count --quiet
check_true "the empty passenger_count group is an empty field: $(cat "$TMP/out.csv2")" grep -qxE ',[0-9]+' "$TMP/out.csv2"

# ---- json ------------------------------------------------------------------------------
# check_json ARGS...: fanout --format json must be a JSON array of objects holding the
# reference's rows: the same labels in order, empty keys as null, equal values.
check_json() {
  run_ref jref "$@" --format csv
  run_fanout jfan "$@" --format json --quiet
  if [[ $(rc_of jfan) != 0 ]]; then
    fail "json run failed: $(show_cmd "$FANOUT" "$@" --format json)"$'\n'"$(cat "$TMP/err.jfan")"
    return 1
  fi
  if "$PY" - "$TMP/out.jfan" "$TMP/out.jref" >"$TMP/jdiff" 2>&1 <<'EOF'
import csv, json, math, sys
got = json.load(open(sys.argv[1], encoding='utf-8'))
with open(sys.argv[2], newline='', encoding='utf-8') as f:
    want = list(csv.reader(f))
labels, rows = want[0], want[1:]
assert isinstance(got, list), f'not an array: {type(got)}'
assert len(got) == len(rows), f'{len(got)} objects, want {len(rows)}'
for obj, row in zip(got, rows):
    assert isinstance(obj, dict), f'not an object: {obj!r}'
    assert list(obj) == labels, f'keys {list(obj)}, want {labels}'
    for label, value in zip(labels, row):
        v = obj[label]
        if value == '' and not label.startswith(('count', 'sum_', 'mean_', 'min_', 'max_')):
            assert v is None, f'{label}: {v!r}, want null for an empty key'
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            tol = 1e-12 if label.startswith(('mean_', 'min_', 'max_')) else 0
            assert math.isclose(v, float(value), rel_tol=tol), f'{label}: {v!r}, want {value}'
            if label == 'count' or label.startswith('sum_'):
                assert str(v) == value or float(v) == float(value), f'{label}: {v!r}, want {value}'
        else:
            assert isinstance(v, str), f'{label}: {v!r}, want {value!r}'
            assert v == value, f'{label}: {v!r}, want {value!r}'
EOF
  then
    pass
  else
    fail "json differs for: $(show_cmd "$FANOUT" "$@" --format json)"$'\n'"$(tail -n 3 "$TMP/jdiff")"$'\n'"$(head -c 1500 "$TMP/out.jfan")"
  fi
}
check_json count "${ALL[@]}" --by passenger_count
check_json count "${ALL[@]}" --by vendor,passenger_count
check_json agg "${ALL[@]}" --by vendor --count --sum total_amount --mean total_amount --min total_amount --max total_amount
check_json count "${ALL[@]}" --by vendor --top 2
check_json count "${ALL[@]}" --by vendor --where "vendor = 'nobody'"
run_fanout jcount count "${ALL[@]}" --by passenger_count --format json --quiet
check_true "json count is a number" "$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert all(type(r["count"]) is int for r in rows), rows
assert any(r["passenger_count"] is None for r in rows), rows' "$TMP/out.jcount"

# ---- table -----------------------------------------------------------------------------
# The biggest group's count, from the reference, with thousands separators.
BIG=$("${REF[@]}" count --by vendor "${ALL[@]}" | sed -n 2p | awk -F, '{print $NF}')
BIGSEP=$("$PY" -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$BIG")
[[ $BIGSEP == *,* ]] || die "the biggest group should count 1,000 or more, got $BIG"
run_fanout table count "${ALL[@]}" --by vendor --format table --quiet
check_eq "table exit status" "$(rc_of table)" 0
check_true "table has the labels: $(cat "$TMP/out.table")" grep -q 'vendor.*count' "$TMP/out.table"
check_true "table counts have thousands separators" grep -qE "(^|[^0-9,])$BIGSEP([^0-9,]|\$)" "$TMP/out.table"
check_true "table shows every group" test "$(grep -c -E 'A|B|C, Inc\.|He said' "$TMP/out.table")" -ge 4
run_fanout table1 count "${ALL[@]}" --by vendor --format table --top 1 --quiet
check_true "--top 1 table has one data row: $(cat "$TMP/out.table1")" \
  bash -c "! grep -q 'C, Inc' '$TMP/out.table1' && grep -qF '$BIGSEP' '$TMP/out.table1'"

# ---- ls ------------------------------------------------------------------------------
# check_ls ARGS...: fanout ls lists the objects the reference expands to, in order,
# each with its byte size from stat, and a total.
check_ls() {
  run_ref lref ls "$@"
  run_fanout lfan ls "$@"
  if [[ $(rc_of lfan) != 0 ]]; then
    fail "ls failed: $(show_cmd "$FANOUT" ls "$@"): $(cat "$TMP/err.lfan")"
    return 1
  fi
  if "$PY" - "$TMP/out.lfan" "$TMP/out.lref" >"$TMP/ldiff" 2>&1 <<'EOF'
import os, re, sys
got = open(sys.argv[1], encoding='utf-8').read().splitlines()
want = [l.split('\t') for l in open(sys.argv[2], encoding='utf-8').read().splitlines()]
objects = want[:-1]
total = sum(int(size) for _, size in objects)
def numbers(line):
    return {int(t.replace(',', '')) for t in re.findall(r'\d[\d,]*', line)}
lines = [l for l in got if l.strip()]
assert len(lines) >= len(objects) + 1, f'{len(lines)} lines for {len(objects)} objects'
for (path, size), line in zip(objects, lines):
    norm = os.path.normpath(path)
    assert norm in line or path in line or norm in os.path.normpath(line.split()[0] if line.split() else ''), \
        f'line {line!r} does not name {path}'
    assert os.path.getsize(path) == int(size)
    assert int(size) in numbers(line), f'line {line!r}: size {size} missing'
rest = lines[len(objects):]
assert len(rest) == 1, f'extra lines: {rest!r}'
assert total in numbers(rest[0]) or len(objects) == 0, f'total {total} missing in {rest[0]!r}'
EOF
  then
    pass
  else
    fail "ls differs for: $(show_cmd "$FANOUT" ls "$@")"$'\n'"$(tail -n 2 "$TMP/ldiff")"$'\n'"$(cat "$TMP/out.lfan")"
  fi
}
check_ls "$D/a.csv"
check_ls "$D/dir"
check_ls "$D/dir/"
check_ls "$D/a.csv" "$D/dir"
check_ls "$D/dir/*/*.csv*"
check_ls "$D/*.csv" "$D/dir/sub/?.csv"
check_ls "$D/dir/[bs]*"
# Sizes again, straight from stat, for every file the directory walk should find.
run_fanout lsall ls "$D/dir"
for f in "$D/dir/b.csv" "$D/dir/sub/c.csv" "$D/dir/sub/d.csv.gz"; do
  size=$(stat -c %s "$f")
  check_true "ls shows $f with $size bytes: $(cat "$TMP/out.lsall")" \
    grep -qE "$(basename "$f").*(^|[^0-9,])$size([^0-9,]|$)|(^|[^0-9,])$size([^0-9,]|$).*$(basename "$f")" "$TMP/out.lsall"
done
check_true "ls skips hidden files and directories" bash -c "! grep -qE 'h\.csv|\.dot\.csv' '$TMP/out.lsall'"
expect_fail nonzero "$D/nope" ls "$D/a.csv" "$D/nope"

finish
