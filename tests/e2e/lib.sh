# Shared helpers for the end-to-end tests. Source it; it is not a test itself.
#
# Environment: FANOUT (the binary; default $FANOUT_SRC/build/fanout) and FANOUT_SRC
# (the repository root; default two levels above this file). Every check counts as
# passed or failed; a failed check prints what differed and the script goes on, so
# one run shows every problem. `finish` prints "N passed, M failed" and exits 1 if
# anything failed. `die` is for broken setup: it stops the script at once.

set -u -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FANOUT_SRC=${FANOUT_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
FANOUT=${FANOUT:-$FANOUT_SRC/build/fanout}
PY=${PYTHON:-/usr/bin/python3}
[[ -x $PY ]] || PY=python3
REF=("$PY" "$FANOUT_SRC/tests/reference/fanout_ref.py")
CSVDIFF=("$PY" "$E2E_DIR/csvdiff.py")
RUN_TIMEOUT=${FANOUT_TEST_TIMEOUT:-300}  # seconds for one run of fanout
# Seconds for one run that injects faults (workers killed or stopped, hosts lost,
# servers that misbehave): a scheduler that waits forever must fail the test, not
# hang it. Then TERM; KILL after KILL_AFTER more seconds.
FAULT_TIMEOUT=${FANOUT_FAULT_TIMEOUT:-120}
KILL_AFTER=${FANOUT_KILL_AFTER:-10}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fanout-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

PASSED=0
FAILED=0
TEST_NAME=$(basename "$0" .sh)

die() {
  echo "$TEST_NAME: setup failed: $*" >&2
  exit 1
}

pass() {
  PASSED=$((PASSED + 1))
}

# fail MESSAGE...: records a failed check and prints why.
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL [$TEST_NAME]: $*" >&2
  return 1
}

finish() {
  echo "$TEST_NAME: $PASSED passed, $FAILED failed"
  ((FAILED == 0)) || exit 1
  exit 0
}

# show_cmd ARGS...: the command as one copy-pasteable line (with the scanner kernel
# when one is forced).
show_cmd() {
  local out="" a
  [[ -n ${FANOUT_KERNEL:-} ]] && out="FANOUT_KERNEL=$FANOUT_KERNEL"
  for a in "$@"; do out+=" $(printf '%q' "$a")"; done
  echo "${out# }"
}

require_fanout() {
  [[ -x $FANOUT ]] || die "no fanout binary at $FANOUT (set FANOUT=path/to/build/fanout)"
}

# Each run_* stores stdout, stderr and exit status in $TMP/{out,err,rc}.<tag>.
# run_fanout TAG ARGS...
# A sanitizer report fails the test even when the exit status looks like a normal
# failure (AddressSanitizer exits 1, the same as a failed job). A run that does not
# finish within RUN_TIMEOUT seconds is stopped and fails the test, saying so (its
# status is then 124); set RUN_TIMEOUT for one call with RUN_TIMEOUT=S run_fanout ....
run_fanout() {
  local tag=$1; shift
  timeout --verbose -k "$KILL_AFTER" "$RUN_TIMEOUT" "$FANOUT" "$@" >"$TMP/out.$tag" 2>"$TMP/err.$tag" </dev/null
  echo $? >"$TMP/rc.$tag"
  _check_timed_out "$tag" "$RUN_TIMEOUT" "$(show_cmd "$FANOUT" "$@")"
  check_no_sanitizer_report "$TMP/err.$tag" "$@"
}

# run_fault TAG ARGS...: run_fanout for a run that injects faults: FAULT_TIMEOUT.
run_fault() {
  RUN_TIMEOUT=$FAULT_TIMEOUT run_fanout "$@"
}

