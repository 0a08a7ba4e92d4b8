#!/usr/bin/env bash
# The questions people ask of the taxi data, answered by fanout and by DuckDB
# (@duckdb/node-api, tests/e2e/duckdb_sql.js) over the same generated files:
# one row over everything (agg and count without --by, also when no row passes),
# --sort by a key, the count or an aggregate, either way, with --top; locally and
# on workers. Counts and sums exact; means equal as doubles (csvdiff.py).
source "$(dirname "$0")/lib.sh"
require_fanout
[[ -d $FANOUT_SRC/node_modules/@duckdb/node-api ]] || die "no node_modules/@duckdb/node-api (npm ci in $FANOUT_SRC)"

D=$TMP/taxi
"$FANOUT" gen-taxi --out "$D" --files 3 --rows 30000 --start 2019-01 --seed 4 -q || die "gen-taxi failed"
CSV="read_csv('$D/*.csv', all_varchar = true, header = true)"
dec() { echo "TRY_CAST($1 AS DECIMAL(18,2))"; }

# peer TAG SQL: DuckDB's answer in $TMP/out.TAG.
peer() {
  local tag=$1 sql=$2
  node "$E2E_DIR/duckdb_sql.js" "$sql" >"$TMP/out.$tag" 2>"$TMP/err.$tag" || die "DuckDB refused: $sql: $(cat "$TMP/err.$tag")"
}
# same TAG ORDER ARGS...: fanout ARGS (CSV, quiet) against DuckDB's $TMP/out.TAG;
# ORDER is "ordered" (row order compared too) or "any".
same() {
  local tag=$1 order=$2; shift 2
  run_fanout "f_$tag" "$@" --format csv --quiet
  check_eq "$tag: exit status ($(cat "$TMP/err.f_$tag"))" "$(rc_of "f_$tag")" 0
  local opts=(--numeric-sums)
  [[ $order == any ]] && opts+=(--any-order)
  check_true "$tag: as DuckDB ($("${CSVDIFF[@]}" "${opts[@]}" "$TMP/out.f_$tag" "$TMP/out.$tag" | head -c 1500))" \
    "${CSVDIFF[@]}" "${opts[@]}" "$TMP/out.f_$tag" "$TMP/out.$tag"
}

# ---- one row over everything ----
# A row whose total_amount or trip_distance is not a number is skipped by fanout
# (and counted by reason): DuckDB keeps the rows where both are.
both="$(dec total_amount) IS NOT NULL AND $(dec trip_distance) IS NOT NULL"
peer all "SELECT count(*) AS count, sum($(dec total_amount)) AS sum_total_amount,
  avg($(dec trip_distance))::DOUBLE AS mean_trip_distance, min($(dec fare_amount)) AS min_fare_amount,
  max($(dec trip_distance)) AS max_trip_distance FROM $CSV WHERE $both AND $(dec fare_amount) IS NOT NULL"
for w in "" "--workers 2"; do
  # shellcheck disable=SC2086
  same all ordered agg --count --sum total_amount --mean trip_distance --min fare_amount --max trip_distance "$D" $w
done
peer count_all "SELECT count(*) AS count FROM $CSV"
same count_all ordered count "$D"
# No row passes: still one row, a count of 0 and no values (NULL), as SQL.
peer none "SELECT count(*) AS count, sum($(dec total_amount)) AS sum_total_amount FROM $CSV
  WHERE $(dec passenger_count) > 100"
same none ordered agg --count --sum total_amount "$D" --where 'passenger_count > 100'

# ---- stddev: SQL's stddev_samp (a double, within csvdiff's stated tolerance) ----
peer sd "SELECT passenger_count, count(*) AS count, avg($(dec total_amount))::DOUBLE AS mean_total_amount,
  stddev_samp($(dec total_amount))::DOUBLE AS stddev_total_amount, stddev_samp($(dec trip_distance))::DOUBLE AS stddev_trip_distance
  FROM $CSV WHERE $(dec total_amount) IS NOT NULL AND $(dec trip_distance) IS NOT NULL
  GROUP BY passenger_count ORDER BY passenger_count NULLS LAST"
