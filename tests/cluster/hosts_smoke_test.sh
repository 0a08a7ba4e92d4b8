#!/usr/bin/env bash
# Smoke test of the cluster test bed, tests/cluster/hosts.sh: leaves a crashed run's
# hosts behind on purpose and checks that hosts_up clears them; brings up 3 hosts and
# checks that each answers ssh as itself (hostname, address, user, its own PID
# namespace), that host keys are really verified, that host_link_down, host_drop and
# host_kill_sshd fail connections the way they should (time-outs, refusals) and are
# undone by host_link_up, host_undrop and host_start_sshd, that
# hosts_install_binary gives the test user a fanout it can run; then that hosts_down,
# and the EXIT trap on exit and on SIGTERM, leave no namespace, veth, bridge, nftables
# table, process or zombie of ours behind.
#
#   bash tests/cluster/hosts_smoke_test.sh
#
# Needs root and network namespaces: prints "SKIP: ..." and exits 0 without them,
# unless FANOUT_REQUIRE_CLUSTER=1. Prints "hosts_smoke_test: N passed, M failed" and
# exits 1 when anything failed.
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"

hosts_require

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((10#$t / 1000))
}

# leftovers: every namespace, link, nftables table or state file of ours that
# exists, one per line (nothing when clean).
leftovers() {
  ip netns list | awk '{print "netns " $1}' | grep -E "^netns ${HOSTS_PREFIX}[0-9]+\$"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
    grep -E "^(${HOSTS_PREFIX}[0-9]+-v|$HOSTS_BRIDGE)\$" | sed 's/^/link /'
  nft list table bridge "$HOSTS_NFT_TABLE" >/dev/null 2>&1 && echo "nft table bridge $HOSTS_NFT_TABLE"
  [[ -e $HOSTS_STATE_DIR/$HOSTS_PREFIX.state ]] && echo "state $HOSTS_STATE_DIR/$HOSTS_PREFIX.state"
  return 0
}

# our_zombies: PIDs of zombies that hosts.sh could leave behind (an orphan that died
# before PID 1, which here reaps only every few seconds, got to it).
our_zombies() {
  ps -e -o pid=,stat=,comm= |
    awk '$2 ~ /^Z/ && ($3 == "sshd" || $3 == "unshare" || $3 == "sh") {print $1}' | sort
}

# check_no_new_zombies WHAT BEFORE: no zombie in our_zombies that BEFORE (an earlier
# our_zombies) lacks — once PID 1 has had its few seconds to reap the orphans that
# just died (a zombie still there after 10 s was left behind).
check_no_new_zombies() {
  local deadline=$((SECONDS + 10)) new
  while new=$(comm -13 <(echo "$2") <(our_zombies) | tr '\n' ' ') && [[ -n $new ]] && ((SECONDS < deadline)); do
    sleep 0.2
  done
  check_eq "$1: new zombies" "$new" ""
}

# check_clean WHAT [DIR]: nothing of ours left, DIR gone, no process naming DIR.
check_clean() {
  local what=$1 dir=${2:-} left
  left=$(leftovers)
  check_eq "$what: leftovers" "${left//$'\n'/ }" ""
  if [[ -n $dir ]]; then
    check_true "$what: $dir is removed" test ! -e "$dir"
    check_eq "$what: processes naming $dir" "$(pgrep -f -- "$dir/" | tr '\n' ' ')" ""
  fi
}

# ssh_try TAG HOST [ssh options...] -- CMD: one ssh as a test would make it; status,
# stdout, stderr and duration (ms) in $TMP/{rc,out,err,ms}.TAG.
ssh_try() {
  local tag=$1 host=$2 t0 opts=()
  shift 2
  while (($#)) && [[ $1 != -- ]]; do
    opts+=("$1")
    shift
  done
  shift
  t0=$(now_ms)
  ssh -F "$HOSTS_SSH_CONFIG" "${opts[@]}" "$host" "$@" </dev/null >"$TMP/out.$tag" 2>"$TMP/err.$tag"
  echo $? >"$TMP/rc.$tag"
  echo $(($(now_ms) - t0)) >"$TMP/ms.$tag"
}

# expect_ssh_fails TAG HOST NEEDLE MAX_MS: ssh -o ConnectTimeout=2 HOST true fails
# within MAX_MS, saying NEEDLE.
expect_ssh_fails() {
  local tag=$1 host=$2 needle=$3 max=$4
  ssh_try "$tag" "$host" -o ConnectTimeout=2 -- true
  if [[ $(rc_of "$tag") == 0 ]]; then
    fail "$tag: ssh $host true succeeded"
    return 1
  fi
  if ! grep -qF -- "$needle" "$TMP/err.$tag"; then
    fail "$tag: ssh $host did not say '$needle': $(cat "$TMP/err.$tag")"
    return 1
  fi
  if (($(cat "$TMP/ms.$tag") > max)); then
    fail "$tag: ssh $host took $(cat "$TMP/ms.$tag") ms to fail (at most $max ms expected)"
    return 1
  fi
  pass
}

# expect_ssh_ok TAG HOST: ssh HOST true works.
expect_ssh_ok() {
  ssh_try "$1" "$2" -o ConnectTimeout=5 -- true
  if [[ $(rc_of "$1") == 0 ]]; then
    pass
  else
    fail "$1: ssh $2 true failed: $(cat "$TMP/err.$1")"
  fi
}

# banner_from I ADDR: from host I, the first 7 bytes that ADDR:22 sends ("SSH-2.0"),
# or nothing when it cannot be reached within 2 s.
banner_from() {
  hosts_ssh "$1" "timeout 2 bash -c 'exec 3<>/dev/tcp/$2/22 && head -c 7 <&3'" 2>/dev/null
}

root_ssh_before=$(ls -la --time-style=full-iso ~/.ssh 2>&1)

# ---- a crashed run's hosts are cleared by the next hosts_up ---------------------
# (The braces keep bash's "Killed" report out of the test's output.)
{ bash -c 'source "$1"; hosts_up 2 >/dev/null || exit 9
  echo "$HOSTS_DIR $(cat "$HOSTS_DIR/h1/sshd.pid") $(cat "$HOSTS_DIR/h2/sshd.pid")"
  kill -KILL $$' _ "$HERE/hosts.sh" >"$TMP/crash.out" 2>"$TMP/crash.err"; } 2>/dev/null
rc=$?
check_eq "the crashing run died of SIGKILL ($(cat "$TMP/crash.err"))" "$rc" 137
read -r crash_dir crash_sshd1 crash_sshd2 <"$TMP/crash.out"
check_true "the crashed run left its namespaces behind" grep -q "netns ${HOSTS_PREFIX}2" <<<"$(leftovers)"
check_true "the crashed run left its sshd $crash_sshd1 running" kill -0 "$crash_sshd1"

# ---- up ------------------------------------------------------------------------
t0=$(now_ms)
hosts_up 3 || die "hosts_up 3 failed"
echo "hosts_smoke_test: hosts_up 3 took $(($(now_ms) - t0)) ms (with a crashed run's cleanup)" >&2
check_true "the crashed run's DIR $crash_dir is removed" test ! -e "$crash_dir"
check_true "the crashed run's sshd $crash_sshd1 is gone" test ! -e "/proc/$crash_sshd1/cmdline" -o -z "$(cat "/proc/$crash_sshd1/cmdline" 2>/dev/null)"
check_true "the crashed run's sshd $crash_sshd2 is gone" test ! -e "/proc/$crash_sshd2/cmdline" -o -z "$(cat "/proc/$crash_sshd2/cmdline" 2>/dev/null)"

check_eq "HOSTS_N" "$HOSTS_N" 3
check_eq "HOSTS_NAMES" "$HOSTS_NAMES" h1,h2,h3
check_eq "HOSTS_ADDRS" "$HOSTS_ADDRS" 10.231.0.11,10.231.0.12,10.231.0.13
check_eq "HOSTS_GATEWAY" "$HOSTS_GATEWAY" 10.231.0.1
check_eq "HOSTS_SSH_CONFIG" "$HOSTS_SSH_CONFIG" "$HOSTS_DIR/ssh_config"
check_true "HOSTS_DIR $HOSTS_DIR exists" test -d "$HOSTS_DIR"
check_true "ssh_config keeps StrictHostKeyChecking yes" grep -q 'StrictHostKeyChecking yes' "$HOSTS_SSH_CONFIG"
check_true "ssh_config never says StrictHostKeyChecking no" test -z "$(grep -i 'StrictHostKeyChecking *no' "$HOSTS_SSH_CONFIG")"
DIR=$HOSTS_DIR
sshd_pids=()
for i in 1 2 3; do sshd_pids+=("$(cat "$DIR/h$i/sshd.pid")"); done

# ---- each host is itself --------------------------------------------------------
for i in 1 2 3; do
  addr=$(host_addr "$i")
  # shellcheck disable=SC2016
  ssh_try who$i "h$i" -- 'hostname; whoami; echo $SSH_CONNECTION; /usr/sbin/ip -4 -o addr show; ps -p 1 -o comm='
  if [[ $(rc_of who$i) != 0 ]]; then
    fail "ssh h$i failed: $(cat "$TMP/err.who$i")"
    continue
  fi
  mapfile -t lines <"$TMP/out.who$i"
  check_eq "h$i: hostname" "${lines[0]}" "h$i"
  check_eq "h$i: user" "${lines[1]}" "$HOSTS_USER"
  check_eq "h$i: SSH_CONNECTION (from the bridge to the host's own address)" \
    "$(awk '{print $1, $3, $4}' <<<"${lines[2]}")" "10.231.0.1 $addr 22"
  check_true "h$i: ip -4 addr shows $addr/24 on eth0" grep -qE "eth0 +inet $addr/24 " "$TMP/out.who$i"
  check_eq "h$i: addresses other than lo and eth0" \
    "$(grep -vE ' (lo|eth0) +inet ' <<<"$(grep ' inet ' "$TMP/out.who$i")")" ""
  check_eq "h$i: PID 1 in the host" "${lines[-1]}" sshd
done
check_eq "host-to-host: h1 reaches h2's sshd" "$(banner_from 1 10.231.0.12)" SSH-2.0
check_eq "host-to-host: h3 reaches h1's sshd" "$(banner_from 3 10.231.0.11)" SSH-2.0

# ---- host keys are verified -----------------------------------------------------
: >"$TMP/empty_known_hosts"
cp "$DIR/known_hosts" "$TMP/known_hosts.copy"
ssh_try nokh h1 -o UserKnownHostsFile="$TMP/empty_known_hosts" -o ConnectTimeout=5 -- true
check_true "an empty known_hosts fails the login" test "$(rc_of nokh)" != 0
check_true "an empty known_hosts: 'Host key verification failed' ($(cat "$TMP/err.nokh"))" \
  grep -q 'Host key verification failed' "$TMP/err.nokh"
check_true "the empty known_hosts stays empty" test ! -s "$TMP/empty_known_hosts"
# h1's address with h2's key: a changed host key.
echo "10.231.0.11 $(awk '$1 == "10.231.0.12" {print $2, $3}' "$DIR/known_hosts")" >"$TMP/wrong_known_hosts"
ssh_try wrongkh h1 -o UserKnownHostsFile="$TMP/wrong_known_hosts" -o ConnectTimeout=5 -- true
check_true "another host's key fails the login" test "$(rc_of wrongkh)" != 0
check_true "another host's key: 'REMOTE HOST IDENTIFICATION HAS CHANGED'" \
  grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' "$TMP/err.wrongkh"
check_files_equal "known_hosts after the logins" "$DIR/known_hosts" "$TMP/known_hosts.copy"

# ---- link down: a black hole ----------------------------------------------------
host_link_down 2 || fail "host_link_down 2"
expect_ssh_fails linkdown h2 "timed out" 5000
expect_ssh_ok h1-while-h2-down h1
check_eq "host-to-host: h1 cannot reach h2 while its link is down" "$(banner_from 1 10.231.0.12)" ""
host_link_up 2 || fail "host_link_up 2"
expect_ssh_ok linkup h2
check_eq "host-to-host: h1 reaches h2 again" "$(banner_from 1 10.231.0.12)" SSH-2.0

# ---- nftables drop --------------------------------------------------------------
host_drop 3 || fail "host_drop 3"
check_true "host_drop 3 creates nft table bridge $HOSTS_NFT_TABLE" grep -q 10.231.0.13 \
  <<<"$(nft list table bridge "$HOSTS_NFT_TABLE" 2>&1)"
expect_ssh_fails drop h3 "timed out" 5000
expect_ssh_ok h2-while-h3-dropped h2
check_eq "host-to-host: h1 cannot reach dropped h3" "$(banner_from 1 10.231.0.13)" ""
check_eq "host-to-host: h1 reaches h2 while h3 is dropped" "$(banner_from 1 10.231.0.12)" SSH-2.0
host_undrop 3 || fail "host_undrop 3"
expect_ssh_ok undrop h3
host_undrop 3 || fail "host_undrop 3 a second time"

# ---- kill a host's sshd and everything in it ------------------------------------
hosts_ssh 1 'nohup sleep 300 >/dev/null 2>&1 </dev/null &' || fail "starting a sleep on h1"
# (nohup may not have become sleep yet on a loaded machine: look for two seconds.)
h1_has_sleep() {
  local i
  for ((i = 0; i < 20; i++)); do
    grep -q sleep <<<"$(for p in $(host_pids 1); do cat "/proc/$p/comm" 2>/dev/null; done)" && return 0
    sleep 0.1
  done
  return 1
}
check_true "host_pids 1 lists the sleep ($(host_pids 1 | tr '\n' ' '))" h1_has_sleep
zombies=$(our_zombies)
host_kill_sshd 1 || fail "host_kill_sshd 1"
check_no_new_zombies "host_kill_sshd" "$zombies"
check_eq "host_pids 1 after host_kill_sshd" "$(host_pids 1)" ""
check_true "h1's sshd ${sshd_pids[0]} is gone" test ! -e "/proc/${sshd_pids[0]}/cmdline" -o -z "$(cat "/proc/${sshd_pids[0]}/cmdline" 2>/dev/null)"
expect_ssh_fails killed h1 "Connection refused" 3000
expect_ssh_ok h3-while-h1-killed h3
host_start_sshd 1 || fail "host_start_sshd 1"
ssh_try restarted h1 -- hostname
check_eq "h1 answers again after host_start_sshd" "$(cat "$TMP/out.restarted")" h1
sshd_pids[0]=$(cat "$DIR/h1/sshd.pid")

# ---- a binary the test user can run ---------------------------------------------
if [[ -x $FANOUT ]]; then
  bin=$(hosts_install_binary "$FANOUT") || fail "hosts_install_binary $FANOUT"
  check_eq "hosts_install_binary prints the copy's path" "${bin:-}" "$DIR/bin/fanout"
  ssh_try version h2 -- "${bin:-/nonexistent}" --version
  check_true "h2 runs the installed fanout ($(cat "$TMP/err.version"))" grep -q '^fanout ' "$TMP/out.version"
  if runuser -u "$HOSTS_USER" -- test -x "$FANOUT"; then
    echo "hosts_smoke_test: $HOSTS_USER can run $FANOUT in place too" >&2
  fi
else
  echo "hosts_smoke_test: no fanout binary at $FANOUT; hosts_install_binary not checked" >&2
fi

# ---- down -----------------------------------------------------------------------
zombies=$(our_zombies)
hosts_down
check_no_new_zombies "hosts_down" "$zombies"
check_clean "after hosts_down" "$DIR"
for p in "${sshd_pids[@]}"; do
  check_true "sshd $p is gone" test ! -e "/proc/$p/cmdline" -o -z "$(cat "/proc/$p/cmdline" 2>/dev/null)"
done
check_true "hosts_down a second time is harmless" hosts_down
check_eq "HOSTS_N after hosts_down" "${HOSTS_N:-unset}" unset

# ---- the EXIT trap, chained with lib.sh's, on exit and on SIGTERM ----------------
cat >"$TMP/child.sh" <<'EOF'
source "$1/../e2e/lib.sh"
source "$1/hosts.sh"
hosts_up 1 >/dev/null || exit 9
echo "$TMP $HOSTS_DIR"
[[ $2 == exit ]] && exit 3
while :; do sleep 0.1; done
EOF
zombies=$(our_zombies)
FANOUT=/nonexistent bash "$TMP/child.sh" "$HERE" exit >"$TMP/child.out" 2>"$TMP/child.err"
rc=$?
check_eq "a test that exits 3 with hosts up exits 3 ($(cat "$TMP/child.err"))" "$rc" 3
read -r child_tmp child_dir <"$TMP/child.out"
check_true "lib.sh's EXIT trap still ran (its TMP ${child_tmp:-?} is removed)" test -n "${child_tmp:-}" -a ! -e "${child_tmp:-/}"
check_clean "after exit 3" "${child_dir:-}"

FANOUT=/nonexistent bash "$TMP/child.sh" "$HERE" term >"$TMP/child2.out" 2>"$TMP/child2.err" &
child=$!
for ((i = 0; i < 400; i++)); do
  [[ -s $TMP/child2.out ]] && break
  kill -0 "$child" 2>/dev/null || break
  sleep 0.05
done
kill -TERM "$child"
wait "$child"
rc=$?
check_eq "a test killed by SIGTERM with hosts up exits 143 ($(cat "$TMP/child2.err"))" "$rc" 143
read -r child_tmp child_dir <"$TMP/child2.out"
check_true "after SIGTERM, lib.sh's TMP ${child_tmp:-?} is removed" test -n "${child_tmp:-}" -a ! -e "${child_tmp:-/}"
check_clean "after SIGTERM" "${child_dir:-}"
check_no_new_zombies "the EXIT trap" "$zombies"

check_eq "root's ~/.ssh is untouched" "$(ls -la --time-style=full-iso ~/.ssh 2>&1)" "$root_ssh_before"

finish
