#!/usr/bin/env bash
# Smoke test of the Slurm test bed, tests/cluster/slurm.sh: leaves a crashed run's
# cluster behind on purpose and checks that slurm_up clears it; brings up 3 nodes and
# checks with real Slurm commands that a 3-node step runs one task per node, each in
# its own host (hostname, eth0's address, network namespace); that inside an
# allocation SLURM_JOB_NODELIST expands to h1 h2 h3; that several steps run at once
# on one node with stdin and stdout as pipes (bytes as they are written, binary data
# intact); that one step can have all of a node's CPUs; that after slurm_kill_node a
# step on the dead node fails within a bounded time while the others go on, the node
# goes DOWN and comes back with slurm_start_node; that jobs run as HOSTS_USER through
# slurm_as_user; then that slurm_down leaves no daemon, namespace or directory behind.
#
#   bash tests/cluster/slurm_smoke_test.sh
#
# Needs root and network namespaces: prints "SKIP: ..." and exits 0 without them,
# unless FANOUT_REQUIRE_CLUSTER=1; installs slurm-wlm and munge from apt when they are
# missing. Prints a PASS or FAIL line per check (INFO lines report what this Slurm
# version does where the test does not insist) and "slurm_smoke_test: N passed, M
# failed"; exits 1 when anything failed. Takes about a minute.
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# Names of its own, so that it never meets the other cluster tests' hosts.
export HOSTS_PREFIX=fo-s HOSTS_BRIDGE=fo-brs HOSTS_SUBNET=10.233.0 HOSTS_NFT_TABLE=fanout_slurm
# shellcheck source=slurm.sh
source "$HERE/slurm.sh"