for w in "" "--workers 2 --range-size 200KiB"; do
  # shellcheck disable=SC2086
  same sd ordered agg --by passenger_count --count --mean total_amount --stddev total_amount --stddev trip_distance "$D" \
    --sort passenger_count $w
done
peer sd_all "SELECT stddev_samp($(dec fare_amount))::DOUBLE AS stddev_fare_amount FROM $CSV WHERE $(dec fare_amount) IS NOT NULL"
same sd_all ordered agg --stddev fare_amount "$D"
# By the standard deviation: a group of one row has none, and sorts last.
printf 'k,v\na,1\na,3\nb,5\nc,10\nc,10.5\nc,20\n' >"$TMP/sd.csv"
run_fanout sd_sort agg --by k --stddev v "$TMP/sd.csv" --sort stddev_v:desc --format csv -q
check_eq "sorted by stddev, none last" "$(cut -d, -f1 "$TMP/out.sd_sort" | tr '\n' ' ')" "k c a b "
check_eq "a group of one value has no stddev" "$(grep '^b,' "$TMP/out.sd_sort")" "b,"
expect_fail 2 "is not a column of the result (count, k, stddev_v)" agg --by k --stddev v "$TMP/sd.csv" --sort sumsq_v

# ---- count distinct: exact, SQL's count(DISTINCT v) (NULL left out) ----
peer cd "SELECT payment_type, count(*) AS count, count(DISTINCT PULocationID) AS count_distinct_PULocationID,
  count(DISTINCT passenger_count) AS count_distinct_passenger_count_2 FROM $CSV GROUP BY payment_type ORDER BY payment_type NULLS LAST"
sed -i '1s/_2$//' "$TMP/out.cd"
run_fanout f_cd1 agg --by payment_type --count --count-distinct PULocationID "$D" --sort payment_type --format csv -q
run_fanout f_cd2 agg --by payment_type --count-distinct passenger_count "$D" --sort payment_type --format csv -q --workers 2
check_eq "count distinct: as DuckDB" "$(paste -d, "$TMP/out.f_cd1" <(cut -d, -f2 "$TMP/out.f_cd2"))" "$(cat "$TMP/out.cd")"
peer cd_all "SELECT count(DISTINCT DOLocationID) AS count_distinct_DOLocationID FROM $CSV"
same cd_all ordered agg --count-distinct DOLocationID "$D"

# ---- percentiles: exact, SQL's percentile_disc (a value of the data) ----
pq_sql() { echo "percentile_disc($1) WITHIN GROUP (ORDER BY $(dec "$2"))"; }
peer pct "SELECT passenger_count, count(*) AS count, $(pq_sql 0.5 trip_distance) AS p50_trip_distance,
  $(pq_sql 0.9 trip_distance) AS p90_trip_distance, $(pq_sql 0.99 trip_distance) AS p99_trip_distance
  FROM $CSV GROUP BY passenger_count ORDER BY passenger_count NULLS LAST"
for w in "" "--workers 2 --range-size 300KiB"; do
  # shellcheck disable=SC2086
  same pct ordered agg --by passenger_count --count --p50 trip_distance --p90 trip_distance --p99 trip_distance "$D" \
    --sort passenger_count $w
done
peer pct_all "SELECT $(pq_sql 0.5 total_amount) AS p50_total_amount, count(DISTINCT total_amount) AS count_distinct_total_amount_2
  FROM $CSV"
sed -i '1s/_2$//; 1s/^\(.*\),\(.*\)$/\2,\1/' "$TMP/out.pct_all"
sed -i '2s/^\(.*\),\(.*\)$/\2,\1/' "$TMP/out.pct_all"
same pct_all ordered agg --count-distinct total_amount --p50 total_amount "$D"
expect_fail 2 "are about one column per query, not 'trip_distance' and 'fare_amount'" \
  agg --p50 trip_distance --p90 fare_amount "$D"

