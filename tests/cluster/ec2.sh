# shellcheck shell=bash
# Helpers for cluster tests of the EC2 API: moto's EC2 server (moto_server, tried with
# moto 5.2.1) on loopback, and real machines behind its instances. moto's instances
# never boot; a watcher (tests/cluster/ec2_watch.py) polls DescribeInstances and, for
# every instance moto reports pending or running with a private address, brings up a
# test host (tests/cluster/hosts.sh: a network namespace with its own sshd) at exactly
# that address, and takes it down when the instance stops or is terminated. Source it
# (from the main shell, not from $(...)); it is not a test itself. Needs root.
#
#   ec2_require            exits 0 with "SKIP: ..." unless hosts_require passes and the
#                          python3 on PATH has moto (with its server) and boto3; with
#                          FANOUT_REQUIRE_CLUSTER=1 (CI) it fails (exit 1) instead
#   ec2_up [DIR]           start moto_server on 127.0.0.1 at a free port, create the
#                          harness's VPC (10.232.0.0/16), subnet (10.232.0.0/24, in
#                          us-east-1a, MapPublicIpOnLaunch false), security group (ssh
#                          from the gateway) and key pair (the hosts' client key,
#                          imported), pick an image moto knows, set up the hosts'
#                          network with no host yet (hosts_init DIR) and start the
#                          watcher. Installs ec2_down on EXIT (in front of hosts_down
#                          and whatever the script had). Exports the names below
#   ec2_down               stop the watcher (it takes its hosts down), moto, and every
#                          host (hosts_down); idempotent. Prints the harness's failure,
#                          if it failed, and then returns 1
#   ec2_check              true while the harness is sound: no failure recorded, the
#                          watcher and moto alive; else says why (on stderr) and fails.
#                          Call it before `finish`: a refusal by the watcher does not
#                          by itself fail the test
#   ec2_instances [STATE[,STATE...]]
#                          the instances moto reports (all, or those in these states),
#                          one per line: "ID STATE PRIVATE_ADDRESS" (- for none)
#   ec2_knob NAME VALUE    change a knob while the harness runs (the watcher reads it
#                          at its next look, within 0.2 s): unreachable "N M ..." (the
#                          Nth, Mth... instance the watcher sees, 1-based in launch
#                          order, gets no host) or boot_seconds S (each host comes up S
#                          seconds after its instance first shows)
#   ec2_host_index ADDR    the hosts.sh index of the host at ADDR (its last number):
#                          hosts_ssh, host_kill_sshd, host_link_down, host_drop... take
#                          it, so faults can be injected into an instance's machine
#   ec2_wait_ssh ADDR S    true once `$EC2_SSH ADDR true` works (tries for S seconds)
#   ec2_wait_no_ssh ADDR S true once that fails (tries for S seconds)
#
# Exported by ec2_up: EC2_ENDPOINT (http://127.0.0.1:PORT), EC2_REGION (us-east-1),
# EC2_AZ (us-east-1a), EC2_VPC, EC2_SUBNET (the subnet's id), EC2_SUBNET_CIDR
# (10.232.0.0/24), EC2_SG, EC2_KEY_NAME (fo-e), EC2_KEY_FILE (its private key, which
# logs in to the hosts), EC2_AMI, EC2_SSH (an ssh command for --ssh: the guard
# tests/cluster/ec2_ssh.sh, which refuses every destination outside EC2_SUBNET_CIDR and
# logs in as the test user), EC2_DIR (= HOSTS_DIR), EC2_PYTHON (the python3 with moto),
# EC2_MOTO_PID and EC2_WATCH_PID (moto_server's and the watcher's processes),
# and for the tools under test AWS_ACCESS_KEY_ID=testing, AWS_SECRET_ACCESS_KEY=testing,
# AWS_DEFAULT_REGION and AWS_REGION (us-east-1), AWS_ENDPOINT_URL_EC2 (EC2_ENDPOINT:
# SDKs and the aws cli that read it reach moto without --endpoint-url),
# AWS_EC2_METADATA_DISABLED=true, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (empty
# files in EC2_DIR: root's ~/.aws is never read); AWS_SESSION_TOKEN and AWS_PROFILE are
# unset. Plus what hosts_init exports (HOSTS_DIR, HOSTS_SSH_CONFIG, HOSTS_SSH,
# HOSTS_GATEWAY 10.232.0.1, ...).
#
# Instances and hosts: moto gives the instances of a subnet its addresses in order,
# from .4 (it keeps the network address and the next three, as AWS does), and does not
# give a terminated instance's address to a new one while moto runs (moto 5.2.1 frees
# it only when the instance object is garbage-collected, which in practice never
# happens); one asked for with PrivateIpAddress is used as it is. The host of the
# instance at 10.232.0.K is hosts.sh's host K (HOSTS_ADDR_BASE is 0): namespace fo-eK,
# hostname hK, known to DIR/ssh_config as hK and by its address. It comes up as soon as
# the watcher sees the instance (DescribeInstances says "running" at once; RunInstances
# answered "pending"), about 0.3 s later, unless a knob delays it, and goes when the
# instance leaves pending/running (stopping, stopped, shutting-down, terminated: moto
# reports terminated at once). A host brought up again for an address is a new
# machine with a new host key. Address K with no host (an unreachable instance, one
# still booting) answers nothing: ssh fails after the ARP time-out, about 3 s, with
# "No route to host", or at its ConnectTimeout if that is shorter.
#
# Refusals: an instance with any address outside 10.232.0.0/24 (one launched without
# EC2_SUBNET lands in moto's default VPC and gets a random 10.x.y.z address; a public
# address, which this subnet never gives but AssociatePublicIpAddress would) fails the
# harness: the watcher says so on stderr ("ec2_watch.py: FAIL: ..."), writes DIR/FAILED,
# and stops bringing hosts up or down; ec2_check and ec2_down then fail, and EC2_SSH
# refuses every connection. Nothing ever connects to such an address.
#
# Knobs (environment, read by ec2_up; ec2_knob changes them later): EC2_UNREACHABLE
# ("2" or "2 5": those instances, counted from 1 in the order the watcher first sees
# them, never get a host) and EC2_BOOT_SECONDS (S: each host comes up S seconds after
# its instance appears). Per instance, tags: fanout-test:unreachable (any value but
# "false" or "0": no host; added later, the host goes down) and
# fanout-test:boot-seconds=S.
#
# Files in DIR (besides hosts.sh's): moto.log, ec2_watch.log (what the watcher saw and
# did), ec2_hosts ("ADDRESS INDEX INSTANCE_ID" per host up), ec2_instances ("N ID STATE
# ADDRESS host|unreachable|booting|down"), ec2_knobs, ec2.env (what EC2_SSH reads),
# ssh.log (every EC2_SSH call: the destination, the user asked for, allowed or
# refused), FAILED (only when the harness failed).
#
# Names: HOSTS_PREFIX=fo-e, HOSTS_BRIDGE=fo-bre, HOSTS_SUBNET=10.232.0,
# HOSTS_NFT_TABLE=fanout_ec2 (set by ec2_up; other cluster tests use other names), so
# this shell's hosts.sh cluster is the EC2 one. moto's and the watcher's PIDs are
# recorded in /run/fanout-hosts/fo-e.ec2: ec2_up first stops those a crashed earlier
# run left (when the shell that started them is gone), and hosts_init clears its hosts.
# moto and the watcher also die with the shell that started them (parent-death signal).
# Settings: EC2_START_SECONDS (30: how long ec2_up waits for moto and the watcher).

