#!/usr/bin/env bash
# gen-taxi --format parquet, read back by two independent readers, DuckDB and Polars
# (tests/e2e/parquet_peer.js): for every schema era (the 13 default months and
# 2022-12..2023-02, where the ids narrow and airport_fee appears) and every codec, each
# with its own row-group and page sizes (many pages, dictionaries falling back to
# PLAIN, one row group or hundreds), every value of every row of the Parquet file
# equals the CSV file of the same flags; the column types are those of docs/cli.md; the
# NULLs are exactly the CSV's empty fields; the airport fee is what the pickup zone
# says; --size gives the same rows in both formats; the wrong flag for a format is a
# usage error; the bytes do not depend on --threads.
source "$(dirname "$0")/lib.sh"
require_fanout
command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh installs it)"
node -e 'require.resolve("@duckdb/node-api"); require.resolve("nodejs-polars")' 2>/dev/null ||
  die "DuckDB and Polars for node are missing: run scripts/install-deps.sh"
PEER=(node "$E2E_DIR/parquet_peer.js")
ROWS=2500
SEED=5

# gen TAG OUT ARGS...: gen-taxi into OUT, or a failed check naming the command.
gen() {
  local tag=$1 out=$2; shift 2
  run_fanout "$tag" gen-taxi --out "$out" --rows "$ROWS" --seed "$SEED" --quiet "$@"
  [[ $(rc_of "$tag") == 0 ]] || fail "gen-taxi $*: exit $(rc_of "$tag"): $(cat "$TMP/err.$tag")"
}

for set in default late; do
  if [[ $set == default ]]; then months=(--files 13); else months=(--files 3 --start 2022-12); fi
  gen "csv-$set" "$TMP/csv-$set" "${months[@]}"
done

# Each codec with its own row groups and pages.
declare -A LAYOUT=(
  [gzip]=""
  [none]="--page-size 1KiB --row-group-rows 1000"
  [snappy]="--page-size 4KiB --row-group-rows 777"
  [zstd]="--row-group-rows 1200"
  [lz4]="--page-size 16KiB"
  [brotli]="--page-size 2KiB --row-group-rows 300"
)
for codec in "${!LAYOUT[@]}"; do
  for set in default late; do
    if [[ $set == default ]]; then months=(--files 13); else months=(--files 3 --start 2022-12); fi
    # shellcheck disable=SC2086  # the layout is a list of flags
    gen "pq-$codec-$set" "$TMP/pq-$codec-$set" "${months[@]}" --format parquet --compression "$codec" ${LAYOUT[$codec]}
  done
done