# ---- --sort and --top ----
peer by_sum "SELECT passenger_count, count(*) AS count, sum($(dec total_amount)) AS sum_total_amount FROM $CSV
  WHERE $(dec total_amount) IS NOT NULL GROUP BY passenger_count ORDER BY sum_total_amount DESC LIMIT 3"
same by_sum ordered agg --by passenger_count --count --sum total_amount "$D" --sort sum_total_amount:desc --top 3
check_true "--top says how many groups were left out" grep -qE "[0-9]+ more groups? not shown \(--top 3\)" \
  <("$FANOUT" agg --by passenger_count --count --sum total_amount "$D" --sort sum_total_amount:desc --top 3 --format csv 2>&1 >/dev/null)
peer by_key "SELECT passenger_count, payment_type, count(*) AS count FROM $CSV
  GROUP BY passenger_count, payment_type ORDER BY passenger_count NULLS LAST, count DESC, payment_type"
for w in "" "--workers 2"; do
  # shellcheck disable=SC2086
  same by_key ordered count --by passenger_count,payment_type "$D" --sort passenger_count,count:desc $w
done
peer by_key_desc "SELECT passenger_count, count(*) AS count FROM $CSV
  GROUP BY passenger_count ORDER BY passenger_count DESC NULLS LAST"
same by_key_desc ordered count --by passenger_count "$D" --sort passenger_count:desc
peer by_count_asc "SELECT payment_type, count(*) AS count FROM $CSV GROUP BY payment_type ORDER BY count, payment_type"
same by_count_asc ordered count --by payment_type "$D" --sort count:asc
peer by_max "SELECT passenger_count, max($(dec trip_distance)) AS max_trip_distance FROM $CSV
  WHERE $(dec trip_distance) IS NOT NULL GROUP BY passenger_count ORDER BY max_trip_distance DESC, passenger_count LIMIT 5"
same by_max ordered agg --by passenger_count --max trip_distance "$D" --sort max_trip_distance:desc,passenger_count --top 5

# ---- key expressions: the questions of the story's follow-ups and the taxi benchmark ----
TS="TRY_CAST(tpep_pickup_datetime AS TIMESTAMP)"
ts_ok="($TS IS NOT NULL OR tpep_pickup_datetime IS NULL)"  # fanout skips a value that is not a timestamp
P="tpep_pickup_datetime|pickup_datetime|Trip_Pickup_DateTime"
peer ym_top "SELECT year($TS) AS y, month($TS) AS m, count(*) AS count FROM $CSV WHERE $ts_ok
  GROUP BY y, m ORDER BY count DESC, y NULLS LAST, m NULLS LAST LIMIT 9"
sed -i '1s/.*/year(tpep_pickup_datetime),month(tpep_pickup_datetime),count/' "$TMP/out.ym_top"
same ym_top ordered count --by "year($P),month($P)" "$D" --top 9
peer ym_sum "SELECT strftime($TS, '%Y-%m') AS ym, sum($(dec trip_distance)) AS sum_trip_distance FROM $CSV
  WHERE $ts_ok AND $(dec trip_distance) IS NOT NULL GROUP BY ym ORDER BY ym NULLS LAST"
sed -i '1s/.*/yearmonth(tpep_pickup_datetime),sum_trip_distance/' "$TMP/out.ym_sum"
same ym_sum ordered agg --by "yearmonth($P)" --sum trip_distance "$D" --sort "yearmonth($P)"
peer avg_by_pc "SELECT passenger_count, avg($(dec total_amount))::DOUBLE AS mean_total_amount FROM $CSV
  WHERE $(dec total_amount) IS NOT NULL GROUP BY passenger_count ORDER BY passenger_count NULLS LAST"