# shellcheck source=hosts.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hosts.sh"
EC2_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EC2_MOTO_TESTED=5.2.1
: "${EC2_START_SECONDS:=30}"

_EC2_ACTIVE=     # 1 between ec2_up and ec2_down in this shell
_EC2_MOTO_PID='' _EC2_MOTO_START=''
_EC2_WATCH_PID='' _EC2_WATCH_START=''

_ec2_say() { echo "ec2.sh: $*" >&2; }

# ---- skip or fail ---------------------------------------------------------------

# _ec2_find_python: EC2_PYTHON, the interpreter (not pyenv's shim) of the python3 on
# PATH (or EC2_PYTHON as given) when it has moto's server and boto3.
_ec2_find_python() {
  local py=${EC2_PYTHON:-python3} exe
  exe=$(timeout 60 "$py" -c 'import sys, moto, moto.server, boto3, werkzeug; print(sys.executable)' 2>/dev/null) &&
    [[ -x $exe ]] || return 1
  EC2_PYTHON=$exe
  export EC2_PYTHON
}

ec2_require() {
  local why='' name=${TEST_NAME:-$(basename "$0" .sh)}
  hosts_require  # exits when it skips or fails
  if ! _ec2_find_python; then
    why="python3 on PATH ($(command -v "${EC2_PYTHON:-python3}" || echo none)) cannot import moto's server and boto3 (pip install 'moto[server]' boto3)"
  elif ! command -v setpriv >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
    why="setpriv (util-linux) or curl is missing"
  fi
  [[ -z $why ]] && return 0
  if [[ -n ${FANOUT_REQUIRE_CLUSTER:-} && ${FANOUT_REQUIRE_CLUSTER} != 0 ]]; then
    echo "FAIL: $name: $why, and FANOUT_REQUIRE_CLUSTER=$FANOUT_REQUIRE_CLUSTER requires the cluster tests" >&2
    exit 1
  fi
  echo "SKIP: $name: $why (needs moto's EC2 server)"
  exit 0
}