# pairs CODEC: CSV PARQUET arguments for every month of both sets.
pairs() {
  local set f
  for set in default late; do
    for f in "$TMP/csv-$set"/*.csv; do
      echo "$f" "$TMP/pq-$1-$set/$(basename "$f" .csv).parquet"
    done
  done
}
check_eq "16 months in CSV" "$(pairs gzip | wc -l)" 16

# Every value of every row, by both engines, for every codec and layout.
for codec in "${!LAYOUT[@]}"; do
  for engine in duckdb polars; do
    # shellcheck disable=SC2046  # the pairs are file names without spaces
    if "${PEER[@]}" "$engine" compare $(pairs "$codec") >"$TMP/cmp" 2>&1; then
      check_eq "$engine, $codec: files compared" "$(grep -c ": rows $ROWS, " "$TMP/cmp")" 16
    else
      fail "$engine reads other values from the $codec Parquet files than from the CSV files:"$'\n'"$(grep -v ": rows $ROWS, " "$TMP/cmp" | head -c 3000)"
    fi
  done
done

# The column types per era (docs/cli.md, gen-taxi), as each engine names them.
# want_type ENGINE YEAR COLUMN
want_type() {
  local engine=$1 year=$2 col=$3 kind
  case $col in
    vendor_name | vendor_id | store_and_forward | store_and_fwd_flag | Payment_Type) kind=text ;;
    payment_type) if ((year <= 2014)); then kind=text; else kind=int64; fi ;;
    *_DateTime | pickup_datetime | dropoff_datetime | tpep_*) if ((year <= 2010)); then kind=text; else kind=timestamp; fi ;;
    Passenger_Count | passenger_count | Rate_Code | rate_code | RateCodeID | RatecodeID)
      if ((year <= 2010 || year >= 2023)); then kind=int64; else kind=double; fi ;;
    VendorID | PULocationID | DOLocationID) if ((year >= 2023)); then kind=int32; else kind=int64; fi ;;
    *) kind=double ;;
  esac
  if [[ $engine == duckdb ]]; then
    case $kind in text) echo VARCHAR ;; int64) echo BIGINT ;; int32) echo INTEGER ;; double) echo DOUBLE ;; timestamp) echo TIMESTAMP ;; esac
  else
    case $kind in text) echo String ;; int64) echo Int64 ;; int32) echo Int32 ;; double) echo Float64 ;; timestamp) echo 'Datetime(us,)' ;; esac
  fi
}

# header_of CSV: the column names, one a line.
header_of() { head -n 1 "$1" | tr -d '\r' | tr ',' '\n'; }

for engine in duckdb polars; do
  bad=""
  while read -r csv pq; do
    year=$(basename "$csv" | cut -c17-20)
    want=$(header_of "$csv" | while read -r col; do echo "$col $(want_type "$engine" "$year" "$col")"; done)
    if ((year == 2022)); then want+=$'\n'"airport_fee $(want_type "$engine" "$year" airport_fee)"; fi
    if ((year >= 2023)); then want+=$'\n'"Airport_fee $(want_type "$engine" "$year" Airport_fee)"; fi
    got=$("${PEER[@]}" "$engine" schema "$pq")
    [[ $got == "$want" ]] || bad+=$'\n'"$(basename "$pq"):"$'\n'"$(diff <(echo "$want") <(echo "$got") | head -n 10)"
  done < <(pairs gzip)
  if [[ -z $bad ]]; then pass; else fail "$engine: Parquet column types differ from docs/cli.md's table:$bad"; fi
done

# empty_counts CSV: "name,N" per column, N the empty fields of the data rows (awk).
empty_counts() {
  awk -F, 'NR == 1 { sub(/\r$/, ""); for (i = 1; i <= NF; i++) name[i] = $i; n = NF; next }
           { sub(/\r$/, "") } $0 == "" { next }
           { for (i = 1; i <= n; i++) if ($i == "") empty[i]++ }
           END { for (i = 1; i <= n; i++) print name[i] "," empty[i] + 0 }' "$1"
}

for engine in duckdb polars; do
  bad=""
  while read -r csv pq; do
    got=$("${PEER[@]}" "$engine" nulls "$pq" | grep -v -i '^airport_fee,')
    [[ $got == "$(empty_counts "$csv")" ]] ||
      bad+=$'\n'"$(basename "$pq"): $(diff <(empty_counts "$csv") <(echo "$got") | head -n 6)"
  done < <(pairs gzip)
  if [[ -z $bad ]]; then pass; else fail "$engine: Parquet NULLs are not the CSV's empty fields:$bad"; fi
done
check_true "the 2021 CSV file has empty fields to check" grep -q ',,' "$TMP/csv-default/yellow_tripdata_2021-07.csv"

# The airport fee: NULL where VendorID is empty, else the fee for pickups in zones 132
# and 138 and 0 elsewhere (counted from the CSV by awk).
# airport_counts CSV FEE: "value,count" lines as count-by prints them.
airport_counts() {
  awk -F, -v fee="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "PULocationID") pu = i; next }
    $1 == "" { null++; next } $pu == 132 || $pu == 138 { air++; next } { other++ }
    END { if (null) print "," null; print "0.0," other + 0; if (air) print fee "," air }' "$1"
}
for month in 2022-12:airport_fee:1.25 2023-01:Airport_fee:1.75 2023-02:Airport_fee:1.75; do
  IFS=: read -r ym col fee <<<"$month"
  want=$(airport_counts "$TMP/csv-late/yellow_tripdata_$ym.csv" "$fee")
  for engine in duckdb polars; do
    got=$("${PEER[@]}" "$engine" count-by "$TMP/pq-gzip-late/yellow_tripdata_$ym.parquet" "$col")
    check_eq "$engine: $col of $ym by pickup zone" "$got" "$want"
  done
done

# count-by over several files: both engines agree, and agree with the CSV text.
files=("$TMP"/pq-zstd-default/yellow_tripdata_20{19,20,21}-*.parquet)
duck=$("${PEER[@]}" duckdb count-by "${files[@]}" PULocationID)
check_eq "count-by PULocationID: Polars as DuckDB" "$("${PEER[@]}" polars count-by "${files[@]}" PULocationID)" "$duck"
csvs=("$TMP"/csv-default/yellow_tripdata_20{19,20,21}-*.csv)
check_eq "count-by PULocationID: the Parquet files as the CSV files" \
  "$("${PEER[@]}" duckdb count-by "${csvs[@]}" PULocationID)" "$duck"

# --size counts CSV bytes: the same rows in both formats.
run_fanout size-csv gen-taxi --out "$TMP/size-csv" --files 5 --size 2MB --seed 9 --quiet
run_fanout size-pq gen-taxi --out "$TMP/size-pq" --files 5 --size 2MB --seed 9 --format parquet --quiet
check_eq "--size runs" "$(rc_of size-csv) $(rc_of size-pq)" "0 0"
size_pairs=()
for f in "$TMP"/size-csv/*.csv; do size_pairs+=("$f" "$TMP/size-pq/$(basename "$f" .csv).parquet"); done
if "${PEER[@]}" duckdb compare "${size_pairs[@]}" >"$TMP/cmp" 2>&1; then pass; else fail "--size: $(head -c 2000 "$TMP/cmp")"; fi

# The same flags give the same bytes whatever --threads; nothing temporary is left.
run_fanout t1 gen-taxi --out "$TMP/t1" --files 4 --rows 3000 --format parquet --compression zstd --threads 1 --quiet
run_fanout t2 gen-taxi --out "$TMP/t2" --files 4 --rows 3000 --format parquet --compression zstd --threads 3 --quiet
check_dirs_equal "Parquet bytes with --threads 1 and 3" "$TMP/t2" "$TMP/t1"
check_eq "no temporary files" "$(ls -A "$TMP"/pq-* "$TMP/t1" | grep -c partial)" 0

# The wrong flag for the format is a usage error.
expect_fail 2 "--compress is for CSV files" gen-taxi --out "$TMP/x" --format parquet --compress gz
expect_fail 2 "--compression is for Parquet files" gen-taxi --out "$TMP/x" --compression zstd
expect_fail 2 "--row-group-rows is for Parquet files" gen-taxi --out "$TMP/x" --format csv --row-group-rows 10
expect_fail 2 "unknown Parquet compression 'lzo'" gen-taxi --out "$TMP/x" --format parquet --compression lzo
expect_fail 2 "--row-group-rows" gen-taxi --out "$TMP/x" --format parquet --row-group-rows 0
expect_fail 2 "--page-size" gen-taxi --out "$TMP/x" --format parquet --page-size 10
check_true "no output directory after usage errors" test ! -e "$TMP/x"

finish
