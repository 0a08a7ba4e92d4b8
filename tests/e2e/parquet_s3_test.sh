#!/usr/bin/env bash
# Parquet over S3 (s3rver on loopback) and over HTTP (nginx on loopback), each
# through the fault proxy: the answers equal the local files' under resets and
# truncated bodies, and a count by one column fetches only the footers and that
# column's chunks (the proxy counts the body bytes it sends; the chunk sizes come
# from DuckDB's parquet_metadata). Over HTTP, a brace range of URLs with a month
# that is not there (a 404) is an error naming it, or skipped with --skip-missing.
source "$(dirname "$0")/lib.sh"
source "$FANOUT_SRC/tests/s3/s3rver.sh"
source "$FANOUT_SRC/tests/s3/http_servers.sh"
require_fanout
node -e 'require.resolve("@duckdb/node-api")' 2>/dev/null || die "DuckDB for node is missing: run scripts/install-deps.sh"
export NODE_PATH=$FANOUT_SRC/node_modules

s3_start "$TMP/s3" || die "cannot start s3rver"
s3_mb pqtrips || die "cannot create a bucket"
data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --format parquet --compression zstd --files 4 --rows 30000 --seed 17 \
  --row-group-rows 7000 --quiet || die "gen-taxi failed"
for f in "$data"/*.parquet; do s3_put pqtrips "trips/$(basename "$f")" "$f" || die "upload $f"; done
proxy_start "$S3_ENDPOINT" || die "cannot start the fault proxy"
P=(--endpoint-url "$PROXY_ENDPOINT")
GLOB='s3://pqtrips/trips/*.parquet'
COL="passenger_count"

run_fanout local count --by "$COL" "$data" --format csv -q
[[ $(rc_of local) == 0 ]] || die "local run failed: $(cat "$TMP/err.local")"

# What a count by one column needs: each footer (and its 8-byte tail) and that
# column's chunks, by DuckDB's reading of the files.
cat >"$TMP/need.js" <<'JS'
const { DuckDBInstance } = require('@duckdb/node-api');
const fs = require('node:fs');
(async () => {
  const [col, ...files] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
  let need = 0;
  for (const f of files) {
    const buf = fs.readFileSync(f);
    need += buf.readUInt32LE(buf.length - 8) + 8 + 8;  // footer, its tail, the head read
    const cols = col.split(',').map((x) => `lower('${x}')`).join(', ');
    const r = await c.runAndReadAll(`SELECT sum(total_compressed_size)::BIGINT FROM parquet_metadata('${f}')
                                     WHERE lower(path_in_schema) IN (${cols})`);
    need += Number(r.getRows()[0][0]);
  }
  console.log(need);
})().catch((e) => { console.error(e.message); process.exit(1); });
JS
need=$(node "$TMP/need.js" "$COL" "$data"/*.parquet) || die "DuckDB could not read the metadata"
total=$(cat "$data"/*.parquet | wc -c)
proxy_faults '[]' >/dev/null
proxy_reset_stats
run_fanout s3 count --by "$COL" "$GLOB" "${P[@]}" --format csv -q
check_eq "count over S3: exit status ($(tail -n 2 "$TMP/err.s3"))" "$(rc_of s3)" 0
check_files_equal "count over S3: the local answer" "$TMP/out.s3" "$TMP/out.local"
fetched=$(proxy_stat body_bytes)
echo "parquet over S3: fetched $fetched bytes; footers + $COL chunks $need; files $total" >&2
check_true "bytes fetched ($fetched) at most 1.2x the footers and the $COL chunks ($need)" \
  test "$((fetched * 10))" -le "$((need * 12))"
check_true "bytes fetched ($fetched) well under the files ($total)" test "$((fetched * 3))" -lt "$total"

# Faults: answers stay exact, at several range sizes.
for rules in '[{"kind": "reset", "header": "Range", "prob": 0.3, "seed": 4}]' \
             '[{"kind": "truncate", "header": "Range", "every": 3}]' \
             '[{"kind": "status500", "header": "Range", "prob": 0.2, "seed": 5}]'; do
  proxy_faults "$rules" >/dev/null || die "cannot set faults $rules"
  proxy_reset_stats
  for extra in "" "--range-size 200KiB --threads 3"; do
    read -r -a more <<<"$extra"
    run_fanout fault count --by "$COL" "$GLOB" "${P[@]}" --format csv -q "${more[@]}"
    check_eq "count under $rules $extra: exit status ($(tail -n 2 "$TMP/err.fault"))" "$(rc_of fault)" 0
    check_files_equal "count under $rules $extra: the local answer" "$TMP/out.fault" "$TMP/out.local"
  done
  check_true "faults $rules were injected" test "$(proxy_stat injected_total)" -gt 0
done
proxy_faults '[]' >/dev/null
run_fanout agg agg --by "$COL" --sum total_amount --mean trip_distance "$GLOB" "${P[@]}" --format csv -q
run_fanout agg_local agg --by "$COL" --sum total_amount --mean trip_distance "$data" --format csv -q
check_eq "agg over S3: exit status ($(tail -n 2 "$TMP/err.agg"))" "$(rc_of agg)" 0
check_files_equal "agg over S3: the local answer" "$TMP/out.agg" "$TMP/out.agg_local"

# --- HTTP: nginx serving the same files, the fault proxy in front ----------------
nginx_start "$data" || die "cannot start nginx"
proxy_stop
proxy_start "$NGINX_URL" || die "cannot start the fault proxy in front of nginx"
urls=()
for f in "$data"/*.parquet; do urls+=("$PROXY_ENDPOINT/$(basename "$f")"); done
proxy_faults '[]' >/dev/null
proxy_reset_stats
run_fanout http count --by "$COL" "${urls[@]}" --format csv -q
check_eq "count over HTTP: exit status ($(tail -n 2 "$TMP/err.http"))" "$(rc_of http)" 0
check_files_equal "count over HTTP: the local answer" "$TMP/out.http" "$TMP/out.local"
fetched=$(proxy_stat body_bytes)
echo "parquet over HTTP: fetched $fetched bytes; footers + $COL chunks $need; files $total" >&2
check_true "HTTP: bytes fetched ($fetched) at most 1.2x the footers and the $COL chunks ($need)" \
  test "$((fetched * 10))" -le "$((need * 12))"
check_true "HTTP: bytes fetched ($fetched) at least the footers and chunks ($need)" test "$fetched" -ge "$((need - 16 * ${#urls[@]}))"
for rules in '[{"kind": "reset", "header": "Range", "prob": 0.3, "seed": 6}]' \
             '[{"kind": "truncate", "header": "Range", "every": 3}]'; do
  proxy_faults "$rules" >/dev/null || die "cannot set faults $rules"
  proxy_reset_stats
  run_fanout hfault count --by "$COL" "${urls[@]}" --format csv -q --range-size 200KiB --threads 3
  check_eq "HTTP count under $rules: exit status ($(tail -n 2 "$TMP/err.hfault"))" "$(rc_of hfault)" 0
  check_files_equal "HTTP count under $rules: the local answer" "$TMP/out.hfault" "$TMP/out.local"
  check_true "HTTP faults $rules were injected" test "$(proxy_stat injected_total)" -gt 0
done
proxy_faults '[]' >/dev/null
# Two adjacent columns: their chunks are read as one range per row group, so the
# requests are fewer than one per chunk, and the bytes still those chunks'.
need2=$(node "$TMP/need.js" "$COL,trip_distance" "$data"/*.parquet) || die "DuckDB could not read the metadata"
groups=$(node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await DuckDBInstance.create(":memory:"); const c = await db.connect();
  const r = await c.runAndReadAll(`SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata($$'"$data"'/*.parquet$$)`);
  console.log(Number(r.getRows()[0][0]));
})();') || die "DuckDB could not count the row groups"
proxy_reset_stats
run_fanout two agg --by "$COL" --sum trip_distance "${urls[@]}" --format csv -q
run_fanout two_local agg --by "$COL" --sum trip_distance "$data" --format csv -q
check_eq "HTTP agg over two adjacent columns: exit status ($(tail -n 2 "$TMP/err.two"))" "$(rc_of two)" 0
check_files_equal "HTTP agg over two adjacent columns: the local answer" "$TMP/out.two" "$TMP/out.two_local"
fetched=$(proxy_stat body_bytes)
requests=$(proxy_stat requests)
echo "parquet over HTTP, two columns: fetched $fetched bytes in $requests requests; need $need2; $groups row groups" >&2
check_true "HTTP two columns: bytes fetched ($fetched) at most 1.2x their chunks and the footers ($need2)" \
  test "$((fetched * 10))" -le "$((need2 * 12))"
check_true "HTTP two columns: bytes fetched ($fetched) at least their chunks and the footers ($need2)" \
  test "$fetched" -ge "$((need2 - 16 * ${#urls[@]}))"
# (Per file: a HEAD, the first bytes, the footer's tail, the footer; then one
# read per row group where one per chunk would be two.)
check_true "HTTP two columns: at most one request per row group ($requests; $groups row groups, ${#urls[@]} files)" \
  test "$requests" -le "$((groups + 4 * ${#urls[@]}))"
# A brace range of the months, one of which the server does not have.
months=$(cd "$data" && ls *.parquet | sed -E 's/yellow_tripdata_(.*)\.parquet/\1/' | paste -sd, -)
pattern="$PROXY_ENDPOINT/yellow_tripdata_{$months,1999-01}.parquet"
expect_fail 1 "yellow_tripdata_1999-01.parquet" count --by "$COL" "$pattern"
run_fanout hskip count --by "$COL" --skip-missing "$pattern" --format csv -q
check_eq "HTTP --skip-missing: exit status ($(cat "$TMP/err.hskip"))" "$(rc_of hskip)" 0
check_files_equal "HTTP --skip-missing: the answer over the months the server has" "$TMP/out.hskip" "$TMP/out.local"
check_true "HTTP --skip-missing: the warning names the missing month" grep -q "1999-01" "$TMP/err.hskip"
finish
