#!/usr/bin/env bash
# Reading objects honestly: local files that change while fanout reads them, HTTP
# servers that ignore Range or answer it wrongly, and passwords in URLs. Every answer
# is either the local-file answer or an error naming the file or URL (exit 1); never
# a crash, never a short answer with exit 0, never a password in any output.
source "$(dirname "$0")/lib.sh"
source "$FANOUT_SRC/tests/s3/http_servers.sh"
require_fanout

TRUNCATE=("$PY" "$E2E_DIR/truncate_while_reading.py")
SECRET=SECRET-PASSWORD-42  # the password range_server.py's /auth/ wants

# --- local files truncated while being read ---------------------------------------

"$FANOUT" gen-taxi --out "$TMP/big" --files 1 --size 200MB --start 2019-01 --seed 21 --quiet || die "gen-taxi big failed"
"$FANOUT" gen-taxi --out "$TMP/bigz" --files 1 --size 60MB --start 2019-02 --seed 22 --compress gz --quiet ||
  die "gen-taxi gz failed"
pristine=$(ls "$TMP"/big/*.csv)
pristine_gz=$(ls "$TMP"/bigz/*.gz)
mkdir -p "$TMP/live" "$TMP/tw"

# truncated_while_read TAG PRISTINE WHEN -- ARGS...: runs fanout ARGS over a copy of
# PRISTINE (the input named "LIVE" in ARGS) and truncates the copy to a quarter of its
# size once fanout has it mapped (WHEN=mapped) or open (WHEN=open), up to 3 times. Each
# run must fail naming the file as changed, or (when fanout had just finished) print the
# whole file's answer; at least one run must have failed.
truncated_while_read() {
  local tag=$1 pristine=$2 when=$3; shift 4
  local live="$TMP/live/$(basename "$pristine")"
  local args=("${@//LIVE/$live}")
  cp "$pristine" "$live"
  run_fanout "whole.$tag" "${args[@]}" --quiet
  [[ $(rc_of "whole.$tag") == 0 ]] || die "$tag: the unchanged file fails: $(head -c 500 "$TMP/err.whole.$tag")"
  local size try failed=0 landed
  size=$(stat -c %s "$pristine")
  for try in 1 2 3; do
    cp "$pristine" "$live"
    landed=$("${TRUNCATE[@]}" --file "$live" --to $((size / 4)) --when "$when" --out "$TMP/tw" -- \
      "$FANOUT" "${args[@]}" --quiet)
    local rc
    rc=$(cat "$TMP/tw/rc")
    check_no_sanitizer_report "$TMP/tw/stderr" "${args[@]}"
    if [[ $rc == 1 ]]; then
      if grep -qF "$live: changed while being read" "$TMP/tw/stderr" && [[ ! -s $TMP/tw/stdout ]]; then
        failed=$((failed + 1))
      else
        fail "$tag: exit 1 without naming the file as changed (or with output): $(head -c 800 "$TMP/tw/stderr")"
        return 1
      fi
    elif [[ $rc == 0 ]]; then
      if ! cmp -s "$TMP/tw/stdout" "$TMP/out.whole.$tag"; then
        fail "$tag: exit 0 with an answer that is not the whole file's ($landed): $(show_cmd "$FANOUT" "${args[@]}")"$'\n'"$(diff "$TMP/out.whole.$tag" "$TMP/tw/stdout" | head -n 10)"
        return 1
      fi
    else
      fail "$tag: exit status $rc (a crash?) when truncated while read: $(show_cmd "$FANOUT" "${args[@]}")"$'\n'"$(tail -c 800 "$TMP/tw/stderr")"
      return 1
    fi
  done
  if ((failed == 0)); then
    fail "$tag: the truncation never landed while the file was read (3 tries)"
    return 1
  fi
  pass
}

truncated_while_read mapped_1_thread "$pristine" mapped -- count --by passenger_count LIVE --threads 1
truncated_while_read mapped_2_threads "$pristine" mapped -- count --by passenger_count LIVE --threads 2 --range-size 16MB
truncated_while_read mapped_agg "$pristine" mapped -- agg --by passenger_count --sum total_amount LIVE --threads 2
truncated_while_read mapped_workers "$pristine" mapped -- count --by passenger_count LIVE --workers 2
truncated_while_read streamed_gzip "$pristine_gz" open -- count --by passenger_count LIVE --threads 1
rm -rf "$TMP/live" "$TMP/big" "$TMP/bigz"

# --- HTTP: a real server (nginx), then one that answers Range wrongly ---------------

www=$TMP/www
"$FANOUT" gen-taxi --out "$www" --files 3 --rows 8000 --seed 23 --quiet || die "gen-taxi www failed"
"$FANOUT" gen-taxi --out "$www" --files 1 --rows 4000 --seed 24 --start 2020-01 --compress gz --quiet ||
  die "gen-taxi www gz failed"
head -c 120000 "$(ls "$www"/*.csv | head -n 1)" >"$www/small.csv"
files=()
for f in "$www"/*; do files+=("$(basename "$f")"); done

# same_as_local TAG URL_PREFIX ARGS...: count over every file at URL_PREFIX/NAME equals
# count over the local files, and cat returns each file's exact bytes.
same_as_local() {
  local tag=$1 prefix=$2; shift 2
  local name urls=() locals=()
  for name in "${files[@]}"; do
    urls+=("$prefix/$name")
    locals+=("$www/$name")
  done
  run_fanout "local.$tag" count --by passenger_count "${locals[@]}" --quiet
  run_fanout "http.$tag" count --by passenger_count "${urls[@]}" --quiet "$@"
  if [[ $(rc_of "http.$tag") != 0 ]]; then
    fail "$tag: exit $(rc_of "http.$tag"): $(head -c 1500 "$TMP/err.http.$tag")"
    return 1
  fi
  check_files_equal "$tag: count" "$TMP/out.http.$tag" "$TMP/out.local.$tag"
  for name in "${files[@]}"; do
    run_fanout "cat.$tag" cat --raw "$prefix/$name"
    check_files_equal "$tag: cat $name" "$TMP/out.cat.$tag" "$www/$name"
  done
}

# http_fails TAG NEEDLE ARGS...: fanout ARGS exits 1, prints nothing on stdout, says
# NEEDLE, and never curl's "Failed writing received data".
http_fails() {
  local tag=$1 needle=$2; shift 2
  expect_fail 1 "$needle" "$@"
  if grep -q "Failed writing" "$TMP/err.ef"; then
    fail "$tag: libcurl's message instead of the reason: $(head -c 500 "$TMP/err.ef")"
  fi
}

# Every run from here on reads from servers that misbehave on purpose: a client that
# waits forever on one must fail the test (lib.sh: FAULT_TIMEOUT), not hang it.
RUN_TIMEOUT=$FAULT_TIMEOUT
nginx_start "$www" || die "cannot start nginx"
range_server_start "$www" || die "cannot start range_server.py"

same_as_local nginx "$NGINX_URL"
same_as_local nginx_ranges "$NGINX_URL" --range-size 100KB --threads 3 --part-size 64KB
same_as_local plain "$RANGE_URL/plain" --range-size 100KB
same_as_local short_ranges "$RANGE_URL/short-ranges"
same_as_local truncated_once "$RANGE_URL/truncate-once" --range-size 100KB

# A server that ignores Range: a whole object (and the start of one) is read from its
# whole body; a range that starts later cannot be read without it and fails clearly.
same_as_local ignores_range "$RANGE_URL/ignore-range"
same_as_local ignores_range_truncated_once "$RANGE_URL/ignore-range-truncate-once"
big_csv=$(ls "$www"/*.csv | head -n 1)
http_fails ignores_range_split "the server ignored the Range header" \
  count --by passenger_count "$RANGE_URL/ignore-range/$(basename "$big_csv")" --range-size 100KB
expect_fail 1 "$RANGE_URL/ignore-range/$(basename "$big_csv")" \
  count --by passenger_count "$RANGE_URL/ignore-range/$(basename "$big_csv")" --range-size 100KB

for bad in "wrong-start:the server sent bytes 1-" "wrong-total:changed while being read (the server now says it has" \
  "no-content-range:without a valid Content-Range" "bad-length:disagrees with Content-Range" \
  "long-body:the server sent more than"; do
  mode=${bad%%:*}
  http_fails "$mode" "${bad#*:}" count --by passenger_count "$RANGE_URL/$mode/small.csv"
  expect_fail 1 "$RANGE_URL/$mode/small.csv:" count --by passenger_count "$RANGE_URL/$mode/small.csv"
  http_fails "$mode.cat" "${bad#*:}" cat "$RANGE_URL/$mode/small.csv"
done
AWS_MAX_ATTEMPTS=2 http_fails truncated_always "$RANGE_URL/truncate/small.csv:" \
  count --by passenger_count "$RANGE_URL/truncate/small.csv"

# --- passwords in URLs never appear in any output ----------------------------------

# no_secret TAG: neither stdout nor stderr of run TAG holds the password.
no_secret() {
  if grep -q "$SECRET" "$TMP/out.$1" "$TMP/err.$1"; then
    fail "$1: the password is in the output: $(grep -h "$SECRET" "$TMP/out.$1" "$TMP/err.$1" | head -c 500)"
    return 1
  fi
  pass
}

# secret_run TAG WANT_RC ARGS...: runs fanout (with its summary, not --quiet); checks
# the exit status and that no output holds the password.
secret_run() {
  local tag=$1 want=$2; shift 2
  AWS_MAX_ATTEMPTS=2 run_fanout "$tag" "$@"
  check_eq "$tag: exit status ($(head -c 300 "$TMP/err.$tag"))" "$(rc_of "$tag")" "$want"
  no_secret "$tag"
}

AUTHED="http://user:$SECRET@${RANGE_URL#http://}"
down_port=$(free_port)
secret_run auth_count 0 count --by passenger_count "$AUTHED/auth/small.csv"
run_fanout auth_local count --by passenger_count "$www/small.csv" --quiet
run_fanout auth_quiet count --by passenger_count "$AUTHED/auth/small.csv" --quiet
check_files_equal "a URL's user:password is used for its requests" "$TMP/out.auth_quiet" "$TMP/out.auth_local"
secret_run auth_ls 0 ls "$AUTHED/auth/small.csv"
check_true "ls shows the URL with *** for its user:password" grep -qF "http://***@${RANGE_URL#http://}/auth/small.csv" "$TMP/out.auth_ls"
secret_run auth_cat 0 cat "$AUTHED/auth/small.csv"
secret_run auth_workers 1 count --by passenger_count "$AUTHED/auth/small.csv" --workers 2
check_true "workers without the password say why" grep -q "not sent to other machines" "$TMP/err.auth_workers"
secret_run get_fails 1 count --by passenger_count "http://user:$SECRET@${RANGE_URL#http://}/status500-get/small.csv"
check_true "the failing URL is named, redacted" grep -qF "http://***@${RANGE_URL#http://}/status500-get/small.csv" "$TMP/err.get_fails"
secret_run head_fails 1 count --by 1 "http://user:$SECRET@${RANGE_URL#http://}/nothing/here.csv"
secret_run http_down 1 count --by 1 "http://user:$SECRET@127.0.0.1:$down_port/x.csv"
check_true "the server that is down is named, redacted" grep -qF "http://***@127.0.0.1:$down_port" "$TMP/err.http_down"
secret_run https_down 1 cat "https://user:$SECRET@127.0.0.1:$down_port/x.csv"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
secret_run endpoint_fails 1 count --by 1 "s3://bucket/x.csv" --endpoint-url "http://key:$SECRET@${RANGE_URL#http://}"
secret_run endpoint_ls_fails 1 ls "s3://bucket/" --endpoint-url "http://key:$SECRET@${RANGE_URL#http://}"
secret_run endpoint_down 1 count --by 1 "s3://bucket/x.csv" --endpoint-url "http://key:$SECRET@127.0.0.1:$down_port"
check_true "the endpoint that is down is named, redacted" grep -qF "http://***@127.0.0.1:$down_port" "$TMP/err.endpoint_down"
AWS_ENDPOINT_URL="http://key:$SECRET@127.0.0.1:$down_port" secret_run endpoint_env_down 1 cat "s3://bucket/x.csv"

finish