# fanout_start TAG ARGS...: starts fanout ARGS in the background (stdout, stderr in
# $TMP/{out,err}.TAG), stopped after FAULT_TIMEOUT seconds. FANOUT_PID is fanout's own
# process: its children are its local workers, and a signal for the job goes there.
# fanout_wait TAG waits for it.
declare -A _FANOUT_TIMEOUT_PID=()
fanout_start() {
  local tag=$1; shift
  timeout --verbose -k "$KILL_AFTER" "$FAULT_TIMEOUT" "$FANOUT" "$@" >"$TMP/out.$tag" 2>"$TMP/err.$tag" </dev/null &
  local keeper=$! i
  _FANOUT_TIMEOUT_PID[$tag]=$keeper
  show_cmd "$FANOUT" "$@" >"$TMP/cmd.$tag"
  FANOUT_PID=
  for ((i = 0; i < 1000; i++)); do  # timeout forks fanout at once; this waits for the fork
    FANOUT_PID=$(pgrep -P "$keeper" | head -n 1)
    [[ -n $FANOUT_PID ]] && return 0
    kill -0 "$keeper" 2>/dev/null || break
    sleep 0.01
  done
  FANOUT_PID=$keeper  # it ended already (or never forked): signals go to timeout, which passes them on
}

# fanout_wait TAG: waits for the run `fanout_start TAG` began, stores its exit status
# in $TMP/rc.TAG and returns it. One that had to be stopped fails the test, naming the
# command (status 124).
fanout_wait() {
  local tag=$1 rc
  wait "${_FANOUT_TIMEOUT_PID[$tag]}"
  rc=$?
  echo "$rc" >"$TMP/rc.$tag"
  _check_timed_out "$tag" "$FAULT_TIMEOUT" "$(cat "$TMP/cmd.$tag")"
  check_no_sanitizer_report "$TMP/err.$tag"
  return "$(rc_of "$tag")"
}

# _check_timed_out TAG SECONDS COMMAND: when timeout(1) stopped run TAG (it says so on
# stderr), fails the test saying which command hung, and sets its status to 124.
_check_timed_out() {
  local tag=$1 seconds=$2 cmd=$3
  grep -q '^timeout: sending signal' "$TMP/err.$tag" || return 0
  echo 124 >"$TMP/rc.$tag"
  fail "$tag: fanout did not finish within $seconds s and was stopped (a hang?): $cmd"$'\n'"its stderr: $(grep -v '^timeout: sending signal' "$TMP/err.$tag" | tail -c 1500)"
  return 0
}

# check_no_sanitizer_report STDERR_FILE ARGS...
check_no_sanitizer_report() {
  local err=$1; shift
  if grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$err"; then
    fail "sanitizer report from: $(show_cmd "$FANOUT" "$@")"$'\n'"$(grep -m 5 -E 'Sanitizer|runtime error:|#[0-9] ' "$err")"
  fi
  return 0
}

# run_ref TAG ARGS...
run_ref() {
  local tag=$1; shift
  "${REF[@]}" "$@" >"$TMP/out.$tag" 2>"$TMP/err.$tag" </dev/null
  echo $? >"$TMP/rc.$tag"
}

rc_of() { cat "$TMP/rc.$1"; }

# check_table REFTAG ARGS...: runs fanout with ARGS (plus --quiet) and compares its
# exit status and CSV output with the reference output already stored under REFTAG.
check_table() {
  local reftag=$1; shift
  run_fanout fan "$@" --quiet
  local frc rrc
  frc=$(rc_of fan) rrc=$(rc_of "$reftag")
  if [[ $frc != "$rrc" ]]; then
    fail "exit status fanout=$frc reference=$rrc for: $(show_cmd "$FANOUT" "$@")"$'\n'"fanout stderr: $(head -c 2000 "$TMP/err.fan")"$'\n'"reference stderr: $(head -c 2000 "$TMP/err.$reftag")"
    return 1
  fi
  if [[ $frc != 0 ]]; then
    pass
    return 0
  fi
  if ! "${CSVDIFF[@]}" "$TMP/out.fan" "$TMP/out.$reftag" >"$TMP/diff" 2>&1; then
    fail "output differs from the reference for: $(show_cmd "$FANOUT" "$@")"$'\n'"$(head -c 4000 "$TMP/diff")"
    return 1
  fi
  pass
}

