#!/usr/bin/env bash
# fanout --slurm on a real Slurm cluster (tests/cluster/slurm.sh: slurmctld, munged and
# one slurmd per network-namespace host, the file system shared as NFS would share it):
# inside `salloc -N 3` a count, an agg and a select give the local answer with one
# worker per node, each on its own node (the worker's host name is the node's) and
# with every CPU of the allocation there; `--slurm --nodes 3` asks salloc itself;
# a node killed mid-job (its slurmd and the worker's step) still gives the exact
# answer, its tasks run on the others; and --launcher with srun by hand.
#
#   bash tests/cluster/slurm_test.sh
#
# Needs root and network namespaces (prints "SKIP: ..." without, unless
# FANOUT_REQUIRE_CLUSTER=1).
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=slurm.sh
source "$HERE/slurm.sh"

slurm_require
require_fanout
slurm_up 3 || die "cannot bring the Slurm cluster up"

# The data on the "shared file system", where every node sees it at the same path.
data=$HOSTS_DIR/data
"$FANOUT" gen-taxi --out "$data" --files 8 --rows 40000 --seed 41 --quiet || die "gen-taxi failed"
chmod -R a+rX "$data"
bin=$(hosts_install_binary "$FANOUT") || die "cannot install fanout for the nodes"

run_fanout local count --by passenger_count "$data"
run_fanout local_agg agg --by passenger_count --count --sum total_amount --mean trip_distance "$data"
check_eq "local count: exit status" "$(rc_of local)" 0

# salloc_fanout TAG SALLOC_ARGS... -- FANOUT_ARGS...: fanout under salloc, as a user would.
salloc_fanout() {
  local tag=$1 sargs=()
  shift
  while [[ $1 != -- ]]; do sargs+=("$1"); shift; done
  shift
  timeout -k 10 "$FAULT_TIMEOUT" salloc -Q "${sargs[@]}" "$bin" "$@" >"$TMP/out.$tag" 2>"$TMP/err.$tag" </dev/null
  echo $? >"$TMP/rc.$tag"
  check_no_sanitizer_report "$TMP/err.$tag"
}

# (Tasks stretched, through srun's exported environment, so that every node's
# worker has joined before the job ends, however loaded this machine is.)
FANOUT_TEST_TASK_DELAY_MS=400 salloc_fanout count -N 3 --exclusive -- count --by passenger_count --slurm "$data"
check_eq "salloc --slurm count: exit status ($(tail -n 3 "$TMP/err.count" | tr '\n' '|'))" "$(rc_of count)" 0
check_files_equal "salloc --slurm count: the local answer" "$TMP/out.count" "$TMP/out.local"
check_true "salloc --slurm count: three workers" grep -q ", 3 workers," "$TMP/err.count"
for i in 1 2 3; do
  # Each node's worker is named by the node and has the node's CPUs.
  check_true "salloc --slurm: a worker on h$i with $TSLURM_CPUS cores" \
    grep -qE "^fanout:   h$i +$TSLURM_CPUS cores?" "$TMP/err.count"
done

salloc_fanout agg -N 3 --exclusive -- agg --by passenger_count --count --sum total_amount --mean trip_distance --slurm "$data"
check_files_equal "salloc --slurm agg: the local answer" "$TMP/out.agg" "$TMP/out.local_agg"

salloc_fanout sel -N 2 -- select --cols 1-4 --where 'passenger_count > 2' --slurm "$data" --out "$HOSTS_DIR/sel"
run_fanout sel_local select --cols 1-4 --where 'passenger_count > 2' "$data" --out "$TMP/sel_local"
check_eq "salloc -N 2 --slurm select: exit status ($(tail -n 2 "$TMP/err.sel" | tr '\n' '|'))" "$(rc_of sel)" 0
check_dirs_equal "salloc --slurm select: the local files" "$HOSTS_DIR/sel" "$TMP/sel_local"

