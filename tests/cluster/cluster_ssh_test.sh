#!/usr/bin/env bash
# Cluster jobs across real hosts: three network namespaces, each with its own sshd,
# reached through the system's OpenSSH client as a non-root user. fanout deploy puts
# the binary there; jobs over --hosts give the single-process answer; and they stay
# exact when, at random moments, a worker is killed, a host's sshd dies with
# everything on it, a host's link becomes a black hole, or a worker hangs. Ctrl-C
# leaves no worker running on any host.
#
# Needs root (prints "SKIP: ..." without it, unless FANOUT_REQUIRE_CLUSTER=1).
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"

hosts_require
require_fanout
hosts_install_deps >/dev/null || die "cannot install the test hosts' packages"
hosts_up 3 || die "cannot bring the test hosts up"

# Connection sharing stays on (as for users), its sockets in the hosts' directory.
SSH=$HOSTS_SSH

# The data must be readable by the hosts' user: it lives in the hosts' directory.
data=$HOSTS_DIR/data
"$FANOUT" gen-taxi --out "$data" --files 6 --rows 30000 --seed 31 --quiet || die "gen-taxi failed"
chmod -R a+rX "$data"

# fanout deploy: copies once, then finds it up to date; the version is checked.
# (The hosts share the test user's home, left from any earlier run: start afresh.)
hosts_ssh 1 rm -f .cache/fanout/bin/fanout
run_fanout deploy1 deploy --hosts "$HOSTS_NAMES" --ssh "$SSH"
check_eq "deploy: exit status ($(cat "$TMP/out.deploy1" "$TMP/err.deploy1" | tr '\n' '|'))" "$(rc_of deploy1)" 0
# (Three hosts share one home here: the first copy may make the others up to date.)
check_true "deploy: copied at least once" grep -q ': copied' "$TMP/out.deploy1"
check_eq "deploy: every host has it" "$(grep -cE ': (copied [0-9.]+ .B|up to date), fanout ' "$TMP/out.deploy1")" 3
run_fanout deploy2 deploy --hosts "$HOSTS_NAMES" --ssh "$SSH"
check_eq "deploy again: every host up to date" "$(grep -c ': up to date' "$TMP/out.deploy2")" 3
check_true "deploy names the version" grep -q "fanout $("$FANOUT" --version | awk '{print $2}')" "$TMP/out.deploy2"
run_fault deploybad deploy --hosts "h1,nohost.invalid" --ssh "$SSH" --connect-timeout 2
check_eq "deploy to an unknown host: exit status" "$(rc_of deploybad)" 1
check_true "deploy to an unknown host: names it" grep -q "nohost.invalid: FAILED" "$TMP/out.deploybad"

# Answers over the hosts equal the single-process answers.
H=(--hosts "$HOSTS_NAMES" --ssh "$SSH")
for q in "count --by passenger_count" \
         "agg --by passenger_count --count --sum total_amount|total_amt --mean trip_distance --max tip_amount|tip_amt"; do
  read -r -a query <<<"$q"
  run_fanout want "${query[@]}" "$data" --quiet --format csv
  [[ $(rc_of want) == 0 ]] || die "local run failed: $(cat "$TMP/err.want")"
  for range in 64MiB 100KiB; do
    run_fanout got "${query[@]}" "$data" --format csv "${H[@]}" --range-size "$range"
    check_eq "${query[0]} over 3 hosts, ranges $range: exit ($(tail -n 3 "$TMP/err.got"))" "$(rc_of got)" 0
    check_files_equal "${query[0]} over 3 hosts, ranges $range" "$TMP/out.got" "$TMP/out.want"
  done
done
printf '# the test hosts\nh1\nh2  # second\n\nh3\n' >"$TMP/hosts.txt"
run_fanout atfile count --by passenger_count "$data" --format csv --hosts "@$TMP/hosts.txt" --ssh "$SSH"
run_fanout want count --by passenger_count "$data" --quiet --format csv
check_files_equal "--hosts @FILE" "$TMP/out.atfile" "$TMP/out.want"

