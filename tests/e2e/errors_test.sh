#!/usr/bin/env bash
# Failures: a non-zero exit status, the offending path or column on stderr, and
# nothing on stdout. Garbage input never crashes or hangs fanout.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/e
mkdir -p "$D"
printf 'id,passenger_count,total_amount\n1,2,3.5\n2,1,4\n' >"$D/good.csv"
printf 'id,passenger_count,total_amount\n1,2,3.5\n\n2,1\n3,1,2\n' >"$D/short.csv"
printf 'id,other\n1,2\n' >"$D/other_header.csv"

# ---- inputs that cannot be read -------------------------------------------------------
expect_fail nonzero "$D/missing.csv" count "$D/good.csv" "$D/missing.csv" --by 1
expect_fail nonzero "$D/nothing*.csv" count "$D/nothing*.csv" --by 1
expect_fail nonzero "$D/missing.csv" ls "$D/missing.csv"
expect_fail nonzero "$D/nothing*.csv" select "$D/nothing*.csv" --cols 1 --out "$TMP/sel-missing"
if [[ $(id -u) == 0 ]]; then
  echo "note: running as root, so chmod 000 does not stop reads; skipping the unreadable-file case"
else
  cp "$D/good.csv" "$D/locked.csv"
  chmod 000 "$D/locked.csv"
  expect_fail 1 "$D/locked.csv" count "$D/good.csv" "$D/locked.csv" --by 1
  chmod 644 "$D/locked.csv"
  rm -f "$D/locked.csv"
fi
# A path through a regular file, and a dangling symbolic link.
expect_fail nonzero "$D/good.csv/x.csv" count "$D/good.csv/x.csv" --by 1
ln -s "$D/nowhere.csv" "$D/dangling.csv"
expect_fail nonzero "$D/dangling.csv" count "$D/dangling.csv" --by 1
rm -f "$D/dangling.csv"
# select cannot write into a regular file.
expect_fail nonzero "$D/good.csv" select "$D/short.csv" --cols 1 --out "$D/good.csv"

# ---- unknown columns name the object (and its header) ---------------------------------
expect_fail 1 "$D/other_header.csv" count "$D/good.csv" "$D/other_header.csv" --by passenger_count
expect_fail 1 "passenger_count" count "$D/good.csv" "$D/other_header.csv" --by passenger_count
expect_fail 1 "$D/other_header.csv" agg "$D/other_header.csv" --by id --sum 'total_amount|total_amt'
expect_fail 1 "$D/other_header.csv" count "$D/other_header.csv" --by id --where 'nosuch > 1'
expect_fail 1 "$D/other_header.csv" select "$D/other_header.csv" --cols id,nosuch --out "$TMP/sel-col"
check_true "select with an unknown column leaves no output file" \
  test ! -e "$TMP/sel-col/other_header.csv"
# A header-only object must still have the column.
printf 'a,b\n' >"$D/headeronly.csv"
expect_fail 1 "$D/headeronly.csv" count "$D/headeronly.csv" --by passenger_count
# A name with --header no cannot be resolved.
expect_fail 1 "$D/good.csv" count "$D/good.csv" --by passenger_count --header no

# ---- corrupt compressed data --------------------------------------------------------
seq 1 20000 | sed 's/^/row,/' | (printf 'name,n\n'; cat) | gzip -c >"$D/full.csv.gz"
head -c 3000 "$D/full.csv.gz" >"$D/truncated.csv.gz"
expect_fail 1 "$D/truncated.csv.gz" count "$D/good.csv" "$D/truncated.csv.gz" --by 1
expect_fail 1 "$D/truncated.csv.gz" agg "$D/truncated.csv.gz" --by 1 --sum 2 --threads 1
# Corrupt bytes in the middle of the deflate stream (CRC or stream error).
/usr/bin/python3 - "$D/full.csv.gz" "$D/flipped.gz" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
for i in range(200, len(data) - 20, 97):
    data[i] ^= 0x5A
open(sys.argv[2], 'wb').write(data)
EOF
expect_fail 1 "$D/flipped.gz" count "$D/flipped.gz" --by 1
seq 1 20000 | zstd -q -c >"$D/full.zst"
head -c 2000 "$D/full.zst" >"$D/truncated.zst"
expect_fail 1 "$D/truncated.zst" count "$D/truncated.zst" --by 1
# Only gzip's magic bytes: nothing after them.
printf '\x1f\x8b' >"$D/magic-only"
expect_fail 1 "$D/magic-only" count "$D/magic-only" --by 1

