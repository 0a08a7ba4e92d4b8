#!/usr/bin/env bash
# fanout cluster prices | up | ls | down, exec and --cluster jobs against moto's EC2
# server, whose instances become real sshd hosts in network namespaces at the very
# addresses moto gives them (tests/cluster/ec2.sh; every ssh goes through its guard,
# which refuses any address outside the test subnet). Checked against botocore's view
# of the same API where there is one:
#   - prices: the zones and prices DescribeSpotPriceHistory gives, cheapest marked;
#   - up: 3 spot instances tagged with the cluster, each answering ssh and deployed,
#     the record's addresses those moto assigned; 12 machines timed;
#   - a count, an agg and exec over --cluster, equal to the local answers, the
#     summary with the cost;
#   - a spot interruption: one host's metadata service (a stand-in of the tests:
#     moto has none; served at 169.254.169.254 inside that host's own namespace)
#     starts saying spot instance-action mid-job, the host is killed 2 s later: the
#     answer is exact, the host is named as interrupted, its tasks had moved;
#   - Ctrl-C during up and a machine that never answers: no instance is left running,
#     the machine is named;
#   - down: every instance terminated, the cost printed, the record gone.
# Not tested here: formatting and mounting an instance store (no device here reports
# EC2's NVMe model, and the hosts' user has no sudo; every `up` runs the script's "no
# instance store" path) and --idle-timeout (its user data runs only on a machine that
# boots, which moto's do not).
#
#   bash tests/cluster/ec2_cluster_test.sh
#
# moto: see tests/cluster/README.md for the version. Needs root and network
# namespaces (prints "SKIP: ..." without, unless FANOUT_REQUIRE_CLUSTER=1).
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=ec2.sh
source "$HERE/ec2.sh"

ec2_require
require_fanout
ec2_up || die "cannot bring the EC2 harness up"
export XDG_STATE_HOME=$TMP/state  # the cluster records of this test only
UP=(--type t3.micro --image "$EC2_AMI" --subnet "$EC2_SUBNET" --security-group "$EC2_SG" --key "$EC2_KEY_NAME"
  --ssh "$EC2_SSH" --idle-timeout off)

