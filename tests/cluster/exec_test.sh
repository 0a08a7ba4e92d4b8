#!/usr/bin/env bash
# fanout exec over real ssh hosts (tests/cluster/hosts.sh): one command on every
# host at once, each output line prefixed by the host it came from (checked against
# the host's own hostname), stderr lines on stderr, a failing or unreachable host
# named with the exit status 1, --timeout, Ctrl-C stopping the command on every host
# (no process left there), and usage errors.
#
#   bash tests/cluster/exec_test.sh
#
# Needs root and network namespaces (prints "SKIP: ..." without, unless
# FANOUT_REQUIRE_CLUSTER=1).
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"

hosts_require
require_fanout
hosts_up 3 || die "cannot bring the test hosts up"
SSH=$HOSTS_SSH

# Every host says who it is, on stdout and on stderr.
run_fanout hello exec --hosts "$HOSTS_NAMES" --ssh "$SSH" -- 'echo "I am $(hostname)"; echo "warn $(hostname)" >&2'
check_eq "exec: exit status ($(tr '\n' '|' <"$TMP/err.hello"))" "$(rc_of hello)" 0
for i in 1 2 3; do
  check_eq "exec: h$i's line is prefixed with h$i" "$(grep -c "^h$i: I am h$i\$" "$TMP/out.hello")" 1
  check_eq "exec: h$i's stderr line is on stderr" "$(grep -c "^h$i: warn h$i\$" "$TMP/err.hello")" 1
done
check_eq "exec: no other stdout lines" "$(wc -l <"$TMP/out.hello")" 3
check_true "exec: says all hosts were ok" grep -q "exec: ok on all 3 hosts" "$TMP/err.hello"

# Long output keeps whole lines, each with its host (no interleaving within a line).
run_fanout many exec --hosts "$HOSTS_NAMES" --ssh "$SSH" -- 'for i in $(seq 1 2000); do echo "$(hostname) line $i of a longer text"; done'
check_eq "exec, 6000 lines: exit status" "$(rc_of many)" 0
check_eq "exec, 6000 lines: every line whole and from its host" \
  "$(grep -cE '^(h[123]): \1 line [0-9]+ of a longer text$' "$TMP/out.many")" 6000

# One host fails: exit status 1 naming it and its status; the others' output stays.
run_fanout fail1 exec --hosts "$HOSTS_NAMES" --ssh "$SSH" -- 'echo out; [ "$(hostname)" != h2 ] || exit 7'
check_eq "exec, h2 fails: exit status" "$(rc_of fail1)" 1
check_true "exec, h2 fails: names h2 and its status ($(tail -n1 "$TMP/err.fail1"))" \
  grep -q "1 of 3 hosts failed: h2: exit status 7" "$TMP/err.fail1"
check_eq "exec, h2 fails: every host's output is still there" "$(grep -c ': out$' "$TMP/out.fail1")" 3

# --timeout stops a command that runs too long, on every host.
run_fanout slow exec --hosts "$HOSTS_NAMES" --ssh "$SSH" --timeout 2 -- 'sleep 30'
check_eq "exec --timeout: exit status" "$(rc_of slow)" 1
check_true "exec --timeout: says why" grep -q "h1: stopped after --timeout 2 s" "$TMP/err.slow"

# Ctrl-C stops it everywhere: exit 130, and no sleep left on any host.
fanout_start int exec --hosts "$HOSTS_NAMES" --ssh "$SSH" -- 'echo started; sleep 300'
for ((i = 0; i < 100; i++)); do
  [[ $(grep -c started "$TMP/out.int" 2>/dev/null) == 3 ]] && break
  sleep 0.1
done
kill -INT "$FANOUT_PID"
fanout_wait int
check_eq "exec, Ctrl-C: exit status 130" "$(rc_of int)" 130
left=0
for ((i = 0; i < 50; i++)); do
  left=0
  for h in 1 2 3; do
    for p in $(host_pids "$h"); do
      [[ $(cat "/proc/$p/comm" 2>/dev/null) == sleep ]] && left=$((left + 1))
    done
  done
  ((left == 0)) && break
  sleep 0.1
done
check_eq "exec, Ctrl-C: sleeps left on the hosts" "$left" 0

# An unreachable host is named as such.
host_kill_sshd 3
run_fanout down exec --hosts "$HOSTS_NAMES" --ssh "$SSH" --connect-timeout 3 -- true
check_eq "exec, h3 down: exit status" "$(rc_of down)" 1
check_true "exec, h3 down: names h3 and ssh ($(tail -n1 "$TMP/err.down"))" grep -q "h3: ssh failed (exit status 255)" "$TMP/err.down"

# Usage errors.
expect_fail 2 "give the command after --" exec --hosts "$HOSTS_NAMES" --ssh "$SSH"
expect_fail 2 "give --cluster NAME or --hosts" exec -- true
expect_fail 2 "unknown option --hots" exec --hots h1 -- true
expect_fail 1 "no cluster named nosuch" exec --cluster nosuch -- true

finish
