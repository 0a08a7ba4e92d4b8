#!/usr/bin/env bash
# The command line as docs/cli.md writes it: options first, INPUT... last, with
# repeatable options (--sum, --mean, --min, --max, --where) right before the inputs.
# The other scripts mostly put INPUT first so that their checks do not depend on
# this; here the documented order itself is checked.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/c
mkdir -p "$D"
printf 'vendor,passenger_count,total_amount,trip_distance\nA,1,10.5,2\nB,2,3,0.5\nA,1,4.25,3\nC,4,7,1\n' >"$D/a.csv"
printf 'vendor,passenger_count,total_amount,trip_distance\nB,3,1,9\nA,2,2,2.5\n' >"$D/b.csv"

# Every example of `fanout --help` and docs/cli.md's synopsis, in that order.
compare_ok count --by passenger_count "$D"
compare_ok agg --by passenger_count --count --sum 'total_amount|total_amt' "$D/a.csv" "$D/b.csv"
compare_ok agg --by vendor --mean trip_distance --min total_amount --max total_amount "$D"
compare_ok agg --by vendor --sum total_amount --sum trip_distance "$D/a.csv" "$D/b.csv"
compare_ok count --by vendor --where 'trip_distance > 1' "$D"
compare_ok count --by vendor --where 'trip_distance > 1' --where 'passenger_count != 2' "$D/a.csv" "$D/b.csv"
compare_ok agg --by vendor --sum total_amount --where "vendor != 'C'" "$D/*.csv"
# Options after the inputs, and --opt=value.
compare_ok agg "$D" --by vendor --max total_amount
compare_ok agg --by=vendor --sum=total_amount --where='trip_distance >= 2' "$D"
# select: --where right before the inputs, --out last.
mkdir -p "$TMP/want" "$TMP/got"
run_ref sref select --cols 1-2 --where 'passenger_count > 1' "$D" --out "$TMP/want"
run_fanout sfan select --cols 1-2 --where 'passenger_count > 1' "$D" --out "$TMP/got" --quiet
if [[ $(rc_of sfan) == 0 ]]; then
  check_dirs_equal "select in the documented order" "$TMP/got" "$TMP/want"
else
  fail "select in the documented order failed (exit $(rc_of sfan)): $(cat "$TMP/err.sfan")"
fi

finish