same avg_by_pc ordered agg --by passenger_count --mean total_amount "$D" --sort passenger_count
peer pc_year "SELECT passenger_count, year($TS) AS y, count(*) AS count FROM $CSV WHERE $ts_ok
  GROUP BY passenger_count, y ORDER BY count DESC, TRY_CAST(passenger_count AS DOUBLE) NULLS LAST, y NULLS LAST"
sed -i '1s/.*/passenger_count,year(tpep_pickup_datetime),count/' "$TMP/out.pc_year"
same pc_year ordered count --by "passenger_count,year($P)" "$D"
peer pc_year_dist "SELECT passenger_count, year($TS) AS y, round($(dec trip_distance)) AS r, count(*) AS count
  FROM $CSV WHERE $ts_ok AND ($(dec trip_distance) IS NOT NULL OR trip_distance IS NULL)
  GROUP BY passenger_count, y, r ORDER BY y NULLS LAST, count DESC, TRY_CAST(passenger_count AS DOUBLE) NULLS LAST, r NULLS LAST"
sed -i '1s/.*/passenger_count,year(tpep_pickup_datetime),round(trip_distance),count/' "$TMP/out.pc_year_dist"
for w in "" "--workers 2"; do
  # shellcheck disable=SC2086
  same pc_year_dist ordered count --by "passenger_count,year($P),round(trip_distance)" "$D" \
    --sort "year($P),count:desc" $w
done
peer weekday "SELECT isodow($TS) AS w, hour($TS) AS h, count(*) AS count FROM $CSV WHERE $ts_ok
  GROUP BY w, h ORDER BY w NULLS LAST, h NULLS LAST"
sed -i '1s/.*/weekday(tpep_pickup_datetime),hour(tpep_pickup_datetime),count/' "$TMP/out.weekday"
same weekday ordered count --by "weekday($P),hour($P)" "$D" --sort "weekday($P),hour($P)"
peer day "SELECT CAST($TS AS DATE) AS d, count(*) AS count FROM $CSV WHERE $ts_ok GROUP BY d ORDER BY d NULLS LAST"
sed -i '1s/.*/date(tpep_pickup_datetime),count/' "$TMP/out.day"
same day ordered count --by "date($P)" "$D" --sort "date($P)"
peer bucket "SELECT floor($(dec trip_distance) / 5) * 5 AS b, count(*) AS count FROM $CSV
  WHERE $(dec trip_distance) IS NOT NULL OR trip_distance IS NULL GROUP BY b ORDER BY b NULLS LAST"
sed -i '1s/.*/bucket(trip_distance),count/' "$TMP/out.bucket"
# (DuckDB prints 5 as 5.00: compare the keys as numbers)
run_fanout f_bucket count --by "bucket(trip_distance, 5)" "$D" --sort "bucket(trip_distance)" --format csv -q
check_eq "bucket: as DuckDB" "$("$PY" -c '
import csv, decimal, sys
def rows(p):
    r = list(csv.reader(open(p)))
    return [(decimal.Decimal(a) if a else None, int(b)) for a, b in r[1:]]
print(rows(sys.argv[1]) == rows(sys.argv[2]))' "$TMP/out.f_bucket" "$TMP/out.bucket")" True
peer vendor "SELECT lower(substr(store_and_fwd_flag, 1, 1)) AS f, count(*) AS count FROM $CSV GROUP BY f ORDER BY f NULLS LAST"
sed -i '1s/.*/lower(store_and_fwd_flag),count/' "$TMP/out.vendor"
run_fanout f_vendor count --by "lower(store_and_fwd_flag)" "$D" --sort "lower(store_and_fwd_flag)" --format csv -q
check_files_equal "lower: as DuckDB (one-letter flags)" "$TMP/out.f_vendor" "$TMP/out.vendor"
# The same questions over the same rows as Parquet (TIMESTAMP, DOUBLE and
# dictionary-encoded columns) give the same answers.
"$FANOUT" gen-taxi --out "$TMP/pq" --files 3 --rows 30000 --start 2019-01 --seed 4 --format parquet -q ||
  die "gen-taxi --format parquet failed"
