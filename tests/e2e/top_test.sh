#!/usr/bin/env bash
# fanout top: the N rows with the largest (smallest) values of a column, against
# Python's csv module (tests/e2e/top_ref.py: the same total order, whole rows)
# and DuckDB (the values), over CSV and Parquet, at any split, thread count and
# number of workers, with ties (gen-taxi's distances stop at 30.00) broken the
# same way every time.
source "$(dirname "$0")/lib.sh"
require_fanout
[[ -d $FANOUT_SRC/node_modules/@duckdb/node-api ]] || die "no node_modules/@duckdb/node-api (npm ci in $FANOUT_SRC)"

D=$TMP/taxi
"$FANOUT" gen-taxi --out "$D" --files 3 --rows 40000 --start 2019-01 --seed 5 -q || die "gen-taxi failed"
mapfile -t FILES < <(ls "$D"/*.csv)

# ref TAG ARGS...: top_ref.py's answer in $TMP/out.TAG.
ref() {
  local tag=$1; shift
  "$PY" "$E2E_DIR/top_ref.py" "$@" >"$TMP/out.$tag" || die "top_ref.py failed: $*"
}
# same TAG ARGS...: fanout top ARGS (CSV, quiet) gives $TMP/out.TAG byte for byte.
same() {
  local tag=$1; shift
  run_fanout "f_$tag" top "$@" --format csv --quiet
  check_eq "$tag: exit status ($(head -c 500 "$TMP/err.f_$tag"))" "$(rc_of "f_$tag")" 0
  check_files_equal "$tag: as Python's csv module ($*)" "$TMP/out.f_$tag" "$TMP/out.$tag"
}

# N cuts a run of equal distances in two: which of them are kept is the tie rule's.
ref far200 200 trip_distance --cols trip_distance "${FILES[@]}"
N=$("$PY" -c '
import sys
v = [l.strip() for l in open(sys.argv[1])][1:]
print(next(i + 2 for i in range(len(v) - 2) if v[i] == v[i + 1] == v[i + 2]))' "$TMP/out.far200")
[[ $N =~ ^[0-9]+$ ]] || die "no run of three equal distances in the top 200"
ref far "$N" trip_distance "${FILES[@]}"
for split in "" "--threads 1" "--range-size 64KiB" "--range-size 100KiB --threads 2" "--workers 2 --range-size 80KiB"; do
  # shellcheck disable=SC2086
  same far "$N" --by trip_distance "$D" $split
done
ref near 7 trip_distance --asc --cols tpep_pickup_datetime,trip_distance,total_amount "${FILES[@]}"
same near 7 --by trip_distance --asc --cols tpep_pickup_datetime,trip_distance,total_amount "$D" --range-size 64KiB
ref cheap 12 total_amount --asc --cols VendorID,total_amount "${FILES[@]}"
same cheap 12 --by total_amount --asc --cols VendorID,total_amount "$D" --workers 2 --range-size 64KiB

# The values are DuckDB's too.
CSV="read_csv('$D/*.csv', all_varchar = true, header = true)"
node "$E2E_DIR/duckdb_sql.js" "SELECT TRY_CAST(trip_distance AS DECIMAL(18,2)) AS trip_distance FROM $CSV
  WHERE TRY_CAST(trip_distance AS DECIMAL(18,2)) IS NOT NULL ORDER BY 1 DESC LIMIT 50" >"$TMP/duck.far" ||
  die "DuckDB failed"
run_fanout values top 50 --by trip_distance --cols trip_distance "$D" --format csv -q
check_true "the 50 largest distances are DuckDB's" "${CSVDIFF[@]}" --numeric-sums "$TMP/out.values" "$TMP/duck.far"

# --where, with OR; and the rows kept are those the filter keeps.
run_fanout wh top 5 --by fare_amount --cols passenger_count,fare_amount "$D" --where 'passenger_count = 2 OR passenger_count = 3' \
  --format csv -q
check_eq "--where: every row passes it" "$(tail -n +2 "$TMP/out.wh" | cut -d, -f1 | sort -u | tr '\n' ' ')" "2 3 "
"$PY" - "${FILES[@]}" >"$TMP/out.wh_ref" <<'PY'
import csv, decimal, sys
rows = []
for fi, p in enumerate(sys.argv[1:]):
    for ri, r in enumerate(csv.DictReader(open(p, newline=""))):
        try:
            v = decimal.Decimal(r["fare_amount"])
        except decimal.InvalidOperation:
            continue
        if r["passenger_count"] in ("2", "3"):
            rows.append((-v, fi, ri, r["passenger_count"], r["fare_amount"]))
rows.sort(key=lambda t: t[:3])
print("passenger_count,fare_amount")
for t in rows[:5]:
    print(t[3] + "," + t[4])
PY
check_files_equal "--where with OR: as Python" "$TMP/out.wh" "$TMP/out.wh_ref"

# Parquet: the same rows (gen-taxi writes the same data) give the same answer.
"$FANOUT" gen-taxi --out "$TMP/pq" --files 3 --rows 40000 --start 2019-01 --seed 5 --format parquet -q ||
  die "gen-taxi --format parquet failed"
run_fanout pq top 50 --by trip_distance --cols tpep_pickup_datetime,passenger_count,trip_distance "$TMP/pq" --format csv -q
run_fanout pq_csv top 50 --by trip_distance --cols tpep_pickup_datetime,passenger_count,trip_distance "$D" --format csv -q
# (Parquet's DOUBLE 30 is CSV's 30.00: the values are compared as numbers)
check_true "Parquet: the rows CSV gives" "$PY" -c '
import csv, decimal, sys
rows = lambda p: [r[:-1] + [decimal.Decimal(r[-1])] for r in list(csv.reader(open(p)))[1:]]
sys.exit(rows(sys.argv[1]) != rows(sys.argv[2]) or len(rows(sys.argv[1])) != 50)' "$TMP/out.pq" "$TMP/out.pq_csv"
# --cols takes key expressions named with AS, as select's: the rows the plain
# columns gave above, with each timestamp cut to its year and month.
"$PY" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
print("ym,trip_distance")
for r in rows:
    print(r[0][:7] + "," + r[2])' "$TMP/out.pq_csv" >"$TMP/out.expr_ref"
EXPR='yearmonth(tpep_pickup_datetime) AS ym,trip_distance'
run_fanout expr top 50 --by trip_distance --cols "$EXPR" "$D" --format csv -q --range-size 64KiB
check_files_equal "--cols with an expression (CSV)" "$TMP/out.expr" "$TMP/out.expr_ref"
run_fanout expr_pq top 50 --by trip_distance --cols "$EXPR" "$TMP/pq" --format csv -q --workers 2
check_true "--cols with an expression (Parquet, 2 workers)" "$PY" -c '
import csv, decimal, sys
rows = lambda p: [r[:-1] + [decimal.Decimal(r[-1])] for r in list(csv.reader(open(p)))[1:]]
sys.exit(rows(sys.argv[1]) != rows(sys.argv[2]) or open(sys.argv[1]).readline() != open(sys.argv[2]).readline())' \
  "$TMP/out.expr_pq" "$TMP/out.expr_ref"
expect_fail 2 "--cols: at 10: expected ')'" top 3 --by trip_distance --cols 'year(tpep' "$D"

# Late reading (a Parquet row group's other columns are read only for the rows
# that can still be kept) over many row groups and pages, with NULLs, filters and
# both directions: the rows CSV gives. The file is DuckDB's, an independent writer.
mkdir -p "$TMP/dpq"
node "$E2E_DIR/duckdb_sql.js" "COPY (SELECT * FROM read_csv('$D/*.csv', header = true))
  TO '$TMP/dpq/all.parquet' (FORMAT parquet, ROW_GROUP_SIZE 10000)" >/dev/null || die "DuckDB could not write Parquet"
LATE_COLS=tpep_pickup_datetime,passenger_count,trip_distance
same_rows() {  # TAG ARGS...: fanout top ARGS over the DuckDB file and over the CSV files give the same rows
  local tag=$1; shift
  run_fanout "late_$tag" top "$@" --cols "$LATE_COLS" "$TMP/dpq" --format csv -q
  run_fanout "late_csv_$tag" top "$@" --cols "$LATE_COLS" "$D" --format csv -q
  check_true "late reading, $tag: the rows CSV gives ($*)" "$PY" -c '
import csv, decimal, sys
rows = lambda p: [r[:-1] + [decimal.Decimal(r[-1])] for r in list(csv.reader(open(p)))[1:]]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
sys.exit(a != b or len(a) != int(sys.argv[3]))' "$TMP/out.late_$tag" "$TMP/out.late_csv_$tag" "$1"
}
same_rows far 25 --by trip_distance
same_rows far_t1 25 --by trip_distance --threads 1
same_rows near 40 --by trip_distance --asc --workers 2
same_rows where 15 --by trip_distance --where 'passenger_count IN (1, 2)'
same_rows where_asc 15 --by trip_distance --asc --where 'passenger_count IS NULL OR passenger_count > 4'

run_fanout pq_all top 3 --by trip_distance "$TMP/pq" --format csv -q --workers 2
check_eq "Parquet: every column by default" "$(head -1 "$TMP/out.pq_all" | tr ',' '\n' | wc -l)" \
  "$(head -1 "${FILES[0]}" | tr ',' '\n' | wc -l)"

# Formats: JSON numbers unquoted, empty values null; a table for people.
printf 'name,v\n"a, b",2.5\nc,\nd,10\ne,.5\n' >"$TMP/small.csv"
run_fanout json top 3 --by v "$TMP/small.csv" --format json -q
check_eq "JSON" "$(cat "$TMP/out.json")" $'[\n  {"name": "d", "v": 10},\n  {"name": "a, b", "v": 2.5},\n  {"name": "e", "v": ".5"}\n]'
check_true "JSON is valid" "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/out.json"
run_fanout skipped top 10 --by v "$TMP/small.csv" --format csv
check_true "a value that is not a number is skipped and counted ($(cat "$TMP/err.skipped"))" \
  grep -q "skipped 1 (non-numeric v 1)" "$TMP/err.skipped"
expect_fail 1 "non-numeric v" top 10 --by v "$TMP/small.csv" --strict
# A row a --cols expression cannot map is skipped and counted, kept or not.
run_fanout fn_skip top 1 --by v --cols 'name,year(name) AS y' "$TMP/small.csv" --format csv
check_eq "an unmappable --cols value: no rows" "$(cat "$TMP/out.fn_skip")" "name,y"
check_true "an unmappable --cols value is skipped and counted ($(cat "$TMP/err.fn_skip"))" \
  grep -q "skipped 4 " "$TMP/err.fn_skip"
run_fanout zero top 0 --by v "$TMP/small.csv" --format csv -q
check_eq "top 0: the header alone" "$(cat "$TMP/out.zero")" "name,v"

# Mistakes are usage errors.
expect_fail 2 "--by is required" top 3 "$D"
expect_fail 2 "N: expected a whole number from 0 to 1000000" top 1000001 --by trip_distance "$D"
expect_fail 2 "--asc and --desc: choose one" top 3 --by trip_distance --asc --desc "$D"
expect_fail 2 "one column" top 3 --by trip_distance,fare_amount "$D"
expect_fail 1 "no column 'nope'" top 3 --by nope "$D"
expect_fail 2 "unknown option --group-by" top 3 --by v --group-by v "$D"
printf 'x,y\n1,2\n' >"$TMP/other.csv"
expect_fail 1 "have different columns" top 3 --by 1 "$TMP/small.csv" "$TMP/other.csv"
run_fanout cols_out top 3 --by 2 --cols 1,2 "$TMP/small.csv" "$TMP/other.csv" -q
check_eq "different columns: --cols is the way out" "$(rc_of cols_out)" 0
printf '1,2\n3,4\n' >"$TMP/noheader.csv"
expect_fail 1 "has no header" top 3 --by 2 "$TMP/noheader.csv" --header no

finish