# ---- processes ------------------------------------------------------------------

_ec2_state_file() { echo "$HOSTS_STATE_DIR/$HOSTS_PREFIX.ec2"; }

_ec2_write_state() {
  mkdir -p "$HOSTS_STATE_DIR" &&
    printf 'owner=%s\nowner_start=%s\nmoto=%s\nmoto_start=%s\nwatch=%s\nwatch_start=%s\n' \
      "$$" "$(_hosts_start_time $$)" "$_EC2_MOTO_PID" "$_EC2_MOTO_START" \
      "$_EC2_WATCH_PID" "$_EC2_WATCH_START" >"$(_ec2_state_file)"
}

# _ec2_same PID START: PID is alive and is the process that started at START.
_ec2_same() {
  [[ -n $1 && -n $2 ]] && _hosts_alive "$1" && [[ $(_hosts_start_time "$1") == "$2" ]]
}

# _ec2_stop PID START SECONDS: SIGTERM to PID (if it is still that process), SIGKILL
# after SECONDS; returns once it is gone.
_ec2_stop() {
  _ec2_same "$1" "$2" || return 0
  kill -TERM "$1" 2>/dev/null
  _hosts_wait_gone "$1" "$3" && return 0
  _ec2_same "$1" "$2" && kill -KILL "$1" 2>/dev/null
  _hosts_wait_gone "$1" 5
}

# _ec2_reap_crashed: stops the moto and the watcher that an earlier run under these
# names left, once the shell that started them is gone (SIGKILL, and to the
# watcher's children too: a host_add under way).
_ec2_reap_crashed() {
  local file key value owner='' owner_start='' moto='' moto_start='' watch='' watch_start='' kids
  file=$(_ec2_state_file)
  [[ -f $file ]] || return 0
  while IFS='=' read -r key value; do
    case $key in
      owner | owner_start | moto | moto_start | watch | watch_start) printf -v "$key" '%s' "$value" ;;
    esac
  done <"$file"
  if [[ $owner != "$$" ]] && _ec2_same "$owner" "$owner_start"; then
    return 0  # a live run owns them: hosts_init waits for it
  fi
  if _ec2_same "$watch" "$watch_start"; then
    kids=$(pgrep -P "$watch")
    kill -KILL "$watch" 2>/dev/null
    # shellcheck disable=SC2086
    [[ -n $kids ]] && kill -KILL $kids 2>/dev/null
    _hosts_wait_gone "$watch" 5
    _ec2_say "stopped the watcher (pid $watch) of a crashed earlier run"
  fi
  if _ec2_same "$moto" "$moto_start"; then
    kill -KILL "$moto" 2>/dev/null
    _hosts_wait_gone "$moto" 5
    _ec2_say "stopped moto_server (pid $moto) of a crashed earlier run"
  fi
  rm -f "$file"
}

