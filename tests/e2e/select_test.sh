#!/usr/bin/env bash
# select: the written files equal the reference's byte for byte (fields as stored,
# quotes kept, '\n' line ends, header kept), at any split; naming rules.
source "$(dirname "$0")/lib.sh"
require_fanout

DATA=$TMP/taxi
run_fanout gen gen-taxi --out "$DATA" --files 6 --rows 150 --seed 3
[[ $(rc_of gen) == 0 ]] || die "gen-taxi failed: $(cat "$TMP/err.gen")"
SMALL=$TMP/small  # for tiny range sizes, which make one task per byte
run_fanout gen gen-taxi --out "$SMALL" --files 6 --rows 20 --seed 5
[[ $(rc_of gen) == 0 ]] || die "gen-taxi (small) failed: $(cat "$TMP/err.gen")"

N=0
# compare_select ARGS...: select with ARGS (which hold INPUTs, no --out) through both,
# then compares the output directories. Extra fanout-only options: after '--fanout'.
compare_select() {
  local args=() extra=() seen=0 a
  for a in "$@"; do
    if [[ $a == --fanout ]]; then seen=1; elif ((seen)); then extra+=("$a"); else args+=("$a"); fi
  done
  N=$((N + 1))
  local want=$TMP/sel/$N.ref got=$TMP/sel/$N.fan
  mkdir -p "$want" "$got"
  run_ref sref select "${args[@]}" --out "$want"
  if [[ $(rc_of sref) != 0 ]]; then
    fail "reference failed for: $(show_cmd select "${args[@]}"): $(cat "$TMP/err.sref")"
    return 1
  fi
  run_fanout sfan select "${args[@]}" --out "$got" "${extra[@]}" --quiet
  if [[ $(rc_of sfan) != 0 ]]; then
    fail "fanout failed (exit $(rc_of sfan)): $(show_cmd "$FANOUT" select "${args[@]}" --out "$got" "${extra[@]}")"$'\n'"$(head -c 2000 "$TMP/err.sfan")"
    return 1
  fi
  check_dirs_equal "select $(show_cmd "${args[@]}" "${extra[@]}")" "$got" "$want"
}

# ---- taxi data ---------------------------------------------------------------------
compare_select "$DATA" --cols 1-5
compare_select "$DATA" --cols passenger_count,2
compare_select "$DATA" --cols 'total_amount|total_amt,1,3-4'
compare_select "$DATA" --cols 1-5 --where 'passenger_count > 2'
compare_select "$DATA" --cols 'trip_distance,passenger_count' --where "passenger_count = ''"
compare_select "$DATA" --cols 4 --where 'trip_distance >= 1.5' --where 'total_amount|total_amt < 30'
for opts in "--threads 1 --range-size 1 --buffer-size 3" "--threads 3 --range-size 7" \
            "--threads 4 --range-size 100 --buffer-size 1" "--threads 2 --range-size 4096 --buffer-size 64"; do
  # shellcheck disable=SC2086
  compare_select "$SMALL" --cols 1-5 --where 'passenger_count > 1' --fanout $opts
done
# The written files are the only files: no temporary names left behind.
check_eq "files written for 6 inputs" "$(find "$TMP/sel/1.fan" -type f | wc -l)" 6

# ---- quirks ------------------------------------------------------------------------
Q=$TMP/q
mkdir -p "$Q/sub"
printf '%s\n' 'name,city,amount' '"Smith, J","New York, NY",10' '"He said ""hi""",Zürich,0.1' \
  '"multi' 'line",Oslo,2' '' 'plain,,3' 'short' '"","",4' >"$Q/quoted.csv"
printf 'name,city,amount\r\n\r\nb,"Oslo\r\nSouth",1\r\nc,Bergen,2' >"$Q/crlf.csv"
printf '1,2,3\n4,"5,5",6\n' >"$Q/noheader.csv"
printf 'name\tcity\tamount\na\t"x\ty"\t1\nb,c\td\t2\n' >"$Q/tab.tsv"
printf 'name,city,amount\n' >"$Q/headeronly.csv"
: >"$Q/empty.csv"
gzip -c "$Q/quoted.csv" >"$Q/sub/zipped.csv.gz"
zstd -q -c "$Q/crlf.csv" >"$Q/sub/packed.csv.zst"
gzip -c "$Q/noheader.csv" >"$Q/sub/gz-without-suffix.csv"