slurm_require

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((10#$t / 1000))
}

ok() {
  pass
  echo "PASS: $*"
}
info() { echo "INFO: $*"; }

# expect_eq WHAT GOT WANT, expect_true WHAT CMD...: check_eq and check_true that also
# print a PASS line.
expect_eq() {
  if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}
expect_true() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

gone() { [[ ! -e /proc/$1/cmdline || -z $(cat "/proc/$1/cmdline" 2>/dev/null) ]]; }

# our_zombies: PIDs of zombies that slurm.sh could leave behind (by name: other tests
# on this machine leave orphans of their own for PID 1 to reap).
our_zombies() {
  ps -e -o pid=,stat=,comm= |
    awk '$2 ~ /^Z/ && $3 ~ /^(slurmd|slurmstepd|slurmctld|slurmscriptd|munged|nsenter)$/ {print $1}' | sort
}

# expect_no_new_zombies WHAT BEFORE: no zombie in our_zombies that BEFORE (an
# earlier our_zombies) lacks, once PID 1 has had 10 s to reap the orphans that just
# died.
expect_no_new_zombies() {
  local deadline=$((SECONDS + 10)) new
  while new=$(comm -13 <(echo "$2") <(our_zombies) | tr '\n' ' ') && [[ -n $new ]] && ((SECONDS < deadline)); do
    sleep 0.2
  done
  expect_eq "$1: new zombies" "$new" ""
}

# run TAG SECONDS CMD...: CMD (a Slurm command) with stdin from /dev/null unless
# RUN_STDIN names a file, stopped after SECONDS; stdout, stderr, status and duration
# (ms) in $TMP/{out,err,rc,ms}.TAG. A command that had to be stopped fails the test.
run() {
  local tag=$1 seconds=$2 t0
  shift 2
  t0=$(now_ms)
  timeout -k 5 "$seconds" "$@" <"${RUN_STDIN:-/dev/null}" >"$TMP/out.$tag" 2>"$TMP/err.$tag"
  echo $? >"$TMP/rc.$tag"
  echo $(($(now_ms) - t0)) >"$TMP/ms.$tag"
  if [[ $(rc_of "$tag") == 124 || $(rc_of "$tag") == 137 ]]; then
    fail "$tag: '$*' did not finish within ${seconds}s: $(tail -c 1000 "$TMP/err.$tag")"
  fi
}
out_of() { cat "$TMP/out.$1"; }
err_of() { tail -c 1500 "$TMP/err.$1"; }
ms_of() { cat "$TMP/ms.$1"; }

# expect_ok TAG WHAT: run TAG exited 0.
expect_ok() {
  if [[ $(rc_of "$1") == 0 ]]; then ok "$2"; else fail "$2: exit status $(rc_of "$1"): $(err_of "$1")"; fi
}

# wait_file_says FILE TEXT SECONDS: FILE contains TEXT within SECONDS.
wait_file_says() {
  local deadline=$((SECONDS + $3))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

# wait_gone PID SECONDS: the process has ended within SECONDS (this shell's child:
# wait collects it).
wait_gone() {
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

# ---- a crashed run's cluster is cleared by the next slurm_up -----------------------
# (The braces keep bash's "Killed" report out of the test's output.)
{ bash -c 'source "$1"; slurm_up 1 >/dev/null 2>&1 || exit 9
  echo "$HOSTS_DIR $(cat "$TSLURM_DIR/ctld/slurmctld.root.pid") $(cat "$TSLURM_DIR/munge/munged.root.pid") $(cat "$TSLURM_DIR/h1/slurmd.pid")"
  kill -KILL $$' _ "$HERE/slurm.sh" >"$TMP/crash.out" 2>"$TMP/crash.err"; } 2>/dev/null
rc=$?
expect_eq "the crashing run died of SIGKILL ($(cat "$TMP/crash.err"))" "$rc" 137
read -r crash_dir crash_ctld crash_munged crash_slurmd <"$TMP/crash.out"
expect_true "the crashed run left its slurmctld ${crash_ctld:-?} running" kill -0 "${crash_ctld:-0}"
expect_true "the crashed run left its munged ${crash_munged:-?} running" kill -0 "${crash_munged:-0}"

# ---- up -------------------------------------------------------------------------
t0=$(now_ms)
slurm_up 3 || die "slurm_up 3 failed"
info "slurm_up 3 took $(($(now_ms) - t0)) ms (with a crashed run's cleanup); $(srun --version)"
for p in "${crash_ctld:-}" "${crash_munged:-}" "${crash_slurmd:-}"; do
  [[ -n $p ]] && expect_true "the crashed run's daemon $p is gone" gone "$p"
done
expect_true "the crashed run's directory ${crash_dir:-?} is removed" test -n "${crash_dir:-}" -a ! -e "${crash_dir:-/}"

expect_true "SLURM_CONF ($SLURM_CONF) exists" test -f "$SLURM_CONF"
run sinfo 20 sinfo -h -N -o '%N %T'
expect_eq "sinfo: three idle nodes" "$(out_of sinfo | tr '\n' ' ')" "h1 idle h2 idle h3 idle "
run conf 20 scontrol show config
expect_true "slurmctld uses this cluster's munged ($TSLURM_MUNGE_SOCKET)" \
  grep -qF "socket=$TSLURM_MUNGE_SOCKET" "$TMP/out.conf"
ctld=$(cat "$TSLURM_DIR/ctld/slurmctld.root.pid")
expect_eq "slurmctld runs in the root network namespace" "$(ip netns identify "$ctld")" ""
for i in 1 2 3; do
  expect_eq "h$i's slurmd runs in namespace ${HOSTS_PREFIX}$i" \
    "$(ip netns identify "$(slurmd_pid "$i")" 2>&1)" "${HOSTS_PREFIX}$i"
done

# Each line a task prints: its node, hostname, eth0's address, network namespace.
# shellcheck disable=SC2016
WHERE='echo "$SLURMD_NODENAME $(hostname) $(ip -4 -o addr show dev eth0 | awk "{print \$4}") $(readlink /proc/self/ns/net)"'
want_where() {
  local i
  for i in "$@"; do
    echo "h$i h$i $(host_addr "$i")/24 net:[$(stat -L -c %i "/run/netns/${HOSTS_PREFIX}$i")]"
  done
}

# ---- one task per node -------------------------------------------------------------
run where 60 salloc -Q -N 3 srun -N3 -n3 bash -c "$WHERE"
expect_ok where "salloc -N 3 srun -N3 -n3"
expect_eq "srun -N3 -n3: one task on each node, inside that host" \
  "$(sort "$TMP/out.where")" "$(want_where 1 2 3)"

# shellcheck disable=SC2016
run hostnames 60 salloc -Q -N 3 bash -c 'scontrol show hostnames "$SLURM_JOB_NODELIST"; echo "nodes=$SLURM_JOB_NUM_NODES"'
expect_eq "inside salloc -N 3: scontrol show hostnames \$SLURM_JOB_NODELIST" \
  "$(out_of hostnames | tr '\n' ' ')" "h1 h2 h3 nodes=3 "

# ---- several steps at once per node, stdio pipes -----------------------------------
# Two steps per node, started together: each reads a word from stdin, leaves it in
# a shared directory and waits (up to 20 s) for its twin's; they can only meet if
# both run at the same time.
mkdir -p "$TMP/meet" && chmod 777 "$TMP/meet"
cat >"$TMP/concurrent.sh" <<'EOF'
# $1: the meeting directory. Two concurrent steps per node, each fed its word on stdin.
for i in 1 2 3; do
  for t in a b; do
    peer=$([[ $t == a ]] && echo b || echo a)
    echo "w$i$t" | timeout -k 5 60 srun -N1 -n1 -w "h$i" --overlap -u bash -c '
      read -r w; touch "$1/$w"
      for ((k = 0; k < 200; k++)); do [[ -e $1/$2 ]] && break; sleep 0.1; done
      [[ -e $1/$2 ]] && echo "$w $(hostname) met $2" || echo "$w $(hostname) alone"' _ "$1" "w$i$peer" &
  done
done
wait
EOF
run concurrent 90 salloc -Q -N 3 --exclusive bash "$TMP/concurrent.sh" "$TMP/meet"
expect_ok concurrent "6 concurrent steps (srun -N1 -n1 -w hI --overlap -u)"
expect_eq "2 steps per node at once, stdin to stdout" "$(sort "$TMP/out.concurrent" | tr '\n' ' ')" \
  "w1a h1 met w1b w1b h1 met w1a w2a h2 met w2b w2b h2 met w2a w3a h3 met w3b w3b h3 met w3a "

head -c 3000000 /dev/urandom >"$TMP/random"
cat >"$TMP/pipes.sh" <<'EOF'
# $1: a file of random bytes. Each result line is "NAME VALUE".
echo "echo $(echo x | timeout -k 5 30 srun -N1 -n1 -w h2 --overlap -u cat)"
echo "binary $(timeout -k 5 30 srun -N1 -n1 -w h3 --overlap -u cat <"$1" | cmp - "$1" && echo same)"
# Bytes without a newline: how soon (ms) they reach srun's stdout; the step ends 5 s
# after writing them.
for u in -u ''; do
  t0=${EPOCHREALTIME/./}
  echo "partial${u:-buffered} $(timeout -k 5 30 srun -N1 -n1 -w h1 --overlap $u bash -c 'printf ready; sleep 5' </dev/null |
    { head -c 5; echo " $(( (${EPOCHREALTIME/./} - t0) / 1000 ))"; })"
done
# Stdin without a newline: the task answers the first 4 bytes while more may follow.
t0=${EPOCHREALTIME/./}
echo "request $({ printf ping; sleep 5; } | timeout -k 5 30 srun -N1 -n1 -w h1 --overlap -u bash -c 'head -c 4; echo' |
  { head -c 4; echo " $(( (${EPOCHREALTIME/./} - t0) / 1000 ))"; })"
EOF
run pipes 120 salloc -Q -N 3 bash "$TMP/pipes.sh" "$TMP/random"
expect_ok pipes "the pipe steps"
value() { awk -v k="$2" '$1 == k {print $2}' "$TMP/out.$1"; }
value_ms() { awk -v k="$2" '$1 == k {print $3}' "$TMP/out.$1"; }
expect_eq "echo x | srun ... cat" "$(value pipes echo)" x
expect_eq "3 MB of random bytes through srun ... cat" "$(value pipes binary)" same
expect_eq "srun -u: bytes without a newline arrive" "$(value pipes partial-u)" ready
expect_true "srun -u: they arrive before the step ends ($(value_ms pipes partial-u) ms)" \
  test "$(value_ms pipes partial-u)" -lt 3000
expect_eq "stdin without a newline reaches the task: answer" "$(value pipes request)" ping
expect_true "stdin without a newline reaches the task at once ($(value_ms pipes request) ms)" \
  test "$(value_ms pipes request)" -lt 3000
info "without -u, srun passed on bytes without a newline after $(value_ms pipes partialbuffered) ms (the step wrote them at once, ended after 5 s)"

# ---- all of a node's CPUs for one step ---------------------------------------------
CPUS=$TSLURM_CPUS
cat >"$TMP/cpus.sh" <<'EOF'
# "NAME CPUS_ON_NODE NPROC" for each way of asking.
for o in "--overlap" "--overlap --whole" "--overlap --exact -c $1" "--overlap --exact" "--exact"; do
  r=$(timeout -k 5 30 srun -N1 -n1 -w h2 -u $o bash -c 'echo "$SLURM_CPUS_ON_NODE $(nproc)"' </dev/null 2>&1 | tr '\n' ' ')
  echo "${o// /_} $r"
done
echo "job $SLURM_JOB_CPUS_PER_NODE"
EOF
run cpus 90 salloc -Q -N 3 --exclusive bash "$TMP/cpus.sh" "$CPUS"
expect_ok cpus "the CPU steps"
field() { awk -v k="$2" '$1 == k {print $'"$3"'}' "$TMP/out.$1"; }
expect_eq "salloc --exclusive: the job has every CPU" "$(field cpus job 2)" "$CPUS(x3)"
expect_eq "srun -N1 -n1 -w h2 --overlap: SLURM_CPUS_ON_NODE" "$(field cpus --overlap 2)" "$CPUS"
expect_eq "srun -N1 -n1 -w h2 --overlap --whole: SLURM_CPUS_ON_NODE" "$(field cpus --overlap_--whole 2)" "$CPUS"
expect_eq "srun -N1 -n1 -w h2 --overlap --exact -c $CPUS: SLURM_CPUS_ON_NODE" "$(field cpus "--overlap_--exact_-c_$CPUS" 2)" "$CPUS"
expect_eq "nproc in a step (task/none binds nothing)" "$(field cpus --overlap 3)" "$(nproc)"
info "srun --overlap --exact gives $(field cpus --overlap_--exact 2) CPU(s), srun --exact $(field cpus --exact 2)"
# shellcheck disable=SC2016
run cpus1 60 salloc -Q -N 3 srun -N1 -n1 -w h2 --overlap bash -c 'echo $SLURM_CPUS_ON_NODE'
info "salloc -N 3 without --exclusive: a step gets $(out_of cpus1) CPU(s)"

# ---- a node dies mid-job -----------------------------------------------------------
run alloc 60 salloc --no-shell -N 3 --exclusive --no-kill
job=$(sed -n 's/.*Granted job allocation \([0-9]*\).*/\1/p' "$TMP/err.alloc")
expect_true "salloc --no-shell --no-kill gives a job ($(err_of alloc))" test -n "$job"
job=${job:-0}
STEP=(srun --jobid="$job" -N1 -n1 --overlap -u)
# start_long TAG NODE: a step on NODE that says "started" and sleeps, in the
# background (its srun's PID in $!), stopped after 100 s; it keeps none of the test's
# other open files (were the test killed, a pipe it held would keep a reader waiting).
start_long() {
  (
    for k in "/proc/$BASHPID/fd/"*; do
      k=${k##*/}
      ((k > 2)) && eval "exec $k>&-"
    done
    exec timeout -k 5 100 "${STEP[@]}" -w "$2" bash -c 'echo started; exec sleep 300'
  ) </dev/null >"$TMP/out.$1" 2>"$TMP/err.$1" &
}
start_long long2 h2
long2=$!
start_long long1 h1
long1=$!
expect_true "the long step on h2 started" wait_file_says "$TMP/out.long2" started 30
expect_true "the long step on h1 started" wait_file_says "$TMP/out.long1" started 30
steps2=$(slurm_step_pids 2 | tr '\n' ' ')
expect_true "slurm_step_pids 2 lists the step's sleep ($steps2)" \
  grep -qw sleep <<<"$(for p in $steps2; do cat "/proc/$p/comm" 2>/dev/null; done)"
slurmd2=$(slurmd_pid 2)
sshd2=$(cat "$HOSTS_DIR/h2/sshd.pid")
zombies=$(our_zombies)
killed_ms=$(now_ms)
slurm_kill_node 2 || fail "slurm_kill_node 2"
expect_true "h2's slurmd $slurmd2 is gone" gone "$slurmd2"
left=''
for p in $steps2; do gone "$p" || left+=" $p"; done
expect_eq "h2's step processes are gone" "$left" ""
expect_eq "slurm_step_pids 2 after slurm_kill_node" "$(slurm_step_pids 2)" ""
expect_true "h2's sshd $sshd2 keeps running" kill -0 "$sshd2"
expect_no_new_zombies "slurm_kill_node" "$zombies"

run dead2 60 "${STEP[@]}" -w h2 hostname
expect_true "a new step on h2 fails ($(err_of dead2 | tr '\n' ' '))" test "$(rc_of dead2)" != 0
expect_true "it fails within 20 s ($(ms_of dead2) ms)" test "$(ms_of dead2)" -lt 20000
run alive1 30 "${STEP[@]}" -w h1 hostname
expect_eq "a step on h1 still works" "$(out_of alive1)" h1

budget=$((TSLURM_SLURMD_TIMEOUT + 30))
if wait_gone "$long2" "$budget"; then
  wait "$long2"
  rc=$?
  ok "the running step on h2 ends within ${budget}s ($(($(now_ms) - killed_ms)) ms after the kill)"
  expect_true "its srun says 'Node failure on h2' ($(tail -c 300 "$TMP/err.long2"))" grep -q 'Node failure on h2' "$TMP/err.long2"
  info "srun of the step lost with h2 exited with status $rc"
else
  fail "the running step on h2 still runs ${budget}s after slurm_kill_node 2"
fi
expect_true "slurmctld marks h2 down ($(slurm_node_state 2))" slurm_wait_node_state 2 'down\*?' 30
info "h2 was down $(($(now_ms) - killed_ms)) ms after the kill (SlurmdTimeout=$TSLURM_SLURMD_TIMEOUT)"
expect_true "the long step on h1 still runs" kill -0 "$long1"
run alive1b 30 "${STEP[@]}" -w h1 hostname
expect_eq "with h2 down, a step on h1 still works (--no-kill)" "$(out_of alive1b)" h1
run dead2b 30 "${STEP[@]}" -w h2 hostname
expect_true "with h2 down, a step on h2 fails ($(err_of dead2b | tr '\n' ' '))" test "$(rc_of dead2b)" != 0
expect_true "at once ($(ms_of dead2b) ms)" test "$(ms_of dead2b)" -lt 10000
run cancel 30 scancel "$job"
expect_ok cancel "scancel the job"
expect_true "the long step on h1 ends with the job" wait_gone "$long1" 30
wait "$long1" 2>/dev/null

slurm_start_node 2 || fail "slurm_start_node 2"
expect_eq "h2 is back (ReturnToService)" "$(slurm_node_state 2)" idle
run where2 60 salloc -Q -N 3 srun -N3 -n3 bash -c "$WHERE"
expect_eq "after slurm_start_node 2, a 3-node step runs on each host again" \
  "$(sort "$TMP/out.where2")" "$(want_where 1 2 3)"

# ---- as the test user --------------------------------------------------------------
# shellcheck disable=SC2016
(cd /tmp && slurm_as_user timeout -k 5 60 salloc -Q -N 2 srun -N2 -n2 bash -c 'echo "$(hostname) $(id -un)"') \
  </dev/null >"$TMP/out.user" 2>"$TMP/err.user"
expect_eq "slurm_as_user: the job runs as $HOSTS_USER" "$(sort "$TMP/out.user" | tr '\n' ' ')" \
  "h1 $HOSTS_USER h2 $HOSTS_USER "

# ---- down ------------------------------------------------------------------------
dir=$HOSTS_DIR
daemons=("$ctld" "$(cat "$TSLURM_DIR/munge/munged.root.pid")")
for i in 1 2 3; do daemons+=("$(cat "$TSLURM_DIR/h$i/slurmd.pid")"); done
mapfile -t -O "${#daemons[@]}" daemons < <(pgrep -x slurmscriptd -P "$ctld")
zombies=$(our_zombies)
slurm_down
expect_no_new_zombies "slurm_down" "$zombies"
for p in "${daemons[@]}"; do
  expect_true "daemon $p is gone after slurm_down" gone "$p"
done
expect_eq "namespaces left" "$(ip netns list | awk '{print $1}' | grep -E "^${HOSTS_PREFIX}[0-9]+\$" | tr '\n' ' ')" ""
expect_true "the cluster's directory $dir is removed" test ! -e "$dir"
expect_true "the state file is removed" test ! -e "$TSLURM_STATE_DIR/$HOSTS_PREFIX.pids"
expect_eq "processes naming $dir" "$(pgrep -f -- "$dir/" | tr '\n' ' ')" ""
expect_true "slurm_down a second time is harmless" slurm_down
expect_eq "SLURM_CONF after slurm_down" "${SLURM_CONF:-unset}" unset

info "the test took ${SECONDS}s"
finish
