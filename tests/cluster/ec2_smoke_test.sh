#!/usr/bin/env bash
# Smoke test of the EC2 test harness, tests/cluster/ec2.sh: moto's EC2 server on
# loopback, with a real machine (a network namespace with its own sshd) behind each
# instance. Leaves a crashed run's harness behind on purpose and checks that ec2_up
# clears it; creates instances with the aws cli against moto and checks that each
# answers ssh through EC2_SSH at the private address moto reports, as itself; that
# EC2_SSH refuses addresses outside the subnet (172.31.0.5 in moto's default VPC,
# 8.8.8.8) without sending a packet; that a terminated instance's machine goes away
# within seconds; that the unreachable and boot-delay knobs (EC2_UNREACHABLE,
# ec2_knob, the fanout-test:* tags) work; that a spot instance gets a machine too;
# that an instance outside the subnet fails the harness loudly and gets no machine;
# then that ec2_down, and the EXIT trap on SIGTERM, leave no namespace, process, moto
# or zombie behind.
#
#   bash tests/cluster/ec2_smoke_test.sh
#   EC2_SMOKE_INSTANCES=12 bash tests/cluster/ec2_smoke_test.sh   # time 12 machines
#
# Needs root, network namespaces and moto (prints "SKIP: ..." and exits 0 without
# them, unless FANOUT_REQUIRE_CLUSTER=1). Prints a PASS or FAIL line per check and
# "ec2_smoke_test: N passed, M failed", and exits 1 when anything failed.
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=ec2.sh
source "$HERE/ec2.sh"

ec2_require

N=${EC2_SMOKE_INSTANCES:-3}
{ [[ $N =~ ^[0-9]+$ ]] && ((N >= 2 && N <= 100)); } || die "EC2_SMOKE_INSTANCES must be 2 to 100 (got '$N')"
PROBE_TABLE=fanout_ec2_probe  # an inet table that counts (and drops) packets to refused addresses

