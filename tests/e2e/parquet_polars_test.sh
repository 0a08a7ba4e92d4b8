#!/usr/bin/env bash
# Parquet files written by an independent writer, Polars (nodejs-polars): at every
# codec its writeParquet takes (uncompressed, snappy, gzip, lz4, zstd, brotli), at
# several row-group sizes (sinkParquet's rowGroupSize: writeParquet has no such
# option in this binding), with NULLs, Int32, Int64 (around 2^53), non-integer
# Float64, whole Float64, dictionary and plain strings, Boolean, Datetime (us; ns and
# ms in the drift files) and Date columns, give Polars' own answers — and DuckDB's,
# for the columns whose text DuckDB writes as fanout does: `count --by` (one key or
# two), `agg --count --sum/--min/--max` (integer sums exact; double sums compared
# with the exact sum of the values' decimal texts, which the helper also checks
# against Polars' floating-point sum), `--where` on integers, doubles, strings,
# booleans, timestamps and dates, the same answers from files of many row groups read
# as 64 KiB ranges and on 2 workers, and one query over files whose columns drift in
# name case (Airport_fee / airport_fee), name (`A|B`) and type (passenger_count a
# Float64 with NULLs, an Int64, an Int32). tests/e2e/parquet_polars_peer.js writes the
# files and computes the answers, in fanout's canonical text (docs/cli.md "Reading
# Parquet"; each conversion from Polars' text is explained there).
source "$(dirname "$0")/lib.sh"
require_fanout
command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh installs it)"
export NODE_PATH=$FANOUT_SRC/node_modules
node -e 'require.resolve("nodejs-polars"); require.resolve("@duckdb/node-api")' 2>/dev/null ||
  die "nodejs-polars or @duckdb/node-api is missing: run scripts/install-deps.sh"
PEER=(node "$E2E_DIR/parquet_polars_peer.js")

