#!/usr/bin/env bash
# Cluster jobs on local worker processes (--workers): the same answers as the
# independent reference whatever the number of workers and the range size, and
# exact answers when workers are killed, hang, or the job is interrupted.
source "$(dirname "$0")/lib.sh"
require_fanout

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 10 --rows 8000 --seed 21 --quiet || die "gen-taxi failed"

# Answers equal the reference (tests/reference) at 1..4 workers and many splits.
for q in "count --by passenger_count" "count --by vendor_id|vendorid|vendor_name,passenger_count" \
         "agg --by passenger_count --count --sum total_amount|total_amt --mean trip_distance --min fare_amount|fare_amt --max tip_amount|tip_amt"; do
  read -r -a query <<<"$q"
  run_ref ref "${query[@]}" "$data"
  [[ $(rc_of ref) == 0 ]] || die "reference failed: $(cat "$TMP/err.ref")"
  for workers in 1 2 3 4; do
    for range in 64MiB 50KiB 7777; do
      check_table ref "${query[@]}" "$data" --workers "$workers" --range-size "$range"
    done
  done
done

# A bigger job for the faults, stretched (FANOUT_TEST_TASK_DELAY_MS, a worker-side
# test hook: each task waits that long first) so that faults land mid-way.
big=$TMP/big
"$FANOUT" gen-taxi --out "$big" --files 6 --rows 60000 --seed 22 --quiet || die "gen-taxi big failed"
export FANOUT_TEST_TASK_DELAY_MS=15
run_fanout want count --by passenger_count "$big" --quiet --format csv
[[ $(rc_of want) == 0 ]] || die "local run failed: $(cat "$TMP/err.want")"
FAULT_ARGS=(count --by passenger_count "$big" --format csv --workers 3 --threads 1 --range-size 256KiB
            --heartbeat-timeout 2)

# worker_pids COORDINATOR_PID: the workers it started (its children).
worker_pids() { pgrep -P "$1" || true; }

