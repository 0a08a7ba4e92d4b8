# shellcheck shell=bash
# Helpers for cluster tests: several real "hosts" on this one machine. Each host is a
# Linux network namespace with its own address, hostname, PID namespace and OpenSSH
# sshd; the root namespace reaches them through the system's ssh client, as a test
# user. Source it (from the main shell, not from $(...)); it is not a test itself.
# Needs root.
#
#   hosts_require          exits 0 with "SKIP: ..." unless this is root and network
#                          namespaces, veth pairs and bridges work; with
#                          FANOUT_REQUIRE_CLUSTER=1 (CI) it fails (exit 1) instead
#   hosts_install_deps     apt-get install openssh-server openssh-client iproute2
#                          nftables procps when one is missing (apt-get update only then)
#   hosts_up N [DIR]       start hosts h1..hN (see below) with their keys, configs and
#                          logs in DIR (default: a new temporary directory); returns
#                          once every host accepts an ssh login. Exports HOSTS_DIR,
#                          HOSTS_SSH_CONFIG, HOSTS_NAMES (h1,...,hN), HOSTS_N,
#                          HOSTS_ADDRS (their addresses, comma separated),
#                          HOSTS_GATEWAY (the root namespace's address as the hosts see it)
#                          and HOSTS_SSH: an ssh command for --ssh that shares
#                          connections as users' do, its sockets in HOSTS_DIR.
#                          hosts_up 0 [DIR] is hosts_init [DIR]
#   hosts_init [DIR]       all of hosts_up but the hosts: claims the names, makes DIR,
#                          the client key, the test user, ssh_config, an empty
#                          known_hosts and the bridge; hosts then come and go one at a
#                          time with host_add and host_remove (HOSTS_N 0, HOSTS_NAMES
#                          and HOSTS_ADDRS empty)
#   host_add I             bring host I up (namespace, veth, a new host key, its line in
#                          known_hosts, its ssh_config entry, sshd) at host_addr I;
#                          returns once it accepts a login (else takes it down again
#                          and fails). I is any index whose address is in the subnet
#                          and not the gateway; one that is up already is an error
#   host_remove I          take host I down: its sshd and every process in it (their
#                          TCP connections are closed, so clients see the end), its
#                          namespace and veth, its known_hosts line and ssh_config
#                          entry, HOSTS_SSH's shared connection to it. Its logs stay in
#                          DIR/hI; a later host_add I is a new machine with a new key
#   hosts_list             the indexes of the hosts that are up, one per line, whichever
#                          shell added them (HOSTS_N, HOSTS_NAMES and HOSTS_ADDRS say
#                          what this shell last saw: after its hosts_up, hosts_init,
#                          host_add or host_remove)
#   hosts_attach DIR       in another process (a helper that brings hosts up and down
#                          for a test): use the cluster that hosts_up/hosts_init made in
#                          DIR; host_add, host_remove and the rest then work there. It
#                          fails, as do host_add and host_remove later, once the shell
#                          that made the cluster has taken it down or is gone; its
#                          hosts_down only detaches (the maker's takes the hosts down)
#   hosts_down             stop everything hosts_up (or hosts_init) made (only that; HOSTS_SSH's shared
#                          connections too), including hosts that another process added
#                          through hosts_attach; hosts_up installs it on EXIT in front of
#                          whatever EXIT trap the script had
#   hosts_ssh I CMD...     run CMD on host I as the test user
#   host_addr I            host I's address
#   host_pids I            PIDs (root namespace numbering) of every process in host I
#   host_kill_sshd I       SIGKILL host I's sshd and every other process in the host: a
#                          crashed host; connections to it are refused from then on
#   host_start_sshd I      start host I's sshd again and wait for a login
#   host_link_down I       take host I's cable out (its root-side veth down): packets to
#                          and from it vanish, nothing is refused or reset
#   host_link_up I         put the cable back
#   host_drop I            nftables drops every IPv4 packet from or to host I (a bridge
#                          table, HOSTS_NFT_TABLE, so host-to-host traffic is dropped too)
#   host_undrop I          stop dropping them
#   hosts_install_binary PATH
#                          copy PATH into $HOSTS_DIR/bin (mode 755, reachable by the test
#                          user) and print the copy's path
#   host_workers I         PIDs of the fanout workers running on host I
#   hosts_workers_left     how many fanout workers run on all the hosts
#   hosts_wait_no_workers S  true once none runs (waits up to S seconds)
#   trap_first CMD         (tests/lib/trap.sh) run CMD at exit before what the EXIT trap does
#
# The network: a bridge HOSTS_BRIDGE (fo-br0) in the root namespace with address
# $HOSTS_SUBNET.1/24 (10.231.0.1), and for host I a namespace ${HOSTS_PREFIX}I (fo-hI)
# whose eth0 (address $HOSTS_SUBNET.(HOSTS_ADDR_BASE+I), 10.231.0.(10+I)) is one end
# of a veth pair; the other end, ${HOSTS_PREFIX}I-v in the root namespace, is a port of
# the bridge. Hosts reach each other and the root namespace (at HOSTS_GATEWAY) and
# nothing else: a server in the root namespace that hosts should reach must listen on
# HOSTS_GATEWAY or 0.0.0.0, not on 127.0.0.1. An address with no host behind it does
# not answer: a connection to it fails once ARP gives up (about 3 s, "No route to
# host"), or at the client's time-out when that is shorter.
#
# Each host's sshd listens on its address, port 22 only; it is the init of the host's
# own PID namespace (so `ps` on a host shows that host alone) in a UTS namespace whose
# hostname is hI. Logins: user HOSTS_USER (fanouttest, created with a home and
# /bin/bash when missing; root's own login files are never used), public key only, the
# client key in DIR/id_ed25519. DIR/ssh_config includes a "Host hI" entry per host
# (DIR/ssh_config.d/hI.conf) and has one for every address of the subnet ("Host
# $HOSTS_SUBNET.*": the test user, the client key, DIR/known_hosts), all keeping
# StrictHostKeyChecking at yes: DIR/known_hosts holds the generated key of every host
# that is up, under its address.
#
#   ssh -F "$HOSTS_SSH_CONFIG" h2 hostname          # prints h2
#   ssh -F "$HOSTS_SSH_CONFIG" 10.231.0.12 hostname # the same host
#
# Files in DIR: ssh_config, ssh_config.d/, known_hosts, id_ed25519(.pub),
# authorized_keys, hosts.env (what hosts_attach reads), bin/ (from
# hosts_install_binary) and, per host, hI/{up (while it is up), sshd_config,
# ssh_host_ed25519_key, sshd.log, sshd.pid, host.pid}. sshd.pid holds the listener's
# PID as the root namespace numbers it (sshd's own PidFile, sshd-ns.pid, says 1: its
# PID in the host). DIR and the path to it must be traversable by the test user (sshd
# reads authorized_keys as that user); hosts_up makes a DIR it creates mode 755 and
# says so when a given one is out of the test user's reach. hosts_down removes DIR
# only when hosts_up created it. Changes to the shared files (known_hosts, the host
# directories, the namespaces) are made under a lock on DIR/.lock, so several
# processes may add and remove hosts at once.
#
# Names are claimed per HOSTS_PREFIX: hosts_up first removes whatever a crashed
# earlier run left under the same names (namespaces, veths, bridge, nftables table,
# processes, its temporary DIR), and waits (up to HOSTS_WAIT_SECONDS, 300) while a
# live process still owns them (the owner is recorded in /run/fanout-hosts). To run
# two clusters at once, give the second its own HOSTS_PREFIX, HOSTS_BRIDGE,
# HOSTS_SUBNET and HOSTS_NFT_TABLE.
#
# Settings (environment, read when hosts_up or hosts_init runs; hosts_attach takes
# them from DIR/hosts.env): HOSTS_PREFIX (fo-h), HOSTS_BRIDGE (fo-br0), HOSTS_SUBNET
# (10.231.0, a /24), HOSTS_ADDR_BASE (10: host I is at $HOSTS_SUBNET.(BASE+I); 0 makes
# the index the address's last number), HOSTS_NFT_TABLE (fanout_test), HOSTS_USER
# (fanouttest), HOSTS_START_SECONDS (20: how long hosts_up and host_add wait for the
# logins), HOSTS_WAIT_SECONDS (300).