D=$TMP/polars
"${PEER[@]}" write "$D" || die "Polars could not write the test files"
EAGER=(uncompressed snappy gzip lz4 zstd brotli)
RG=("$D"/rg/*.parquet)
((${#RG[@]} == 4)) || die "expected 4 row-group files in $D/rg"

# --- the files are what this test says they are (DuckDB reads their footers) -------
node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const c = await (await DuckDBInstance.create(":memory:")).connect();
  for (const f of process.argv.slice(1)) {
    const r = await c.runAndReadAll(`SELECT string_agg(DISTINCT compression, $$ $$), count(DISTINCT row_group_id),
      max(row_group_num_rows) FROM parquet_metadata($$${f}$$)`);
    console.log(f.replace(/.*\//, "") + " " + r.getRows()[0].map(String).join(" "));
  }
})();' "$D"/eager/*.parquet "${RG[@]}" >"$TMP/meta" || die "DuckDB could not read the files' metadata"
for c in "${EAGER[@]}"; do
  want=${c^^}
  [[ $c == lz4 ]] && want=LZ4_RAW  # Polars' lz4 is the LZ4_RAW codec
  check_eq "Polars' $c file: its codec and one row group" "$(grep "^$c.parquet " "$TMP/meta" | cut -d' ' -f2-3)" "$want 1"
done
for f in "${RG[@]}"; do
  b=$(basename "$f" .parquet) rows=${b%%-*} codec=${b#*-}
  read -r _ got groups largest <<<"$(grep "^$b.parquet " "$TMP/meta")"
  check_eq "Polars' $b file: codec" "$got" "${codec^^}"
  check_eq "Polars' $b file: row groups of at most $rows rows" "$largest" "$rows"
  check_true "Polars' $b file: several row groups ($groups)" test "${groups:-0}" -ge 3
done

# --- the cases ------------------------------------------------------------------
# add_case ENGINE BY AGGS WHERES FILTER FILE...: a query for fanout and the same for
# ENGINE (polars or duckdb), as tests/e2e/parquet_polars_peer.js describes; "-" for an
# empty field. AGGS "-" is `fanout count`, else `agg --count` with `--KIND COL` for each
# KIND:COL; WHERES are fanout's --where filters joined by " && ", FILTER the same for
# the engine (a Polars expression, or SQL), over the columns' labels.
: >"$TMP/spec"
ncase=0
add_case() {
  local engine=$1 by=$2 aggs=$3 wheres=$4 filter=$5; shift 5
  ncase=$((ncase + 1))
  local IFS=$'\t'
  echo "$TMP/want.$ncase"$'\t'"$engine"$'\t'"$by"$'\t'"$aggs"$'\t'"$wheres"$'\t'"$filter"$'\t'"$*" >>"$TMP/spec"
  [[ ${CASE_SPLIT:-} == split ]] && SPLIT[$ncase]=1
  return 0
}
declare -A SPLIT=()
# main_cases FILE SET SPLIT: the queries over one of the main files, SET "all" or
# "types" (a count by every column, the aggregates and three filters: every type's
# pages in each codec); SPLIT "split" runs the "types" ones also as 64 KiB ranges and
# on 2 workers (add_case marks them, from the CASE_SPLIT of its caller).
main_cases() {
  local f=$1 set=$2 CASE_SPLIT=$3 col
  for col in small big pcount fare ratio zone tag flag pickup day "flag,zone" "day,small"; do
    add_case polars "$col" - - - "$f"
  done
  add_case polars zone "sum:small sum:amount sum:big" - - "$f"
  add_case polars flag "sum:fare max:fare sum:ratio min:fare" - - "$f"
  add_case polars zone - "small > 20" 'pl.col("small").gt(20)' "$f"
  # exact beyond 2^53: as doubles, 9007199254740993 is 9007199254740992
  add_case polars flag - "big > 9007199254740993" 'pl.col("big").gt(pl.lit("9007199254740993").cast(pl.Int64))' "$f"
  add_case polars pcount - "id >= 25000" 'pl.col("id").gtEq(25000)' "$f"
  [[ $set == all ]] || return 0
  CASE_SPLIT=-
  add_case polars pcount "min:ratio max:amount min:big sum:pcount" - - "$f"
  add_case polars small - "zone = 'Newark, NJ'" 'pl.col("zone").eq(pl.lit("Newark, NJ"))' "$f"
  add_case polars zone - "zone = 'Say \"hi\"' && flag = 'false'" 'pl.col("zone").eq(pl.lit("Say \"hi\"")).and(pl.col("flag").eq(pl.lit(false)))' "$f"
  add_case polars flag - "big <= -9007199254740995" 'pl.col("big").ltEq(pl.lit("-9007199254740995").cast(pl.Int64))' "$f"
  add_case polars zone - "fare <= 1234.56" 'pl.col("fare").ltEq(1234.56)' "$f"
  add_case polars zone "sum:amount" "pcount = 1 && small >= 0" 'pl.col("pcount").eq(1).and(pl.col("small").gtEq(0))' "$f"
  add_case polars zone - "flag = 'true'" 'pl.col("flag").eq(pl.lit(true))' "$f"
  # Text comparisons of canonical timestamps and dates: "2019-01-02 ..." sorts after
  # '2019-01-02' and every earlier moment's text before it, so the text order is
  # the time order Polars compares in. A NULL is the empty value in fanout (as an
  # empty CSV field is, docs/cli.md): in a text comparison it is the empty text,
  # which is < '2019-01-02' and != 'x' — so Polars is asked to keep NULL rows there.
  add_case polars flag - "pickup < '2019-01-02'" 'pl.col("pickup").lt(pl.lit(new Date(Date.UTC(2019, 0, 2)))).or(pl.col("pickup").isNull())' "$f"
  add_case polars flag - "zone != 'Newark, NJ'" 'pl.col("zone").neq(pl.lit("Newark, NJ")).or(pl.col("zone").isNull())' "$f"
  add_case polars flag - "zone > 'M'" 'pl.col("zone").gt(pl.lit("M"))' "$f"
  add_case polars zone - "day >= '2000-01-01'" 'pl.col("day").gtEq(pl.lit(new Date(Date.UTC(2000, 0, 1))).cast(pl.Date))' "$f"
}
for c in "${EAGER[@]}"; do main_cases "$D/eager/$c.parquet" "$([[ $c == zstd ]] && echo all || echo types)" -; done
for f in "${RG[@]}"; do main_cases "$f" all split; done
# DuckDB's answers for one file of each writer call (its CAST to VARCHAR is fanout's
# text but for a whole double's ".0"; its integer sums are exact HUGEINTs).
for f in "$D/eager/zstd.parquet" "${RG[0]}"; do
  for col in small big pcount zone flag day "flag,zone"; do add_case duckdb "$col" - - - "$f"; done
  add_case duckdb zone "sum:big sum:amount sum:small" - - "$f"
  add_case duckdb zone - "small > 20 && big > 9007199254740993" "small > 20 AND big > 9007199254740993" "$f"
done
# Schema drift across the files of one query.
DR=("$D/drift/yellow_2010.parquet" "$D/drift/yellow_2019.parquet" "$D/drift/yellow_2023.parquet")
add_case polars passenger_count - - - "${DR[@]}"
add_case polars passenger_count "sum:total_amount|total_amt min:total_amount|total_amt" - - "${DR[@]}"
add_case polars "VendorID|vendor_id" - - - "${DR[@]}"
add_case polars "tpep_pickup_datetime|pickup_datetime" - - - "${DR[@]}"
add_case polars "VendorID|vendor_id,passenger_count" - - - "${DR[@]}"
add_case polars passenger_count "sum:airport_fee max:Airport_fee" - - "${DR[@]:1}"
add_case polars "VendorID" "sum:Airport_fee|airport_fee" "passenger_count >= 2" 'pl.col("passenger_count").gtEq(2)' "${DR[@]:1}"
add_case polars passenger_count - "airport_fee > 0" 'pl.col("airport_fee").gt(0)' "${DR[@]:1}"
add_case duckdb "passenger_count" - - - "${DR[@]}"

"${PEER[@]}" answer "$TMP/spec" || die "the answers could not be computed"
# An empty answer would match a fanout that found nothing: every case has rows.
for ((i = 1; i <= ncase; i++)); do
  [[ $(wc -l <"$TMP/want.$i") -ge 2 ]] || die "case $i has no rows: $(sed -n "${i}p" "$TMP/spec")"
done

# --- fanout's answers -------------------------------------------------------------
# CSV output sorted, header and all (fanout orders rows by count; groups compare as sets).
sorted() { LC_ALL=C sort "$1"; }
n=0
while IFS=$'\t' read -r -a f; do
  n=$((n + 1))
  want=${f[0]} engine=${f[1]} by=${f[2]} aggs=${f[3]} wheres=${f[4]}
  files=("${f[@]:6}")
  if [[ $aggs == - ]]; then
    q=(count --by "$by")
  else
    q=(agg --by "$by" --count)
    read -r -a list <<<"$aggs"
    for a in "${list[@]}"; do q+=("--${a%%:*}" "${a#*:}"); done
  fi
  if [[ $wheres != - ]]; then
    w=$wheres
    while [[ $w == *' && '* ]]; do q+=(--where "${w%% && *}"); w=${w#* && }; done
    q+=(--where "$w")
  fi
  variants=("")
  [[ -n ${SPLIT[$n]:-} ]] && variants+=("--range-size 64KiB" "--workers 2 --range-size 64KiB")
  sorted "$want" >"$TMP/want.sorted"
  for v in "${variants[@]}"; do
    read -r -a more <<<"$v"
    run_fanout q "${q[@]}" "${files[@]}" --format csv -q "${more[@]}"
    what="$engine's answer to $(show_cmd fanout "${q[@]}" "${files[@]##*/}" "${more[@]}")"
    if ! check_eq "$what: exit status ($(head -c 300 "$TMP/err.q"))" "$(rc_of q)" 0; then continue; fi
    sorted "$TMP/out.q" >"$TMP/got.sorted"
    check_files_equal "$what" "$TMP/got.sorted" "$TMP/want.sorted"
  done
