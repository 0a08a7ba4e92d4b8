#!/usr/bin/env bash
# Smoke test of the S3 test bed: s3rver from node_modules, the botocore client and
# the helpers in tests/s3/s3rver.sh. Starts s3rver, creates a bucket, uploads awkward
# keys and 2,500 small objects, lists them back page by page (ListObjectsV2, 1000 keys
# a page), reads objects and byte ranges with botocore and with curl, pins down the
# s3rver behaviours that differ from S3 (see tests/s3/README.md), then stops it.
#
#   bash tests/s3/s3rver_smoke_test.sh
#
# Prints "s3rver_smoke_test: N passed, M failed" and exits 1 when anything failed.
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=s3rver.sh
source "$HERE/s3rver.sh"

BUCKET=smoke-bucket
s3_start "$TMP/s3data" || die "s3rver did not start"
check_true "S3_ENDPOINT is http://127.0.0.1:PORT (got '$S3_ENDPOINT')" \
  grep -qE '^http://127\.0\.0\.1:[0-9]+$' <<<"$S3_ENDPOINT"
check_true "s3rver runs as S3_PID=$S3_PID" kill -0 "$S3_PID"

s3_mb "$BUCKET" || die "cannot create bucket $BUCKET"
pass

# ---- awkward keys ---------------------------------------------------------------
KEYS=(
  'trip data/yellow_2019-01.csv'
  'a+b.csv'
  'a b.csv'
  '100%.csv'
  'pct%20x.csv'
  'ünï cödé/ß.csv'
  'emoji 😀.csv'
  'tilde~x.csv'
  'x&y<z>.csv'
  "quote'd \"key\".csv"
  'deep/er/path/=;,:@$.csv'
)
i=0
for k in "${KEYS[@]}"; do
  printf 'key,n\n%s,%d\n' "$k" "$i" >"$TMP/obj.$i"
  if s3_put "$BUCKET" "$k" "$TMP/obj.$i"; then pass; else fail "upload of key '$k'"; fi
  i=$((i + 1))
done

# ---- 2,500 objects under one prefix ---------------------------------------------
start=$(date +%s)
if s3_put_many "$BUCKET" "many/part-" 2500 64; then
  pass
else
  fail "uploading 2500 objects"
fi
echo "s3rver_smoke_test: uploaded 2500 objects in $(($(date +%s) - start)) s" >&2

# ---- listing, paginated by botocore (max-keys 1000) -----------------------------
"${S3_CLIENT[@]}" ls "$BUCKET" --prefix many/ --max-keys 1000 --json >"$TMP/many.json" ||
  fail "listing many/"