# shellcheck source=../lib/trap.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib/trap.sh"
: "${HOSTS_PREFIX:=fo-h}"
: "${HOSTS_BRIDGE:=fo-br0}"
: "${HOSTS_SUBNET:=10.231.0}"
: "${HOSTS_ADDR_BASE:=10}"
: "${HOSTS_NFT_TABLE:=fanout_test}"
: "${HOSTS_USER:=fanouttest}"
: "${HOSTS_START_SECONDS:=20}"
: "${HOSTS_WAIT_SECONDS:=300}"
HOSTS_SSHD=${HOSTS_SSHD:-/usr/sbin/sshd}
HOSTS_STATE_DIR=${HOSTS_STATE_DIR:-/run/fanout-hosts}

_HOSTS_ACTIVE=         # 1 between hosts_up and hosts_down in this shell
_HOSTS_ATTACHED=       # 1 when this shell uses another's cluster (hosts_attach)
_HOSTS_DIR_CREATED=    # 1 when hosts_up made HOSTS_DIR (so hosts_down removes it)
_HOSTS_PENALTIES=      # "PerSourcePenalties no" when this sshd knows the option

_hosts_say() { echo "hosts.sh: $*" >&2; }

# ---- skip or fail, dependencies -----------------------------------------------

hosts_require() {
  local why='' name=${TEST_NAME:-$(basename "$0" .sh)}
  if ((EUID != 0)); then
    why="not running as root"
  elif ! hosts_install_deps; then
    # Root, but the tools cannot be installed: a broken setup, not a reason to skip.
    echo "FAIL: $name: cannot install the cluster test tools" >&2
    exit 1
  elif ! ip netns list >/dev/null 2>&1; then
    why="'ip netns' does not work here"
  elif ! unshare --net sh -c 'ip link add fo-probe0 type veth peer name fo-probe1 &&
      ip link add fo-probe2 type bridge' >/dev/null 2>&1; then
    # Probed inside a throwaway namespace: nothing to clean up.
    why="cannot create network namespaces, veth pairs and bridges"
  fi
  [[ -z $why ]] && return 0
  if [[ -n ${FANOUT_REQUIRE_CLUSTER:-} && ${FANOUT_REQUIRE_CLUSTER} != 0 ]]; then
    echo "FAIL: $name: $why, and FANOUT_REQUIRE_CLUSTER=$FANOUT_REQUIRE_CLUSTER requires the cluster tests (they need root and network namespaces)" >&2
    exit 1
  fi
  echo "SKIP: $name: $why (needs root and network namespaces)"
  exit 0
}

hosts_install_deps() {
  local p missing=()
  for p in openssh-server openssh-client iproute2 nftables procps; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == 'install ok installed' ]] ||
      missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if ((EUID != 0)) || ! command -v apt-get >/dev/null 2>&1; then
    _hosts_say "missing ${missing[*]} (apt-get install ${missing[*]})"
    return 1
  fi
  _hosts_say "installing ${missing[*]}"
  # Installing openssh-server does not start the system's sshd here (no init system
  # runs services); if one does start, it listens in the root namespace only.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null 2>&1 ||
    { _hosts_say "cannot install ${missing[*]}"; return 1; }
}

# ---- small helpers ------------------------------------------------------------

_hosts_ns() { echo "$HOSTS_PREFIX$1"; }
_hosts_veth() { echo "$HOSTS_PREFIX$1-v"; }
host_addr() { echo "$HOSTS_SUBNET.$((HOSTS_ADDR_BASE + $1))"; }