# A relative local path is read at the coordinator's path on every host (whose
# own directory, the test user's home, holds no data).
(cd "$HOSTS_DIR" && timeout "$RUN_TIMEOUT" "$FANOUT" count --by passenger_count data --format csv "${H[@]}" \
  >"$TMP/out.rel" 2>"$TMP/err.rel")
check_eq "a relative path over the hosts: exit status ($(tail -n 3 "$TMP/err.rel" | tr '\n' '|'))" "$?" 0
check_files_equal "a relative path over the hosts" "$TMP/out.rel" "$TMP/out.want"

# A host that never joins fails the job, naming it and why, unless
# --allow-missing-hosts: ssh's own error, or no fanout where it should be.
run_fault nojoin count --by passenger_count "$data" --hosts "h1,nohost.invalid" --ssh "$SSH" --connect-timeout 2
check_eq "a host that does not resolve: exit status" "$(rc_of nojoin)" 1
check_true "a host that does not resolve: named, with ssh's reason ($(head -n 1 "$TMP/err.nojoin"))" \
  grep -q "^fanout: nohost.invalid did not join the job: ssh failed: .*nohost.invalid" "$TMP/err.nojoin"
check_true "a host that does not resolve: nothing on stdout" test ! -s "$TMP/out.nojoin"
run_fault nofanout count --by passenger_count "$data" --hosts h1,h2 --ssh "$SSH" --remote-fanout bin/no-fanout
check_eq "no fanout on the hosts: exit status" "$(rc_of nofanout)" 1
check_true "no fanout on the hosts: says to deploy ($(head -n 1 "$TMP/err.nofanout"))" \
  grep -q "did not join the job: fanout not found at bin/no-fanout on the host.*run fanout deploy --hosts h[12]" \
  "$TMP/err.nofanout"
run_fault allowmiss count --by passenger_count "$data" --format csv --hosts "h1,nohost.invalid" --ssh "$SSH" \
  --connect-timeout 2 --allow-missing-hosts --quiet
check_files_equal "--allow-missing-hosts: the hosts that joined give the answer" "$TMP/out.allowmiss" "$TMP/out.want"
check_true "--allow-missing-hosts: warns even with -q" grep -q "warning: nohost.invalid did not join" "$TMP/err.allowmiss"

# Faults at random moments. The workers run through a wrapper that stretches each
# task (FANOUT_TEST_TASK_DELAY_MS, a worker-side test hook) so faults land mid-job.
slow=$HOSTS_DIR/bin/slow-fanout
mkdir -p "$HOSTS_DIR/bin"
printf '#!/bin/sh\nFANOUT_TEST_TASK_DELAY_MS=40 exec "$HOME/.cache/fanout/bin/fanout" "$@"\n' >"$slow"
printf '#!/bin/sh\nFANOUT_TEST_TASK_DELAY_MS=120 exec "$HOME/.cache/fanout/bin/fanout" "$@"\n' >"$slow-er"
chmod 755 "$slow" "$slow-er"
JOB=(count --by passenger_count "$data" --format csv "${H[@]}" --threads 1 --range-size 128KiB
     --heartbeat-timeout 3)

# Without faults every host takes a share (dynamic pull, one slot queued each).
run_fanout share "${JOB[@]}" --remote-fanout "$slow"
check_files_equal "a stretched job over 3 hosts" "$TMP/out.share" "$TMP/out.want"
check_eq "every host ran tasks ($(grep -E '^fanout:   h' "$TMP/err.share" | tr -s ' ' | tr '\n' '|'))" \
  "$(grep -cE '^fanout:   h[123] .* [1-9][0-9]* tasks?' "$TMP/err.share")" 3