# py CODE: botocore (moto's python) against moto, for the independent view.
py() { "$EC2_PYTHON" -c "import boto3, json, sys; ec2 = boto3.client('ec2', endpoint_url='$EC2_ENDPOINT', region_name='$EC2_REGION')
$1"; }
# running_of NAME: the ids of the instances tagged with cluster NAME that are not terminated.
running_of() {
  py "r = ec2.describe_instances(Filters=[{'Name': 'tag:fanout:cluster', 'Values': ['$1']}])
print(' '.join(sorted(i['InstanceId'] for x in r['Reservations'] for i in x['Instances'] if i['State']['Name'] != 'terminated')))"
}

# ---- prices
run_fanout prices cluster prices --type t3.micro
check_eq "prices: exit status ($(tail -n1 "$TMP/err.prices"))" "$(rc_of prices)" 0
want=$(py "h = ec2.describe_spot_price_history(InstanceTypes=['t3.micro'])['SpotPriceHistory']
print(' '.join(sorted(p['AvailabilityZone'] for p in h)))")
got=$(awk 'NR > 1 && $1 ~ /^us-/ {print $1}' "$TMP/out.prices" | sort | tr '\n' ' ')
check_eq "prices: the zones botocore sees" "$got" "$want "
check_eq "prices: one zone marked cheapest" "$(grep -c '<- cheapest' "$TMP/out.prices")" 1
expect_fail 2 "--type is required" cluster prices

# ---- up
boot=$TMP/bootstrap.sh
printf '#!/bin/sh\n# Marks the machine as bootstrapped.\necho "bootstrapped $(hostname)" > "$HOME/boot-$(hostname -I | cut -d" " -f1)"\n' >"$boot"
t0=$(date +%s.%N)
run_fanout up cluster up c1 --count 3 --spot --bootstrap "$boot" "${UP[@]}"
t1=$(date +%s.%N)
check_eq "up: exit status ($(tail -n 3 "$TMP/err.up" | tr '\n' '|'))" "$(rc_of up)" 0
echo "ec2_cluster_test: cluster up of 3 machines took $(echo "$t1 - $t0" | bc) s" >&2
ids=$(running_of c1)
check_eq "up: 3 instances tagged fanout:cluster=c1" "$(wc -w <<<"$ids")" 3
check_eq "up: they are spot instances" "$(py "r = ec2.describe_instances(InstanceIds='$ids'.split())
print(' '.join(i.get('InstanceLifecycle', '-') for x in r['Reservations'] for i in x['Instances']))")" "spot spot spot"
check_eq "up: tagged with the owner and a Name" "$(py "r = ec2.describe_instances(InstanceIds='$ids'.split())
print(' '.join(sorted({t['Key'] for x in r['Reservations'] for i in x['Instances'] for t in i['Tags']})))")" \
  "Name fanout:cluster fanout:created fanout:owner"
addrs=$(py "r = ec2.describe_instances(InstanceIds='$ids'.split())
print(' '.join(sorted(i['PrivateIpAddress'] for x in r['Reservations'] for i in x['Instances'])))")
check_eq "up: the record's hosts are the addresses moto assigned" \
  "$(sort "$XDG_STATE_HOME/fanout/clusters/c1/hosts" | tr '\n' ' ')" "$addrs "
for id in $ids; do check_true "up: prints $id" grep -q "$id" "$TMP/out.up"; done
check_true "up: each machine answered ssh and got fanout" test "$(grep -c ': ready (' "$TMP/err.up")" -eq 3
home=$(getent passwd "$HOSTS_USER" | cut -d: -f6)
trap_first "rm -f $home/boot-10.232.0.*"
for a in $addrs; do
  check_true "up: --bootstrap ran on $a" grep -q "^bootstrapped h${a##*.}\$" "$home/boot-$a"
done
expect_fail 1 "a cluster named c1 is already up here" cluster up c1 --count 1 "${UP[@]}"
run_fanout redeploy deploy --cluster c1
check_eq "deploy --cluster: every machine up to date ($(tr '\n' '|' <"$TMP/out.redeploy"))" \
  "$(grep -c ': up to date, fanout ' "$TMP/out.redeploy")" 3
run_fanout ls cluster ls
check_true "ls: c1 with 3 of 3 running ($(tr '\n' '|' <"$TMP/out.ls"))" grep -qE '^c1 +3 +t3.micro +spot .*3 of 3$' "$TMP/out.ls"

# ---- jobs over --cluster
data=$HOSTS_DIR/data
"$FANOUT" gen-taxi --out "$data" --files 6 --rows 30000 --seed 14 --quiet || die "gen-taxi failed"
chmod -R a+rX "$data"
run_fanout local count --by passenger_count "$data"
run_fanout local_agg agg --by passenger_count --count --sum total_amount "$data"
run_fanout job count --by passenger_count --cluster c1 "$data" --stats "$TMP/cluster.json"
check_eq "--cluster count: the stats' mode, hosts and status" "$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["job"]["mode"], len(d["hosts"]), d["job"]["status"])' "$TMP/cluster.json" 2>&1)" "cluster 3 ok"
check_eq "--cluster count: exit status ($(tail -n 3 "$TMP/err.job" | tr '\n' '|'))" "$(rc_of job)" 0
check_files_equal "--cluster count: the local answer" "$TMP/out.job" "$TMP/out.local"
check_true "--cluster count: 3 workers in the summary ($(head -n1 "$TMP/err.job"))" grep -q ', 3 workers,' "$TMP/err.job"
check_true "--cluster count: the cost on the line after it ($(sed -n 2p "$TMP/err.job"))" \
  grep -qE '^fanout: cluster c1: 3 × t3.micro spot, [0-9.]+ m?s, (\$0\.00|< \$0\.01)$' "$TMP/err.job"
run_fanout job_agg agg --by passenger_count --count --sum total_amount --cluster c1 "$data"
check_files_equal "--cluster agg: the local answer" "$TMP/out.job_agg" "$TMP/out.local_agg"
expect_fail 2 "give --cluster or --hosts, not both" count --by passenger_count --cluster c1 --hosts h1 "$data"
expect_fail 1 "no cluster named nosuch" count --by passenger_count --cluster nosuch "$data"
run_fanout exec exec --cluster c1 -- 'hostname -I'
check_eq "exec --cluster: exit status" "$(rc_of exec)" 0
check_eq "exec --cluster: each machine answers with its own address" \
  "$(awk -F': ' '{split($2, a, " "); if ($1 == a[1]) print $1}' "$TMP/out.exec" | sort | tr '\n' ' ')" "$addrs "

# ---- a spot interruption mid-job
victim=$(head -n1 "$XDG_STATE_HOME/fanout/clusters/c1/hosts")
k=$(ec2_host_index "$victim")
ns=${HOSTS_PREFIX}$k
notice=$TMP/notice.json
ip netns exec "$ns" ip link set lo up && ip netns exec "$ns" ip addr add 169.254.169.254/32 dev lo ||
  die "cannot give host $k its metadata address"
ip netns exec "$ns" "$PY" "$FANOUT_SRC/tests/s3/fake_imds.py" --bind 169.254.169.254 --port 80 \
  --spot-file "$notice" --max-seconds 300 >"$TMP/imds.out" 2>"$TMP/imds.err" &
imds=$!
trap_first "kill $imds 2>/dev/null"
for ((i = 0; i < 50; i++)); do [[ -s $TMP/imds.out ]] && break; sleep 0.1; done
slow=$HOSTS_DIR/bin/slow-fanout
mkdir -p "$HOSTS_DIR/bin"
printf '#!/bin/sh\nFANOUT_TEST_TASK_DELAY_MS=1200 exec "$HOME/.cache/fanout/bin/fanout" "$@"\n' >"$slow"
chmod 755 "$slow"
fanout_start spot count --by passenger_count --cluster c1 --remote-fanout "$slow" --range-size 1MB "$data"
for ((i = 0; i < 100; i++)); do
  [[ -n $(host_workers "$k") ]] && break
  sleep 0.1
done
sleep 1.5
echo "{\"action\": \"terminate\", \"time\": \"$(date -u -d '+2 min' +%Y-%m-%dT%H:%M:%SZ)\"}" >"$notice"
sleep 2
asked=$(ip netns exec "$ns" curl -s --max-time 2 http://169.254.169.254/__stats |
  "$PY" -c 'import json, sys; print(json.load(sys.stdin)["notice_gets"])')
host_kill_sshd "$k"  # EC2 takes the machine (and its metadata service with it)
fanout_wait spot
check_eq "interrupted: exit status ($(tail -n 4 "$TMP/err.spot" | tr '\n' '|'))" "$(rc_of spot)" 0
check_files_equal "interrupted: the exact answer" "$TMP/out.spot" "$TMP/out.local"
check_true "interrupted: names $victim and the notice" \
  grep -q "warning: $victim was interrupted (spot instance-action: terminate at" "$TMP/err.spot"
check_true "interrupted: its tasks had moved ($(grep attempts "$TMP/err.spot"))" \
  grep -qE 'tasks? moved off interrupted machines' "$TMP/err.spot"
check_eq "interrupted: no task waited for the machine to die (none re-run after a lost worker)" \
  "$(grep -c 'after a lost worker' "$TMP/err.spot")" 0
check_true "interrupted: the worker asked the metadata service ($asked times)" test "${asked:-0}" -gt 0
wait "$imds" 2>/dev/null
echo "ec2_cluster_test: interruption: $(grep -E 'interrupted|attempts' "$TMP/err.spot" | tr '\n' ' ')" >&2

# ---- down
run_fanout down cluster down c1
check_eq "down: exit status ($(tail -n 2 "$TMP/err.down" | tr '\n' '|'))" "$(rc_of down)" 0
check_true "down: the cost ($(cat "$TMP/out.down"))" grep -qE '^cluster c1: terminated: 3 × t3.micro spot, .*(\$0\.00|< \$0\.01)' "$TMP/out.down"
check_eq "down: no instance of c1 left" "$(running_of c1)" ""
check_true "down: the record is gone" test ! -e "$XDG_STATE_HOME/fanout/clusters/c1"
expect_fail 1 "no cluster named c1" cluster down c1

# ---- Ctrl-C during up: every instance started is terminated
ec2_knob boot_seconds 60
fanout_start int cluster up c2 --count 2 "${UP[@]}"
for ((i = 0; i < 100; i++)); do
  [[ $(wc -w <<<"$(running_of c2)") == 2 ]] && break
  sleep 0.1
done
check_eq "Ctrl-C: the instances were started" "$(wc -w <<<"$(running_of c2)")" 2
kill -INT "$FANOUT_PID"
fanout_wait int
check_eq "Ctrl-C during up: exit status 130" "$(rc_of int)" 130
check_eq "Ctrl-C during up: no instance left running" "$(running_of c2)" ""
check_true "Ctrl-C during up: the record is gone" test ! -e "$XDG_STATE_HOME/fanout/clusters/c2"
ec2_knob boot_seconds 0

# ---- a machine that never answers: named, and nothing left running
n_seen=$(ec2_instances | wc -l)
ec2_knob unreachable "$((n_seen + 2))"
run_fault never cluster up c3 --count 2 --wait 15 "${UP[@]}"
check_eq "unreachable: exit status" "$(rc_of never)" 1
bad=$(py "r = ec2.describe_instances(Filters=[{'Name': 'tag:fanout:cluster', 'Values': ['c3']}])
print(sorted((i['LaunchTime'], i['AmiLaunchIndex'], i['InstanceId']) for x in r['Reservations'] for i in x['Instances'])[-1][2])")
check_true "unreachable: the error names the machine that never answered ($(tail -n1 "$TMP/err.never"))" \
  grep -qE "1 of 2 machines failed: i-[0-9a-f]+ \(10\.232\.0\.[0-9]+\) never answered ssh in 15 s" "$TMP/err.never"
check_eq "unreachable: no instance of c3 left running" "$(running_of c3)" ""

# --keep-partial keeps what was started (and says how to take it down).
n_seen=$(ec2_instances | wc -l)
ec2_knob unreachable "$((n_seen + 1))"
run_fault keep cluster up c4 --count 2 --wait 10 --keep-partial "${UP[@]}"
check_eq "--keep-partial: exit status" "$(rc_of keep)" 1
check_true "--keep-partial: says how to take them down" grep -q "fanout cluster down c4 terminates them" "$TMP/err.keep"
check_eq "--keep-partial: both instances still run" "$(wc -w <<<"$(running_of c4)")" 2
run_fanout down4 cluster down c4
check_eq "--keep-partial, then down: none left" "$(running_of c4)" ""
ec2_knob unreachable ""

# ---- 12 machines
t0=$(date +%s.%N)
run_fault up12 cluster up c12 --count 12 "${UP[@]}"
t1=$(date +%s.%N)
check_eq "up 12: exit status ($(tail -n 2 "$TMP/err.up12" | tr '\n' '|'))" "$(rc_of up12)" 0
echo "ec2_cluster_test: cluster up of 12 machines took $(echo "$t1 - $t0" | bc) s" >&2
run_fanout job12 count --by passenger_count --cluster c12 "$data"
check_files_equal "--cluster of 12: the local answer" "$TMP/out.job12" "$TMP/out.local"
run_fanout down12 cluster down c12
check_eq "down 12: no instance left" "$(running_of c12)" ""

ec2_check || fail "the EC2 harness refused something (see above)"
finish
