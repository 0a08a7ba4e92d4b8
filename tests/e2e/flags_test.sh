#!/usr/bin/env bash
# Flags mean what they say: a numeric flag outside its range is a usage error (exit 2)
# that names the flag, the value and the range (never CLI11's DBL_MAX or "Could not
# convert"), and never an abort; an unknown option names itself, wherever it stands;
# a --max-row smaller than the default buffer reads the data exactly; the summary
# uses the singular for one.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/f
mkdir -p "$D"
printf 'vendor,passenger_count,total_amount\nA,1,10.5\nB,2,3\nA,1,4.25\nC,-4,7\n' >"$D/a.csv"

# expect_range_error FLAG VALUE RANGE CMD...: CMD with FLAG VALUE exits 2, names
# FLAG, VALUE and RANGE, and shows nothing of CLI11's internals.
expect_range_error() {
  local flag=$1 value=$2 range=$3; shift 3
  expect_fail 2 "$flag" "$@" "$flag" "$value" || return 1
  local err=$TMP/err.ef what
  what=$(show_cmd "$FANOUT" "$@" "$flag" "$value")
  grep -qF -- "'$value'" "$err" || fail "the message does not quote the value '$value': $what: $(cat "$err")"
  grep -qF -- "$range" "$err" || fail "the message does not give the range '$range': $what: $(cat "$err")"
  if grep -qE '1\.79769|179769|Could not convert|not in range|terminate called' "$err"; then
    fail "CLI11 internals in the message: $what: $(cat "$err")"
  fi
}

COUNT=(count --by vendor "$D")
expect_range_error --threads 0 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --threads 100000 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --threads -3 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --threads abc "from 1 to 1024" "${COUNT[@]}"
expect_range_error --top -1 "0 or more" "${COUNT[@]}"
expect_range_error --top 2.5 "0 or more" "${COUNT[@]}"
expect_range_error --io-timeout 0 "from 1 to 3600" "${COUNT[@]}"
expect_range_error --io-timeout 1e20 "from 1 to 3600" "${COUNT[@]}"
expect_range_error --connections 0 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --connections 5000 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --part-size 0 "from 4KiB to 1GiB" "${COUNT[@]}"
expect_range_error --part-size 2GiB "from 4KiB to 1GiB" "${COUNT[@]}"
expect_range_error --range-size 0 "at least 1 byte" "${COUNT[@]}"
expect_range_error --range-size ten "at least 1 byte" "${COUNT[@]}"
expect_range_error --buffer-size 0 "from 1 byte to 1GiB" "${COUNT[@]}"
expect_range_error --max-row 0 "from 1 byte to 2GiB" "${COUNT[@]}"
expect_range_error --max-row 3GiB "from 1 byte to 2GiB" "${COUNT[@]}"
expect_range_error --workers 0 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --workers 5000 "from 1 to 1024" "${COUNT[@]}"
expect_range_error --heartbeat-timeout 0 "from 1 to 3600" "${COUNT[@]}"
expect_range_error --connect-timeout 0 "from 1 to 3600" "${COUNT[@]}"
expect_range_error --max-attempts 0 "from 1 to 100" "${COUNT[@]}"
expect_range_error --threads 0 "from 1 to 1024" agg --by vendor --sum total_amount "$D"
expect_range_error --threads 0 "from 1 to 1024" select --cols 1 "$D" --out "$TMP/sel"
expect_range_error --threads 0 "from 1 to 1024" stage --cols 1 --as t "$D"
expect_range_error --connections 0 "from 1 to 1024" ls "$D"
expect_range_error --io-timeout 0 "from 1 to 3600" cat "$D/a.csv"
expect_range_error --workers 0 "from 1 to 1024" run --cmd cat --merge cat "$D"
expect_range_error --connect-timeout 0 "from 1 to 3600" deploy --hosts h1
# (Into a directory that cannot be made: a --rows that wrapped around must not fill the disk.)
NOGEN=/dev/null/gen
expect_range_error --rows -1 "from 0 to 1000000000" gen-taxi --out "$NOGEN"
expect_range_error --files 0 "from 1 to 100000" gen-taxi --out "$NOGEN"
expect_range_error --threads 0 "from 1 to 1024" gen-taxi --out "$NOGEN"
expect_range_error --threads 0 "from 1 to 1024" run --cmd cat --merge cat "$D"
expect_range_error -t 100000 "from 1 to 1024" run --cmd cat --merge cat "$D"
expect_range_error --command-attempts 0 "from 1 to 100" run --cmd cat --merge cat "$D"
expect_range_error --seed -1 "0 or more" gen-taxi --out "$NOGEN"