# fault_run TAG ACTION: runs JOB, applies ACTION to a random host after a random
# moment, checks the answer is exact and the host was reported lost.
fault_run() {
  local tag=$1 action=$2 host=$((RANDOM % 3 + 1))
  # A worker cut off by an earlier fault lingers until its idle timeout; start
  # clean, so the fault hits this job's worker (and that cleanup is checked).
  check_true "$tag: no worker left from before" hosts_wait_no_workers 20
  local extra=(--remote-fanout "$slow")
  # A black hole or a hang must be caught by the heartbeat timeout: no backups
  # (which could finish the job first) and longer tasks.
  [[ $action == link || $action == hang ]] && extra=(--no-backups --remote-fanout "$slow-er")
  [[ $action == kill9 ]] && extra+=(--stats "$TMP/stats.$tag.json" --report "$TMP/report.$tag.html")
  fanout_start "$tag" "${JOB[@]}" "${extra[@]}"  # stopped, failing the test, past FAULT_TIMEOUT
  # Wait until every worker runs, then a random moment more.
  local t=0
  while [[ $(hosts_workers_left) -lt 3 ]] && ((t < 100)); do sleep 0.1; t=$((t + 1)); done
  sleep "0.$((RANDOM % 8 + 1))"
  local pid
  pid=$(host_workers "$host" | head -n 1)
  case $action in
    kill9) [[ -n $pid ]] && kill -9 "$pid" ;;
    sshd) host_kill_sshd "$host" ;;
    link) host_link_down "$host" ;;
    hang) [[ -n $pid ]] && kill -STOP "$pid" ;;
  esac
  fanout_wait "$tag"
  case $action in
    sshd) host_start_sshd "$host" >/dev/null ;;
    link) host_link_up "$host" ;;
    hang) [[ -n $pid ]] && kill -CONT "$pid" 2>/dev/null ;;
  esac
  check_eq "$tag: exit status ($(tail -n 5 "$TMP/err.$tag" | tr '\n' '|'))" "$(rc_of "$tag")" 0
  check_files_equal "$tag: exact answer" "$TMP/out.$tag" "$TMP/out.want"
  check_true "$tag: h$host reported lost (pid ${pid:-none}; $(grep -E '^fanout:   ' "$TMP/err.$tag" | tr -s ' ' | tr '\n' '|'))" \
    grep -qE "^fanout:   h$host .*LOST" "$TMP/err.$tag"
  if [[ $action == kill9 ]]; then
    # The report knows: the host lost, its attempts lost with it, and the cost
    # of the retries among the measured causes, naming it.
    local facts
    facts=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
lost = [h["name"] for h in d["hosts"] if h["lost_s"] is not None]
attempts = sum(a["outcome"] == "lost" for t in d["tasks"] for a in t["attempts"])
retries = [c for c in d["diagnosis"]["all"] if c["cause"] == "retries"]
print(d["job"]["mode"], ",".join(lost), attempts > 0, bool(retries) and sys.argv[2] + " lost" in retries[0]["sentence"])
' "$TMP/stats.$tag.json" "h$host" 2>&1)
    check_eq "$tag: the stats name the lost host and its lost attempts" "$facts" "hosts h$host True True"
    check_true "$tag: the report page was written" test -s "$TMP/report.$tag.html"
  fi
}

for i in 1 2 3 4 5; do fault_run "kill9_$i" kill9; done
for i in 1 2 3; do fault_run "sshd_$i" sshd; done
for i in 1 2 3; do fault_run "link_$i" link; done
grep -qh "no heartbeat" "$TMP"/err.link_*
check_eq "a black-holed host is caught by the heartbeat timeout" "$?" 0
for i in 1 2; do fault_run "hang_$i" hang; done
check_true "no worker left on any host after the faults (once cut-off ones time out)" hosts_wait_no_workers 20

# Parquet over the hosts: the same rows as Parquet (many row groups, so one file
# spreads over several tasks) give the CSV answer, with a worker killed mid-job too.
data_pq=$HOSTS_DIR/data-parquet
"$FANOUT" gen-taxi --out "$data_pq" --format parquet --row-group-rows 2000 --files 6 --rows 30000 --seed 31 \
  --quiet || die "gen-taxi parquet failed"