# ---- --strict: the first skipped row is an error naming the object and its line ---------
expect_fail 1 "$D/short.csv" count "$D/short.csv" --by 3 --strict
# stderr_names_line TAG N: stderr (with the test directory's path removed) has the
# number N on its own, e.g. "short.csv:4" or "line 4".
stderr_names_line() {
  sed "s#$D##g" "$TMP/err.$1" | grep -qE "(^|[^0-9])$2([^0-9]|\$)"
}
run_fanout strict count "$D/short.csv" --by 3 --strict
check_true "--strict names line 4 of short.csv: $(cat "$TMP/err.strict")" stderr_names_line strict 4
run_ref rstrict count "$D/short.csv" --by 3 --strict
check_eq "reference agrees that --strict fails" "$(rc_of rstrict)" 1
printf 'id,v\n1,2\n2,x\n' >"$D/nonnum.csv"
expect_fail 1 "$D/nonnum.csv" agg "$D/nonnum.csv" --by id --sum v --strict
run_fanout strict agg "$D/nonnum.csv" --by id --sum v --strict --range-size 1 --threads 2
check_true "--strict names line 3 of nonnum.csv: $(cat "$TMP/err.strict")" stderr_names_line strict 3
# Without --strict the same inputs succeed.
compare_ok count "$D/short.csv" --by 3
compare_ok agg "$D/nonnum.csv" --by id --sum v

# ---- command-line mistakes: exit 2 ----------------------------------------------------
expect_fail 2 "passenger_count" count "$D/good.csv" --by 1 --where 'passenger_count'
expect_fail 2 "passenger_count ~ 3" count "$D/good.csv" --by 1 --where 'passenger_count ~ 3'
expect_fail 2 "> 3" count "$D/good.csv" --by 1 --where '> 3'
expect_fail 2 "xml" count "$D/good.csv" --by 1 --format xml
expect_fail 2 "maybe" count "$D/good.csv" --by 1 --header maybe
# Without --by, count is one row over every row (no longer a usage error).
run_fanout noby count "$D/good.csv" --format csv
check_eq "count without --by: one row" "$(rc_of noby) $(tr '\n' ' ' <"$TMP/out.noby")" "0 count 2 "
expect_fail 2 "nosuchcommand" nosuchcommand "$D/good.csv"
expect_fail 2 "--nosuchflag" count "$D/good.csv" --by 1 --nosuchflag
expect_fail 2 "--cols" select "$D/good.csv" --out "$TMP/sel-nocols"

# ---- garbage never crashes or hangs -------------------------------------------------
# Small objects, because a range size of 1 byte makes one task per byte.
G=$TMP/garbage
mkdir -p "$G"
"$PY" - "$G" <<'EOF'
import os, random, sys
out = sys.argv[1]
rng = random.Random(20240601)
def write(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
write('random.bin', bytes(rng.randrange(256) for _ in range(2000)))
write('nul.csv', b'a,b\n' + bytes(rng.choice(b'\x00,\n"x1') for _ in range(2000)))
write('quotes.csv', bytes(rng.choice(b'"",\n\r1a') for _ in range(2000)))
write('lonequote.csv', b'a,b\n1,"2\n3,4\n' * 20 + b'"')
write('midquote.csv', b'a,b\n1,x"y\n2,"z"w\n3,""\n' * 20)
write('crs.csv', b'a,b\r1,2\r\r3,4\r\n5\r' * 20)
write('manyfields.csv', b','.join([b'f'] * 300) + b'\n' + b','.join([b'1'] * 300) + b'\n')
write('fake.gz', b'\x1f\x8b' + bytes(rng.randrange(256) for _ in range(2000)))
write('fake.zst', b'\x28\xb5\x2f\xfd' + bytes(rng.randrange(256) for _ in range(2000)))
write('onlynewlines.csv', b'\n\r\n\n' * 200)
write('onequote.csv', b'"')
EOF
for f in "$G"/*; do
  for r in 1 7 64MiB; do
    expect_no_crash count "$f" --by 1 --range-size "$r" --threads 3 --quiet
  done
  for r in 3 64MiB; do
    expect_no_crash agg "$f" --by 2 --sum 1 --mean 2 --min 1 --max 2 --range-size "$r" --buffer-size 7 --quiet
    expect_no_crash count "$f" --by 1,2 --where '1 > 0' --range-size "$r" --header no --quiet
    rm -rf "$TMP/gsel"
    expect_no_crash select "$f" --cols 1-3 --out "$TMP/gsel" --range-size "$r" --quiet
  done
done
expect_no_crash count "$G" --by 1 --range-size 3 --threads 4 --quiet
expect_no_crash count "$G" --by 1 --delimiter '\t' --range-size 2 --quiet

# One row much longer than the buffer and than the range size.
"$PY" -c 'import sys; sys.stdout.buffer.write(b"a,b\n" + b"x" * 100000 + b",1\n2,3\n")' >"$TMP/longline.csv"
for r in 4096 64MiB; do
  expect_no_crash agg "$TMP/longline.csv" --by 1 --sum 2 --range-size "$r" --buffer-size 7 --quiet
  rm -rf "$TMP/gsel"
  expect_no_crash select "$TMP/longline.csv" --cols 1 --out "$TMP/gsel" --range-size "$r" --buffer-size 1000 --quiet
done
compare_ok agg "$TMP/longline.csv" --by 1 --sum 2 --range-size 4096 --buffer-size 64
# A row longer than --max-row is an error naming the object.
expect_fail 1 "$TMP/longline.csv" count "$TMP/longline.csv" --by 1 --max-row 1000
expect_fail 1 "$TMP/longline.csv" count "$TMP/longline.csv" --by 1 --max-row 1000 --range-size 4096 --threads 3

finish
