#!/usr/bin/env bash
# --forward-credentials over real ssh hosts (tests/cluster/hosts.sh) reading a real S3
# server (s3rver, listening on the hosts' gateway): workers without credentials of
# their own fail naming the flag; with it the answer equals the local one, and the
# secret appears in no process's command line or environment on the hosts while the
# job runs, and in no file on them or in fanout's cache afterwards.
#
#   bash tests/cluster/credentials_test.sh
#
# Needs root and network namespaces (prints "SKIP: ..." without, unless
# FANOUT_REQUIRE_CLUSTER=1).
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"

hosts_require
require_fanout
hosts_up 2 || die "cannot bring the test hosts up"
SSH=$HOSTS_SSH
# A secret that is nowhere else, so finding it anywhere is a leak.
export S3_ACCESS_KEY_ID=fwdtestkey S3_SECRET_ACCESS_KEY="fwd-secret-$RANDOM$RANDOM-x"
S3_ADDRESS=$HOSTS_GATEWAY
source "$FANOUT_SRC/tests/s3/s3rver.sh"
s3_start "$TMP/s3" || die "cannot start s3rver"
s3_mb taxi >/dev/null || die "cannot make the bucket"
"$FANOUT" gen-taxi --out "$TMP/data" --files 4 --rows 20000 --seed 9 --quiet || die "gen-taxi failed"
for f in "$TMP"/data/*; do s3_put taxi "in/$(basename "$f")" "$f" >/dev/null || die "cannot upload $f"; done
run_fanout local count --by passenger_count "$TMP/data"

bin=$(hosts_install_binary "$FANOUT")
hosts_ssh 1 test ! -e .aws || die "the test user has AWS files: the test needs a host without credentials"

# Without: the workers have no credentials and say how to send them.
expect_fail 1 "--forward-credentials" count --by passenger_count "s3://taxi/in/" --endpoint-url "$S3_ENDPOINT" \
  --hosts "$HOSTS_NAMES" --ssh "$SSH" --remote-fanout "$bin"
check_true "without: the error says no credentials were found" grep -q "no AWS credentials found" "$TMP/err.ef"

# With: the same answer as local.
run_fanout fwd count --by passenger_count "s3://taxi/in/" --endpoint-url "$S3_ENDPOINT" \
  --hosts "$HOSTS_NAMES" --ssh "$SSH" --remote-fanout "$bin" --forward-credentials
check_eq "--forward-credentials: exit status ($(tail -n 2 "$TMP/err.fwd" | tr '\n' '|'))" "$(rc_of fwd)" 0
check_files_equal "--forward-credentials: the local answer" "$TMP/out.fwd" "$TMP/out.local"

# While a job runs (a command that takes its time on each object), nothing on the
# hosts shows the secret: not in a command line, not in an environment.
fanout_start slow run --cmd 'sleep 2; wc -l' --merge cat "s3://taxi/in/" --endpoint-url "$S3_ENDPOINT" \
  --hosts "$HOSTS_NAMES" --ssh "$SSH" --remote-fanout "$bin" --forward-credentials
seen=0 leaks=0
for ((i = 0; i < 60; i++)); do
  for h in 1 2; do
    for p in $(host_workers "$h"); do
      seen=$((seen + 1))
      for q in $p $(pgrep -P "$p"); do
        tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | grep -qF -- "$S3_SECRET_ACCESS_KEY" && leaks=$((leaks + 1))
        tr '\0' '\n' <"/proc/$q/environ" 2>/dev/null | grep -qF -- "$S3_SECRET_ACCESS_KEY" && leaks=$((leaks + 1))
      done
    done
  done
  ((seen >= 4)) && break
  sleep 0.25
done
fanout_wait slow
check_eq "slow run: exit status ($(tail -n 2 "$TMP/err.slow" | tr '\n' '|'))" "$(rc_of slow)" 0
check_true "the workers were looked at while they ran ($seen looks)" test "$seen" -ge 2
check_eq "the secret in a worker's (or its commands') command line or environment" "$leaks" 0
# Nothing written anywhere the hosts' user can write: its home (with fanout's cache),
# the hosts' directory, the temporary directory.
home=$(getent passwd "$HOSTS_USER" | cut -d: -f6)
check_eq "files holding the secret" "$(grep -rlF -- "$S3_SECRET_ACCESS_KEY" "$home" "$HOSTS_DIR" /tmp/fanout-* 2>/dev/null | grep -v "^$TMP/" | wc -l)" 0
check_eq "the secret in anything fanout printed" "$(cat "$TMP"/out.* "$TMP"/err.* | grep -cF -- "$S3_SECRET_ACCESS_KEY")" 0

# No credentials here to send: an error naming the flag (before anything starts).
saved_id=$AWS_ACCESS_KEY_ID saved_secret=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true \
  expect_fail 1 "--forward-credentials: this machine has no AWS credentials" \
  count --by passenger_count "$TMP/data" --hosts "$HOSTS_NAMES" --ssh "$SSH" --remote-fanout "$bin" --forward-credentials
export AWS_ACCESS_KEY_ID=$saved_id AWS_SECRET_ACCESS_KEY=$saved_secret

finish