chmod -R a+rX "$data_pq"
run_fanout pqhosts count --by passenger_count "$data_pq" --format csv "${H[@]}" --range-size 100KiB
check_eq "Parquet over 3 hosts: exit ($(tail -n 3 "$TMP/err.pqhosts"))" "$(rc_of pqhosts)" 0
check_files_equal "Parquet over 3 hosts: the CSV answer" "$TMP/out.pqhosts" "$TMP/out.want"
JOB_CSV=("${JOB[@]}")
JOB=(count --by passenger_count "$data_pq" --format csv "${H[@]}" --threads 1 --range-size 64KiB
     --heartbeat-timeout 3)
for i in 1 2 3; do fault_run "pq_kill9_$i" kill9; done
JOB=("${JOB_CSV[@]}")
check_true "no worker left on any host after the Parquet faults" hosts_wait_no_workers 20

# Ctrl-C: exit 130 at once, and within a few seconds no worker on any host.
fanout_start int "${JOB[@]}" --remote-fanout "$slow"
coord=$FANOUT_PID
t=0
while [[ $(hosts_workers_left) -lt 3 ]] && ((t < 100)); do sleep 0.1; t=$((t + 1)); done
check_eq "Ctrl-C: workers were running on every host" "$(hosts_workers_left)" 3
kill -INT "$coord"
fanout_wait int
check_eq "Ctrl-C: exit status 130" "$?" 130
check_true "Ctrl-C: no table on stdout" test ! -s "$TMP/out.int"
check_true "Ctrl-C: no worker left on any host" hosts_wait_no_workers 5

# The seed's pipeline across the hosts: a python mapper per object and a python
# merge, the mapper shipped to every host (cached there by content).
SCRIPTS=$FANOUT_SRC/tests/e2e/scripts
cp "$SCRIPTS/passenger_map.py" "$TMP/passenger_map.py"
MAPRED=(run --ship "$TMP/passenger_map.py" --cmd 'python3 passenger_map.py'
        --merge "python3 '$SCRIPTS/passenger_merge.py'" "$data" "${H[@]}")
hosts_ssh 1 'rm -rf .cache/fanout/ship'
run_fanout seed1 "${MAPRED[@]}"
check_eq "seed pipeline over the hosts: exit ($(tail -n 4 "$TMP/err.seed1" | tr '\n' '|'))" "$(rc_of seed1)" 0
check_files_equal "seed pipeline over the hosts equals fanout count" "$TMP/out.seed1" "$TMP/out.want"
sha=$(sha256sum "$TMP/passenger_map.py" | cut -d' ' -f1)
check_true "the shipped script is cached on the hosts by content" hosts_ssh 2 "test -x .cache/fanout/ship/$sha"
before=$(hosts_ssh 2 "stat -c %Y.%i .cache/fanout/ship/$sha")
sleep 1.1
run_fanout seed2 "${MAPRED[@]}"
check_files_equal "seed pipeline again" "$TMP/out.seed2" "$TMP/out.want"
check_eq "the cached script was not sent again" "$(hosts_ssh 2 "stat -c %Y.%i .cache/fanout/ship/$sha")" "$before"
run_fault seedfail run --cmd 'echo "no such thing" >&2; exit 7' --merge cat "$data" "${H[@]}" --max-attempts 2
check_eq "a failing command on the hosts: exit status" "$(rc_of seedfail)" 1
check_true "a failing command on the hosts: its stderr and the host are shown" \
  grep -qE "no such thing.*\(on h[123]\)|\(on h[123]\)" "$TMP/err.seedfail"

# Keys never reach a shell: an object whose name is shell syntax is read as data.
odd="$data/odd \$(touch pwned) 'q' ; x.csv"
cp "$data/$(ls "$data" | head -n 1)" "$odd" && chmod a+r "$odd"
run_fanout odd count --by passenger_count "$odd" --format csv "${H[@]}"
run_fanout oddlocal count --by passenger_count "$odd" --format csv --quiet
check_files_equal "a key that is shell syntax" "$TMP/out.odd" "$TMP/out.oddlocal"
check_true "nothing ran it" test ! -e "$HOME/pwned" -a ! -e /home/fanouttest/pwned -a ! -e "$data/pwned"

finish
