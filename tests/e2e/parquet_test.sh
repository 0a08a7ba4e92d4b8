#!/usr/bin/env bash
# Parquet input: the same rows as CSV and as Parquet give byte-identical answers
# (count, agg, select, --where, at several --range-size and --workers, every codec
# gen-taxi writes); files written by an independent writer, DuckDB, at every codec,
# with NULLs, several row-group sizes, plain and dictionary pages, give the counts
# DuckDB itself gives; a damaged file is an error naming it, and a nested column is
# refused while the file's flat columns stay readable.
source "$(dirname "$0")/lib.sh"
require_fanout
command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh installs it)"
node -e 'require.resolve("@duckdb/node-api")' 2>/dev/null || die "DuckDB for node is missing: run scripts/install-deps.sh"
PEER=(node "$E2E_DIR/parquet_peer.js")
export NODE_PATH=$FANOUT_SRC/node_modules

# --- gen-taxi CSV against gen-taxi Parquet: one answer whatever the format -------
"$FANOUT" gen-taxi --out "$TMP/csv" --files 6 --rows 6000 --seed 9 --quiet || die "gen-taxi csv failed"
codecs=(gzip snappy zstd none lz4 brotli)
for i in "${!codecs[@]}"; do
  c=${codecs[$i]}
  "$FANOUT" gen-taxi --out "$TMP/pq-$c" --format parquet --compression "$c" --files 6 --rows 6000 --seed 9 \
    --row-group-rows $((700 + 900 * i)) --page-size $((8000 + 30000 * i)) --quiet || die "gen-taxi parquet $c failed"
done
queries=(
  "count --by passenger_count"
  "count --by vendor_id|vendorid|vendor_name,passenger_count"
  "count --by tpep_pickup_datetime|pickup_datetime|trip_pickup_datetime --format csv"
  "agg --by passenger_count --count --sum total_amount|total_amt --mean trip_distance --min fare_amount|fare_amt --max tip_amount|tip_amt"
  "count --by payment_type --where trip_distance>2.5 --where passenger_count<=3"
  "agg --by passenger_count --sum total_amount|total_amt --format json"
)
for q in "${queries[@]}"; do
  read -r -a query <<<"$q"
  run_fanout want "${query[@]}" "$TMP/csv" -q
  [[ $(rc_of want) == 0 ]] || die "CSV run failed: $q: $(cat "$TMP/err.want")"
  for c in "${codecs[@]}"; do
    for extra in "" "--range-size 64KiB" "--workers 2 --range-size 300KiB"; do
      read -r -a more <<<"$extra"
      run_fanout got "${query[@]}" "$TMP/pq-$c" -q "${more[@]}"
      check_eq "$q over Parquet ($c) $extra: exit status ($(tail -n 2 "$TMP/err.got"))" "$(rc_of got)" 0
      check_files_equal "$q over Parquet ($c) $extra: the CSV answer" "$TMP/out.got" "$TMP/out.want"
    done
  done
done
# select writes CSV with its header: the same bytes from either format (of columns
# whose CSV text is canonical: a CSV 1.50 is the DOUBLE 1.5, printed "1.5").
for fmt in csv pq-zstd; do
  run_fanout "sel-$fmt" select --cols "passenger_count,payment_type,tpep_pickup_datetime|pickup_datetime|trip_pickup_datetime" \
    --where "passenger_count = 2" --out "$TMP/sel-$fmt" "$TMP/$fmt" -q
  check_eq "select over $fmt: exit status ($(tail -n 2 "$TMP/err.sel-$fmt"))" "$(rc_of "sel-$fmt")" 0
