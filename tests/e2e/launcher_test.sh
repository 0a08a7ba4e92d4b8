#!/usr/bin/env bash
# --launcher 'TEMPLATE': workers started through any command ({host} replaced), here a
# logging wrapper and env(1) on this machine; the answer equals the local one, each
# host's worker really went through the template, a template that cannot start a
# worker fails the job naming the host, and the usage errors of --launcher, --slurm
# and --nodes. (Slurm itself: tests/cluster/slurm_test.sh.)
set -u -o pipefail
source "$(dirname "$0")/lib.sh"
require_fanout

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 5 --rows 20000 --seed 5 --quiet || die "gen-taxi failed"
run_fanout local count --by passenger_count "$data"
check_eq "local count: exit status" "$(rc_of local)" 0

cat >"$TMP/launch.sh" <<EOF2
#!/bin/sh
# A launcher: notes the host it was asked for, then runs the rest.
echo "\$1" >>"$TMP/launched"
shift
exec "\$@"
EOF2
chmod +x "$TMP/launch.sh"
run_fanout tpl count --by passenger_count "$data" --hosts a,b,c --launcher "$TMP/launch.sh {host}"
check_eq "--launcher: exit status ($(tail -n1 "$TMP/err.tpl"))" "$(rc_of tpl)" 0
check_files_equal "--launcher: the same answer as local" "$TMP/out.tpl" "$TMP/out.local"
check_eq "--launcher: every host went through the template" "$(sort "$TMP/launched" | tr '\n' ' ')" "a b c "
check_true "--launcher: three workers" grep -q ", 3 workers," "$TMP/err.tpl"

run_fanout env count --by passenger_count "$data" --hosts x,y --launcher "env FANOUT_LAUNCHED_AS={host}" --threads 1
check_files_equal "--launcher env: the same answer as local" "$TMP/out.env" "$TMP/out.local"

# select through the launcher writes the same files.
run_fanout sel select --cols 1-3 "$data" --hosts a,b --launcher "$TMP/launch.sh {host}" --out "$TMP/sel"
run_fanout sel_local select --cols 1-3 "$data" --out "$TMP/sel_local"
check_eq "--launcher select: exit status" "$(rc_of sel)" 0
check_dirs_equal "--launcher select: the same files" "$TMP/sel" "$TMP/sel_local"

expect_fail 1 "'false {host}' for a ended" count --by passenger_count "$data" --hosts a --launcher 'false {host}'
expect_fail 2 "must name the machine with {host}" count --by passenger_count "$data" --hosts a --launcher env
expect_fail 2 "--launcher: needs --hosts" count --by passenger_count "$data" --launcher 'env {host}'
expect_fail 2 "--nodes: is for --slurm" count --by passenger_count "$data" --nodes 2
expect_fail 2 "--slurm: takes its hosts from the allocation" count --by passenger_count "$data" --slurm --hosts a
expect_fail 2 "--slurm: starts workers with srun" count --by passenger_count "$data" --slurm --launcher 'env {host}'
SLURM_JOB_NODELIST= expect_fail 1 "SLURM_JOB_NODELIST is not set" count --by passenger_count "$data" --slurm
finish
