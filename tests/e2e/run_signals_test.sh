#!/usr/bin/env bash
# fanout run stopped from outside: Ctrl-C (SIGINT), SIGTERM and `timeout` end
# the user's commands too — every process of their pipelines, locally and on
# local workers — and leave no temporary file behind; what a job killed with
# SIGKILL leaves is removed by the next one.
source "$(dirname "$0")/lib.sh"
require_fanout

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 4 --rows 500 --seed 51 --quiet || die "gen-taxi failed"
mv "$data/$(ls "$data" | head -n 1)" "$data/a-fast.csv"
printf 'echo shipped\n' >"$TMP/tool.sh"
export TMPDIR=$TMP/tmp  # fanout's temporary directory, so leftovers can be seen
export XDG_CACHE_HOME=$TMP/cache  # workers' job directories
mkdir -p "$TMPDIR"
dead=$(sh -c 'echo $$')  # a pid that was and is no more

# A background job of a script starts with SIGINT ignored (and fanout keeps a
# signal it was started ignoring ignored): these start with it at its default,
# as a job in a terminal's foreground does.
FOREGROUND=(env --default-signal=INT)
STARTED=()  # pids this test started in the background
cleanup_started() {
  local p
  for p in "${STARTED[@]}"; do kill -KILL "$p" 2>/dev/null; done
  # Commands a broken fanout left running: ours, found by the marker in their
  # command line, ended by pid.
  for p in $(pgrep -f "1000\.$$" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
}
trap 'cleanup_started; rm -rf "$TMP"' EXIT

# The job's command: the first object's output comes at once (so there is a
# spooled output to leave behind), every other object runs a two-process
# pipeline that sleeps "forever"; MARK (in sleep's argument) finds them.
command_for() {
  local mark=$1
  echo "sh tool.sh >/dev/null; case \$FANOUT_KEY in *a-fast.csv) cat ;; *) sleep $mark | sleep $mark ;; esac"
}

# sleeps MARK: how many of this job's sleeps are running.
sleeps() { pgrep -c -f "^sleep $1\$" 2>/dev/null || true; }

# wait_for_sleeps MARK N: until N sleeps run (at most 30 s).
wait_for_sleeps() {
  local i
  for ((i = 0; i < 300; i++)); do
    (($(sleeps "$1") >= $2)) && return 0
    sleep 0.1
  done
  return 1
}

# finished PID: waits for the background job PID (at most 30 s, then it is
# killed); its exit status in $RC.
finished() {
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && kill -KILL "$1"
  wait "$1"
  RC=$?
}

# leftovers MARK: processes of this job still there (waits up to 3 s for
# killed ones to be reaped).
leftovers() {
  local i
  for ((i = 0; i < 30; i++)); do
    pgrep -f "$1" >/dev/null 2>&1 || return 0
    sleep 0.1
  done
  pgrep -a -f "$1"
}

n=0
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  where=${cluster:-locally}
  for how in INT TERM timeout; do
    n=$((n + 1))
    mark="1000.$$$n"
    cmd=$(command_for "$mark")
    args=(run --ship "$TMP/tool.sh" --cmd "$cmd" --merge cat "$data" -t 2 --quiet "${c[@]}")
    if [[ $how == timeout ]]; then
      "${FOREGROUND[@]}" timeout -s TERM 4 "$FANOUT" "${args[@]}" >"$TMP/out.sig" 2>"$TMP/err.sig" </dev/null &
    else
      "${FOREGROUND[@]}" "$FANOUT" "${args[@]}" >"$TMP/out.sig" 2>"$TMP/err.sig" </dev/null &
    fi
    pid=$!
    STARTED+=("$pid")
    if ! wait_for_sleeps "$mark" 2; then
      fail "$where $how: the commands never started: $(head -c 500 "$TMP/err.sig")"
      continue
    fi
    [[ $how == timeout ]] || kill -s "$how" "$pid"
    finished "$pid"
    rc=$RC
    want=$([[ $how == INT ]] && echo 130 || { [[ $how == TERM ]] && echo 143 || echo 124; })
    check_eq "$where $how: exit status ($(head -c 300 "$TMP/err.sig"))" "$rc" "$want"
    check_eq "$where $how: no process of the job's commands is left" "$(leftovers "$mark")" ""
    check_eq "$where $how: nothing on stdout" "$(head -c 100 "$TMP/out.sig")" ""
    check_eq "$where $how: no temporary file is left" "$(ls -A "$TMPDIR")" ""
    check_eq "$where $how: no job directory is left in the cache" "$(ls -d "$XDG_CACHE_HOME"/fanout/run.* 2>/dev/null)" ""
  done
done

# --out: interrupted, it leaves no temporary output in the directory.
mark="1000.$$97"
"${FOREGROUND[@]}" "$FANOUT" run --cmd "$(command_for "$mark")" --ship "$TMP/tool.sh" --out "$TMP/outdir" "$data" -t 2 --quiet \
  >/dev/null 2>"$TMP/err.out" </dev/null &
pid=$!
STARTED+=("$pid")
if wait_for_sleeps "$mark" 2; then
  kill -INT "$pid"
  finished "$pid"
  check_eq "--out, Ctrl-C: exit status" "$RC" 130
  check_eq "--out, Ctrl-C: no process of the job's commands is left" "$(leftovers "$mark")" ""
  check_eq "--out, Ctrl-C: no temporary output is left" "$(ls -A "$TMP/outdir" | grep -c '^\.')" 0
  check_eq "--out, Ctrl-C: no temporary file is left" "$(ls -A "$TMPDIR")" ""
else
  fail "--out: the commands never started: $(head -c 500 "$TMP/err.out")"
fi

# Ctrl-C while the merge command runs stops it too.
mark="1000.$$96"
"${FOREGROUND[@]}" "$FANOUT" run --cmd cat --merge "cat >/dev/null; sleep $mark | sleep $mark" "$data" --quiet \
  >"$TMP/out.merge" 2>"$TMP/err.merge" </dev/null &
pid=$!
STARTED+=("$pid")
if wait_for_sleeps "$mark" 2; then
  kill -INT "$pid"
  finished "$pid"
  check_eq "Ctrl-C in the merge: exit status ($(head -c 300 "$TMP/err.merge"))" "$RC" 130
  check_eq "Ctrl-C in the merge: no process of the merge command is left" "$(leftovers "$mark")" ""
  check_eq "Ctrl-C in the merge: nothing on stdout" "$(head -c 100 "$TMP/out.merge")" ""
  check_eq "Ctrl-C in the merge: no temporary file is left" "$(ls -A "$TMPDIR")" ""
else
  fail "the merge command never started: $(head -c 500 "$TMP/err.merge")"
fi

# SIGKILL cannot be caught: the job's directory stays (and so do its commands,
# ended here by pid) — until the next run, which removes what is stale.
mark="1000.$$98"
"$FANOUT" run --cmd "$(command_for "$mark")" --ship "$TMP/tool.sh" --merge cat "$data" -t 2 --quiet \
  >/dev/null 2>&1 </dev/null &
pid=$!
STARTED+=("$pid")
if wait_for_sleeps "$mark" 2; then
  sleep 0.5  # the fast object's output is spooled by now
  kill -KILL "$pid"
  { wait "$pid"; } 2>/dev/null  # no "Killed" notice
  for p in $(pgrep -f "$mark"); do kill -KILL "$p"; done
  left=$(ls -A "$TMPDIR")
  check_true "SIGKILL: the job's directory stays ($left)" test -n "$left"
  alive=$TMPDIR/fanout-run.$$.live  # a live process's (ours): not stale
  mkdir -p "$alive"
  mkdir -p "$TMP/outdir2"
  touch "$TMP/outdir2/.a-fast.csv.tmp$dead" "$TMP/outdir2/.a-fast.csv.tmp$$" "$TMP/outdir2/.other.csv.tmp$dead"
  run_fanout next run --cmd cat --out "$TMP/outdir2" "$data/a-fast.csv" --quiet
  check_eq "the next run succeeds ($(head -c 300 "$TMP/err.next"))" "$(rc_of next)" 0
  check_eq "the next run removed the killed job's directory, kept a live one" "$(ls -A "$TMPDIR")" "fanout-run.$$.live"
  check_eq "the next run removed its own stale temporary output, kept the rest" \
    "$(ls -A "$TMP/outdir2" | LC_ALL=C sort | tr '\n' ' ')" ".a-fast.csv.tmp$$ .other.csv.tmp$dead a-fast.csv "
  rmdir "$alive"
else
  fail "SIGKILL: the commands never started"
fi

# A worker's job directory left by a killed worker goes with the next job there.
mkdir -p "$XDG_CACHE_HOME/fanout/run.$dead.abcdef/task.x"
run_fanout wnext run --ship "$TMP/tool.sh" --cmd 'sh tool.sh' --merge 'sort -u' "$data/a-fast.csv" --quiet --workers 1
check_eq "a worker's next job: exit ($(head -c 300 "$TMP/err.wnext"))" "$(cat "$TMP/out.wnext")" "shipped"
check_eq "a worker's next job removed the stale job directory" "$(ls -d "$XDG_CACHE_HOME"/fanout/run.* 2>/dev/null)" ""

finish