same ym_top ordered count --by "year($P),month($P)" "$TMP/pq" --top 9
same pc_year_dist ordered count --by "passenger_count,year($P),round(trip_distance)" "$TMP/pq" --sort "year($P),count:desc"
same ym_sum ordered agg --by "yearmonth($P)" --sum trip_distance "$TMP/pq" --sort "yearmonth($P)"
# The distinct values of a key expression: the days with rides, per month.
peer cd_days "SELECT strftime($TS, '%Y-%m') AS ym, count(*) AS count, count(DISTINCT CAST($TS AS DATE)) AS d FROM $CSV
  WHERE $ts_ok GROUP BY ym ORDER BY ym NULLS LAST"
sed -i '1s/.*/yearmonth(tpep_pickup_datetime),count,count_distinct_date(tpep_pickup_datetime)/' "$TMP/out.cd_days"
for input in "$D" "$TMP/pq"; do
  same cd_days ordered agg --by "yearmonth($P)" --count --count-distinct "date($P)" "$input" --sort "yearmonth($P)"
done
same sd ordered agg --by passenger_count --count --mean total_amount --stddev total_amount --stddev trip_distance "$TMP/pq" \
  --sort passenger_count

# ---- conditions: IN, NOT IN, BETWEEN, IS [NOT] NULL, AND ----
pc="TRY_CAST(passenger_count AS DECIMAL(18,2))"
peer w_in "SELECT payment_type, count(*) AS count FROM $CSV WHERE $pc IN (1, 2, 5) GROUP BY payment_type ORDER BY payment_type"
same w_in ordered count --by payment_type "$D" --where 'passenger_count IN (1, 2, 5)' --sort payment_type
peer w_notin "SELECT payment_type, count(*) AS count FROM $CSV WHERE $pc NOT IN (1, 2) AND $pc IS NOT NULL
  GROUP BY payment_type ORDER BY payment_type"
same w_notin ordered count --by payment_type "$D" --where 'passenger_count NOT IN (1,2)' --sort payment_type
peer w_between "SELECT passenger_count, count(*) AS count FROM $CSV
  WHERE $(dec trip_distance) BETWEEN 1.5 AND 3 AND $pc > 0 GROUP BY passenger_count ORDER BY passenger_count"
same w_between ordered count --by passenger_count "$D" --where 'trip_distance BETWEEN 1.5 AND 3 and passenger_count > 0' \
  --sort passenger_count
peer w_null "SELECT payment_type, count(*) AS count FROM $CSV WHERE passenger_count IS NULL GROUP BY payment_type
  ORDER BY payment_type"
same w_null ordered count --by payment_type "$D" --where 'passenger_count IS NULL' --sort payment_type
peer w_text "SELECT passenger_count, count(*) AS count FROM $CSV WHERE store_and_fwd_flag IN ('Y', 'N')
  AND store_and_fwd_flag IS NOT NULL GROUP BY passenger_count ORDER BY passenger_count NULLS LAST"
same w_text ordered count --by passenger_count "$D" --where "store_and_fwd_flag IN ('Y', 'N')" \
  --where 'store_and_fwd_flag IS NOT NULL' --sort passenger_count
peer w_fn "SELECT passenger_count, count(*) AS count FROM $CSV WHERE month($TS) IN (1, 2) AND hour($TS) BETWEEN 7 AND 9
  GROUP BY passenger_count ORDER BY passenger_count NULLS LAST"
same w_fn ordered count --by passenger_count "$D" --where "month($P) IN (1, 2)" --where "hour($P) BETWEEN 7 AND 9" \
  --sort passenger_count