compare_select "$Q/quoted.csv" "$Q/crlf.csv" "$Q/headeronly.csv" "$Q/empty.csv" --cols 1-3
compare_select "$Q/quoted.csv" "$Q/crlf.csv" "$Q/headeronly.csv" --cols city,name
CITY_NAME=$N
compare_select "$Q/quoted.csv" "$Q/crlf.csv" --cols 2 --where 'amount >= 2'
compare_select "$Q/noheader.csv" --cols 3,1
compare_select "$Q/noheader.csv" --cols 2 --header yes
compare_select "$Q/quoted.csv" --cols 1-2 --header no
compare_select "$Q/tab.tsv" --cols city,amount --delimiter '\t'
compare_select "$Q/sub" --cols 1-3
SUB=$N
# An empty object gives an empty file, also when columns are given by name.
compare_select "$Q/quoted.csv" "$Q/empty.csv" --cols name
for r in 1 2 3 5 8 13; do
  compare_select "$Q/quoted.csv" "$Q/crlf.csv" "$Q/noheader.csv" --cols 2,1 \
    --fanout --range-size "$r" --buffer-size $((r + 1)) --threads 3
done
# Quotes are kept: the field with a delimiter inside is still one quoted field.
check_true "quoted fields keep their quotes" grep -qxF '"New York, NY","Smith, J"' "$TMP/sel/$CITY_NAME.fan/quoted.csv"
check_true "a doubled quote stays doubled" grep -qxF 'Zürich,"He said ""hi"""' "$TMP/sel/$CITY_NAME.fan/quoted.csv"
# Compressed inputs are written uncompressed under the name without .gz / .zst.
check_eq "output names for compressed inputs" "$(cd "$TMP/sel/$SUB.fan" && ls | tr '\n' ' ')" \
  "gz-without-suffix.csv packed.csv zipped.csv "
run_ref plainsel select --cols 1-3 "$Q/quoted.csv" --out "$TMP/sel/plain"
check_files_equal "zipped.csv is the selected plain text" "$TMP/sel/$SUB.fan/zipped.csv" "$TMP/sel/plain/quoted.csv"

# ---- on workers: the same files, written on the coordinator's machine ---------------
for opts in "--workers 2 --range-size 7" "--workers 3 --threads 1 --range-size 100 --buffer-size 1"; do
  # shellcheck disable=SC2086
  compare_select "$SMALL" --cols 1-5 --where 'passenger_count > 1' --fanout $opts
done
for r in 1 3 8; do  # ranges that start inside quoted fields run again on the workers
  compare_select "$Q/quoted.csv" "$Q/crlf.csv" "$Q/noheader.csv" "$Q/sub" --cols 2,1 \
    --fanout --workers 2 --range-size "$r" --buffer-size $((r + 1))
done
check_eq "files written by 2 workers for 6 inputs" "$(find "$TMP/sel/$((N - 3 - 2 + 1)).fan" -type f | wc -l)" 6

# ---- same base name twice is an error -----------------------------------------------
mkdir -p "$Q/a" "$Q/b"
cp "$Q/quoted.csv" "$Q/a/x.csv"
cp "$Q/crlf.csv" "$Q/b/x.csv"
expect_fail 1 "x.csv" select --cols 1 "$Q/a/x.csv" "$Q/b/x.csv" --out "$TMP/sel/dup"
check_true "a refused select writes nothing" bash -c "[[ ! -e '$TMP/sel/dup/x.csv' ]]"
gzip -c "$Q/quoted.csv" >"$Q/b/y.csv.gz"
cp "$Q/quoted.csv" "$Q/a/y.csv"
expect_fail 1 "y.csv" select --cols 1 "$Q/a/y.csv" "$Q/b/y.csv.gz" --out "$TMP/sel/dup2"

# ---- summary -------------------------------------------------------------------------
mkdir -p "$TMP/sel/sum"
check_summary select "$Q/quoted.csv" "$Q/crlf.csv" --cols 1-3 --where 'amount > 1' --out "$TMP/sel/sum" --overwrite

finish
