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

expect_fail 2 "--sort: 'fare' is not a column of the result (count, passenger_count)" \
  count --by passenger_count "$D" --sort fare
expect_fail 2 "--sort: 'count:down': the direction is :asc or :desc" count --by passenger_count "$D" --sort count:down

finish