done
for f in "$TMP"/sel-csv/*; do
  g="$TMP/sel-pq-zstd/$(basename "$f" .csv).csv"
  [[ -f $g ]] || g=$(ls "$TMP"/sel-pq-zstd/"$(basename "$f" .csv)"* 2>/dev/null | head -n 1)
  [[ -n $g && -f $g ]] && cmp -s "$f" "$g" || echo "$f" >>"$TMP/sel-diff"
done
check_eq "select: the same rows from CSV and Parquet ($(cat "$TMP/sel-diff" 2>/dev/null | head -n 3))" \
  "$(cat "$TMP/sel-diff" 2>/dev/null | wc -l)" 0
check_true "select wrote rows" test "$(cat "$TMP"/sel-csv/* | wc -l)" -gt 20

# --- files DuckDB wrote: fanout's counts are DuckDB's ----------------------------
cat >"$TMP/write.js" <<'JS'
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const [out, codec, rowGroup] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT i AS id,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 5)::INTEGER END AS small,
      (i % 1000)::BIGINT * 1000003 AS big,
      CASE WHEN i % 11 = 0 THEN NULL ELSE 'name-' || (i % 13)::VARCHAR END AS name,
      (i % 17) / 4.0 AS ratio,
      (i % 9)::DOUBLE / 8 AS dbl,
      i % 3 = 0 AS flag,
      strftime(TIMESTAMP '2019-01-01 00:00:00' + INTERVAL (i % 50) MINUTE, '%Y-%m-%d %H:%M:%S') AS ts_text,
      TIMESTAMP '2019-01-01 00:00:00' + INTERVAL (i % 50) MINUTE AS ts,
      [i % 3, i % 4] AS nested_list
    FROM range(0, 30000) t(i))
    TO '${out}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroup})`);
})().catch((e) => { console.error(e.message); process.exit(1); });
JS
# value,count lines sorted by value, from fanout's CSV output.
fanout_counts() { tail -n +2 "$1" | LC_ALL=C sort; }
duck_codecs=(uncompressed snappy gzip zstd lz4 brotli)
for i in "${!duck_codecs[@]}"; do
  c=${duck_codecs[$i]}
  f=$TMP/duck/$c.parquet
  mkdir -p "$TMP/duck"
  node "$TMP/write.js" "$f" "$c" $((2048 * (i + 1))) || die "DuckDB could not write $c"
  for col in small big name dbl flag ts_text; do
    # (DuckDB prints a whole double as 1.0, fanout's canonical form is 1)
    "${PEER[@]}" duckdb count-by "$f" "$col" | sed -E 's/^(-?[0-9]+)\.0,/\1,/' | LC_ALL=C sort >"$TMP/duck.want" ||
      die "DuckDB count-by $col failed"
    run_fanout duck count --by "$col" "$f" --format csv -q
    check_eq "DuckDB $c file, count --by $col: exit status ($(tail -n 2 "$TMP/err.duck"))" "$(rc_of duck)" 0
    fanout_counts "$TMP/out.duck" >"$TMP/duck.got"
    check_files_equal "DuckDB $c file, count --by $col: DuckDB's counts" "$TMP/duck.got" "$TMP/duck.want"
  done
  # Timestamps print as the text DuckDB formats them to.
  run_fanout ts count --by ts "$f" --format csv -q
  run_fanout tstext count --by ts_text "$f" --format csv -q
  check_eq "DuckDB $c file: timestamps in canonical text" "$(fanout_counts "$TMP/out.ts")" "$(fanout_counts "$TMP/out.tstext")"
  # A nested column is refused, by name; the file's flat columns stay readable.
  expect_fail 1 "nested" count --by nested_list "$f"
done
run_fanout sum agg --by flag --sum ratio --sum small --count "$TMP/duck/zstd.parquet" --format csv -q
check_eq "agg over a DuckDB file: exit status" "$(rc_of sum)" 0
node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await DuckDBInstance.create(":memory:"); const c = await db.connect();
  const r = await c.runAndReadAll(`SELECT flag, count(*), sum(ratio)::VARCHAR, sum(small) FROM read_parquet($$'"$TMP/duck/zstd.parquet"'$$) WHERE small IS NOT NULL GROUP BY flag`);
  const trim = (v) => (/^-?[0-9]+[.][0-9]+$/.test(v) ? v.replace(/0+$/, "").replace(/[.]$/, "") : v);
  for (const row of r.getRows()) console.log(row.map((v) => trim(String(v))).join(","));
})();' >"$TMP/sum.want" || die "DuckDB agg failed"
# A row whose summed field is empty is skipped by agg, as in CSV: DuckDB is asked the
# same (WHERE small IS NOT NULL). Groups compared as sets of lines.
LC_ALL=C sort "$TMP/sum.want" >"$TMP/sum.want2"
fanout_counts "$TMP/out.sum" >"$TMP/sum.got"
check_files_equal "agg over a DuckDB file: DuckDB's sums" "$TMP/sum.got" "$TMP/sum.want2"

# --- row-group statistics: a row group no row of which can pass --where is not read,
# and nothing a user sees changes: the same answer and the same summary (rows seen,
# rows skipped by reason) as the CSV copy, plus how many row groups were skipped.
"$FANOUT" gen-taxi --out "$TMP/st-csv" --files 4 --rows 3000 --start 2020-01 --seed 5 --quiet || die "gen-taxi csv failed"
"$FANOUT" gen-taxi --out "$TMP/st-pq" --format parquet --row-group-rows 200 --files 4 --rows 3000 --start 2020-01 \
  --seed 5 --quiet || die "gen-taxi parquet failed"
# The summary without the sizes and the time, and without the row-group part.
summary_of() { tail -n 1 "$1" | sed -E 's/^fanout: [0-9]+ objects?, [^,]+, //; s/, [0-9,]+ of [0-9,]+ row groups? skipped by statistics//; s/, [^,]+, [^,]+\/s$//'; }
groups_skipped() { tail -n 1 "$1" | sed -nE 's/.*, ([0-9,]+) of [0-9,]+ row groups? skipped by statistics.*/\1/p' | tr -d ,; }
where_cases=(
  "passenger_count > 6"
  "passenger_count = 0"
  "passenger_count != 1"
  "trip_distance >= 25"
  "total_amount < 4"
  "store_and_fwd_flag = 'Y'"
  "store_and_fwd_flag < 'N'"
  "trip_distance > 1|passenger_count > 6"
  "passenger_count > 6|trip_distance > 1"
)
any_skipped=0
for w in "${where_cases[@]}"; do
  wheres=()
  IFS='|' read -r -a parts <<<"$w"
  for p in "${parts[@]}"; do wheres+=(--where "$p"); done
  run_fanout stw count --by passenger_count "${wheres[@]}" "$TMP/st-csv"
  run_fanout stg count --by passenger_count "${wheres[@]}" "$TMP/st-pq"
  check_eq "--where $w over Parquet: exit status ($(tail -n 1 "$TMP/err.stg"))" "$(rc_of stg)" 0
  check_files_equal "--where $w over Parquet: the CSV answer" "$TMP/out.stg" "$TMP/out.stw"
  check_eq "--where $w over Parquet: the CSV summary's rows and skips" "$(summary_of "$TMP/err.stg")" "$(summary_of "$TMP/err.stw")"
  n=$(groups_skipped "$TMP/err.stg")
  [[ -n $n && $n -gt 0 ]] && any_skipped=$((any_skipped + 1))
  run_fanout sts select --cols passenger_count,payment_type,store_and_fwd_flag "${wheres[@]}" --out "$TMP/sts-pq" "$TMP/st-pq" -q
  run_fanout stc select --cols passenger_count,payment_type,store_and_fwd_flag "${wheres[@]}" --out "$TMP/sts-csv" "$TMP/st-csv" -q
  check_eq "select --where $w: the same rows from CSV and Parquet" "$(cat "$TMP"/sts-pq/* | LC_ALL=C sort | md5sum)" \
    "$(cat "$TMP"/sts-csv/* | LC_ALL=C sort | md5sum)"
  rm -rf "$TMP/sts-pq" "$TMP/sts-csv"