# _ec2_start_bg LOG ERR CMD...: starts CMD in the background as a disowned child of
# this shell (which reaps it) holding none of the test's open files; stdout appends
# to LOG, stderr to LOG too when ERR is "log" (else it is the test's). Sets _EC2_PID.
_ec2_start_bg() {
  local log=$1 err=$2 k
  shift 2
  (
    for k in "/proc/$BASHPID/fd/"*; do
      k=${k##*/}
      ((k > 2)) && eval "exec $k>&-"
    done
    [[ $err == log ]] && exec 2>&1
    exec "$@"
  ) </dev/null >>"$log" &
  _EC2_PID=$!
  disown "$_EC2_PID"
}

# _ec2_free_port: a TCP port on 127.0.0.1 that nothing listens on just now.
_ec2_free_port() {
  "$EC2_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _ec2_start_moto: moto_server on 127.0.0.1 at a free port, answering; sets
# EC2_ENDPOINT. Retries with another port when the chosen one was taken meanwhile.
_ec2_start_moto() {
  local try port deadline code
  for ((try = 1; try <= 3; try++)); do
    port=$(_ec2_free_port) || return 1
    _ec2_start_bg "$EC2_DIR/moto.log" log setpriv --pdeathsig TERM -- \
      "$EC2_PYTHON" -m moto.server -H 127.0.0.1 -p "$port"
    _EC2_MOTO_PID=$_EC2_PID
    # The start time is read at once, while the PID is surely this process.
    _EC2_MOTO_START=$(_hosts_start_time "$_EC2_MOTO_PID")
    _ec2_write_state
    deadline=$((SECONDS + EC2_START_SECONDS))
    while ((SECONDS < deadline)); do
      if ! _hosts_alive "$_EC2_MOTO_PID"; then
        break
      fi
      code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/moto-api/" 2>/dev/null)
      if [[ $code == 200 ]]; then
        export EC2_ENDPOINT=http://127.0.0.1:$port EC2_MOTO_PID=$_EC2_MOTO_PID
        return 0
      fi
      sleep 0.1
    done
    if _hosts_alive "$_EC2_MOTO_PID"; then
      _ec2_say "moto_server (pid $_EC2_MOTO_PID) does not answer on 127.0.0.1:$port after ${EC2_START_SECONDS}s: $(tail -c 1000 "$EC2_DIR/moto.log")"
      _ec2_stop "$_EC2_MOTO_PID" "$_EC2_MOTO_START" 5
      return 1
    fi
    grep -q 'Address already in use' "$EC2_DIR/moto.log" && continue
    _ec2_say "moto_server exited at once: $(tail -c 1000 "$EC2_DIR/moto.log")"
    return 1
  done
  _ec2_say "moto_server found no free port in 3 tries"
  return 1
}

# ---- up and down ----------------------------------------------------------------

ec2_up() {
  local dir=${1:-} t0=$SECONDS key value out moto_version
  if [[ ${_EC2_ACTIVE:-} == 1 ]]; then
    _ec2_say "the EC2 harness is up already ($EC2_ENDPOINT); ec2_down first"
    return 1
  fi
  if [[ $BASHPID != "$$" ]]; then
    # moto and the watcher die with the shell that starts them, and what ec2_up sets
    # would be lost with the subshell.
    _ec2_say "ec2_up must run in the test's main shell, not in a subshell (a pipeline, \$(...), ( ))"
    return 1
  fi
  if [[ ${_HOSTS_ACTIVE:-} == 1 ]]; then
    _ec2_say "this shell has a hosts.sh cluster already (${HOSTS_DIR:-?}); the EC2 harness needs its own"
    return 1
  fi
  # shellcheck disable=SC2034  # hosts.sh settings
  HOSTS_PREFIX=fo-e HOSTS_BRIDGE=fo-bre HOSTS_SUBNET=10.232.0 HOSTS_NFT_TABLE=fanout_ec2 HOSTS_ADDR_BASE=0
  if [[ -z ${EC2_PYTHON:-} || ! -x ${EC2_PYTHON:-} ]] && ! _ec2_find_python; then
    _ec2_say "no python3 with moto's server and boto3 (ec2_require first)"
    return 1
  fi
  _ec2_reap_crashed
  hosts_init "$dir" || return 1
  _ec2_reap_crashed  # hosts_init may have waited for a run that crashed meanwhile
  _EC2_ACTIVE=1
  [[ $(trap -p EXIT) == *ec2_down* ]] || trap_first ec2_down
  EC2_DIR=$HOSTS_DIR
  export EC2_DIR
  rm -f "$EC2_DIR/FAILED" "$EC2_DIR/ec2_watch.ready" "$EC2_DIR/ec2_hosts" "$EC2_DIR/ec2_instances"
  _EC2_MOTO_PID='' _EC2_MOTO_START='' _EC2_WATCH_PID='' _EC2_WATCH_START=''
  _ec2_write_state || { ec2_down; return 1; }

  # -- the credentials and the region: dummies, never root's own
  : >"$EC2_DIR/aws_config"
  : >"$EC2_DIR/aws_credentials"
  unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  export AWS_CONFIG_FILE=$EC2_DIR/aws_config AWS_SHARED_CREDENTIALS_FILE=$EC2_DIR/aws_credentials
  export EC2_REGION=us-east-1 EC2_AZ=us-east-1a EC2_SUBNET_CIDR=$HOSTS_SUBNET.0/24

  _ec2_start_moto || { ec2_down; return 1; }
  export AWS_ENDPOINT_URL_EC2=$EC2_ENDPOINT
  moto_version=$("$EC2_PYTHON" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)
  [[ $moto_version == "$EC2_MOTO_TESTED" ]] ||
    _ec2_say "moto is $moto_version here; this harness was tried with $EC2_MOTO_TESTED (see its notes on moto's behaviour)"

  # -- the VPC, subnet, security group, key pair and image
  if ! out=$(timeout 60 "$EC2_PYTHON" "$EC2_HERE/ec2_watch.py" setup --endpoint "$EC2_ENDPOINT" \
    --region "$EC2_REGION" --name "$HOSTS_PREFIX" --vpc-cidr "${HOSTS_SUBNET%.*}.0.0/16" \
    --subnet-cidr "$EC2_SUBNET_CIDR" --az "$EC2_AZ" --gateway "$HOSTS_GATEWAY" \
    --public-key "$HOSTS_DIR/id_ed25519.pub" 2>&1); then
    _ec2_say "cannot create the VPC, subnet, security group and key pair in moto: $out"
    ec2_down
    return 1
  fi
  while IFS='=' read -r key value; do
    case $key in
      EC2_VPC | EC2_SUBNET | EC2_SG | EC2_KEY_NAME | EC2_AMI)
        [[ $value =~ ^[A-Za-z0-9_.-]+$ ]] && printf -v "$key" '%s' "$value" && export "${key?}" ;;
    esac
  done <<<"$out"
  if [[ -z ${EC2_VPC:-} || -z ${EC2_SUBNET:-} || -z ${EC2_SG:-} || -z ${EC2_KEY_NAME:-} || -z ${EC2_AMI:-} ]]; then
    _ec2_say "setup in moto printed no VPC, subnet, security group, key pair or image: $out"
    ec2_down
    return 1
  fi
  export EC2_KEY_FILE=$HOSTS_DIR/id_ed25519

  # -- the ssh guard and the knobs
  printf '%s=%s\n' subnet "$HOSTS_SUBNET" ssh_config "$HOSTS_SSH_CONFIG" >"$EC2_DIR/ec2.env"
  export EC2_SSH="bash $EC2_HERE/ec2_ssh.sh --harness=$EC2_DIR"
  if [[ $EC2_SSH =~ [[:space:]].*[[:space:]].*[[:space:]] ]]; then
    _ec2_say "the path to tests/cluster ($EC2_HERE) has spaces: --ssh, split on spaces, cannot take it"
    ec2_down
    return 1
  fi
  {
    echo "unreachable=${EC2_UNREACHABLE:-}"
    echo "boot_seconds=${EC2_BOOT_SECONDS:-0}"
  } >"$EC2_DIR/ec2_knobs"

  # -- the watcher
  _ec2_start_bg "$EC2_DIR/ec2_watch.out" stderr "$EC2_PYTHON" "$EC2_HERE/ec2_watch.py" watch \
    --endpoint "$EC2_ENDPOINT" --region "$EC2_REGION" --dir "$EC2_DIR" \
    --hosts-lib "$EC2_HERE/hosts.sh" --subnet-cidr "$EC2_SUBNET_CIDR" \
    --addr-base "$HOSTS_ADDR_BASE" --parent "$$"
  _EC2_WATCH_PID=$_EC2_PID
  _EC2_WATCH_START=$(_hosts_start_time "$_EC2_WATCH_PID")
  export EC2_WATCH_PID=$_EC2_WATCH_PID
  _ec2_write_state
  local deadline=$((SECONDS + EC2_START_SECONDS))
  while [[ ! -e $EC2_DIR/ec2_watch.ready ]]; do
    if ! _hosts_alive "$_EC2_WATCH_PID" || ((SECONDS >= deadline)); then
      _ec2_say "the watcher did not start: $(tail -c 1000 "$EC2_DIR/ec2_watch.out" "$EC2_DIR/ec2_watch.log" 2>/dev/null)"
      ec2_down
      return 1
    fi
    sleep 0.05
  done
  _ec2_say "moto $moto_version at $EC2_ENDPOINT, subnet $EC2_SUBNET ($EC2_SUBNET_CIDR), image $EC2_AMI, watcher pid $_EC2_WATCH_PID; up in $((SECONDS - t0)) s"
}

ec2_down() {
  [[ ${_EC2_ACTIVE:-} == 1 ]] || return 0
  local rc=0
  _EC2_ACTIVE=''
  # The watcher takes its hosts down as it stops; moto then; hosts_down the rest.
  _ec2_stop "$_EC2_WATCH_PID" "$_EC2_WATCH_START" 30
  _ec2_stop "$_EC2_MOTO_PID" "$_EC2_MOTO_START" 5
  if [[ -n ${EC2_DIR:-} && -s $EC2_DIR/FAILED ]]; then
    _ec2_say "the EC2 test harness failed: $(tr '\n' ' ' <"$EC2_DIR/FAILED")"
    rc=1
  fi
  hosts_down
  rm -f "$(_ec2_state_file)"
  _EC2_MOTO_PID='' _EC2_MOTO_START='' _EC2_WATCH_PID='' _EC2_WATCH_START=''
  unset EC2_ENDPOINT EC2_VPC EC2_SUBNET EC2_SG EC2_KEY_NAME EC2_KEY_FILE EC2_AMI EC2_SSH EC2_DIR \
    EC2_MOTO_PID EC2_WATCH_PID AWS_ENDPOINT_URL_EC2
  return "$rc"
}

# ---- using it -------------------------------------------------------------------

ec2_check() {
  local bad=''
  if [[ ${_EC2_ACTIVE:-} != 1 ]]; then
    _ec2_say "ec2_check: the EC2 harness is not up"
    return 1
  fi
  [[ -s $EC2_DIR/FAILED ]] && bad+="$(tr '\n' ' ' <"$EC2_DIR/FAILED"); "
  _ec2_same "$_EC2_WATCH_PID" "$_EC2_WATCH_START" || bad+="the watcher (pid $_EC2_WATCH_PID) is gone: $(tail -c 600 "$EC2_DIR/ec2_watch.out" 2>/dev/null); "
  _ec2_same "$_EC2_MOTO_PID" "$_EC2_MOTO_START" || bad+="moto_server (pid $_EC2_MOTO_PID) is gone: $(tail -c 600 "$EC2_DIR/moto.log" 2>/dev/null); "
  [[ -z $bad ]] && return 0
  _ec2_say "the EC2 test harness is broken: $bad"
  return 1
}

ec2_instances() {
  if [[ ${_EC2_ACTIVE:-} != 1 ]]; then
    _ec2_say "ec2_instances: the EC2 harness is not up"
    return 1
  fi
  timeout 20 "$EC2_PYTHON" "$EC2_HERE/ec2_watch.py" instances --endpoint "$EC2_ENDPOINT" \
    --region "$EC2_REGION" --state "${1:-}"
}

ec2_knob() {
  local name=${1:-} value=${2:-} file
  if [[ ${_EC2_ACTIVE:-} != 1 ]]; then
    _ec2_say "ec2_knob: the EC2 harness is not up"
    return 1
  fi
  case $name in
    unreachable) [[ $value =~ ^[0-9,\ ]*$ ]] ;;
    boot_seconds) [[ $value =~ ^[0-9]+(\.[0-9]+)?$ ]] ;;
    *) false ;;
  esac || { _ec2_say "usage: ec2_knob unreachable 'N M ...' | ec2_knob boot_seconds S"; return 1; }
  file=$EC2_DIR/ec2_knobs
  { grep -v "^$name=" "$file" 2>/dev/null; echo "$name=$value"; } >"$file.tmp" && mv -f "$file.tmp" "$file"
}

ec2_host_index() {
  local addr=${1:-}
  if ! [[ $addr == "$HOSTS_SUBNET".* && ${addr##*.} =~ ^[1-9][0-9]{0,2}$ ]]; then
    _ec2_say "ec2_host_index: '$addr' is not an address in $HOSTS_SUBNET.0/24"
    return 1
  fi
  echo $((${addr##*.} - HOSTS_ADDR_BASE))
}

ec2_wait_ssh() {
  local addr=$1 deadline=$((SECONDS + $2))
  while :; do
    # shellcheck disable=SC2086  # EC2_SSH is a command line, split on spaces
    timeout 10 $EC2_SSH -o ConnectTimeout=2 "$addr" true </dev/null >/dev/null 2>&1 && return 0
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

ec2_wait_no_ssh() {
  local addr=$1 deadline=$((SECONDS + $2))
  while :; do
    # shellcheck disable=SC2086
    timeout 10 $EC2_SSH -o ConnectTimeout=1 "$addr" true </dev/null >/dev/null 2>&1 || return 0
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}