# compare ARGS...: runs the reference and fanout with the same ARGS and compares.
compare() {
  run_ref ref "$@"
  if [[ $(rc_of ref) != 0 ]] && ! grep -q . "$TMP/err.ref"; then
    die "reference failed silently for: $(show_cmd "$@")"
  fi
  check_table ref "$@"
}

# compare_ok ARGS...: like compare, but the reference must succeed (so a typo in a
# test cannot turn into two matching errors).
compare_ok() {
  run_ref ref "$@"
  if [[ $(rc_of ref) != 0 ]]; then
    fail "reference failed for: $(show_cmd "$@"): $(cat "$TMP/err.ref")"
    return 1
  fi
  check_table ref "$@"
}

# check_summary ARGS...: runs both with ARGS; compares fanout's stderr summary line
# (objects, rows, skipped by reason) with the reference's --stats.
check_summary() {
  run_ref sref "$@" --stats
  run_fanout sfan "$@"
  if [[ $(rc_of sref) != 0 || $(rc_of sfan) != 0 ]]; then
    fail "summary run failed (fanout=$(rc_of sfan) reference=$(rc_of sref)): $(show_cmd "$FANOUT" "$@")"$'\n'"$(head -c 2000 "$TMP/err.sfan")"
    return 1
  fi
  if ! "$PY" "$E2E_DIR/summary_check.py" "$TMP/err.sfan" "$TMP/err.sref" >"$TMP/sdiff" 2>&1; then
    fail "summary differs for: $(show_cmd "$FANOUT" "$@")"$'\n'"$(cat "$TMP/sdiff")"
    return 1
  fi
  pass
}

# ref_stat FIELD ARGS...: prints one field of the reference's --stats
# ("rows", "skipped", "objects" or "reason:TEXT").
ref_stat() {
  local field=$1; shift
  "${REF[@]}" "$@" --stats 2>&1 >/dev/null | tail -n 1 | "$PY" -c '
import json, sys
s = json.loads(sys.stdin.read())
f = sys.argv[1]
print(s["reasons"].get(f[7:], 0) if f.startswith("reason:") else s[f])' "$field"
}

# expect_fail CODE NEEDLE ARGS...: fanout must exit with CODE ("nonzero" for any
# failure that is not a signal), print nothing on stdout, and mention NEEDLE on stderr.
expect_fail() {
  local code=$1 needle=$2; shift 2
  run_fanout ef "$@"
  local rc
  rc=$(rc_of ef)
  local cmd
  cmd=$(show_cmd "$FANOUT" "$@")
  if [[ $code == nonzero ]]; then
    if [[ $rc == 0 ]] || ((rc >= 124)); then
      fail "expected a failure exit status, got $rc: $cmd"$'\n'"stderr: $(head -c 1000 "$TMP/err.ef")"
      return 1
    fi
  elif [[ $rc != "$code" ]]; then
    fail "expected exit status $code, got $rc: $cmd"$'\n'"stderr: $(head -c 1000 "$TMP/err.ef")"
    return 1
  fi
  if [[ -s $TMP/out.ef ]]; then
    fail "a failed run printed on stdout: $cmd"$'\n'"stdout: $(head -c 1000 "$TMP/out.ef")"
    return 1
  fi
  if ! grep -qF -- "$needle" "$TMP/err.ef"; then
    fail "stderr does not mention '$needle': $cmd"$'\n'"stderr: $(head -c 1000 "$TMP/err.ef")"
    return 1
  fi
  pass
}