done
check_true "statistics skipped row groups for most filters ($any_skipped of ${#where_cases[@]})" test "$any_skipped" -ge 6
run_fanout stall count --by passenger_count --where "passenger_count > 100" "$TMP/st-pq"
check_eq "a filter no row group can pass: every row group skipped" "$(groups_skipped "$TMP/err.stall")" \
  "$(( $(ls "$TMP"/st-pq/*.parquet | wc -l) * 15 ))"
# --strict: a NULL in a skipped row group would have stopped the read, so it still does.
run_fanout strw count --by passenger_count --where "passenger_count > 6" --strict "$TMP/st-csv"
run_fanout strg count --by passenger_count --where "passenger_count > 6" --strict "$TMP/st-pq"
check_eq "--strict over Parquet: exit status as over CSV" "$(rc_of strg)" "$(rc_of strw)"
check_eq "--strict over CSV stops at a NULL passenger_count" "$(rc_of strw)" 1
# DuckDB's files carry statistics too: a filtered count is DuckDB's.
node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const db = await DuckDBInstance.create(":memory:"); const c = await db.connect();
  const r = await c.runAndReadAll(`SELECT small, count(*) FROM read_parquet($$'"$TMP/duck/zstd.parquet"'$$) WHERE big > 600000000 GROUP BY small`);
  for (const row of r.getRows()) console.log(row.map((v) => (v === null ? "" : String(v))).join(","));
})();' | LC_ALL=C sort >"$TMP/dw.want" || die "DuckDB count-where failed"
check_true "DuckDB counted rows with big > 600000000" test -s "$TMP/dw.want"
run_fanout dw count --by small --where "big > 600000000" "$TMP/duck/zstd.parquet" --format csv
check_eq "DuckDB file, --where: exit status ($(tail -n 1 "$TMP/err.dw"))" "$(rc_of dw)" 0
fanout_counts "$TMP/out.dw" >"$TMP/dw.got"
check_files_equal "DuckDB file, --where big > 600000000: DuckDB's counts" "$TMP/dw.got" "$TMP/dw.want"