done <"$TMP/spec"

# --- drift: a column one file lacks is an error naming that file ------------------
expect_fail 1 "yellow_2010.parquet" agg --by passenger_count --sum airport_fee "${DR[@]}"

# --- row-group statistics on Polars' files: groups ruled out, the same answer ------
# (the answer is one of the cases above; here only that the statistics were used:
# id is sorted, so every group whose ids are all below 25000 is skipped)
stf=${RG[0]}
run_fanout st count --by pcount --where "id >= 25000" "$stf"
want=$(node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const c = await (await DuckDBInstance.create(":memory:")).connect();
  const r = await c.runAndReadAll(`SELECT count(*) FILTER (WHERE CAST(stats_max_value AS BIGINT) < 25000), count(*)
    FROM parquet_metadata($$'"$stf"'$$) WHERE path_in_schema = $$id$$`);
  console.log(r.getRows()[0].map(String).join(" of "));
})();') || die "DuckDB could not read $stf's statistics"
check_eq "--where id >= 25000 over $(basename "$stf"): row groups skipped by statistics" \
  "$(tail -n 1 "$TMP/err.st" | sed -nE 's/.*, ([0-9,]+ of [0-9,]+) row groups? skipped by statistics.*/\1/p' | tr -d ,)" "$want"
finish
