#!/usr/bin/env bash
# The deadlines of tests/e2e/lib.sh: a fanout run that hangs is stopped and fails its
# test with a message naming the command, in the foreground (run_fanout, run_fault)
# and in the background (fanout_start, fanout_wait), also when it ignores TERM; a run
# that ends keeps its own exit status, and FANOUT_PID is the run's own process.
source "$(dirname "$0")/lib.sh"

# A stand-in for fanout: "hang" sleeps, "stubborn" ignores TERM too, "exit N" exits
# with N; anything else (lib.sh's kernel probe) fails at once.
standin=$TMP/standin-fanout
cat >"$standin" <<'EOS'
#!/usr/bin/env bash
case ${1:-} in
  hang) exec sleep 60 ;;
  stubborn) trap '' TERM; while :; do sleep 0.2; done ;;
  exit) exit "$2" ;;
  *) exit 1 ;;
esac
EOS
chmod 755 "$standin"

# child TAG SCRIPT: runs SCRIPT in a bash that sourced lib.sh, with the stand-in as
# fanout and deadlines of 1 s (faults) and 2 s (other runs), KILL 1 s after TERM.
# Its stdout, stderr and exit status go to $TMP/child.{out,err,rc}.TAG, its time in
# seconds to $TMP/child.secs.TAG.
child() {
  local tag=$1 script=$2 start=$SECONDS
  FANOUT=$standin FANOUT_FAULT_TIMEOUT=1 FANOUT_KILL_AFTER=1 FANOUT_TEST_TIMEOUT=2 \
    bash -c "source '$E2E_DIR/lib.sh'; $script" >"$TMP/child.out.$tag" 2>"$TMP/child.err.$tag" </dev/null
  echo $? >"$TMP/child.rc.$tag"
  echo $((SECONDS - start)) >"$TMP/child.secs.$tag"
}

# expect_stopped TAG SECONDS: the child failed, said its run hung, and saw status 124.
expect_stopped() {
  local tag=$1 seconds=$2
  check_eq "$tag: the test failed" "$(cat "$TMP/child.rc.$tag")" 1
  check_true "$tag: it says the run hung, naming it ($(head -c 300 "$TMP/child.err.$tag"))" \
    grep -qE "fanout did not finish within $seconds s and was stopped \(a hang\?\): .*standin-fanout (hang|stubborn)" \
    "$TMP/child.err.$tag"
  check_true "$tag: the run's status is 124 ($(cat "$TMP/child.out.$tag"))" grep -qx "rc=124" "$TMP/child.out.$tag"
  check_true "$tag: stopped within seconds ($(cat "$TMP/child.secs.$tag") s)" test "$(cat "$TMP/child.secs.$tag")" -le 8
}

child fg 'run_fanout x hang; echo rc=$(rc_of x); finish'
expect_stopped fg 2
child fault 'run_fault x hang; echo rc=$(rc_of x); finish'
expect_stopped fault 1
child bg 'fanout_start x hang; fanout_wait x; echo rc=$?; finish'
expect_stopped bg 1
child stubborn 'fanout_start x stubborn; fanout_wait x; echo rc=$?; finish'
expect_stopped stubborn 1
child expect 'RUN_TIMEOUT=1 expect_fail 1 "" hang; finish'
check_eq "expect_fail on a hung run: the test failed" "$(cat "$TMP/child.rc.expect")" 1
check_true "expect_fail on a hung run: it says so" grep -q "did not finish within 1 s" "$TMP/child.err.expect"

# Runs that end keep their status and fail nothing.
child ends 'run_fanout a exit 3; echo rc=$(rc_of a); fanout_start b exit 7; fanout_wait b; echo rc=$?; finish'
check_eq "runs that end: the test passes ($(cat "$TMP/child.err.ends"))" "$(cat "$TMP/child.rc.ends")" 0
check_eq "runs that end: their statuses" "$(grep rc= "$TMP/child.out.ends" | tr '\n' ' ')" "rc=3 rc=7 "
check_true "runs that end: no word of a hang" test ! -s "$TMP/child.err.ends"

# FANOUT_PID is the run itself: a signal sent there is the run's, not a timeout.
child pid 'fanout_start x hang; tr "\0" " " </proc/$FANOUT_PID/cmdline; echo; kill -TERM "$FANOUT_PID"; fanout_wait x; echo rc=$?; finish'
check_true "FANOUT_PID is the stand-in ($(head -n 1 "$TMP/child.out.pid"))" \
  grep -q "^sleep 60" "$TMP/child.out.pid"
check_eq "a run ended by a signal to FANOUT_PID: its own status, no failure ($(cat "$TMP/child.err.pid"))" \
  "$(cat "$TMP/child.rc.pid") $(grep rc= "$TMP/child.out.pid")" "0 rc=143"

finish