read -r count pages distinct sorted < <("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
keys = [o["key"] for o in d["objects"]]
print(len(keys), d["pages"], len(set(keys)), int(keys == sorted(keys)))' "$TMP/many.json")
check_eq "objects listed under many/" "$count" 2500
check_eq "ListObjectsV2 pages for 2500 keys at max-keys 1000" "$pages" 3
check_eq "distinct keys listed under many/" "$distinct" 2500
check_eq "many/ listed in key order" "$sorted" 1

"${S3_CLIENT[@]}" ls "$BUCKET" --json >"$TMP/all.json" || fail "listing the bucket"
printf '%s\n' "${KEYS[@]}" >"$TMP/want-keys"
if "$PY" - "$TMP/all.json" "$TMP/want-keys" >"$TMP/keydiff" 2>&1 <<'EOF'; then pass; else fail "awkward keys listed back: $(cat "$TMP/keydiff")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
got = {o["key"] for o in d["objects"] if not o["key"].startswith("many/")}
want = set(open(sys.argv[2], encoding="utf-8").read().splitlines())
if got != want:
    print("missing:", sorted(want - got), "unexpected:", sorted(got - want))
    sys.exit(1)
sizes = {o["key"]: o["size"] for o in d["objects"]}
if len([k for k in sizes if k.startswith("many/")]) != 2500:
    print("full listing does not hold the 2500 objects")
    sys.exit(1)
EOF

# Smaller pages under a narrower prefix: 1000 keys at max-keys 250 is 4 pages.
"${S3_CLIENT[@]}" ls "$BUCKET" --prefix many/part-000 --max-keys 250 --json >"$TMP/small.json" ||
  fail "listing with max-keys 250"
read -r count pages < <("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len({o["key"] for o in d["objects"]}), d["pages"])' "$TMP/small.json")
check_eq "keys under many/part-000 at max-keys 250" "$count" 1000
check_eq "pages for 1000 keys at max-keys 250" "$pages" 4

# ---- reading back: botocore and curl with percent-encoded paths ------------------
i=0
for k in "${KEYS[@]}"; do
  if s3_get "$BUCKET" "$k" >"$TMP/got.$i" && cmp -s "$TMP/got.$i" "$TMP/obj.$i"; then
    pass
  else
    fail "botocore GET of '$k' did not return what was uploaded"
  fi
  url=$(s3_url "$BUCKET" "$k")
  code=$(curl -s -o "$TMP/curl.$i" -w '%{http_code}' "$url")
  if [[ $code == 200 ]] && cmp -s "$TMP/curl.$i" "$TMP/obj.$i"; then
    pass
  else
    fail "curl GET $url: status $code, body $(head -c 200 "$TMP/curl.$i")"
  fi
  i=$((i + 1))
done

# ---- ranged GET -----------------------------------------------------------------
head -c 1000 /dev/urandom >"$TMP/ranged.bin"
s3_put "$BUCKET" "trip data/ranged.bin" "$TMP/ranged.bin" || fail "upload ranged.bin"
s3_get "$BUCKET" "trip data/ranged.bin" "bytes=100-199" >"$TMP/r1" || fail "botocore ranged GET"
dd if="$TMP/ranged.bin" of="$TMP/r1.want" bs=1 skip=100 count=100 status=none
check_files_equal "botocore GET bytes=100-199" "$TMP/r1" "$TMP/r1.want"
url=$(s3_url "$BUCKET" "trip data/ranged.bin")
curl -s -D "$TMP/r2.h" -o "$TMP/r2" -H 'Range: bytes=990-' "$url"
dd if="$TMP/ranged.bin" of="$TMP/r2.want" bs=1 skip=990 status=none
check_files_equal "curl GET bytes=990-" "$TMP/r2" "$TMP/r2.want"
check_true "206 with Content-Range bytes 990-999/1000" \
  grep -qi '^content-range: bytes 990-999/1000' "$TMP/r2.h"
check_eq "bytes=1000- on a 1000-byte object" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=1000-' "$url")" 416

# ---- what s3rver does differently from S3 (tests/s3/README.md) --------------------
# Each check pins a known difference; if one fails after an s3rver upgrade, update the
# README and the tests that work around it.
quirk() { echo "s3rver_smoke_test: quirk: $*" >&2; }

printf '0123456789abcdefghij' >"$TMP/twenty"
s3_put "$BUCKET" q/twenty "$TMP/twenty"
q=$(s3_url "$BUCKET" q/twenty)
got=$(curl -s -H 'Range: bytes=-5' "$q")
check_eq "quirk: suffix range bytes=-5 answers bytes 0-5, not the last 5" "$got" "012345"
got=$(curl -s -H 'Range: bytes=0-0' "$q")
check_eq "quirk: bytes=0-0 answers the whole object" "$got" "0123456789abcdefghij"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Match: "00000000000000000000000000000000"' "$q")
check_eq "quirk: If-Match with a wrong ETag is ignored (S3: 412)" "$code" 200
etag=$(curl -sI "$q" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
check_eq "ETag is the quoted MD5 of the body" "$etag" "\"$(md5sum <"$TMP/twenty" | cut -c1-32)\""
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$q")
check_eq "If-None-Match with the ETag answers 304" "$code" 304

s3_put "$BUCKET" q/empty /dev/null
e=$(s3_url "$BUCKET" q/empty)
hdrs=$(curl -s -D - -o /dev/null --max-time 1 -H 'Range: bytes=0-' "$e" | tr -d '\r')
if grep -q '^Content-Length: 1$' <<<"$hdrs" && grep -q '^Content-Range: bytes 0-0/0$' <<<"$hdrs"; then
  pass
else
  fail "quirk: a Range on an empty object announces Content-Length 1 and sends nothing (S3: 416); got: $hdrs"
fi

printf 'plus' >"$TMP/plus"
printf 'space' >"$TMP/space"
s3_put "$BUCKET" 'q/p+s' "$TMP/plus"
s3_put "$BUCKET" 'q/p s' "$TMP/space"
check_eq "an unencoded '+' in the path is a literal '+'" "$(curl -s "$S3_ENDPOINT/$BUCKET/q/p+s")" plus
check_eq "%2B in the path is '+'" "$(curl -s "$S3_ENDPOINT/$BUCKET/q/p%2Bs")" plus
check_eq "%20 in the path is a space" "$(curl -s "$S3_ENDPOINT/$BUCKET/q/p%20s")" space

# Tokens are base64 of a random IV and the last key, so find one with a '+' in it.
for ((try = 0; try < 30; try++)); do
  first=$(curl -s "$S3_ENDPOINT/$BUCKET?list-type=2&prefix=many/&max-keys=1")
  tok=$(sed -n 's:.*<NextContinuationToken>\(.*\)</NextContinuationToken>.*:\1:p' <<<"$first")
  [[ $tok == *+* ]] && break
done
[[ -n $tok ]] || fail "no NextContinuationToken in a truncated listing"
enc=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$tok")
code=$(curl -s -o "$TMP/page2" -w '%{http_code}' "$S3_ENDPOINT/$BUCKET?list-type=2&prefix=many/&max-keys=1&continuation-token=$enc")
check_eq "the percent-encoded continuation token is accepted" "$code" 200
if [[ $tok == *+* ]]; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$BUCKET?list-type=2&prefix=many/&max-keys=1&continuation-token=$tok")
  check_eq "quirk: the raw token ('+' read as a space) answers 500" "$code" 500
fi
check_true "ETags in listings are XML-escaped quotes (&quot;)" grep -q '<ETag>&quot;' <<<"$first"
check_true "quirk: the listing namespace is http://doc.s3.amazonaws.com/2006-03-01/" \
  grep -q 'xmlns="http://doc.s3.amazonaws.com/2006-03-01/"' <<<"$first"
listing=$(curl -s "$S3_ENDPOINT/$BUCKET?list-type=2&prefix=pct&encoding-type=url")
check_true "quirk: encoding-type=url is ignored (raw key, no <EncodingType>)" \
  grep -q '<Key>pct%20x.csv</Key>' <<<"$listing"
check_true "no <EncodingType> element when encoding-type=url was asked" \
  bash -c '! grep -q "<EncodingType>" <<<"$1"' _ "$listing"

printf 'x' >"$TMP/x"
for k in ord/a ord/a! ord/a-b ord/a/b ord/b; do s3_put "$BUCKET" "$k" "$TMP/x"; done
all=$("${S3_CLIENT[@]}" ls "$BUCKET" --prefix ord/ | tr '\n' ' ')
check_eq "quirk: listing order is the file system's, not S3's byte order" "$all" "ord/a/b ord/a! ord/a-b ord/a ord/b "
paged=$("${S3_CLIENT[@]}" ls "$BUCKET" --prefix ord/ --max-keys 1 | tr '\n' ' ')
check_eq "quirk: so paging by 1 key loses keys that sort out of order" "$paged" "ord/a/b ord/b "

now=$(date -u +%Y%m%dT%H%M%SZ)
auth() { echo "Authorization: AWS4-HMAC-SHA256 Credential=$1/${2:0:8}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"; }
code=$(curl -s -o "$TMP/deny" -w '%{http_code}' -H "$(auth NOSUCHKEY "$now")" \
  -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -H "x-amz-date: $now" "$q")
check_eq "an unknown access key id answers 403" "$code" 403
check_true "... with InvalidAccessKeyId" grep -q '<Code>InvalidAccessKeyId</Code>' "$TMP/deny"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth "$S3_ACCESS_KEY_ID" "$now")" \
  -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -H "x-amz-date: $now" "$q")
check_eq "quirk: a known key id with a wrong SigV4 signature is accepted" "$code" 200
code=$(curl -s -o "$TMP/skew" -w '%{http_code}' -H "$(auth "$S3_ACCESS_KEY_ID" 20200101T000000Z)" \
  -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -H 'x-amz-date: 20200101T000000Z' "$q")
check_eq "an x-amz-date 15+ minutes off answers 403" "$code" 403
check_true "... with RequestTimeTooSkewed" grep -q '<Code>RequestTimeTooSkewed</Code>' "$TMP/skew"
check_eq "anonymous GET is allowed" "$(curl -s -o /dev/null -w '%{http_code}' "$q")" 200
check_eq "virtual-hosted style: Host BUCKET.s3.localhost:PORT" \
  "$(curl -s -H "Host: $BUCKET.s3.localhost:$S3_PORT_USED" "$S3_ENDPOINT/q/twenty")" "0123456789abcdefghij"
check_eq "a missing key answers 404" "$(curl -s -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$BUCKET/nope")" 404
check_eq "a missing bucket answers 404" "$(curl -s -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/no-such-bucket/x")" 404

# ---- stopping ---------------------------------------------------------------------
pid=$S3_PID
s3_stop
check_true "s3_stop ended pid $pid" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
check_eq "nothing answers on $S3_ENDPOINT after s3_stop" \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$S3_ENDPOINT/")" 000

# Last, on a server of its own: a key segment too long for a file name kills s3rver.
s3_start "$TMP/s3crash" || die "s3rver did not start again"
s3_mb crash-bucket || fail "cannot create crash-bucket"
long=$(printf 'k%.0s' {1..300})
s3_put crash-bucket "$long" "$TMP/x" 2>/dev/null
sleep 0.5
check_true "quirk: a 300-byte key segment kills s3rver (ENAMETOOLONG)" \
  bash -c '! kill -0 "$1" 2>/dev/null' _ "$S3_PID"
check_true "... and its log says why" grep -q ENAMETOOLONG "$S3_LOG"
s3_stop

finish
