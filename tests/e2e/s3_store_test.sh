#!/usr/bin/env bash
# io::S3Store against a real S3 server on loopback (s3rver): stat, list, put and
# reads pinned by ETag, through the unit tests in src/io/s3_store_live_test.cc,
# which need the server and the objects this script uploads.
source "$(dirname "$0")/lib.sh"
source "$FANOUT_SRC/tests/s3/s3rver.sh"
require_fanout
TESTS=$(dirname "$FANOUT")/fanout_tests
[[ -x $TESTS ]] || die "no unit test binary at $TESTS"

s3_start "$TMP/s3" || die "cannot start s3rver"
s3_mb store-bucket || die "cannot create a bucket"
printf 'a,b\n1,2\n3,4\n' >"$TMP/key.csv"
printf 'other\n' >"$TMP/other"
s3_put store-bucket key.csv "$TMP/key.csv" || die "upload key.csv"
s3_put store-bucket key.csv.gz "$TMP/other" || die "upload key.csv.gz"
s3_put store-bucket key.csv/below "$TMP/other" || die "upload key.csv/below"

FANOUT_TEST_S3_ENDPOINT=$S3_ENDPOINT FANOUT_TEST_S3_BUCKET=store-bucket \
  timeout "$RUN_TIMEOUT" "$TESTS" --gtest_filter='S3StoreLive.*' >"$TMP/out.gtest" 2>&1
rc=$?
if [[ $rc == 0 ]] && grep -q '^\[  PASSED  \] 3 tests' "$TMP/out.gtest"; then
  pass
else
  fail "S3StoreLive (exit $rc): $(tail -n 40 "$TMP/out.gtest")"
fi
check_true "no test was skipped" bash -c "! grep -q SKIPPED '$TMP/out.gtest'"
finish