# --- inputs as lists and brace ranges -------------------------------------------
ls "$TMP"/pq-zstd/*.parquet >"$TMP/list.txt"
printf '# a comment, then a blank line\n\n' >>"$TMP/list.txt"
run_fanout list count --by passenger_count "@$TMP/list.txt" -q
run_fanout dir count --by passenger_count "$TMP/pq-zstd" -q
check_files_equal "@FILE: the answer over its files" "$TMP/out.list" "$TMP/out.dir"
months=$(cd "$TMP/pq-zstd" && ls | sed -E 's/yellow_tripdata_(.*)\.parquet/\1/' | paste -sd, -)
run_fanout braces count --by passenger_count "$TMP/pq-zstd/yellow_tripdata_{$months}.parquet" -q
check_files_equal "a brace list of the months: the answer over them" "$TMP/out.braces" "$TMP/out.dir"
expect_fail 1 "yellow_tripdata_1999-01.parquet" count --by passenger_count \
  "$TMP/pq-zstd/yellow_tripdata_{$months,1999-01}.parquet"
# --skip-missing: the months that exist, and a warning saying how many did not.
run_fanout skipm count --by passenger_count --skip-missing "$TMP/pq-zstd/yellow_tripdata_{$months,1999-01,1999-02}.parquet" -q
check_eq "--skip-missing: exit status ($(cat "$TMP/err.skipm"))" "$(rc_of skipm)" 0
check_files_equal "--skip-missing: the answer over the months that exist" "$TMP/out.skipm" "$TMP/out.dir"
check_true "--skip-missing: the warning says 2 inputs were skipped" grep -q "skipped 2 inputs that do not exist" "$TMP/err.skipm"
expect_fail 1 "none of the 2 inputs exists" count --by passenger_count --skip-missing "$TMP/pq-zstd/yellow_tripdata_{1999-01,1999-02}.parquet"

# --- run: the command gets the raw file; --split (ranges of lines) is refused ----
one=$(ls "$TMP"/pq-zstd/*.parquet | head -n 1)
run_fanout raw run --cmd 'cksum' --merge cat "$one" -q
check_eq "run over a Parquet file: the command read the whole file" "$(cat "$TMP/out.raw")" "$(cksum <"$one")"
expect_fail 1 "is a Parquet file" run --split --range-size 64KiB --cmd 'wc -c' --merge cat "$one"
# run --csv: the seed's line-oriented Python mapper (csv module) works unchanged on
# Parquet: the rows come as CSV with a header, locally and on workers.
SCRIPTS=$E2E_DIR/scripts
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  run_fanout mrpq run --csv --ship "$SCRIPTS/passenger_map.py" --cmd 'python3 passenger_map.py' \
    --merge "python3 '$SCRIPTS/passenger_merge.py'" "$TMP/pq-zstd" -q "${c[@]}"
  run_fanout mrcsv count --by passenger_count "$TMP/csv" --format csv -q
  check_eq "run --csv ${cluster:-locally}: exit status ($(head -c 300 "$TMP/err.mrpq"))" "$(rc_of mrpq)" 0
  check_files_equal "run --csv ${cluster:-locally}: the Python mapper's counts are fanout count's over the CSV copy" \
    "$TMP/out.mrpq" "$TMP/out.mrcsv"
done
# The text fed is each file's rows: Python's csv module reads the same rows from it
# as from the CSV copy (numbers compared by value: a CSV 1.50 is the DOUBLE 1.5).
run_fanout fed run --csv --cmd cat --out "$TMP/fed" "$TMP/pq-zstd" -q
check_eq "run --csv --out: exit status ($(head -c 300 "$TMP/err.fed"))" "$(rc_of fed)" 0
/usr/bin/python3 - "$TMP/fed" "$TMP/csv" >"$TMP/fed.check" 2>&1 <<'PY'
import csv, decimal, os, sys
fed, orig = sys.argv[1:]
def same(a, b):
    if a == b:
        return True
    try:
        return decimal.Decimal(a) == decimal.Decimal(b)
    except decimal.InvalidOperation:
        return False
n = 0
for name in sorted(os.listdir(orig)):
    with open(os.path.join(orig, name), newline="") as f:
        want = [r for r in csv.reader(f) if r]
    with open(os.path.join(fed, name), newline="") as f:
        got = list(csv.reader(f))
    if [h.lower() for h in got[0]] != [h.lower() for h in want[0]]:
        sys.exit("%s: header %r, the CSV copy's %r" % (name, got[0], want[0]))
    if len(got) != len(want):
        sys.exit("%s: %d rows, the CSV copy has %d" % (name, len(got), len(want)))
    for i, (g, w) in enumerate(zip(got[1:], want[1:])):
        if len(g) != len(w) or not all(same(x, y) for x, y in zip(g, w)):
            sys.exit("%s: row %d is %r, the CSV copy's %r" % (name, i + 1, g, w))
    n += len(got) - 1
print("ok", n)
PY
check_eq "run --csv: Python's csv module reads the CSV copy's rows from the fed text ($(cat "$TMP/fed.check"))" \
  "$(cut -d' ' -f1 "$TMP/fed.check")" ok
check_true "run --csv: every row was fed" test "$(cut -d' ' -f2 "$TMP/fed.check")" -eq 36000

# --- stage: Parquet sources staged as CSV pieces, then queried -------------------
export XDG_CACHE_HOME=$TMP/cache
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  name=pq${#c[@]}
  run_fanout stg stage --cols "passenger_count,payment_type" --as "$name" --range-size 64KiB "$TMP/pq-snappy" "${c[@]}"
  check_eq "stage over Parquet ${cluster:-locally}: exit ($(head -c 300 "$TMP/err.stg"))" "$(rc_of stg)" 0
  run_fanout stq count --by passenger_count,payment_type "stage://$name" --format csv -q "${c[@]}"
  run_fanout stc count --by passenger_count,payment_type "$TMP/csv" --format csv -q
  check_eq "count over the Parquet stage ${cluster:-locally}: exit ($(head -c 300 "$TMP/err.stq"))" "$(rc_of stq)" 0
  check_files_equal "count over the Parquet stage ${cluster:-locally}: the CSV copy's answer" "$TMP/out.stq" "$TMP/out.stc"
  # A piece that went missing is staged again from its Parquet source, read as Parquet.
  piece=$(find "$XDG_CACHE_HOME/fanout/stage/$name" -name '*.csv' | sort | sed -n 2p)
  rm -f "$piece"
  run_fanout stq2 count --by passenger_count,payment_type "stage://$name" --format csv "${c[@]}"
  check_eq "a missing piece of the Parquet stage ${cluster:-locally}: exit ($(head -c 300 "$TMP/err.stq2"))" "$(rc_of stq2)" 0
  check_true "a missing piece of the Parquet stage ${cluster:-locally}: staged again" grep -q "staged again" "$TMP/err.stq2"
  check_files_equal "a missing piece of the Parquet stage ${cluster:-locally}: the CSV copy's answer" "$TMP/out.stq2" "$TMP/out.stc"
done

# --- damaged files: an error naming the file, never an answer ---------------------
good=$TMP/duck/snappy.parquet
size=$(stat -c %s "$good")
head -c $((size - 3)) "$good" >"$TMP/cut.parquet"
expect_fail 1 "cut.parquet" count --by small "$TMP/cut.parquet"
{ head -c $((size - 200)) "$good"; head -c 192 /dev/urandom; tail -c 8 "$good"; } >"$TMP/footer.parquet"
expect_no_crash count --by small "$TMP/footer.parquet"
{ head -c 4 "$good"; head -c 5000 /dev/urandom; tail -c $((size - 5004)) "$good"; } >"$TMP/pages.parquet"
expect_no_crash count --by small "$TMP/pages.parquet"
expect_no_crash count --by name "$TMP/pages.parquet"
finish