# run_with_fault TAG ACTION: starts the job (stopped, failing the test, if it runs
# past FAULT_TIMEOUT), waits a random moment, applies ACTION (kill9 | stop) to one
# random worker, waits for the job.
run_with_fault() {
  local tag=$1 action=$2
  fanout_start "$tag" "${FAULT_ARGS[@]}"
  local coord=$FANOUT_PID victim=
  sleep "0.$((RANDOM % 9 + 1))"
  local pids
  mapfile -t pids < <(worker_pids "$coord")
  if ((${#pids[@]} > 0)); then
    victim=${pids[RANDOM % ${#pids[@]}]}
    case $action in
      kill9) kill -9 "$victim" 2>/dev/null ;;
      stop) kill -STOP "$victim" 2>/dev/null ;;
    esac
  fi
  fanout_wait "$tag"
  [[ -n $victim ]] && kill -9 "$victim" 2>/dev/null  # a stopped worker the job finished without
  echo "${victim:-none}" >"$TMP/victim.$tag"
}

for i in 1 2 3 4 5 6 7 8; do
  run_with_fault "kill$i" kill9
  check_eq "kill -9 a worker ($i): exit status ($(tail -n 3 "$TMP/err.kill$i"))" "$(rc_of "kill$i")" 0
  check_files_equal "kill -9 a worker ($i): exact answer" "$TMP/out.kill$i" "$TMP/out.want"
done
grep -hE "[0-9]+ lost workers?" "$TMP"/err.kill* | grep -qv " 0 lost workers"
check_eq "some kill landed mid-job (a worker was reported lost)" "$?" 0

# Tasks slow enough that the job outlasts the heartbeat timeout by seconds after
# the stop, even with backups of the hung worker's tasks: at 40 ms a job could end
# about 2 s after the stop, and all three runs finished before the worker was
# declared lost (a failure seen in CI).
export FANOUT_TEST_TASK_DELAY_MS=100
for i in 1 2 3; do
  run_with_fault "hang$i" stop
  check_eq "a hung worker ($i): exit status ($(tail -n 3 "$TMP/err.hang$i"))" "$(rc_of "hang$i")" 0
  check_files_equal "a hung worker ($i): exact answer" "$TMP/out.hang$i" "$TMP/out.want"
done
grep -qh "silent for 2 s (no heartbeat)" "$TMP"/err.hang*
check_eq "a hung worker is lost by its missing heartbeats" "$?" 0
export FANOUT_TEST_TASK_DELAY_MS=15

# The same rows as Parquet (many row groups, so ranges own several each): exact
# on workers, with a worker killed mid-job, and equal to the CSV answer.
"$FANOUT" gen-taxi --out "$TMP/bigpq" --format parquet --files 6 --rows 60000 --seed 22 --row-group-rows 5000 \
  --quiet || die "gen-taxi parquet failed"
SAVED_ARGS=("${FAULT_ARGS[@]}")
FAULT_ARGS=(count --by passenger_count "$TMP/bigpq" --format csv --workers 3 --threads 1 --range-size 64KiB
            --heartbeat-timeout 2)
for i in 1 2 3; do
  run_with_fault "pqkill$i" kill9
  check_eq "Parquet, kill -9 a worker ($i): exit status ($(tail -n 3 "$TMP/err.pqkill$i"))" "$(rc_of "pqkill$i")" 0
  check_files_equal "Parquet, kill -9 a worker ($i): the CSV answer" "$TMP/out.pqkill$i" "$TMP/out.want"
done
FAULT_ARGS=("${SAVED_ARGS[@]}")

# Ctrl-C: the coordinator stops, exit 130, no worker left behind, no table.
fanout_start int "${FAULT_ARGS[@]}"
coord=$FANOUT_PID
sleep 0.4
mapfile -t pids < <(worker_pids "$coord")
kill -INT "$coord"
fanout_wait int
check_eq "Ctrl-C: exit status 130" "$?" 130
check_true "Ctrl-C: workers had started (${#pids[@]})" test "${#pids[@]}" -gt 0
left=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
check_eq "Ctrl-C: no worker process left" "$left" 0
check_true "Ctrl-C: nothing on stdout" test ! -s "$TMP/out.int"
check_true "Ctrl-C: says so" grep -q "interrupted" "$TMP/err.int"

# A host that cannot be reached fails the job, naming it, even when the local
# workers could finish it; --allow-missing-hosts runs on the workers there are.
# (The local workers' tasks are stretched, so that the job cannot end before ssh
# has failed on a loaded machine: a host still connecting when the job is done is
# only a warning.)
FANOUT_TEST_TASK_DELAY_MS=300 run_fault allgone count --by passenger_count "$data" --workers 2 --remote-fanout /nonexistent --hosts nohost.invalid \
  --ssh "ssh -o ConnectTimeout=2" --connect-timeout 2 --quiet
check_eq "an unreachable host beside local workers: exit status" "$(rc_of allgone)" 1
check_true "an unreachable host beside local workers: named ($(cat "$TMP/err.allgone"))" \
  grep -q "nohost.invalid did not join the job: ssh failed" "$TMP/err.allgone"
run_fault allowed count --by passenger_count "$data" --workers 2 --remote-fanout /nonexistent --hosts nohost.invalid \
  --ssh "ssh -o ConnectTimeout=2" --connect-timeout 2 --quiet --allow-missing-hosts --format csv
check_eq "... with --allow-missing-hosts: the local workers finish" "$(rc_of allowed)" 0
run_fanout allowed_want count --by passenger_count "$data" --quiet --format csv
check_files_equal "... with --allow-missing-hosts: exact" "$TMP/out.allowed" "$TMP/out.allowed_want"

run_fault badhost count --by passenger_count "$data" --hosts nohost.invalid --ssh "ssh -o ConnectTimeout=2" \
  --connect-timeout 2
check_eq "only an unreachable host: exit status" "$(rc_of badhost)" 1
check_true "only an unreachable host: the error names it ($(tail -n 2 "$TMP/err.badhost"))" \
  grep -q "nohost.invalid" "$TMP/err.badhost"
check_true "only an unreachable host: nothing on stdout" test ! -s "$TMP/out.badhost"

# Bad flags are usage errors.
expect_fail 2 "" count --by passenger_count "$data" --workers 0
expect_fail 1 "no hosts" count --by passenger_count "$data" --hosts ,

finish
