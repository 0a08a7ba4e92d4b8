#!/usr/bin/env bash
# A result that cannot be written is an error (exit 1, naming what failed), never a
# short answer with exit 0: stdout to /dev/full and to a full tmpfs, select --out on
# a full tmpfs (and no temporary files left there). A reader that closes the pipe
# early (| head) ends fanout quietly with status 0.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/w
mkdir -p "$D"
# 250,000 groups: a result far bigger than any stdio or pipe buffer.
"$PY" -c '
import sys
sys.stdout.write("k,v\n" + "".join(f"key{i},{i % 7}\n" for i in range(250000)))' >"$D/many.csv"
printf 'k,v\na,1\nb,2\na,3\n' >"$D/small.csv"

# run_to OUT TAG ARGS...: fanout with stdout to OUT.
run_to() {
  local out=$1 tag=$2; shift 2
  timeout "$RUN_TIMEOUT" "$FANOUT" "$@" >"$out" 2>"$TMP/err.$tag" </dev/null
  echo $? >"$TMP/rc.$tag"
  check_no_sanitizer_report "$TMP/err.$tag" "$@"
}

# ---- /dev/full ---------------------------------------------------------------------
while read -r -a args; do
  run_to /dev/full full "${args[@]}" --quiet
  check_eq "exit status of $(show_cmd fanout "${args[@]}") >/dev/full" "$(rc_of full)" 1
  check_true "$(show_cmd fanout "${args[@]}") >/dev/full names standard output and the reason: $(cat "$TMP/err.full")" \
    grep -q 'standard output.*No space left on device' "$TMP/err.full"
done <<EOF2
count --by k $D/small.csv
count --by k $D/many.csv
count --by k $D/many.csv --format table
count --by k $D/many.csv --format json
agg --by k --sum v --mean v $D/small.csv
count --by k $D/many.csv --workers 2
EOF2
# ls and cat have no --quiet.
for cmd in "ls $D/small.csv" "cat $D/small.csv" "cat $D/many.csv"; do
  read -r -a args <<<"$cmd"
  run_to /dev/full full "${args[@]}"
  check_eq "exit status of fanout $cmd >/dev/full" "$(rc_of full)" 1
  check_true "fanout $cmd >/dev/full names standard output: $(cat "$TMP/err.full")" \
    grep -q 'standard output.*No space left on device' "$TMP/err.full"
done

# ---- a full file system --------------------------------------------------------------
FULL=$D/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=1m tmpfs "$FULL" 2>"$TMP/mount.err"; then
  trap 'umount "$FULL" 2>/dev/null; rm -rf "$TMP"' EXIT
  run_to "$FULL/out.csv" tmpfs count --by k "$D/many.csv" --quiet
  check_eq "count into a full tmpfs: exit status" "$(rc_of tmpfs)" 1
  check_true "count into a full tmpfs says why: $(cat "$TMP/err.tmpfs")" \
    grep -q 'standard output.*No space left on device' "$TMP/err.tmpfs"
  rm -f "$FULL/out.csv"
  # select: the output file cannot be written; nothing is left behind in --out.
  for opts in "--threads 1" "--threads 2 --range-size 300000"; do
    read -r -a o <<<"$opts"
    run_fanout sel select --cols 1,2 "$D/many.csv" --out "$FULL/sel" --quiet "${o[@]}"
    check_eq "select into a full tmpfs ($opts): exit status" "$(rc_of sel)" 1
    check_true "select into a full tmpfs ($opts) names the file and the reason: $(cat "$TMP/err.sel")" \
      grep -q "$FULL/sel/.*No space left on device" "$TMP/err.sel"
    check_eq "select into a full tmpfs ($opts) leaves no files" "$(ls -A "$FULL/sel" | tr '\n' ' ')" ""
  done
else
  echo "$TEST_NAME: SKIP the full-tmpfs checks (cannot mount a tmpfs: $(cat "$TMP/mount.err"))"
fi

# ---- a reader that closes the pipe early -------------------------------------------
# pipe_head TAG ARGS...: fanout ARGS | head -n 1; records fanout's own exit status.
pipe_head() {
  local tag=$1; shift
  timeout "$RUN_TIMEOUT" "$FANOUT" "$@" 2>"$TMP/err.$tag" </dev/null | head -n 1 >"$TMP/out.$tag"
  echo "${PIPESTATUS[0]}" >"$TMP/rc.$tag"
}
for cmd in "cat $D/many.csv" "count --by k $D/many.csv --quiet" "count --by k $D/many.csv --quiet --format json" \
           "count --by k $D/many.csv --quiet --workers 2"; do
  read -r -a args <<<"$cmd"
  pipe_head head "${args[@]}"
  check_eq "fanout $cmd | head -n 1: fanout's exit status" "$(rc_of head)" 0
  check_eq "fanout $cmd | head -n 1: nothing on stderr" "$(head -c 300 "$TMP/err.head")" ""
  check_true "fanout $cmd | head -n 1 printed its first line" test -s "$TMP/out.head"
done

finish
