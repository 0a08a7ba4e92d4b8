#!/usr/bin/env bash
# docs/cli.md, README.md and every `fanout COMMAND --help` agree on the flags: each
# option a command's --help lists is documented for that command, each flag the docs
# mention is an option of the commands they speak of, and every example (in the docs,
# the README and the --help texts) uses only its command's options
# (tests/e2e/docs_flags.py says how).
source "$(dirname "$0")/lib.sh"
require_fanout

if "$PY" "$E2E_DIR/docs_flags.py" "$FANOUT" "$FANOUT_SRC/docs/cli.md" "$FANOUT_SRC/README.md" >"$TMP/docs" 2>&1; then
  pass
else
  fail "docs, README and --help disagree:"$'\n'"$(cat "$TMP/docs")"
fi

# The checker itself: a flag no command has, in the docs and in an example, is found.
sed 's/^`fanout run --cmd CMD INPUT...` runs/`--no-such-flag` and `fanout run --cmd CMD --nope INPUT...` runs/' \
  "$FANOUT_SRC/docs/cli.md" >"$TMP/cli-bad.md"
"$PY" "$E2E_DIR/docs_flags.py" "$FANOUT" "$TMP/cli-bad.md" "$FANOUT_SRC/README.md" >"$TMP/docs-bad" 2>&1
check_eq "the checker fails on a made-up flag" "$?" 1
check_true "the checker names a made-up flag in the prose" grep -q -- "--no-such-flag is an option of none of run" "$TMP/docs-bad"
check_true "the checker names a made-up flag in an example" grep -q -- "uses --nope" "$TMP/docs-bad"

# The README's examples on local data run as written (in a directory of their own;
# the sample data smaller). Those that need S3, hosts or EC2 machines are other
# tests' business (tests/cluster/ec2_cluster_test.sh runs the cluster workflow).
mkdir -p "$TMP/readme"
n=0
while IFS= read -r line; do
  line=${line%%  #*}
  if [[ $line =~ ^[A-Z_]+= ]]; then  # a variable the examples after it use
    eval "$line"
    continue
  fi
  [[ $line =~ s3://|--hosts|--cluster|https?://|^fanout\ (cluster|exec)\  ]] && continue
  line=${line/--size 2GB/--size 2MB}
  n=$((n + 1))
  quiet=--quiet
  [[ $line == "fanout ls "* ]] && quiet=
  (cd "$TMP/readme" && eval "timeout $RUN_TIMEOUT \"\$FANOUT\"${line#fanout} $quiet" >"$TMP/readme.out" 2>"$TMP/readme.err")
  rc=$?
  check_eq "README example runs: $line ($(head -c 300 "$TMP/readme.err"))" "$rc" 0
  [[ $line == *"--out "* || $line == *gen-taxi* ]] || check_true "README example prints a result: $line" test -s "$TMP/readme.out"
done < <(grep -E '^(fanout |[A-Z_]+=)' "$FANOUT_SRC/README.md")
check_true "README has local examples ($n)" test "$n" -ge 6
check_eq "the README's select wrote a file per input" "$(ls "$TMP/readme/selected" | wc -l)" 12

finish
