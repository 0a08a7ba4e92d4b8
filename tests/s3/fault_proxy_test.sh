#!/usr/bin/env bash
# Proves that tests/s3/fault_proxy.py forwards faithfully and that each fault it
# injects really happens as a client sees it: curl and botocore against s3rver
# through the proxy get a reset, a short body, a stall, a slow body, S3-style 503/500
# errors, on the schedule asked (every Nth, seeded probability, path/method/header
# filters, skip, bursts).
#
#   bash tests/s3/fault_proxy_test.sh
#
# Prints "fault_proxy_test: N passed, M failed" and exits 1 when anything failed.
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=s3rver.sh
source "$HERE/s3rver.sh"

BUCKET=proxy-bucket
s3_start "$TMP/s3data" || die "s3rver did not start"
s3_mb "$BUCKET" || die "cannot create bucket"
head -c 100000 /dev/urandom >"$TMP/big.bin"
printf 'small object\n' >"$TMP/small.txt"
s3_put "$BUCKET" big.bin "$TMP/big.bin" || die "upload big.bin"
s3_put "$BUCKET" "dir/small file+1.txt" "$TMP/small.txt" || die "upload small"
s3_put_many "$BUCKET" list/obj- 30 || die "upload list/"

PROXY_LOG=$TMP/proxy.log
proxy_start "$S3_ENDPOINT" || die "the proxy did not start"
check_true "proxy runs as PROXY_PID=$PROXY_PID on $PROXY_ENDPOINT" kill -0 "$PROXY_PID"
check_eq "GET /__health" "$(curl -s "$PROXY_ENDPOINT/__health")" ok
BIG=$PROXY_ENDPOINT/$BUCKET/big.bin
SMALL=$PROXY_ENDPOINT/$BUCKET/dir/small%20file%2B1.txt

# fetch TAG URL [CURL ARGS...]: body in $TMP/b.TAG, headers in $TMP/h.TAG; sets CODE,
# SIZE, RC (curl's exit status), TIME (total seconds), TTFB (seconds to first byte).
fetch() {
  local tag=$1 url=$2 out
  shift 2
  out=$(curl -s -D "$TMP/h.$tag" -o "$TMP/b.$tag" \
    -w '%{http_code} %{size_download} %{time_total} %{time_starttransfer}' "$@" "$url")
  RC=$?
  read -r CODE SIZE TIME TTFB <<<"$out"
}
faults() {
  local reply
  reply=$(proxy_faults "$1") || { fail "POST /__faults $1"; return 1; }
  grep -q '"faults"' <<<"$reply" || fail "POST /__faults $1 answered $reply"
}
stat() { proxy_stat "$1"; }
ge() { "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2"; }

# ---- faithful forwarding -----------------------------------------------------------
fetch plain "$BIG"
check_eq "GET through the proxy" "$CODE $SIZE $RC" "200 100000 0"
check_files_equal "body through the proxy" "$TMP/b.plain" "$TMP/big.bin"
fetch range "$BIG" -H 'Range: bytes=1000-1999'
dd if="$TMP/big.bin" of="$TMP/range.want" bs=1000 skip=1 count=1 status=none
check_eq "ranged GET through the proxy" "$CODE $SIZE" "206 1000"
check_files_equal "ranged body through the proxy" "$TMP/b.range" "$TMP/range.want"
check_true "Content-Range passes through" grep -qi '^content-range: bytes 1000-1999/100000' "$TMP/h.range"
check_true "ETag passes through" grep -qi '^etag: "' "$TMP/h.range"
fetch enc "$SMALL"
check_eq "percent-encoded key (space and +) through the proxy" "$CODE $(cat "$TMP/b.enc")" "200 small object"
fetch head "$BIG" -I
check_eq "HEAD through the proxy" "$CODE $SIZE $RC" "200 0 0"
check_true "HEAD keeps Content-Length 100000" grep -qi '^content-length: 100000' "$TMP/h.head"
fetch put "$PROXY_ENDPOINT/$BUCKET/put%20via%20proxy.bin" -T "$TMP/big.bin"
check_eq "PUT through the proxy" "$CODE" 200
check_true "the PUT body arrived whole" cmp -s <(s3_get "$BUCKET" "put via proxy.bin") "$TMP/big.bin"
fetch missing "$PROXY_ENDPOINT/$BUCKET/no-such-key"
check_eq "upstream 404 passes through" "$CODE" 404
check_true "... with its XML body" grep -q '<Code>NoSuchKey</Code>' "$TMP/b.missing"

