#!/usr/bin/env bash
# fanout reading s3:// keys from a real S3 server on loopback (s3rver), directly
# and through a fault-injecting proxy: every answer must equal the local-file one.
source "$(dirname "$0")/lib.sh"
source "$FANOUT_SRC/tests/s3/s3rver.sh"
require_fanout

s3_start "$TMP/s3" || die "cannot start s3rver"
s3_mb nyc-tlc || die "cannot create a bucket"

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 6 --rows 3000 --seed 11 --quiet || die "gen-taxi failed"
"$FANOUT" gen-taxi --out "$TMP/gz" --files 2 --rows 2000 --seed 12 --compress gz --quiet || die "gen-taxi gz failed"
for f in "$data"/*.csv; do s3_put nyc-tlc "trip data/$(basename "$f")" "$f" || die "upload $f"; done
for f in "$TMP"/gz/*.gz; do s3_put nyc-tlc "compressed/$(basename "$f")" "$f" || die "upload $f"; done
"$FANOUT" gen-taxi --out "$TMP/big" --files 1 --rows 40000 --seed 13 --quiet || die "gen-taxi big failed"
big=$(ls "$TMP"/big/*.csv)
s3_put nyc-tlc "big/$(basename "$big")" "$big" || die "upload $big"
BIG="s3://nyc-tlc/big/$(basename "$big")"
odd_key='odd keys/a+b %c ü (1).csv'
s3_put nyc-tlc "$odd_key" "$data/yellow_tripdata_2015-10.csv" 2>/dev/null ||
  s3_put nyc-tlc "$odd_key" "$(ls "$data"/*.csv | head -n 1)" || die "upload odd key"

S3=(--endpoint-url "$S3_ENDPOINT")
GLOB='s3://nyc-tlc/trip data/yellow_*.csv'

# expect_same_as_local TAG LOCAL_INPUT ARGS...: fanout over S3 (ARGS hold the s3 input)
# prints exactly what it prints over the local files.
expect_same_as_local() {
  local tag=$1 local_input=$2; shift 2
  local query=(count --by passenger_count)
  run_fanout "local.$tag" "${query[@]}" "$local_input" --quiet
  run_fanout "s3.$tag" "${query[@]}" "$@" --quiet
  if [[ $(rc_of "s3.$tag") != 0 ]]; then
    fail "$tag: exit $(rc_of "s3.$tag"): $(head -c 1500 "$TMP/err.s3.$tag")"
    return 1
  fi
  check_files_equal "$tag" "$TMP/out.s3.$tag" "$TMP/out.local.$tag"
}

# Listing: every key, exact sizes, the space in the prefix.
run_fanout ls ls "$GLOB" "${S3[@]}"
check_eq "ls exit" "$(rc_of ls)" 0
for f in "$data"/*.csv; do
  check_true "ls shows $(basename "$f") with its size" \
    grep -qE "^ *$(stat -c %s "$f") .* s3://nyc-tlc/trip data/$(basename "$f")\$" "$TMP/out.ls"
done

expect_same_as_local glob "$data" "$GLOB" "${S3[@]}"
expect_same_as_local folder "$data" 's3://nyc-tlc/trip data/' "${S3[@]}"
expect_same_as_local ranges "$data" "$GLOB" "${S3[@]}" --range-size 7000 --threads 3
expect_same_as_local tiny_buffers "$data" "$GLOB" "${S3[@]}" --range-size 50000 --buffer-size 100
expect_same_as_local gzip "$TMP/gz" 's3://nyc-tlc/compressed/*.gz' "${S3[@]}"
expect_same_as_local odd_key "$data/yellow_tripdata_2015-10.csv" "s3://nyc-tlc/$odd_key" "${S3[@]}"

# The environment's endpoint works like the flag.
AWS_ENDPOINT_URL=$S3_ENDPOINT run_fanout env_endpoint count --by passenger_count "$GLOB" --quiet
check_files_equal "AWS_ENDPOINT_URL" "$TMP/out.env_endpoint" "$TMP/out.local.glob"

# Credentials from the instance metadata service (IMDSv2), here a stand-in on
# loopback since the real one exists only inside EC2.
imds_out=$TMP/imds.out
"$PY" "$FANOUT_SRC/tests/s3/fake_imds.py" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  --max-seconds 600 >"$imds_out" 2>&1 &
imds_pid=$!
for _ in $(seq 50); do [[ -s $imds_out ]] && break; sleep 0.1; done
imds_port=$(head -n 1 "$imds_out")
no_creds=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=/nonexistent)
"${no_creds[@]}" AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$imds_port" \
  "$FANOUT" count --by passenger_count "$GLOB" "${S3[@]}" --quiet >"$TMP/out.imds" 2>"$TMP/err.imds"
check_files_equal "credentials from instance metadata" "$TMP/out.imds" "$TMP/out.local.glob"
imds_stats=$(curl -s "http://127.0.0.1:$imds_port/__stats")
check_true "IMDSv2 session token was used ($imds_stats)" \
  "$PY" -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(not (s["token_puts"] >= 1 and s["credential_gets"] >= 1 and s["unauthorized"] == 0))' "$imds_stats"
kill "$imds_pid" 2>/dev/null; wait "$imds_pid" 2>/dev/null

# No credentials anywhere: a clear error, unless the request is meant to be anonymous.
"${no_creds[@]}" AWS_EC2_METADATA_DISABLED=true "$FANOUT" count --by passenger_count "$GLOB" "${S3[@]}" \
  >"$TMP/out.nocred" 2>"$TMP/err.nocred"
check_eq "no credentials: exit status" "$?" 1
check_true "no credentials: the error says so" grep -q "no AWS credentials found" "$TMP/err.nocred"
check_true "no credentials: nothing on stdout" test ! -s "$TMP/out.nocred"
"${no_creds[@]}" AWS_EC2_METADATA_DISABLED=true "$FANOUT" count --by passenger_count "$GLOB" "${S3[@]}" \
  --no-sign-request --quiet >"$TMP/out.anon" 2>"$TMP/err.anon"
check_files_equal "--no-sign-request" "$TMP/out.anon" "$TMP/out.local.glob"

# Secrets never reach stderr, even when a request fails.
AWS_SECRET_ACCESS_KEY=do-not-print-this-secret "$FANOUT" count --by passenger_count 's3://no-such-bucket/x.csv' \
  "${S3[@]}" >/dev/null 2>"$TMP/err.secret"
check_true "the secret is not printed" bash -c "! grep -q do-not-print-this-secret '$TMP/err.secret'"

# Many keys: ListObjectsV2 pages of 1000 followed by continuation token.
s3_put_many nyc-tlc "many/k" 2500 >/dev/null || die "cannot upload many keys"
run_fanout many ls 's3://nyc-tlc/many/' "${S3[@]}"
check_eq "keys listed across pages" "$(grep -c 's3://nyc-tlc/many/k' "$TMP/out.many")" 2500

# fanout run reading from S3 and writing each output back to S3 (PutObject).
run_fanout runs3 run --cmd 'cut -d, -f1-3' --out 's3://nyc-tlc/results/' "$GLOB" "${S3[@]}" --quiet
check_eq "run --out s3://: exit ($(head -c 300 "$TMP/err.runs3"))" "$(rc_of runs3)" 0
run_fanout lsres ls 's3://nyc-tlc/results/' "${S3[@]}"
check_eq "run --out s3://: one object per input" "$(grep -c 's3://nyc-tlc/results/yellow_' "$TMP/out.lsres")" 6
for f in "$data"/*.csv; do
  run_fanout catres cat "s3://nyc-tlc/results/$(basename "$f")" "${S3[@]}"
  cut -d, -f1-3 <"$f" >"$TMP/expect.cut"
  check_files_equal "run --out s3://: $(basename "$f")" "$TMP/out.catres" "$TMP/expect.cut"
done

# select --out s3:// (and from local files): each output uploaded once complete,
# the same bytes as select into a directory; locally and from workers, in ranges.
for cluster in "" "--workers 2 --range-size 20KiB"; do
  read -r -a c <<<"$cluster"
  tag=sel${#c[@]}
  rm -rf "$TMP/sel.dir"
  run_fanout seldir select --cols 1,4,5 --where 'passenger_count >= 2' "$data" --out "$TMP/sel.dir" --quiet
  run_fanout "$tag" select --cols 1,4,5 --where 'passenger_count >= 2' "$data" --out "s3://nyc-tlc/sel$tag/" \
    "${S3[@]}" --quiet "${c[@]}"
  check_eq "select --out s3:// ${cluster:-locally}: exit ($(head -c 300 "$TMP/err.$tag"))" "$(rc_of "$tag")" 0
  run_fanout lssel ls "s3://nyc-tlc/sel$tag/" "${S3[@]}"
  check_eq "select --out s3:// ${cluster:-locally}: one object per input" \
    "$(grep -c "s3://nyc-tlc/sel$tag/yellow_" "$TMP/out.lssel")" "$(ls "$data"/*.csv | wc -l)"
  for f in "$TMP"/sel.dir/*; do
    run_fanout catsel cat "s3://nyc-tlc/sel$tag/$(basename "$f")" "${S3[@]}"
    check_files_equal "select --out s3:// ${cluster:-locally}: $(basename "$f")" "$TMP/out.catsel" "$f"
  done
done
expect_fail 2 "give a bucket and a prefix" select --cols 1 "$data" --out s3://nyc-tlc

# fanout stage from S3: later jobs need no endpoint flag (the stage remembers
# it), and a piece that went missing is fetched again from its key.
export XDG_CACHE_HOME=$TMP/cache
run_fanout st3 stage --cols 1-5 --as s3trips --range-size 7000 "$GLOB" "${S3[@]}" --workers 2 --quiet
check_eq "stage from s3: exit ($(head -c 300 "$TMP/err.st3"))" "$(rc_of st3)" 0
run_fanout local.stg count --by passenger_count "$data" --quiet
run_fanout s3.stg count --by passenger_count stage://s3trips --workers 2 --quiet
check_files_equal "count over a stage of s3 keys" "$TMP/out.s3.stg" "$TMP/out.local.stg"
find "$XDG_CACHE_HOME/fanout/stage/s3trips" -name '*.csv' | sort | sed -n '2p;5p' | xargs rm -f
run_fanout s3.stg2 count --by passenger_count stage://s3trips --workers 2
check_true "missing pieces fetched again from s3: said so" grep -q "2 pieces of stage s3trips staged again" "$TMP/err.s3.stg2"
check_files_equal "missing pieces fetched again from s3: exact" "$TMP/out.s3.stg2" "$TMP/out.local.stg"
check_true "stage --drop" "$FANOUT" stage --drop s3trips --quiet

# Errors name the URL, fail the job and print no table.
expect_fail 1 "s3://nyc-tlc/nope/*.csv" count --by passenger_count 's3://nyc-tlc/nope/*.csv' "${S3[@]}"
expect_fail 1 "NoSuchBucket" count --by passenger_count 's3://no-such-bucket/x.csv' "${S3[@]}"
expect_fail 1 "s3://nyc-tlc/trip data/" count --by no_such_column "$GLOB" "${S3[@]}"

# Faults between fanout and the server: answers stay exact.
proxy_start "$S3_ENDPOINT" || die "cannot start the fault proxy"
P=(--endpoint-url "$PROXY_ENDPOINT")
fault_case() {  # fault_case NAME RULES_JSON ARGS...
  local name=$1 rules=$2; shift 2
  proxy_faults "$rules" >/dev/null || die "cannot set faults $rules"
  proxy_reset_stats
  expect_same_as_local "fault_$name" "$data" "$GLOB" "${P[@]}" "$@"
  local injected
  injected=$(proxy_stat injected_total)
  check_true "fault $name was injected (injected=$injected)" test "${injected:-0}" -gt 0
}
fault_case reset '[{"kind": "reset", "header": "Range", "prob": 0.3, "seed": 1}]' --range-size 30000
fault_case truncate '[{"kind": "truncate", "header": "Range", "every": 3}]' --range-size 30000
fault_case slowdown_burst '[{"kind": "status503", "times": 4}]'
fault_case status500 '[{"kind": "status500", "header": "Range", "prob": 0.2, "seed": 2}]' --threads 3
fault_case drop '[{"kind": "drop", "header": "Range", "times": 3}]'
# One object read as many small parts, several in flight at once, under resets.
fault_case parallel_parts_reset '[{"kind": "reset", "header": "Range", "prob": 0.2, "seed": 3}]' \
  --part-size 20KiB --connections 6 --threads 1
fault_case stall '[{"kind": "stall", "header": "Range", "seconds": 30, "times": 2}]' --io-timeout 1
proxy_faults '[]' >/dev/null

# fanout cat: the object's exact bytes, in order, from many concurrent parts,
# over a few reused connections; and the same under resets and truncation.
cat_case() {  # cat_case NAME RULES_JSON
  proxy_faults "$2" >/dev/null || die "cannot set faults $2"
  proxy_reset_stats
  "$FANOUT" cat "$BIG" "${P[@]}" --part-size 50KiB --connections 5 >"$TMP/cat.$1" 2>"$TMP/err.cat.$1"
  check_eq "cat $1: exit status ($(head -c 300 "$TMP/err.cat.$1"))" "$?" 0
  check_true "cat $1: the bytes equal the file" cmp -s "$TMP/cat.$1" "$big"
}
cat_case clean '[]'
requests=$(proxy_stat requests)
connections=$(proxy_stat connections)
check_true "cat used many ranged GETs ($requests)" test "$requests" -ge 20
# One connection for the listing, at most five for the parts.
check_true "cat reused its connections ($connections for $requests requests)" test "$connections" -le 6
cat_case reset '[{"kind": "reset", "header": "Range", "prob": 0.25, "seed": 4}]'
check_true "cat reset: resets were injected" test "$(proxy_stat injected_total)" -gt 0
cat_case truncate '[{"kind": "truncate", "header": "Range", "every": 4}]'
check_true "cat truncate: truncations were injected" test "$(proxy_stat injected_total)" -gt 0
proxy_faults '[]' >/dev/null

# Local workers reading from S3. A task whose requests keep failing (two tries
# each, AWS_MAX_ATTEMPTS=2) fails on its worker with a retryable error and runs
# again elsewhere; the answer stays exact. The first 6 ranged GETs (the
# coordinator's plan) pass untouched.
proxy_faults '[{"kind": "status500", "header": "Range", "skip": 6, "times": 6}]' >/dev/null
proxy_reset_stats
run_fanout local.workers count --by passenger_count "$data" --quiet
AWS_MAX_ATTEMPTS=2 run_fanout s3.workers count --by passenger_count "$GLOB" "${P[@]}" --workers 2 --threads 1 --max-attempts 10
check_eq "workers over S3 with failing requests: exit ($(tail -n 4 "$TMP/err.s3.workers"))" "$(rc_of s3.workers)" 0
check_files_equal "workers over S3 with failing requests: exact" "$TMP/out.s3.workers" "$TMP/out.local.workers"
check_true "a task was retried on a worker ($(grep attempts "$TMP/err.s3.workers"))" \
  grep -qE " [1-9][0-9]* retries" "$TMP/err.s3.workers"
check_true "the faults were injected" test "$(proxy_stat injected_total)" -eq 6
proxy_faults '[]' >/dev/null

# A request that keeps failing ends the job with an error naming the key.
proxy_faults '[{"kind": "status403", "header": "Range"}]' >/dev/null
expect_fail 1 "AccessDenied" count --by passenger_count "$GLOB" "${P[@]}"
proxy_faults '[{"kind": "status412", "header": "Range"}]' >/dev/null
expect_fail 1 "changed while it was being read" count --by passenger_count "$GLOB" "${P[@]}"
proxy_faults '[]' >/dev/null

finish