# Every check prints its line (lib.sh's pass and fail count them).
pass() {
  PASSED=$((PASSED + 1))
  echo "PASS [$TEST_NAME]: ${_CHECK:-check}"
}
check_eq() {
  _CHECK=$1
  if [[ $2 == "$3" ]]; then pass; else fail "$1: got '$2', want '$3'"; fi
}
check_true() {
  local what=$1
  shift
  _CHECK=$what
  if "$@"; then pass; else fail "$what"; fi
}
say() { echo "ec2_smoke_test: $*" >&2; }

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((10#$t / 1000))
}
secs_since() { # MS: seconds since now_ms said MS, one decimal
  local d=$(($(now_ms) - $1))
  printf '%d.%d' $((d / 1000)) $((d % 1000 / 100))
}

# aws_ec2 ARGS...: the aws cli against moto, text output, bounded in time.
aws_ec2() {
  timeout 60 aws --endpoint-url "$EC2_ENDPOINT" --region "$EC2_REGION" --output text ec2 "$@"
}

# leftovers: every namespace, link, nftables table, state file or process of the
# harness that exists, one per line (nothing when clean).
leftovers() {
  ip netns list | awk '{print "netns " $1}' | grep -E '^netns fo-e[0-9]+$'
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(fo-e[0-9]+-v|fo-bre)$' | sed 's/^/link /'
  nft list table bridge fanout_ec2 >/dev/null 2>&1 && echo "nft table bridge fanout_ec2"
  local f
  for f in /run/fanout-hosts/fo-e.state /run/fanout-hosts/fo-e.ec2; do
    [[ -e $f ]] && echo "state $f"
  done
  return 0
}

# gone PID: no such process (or a zombie about to be reaped).
gone() { ! _hosts_alive "$1"; }

# our_zombies: zombies the harness could leave behind (orphans of its processes that
# died before PID 1, which here reaps only every few seconds, got to them). This
# shell's own children, reaped as they end, and the bash subshells of the checks
# themselves are not counted.
our_zombies() {
  ps -e -o pid=,ppid=,stat=,comm= |
    awk -v me=$$ '$3 ~ /^Z/ && $2 != me && ($4 ~ /^(sshd|unshare|sh|python3?|setpriv)$/) {print $1}' | sort
}
check_no_new_zombies() {
  local deadline=$((SECONDS + 10)) new
  while new=$(comm -13 <(echo "$2") <(our_zombies) | tr '\n' ' ') && [[ -n $new ]] && ((SECONDS < deadline)); do
    sleep 0.2
  done
  check_eq "$1: no new zombies" "$new" ""
}

# check_clean WHAT DIR MOTO WATCHER: nothing of the harness left.
check_clean() {
  local what=$1 dir=$2 moto=$3 watcher=$4 left
  left=$(leftovers)
  check_eq "$what: no namespace, link, table or state file left" "${left//$'\n'/ }" ""
  check_true "$what: $dir is removed" test -n "$dir" -a ! -e "$dir"
  check_true "$what: moto_server (pid $moto) is gone" gone "$moto"
  check_true "$what: the watcher (pid $watcher) is gone" gone "$watcher"
  check_eq "$what: processes naming $dir" "$(pgrep -f -- "$dir" | tr '\n' ' ')" ""
}

# tcp_answers ADDR: ADDR (checked to be in the test subnet) accepts a TCP connection
# on port 22 within 0.5 s.
tcp_answers() {
  [[ $1 == 10.232.0.* ]] || return 1
  # shellcheck disable=SC2016  # $1 is the inner shell's
  timeout 0.5 bash -c 'exec 3<>"/dev/tcp/$1/22"' _ "$1" 2>/dev/null
}

# wait_answering SECONDS ADDR...: waits until every ADDR answers ssh through EC2_SSH;
# prints "ADDR MS" for each as it answers (MS after the call); fails on a time-out.
wait_answering() {
  local seconds=$1 t0 a
  shift
  t0=$(now_ms)
  local -A done_=()
  while ((${#done_[@]} < $#)); do
    for a in "$@"; do
      [[ -n ${done_[$a]:-} ]] && continue
      # shellcheck disable=SC2086  # EC2_SSH is a command line
      if tcp_answers "$a" &&
        timeout 10 $EC2_SSH -o ConnectTimeout=2 "$a" true </dev/null >/dev/null 2>&1; then
        done_[$a]=$(($(now_ms) - t0))
        echo "$a ${done_[$a]}"
      fi
    done
    (($(now_ms) - t0 > seconds * 1000)) && return 1
    sleep 0.05
  done
}
answering() { wait_answering "$@" >/dev/null; }

# ssh_as ADDR CMD: CMD on the machine at ADDR through EC2_SSH; its stdout.
ssh_as() {
  # shellcheck disable=SC2086  # EC2_SSH is a command line
  timeout 20 $EC2_SSH -o ConnectTimeout=3 "$1" "$2" </dev/null 2>"$TMP/ssh_as.err"
}

# host_ns_addrs: every IPv4 address of every fo-e namespace, one per line.
host_ns_addrs() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^fo-e[0-9]+$'); do
    ip -n "$ns" -4 -o addr show | awk '{print $4}' | sed 's|/.*||' | grep -v '^127\.'
  done
}

root_ssh_before=$(ls -la --time-style=full-iso ~/.ssh 2>&1)

# ---- a crashed run's harness is cleared by the next ec2_up ----------------------
cat >"$TMP/crash.sh" <<'EOF'
source "$1/ec2.sh"
ec2_up >/dev/null 2>&1 || exit 9
timeout 60 aws --endpoint-url "$EC2_ENDPOINT" --output text ec2 run-instances --image-id "$EC2_AMI" \
  --count 1 --subnet-id "$EC2_SUBNET" --query 'Instances[0].PrivateIpAddress' >"$EC2_DIR/crash.addr" || exit 8
ec2_wait_ssh "$(cat "$EC2_DIR/crash.addr")" 30 || exit 7
echo "$EC2_DIR $EC2_MOTO_PID $EC2_WATCH_PID $(cat "$EC2_DIR/crash.addr")"
kill -KILL $$
EOF
# (The braces keep bash's "Killed" report out of the test's output.)
{ bash "$TMP/crash.sh" "$HERE" >"$TMP/crash.out" 2>"$TMP/crash.err"; } 2>/dev/null
rc=$?
check_eq "the crashing run died of SIGKILL midway ($(cat "$TMP/crash.err"))" "$rc" 137
read -r crash_dir crash_moto crash_watch crash_addr <"$TMP/crash.out"
check_true "the crashed run left its machine (${crash_addr:-?}) behind" grep -qx "netns fo-e${crash_addr##*.}" <<<"$(leftovers)"
check_true "the crashed run left its state file behind" grep -q 'fo-e.ec2' <<<"$(leftovers)"
deadline=$((SECONDS + 10))
while { ! gone "${crash_moto:-0}" || ! gone "${crash_watch:-0}"; } && ((SECONDS < deadline)); do sleep 0.1; done
check_true "the crashed run's moto_server (pid ${crash_moto:-?}) died with its shell" gone "${crash_moto:-0}"
check_true "the crashed run's watcher (pid ${crash_watch:-?}) died with its shell" gone "${crash_watch:-0}"

# ---- up -------------------------------------------------------------------------
t0=$(now_ms)
ec2_up || die "ec2_up failed"
say "ec2_up took $(secs_since "$t0") s (with a crashed run's cleanup)"
DIR=$EC2_DIR MOTO=$EC2_MOTO_PID WATCHER=$EC2_WATCH_PID
check_true "the crashed run's DIR ${crash_dir:-?} is removed" test -n "${crash_dir:-}" -a ! -e "${crash_dir:-/}"
check_eq "no machine is up before any instance (the crashed run's are gone)" "$(host_ns_addrs | tr '\n' ' ')" ""
check_true "moto_server runs (pid $MOTO)" _hosts_alive "$MOTO"
check_true "the watcher runs (pid $WATCHER)" _hosts_alive "$WATCHER"
check_true "EC2_ENDPOINT is on loopback ($EC2_ENDPOINT)" grep -qE '^http://127\.0\.0\.1:[0-9]+$' <<<"$EC2_ENDPOINT"
check_true "moto listens on 127.0.0.1 only" \
  test -z "$(ss -Htlnp | grep "pid=$MOTO," | awk '{print $4}' | grep -v '^127\.0\.0\.1:')"
check_eq "EC2_REGION" "$EC2_REGION" us-east-1
check_eq "EC2_SUBNET_CIDR" "$EC2_SUBNET_CIDR" 10.232.0.0/24
check_eq "AWS_ACCESS_KEY_ID" "$AWS_ACCESS_KEY_ID" testing
check_eq "AWS_ENDPOINT_URL_EC2" "$AWS_ENDPOINT_URL_EC2" "$EC2_ENDPOINT"
check_true "EC2_SUBNET, EC2_SG, EC2_KEY_NAME, EC2_AMI are set ($EC2_SUBNET $EC2_SG $EC2_KEY_NAME $EC2_AMI)" \
  grep -qE '^subnet-[0-9a-f]+ sg-[0-9a-f]+ fo-e ami-[0-9a-f]+$' <<<"$EC2_SUBNET $EC2_SG $EC2_KEY_NAME $EC2_AMI"
check_true "EC2_KEY_FILE is the hosts' client key" cmp -s "$EC2_KEY_FILE.pub" "$HOSTS_DIR/authorized_keys"
read -r cidr mpip vpc <<<"$(aws_ec2 describe-subnets --subnet-ids "$EC2_SUBNET" \
  --query 'Subnets[0].[CidrBlock,MapPublicIpOnLaunch,VpcId]' 2>&1)"
check_eq "the subnet's CIDR block" "$cidr" 10.232.0.0/24
check_eq "the subnet's MapPublicIpOnLaunch" "$mpip" False
check_eq "the subnet's VPC" "$vpc" "$EC2_VPC"
check_eq "the VPC's CIDR block" "$(aws_ec2 describe-vpcs --vpc-ids "$EC2_VPC" --query 'Vpcs[0].CidrBlock' 2>&1)" 10.232.0.0/16

# ---- N instances, N machines ------------------------------------------------------
t0=$(now_ms)
aws_ec2 run-instances --image-id "$EC2_AMI" --count "$N" --subnet-id "$EC2_SUBNET" \
  --instance-type t3.micro --key-name "$EC2_KEY_NAME" --security-group-ids "$EC2_SG" \
  --query 'Instances[].[InstanceId,PrivateIpAddress,State.Name]' >"$TMP/run.out" 2>"$TMP/run.err"
rc=$?
check_eq "run-instances --count $N ($(cat "$TMP/run.err"))" "$rc" 0
t_ran=$(now_ms)
mapfile -t ids < <(awk '{print $1}' "$TMP/run.out")
mapfile -t addrs < <(awk '{print $2}' "$TMP/run.out")
check_eq "run-instances gives $N instances" "${#ids[@]}" "$N"
check_eq "run-instances says pending" "$(awk '{print $3}' "$TMP/run.out" | sort -u)" pending
check_eq "the addresses are distinct" "$(printf '%s\n' "${addrs[@]}" | sort -u | wc -l)" "$N"
for a in "${addrs[@]}"; do
  { [[ $a =~ ^10\.232\.0\.([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 2 && BASH_REMATCH[1] <= 254)); } ||
    fail "instance address $a is not in 10.232.0.0/24"
done
say "moto gave the addresses ${addrs[*]}"
if wait_answering 60 "${addrs[@]}" >"$TMP/answered"; then
  _CHECK="all $N machines answer ssh through EC2_SSH"
  pass
else
  fail "not every machine answered ssh within 60 s: answered: $(tr '\n' ' ' <"$TMP/answered"); watcher log: $(tail -n 20 "$DIR/ec2_watch.log")"
fi
last_ms=$(awk '{print $2}' "$TMP/answered" | sort -n | tail -n 1)
say "$N machines answered ssh $(secs_since "$t_ran") s after run-instances returned ($(secs_since "$t0") s after it was called; the last answered ${last_ms:-?} ms into the wait)"
check_eq "ec2_instances running: the $N instances" "$(ec2_instances running | awk '{print $1}' | sort | tr '\n' ' ')" \
  "$(printf '%s\n' "${ids[@]}" | sort | tr '\n' ' ')"

# ---- each machine is the instance moto reports ----------------------------------
for ((k = 0; k < N && k < 4; k++)); do
  a=${addrs[k]}
  out=$(ssh_as "$a" 'hostname; hostname -I; whoami; cat /proc/1/comm')
  mapfile -t lines <<<"$out"
  check_eq "$a: hostname" "${lines[0]:-}" "h${a##*.}"
  check_eq "$a: hostname -I is the address moto reports" "$(tr -d ' ' <<<"${lines[1]:-}")" "$a"
  check_eq "$a: the test user" "${lines[2]:-}" "$HOSTS_USER"
  check_eq "$a: PID 1 on the machine is its sshd" "${lines[3]:-}" sshd
  check_eq "$a: DIR/ec2_hosts maps it to its instance" "$(awk -v a="$a" '$1 == a {print $3}' "$DIR/ec2_hosts")" "${ids[k]}"
  check_eq "$a: ec2_host_index" "$(ec2_host_index "$a")" "${a##*.}"
done
check_eq "every machine's address is an instance's" "$(host_ns_addrs | sort | tr '\n' ' ')" \
  "$(printf '%s\n' "${addrs[@]}" | sort | tr '\n' ' ')"
# As fanout will call it: its own known_hosts (accept-new) and connection sharing.
a=${addrs[0]}
# shellcheck disable=SC2086
out=$(timeout 20 $EC2_SSH -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=accept-new \
  -o UserKnownHostsFile="$TMP/known_hosts" -o ControlMaster=auto -o ControlPersist=30 \
  -o ControlPath="$TMP/cm-%C" -l admin "$a" hostname </dev/null 2>"$TMP/fanout_like.err")
check_eq "fanout's options (accept-new, its known_hosts, ControlPath, -l admin) work ($(cat "$TMP/fanout_like.err"))" "$out" "h${a##*.}"
check_true "accept-new wrote the machine's key to the caller's known_hosts" grep -q "^$a ssh-ed25519 " "$TMP/known_hosts"
check_true "EC2_SSH logged the user it was asked for" grep -q "allowed dest=$a user=admin" "$DIR/ssh.log"
# shellcheck disable=SC2086
timeout 10 $EC2_SSH -o ControlPath="$TMP/cm-%C" -O exit "$a" >/dev/null 2>&1

# ---- EC2_SSH refuses everything outside the subnet, sending nothing --------------
nft -f - <<EOF || fail "cannot create the probe table inet $PROBE_TABLE"
table inet $PROBE_TABLE {
  chain out { type filter hook output priority -10; ip daddr { 8.8.8.8, 172.31.0.0/16 } counter drop; }
}
EOF
trap_first "nft delete table inet $PROBE_TABLE 2>/dev/null"
refuse_case() { # WHAT NEEDLE ARGS...
  local what=$1 needle=$2 rc
  shift 2
  # shellcheck disable=SC2086
  timeout 10 $EC2_SSH -o ConnectTimeout=2 "$@" true </dev/null >"$TMP/ref.out" 2>"$TMP/ref.err"
  rc=$?
  check_eq "EC2_SSH $what: exit 255" "$rc" 255
  check_true "EC2_SSH $what says: $needle ($(cat "$TMP/ref.err"))" grep -qF -- "$needle" "$TMP/ref.err"
}
outside="outside the test hosts' network 10.232.0.0/24"
refuse_case "172.31.0.5" "ec2_ssh.sh: refusing to connect to 172.31.0.5: $outside" 172.31.0.5
refuse_case "8.8.8.8" "ec2_ssh.sh: refusing to connect to 8.8.8.8: $outside" 8.8.8.8
refuse_case "root@8.8.8.8 -p 22" "refusing to connect to 8.8.8.8: $outside" -p 22 root@8.8.8.8
refuse_case "ssh://admin@172.31.0.5:22" "refusing to connect to 172.31.0.5: $outside" ssh://admin@172.31.0.5:22
refuse_case "-o ProxyCommand" "refusing -o ProxyCommand" -o 'ProxyCommand=nc 8.8.8.8 22' "$a"
refuse_case "-o HostName" "refusing -o HostName=8.8.8.8" -o HostName=8.8.8.8 "$a"
refuse_case "-J" "refusing -J" -J 8.8.8.8 "$a"
refuse_case "the gateway" "refusing to connect to 10.232.0.1: not a test host's address" 10.232.0.1
refuse_case "a host name" "refusing to connect to h4: $outside" h4
counters=$(nft list table inet "$PROBE_TABLE" 2>&1 | grep -o 'packets [0-9]*' | tr '\n' ' ')
check_eq "no packet went to 8.8.8.8 or 172.31.0.0/16" "$counters" "packets 0 "
nft delete table inet "$PROBE_TABLE" 2>/dev/null

# ---- terminate one: its machine goes away -----------------------------------------
victim=${ids[1]} victim_addr=${addrs[1]}
t0=$(now_ms)
aws_ec2 terminate-instances --instance-ids "$victim" --query 'TerminatingInstances[0].CurrentState.Name' >"$TMP/term.out" 2>&1
check_eq "terminate-instances says shutting-down" "$(cat "$TMP/term.out")" shutting-down
t_term=$(now_ms)
deadline=$((SECONDS + 10))
while ip netns list | awk '{print $1}' | grep -qx "fo-e${victim_addr##*.}" && ((SECONDS < deadline)); do
  sleep 0.05
done
check_true "the terminated instance's namespace is gone within 10 s" \
  test -z "$(ip netns list | awk '{print $1}' | grep -x "fo-e${victim_addr##*.}")"
say "the terminated instance's machine was gone $(secs_since "$t_term") s after terminate-instances returned"
check_true "ssh to the terminated instance's address $victim_addr fails" ec2_wait_no_ssh "$victim_addr" 5
check_eq "ec2_instances terminated" "$(ec2_instances terminated | awk '{print $1, $3}')" "$victim $victim_addr"
check_true "the others still answer" answering 10 "${addrs[0]}" "${addrs[2]}"
check_true "its known_hosts line is gone" test -z "$(awk -v a="$victim_addr" '$1 == a' "$HOSTS_DIR/known_hosts")"

# ---- knobs: unreachable (by number and by tag), boot delay, and a spot instance ----
ec2_knob unreachable "$((N + 1))" || fail "ec2_knob unreachable"
sleep 0.5  # the watcher reads the knob within 0.2 s
launch() { # ARGS...: one instance; prints its address
  aws_ec2 run-instances --image-id "$EC2_AMI" --count 1 --subnet-id "$EC2_SUBNET" \
    --query 'Instances[0].PrivateIpAddress' "$@"
}
unr_addr=$(launch 2>&1)
tag_addr=$(launch --tag-specifications 'ResourceType=instance,Tags=[{Key=fanout-test:unreachable,Value=1}]' 2>&1)
spot_addr=$(launch --instance-market-options 'MarketType=spot,SpotOptions={MaxPrice=0.05,SpotInstanceType=one-time}' 2>&1)
t_boot=$(now_ms)
boot_addr=$(launch --tag-specifications 'ResourceType=instance,Tags=[{Key=fanout-test:boot-seconds,Value=4}]' 2>&1)
for v in unr_addr tag_addr boot_addr spot_addr; do
  [[ ${!v} =~ ^10\.232\.0\.[0-9]+$ ]] || fail "run-instances for $v: ${!v}"
done
sleep 0.5
check_true "the booting instance's machine ($boot_addr) is not up yet, about 1 s into its 4 s" \
  test -z "$(host_ns_addrs | grep -x "$boot_addr")"
if wait_answering 20 "$spot_addr" "$boot_addr" >"$TMP/answered2"; then
  _CHECK="the spot instance's and the booting instance's machines answer"
  pass
else
  fail "the spot and booting instances' machines did not answer: $(tr '\n' ' ' <"$TMP/answered2"); $(tail -n 12 "$DIR/ec2_watch.log")"
fi
boot_ms=$(($(now_ms) - t_boot))
say "the booting instance's machine answered $boot_ms ms after its run-instances was called"
check_true "the booting instance's machine came up after its 4 s ($boot_ms ms after its launch began)" test "$boot_ms" -ge 4000
lifecycle=$(aws_ec2 describe-instances --filters "Name=private-ip-address,Values=$spot_addr" \
  --query 'Reservations[].Instances[].[InstanceLifecycle,SpotInstanceRequestId]' 2>&1)
say "moto reports the spot instance (RunInstances with InstanceMarketOptions) as: InstanceLifecycle, SpotInstanceRequestId = $lifecycle"
check_true "moto reports InstanceLifecycle spot" grep -q '^spot' <<<"$lifecycle"
check_true "the instance marked unreachable by EC2_UNREACHABLE's number ($unr_addr) never answers" \
  test -z "$(host_ns_addrs | grep -x "$unr_addr")"
check_true "...and the one tagged fanout-test:unreachable ($tag_addr) neither" \
  test -z "$(host_ns_addrs | grep -x "$tag_addr")"
# shellcheck disable=SC2086
timeout 10 $EC2_SSH -o ConnectTimeout=2 "$unr_addr" true </dev/null >/dev/null 2>"$TMP/unr.err"
rc=$?
check_eq "ssh to the unreachable instance fails ($(cat "$TMP/unr.err"))" "$rc" 255
check_eq "DIR/ec2_instances says so" "$(awk -v a="$unr_addr" '$4 == a {print $5}' "$DIR/ec2_instances") $(awk -v a="$tag_addr" '$4 == a {print $5}' "$DIR/ec2_instances")" "unreachable unreachable"
check_true "the harness is sound so far" ec2_check

# ---- an instance outside the subnet fails the harness, and gets no machine ---------
say "next, an instance launched outside the harness's subnet on purpose: a FAIL line from the watcher is expected"
bad=$(aws_ec2 run-instances --image-id "$EC2_AMI" --count 1 \
  --query 'Instances[0].[InstanceId,PrivateIpAddress,PublicIpAddress]' 2>&1)
read -r bad_id bad_addr bad_pub <<<"$bad"
say "moto put it (without --subnet-id) at private $bad_addr, public $bad_pub"
deadline=$((SECONDS + 10))
while [[ ! -s $DIR/FAILED ]] && ((SECONDS < deadline)); do sleep 0.1; done
check_true "the watcher records the failure, naming the address ($(cat "$DIR/FAILED" 2>/dev/null))" \
  grep -qF "address $bad_addr, outside the test hosts' network 10.232.0.0/24" "$DIR/FAILED"
check_true "ec2_check fails" test "$(ec2_check 2>/dev/null; echo $?)" != 0
check_true "no machine has $bad_addr" test -z "$(host_ns_addrs | grep -xF -- "$bad_addr")"
# shellcheck disable=SC2086
timeout 10 $EC2_SSH "${addrs[0]}" true </dev/null >/dev/null 2>"$TMP/failed.err"
rc=$?
check_eq "EC2_SSH refuses every connection once the harness failed" "$rc" 255
check_true "...saying why ($(cat "$TMP/failed.err"))" grep -q 'the EC2 test harness has failed' "$TMP/failed.err"
aws_ec2 terminate-instances --instance-ids "$bad_id" >/dev/null 2>&1

# ---- down -----------------------------------------------------------------------
zombies=$(our_zombies)
ec2_down 2>"$TMP/down.err"
rc=$?
check_eq "ec2_down returns 1 after the failure" "$rc" 1
check_true "ec2_down says the harness failed" grep -q 'the EC2 test harness failed' "$TMP/down.err"
check_no_new_zombies "ec2_down" "$zombies"
check_clean "after ec2_down" "$DIR" "$MOTO" "$WATCHER"
check_eq "no ssh master of the test is left" "$(pgrep -f -- "$TMP/cm-" | tr '\n' ' ')" ""
check_true "ec2_down a second time is harmless" ec2_down
check_eq "EC2_ENDPOINT after ec2_down" "${EC2_ENDPOINT:-unset}" unset

# ---- the EXIT trap on SIGTERM ------------------------------------------------------
cat >"$TMP/child.sh" <<'EOF'
source "$1/../e2e/lib.sh"
source "$1/ec2.sh"
ec2_up >/dev/null 2>&1 || exit 9
a=$(timeout 60 aws --endpoint-url "$EC2_ENDPOINT" --output text ec2 run-instances --image-id "$EC2_AMI" \
  --count 2 --subnet-id "$EC2_SUBNET" --query 'Instances[0].PrivateIpAddress') || exit 8
ec2_wait_ssh "$a" 30 || exit 7
echo "$TMP $EC2_DIR $EC2_MOTO_PID $EC2_WATCH_PID"
while :; do sleep 0.1; done
EOF
zombies=$(our_zombies)
FANOUT=/nonexistent bash "$TMP/child.sh" "$HERE" >"$TMP/child.out" 2>"$TMP/child.err" &
child=$!
for ((i = 0; i < 1200; i++)); do
  [[ -s $TMP/child.out ]] && break
  kill -0 "$child" 2>/dev/null || break
  sleep 0.05
done
kill -TERM "$child"
wait "$child"
rc=$?
check_eq "a test killed by SIGTERM with the harness up exits 143 ($(tail -c 300 "$TMP/child.err"))" "$rc" 143
read -r child_tmp child_dir child_moto child_watch <"$TMP/child.out"
check_true "lib.sh's EXIT trap still ran (its TMP ${child_tmp:-?} is removed)" test -n "${child_tmp:-}" -a ! -e "${child_tmp:-/}"
check_clean "after SIGTERM" "${child_dir:-}" "${child_moto:-0}" "${child_watch:-0}"
check_no_new_zombies "the EXIT trap" "$zombies"

check_eq "root's ~/.ssh is untouched" "$(ls -la --time-style=full-iso ~/.ssh 2>&1)" "$root_ssh_before"

say "took $SECONDS s"
finish
