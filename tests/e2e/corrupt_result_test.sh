#!/usr/bin/env bash
# The coordinator trusts nothing it receives (issue 11): a worker's result whose
# shape does not fit the query — an aggregate missing, a key with an extra field,
# a count that overflows, truncated bytes — is rejected as a failed attempt naming
# the worker (which is dropped; its task runs elsewhere), never merged. Results
# are corrupted by a worker-side test hook, FANOUT_TEST_CORRUPT_RESULT=MODE[:MARKER]
# (src/cluster/worker.cc): the worker that creates MARKER first corrupts that result;
# without MARKER every result of every worker is corrupt.
source "$(dirname "$0")/lib.sh"
require_fanout

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 4 --rows 3000 --seed 31 --quiet || die "gen-taxi failed"

AGG=(agg --by passenger_count --count --sum 'total_amount|total_amt' --mean trip_distance --max 'tip_amount|tip_amt')
COUNT=(count --by vendor_id\|vendorid\|vendor_name,passenger_count)
CLUSTER=(--workers 2 --threads 1 --range-size 64KiB)

for q in AGG COUNT; do
  declare -n query=$q
  run_ref ref "${query[@]}" "$data"
  [[ $(rc_of ref) == 0 ]] || die "reference failed: $(cat "$TMP/err.ref")"
  for mode in aggs keys counts truncate; do
    # One corrupt result: the answer is still exact, and the summary says which
    # worker was dropped and why.
    marker=$TMP/marker.$q.$mode
    FANOUT_TEST_CORRUPT_RESULT="$mode:$marker" check_table ref "${query[@]}" "$data" "${CLUSTER[@]}"
    check_true "$q/$mode: the hook corrupted a result" test -e "$marker"
    marker=$TMP/marker2.$q.$mode
    FANOUT_TEST_CORRUPT_RESULT="$mode:$marker" run_fanout one "${query[@]}" "$data" "${CLUSTER[@]}" --format csv
    check_eq "$q/$mode: one corrupt result, exit status" "$(rc_of one)" 0
    check_true "$q/$mode: the lost worker is named with the reason: $(grep LOST "$TMP/err.one")" \
      grep -qE 'local-[0-9].*LOST: sent a corrupt result' "$TMP/err.one"
    # Every result corrupt: the job fails (exit 1, nothing on stdout), no crash.
    FANOUT_TEST_CORRUPT_RESULT="$mode" expect_fail 1 "sent a corrupt result" "${query[@]}" "$data" "${CLUSTER[@]}"
  done
  unset -n query
done

finish