same w_fn ordered count --by passenger_count "$TMP/pq" --where "month($P) IN (1, 2) AND hour($P) BETWEEN 7 AND 9" \
  --sort passenger_count

# ---- OR, NOT and parentheses: SQL's logic, a value that is not a number unknown ----
td=$(dec trip_distance)
peer w_or "SELECT payment_type, count(*) AS count FROM $CSV WHERE $pc = 1 OR $td > 5 GROUP BY payment_type
  ORDER BY payment_type"
for w in "" "--workers 2"; do
  # shellcheck disable=SC2086
  same w_or ordered count --by payment_type "$D" --where 'passenger_count = 1 OR trip_distance > 5' --sort payment_type $w
done
peer w_not "SELECT payment_type, count(*) AS count FROM $CSV
  WHERE NOT ($pc IN (1, 2) OR $(dec payment_type) = 2) AND $td < 3 GROUP BY payment_type ORDER BY payment_type"
same w_not ordered count --by payment_type "$D" --where 'NOT (passenger_count IN (1, 2) OR payment_type = 2) AND trip_distance < 3' \
  --sort payment_type
peer w_night "SELECT passenger_count, count(*) AS count, sum($(dec total_amount)) AS sum_total_amount FROM $CSV
  WHERE (hour($TS) < 6 OR hour($TS) >= 22) AND NOT month($TS) = 2 AND $(dec total_amount) IS NOT NULL
  GROUP BY passenger_count ORDER BY passenger_count NULLS LAST"
for input in "$D" "$TMP/pq"; do
  for w in "" "--workers 2"; do
    # shellcheck disable=SC2086
    same w_night ordered agg --by passenger_count --count --sum total_amount "$input" \
      --where "(hour($P) < 6 or hour($P) >= 22) and not month($P) = 2" --sort passenger_count $w
  done
done
# select keeps the same rows.
run_fanout w_or_rows select --cols passenger_count,trip_distance "$D" --where 'passenger_count = 1 OR trip_distance > 5' -q \
  --out "$TMP/w_or_rows"
check_eq "select with OR: the rows count keeps" "$(cat "$TMP"/w_or_rows/* | grep -cv '^passenger_count,')" \
  "$(awk -F, 'NR > 1 { n += $2 } END { print n }' "$TMP/out.w_or")"
# Two --where must both hold, each with its OR.
peer w_two "SELECT count(*) AS count FROM $CSV WHERE ($pc = 1 OR $pc = 2) AND ($td < 1 OR $td > 10)"
same w_two ordered count "$D" --where 'passenger_count = 1 OR passenger_count = 2' --where 'trip_distance < 1 OR trip_distance > 10'
same w_two ordered count "$TMP/pq" --where 'passenger_count = 1 OR passenger_count = 2' --where 'trip_distance < 1 OR trip_distance > 10'
# A row is skipped (and counted) only when the known conditions do not decide it.
printf 'a,b\nx,9\nx,1\n1,y\n9,y\n7,1\n' >"$TMP/unknown.csv"
run_fanout unknown count "$TMP/unknown.csv" --where 'a > 5 OR b > 5' --format csv
check_eq "OR with values that are not numbers: the answer" "$(cat "$TMP/out.unknown")" $'count\n3'
check_true "OR with values that are not numbers: two skipped, by the condition that was unknown ($(cat "$TMP/err.unknown"))" \
  grep -q "skipped 2 (non-numeric a 1, non-numeric b 1)" "$TMP/err.unknown"
expect_fail 1 "non-numeric a" count "$TMP/unknown.csv" --where 'a > 5 OR b > 5' --strict
expect_fail 2 "invalid --where 'passenger_count > 1 OR': expected a condition at position 23" \
  count --by passenger_count "$D" --where 'passenger_count > 1 OR'