# expect_no_crash ARGS...: fanout exits 0 or 1 within 60 s (no signal, no hang).
expect_no_crash() {
  local rc
  timeout 60 "$FANOUT" "$@" >/dev/null 2>"$TMP/err.nc" </dev/null
  rc=$?
  check_no_sanitizer_report "$TMP/err.nc" "$@"
  if ((rc == 124)); then
    fail "hung (killed after 60 s): $(show_cmd "$FANOUT" "$@")"
    return 1
  fi
  if ((rc != 0 && rc != 1)); then
    fail "exit status $rc (crash?): $(show_cmd "$FANOUT" "$@")"$'\n'"stderr: $(tail -c 2000 "$TMP/err.nc")"
    return 1
  fi
  pass
}

# check_eq WHAT GOT WANT
check_eq() {
  if [[ $2 == "$3" ]]; then
    pass
  else
    fail "$1: got '$2', want '$3'"
  fi
}

# check_true WHAT COMMAND...: the command must succeed.
check_true() {
  local what=$1; shift
  if "$@"; then
    pass
  else
    fail "$what"
  fi
}

# check_files_equal WHAT GOT WANT: byte-identical files.
check_files_equal() {
  if cmp -s "$2" "$3"; then
    pass
  else
    fail "$1: $2 differs from $3"$'\n'"$(diff <(head -c 3000 "$3") <(head -c 3000 "$2") | head -n 20)"
  fi
}

# check_dirs_equal WHAT GOTDIR WANTDIR: same file names, byte-identical contents
# (hidden files, such as leftovers, count too).
check_dirs_equal() {
  local what=$1 got=$2 want=$3
  local gl wl
  gl=$(cd "$got" && find . -mindepth 1 | LC_ALL=C sort)
  wl=$(cd "$want" && find . -mindepth 1 -not -name '.*.ref-tmp' | LC_ALL=C sort)
  if [[ $gl != "$wl" ]]; then
    fail "$what: files in $got are [$(echo $gl)], want [$(echo $wl)]"
    return 1
  fi
  local f
  for f in $wl; do
    if [[ -f $want/$f ]] && ! cmp -s "$got/$f" "$want/$f"; then
      fail "$what: $f differs"$'\n'"$(diff <(head -c 3000 "$want/$f") <(head -c 3000 "$got/$f") | head -n 20)"
      return 1
    fi
  done
  pass
}

# KERNELS: the CSV scanner kernels this CPU runs (FANOUT_KERNEL=NAME forces one;
# fanout exits 2 for a kernel the CPU lacks). Tests cycle through them so every
# kernel meets every split. kernel_for N picks one for the Nth run.
KERNELS=()
if [[ -x $FANOUT ]]; then
  printf 'a\n1\n' >"$TMP/kernel-probe.csv"
  for k in scalar avx2 avx512; do
    if FANOUT_KERNEL=$k "$FANOUT" count "$TMP/kernel-probe.csv" --by 1 --quiet >/dev/null 2>&1; then
      KERNELS+=("$k")
    fi
  done
fi
((${#KERNELS[@]})) || KERNELS=("")
kernel_for() {
  echo "${KERNELS[$(($1 % ${#KERNELS[@]}))]}"
}

# write_fake_ssh PATH BODY: an executable stand-in for ssh at PATH, for tests
# that run "hosts" on this machine. It takes ssh's options and the host off its
# arguments (the host in $host, the remote command's words in "$@"), then runs
# BODY, sh code that decides what the host does (usually ending in exec sh -c "$*").
write_fake_ssh() {
  local path=$1 body=$2
  cat >"$path" <<'EOF'
#!/bin/sh
# ssh [options] HOST COMMAND...: a host on this machine (tests/e2e/lib.sh write_fake_ssh).
while [ $# -gt 0 ]; do
  case $1 in
    -o|-F|-p|-i|-l|-J) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
host=$1; shift
EOF
  printf '%s\n' "$body" >>"$path"
  chmod 755 "$path"
}