# The worker really runs on its node: a job step's hostname is the node's, so the
# hello's host says so; run's command prints where it ran.
cat >"$HOSTS_DIR/where.sh" <<'EOF2'
#!/bin/sh
# Prints the host it runs on once per input.
cat >/dev/null
hostname
EOF2
chmod 755 "$HOSTS_DIR/where.sh"
salloc_fanout where -N 3 --exclusive -- run --cmd "sh $HOSTS_DIR/where.sh" --out "$HOSTS_DIR/where" --slurm "$data"
check_eq "salloc --slurm run: exit status ($(tail -n 2 "$TMP/err.where" | tr '\n' '|'))" "$(rc_of where)" 0
# (Tasks go to whichever worker asks first, so a node may get none of the 8.)
where_ran=$(cat "$HOSTS_DIR"/where/* | sort -u | tr '\n' ' ')
check_true "salloc --slurm run: every command ran on a node, on more than one ($where_ran)" \
  test "$(cat "$HOSTS_DIR"/where/* | grep -cvE '^h[123]$')" -eq 0 -a "$(wc -w <<<"$where_ran")" -ge 2

# --slurm --nodes 3: fanout asks Slurm for the allocation itself.
RUN_TIMEOUT=$FAULT_TIMEOUT run_fanout nodes count --by passenger_count --slurm --nodes 3 "$data" \
  --stats "$TMP/slurm.json"
check_eq "--slurm --nodes 3: exit status ($(tail -n 3 "$TMP/err.nodes" | tr '\n' '|'))" "$(rc_of nodes)" 0
check_files_equal "--slurm --nodes 3: the local answer" "$TMP/out.nodes" "$TMP/out.local"
check_true "--slurm --nodes 3: three workers" grep -q ", 3 workers," "$TMP/err.nodes"
check_eq "--slurm --nodes 3: the allocation is gone afterwards" "$(squeue -h | wc -l)" 0
check_eq "--slurm --nodes 3: the stats' mode and hosts" "$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["job"]["mode"], sorted(h["name"] for h in d["hosts"]), d["job"]["status"])' "$TMP/slurm.json" 2>&1)" \
  "slurm ['h1', 'h2', 'h3'] ok"

# --launcher with srun by hand, inside an allocation.
salloc_fanout tpl -N 3 --exclusive -- count --by passenger_count --hosts h1,h2,h3 \
  --launcher 'srun --nodes=1 --ntasks=1 --nodelist={host} --overlap --unbuffered --' "$data"
check_eq "--launcher srun: exit status ($(tail -n 2 "$TMP/err.tpl" | tr '\n' '|'))" "$(rc_of tpl)" 0
check_files_equal "--launcher srun: the local answer" "$TMP/out.tpl" "$TMP/out.local"

# A node dies mid-job: its worker is lost, its tasks run on the others, the answer
# is exact. (--no-kill: else Slurm ends the whole job once the node is DOWN.)
export FANOUT_TEST_TASK_DELAY_MS=1000  # srun passes it to the workers: ~40 tasks of 1 s on 6 slots
timeout -k 10 "$FAULT_TIMEOUT" salloc -Q -N 3 --exclusive --no-kill "$bin" count --by passenger_count --slurm \
  --heartbeat-timeout 3 --range-size 1MB "$data" >"$TMP/out.kill" 2>"$TMP/err.kill" </dev/null &
job=$!
for ((i = 0; i < 100; i++)); do
  [[ -n $(slurm_step_pids 2) ]] && break
  sleep 0.1
done
sleep 2
slurm_kill_node 2
wait "$job"
echo $? >"$TMP/rc.kill"
unset FANOUT_TEST_TASK_DELAY_MS
check_eq "node killed mid-job: exit status ($(tail -n 4 "$TMP/err.kill" | tr '\n' '|'))" "$(rc_of kill)" 0
check_files_equal "node killed mid-job: the exact answer" "$TMP/out.kill" "$TMP/out.local"
check_true "node killed mid-job: h2 named as lost ($(grep h2 "$TMP/err.kill" | head -n 2 | tr '\n' '|'))" \
  grep -q "h2 was lost mid-job" "$TMP/err.kill"

finish