expect_fail 2 "a '(' that does not close at position 1" count "$D" --where '(passenger_count > 1 OR trip_distance > 2'
expect_fail 2 "an IN list of numbers and texts at once" count --by passenger_count "$D" --where "passenger_count IN (1, 'a')"
expect_fail 2 "expected 'COL BETWEEN LOW AND HIGH'" count --by passenger_count "$D" --where 'trip_distance BETWEEN 1'

# ---- expressions in select --cols and stage --cols (named with AS) ----
peer sel_expr "SELECT strftime($TS, '%Y-%m') AS ym, passenger_count, round($td) AS r FROM $CSV WHERE $td > 20 AND $ts_ok"
# rows_of NAME DIR: the part files' rows under one header, as DuckDB prints them.
rows_of() { { echo "ym,passenger_count,r"; cat "$2"/* | grep -v '^ym,passenger_count,r$'; } >"$TMP/out.$1"; }
for input in "$D" "$TMP/pq"; do
  for w in "" "--workers 2 --range-size 300KiB"; do
    rm -rf "$TMP/sel_expr"
    # shellcheck disable=SC2086
    run_fanout sel_expr_run select --cols "yearmonth($P) AS ym,passenger_count,round(trip_distance) as r" "$input" \
      --where 'trip_distance > 20' --out "$TMP/sel_expr" -q $w
    check_eq "select --cols with expressions ($input $w): exit status ($(cat "$TMP/err.sel_expr_run"))" \
      "$(rc_of sel_expr_run)" 0
    rows_of f_sel_expr "$TMP/sel_expr"
    check_true "select --cols with expressions ($input $w): as DuckDB" \
      "${CSVDIFF[@]}" --any-order "$TMP/out.f_sel_expr" "$TMP/out.sel_expr"
  done
done
peer stage_expr "SELECT strftime($TS, '%Y-%m') AS ym, passenger_count, count(*) AS count FROM $CSV WHERE $ts_ok
  GROUP BY ym, passenger_count ORDER BY count DESC, ym NULLS LAST, TRY_CAST(passenger_count AS DOUBLE) NULLS LAST"
export XDG_CACHE_HOME=$TMP/cache
run_fanout stage_expr_run stage --cols "yearmonth($P) AS ym,passenger_count" --as ym_pc "$D" --range-size 500KiB -q
check_eq "stage --cols with an expression: exit status ($(cat "$TMP/err.stage_expr_run"))" "$(rc_of stage_expr_run)" 0
same stage_expr ordered count --by ym,passenger_count stage://ym_pc
expect_fail 2 "--cols: at 44: text after ')' (name an expression with 'AS NAME')" \
  select --cols "passenger_count,year(tpep_pickup_datetime) y" "$D" --out "$TMP/never"
expect_fail 2 "--cols: at 1: 'yaer' is not a function" stage --cols "yaer(tpep_pickup_datetime)" --as never "$D"

# Values that are not timestamps are skipped and counted by reason.
printf 'tpep_pickup_datetime,passenger_count\n2019-01-01 00:00:01,1\nnot a time,2\n,3\n2019-02-30 00:00:00,4\n' >"$TMP/odd.csv"
run_fanout odd count --by "year(tpep_pickup_datetime)" "$TMP/odd.csv" --format csv
check_eq "not timestamps: the answer" "$(cat "$TMP/out.odd")" $'year(tpep_pickup_datetime),count\n2019,1\n,1'
check_true "not timestamps: skipped by reason ($(cat "$TMP/err.odd"))" \
  grep -q "skipped 2 (not a timestamp in year(tpep_pickup_datetime) 2)" "$TMP/err.odd"
expect_fail 2 "--by: at 7: expected ')' in 'year(x'" count --by "year(x" "$D"

expect_fail 2 "--sort: 'fare' is not a column of the result (count, passenger_count)" \
  count --by passenger_count "$D" --sort fare
expect_fail 2 "--sort: 'count:down': the direction is :asc or :desc" count --by passenger_count "$D" --sort count:down

finish
