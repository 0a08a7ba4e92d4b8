#!/usr/bin/env bash
# fanout run: the user's own commands on every object. The seed's pipeline (a
# python mapper per object, a python merge) equals fanout count on every era,
# locally and on local workers; --out writes each object's output; --split feeds
# line ranges; keys reach commands only through the environment; failures are
# clear, retried, and never leave a result that looks complete.
source "$(dirname "$0")/lib.sh"
require_fanout

SCRIPTS=$E2E_DIR/scripts
data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 10 --rows 3000 --seed 41 --quiet || die "gen-taxi failed"
"$FANOUT" gen-taxi --out "$TMP/gz" --files 2 --rows 2000 --seed 42 --compress gz --quiet || die "gen-taxi gz failed"
cp "$TMP"/gz/*.gz "$data/"
run_fanout want count --by passenger_count "$data" --format csv --quiet
[[ $(rc_of want) == 0 ]] || die "fanout count failed: $(cat "$TMP/err.want")"

MAPRED=(run --ship "$SCRIPTS/passenger_map.py" --cmd 'python3 passenger_map.py'
        --merge "python3 '$SCRIPTS/passenger_merge.py'")
for cluster in "" "--workers 1" "--workers 3"; do
  read -r -a c <<<"$cluster"
  run_fanout mr "${MAPRED[@]}" "$data" --quiet "${c[@]}"
  check_eq "python map + merge ${cluster:-locally}: exit ($(head -c 500 "$TMP/err.mr"))" "$(rc_of mr)" 0
  check_files_equal "python map + merge ${cluster:-locally} equals fanout count" "$TMP/out.mr" "$TMP/out.want"
done

# --out: one output per input, named after it (compression suffix dropped),
# equal to running the command on that object by hand.
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  rm -rf "$TMP/out"
  run_fanout outdir run --cmd 'cut -d, -f1-3 | sort' --out "$TMP/out" "$data" --quiet "${c[@]}"
  check_eq "--out ${cluster:-locally}: exit ($(head -c 300 "$TMP/err.outdir"))" "$(rc_of outdir)" 0
  for f in "$data"/*; do
    name=$(basename "$f" .gz)
    if [[ $f == *.gz ]]; then gzip -dc "$f"; else cat "$f"; fi | cut -d, -f1-3 | sort >"$TMP/expect"
    check_files_equal "--out ${cluster:-locally}: $name" "$TMP/out/$name" "$TMP/expect"
  done
  check_eq "--out ${cluster:-locally}: no temporary files left" "$(ls -A "$TMP/out" | grep -c '^\.')" 0
done

# --split: line ranges; every line exactly once whatever the range size (a small
# object for the tiny ranges: each range is a command started).
small=$TMP/small
"$FANOUT" gen-taxi --out "$small" --files 1 --rows 20 --seed 43 --quiet || die "gen-taxi small failed"
total=$(cat "$small"/*.csv | wc -l)
for range in 7 64 1000 7777 1MiB; do
  run_fanout split run --split --range-size "$range" --cmd 'wc -l' --merge 'awk "{s += \$1} END {print s}"' "$small" --quiet
  check_eq "--split --range-size $range: every line once" "$(cat "$TMP/out.split")" "$total"
done
run_fanout splitw run --split --range-size 5000 --cmd 'cat' --merge 'sort | md5sum' "$data" --quiet --workers 2
expect_sum=$( (cat "$data"/*.csv; gzip -dc "$data"/*.gz) | sort | md5sum)
check_eq "--split on workers: the same lines, none lost or doubled" "$(cat "$TMP/out.splitw")" "$expect_sum"

# Keys reach the command through the environment only.
odd=$TMP/odd
mkdir -p "$odd"
names=('a b.csv' "quote ' and \".csv" 'dollar $(touch pwned) `id`.csv' $'new\nline.csv' 'semi;colon&amp.csv')
for n in "${names[@]}"; do printf 'x\n1\n' >"$odd/$n"; done
(cd "$TMP" && "$FANOUT" run --cmd 'printf "%s\0" "$FANOUT_KEY"' --merge 'cat' "$odd" --quiet >"$TMP/keys") ||
  fail "run over odd names failed"
expected=$(for n in "${names[@]}"; do printf '%s\0' "$odd/$n"; done | tr '\0' '\n' | sort)
check_eq "every odd key arrives intact in FANOUT_KEY" "$(tr '\0' '\n' <"$TMP/keys" | sort)" "$expected"
check_true "no command ran from a key" test ! -e "$TMP/pwned" -a ! -e "$odd/pwned" -a ! -e pwned
run_fanout env run --cmd 'echo "$FANOUT_TASK"' --merge 'sort -n' "$odd" --quiet --workers 2
check_eq "FANOUT_TASK numbers the tasks" "$(tr '\n' ' ' <"$TMP/out.env")" "0 1 2 3 4 "

# Failures: the job fails, says which object and why, prints nothing on stdout.
expect_fail 1 "the command exited with status 3" run --cmd 'echo oops >&2; exit 3' --merge cat "$data" --max-attempts 2
check_true "the command's stderr is shown" grep -q oops "$TMP/err.ef"
check_true "it was retried" grep -q "retrying (2 of 2)" "$TMP/err.ef"
expect_fail 1 "status 3" run --cmd 'exit 3' --merge cat "$data" --fail-fast
check_true "--fail-fast: no retry" bash -c "! grep -q retrying '$TMP/err.ef'"
expect_fail 1 "exited with status 1" run --cmd 'false | cat' --merge cat "$data" --max-attempts 1
expect_fail 1 "on local-" run --cmd 'exit 4' --merge cat "$data" --workers 2 --max-attempts 2
expect_fail 1 "the merge command 'exit 5' exited with status 5" run --cmd 'cat' --merge 'exit 5' "$data"
expect_fail 1 "--ship $TMP/missing.py" run --ship "$TMP/missing.py" --cmd cat --merge cat "$data"
expect_fail 2 "either --merge" run --cmd cat "$data"
expect_fail 2 "either --merge" run --cmd cat --merge cat --out "$TMP/x" "$data"
mkdir -p "$TMP/dup/a" "$TMP/dup/b" && cp "$data/$(ls "$data" | head -n 1)" "$TMP/dup/a/" &&
  cp "$data/$(ls "$data" | head -n 1)" "$TMP/dup/b/"
expect_fail 1 "would both be written" run --cmd cat --out "$TMP/dupout" "$TMP/dup"

# A merge command that fails after printing part of a result: nothing reaches
# stdout, and the error names the command, its status and its last words.
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  expect_fail 1 "the merge command 'echo partial result; echo why >&2; exit 5' exited with status 5:"$'\n'"why" \
    run --cmd cat --merge 'echo partial result; echo why >&2; exit 5' "$data" "${c[@]}"
done
# The merge's result written to a full disk is an error, not a silent exit 0.
timeout "$RUN_TIMEOUT" "$FANOUT" run --cmd cat --merge cat "$data" --quiet >/dev/full 2>"$TMP/err.full" </dev/null
rc=$?
check_eq "run --merge > /dev/full: exit status ($(cat "$TMP/err.full"))" "$rc" 1
check_true "run --merge > /dev/full: says why" grep -q "standard output: No space left on device" "$TMP/err.full"
# A reader that stops early (head) ends the copy quietly.
timeout "$RUN_TIMEOUT" "$FANOUT" run --cmd cat --merge cat "$data" --quiet 2>"$TMP/err.head" </dev/null | head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
check_eq "run --merge | head: exit status ($(cat "$TMP/err.head"))" "$rc" 0

# --ship: a command that writes to its shipped file changes its own copy, never
# the user's file or the workers' cache (which later jobs would then run), and
# a cache entry that no longer matches its sha256 is fetched again, not used.
export XDG_CACHE_HOME=$TMP/cache
shipdir=$TMP/ship
mkdir -p "$shipdir"
printf 'print("original")\n' >"$shipdir/t.py"
cp "$shipdir/t.py" "$TMP/t.py.orig"
sha=$(sha256sum "$shipdir/t.py" | cut -d' ' -f1)
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  where=${cluster:-locally}
  run_fanout shipw run --ship "$shipdir/t.py" --cmd 'echo changed > t.py; cat t.py' --merge 'sort -u' "$data" \
    --quiet "${c[@]}"
  check_eq "--ship $where: a command may change its own copy ($(head -c 300 "$TMP/err.shipw"))" \
    "$(cat "$TMP/out.shipw")" "changed"
  check_files_equal "--ship $where: the user's file is unchanged" "$shipdir/t.py" "$TMP/t.py.orig"
  if [[ -n $cluster ]]; then
    check_files_equal "--ship $where: the cache entry is unchanged" "$XDG_CACHE_HOME/fanout/ship/$sha" "$TMP/t.py.orig"
  fi
  run_fanout shipr run --ship "$shipdir/t.py" --cmd 'cat t.py' --merge 'sort -u' "$data" --quiet "${c[@]}"
  check_files_equal "--ship $where: the next job's commands see the original" "$TMP/out.shipr" "$TMP/t.py.orig"
done
printf 'print("poisoned")\n' >"$XDG_CACHE_HOME/fanout/ship/$sha"
run_fanout shipp run --ship "$shipdir/t.py" --cmd 'cat t.py' --merge 'sort -u' "$data" --quiet --workers 1
check_files_equal "--ship: a cache entry that does not match its sha256 is not used" "$TMP/out.shipp" "$TMP/t.py.orig"
check_files_equal "--ship: ... and is fetched again" "$XDG_CACHE_HOME/fanout/ship/$sha" "$TMP/t.py.orig"
check_eq "--ship: no job directory is left in the cache" "$(ls -d "$XDG_CACHE_HOME"/fanout/run.* 2>/dev/null)" ""
unset XDG_CACHE_HOME

# A command that exits non-zero runs twice in all by default — the second time
# on another worker when there is one — then the job fails; --command-attempts
# and --fail-fast say otherwise.
one=$TMP/one
mkdir -p "$one"
printf 'x\n1\n' >"$one/a.csv"
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  where=${cluster:-locally}
  rm -f "$TMP/attempts"
  expect_fail 1 "failed 2 times; giving up" run --cmd "echo \$PPID >>'$TMP/attempts'; exit 3" --merge cat "$one" \
    "${c[@]}"
  check_eq "a failed command $where: run twice in all" "$(wc -l <"$TMP/attempts")" 2
  if [[ -n $cluster ]]; then
    check_eq "a failed command $where: the retry ran on another worker" "$(sort -u "$TMP/attempts" | wc -l)" 2
  fi
  rm -f "$TMP/attempts"
  expect_fail 1 "failed 3 times; giving up" run --cmd "echo \$PPID >>'$TMP/attempts'; exit 3" --merge cat "$one" \
    --command-attempts 3 "${c[@]}"
  check_eq "--command-attempts 3 $where: run three times" "$(wc -l <"$TMP/attempts")" 3
  rm -f "$TMP/attempts"
  expect_fail 1 "status 3" run --cmd "echo \$PPID >>'$TMP/attempts'; exit 3" --merge cat "$one" --fail-fast "${c[@]}"
  check_eq "--fail-fast $where: run once" "$(wc -l <"$TMP/attempts")" 1
done
expect_fail 2 "--command-attempts" run --cmd cat --merge cat --command-attempts 0 "$one"

# run counts the lines it feeds to commands, locally and on workers.
lines=$( (cat "$data"/*.csv; gzip -dc "$data"/*.gz) | wc -l)
lines=$("$PY" -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$lines")
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  run_fanout lines run --cmd cat --merge 'wc -l' "$data" "${c[@]}"
  check_true "run ${cluster:-locally}: the summary counts the lines fed to commands ($lines): $(tail -n 3 "$TMP/err.lines")" \
    grep -q " $lines lines fed to commands" "$TMP/err.lines"
done

# The first example of `fanout run --help`, run literally, gives the numbers
# fanout count gives.
example=$("$FANOUT" run --help | grep -A1 'the numbers fanout count --by passenger_count gives' | tail -n 1 | sed 's/^ *//')
check_true "the help's first example is a whole command line: $example" test "${example:0:11}" = "fanout run " -a \
  "${example: -6}" = " data/"
mkdir -p "$TMP/bin"
ln -sf "$FANOUT" "$TMP/bin/fanout"
(cd "$TMP" && PATH=$TMP/bin:$PATH bash -c "$example --quiet" >"$TMP/example.out" 2>"$TMP/example.err")
rc=$?
check_eq "the help's example runs ($(head -c 300 "$TMP/example.err"))" "$rc" 0
awk '{c = $NF; $NF = ""; sub(/ +$/, ""); print $0 "," c}' "$TMP/example.out" | LC_ALL=C sort >"$TMP/example.got"
tail -n +2 "$TMP/out.want" | LC_ALL=C sort >"$TMP/example.want"
check_files_equal "the help's example gives the counts fanout count gives" "$TMP/example.got" "$TMP/example.want"

finish