# The limits themselves are accepted, and the answer is the reference's.
compare_ok count --by vendor "$D" --threads 1024 --range-size 1
compare_ok count --by vendor "$D" --top 0
run_ref vendors count --by vendor "$D"
check_table vendors count --by vendor "$D" --threads 1 --io-timeout 3600 --connections 1024 --part-size 4KiB

# --max-row smaller than the default 1MiB buffer: the buffer follows it, so rows
# shorter than the limit are read, at every split and through gzip.
"$FANOUT" gen-taxi --out "$TMP/taxi" --files 2 --rows 3000 --seed 5 --quiet || die "gen-taxi failed"
gzip -c "$TMP/taxi/$(ls "$TMP/taxi" | head -n 1)" >"$TMP/taxi-one.csv.gz"
for range in 64MiB 7777; do
  compare_ok count --by passenger_count "$TMP/taxi" --max-row 1000 --range-size "$range"
  compare_ok count --by passenger_count "$TMP/taxi" --max-row 1000 --buffer-size 500 --range-size "$range"
done
compare_ok count --by passenger_count "$TMP/taxi-one.csv.gz" --max-row 1000
# A longer row is still an error naming the object.
"$PY" -c 'import sys; sys.stdout.buffer.write(b"a,b\n1,2\n" + b"x" * 5000 + b",1\n2,3\n")' >"$TMP/long.csv"
expect_fail 1 "$TMP/long.csv" count --by 1 "$TMP/long.csv" --max-row 1000
# An explicit buffer that does not fit the row limit is refused, naming both.
expect_fail 2 "--buffer-size 1MiB" count --by 1 "$D" --max-row 1000 --buffer-size 1MiB
grep -qF -- "--max-row 1000 bytes" "$TMP/err.ef" || fail "the message names --max-row: $(cat "$TMP/err.ef")"

# An unknown option names itself, before any complaint about a missing one, and
# wherever it stands; a near name is suggested.
expect_fail 2 "unknown option --group-by" count --group-by vendor "$D"
grep -qF -- "--by is required" "$TMP/err.ef" && fail "a missing --by hid the unknown option: $(cat "$TMP/err.ef")"
expect_fail 2 "did you mean --by?" count --group-by vendor "$D"
expect_fail 2 "unknown option --tread" count --by vendor "$D" --tread 4
expect_fail 2 "did you mean --threads?" count --by vendor "$D" --tread 4
expect_fail 2 "unknown option --summ" agg --by vendor "$D" --summ total_amount
expect_fail 2 "unknown option -x" count --by vendor "$D" -x
expect_fail 2 "unknown option --colls" select --colls 1 "$D" --out "$TMP/sel"
expect_fail 2 "unknown option --ass" stage --cols 1 --ass t "$D"
expect_fail 2 "unknown option --file" gen-taxi --out "$NOGEN" --file 3
expect_fail 2 "unknown option --host" deploy --host h1
expect_fail 2 "unknown option --version" count --by vendor "$D" --version
expect_fail 2 "unknown option --bogus for 'fanout'" --bogus
run_fanout version --version
check_true "fanout --version still works ($(cat "$TMP/err.version"))" grep -q "^fanout " "$TMP/out.version"
# Values that look like options are values.
compare_ok count --by vendor "$D" --where 'passenger_count > -5'
compare_ok count --by vendor "$D" --where='passenger_count > -5' --delimiter ,
check_table vendors count --by vendor "$D" -t 2 -q
run_fanout dashes count --by vendor --quiet -- "$D/a.csv"
check_eq "after --, words are inputs (exit status; $(cat "$TMP/err.dashes"))" "$(rc_of dashes)" 0

# The summary line speaks of one object and one row in the singular.
printf 'k\n1\n' >"$TMP/one.csv"
run_fanout one count --by k "$TMP/one.csv"
check_true "the summary says '1 object, ... 1 row' ($(cat "$TMP/err.one"))" \
  grep -qE "^fanout: 1 object, [^,]+, 1 row, " "$TMP/err.one"

finish