# Keep-alive: three requests on one client connection.
before=$(stat connections)
conns=$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' "$BIG" "$SMALL" "$BIG")
after=$(stat connections)
check_eq "curl opened one connection for three requests" "$conns" "1 0 0 "
check_eq "the proxy accepted one connection for them" "$((after - before))" 1

# botocore through the proxy: paginated listing (continuation tokens in the query).
n=$("${S3_CLIENT[@]}" --endpoint "$PROXY_ENDPOINT" ls "$BUCKET" --prefix list/ --max-keys 7 --json |
  "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(len(d["objects"]), d["pages"])')
check_eq "botocore lists 30 keys in 5 pages through the proxy" "$n" "30 5"

# ---- reset ---------------------------------------------------------------------------
faults '{"faults": [{"kind": "reset", "after": 1000}]}'
fetch reset "$BIG"
check_eq "reset: curl exit 56 (connection reset) after 1000 bytes" "$RC $SIZE" "56 1000"
check_eq "reset: the headers came first" "$CODE" 200
fetch after_reset "$BIG"
check_eq "reset fires on every request by default" "$RC" 56
check_eq "reset counted" "$(stat injected.reset)" 2
faults '{"faults": [{"kind": "reset"}]}'
fetch reset_half "$BIG"
check_eq "reset without 'after' cuts the body in half" "$RC $SIZE" "56 50000"

# ---- truncate --------------------------------------------------------------------------
faults '{"faults": [{"kind": "truncate", "after": 5000}]}'
fetch trunc "$BIG"
check_eq "truncate: curl exit 18 (partial file) with 5000 bytes" "$RC $SIZE" "18 5000"
check_true "truncate: Content-Length still says 100000" grep -qi '^content-length: 100000' "$TMP/h.trunc"
faults '{"faults": [{"kind": "truncate", "after": 999999}]}'
fetch trunc_clamp "$BIG" -H 'Range: bytes=0-99'
check_eq "truncate: 'after' past the end still leaves the last byte out" "$RC $SIZE $CODE" "18 99 206"

# ---- stall ----------------------------------------------------------------------------
faults '{"faults": [{"kind": "stall", "after": 10, "seconds": 3}]}'
fetch stall_to "$BIG" --max-time 1
check_eq "stall: a client with a 1 s timeout gives up (curl 28) after 10 bytes" "$RC $SIZE" "28 10"
fetch stall "$BIG"
check_eq "stall: a patient client gets the whole body" "$RC $SIZE" "0 100000"
check_files_equal "stall: body intact" "$TMP/b.stall" "$TMP/big.bin"
check_true "stall: took at least 3 s (took $TIME)" ge "$TIME" 2.9

# ---- status503 / status500 --------------------------------------------------------------
faults '{"faults": [{"kind": "status503", "times": 3, "retry_after": 1}]}'
codes=""
for i in 1 2 3 4; do
  fetch s503 "$BIG"
  codes+="$CODE "
  [[ $i == 1 ]] && cp "$TMP/b.s503" "$TMP/b.s503.first" && cp "$TMP/h.s503" "$TMP/h.s503.first"
done
check_eq "status503 times=3: a burst of three 503s, then 200" "$codes" "503 503 503 200 "
check_true "503 body is S3's SlowDown error" grep -q '<Error><Code>SlowDown</Code>' "$TMP/b.s503.first"
check_true "503 is application/xml" grep -qi '^content-type: application/xml' "$TMP/h.s503.first"
check_true "503 carries Retry-After" grep -qi '^retry-after: 1' "$TMP/h.s503.first"
check_true "503 carries x-amz-request-id" grep -qi '^x-amz-request-id: ' "$TMP/h.s503.first"
check_eq "status503 counted" "$(stat injected.status503)" 3
conns=$(curl -s -o /dev/null -o /dev/null -w '%{http_code}/%{num_connects} ' "$BIG" "$BIG")
check_eq "the connection stays open after an injected error" "$conns" "200/1 200/0 "

faults '{"faults": [{"kind": "status500", "every": 3}]}'
codes=""
for i in 1 2 3 4 5 6 7 8 9; do
  codes+="$(curl -s -o "$TMP/b.s500" -w '%{http_code}' "$SMALL") "
done
check_eq "status500 every=3: requests 3, 6 and 9 fail" "$codes" "200 200 500 200 200 500 200 200 500 "
check_true "500 body is S3's InternalError" grep -q '<Code>InternalError</Code>' "$TMP/b.s500"

# botocore retries a 503 and gets the object.
faults '{"faults": [{"kind": "status503", "times": 1, "match": "big.bin"}]}'
if "${S3_CLIENT[@]}" --endpoint "$PROXY_ENDPOINT" get "$BUCKET" big.bin --out "$TMP/boto.bin" 2>"$TMP/boto.err" &&
  cmp -s "$TMP/boto.bin" "$TMP/big.bin"; then
  pass
else
  fail "botocore did not get big.bin after one 503: $(cat "$TMP/boto.err")"
fi
check_eq "botocore saw the 503 once (the rule's own counter)" "$(stat rules.0.injected)" 1

# ---- slow --------------------------------------------------------------------------------
faults '{"faults": [{"kind": "slow", "bps": 40000}]}'
fetch slow "$BIG"
check_eq "slow: whole body" "$RC $SIZE" "0 100000"
check_files_equal "slow: body intact" "$TMP/b.slow" "$TMP/big.bin"
check_true "slow: 100000 bytes at 40000 B/s take >= 2.4 s (took $TIME)" ge "$TIME" 2.4

# ---- delay and drop ------------------------------------------------------------------------
faults '{"faults": [{"kind": "delay", "seconds": 1}]}'
fetch delay "$SMALL"
check_eq "delay: answered" "$CODE" 200
check_true "delay: first byte after >= 1 s (took $TTFB)" ge "$TTFB" 0.95
faults '{"faults": [{"kind": "drop"}]}'
fetch drop "$SMALL"
if [[ $RC == 52 || $RC == 56 ]] && [[ $SIZE == 0 ]]; then pass; else fail "drop: curl exit $RC size $SIZE, want 52 or 56 and nothing"; fi

# ---- schedules ------------------------------------------------------------------------------
# Seeded probability: the pattern is random.Random(seed).random() < p, one draw per request.
rule='{"faults": [{"kind": "status500", "prob": 0.5, "seed": 7}]}'
want=$("$PY" -c '
import random
r = random.Random(7)
print(" ".join("500" if r.random() < 0.5 else "200" for _ in range(16)) + " ")')
for round in 1 2; do
  faults "$rule"
  codes=""
  for ((i = 0; i < 16; i++)); do codes+="$(curl -s -o /dev/null -w '%{http_code}' "$SMALL") "; done
  check_eq "prob=0.5 seed=7, round $round: the seeded pattern" "$codes" "$want"
done

faults '{"faults": [{"kind": "status503", "match": "big.bin"}]}'
check_eq "match=big.bin: other keys pass" "$(curl -s -o /dev/null -w '%{http_code}' "$SMALL")" 200
check_eq "match=big.bin: big.bin fails" "$(curl -s -o /dev/null -w '%{http_code}' "$BIG")" 503
faults '{"faults": [{"kind": "status503", "match": "small file+1"}]}'
check_eq "match is also tried against the percent-decoded target" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$SMALL")" 503

faults '{"faults": [{"kind": "truncate", "after": 3, "header": "Range"}]}'
fetch norange "$BIG"
check_eq "header=Range: a plain GET passes" "$RC $SIZE" "0 100000"
fetch ranged "$BIG" -H 'Range: bytes=0-99'
check_eq "header=Range: a ranged GET is truncated" "$RC $SIZE" "18 3"

faults '{"faults": [{"kind": "status500", "method": "HEAD"}]}'
check_eq "method=HEAD: GET passes" "$(curl -s -o /dev/null -w '%{http_code}' "$SMALL")" 200
check_eq "method=HEAD: HEAD fails" "$(curl -s -I -o /dev/null -w '%{http_code}' "$SMALL")" 500

faults '{"faults": [{"kind": "status500", "skip": 2, "times": 1}]}'
codes=""
for i in 1 2 3 4 5; do codes+="$(curl -s -o /dev/null -w '%{http_code}' "$SMALL") "; done
check_eq "skip=2 times=1: only the third request fails" "$codes" "200 200 500 200 200 "

faults '{"faults": [{"kind": "status503", "match": "big.bin", "times": 1}, {"kind": "status500"}]}'
codes="$(curl -s -o /dev/null -w '%{http_code}' "$BIG") $(curl -s -o /dev/null -w '%{http_code}' "$BIG")"
check_eq "rules are tried in order; the first that fires wins" "$codes" "503 500"

# ---- control endpoint -------------------------------------------------------------------------
code=$(curl -s -o "$TMP/bad" -w '%{http_code}' -X POST --data '{"faults": [{"kind": "explode"}]}' "$PROXY_ENDPOINT/__faults")
check_eq "an unknown fault kind is refused" "$code" 400
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{"faults": [{"kind": "reset", "afterr": 1}]}' "$PROXY_ENDPOINT/__faults")
check_eq "an unknown rule key is refused" "$code" 400
check_true "/__faults shows the rules still in force" grep -q status500 <(curl -s "$PROXY_ENDPOINT/__faults")
curl -s -X DELETE "$PROXY_ENDPOINT/__faults" >/dev/null
check_eq "DELETE /__faults: no rules" "$(curl -s -o /dev/null -w '%{http_code}' "$BIG")" 200
if "$PY" -c '
import json, sys
s = json.load(sys.stdin)
need = {"requests", "forwarded", "connections", "upstream_errors", "injected", "injected_total", "rules", "events"}
missing = need - set(s)
assert not missing, missing
assert s["injected_total"] == sum(s["injected"].values())
assert s["events"] and {"request", "method", "target", "kind"} <= set(s["events"][-1])
' < <(proxy_stats); then
  pass
else
  fail "/__stats lacks fields: $(proxy_stats | head -c 300)"
fi
curl -s -X POST "$PROXY_ENDPOINT/__stats/reset" >/dev/null
check_eq "POST /__stats/reset zeroes the counters" "$(stat requests) $(stat injected_total)" "0 0"

# ---- command-line schedule ----------------------------------------------------------------------
check_true "no traceback in the proxy's log: $(grep -m 3 -A 3 Traceback "$PROXY_LOG")" \
  bash -c '! grep -q Traceback "$1"' _ "$PROXY_LOG"
proxy_stop
proxy_start "$S3_ENDPOINT" --fault 'status503:times=2,match=big.bin' --fault 'truncate:after=7,method=GET' ||
  die "the proxy did not start with --fault rules"
BIG=$PROXY_ENDPOINT/$BUCKET/big.bin
SMALL=$PROXY_ENDPOINT/$BUCKET/dir/small%20file%2B1.txt
codes=""
for i in 1 2 3; do
  fetch cli "$BIG"
  codes+="$CODE/$RC "
done
check_eq "--fault rules: two 503s for big.bin, then the truncate rule" "$codes" "503/0 503/0 200/18 "
check_eq "... which cut the body after 7 bytes" "$SIZE" 7
check_eq "--fault rules counted" "$(stat injected.status503) $(stat injected.truncate)" "2 1"

# ---- stopping -------------------------------------------------------------------------------------
proxy_faults '{"faults": [{"kind": "stall", "after": 1, "seconds": 60}]}' >/dev/null
curl -s -o /dev/null "$BIG" &
stalled=$!
sleep 0.5
pid=$PROXY_PID
t0=$(date +%s.%N)
proxy_stop
t1=$(date +%s.%N)
check_true "SIGTERM stopped the proxy (pid $pid)" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
check_true "a stalled transfer does not hold the stop up (took $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s)" \
  "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < 4 else 1)' "$t0" "$t1"
wait "$stalled" 2>/dev/null
check_true "no traceback in the second proxy's log: $(grep -m 3 -A 3 Traceback "$PROXY_LOG")" \
  bash -c '! grep -q Traceback "$1"' _ "$PROXY_LOG"

# A proxy whose parent shell is gone stops by itself.
orphan=$(bash -c '"$1" "$2" --upstream "$3" --port 0 --parent-pid $$ >/dev/null 2>&1 </dev/null & echo $!' _ \
  "$S3_PY" "$HERE/fault_proxy.py" "$S3_ENDPOINT")
for ((i = 0; i < 100; i++)); do
  kill -0 "$orphan" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$orphan" 2>/dev/null; then
  fail "a proxy whose --parent-pid is gone still runs (pid $orphan)"
  kill "$orphan"
else
  pass
fi

finish