# _hosts_alive PID: the process exists and is not a zombie. (PID 1 on these machines
# reaps orphans only every few seconds; until then kill -0 on a dead one succeeds.)
_hosts_alive() {
  local s
  [[ -n ${1:-} ]] && { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  s=${s##*) }
  [[ ${s%% *} != Z ]]
}

# _hosts_start_time PID: the process's start time (clock ticks after boot), which
# tells it apart from a later process with the same PID.
_hosts_start_time() {
  local s
  { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}

# _hosts_in_ns PID NS: the process lives in network namespace NS.
_hosts_in_ns() { ip netns identify "$1" 2>/dev/null | grep -qxF -- "$2"; }

# _hosts_valid I: I is a host index whose address lies in the subnet (2 to 254) and
# is not the gateway's.
_hosts_valid() {
  local i=${1:-}
  if ! [[ $i =~ ^[1-9][0-9]{0,2}$ ]] || ((HOSTS_ADDR_BASE + i < 2 || HOSTS_ADDR_BASE + i > 254)); then
    local lo=$((HOSTS_ADDR_BASE < 1 ? 2 - HOSTS_ADDR_BASE : 1))
    _hosts_say "no host index '$i' (with HOSTS_ADDR_BASE $HOSTS_ADDR_BASE, indexes are $lo to $((254 - HOSTS_ADDR_BASE)): $HOSTS_SUBNET.$((HOSTS_ADDR_BASE + lo)) to $HOSTS_SUBNET.254)"
    return 1
  fi
}

# _hosts_active: a cluster is up (or attached) in this shell.
_hosts_active() {
  [[ ${_HOSTS_ACTIVE:-} == 1 ]] && return 0
  _hosts_say "no cluster is up (hosts_up, hosts_init or hosts_attach first)"
  return 1
}

# _hosts_is_up I: host I is up (between its host_add and host_remove, by any shell).
_hosts_is_up() { [[ -e $HOSTS_DIR/h$1/up ]]; }

# _hosts_index I: I names a host of the running cluster that is up.
_hosts_index() {
  _hosts_active || return 1
  if ! [[ ${1:-} =~ ^[1-9][0-9]{0,2}$ ]] || ! _hosts_is_up "$1"; then
    _hosts_say "no host '${1:-}' (hosts up: $(hosts_list | tr '\n' ' '))"
    return 1
  fi
}

hosts_list() {
  [[ ${_HOSTS_ACTIVE:-} == 1 && -n ${HOSTS_DIR:-} ]] || return 0
  local f
  for f in "$HOSTS_DIR"/h*/up; do
    [[ -e $f ]] || continue
    f=${f%/up}
    echo "${f##*/h}"
  done | sort -n
}

# _hosts_refresh: HOSTS_N, HOSTS_NAMES and HOSTS_ADDRS from the hosts that are up.
_hosts_refresh() {
  local i
  HOSTS_N=0 HOSTS_NAMES='' HOSTS_ADDRS=''
  for i in $(hosts_list); do
    HOSTS_N=$((HOSTS_N + 1))
    HOSTS_NAMES+=${HOSTS_NAMES:+,}h$i
    HOSTS_ADDRS+=${HOSTS_ADDRS:+,}$(host_addr "$i")
  done
  export HOSTS_N HOSTS_NAMES HOSTS_ADDRS
}

# _hosts_locked CMD...: runs CMD holding the lock on $HOSTS_DIR/.lock (every change to
# the hosts' shared files and namespaces happens under it).
_hosts_locked() {
  local fd rc
  exec {fd}>>"$HOSTS_DIR/.lock" || return 1
  if ! flock -w 60 "$fd"; then
    exec {fd}>&-
    _hosts_say "cannot lock $HOSTS_DIR/.lock"
    return 1
  fi
  "$@"
  rc=$?
  exec {fd}>&-
  return "$rc"
}

# _hosts_pidfile I NAME: the PID stored in $HOSTS_DIR/hI/NAME when that process is
# still alive in host I's namespace (so a recycled PID is never signalled).
_hosts_pidfile() {
  local pid
  pid=$(cat "$HOSTS_DIR/h$1/$2" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && _hosts_alive "$pid" && _hosts_in_ns "$pid" "$(_hosts_ns "$1")" &&
    echo "$pid"
}

# _hosts_wait_gone PID SECONDS: waits until PID is gone (or a zombie).
_hosts_wait_gone() {
  local i
  for ((i = 0; i < $2 * 50; i++)); do
    _hosts_alive "$1" || return 0
    sleep 0.02
  done
  return 1
}

# _hosts_kill_ns NS: SIGKILL every process in network namespace NS until none is left.
_hosts_kill_ns() {
  local i pids
  for ((i = 0; i < 250; i++)); do
    pids=$(ip netns pids "$1" 2>/dev/null)
    [[ -z $pids ]] && return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    sleep 0.02
  done
  _hosts_say "processes still in namespace $1: $(echo "$pids" | tr '\n' ' ')"
  return 1
}

# _hosts_stop_host I SIGNAL: stops host I: SIGNAL to its sshd, which as the init of
# the host's PID namespace takes every process of that namespace with it, then SIGKILL
# to anything else in the network namespace (processes started with ip netns exec).
# Killing the init first lets the unshare process above it reap it, and this shell
# reap that unshare, so no zombie is left waiting for PID 1.
_hosts_stop_host() {
  local i=$1 sig=$2 ns pid upid
  ns=$(_hosts_ns "$i")
  pid=$(_hosts_pidfile "$i" sshd.pid) && kill "-$sig" "$pid" 2>/dev/null
  if upid=$(_hosts_pidfile "$i" host.pid); then
    _hosts_wait_gone "$upid" 2 || kill -KILL "$upid" 2>/dev/null
    _hosts_wait_gone "$upid" 2
  fi
  rm -f "$HOSTS_DIR/h$i/sshd.pid" "$HOSTS_DIR/h$i/host.pid"
  _hosts_kill_ns "$ns"
}

# ---- ownership of the names ---------------------------------------------------

_hosts_state_file() { echo "$HOSTS_STATE_DIR/$HOSTS_PREFIX.state"; }

# _hosts_write_state: records this shell as the owner of HOSTS_PREFIX's names, with
# what a later run needs to clean up after it if it crashes.
_hosts_write_state() {
  printf 'pid=%s\nstart=%s\ndir=%s\ndir_created=%s\nbridge=%s\nnft_table=%s\n' \
    "$$" "$(_hosts_start_time $$)" "${HOSTS_DIR:-}" "${_HOSTS_DIR_CREATED:-}" \
    "$HOSTS_BRIDGE" "$HOSTS_NFT_TABLE" >"$(_hosts_state_file)"
}

# _hosts_read_state VAR_PREFIX: sets ${VAR_PREFIX}pid, ...start, ...dir, ...dir_created,
# ...bridge, ...nft_table from the state file; fails when there is none.
_hosts_read_state() {
  local key value file
  file=$(_hosts_state_file)
  [[ -f $file ]] || return 1
  while IFS='=' read -r key value; do
    case $key in
      pid | start | dir | dir_created | bridge | nft_table) printf -v "$1$key" '%s' "$value" ;;
    esac
  done <"$file"
}

# _hosts_teardown BRIDGE NFT_TABLE [DIR]: removes everything named after HOSTS_PREFIX
# (processes in its namespaces, the namespaces, root-side veths), the bridge, the
# nftables table, and DIR when given (only if it holds hosts_up's marker file).
_hosts_teardown() {
  local bridge=$1 table=$2 dir=${3:-} ns veth
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${HOSTS_PREFIX}[0-9]+\$"); do
    _hosts_kill_ns "$ns"
    ip netns delete "$ns" 2>/dev/null
  done
  # Deleting a namespace deletes its end of each veth pair and so the pair; these
  # are veths left behind by a namespace that could not be deleted.
  for veth in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' |
    sed 's/@.*//' | grep -E "^${HOSTS_PREFIX}[0-9]+-v\$"); do
    ip link delete "$veth" 2>/dev/null
  done
  if [[ -n $bridge ]] && ip link show dev "$bridge" >/dev/null 2>&1; then
    ip link delete "$bridge" type bridge 2>/dev/null
  fi
  if [[ -n $table ]] && command -v nft >/dev/null 2>&1 &&
    nft list table bridge "$table" >/dev/null 2>&1; then
    nft delete table bridge "$table"
  fi
  if [[ -n $dir && $dir == /?* && -f $dir/.fanout-hosts-dir ]]; then
    rm -rf "$dir"
  fi
}

# _hosts_claim: makes this shell the owner of HOSTS_PREFIX's names, after cleaning up
# what a dead owner left; waits while a live one holds them. The lock is held only
# for the check and the claim, never while hosts run.
_hosts_claim() {
  local fd rc='' said='' deadline=$((SECONDS + HOSTS_WAIT_SECONDS))
  local old_pid old_start old_dir old_dir_created old_bridge old_nft_table
  mkdir -p "$HOSTS_STATE_DIR" || return 1
  exec {fd}>>"$HOSTS_STATE_DIR/lock"
  while [[ -z $rc ]]; do
    if ! flock -w 60 "$fd"; then
      _hosts_say "cannot lock $HOSTS_STATE_DIR/lock"
      rc=1
      break
    fi
    old_pid='' old_start='' old_dir='' old_dir_created='' old_bridge='' old_nft_table=''
    if _hosts_read_state old_ && [[ $old_pid != "$$" ]] && _hosts_alive "$old_pid" &&
      [[ $(_hosts_start_time "$old_pid") == "$old_start" ]]; then
      flock -u "$fd"
      if ((SECONDS >= deadline)); then
        _hosts_say "hosts named $HOSTS_PREFIX* still belong to pid $old_pid after ${HOSTS_WAIT_SECONDS}s (set HOSTS_PREFIX, HOSTS_BRIDGE, HOSTS_SUBNET and HOSTS_NFT_TABLE to run beside it)"
        rc=1
      else
        [[ -z $said ]] && _hosts_say "waiting for pid $old_pid to take down its hosts named $HOSTS_PREFIX*"
        said=1
        sleep 0.5
      fi
      continue
    fi
    _hosts_teardown "${old_bridge:-$HOSTS_BRIDGE}" "${old_nft_table:-$HOSTS_NFT_TABLE}" \
      "$([[ $old_dir_created == 1 ]] && echo "$old_dir")"
    # A crashed owner may have used other names for these; ours go too.
    _hosts_teardown "$HOSTS_BRIDGE" "$HOSTS_NFT_TABLE"
    if _hosts_ensure_user && _hosts_write_state; then rc=0; else rc=1; fi
    flock -u "$fd"
  done
  exec {fd}>&-
  return "$rc"
}

# _hosts_ensure_user: the test user exists, with a home, bash, and an account that
# sshd accepts. useradd leaves the password field '!' (locked), and sshd without PAM
# refuses every login, keys included, to a locked account; '*' is "no password".
_hosts_ensure_user() {
  if ! id -u "$HOSTS_USER" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash --comment "fanout cluster tests" "$HOSTS_USER" ||
      { _hosts_say "cannot create user $HOSTS_USER"; return 1; }
  fi
  local pw shell home
  pw=$(getent shadow "$HOSTS_USER" | cut -d: -f2)
  if [[ $pw == '!'* ]]; then
    usermod -p '*' "$HOSTS_USER" || return 1
  fi
  shell=$(getent passwd "$HOSTS_USER" | cut -d: -f7)
  if [[ $shell != /bin/bash ]]; then
    usermod -s /bin/bash "$HOSTS_USER" || return 1
  fi
  home=$(getent passwd "$HOSTS_USER" | cut -d: -f6)
  if [[ ! -d $home ]]; then
    mkdir -p "$home" && chown "$HOSTS_USER:" "$home" || return 1
  fi
}

# Puts hosts_down in front of the script's EXIT trap (unless it is there already), and
# turns INT/TERM into an exit so that the EXIT trap runs for them too.
_hosts_install_trap() {
  [[ $(trap -p EXIT) == *hosts_down* ]] && return 0
  trap_first hosts_down
  [[ -z $(trap -p INT) ]] && trap 'exit 130' INT
  [[ -z $(trap -p TERM) ]] && trap 'exit 143' TERM
  return 0
}

# ---- one host -----------------------------------------------------------------

# _hosts_write_sshd_config I
_hosts_write_sshd_config() {
  local i=$1 hd=$HOSTS_DIR/h$1
  cat >"$hd/sshd_config" <<EOF
# sshd of cluster test host h$i (namespace $(_hosts_ns "$i")), written by tests/cluster/hosts.sh.
ListenAddress $(host_addr "$i"):22
HostKey $hd/ssh_host_ed25519_key
# Its PID inside the host (1); hosts.sh keeps the root namespace's in sshd.pid.
PidFile $hd/sshd-ns.pid
AuthorizedKeysFile $HOSTS_DIR/authorized_keys
# authorized_keys lives in a temporary directory that root owns.
StrictModes no
AllowUsers $HOSTS_USER
PermitRootLogin no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
# Many connections at once from one address (the root namespace) are the point.
MaxStartups 200:30:400
MaxSessions 100
LoginGraceTime 30
LogLevel VERBOSE
# scp uses the sftp protocol.
Subsystem sftp internal-sftp
${_HOSTS_PENALTIES}
EOF
}

# _hosts_start_sshd I: starts host I's sshd (sshd -D, as the init of a new PID
# namespace, hostname hI) as a disowned child of this shell, so that this shell reaps
# it and a bare `wait` in the test does not wait for it. Returns once it listens.
_hosts_start_sshd() {
  local i=$1 ns hd upid pid k
  ns=$(_hosts_ns "$i")
  hd=$HOSTS_DIR/h$i
  rm -f "$hd/sshd-ns.pid" "$hd/sshd.pid" "$hd/host.pid"
  # shellcheck disable=SC2094  # sshd -E and the redirection append to one log
  (
    # The host keeps none of the test's open files (a pipe held open by a host could
    # keep a reader of the test's output waiting).
    for k in "/proc/$BASHPID/fd/"*; do
      k=${k##*/}
      ((k > 2)) && eval "exec $k>&-"
    done
    # shellcheck disable=SC2016
    exec ip netns exec "$ns" unshare --uts --pid --fork --kill-child --mount-proc \
      /bin/sh -c 'hostname "$1" && shift && exec "$@"' sh "h$i" \
      "$HOSTS_SSHD" -D -f "$hd/sshd_config" -E "$hd/sshd.log"
  ) </dev/null >>"$hd/sshd.log" 2>&1 &
  upid=$!
  disown "$upid"
  echo "$upid" >"$hd/host.pid"
  # sshd writes its PidFile once it listens.
  for ((k = 0; k < 500; k++)); do
    [[ -s $hd/sshd-ns.pid ]] && break
    if ! _hosts_alive "$upid"; then
      _hosts_say "sshd of h$i exited at once: $(tail -c 1000 "$hd/sshd.log")"
      return 1
    fi
    sleep 0.02
  done
  pid=$(pgrep -P "$upid" | head -n 1)
  if [[ ! -s $hd/sshd-ns.pid || -z $pid ]]; then
    _hosts_say "sshd of h$i does not listen after 10s: $(tail -c 1000 "$hd/sshd.log")"
    return 1
  fi
  echo "$pid" >"$hd/sshd.pid"
}

# _hosts_wait_login I DEADLINE: retries `ssh hI true` until it works or SECONDS
# reaches DEADLINE.
_hosts_wait_login() {
  local i=$1 deadline=$2 hd=$HOSTS_DIR/h$1
  while :; do
    if ssh -F "$HOSTS_SSH_CONFIG" -o ConnectTimeout=2 "h$i" true </dev/null 2>"$hd/login.err"; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      _hosts_say "host h$i ($(host_addr "$i"), namespace $(_hosts_ns "$i")) does not accept a login as $HOSTS_USER: $(tail -c 600 "$hd/login.err")"$'\n'"its sshd log ends: $(tail -c 1000 "$hd/sshd.log")"
      return 1
    fi
    sleep 0.1
  done
}

# ---- the cluster --------------------------------------------------------------

# _hosts_check_settings: the names and the subnet can be used (they go into device
# names, configs and addresses unquoted).
_hosts_check_settings() {
  if ! [[ $HOSTS_PREFIX =~ ^[A-Za-z][A-Za-z0-9_-]*$ ]] || ((${#HOSTS_PREFIX} > 10)) ||
    ((${#HOSTS_BRIDGE} > 15)) || ! [[ $HOSTS_SUBNET =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
    ! [[ $HOSTS_ADDR_BASE =~ ^(0|[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-3])$ ]]; then
    _hosts_say "bad HOSTS_PREFIX '$HOSTS_PREFIX' (letters, digits, - and _, at most 10), HOSTS_BRIDGE '$HOSTS_BRIDGE' (at most 15), HOSTS_SUBNET '$HOSTS_SUBNET' (like 10.231.0) or HOSTS_ADDR_BASE '$HOSTS_ADDR_BASE' (0 to 253)"
    return 1
  fi
}

# _hosts_write_attach_env: DIR/hosts.env, what hosts_attach needs to act on this
# cluster from another process, and who owns it.
_hosts_write_attach_env() {
  printf '%s=%s\n' prefix "$HOSTS_PREFIX" bridge "$HOSTS_BRIDGE" subnet "$HOSTS_SUBNET" \
    addr_base "$HOSTS_ADDR_BASE" nft_table "$HOSTS_NFT_TABLE" user "$HOSTS_USER" \
    start_seconds "$HOSTS_START_SECONDS" penalties "$_HOSTS_PENALTIES" \
    owner_pid "$$" owner_start "$(_hosts_start_time $$)" >"$HOSTS_DIR/hosts.env.tmp" &&
    mv -f "$HOSTS_DIR/hosts.env.tmp" "$HOSTS_DIR/hosts.env"
}

# _hosts_owner_ok: in a shell that attached, the cluster is still up: its DIR still
# has hosts.env (hosts_down removes it first), the names still belong to the shell
# that made it, and that shell lives. (The owner itself: always.)
_hosts_owner_ok() {
  [[ ${_HOSTS_ATTACHED:-} == 1 ]] || return 0
  # shellcheck disable=SC2034  # set by _hosts_read_state
  local st_pid='' st_start='' st_dir='' st_dir_created='' st_bridge='' st_nft_table=''
  if [[ -f $HOSTS_DIR/hosts.env ]] && _hosts_read_state st_ &&
    [[ $st_pid == "${_HOSTS_OWNER_PID:-}" && $st_start == "${_HOSTS_OWNER_START:-}" && $st_dir == "$HOSTS_DIR" ]] &&
    _hosts_alive "$st_pid" && [[ $(_hosts_start_time "$st_pid") == "$st_start" ]]; then
    return 0
  fi
  _hosts_say "the cluster in $HOSTS_DIR is down: the shell that made it (pid ${_HOSTS_OWNER_PID:-?}) has taken it down or is gone"
  return 1
}

# _hosts_known_hosts_set ADDR [KEY]: known_hosts without ADDR's lines, and with
# "ADDR KEY" when KEY is given (replaced whole, so a reader never sees half a file).
_hosts_known_hosts_set() {
  local kh=$HOSTS_DIR/known_hosts
  {
    [[ -f $kh ]] && awk -v a="$1" '$1 != a' "$kh"
    if [[ -n ${2:-} ]]; then echo "$1 $2"; fi
  } >"$kh.tmp.$$" && mv -f "$kh.tmp.$$" "$kh"
}

# _hosts_add_host I (under the lock): host I's key, known_hosts line, ssh_config
# entry, network and sshd; marks it up. On failure it leaves nothing of host I.
_hosts_add_host() {
  local i=$1 ns veth addr hd
  _hosts_owner_ok || return 1
  if _hosts_is_up "$i"; then
    _hosts_say "host h$i is up already"
    return 1
  fi
  ns=$(_hosts_ns "$i") veth=$(_hosts_veth "$i") addr=$(host_addr "$i") hd=$HOSTS_DIR/h$i
  # What an earlier host I that did not come down cleanly may have left.
  if ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF -- "$ns"; then
    _hosts_kill_ns "$ns"
    ip netns delete "$ns" 2>/dev/null
  fi
  ip link show dev "$veth" >/dev/null 2>&1 && ip link delete "$veth" 2>/dev/null
  if ! { mkdir -p "$hd" && rm -f "$hd"/ssh_host_ed25519_key* &&
    ssh-keygen -q -t ed25519 -N '' -C "h$i" -f "$hd/ssh_host_ed25519_key" &&
    _hosts_known_hosts_set "$addr" "$(cut -d' ' -f1-2 "$hd/ssh_host_ed25519_key.pub")"; }; then
    _hosts_say "cannot make the host key of h$i"
    _hosts_remove_host "$i"
    return 1
  fi
  cat >"$HOSTS_DIR/ssh_config.d/h$i.conf" <<EOC
Host h$i
  HostName $addr
  Port 22
  User $HOSTS_USER
  IdentityFile $HOSTS_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $HOSTS_DIR/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
EOC
  if ! { ip netns add "$ns" &&
    ip link add "$veth" type veth peer name eth0 netns "$ns" &&
    ip link set "$veth" master "$HOSTS_BRIDGE" &&
    ip link set "$veth" up &&
    ip -n "$ns" link set lo up &&
    ip -n "$ns" addr add "$addr/24" dev eth0 &&
    ip -n "$ns" link set eth0 up; }; then
    _hosts_say "cannot set up the network of h$i (namespace $ns)"
    _hosts_remove_host "$i"
    return 1
  fi
  # A neighbour entry left from an earlier host at this address names its old MAC.
  ip neigh flush dev "$HOSTS_BRIDGE" to "$addr" >/dev/null 2>&1
  _hosts_write_sshd_config "$i"
  if ! _hosts_start_sshd "$i"; then
    _hosts_remove_host "$i"
    return 1
  fi
  : >"$hd/up"
}

# _hosts_remove_host I (under the lock): undoes _hosts_add_host I, whatever part of it
# was done. The host's logs stay in DIR/hI.
_hosts_remove_host() {
  local i=$1 ns veth addr
  _hosts_owner_ok || return 1
  ns=$(_hosts_ns "$i") veth=$(_hosts_veth "$i") addr=$(host_addr "$i")
  rm -f "$HOSTS_DIR/h$i/up"
  # SIGTERM to the sshd (the host's init) ends every process of the host, so their
  # connections are closed (clients get the FIN) before the cable goes.
  _hosts_stop_host "$i" TERM
  ip netns delete "$ns" 2>/dev/null
  ip link show dev "$veth" >/dev/null 2>&1 && ip link delete "$veth" 2>/dev/null
  _hosts_known_hosts_set "$addr"
  rm -f "$HOSTS_DIR/ssh_config.d/h$i.conf" "$HOSTS_DIR/h$i"/ssh_host_ed25519_key*
  ip neigh flush dev "$HOSTS_BRIDGE" to "$addr" >/dev/null 2>&1
  if nft list table bridge "$HOSTS_NFT_TABLE" >/dev/null 2>&1; then
    nft delete element bridge "$HOSTS_NFT_TABLE" dropped "{ $addr }" >/dev/null 2>&1
  fi
  return 0
}

hosts_init() {
  local dir=${1:-}
  if [[ ${_HOSTS_ACTIVE:-} == 1 ]]; then
    _hosts_say "hosts are already up (${HOSTS_NAMES:-none yet} in ${HOSTS_DIR:-?}); hosts_down first"
    return 1
  fi
  _hosts_check_settings || return 1
  if ((EUID != 0)); then
    _hosts_say "hosts_up needs root (use hosts_require to skip without it)"
    return 1
  fi
  hosts_install_deps || return 1
  mkdir -p /run/sshd || return 1  # sshd's privilege separation directory
  _hosts_claim || return 1
  _HOSTS_ACTIVE=1 _HOSTS_ATTACHED=''
  _hosts_install_trap
  HOSTS_GATEWAY=$HOSTS_SUBNET.1
  HOSTS_N=0 HOSTS_NAMES='' HOSTS_ADDRS=''
  export HOSTS_N HOSTS_GATEWAY HOSTS_NAMES HOSTS_ADDRS

  # -- the directory: keys, configs, logs
  _HOSTS_DIR_CREATED=
  if [[ -z $dir ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/fanout-hosts.XXXXXX") || { hosts_down; return 1; }
    _HOSTS_DIR_CREATED=1
  elif [[ ! -e $dir ]]; then
    mkdir -p "$dir" || { hosts_down; return 1; }
    _HOSTS_DIR_CREATED=1
  fi
  HOSTS_DIR=$(cd "$dir" && pwd) || { hosts_down; return 1; }
  export HOSTS_DIR HOSTS_SSH_CONFIG=$HOSTS_DIR/ssh_config
  export HOSTS_SSH="ssh -F $HOSTS_SSH_CONFIG -o ControlPath=$HOSTS_DIR/cm-%C"
  [[ $_HOSTS_DIR_CREATED == 1 ]] && : >"$HOSTS_DIR/.fanout-hosts-dir" && chmod 755 "$HOSTS_DIR"
  _hosts_write_state
  if ! [[ $HOSTS_DIR =~ ^/[A-Za-z0-9._/+-]+$ ]]; then
    # The path goes unquoted into sshd_config and ssh_config.
    _hosts_say "DIR '$HOSTS_DIR' has characters the ssh configs cannot take (use letters, digits, . _ / + -)"
    hosts_down
    return 1
  fi
  # A DIR given again keeps nothing of an earlier cluster's hosts.
  rm -f "$HOSTS_DIR"/h*/up "$HOSTS_DIR/hosts.env"
  rm -rf "$HOSTS_DIR/ssh_config.d"
  rm -f "$HOSTS_DIR"/id_ed25519 "$HOSTS_DIR"/id_ed25519.pub
  if ! ssh-keygen -q -t ed25519 -N '' -C "fanout-hosts-client" -f "$HOSTS_DIR/id_ed25519"; then
    _hosts_say "ssh-keygen failed"
    hosts_down
    return 1
  fi
  cp "$HOSTS_DIR/id_ed25519.pub" "$HOSTS_DIR/authorized_keys" && chmod 644 "$HOSTS_DIR/authorized_keys"
  if ! runuser -u "$HOSTS_USER" -- test -r "$HOSTS_DIR/authorized_keys"; then
    _hosts_say "user $HOSTS_USER cannot read $HOSTS_DIR/authorized_keys: $HOSTS_DIR and every directory above it must be traversable by others (chmod o+x), or let hosts_up make its own DIR"
    hosts_down
    return 1
  fi
  : >"$HOSTS_DIR/known_hosts"
  mkdir -p "$HOSTS_DIR/ssh_config.d" || { hosts_down; return 1; }
  cat >"$HOSTS_SSH_CONFIG" <<EOF
# ssh client config for the cluster test hosts in $HOSTS_DIR (tests/cluster/hosts.sh).
# Use: ssh -F $HOSTS_SSH_CONFIG hI COMMAND   (or the host's address instead of hI)
# One "Host hI" entry per host that is up:
Include $HOSTS_DIR/ssh_config.d/*.conf

# Any address of the test network, up or not: the test user, the client key, the
# hosts' own known_hosts (never root's files).
Host $HOSTS_SUBNET.*
  User $HOSTS_USER
  IdentityFile $HOSTS_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $HOSTS_DIR/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes

Host *
  GlobalKnownHostsFile /dev/null
  UpdateHostKeys no
  HashKnownHosts no
  PasswordAuthentication no
  KbdInteractiveAuthentication no
EOF
  # OpenSSH 9.8 and later penalise an address that connects without logging in (all
  # of these clients come from one address, and tests do that on purpose).
  if [[ -z $_HOSTS_PENALTIES ]] &&
    "$HOSTS_SSHD" -t -f /dev/null -h "$HOSTS_DIR/id_ed25519" \
      -o PerSourcePenalties=no >/dev/null 2>&1; then
    _HOSTS_PENALTIES="PerSourcePenalties no"
  fi

  # -- the network
  if ip -4 -o addr show 2>/dev/null | grep -q " inet $HOSTS_SUBNET\."; then
    _hosts_say "subnet $HOSTS_SUBNET.0/24 is in use here: $(ip -4 -o addr show | grep " inet $HOSTS_SUBNET\." | head -n 1) (set HOSTS_SUBNET)"
    hosts_down
    return 1
  fi
  if ! { ip link add "$HOSTS_BRIDGE" type bridge &&
    ip addr add "$HOSTS_GATEWAY/24" dev "$HOSTS_BRIDGE" &&
    ip link set "$HOSTS_BRIDGE" up; }; then
    _hosts_say "cannot create bridge $HOSTS_BRIDGE"
    hosts_down
    return 1
  fi
  _hosts_write_attach_env || { hosts_down; return 1; }
}

hosts_up() {
  local n=${1:-} dir=${2:-} i deadline
  _hosts_check_settings || return 1
  if ! [[ $n =~ ^[0-9]+$ ]] || ((10#$n > 254 - HOSTS_ADDR_BASE)); then
    _hosts_say "usage: hosts_up N [DIR] (N from 0 to $((254 - HOSTS_ADDR_BASE)))"
    return 1
  fi
  n=$((10#$n))
  if ((n > 0 && HOSTS_ADDR_BASE < 1)); then
    _hosts_say "hosts_up $n: host 1 would be at $HOSTS_SUBNET.$((HOSTS_ADDR_BASE + 1)), the gateway's address or below (HOSTS_ADDR_BASE is $HOSTS_ADDR_BASE; use hosts_init and host_add)"
    return 1
  fi
  hosts_init "$dir" || return 1
  # Every host first, then the logins: they start in parallel.
  for ((i = 1; i <= n; i++)); do
    _hosts_locked _hosts_add_host "$i" || { hosts_down; return 1; }
  done
  deadline=$((SECONDS + HOSTS_START_SECONDS))
  for ((i = 1; i <= n; i++)); do
    _hosts_wait_login "$i" "$deadline" || { hosts_down; return 1; }
  done
  _hosts_refresh
}

host_add() {
  local i=${1:-}
  _hosts_active || return 1
  _hosts_valid "$i" || return 1
  _hosts_locked _hosts_add_host "$i" || return 1
  if ! _hosts_wait_login "$i" $((SECONDS + HOSTS_START_SECONDS)); then
    _hosts_locked _hosts_remove_host "$i"
    _hosts_refresh
    return 1
  fi
  _hosts_refresh
}

host_remove() {
  local i=${1:-} rc
  _hosts_index "$i" || return 1
  # HOSTS_SSH's shared connections to it (by name and by address).
  $HOSTS_SSH -O exit "h$i" >/dev/null 2>&1
  $HOSTS_SSH -O exit "$(host_addr "$i")" >/dev/null 2>&1
  _hosts_locked _hosts_remove_host "$i"
  rc=$?
  _hosts_refresh
  return "$rc"
}

hosts_attach() {
  local dir=${1:-} key value
  if [[ ${_HOSTS_ACTIVE:-} == 1 ]]; then
    _hosts_say "hosts_attach: this shell has a cluster already (${HOSTS_DIR:-?})"
    return 1
  fi
  if [[ -z $dir || ! -f $dir/hosts.env ]]; then
    _hosts_say "hosts_attach: no cluster in '$dir' (no hosts.env: not made by hosts_up/hosts_init, or taken down)"
    return 1
  fi
  _HOSTS_OWNER_PID='' _HOSTS_OWNER_START=''
  while IFS='=' read -r key value; do
    case $key in
      prefix) HOSTS_PREFIX=$value ;;
      bridge) HOSTS_BRIDGE=$value ;;
      subnet) HOSTS_SUBNET=$value ;;
      addr_base) HOSTS_ADDR_BASE=$value ;;
      nft_table) HOSTS_NFT_TABLE=$value ;;
      user) HOSTS_USER=$value ;;
      start_seconds) HOSTS_START_SECONDS=$value ;;
      penalties) _HOSTS_PENALTIES=$value ;;
      owner_pid) _HOSTS_OWNER_PID=$value ;;
      owner_start) _HOSTS_OWNER_START=$value ;;
    esac
  done <"$dir/hosts.env"
  HOSTS_DIR=$(cd "$dir" && pwd) || return 1
  _HOSTS_ACTIVE=1 _HOSTS_ATTACHED=1 _HOSTS_DIR_CREATED=''
  if ! _hosts_check_settings || ! _hosts_owner_ok; then
    _HOSTS_ACTIVE='' _HOSTS_ATTACHED=''
    return 1
  fi
  export HOSTS_DIR HOSTS_SSH_CONFIG=$HOSTS_DIR/ssh_config HOSTS_GATEWAY=$HOSTS_SUBNET.1
  export HOSTS_SSH="ssh -F $HOSTS_SSH_CONFIG -o ControlPath=$HOSTS_DIR/cm-%C"
  _hosts_refresh
}

hosts_down() {
  [[ ${_HOSTS_ACTIVE:-} == 1 ]] || return 0
  local i
  if [[ ${_HOSTS_ATTACHED:-} != 1 ]]; then
    # Politely first (sshd exits on SIGTERM), then _hosts_stop_host kills what is left.
    # (Without a HOSTS_DIR, hosts_init failed before starting any sshd.) Once
    # hosts.env is gone, no attached shell adds or removes a host.
    if [[ -n ${HOSTS_DIR:-} && -d $HOSTS_DIR ]]; then
      _hosts_locked rm -f "$HOSTS_DIR/hosts.env"
      for i in $(hosts_list); do
        if [[ -n ${HOSTS_SSH:-} ]]; then  # a shared connection's master
          $HOSTS_SSH -O exit "h$i" >/dev/null 2>&1
          $HOSTS_SSH -O exit "$(host_addr "$i")" >/dev/null 2>&1
        fi
        _hosts_stop_host "$i" TERM
      done
    fi
    _hosts_teardown "$HOSTS_BRIDGE" "$HOSTS_NFT_TABLE" \
      "$([[ ${_HOSTS_DIR_CREATED:-} == 1 ]] && echo "${HOSTS_DIR:-}")"
    rm -f "$(_hosts_state_file)"
  fi
  _HOSTS_ACTIVE='' _HOSTS_ATTACHED='' _HOSTS_DIR_CREATED=''
  unset HOSTS_DIR HOSTS_SSH_CONFIG HOSTS_SSH HOSTS_NAMES HOSTS_N HOSTS_ADDRS HOSTS_GATEWAY
  return 0
}

# ---- using the hosts ----------------------------------------------------------

hosts_ssh() {
  _hosts_index "${1:-}" || return 1
  ssh -F "$HOSTS_SSH_CONFIG" "h$1" "${@:2}"
}

host_pids() {
  _hosts_index "${1:-}" || return 1
  ip netns pids "$(_hosts_ns "$1")"
}

host_kill_sshd() {
  _hosts_index "${1:-}" || return 1
  _hosts_stop_host "$1" KILL
}

host_start_sshd() {
  _hosts_index "${1:-}" || return 1
  if _hosts_pidfile "$1" sshd.pid >/dev/null; then
    _hosts_say "sshd of h$1 is running already"
    return 1
  fi
  _hosts_start_sshd "$1" && _hosts_wait_login "$1" $((SECONDS + HOSTS_START_SECONDS))
}

host_link_down() {
  _hosts_index "${1:-}" || return 1
  ip link set "$(_hosts_veth "$1")" down
}

host_link_up() {
  _hosts_index "${1:-}" || return 1
  ip link set "$(_hosts_veth "$1")" up
}

# The drops live in a bridge-family table, so they apply to every frame the bridge
# carries (root namespace <-> host and host <-> host) whether or not br_netfilter
# passes bridged traffic through the IP hooks. ARP still works: the host looks up,
# but nothing it sends or is sent arrives.
_hosts_nft_table() {
  nft list table bridge "$HOSTS_NFT_TABLE" >/dev/null 2>&1 && return 0
  nft -f - <<EOF
table bridge $HOSTS_NFT_TABLE {
  set dropped { type ipv4_addr; }
  chain input { type filter hook input priority 0; ip saddr @dropped drop; ip daddr @dropped drop; }
  chain forward { type filter hook forward priority 0; ip saddr @dropped drop; ip daddr @dropped drop; }
  chain output { type filter hook output priority 0; ip saddr @dropped drop; ip daddr @dropped drop; }
}
EOF
}

host_drop() {
  _hosts_index "${1:-}" || return 1
  _hosts_nft_table || { _hosts_say "cannot create nftables table bridge $HOSTS_NFT_TABLE"; return 1; }
  nft add element bridge "$HOSTS_NFT_TABLE" dropped "{ $(host_addr "$1") }"
}

host_undrop() {
  _hosts_index "${1:-}" || return 1
  nft list table bridge "$HOSTS_NFT_TABLE" >/dev/null 2>&1 || return 0
  nft delete element bridge "$HOSTS_NFT_TABLE" dropped "{ $(host_addr "$1") }" 2>/dev/null
  return 0
}

hosts_install_binary() {
  local src=${1:-} dst
  if [[ ${_HOSTS_ACTIVE:-} != 1 ]]; then
    _hosts_say "hosts_install_binary: no cluster is up (hosts_up first)"
    return 1
  fi
  if [[ ! -f $src ]]; then
    _hosts_say "hosts_install_binary: no file '$src'"
    return 1
  fi
  dst=$HOSTS_DIR/bin/$(basename "$src")
  mkdir -p "$HOSTS_DIR/bin" && chmod 755 "$HOSTS_DIR/bin" &&
    install -m 755 "$src" "$dst.tmp.$$" && mv -f "$dst.tmp.$$" "$dst" || return 1
  if ! runuser -u "$HOSTS_USER" -- test -x "$dst"; then
    _hosts_say "user $HOSTS_USER cannot run $dst: $HOSTS_DIR and the directories above it must be traversable by others"
    return 1
  fi
  echo "$dst"
}

# ---- helpers for tests that run fanout workers on the hosts ------------------

# host_workers I: the PIDs of the fanout workers running on host I (none: nothing).
host_workers() {
  local p
  for p in $(host_pids "$1" 2>/dev/null); do
    tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q "fanout worker" && echo "$p"
  done
  return 0
}

# hosts_workers_left: how many fanout workers run on all the hosts.
hosts_workers_left() {
  local n=0 i
  for i in $(hosts_list); do n=$((n + $(host_workers "$i" | wc -l))); done
  echo "$n"
}

# hosts_wait_no_workers SECONDS: true once no fanout worker runs on any host.
hosts_wait_no_workers() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    [[ $(hosts_workers_left) == 0 ]] && return 0
    sleep 0.2
  done
  [[ $(hosts_workers_left) == 0 ]]
}
