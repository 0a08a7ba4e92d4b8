# shellcheck shell=bash
# Helpers for cluster tests: a real Slurm cluster on this one machine, its nodes the
# network-namespace hosts of tests/cluster/hosts.sh. slurmctld and munged run in the
# root namespace, one slurmd per host inside that host (its network, UTS, PID and
# mount namespaces: in a job step `hostname` says hI and eth0 has host I's address).
# Source it (from the main shell, not from $(...)); it is not a test itself. Needs
# root. It sources hosts.sh; every hosts.sh helper works on the nodes too.
#
#   slurm_require          hosts_require (exits 0 with "SKIP: ..." unless this is root
#                          and network namespaces work; with FANOUT_REQUIRE_CLUSTER=1
#                          it fails instead), then apt-get install slurm-wlm munge when
#                          a Slurm or MUNGE command is missing (fails, exit 1, when
#                          that cannot be done)
#   slurm_up N [DIR]       hosts_up N [DIR], then munged, slurmctld and the slurmds of
#                          nodes h1..hN (see below); returns once sinfo shows all N
#                          nodes idle. Exports SLURM_CONF (so salloc, srun, sbatch,
#                          sinfo, squeue, scontrol and scancel in the root namespace use
#                          this cluster), TSLURM_DIR (its files), TSLURM_MUNGE_SOCKET,
#                          TSLURM_NODELIST (h[1-N]) and TSLURM_CPUS (CPUs per node)
#   slurm_down             stop every daemon slurm_up started (only those, by PID),
#                          then hosts_down; slurm_up installs it on EXIT in front of
#                          whatever EXIT trap the script had. Harmless when nothing is up
#   slurm_kill_node I      node I crashes: SIGKILL to its slurmd, every slurmstepd and
#                          every job step's process on host I (all of the host's PID
#                          namespace but its sshd and ssh sessions); connections to
#                          its slurmd are refused from then on, and slurmctld marks
#                          the node DOWN once it misses TSLURM_SLURMD_TIMEOUT seconds
#                          of pings (its jobs are killed then, unless they were
#                          submitted with --no-kill). The host's sshd keeps running
#                          (host_kill_sshd takes the host down altogether)
#   slurm_start_node I     start node I's slurmd again (in the host's current PID
#                          namespace: after host_start_sshd, the new one); returns once
#                          sinfo no longer shows the node down (ReturnToService=2)
#   slurm_node_state I     the node's state as sinfo prints it (idle, alloc, mix,
#                          down*, ...)
#   slurm_wait_node_state I STATE SECONDS
#                          true once sinfo shows node I in STATE (a regex over the
#                          whole state, e.g. 'down\*?'), waiting up to SECONDS
#   slurmd_pid I           node I's slurmd, as the root namespace numbers it
#   slurm_step_pids I      PIDs (root namespace numbering) of node I's slurmstepds and
#                          every process under them: the job steps running there
#   slurm_as_user CMD...   run CMD (a Slurm command) as HOSTS_USER, with SLURM_CONF
#
# Jobs run as the user who submits them: root for salloc/srun/sbatch run by the test
# itself, HOSTS_USER (fanouttest) through slurm_as_user. A job's working directory is
# srun's (--chdir to change it); as HOSTS_USER, one that user can enter.
#
# The cluster: SlurmctldHost is ${HOSTS_PREFIX}ctl at HOSTS_GATEWAY (slurmctld runs in a
# UTS namespace of its own with that hostname, so this machine's own name does not
# matter); it listens on TSLURM_CTLD_PORT (on every address: a system Slurm keeps
# 6817). Node hI (NodeAddr host_addr I, CPUs TSLURM_CPUS) runs slurmd on
# TSLURM_SLURMD_PORT in its own namespace. One partition "test" (Default, all nodes,
# no time limit); select/cons_tres with CR_Core, so an allocation can run several
# steps per node; proctrack/linuxproc, task/none (no cgroups), no accounting, no
# prolog or epilog. MUNGE: one munged in the root namespace with its own key and
# socket (AuthInfo=socket=..., for auth/munge and cred/munge alike); the slurmds reach
# it through the file system, which every namespace shares — the cluster's "shared
# file system" (NFS on a real cluster) is simply this machine's: a job step sees the
# same paths, files and binaries as the test, a node's spool directory included.
# The system's /etc/slurm, /etc/munge and /run/munge are not used.
#
# What this Slurm (22.05.8 on Debian 12) does, as slurm_smoke_test.sh checks, inside
# `salloc -N N --exclusive --no-kill ...` (or outside it, with srun --jobid=JOB after
# `salloc --no-shell ...`):
#   one step on node I, several at once on one node, stdin and stdout as pipes:
#       srun -N1 -n1 -w hI --overlap -u CMD
#     Without --overlap a second step on a node waits ("Requested nodes are busy")
#     until the first ends. Without -u (--unbuffered) srun passes a task's output on
#     only at a newline or at the step's end. Stdin reaches the task as it comes (its
#     end too); binary data passes intact both ways.
#   all of a node's CPUs for one step: the job must hold them (salloc --exclusive, or
#     -c TSLURM_CPUS; a plain salloc -N N holds 1 CPU per node); then the srun line
#     above gives the step SLURM_CPUS_ON_NODE=TSLURM_CPUS (a step gets all the job's
#     CPUs on its node), as do --whole and --exact -c TSLURM_CPUS; --exact alone gives
#     1. task/none binds nothing: nproc in a step is this machine's.
#   a node that dies: without --no-kill the whole job is killed once the node is
#     DOWN. A step that ran there ends only then (about TSLURM_SLURMD_TIMEOUT + 9 s
#     after the crash), srun saying "Node failure on hI" and exiting with status 0;
#     a new step there fails after about 6 s while the node is not yet DOWN
#     ("Communication connection failure"), at once afterwards.
# Every Slurm command needs SLURM_CONF: without it (there is no /etc/slurm/slurm.conf)
# it asks DNS for the controller's SRV record.
#
# Files in TSLURM_DIR ($HOSTS_DIR/slurm): slurm.conf, cgroup.conf (names a cgroup
# plugin, which slurmd loads though none is used), plugstack.conf (empty),
# munge/{munge.key, munge.socket, munged.log, munged.pid, munged.seed}, ctld/{state/,
# slurmctld.log, slurmctld.out, slurmctld.pid} and per node hI/{spool/, slurmd.log,
# slurmd.out, slurmd.pid, slurmd-ns.pid, nsenter.pid}. slurmd.pid holds slurmd's PID as the root
# namespace numbers it (slurmd-ns.pid, its SlurmdPidFile, the one inside the host);
# munged.root.pid and slurmctld.root.pid are the PIDs slurm.sh started (the same as
# the daemons' own files, written before those are). *.out is a daemon's stderr. A
# job's stdout and stderr go to srun, or for sbatch to files in its working directory.
#
# Names are claimed per HOSTS_PREFIX, as hosts.sh does: slurm_up first stops the
# munged and slurmctld a crashed earlier run with the same HOSTS_PREFIX left (recorded
# with their start times in /run/fanout-slurm; hosts_up removes that run's hosts and
# their slurmds). To run two clusters at once, give the second its own HOSTS_PREFIX,
# HOSTS_BRIDGE, HOSTS_SUBNET and HOSTS_NFT_TABLE (the ports follow HOSTS_SUBNET).
#
# Settings (environment, read when slurm_up runs; not SLURM_*, which Slurm's commands
# read as options): TSLURM_CTLD_PORT (from HOSTS_SUBNET: 29296 for 10.233.0),
# TSLURM_SLURMD_PORT (TSLURM_CTLD_PORT + 1), TSLURM_CPUS (this machine's nproc),
# TSLURM_SLURMD_TIMEOUT (10: seconds without a ping before a node is DOWN),
# TSLURM_START_SECONDS (30: how long slurm_up waits for each daemon), TSLURM_CONF_EXTRA
# (lines appended to slurm.conf), TSLURM_CLUSTER (fanout) and the HOSTS_* settings of
# hosts.sh.

# shellcheck source=hosts.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hosts.sh"
TSLURM_STATE_DIR=${TSLURM_STATE_DIR:-/run/fanout-slurm}

_TSLURM_ACTIVE=    # 1 between slurm_up and slurm_down in this shell
_TSLURM_N=0        # its number of nodes

_slurm_say() { echo "slurm.sh: $*" >&2; }

# ---- skip or fail, dependencies -----------------------------------------------

_TSLURM_COMMANDS=(slurmctld slurmd slurmstepd srun salloc sbatch sinfo squeue scontrol
  scancel munged munge unmunge)

slurm_require() {
  local name=${TEST_NAME:-$(basename "$0" .sh)}
  hosts_require
  slurm_install_deps && return 0
  echo "FAIL: $name: cannot install Slurm and MUNGE (apt-get install slurm-wlm munge)" >&2
  exit 1
}

# slurm_install_deps: apt-get install slurm-wlm munge when a command is missing (it
# does not start their daemons: no init system runs services here).
slurm_install_deps() {
  local c missing=()
  for c in "${_TSLURM_COMMANDS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || [[ -x /usr/sbin/$c ]] || missing+=("$c")
  done
  ((${#missing[@]})) || return 0
  if ((EUID != 0)) || ! command -v apt-get >/dev/null 2>&1; then
    _slurm_say "missing ${missing[*]} (apt-get install slurm-wlm munge)"
    return 1
  fi
  _slurm_say "installing slurm-wlm munge (for ${missing[*]})"
  local apt=(apt-get install -y -qq --no-install-recommends slurm-wlm munge)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null 2>&1; } ||
    { _slurm_say "cannot install slurm-wlm munge"; return 1; }
}

# ---- small helpers ------------------------------------------------------------

# _slurm_alive PID: the process exists and is not a zombie.
_slurm_alive() {
  local s
  [[ -n ${1:-} ]] && { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  s=${s##*) }
  [[ ${s%% *} != Z ]]
}

# _slurm_stat PID FIELD: field FIELD of /proc/PID/stat counted after the command
# (1 the state, 2 the parent, 20 the start time in clock ticks after boot).
_slurm_stat() {
  local s f=$2
  { s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${!f}"
}
_slurm_start_time() { _slurm_stat "$1" 20; }

_slurm_comm() { cat "/proc/$1/comm" 2>/dev/null; }

# _slurm_wait_gone PID SECONDS
_slurm_wait_gone() {
  local i
  for ((i = 0; i < $2 * 50; i++)); do
    _slurm_alive "$1" || return 0
    sleep 0.02
  done
  return 1
}

# _slurm_stop PID COMM: SIGTERM to PID if it is still the COMM we started, SIGKILL
# after 5 s, then waits (up to 2 s more) until it is gone.
_slurm_stop() {
  local pid=$1 comm=$2
  _slurm_alive "$pid" && [[ $(_slurm_comm "$pid") == "$comm" ]] || return 0
  kill -TERM "$pid" 2>/dev/null
  _slurm_wait_gone "$pid" 5 && return 0
  kill -KILL "$pid" 2>/dev/null
  _slurm_wait_gone "$pid" 2
}

# _slurm_index I: I names a node of the running cluster.
_slurm_index() {
  if [[ ${_TSLURM_ACTIVE:-} != 1 ]]; then
    _slurm_say "no Slurm cluster is up (slurm_up first)"
    return 1
  fi
  if ! [[ ${1:-} =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > _TSLURM_N)); then
    _slurm_say "no node '${1:-}' (nodes are 1..$_TSLURM_N)"
    return 1
  fi
}

_slurm_ns() { echo "$HOSTS_PREFIX$1"; }

# _slurm_in_ns PID NS: the process lives in network namespace NS.
_slurm_in_ns() { ip netns identify "$1" 2>/dev/null | grep -qxF -- "$2"; }

# _slurm_pidfile FILE COMM: the PID in FILE when that process is alive and is COMM.
_slurm_pidfile() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && _slurm_alive "$pid" && [[ $(_slurm_comm "$pid") == "$2" ]] &&
    echo "$pid"
}

# _slurm_sshd I: host I's sshd (the init of its PID namespace), root numbering.
_slurm_sshd() {
  local pid
  pid=$(cat "$HOSTS_DIR/h$1/sshd.pid" 2>/dev/null) &&
    [[ $pid =~ ^[0-9]+$ ]] && _slurm_alive "$pid" && _slurm_in_ns "$pid" "$(_slurm_ns "$1")" &&
    echo "$pid"
}

# _slurm_close_fds: closes every file descriptor above 2 of this (sub)shell, so that a
# daemon keeps none of the test's pipes open.
_slurm_close_fds() {
  local k
  for k in "/proc/$BASHPID/fd/"*; do
    k=${k##*/}
    ((k > 2)) && eval "exec $k>&-"
  done
}

# _slurm_t SECONDS CMD...: CMD under timeout(1) (KILL 2 s after the TERM).
_slurm_t() { timeout -k 2 "$@"; }

# ---- crashed runs -------------------------------------------------------------

_slurm_state_file() { echo "$TSLURM_STATE_DIR/$HOSTS_PREFIX.pids"; }

# _slurm_locked CMD...: runs CMD holding the lock on $TSLURM_STATE_DIR/lock.
_slurm_locked() {
  local fd rc
  mkdir -p "$TSLURM_STATE_DIR" && exec {fd}>>"$TSLURM_STATE_DIR/lock" || return 1
  if ! flock -w 60 "$fd"; then
    exec {fd}>&-
    _slurm_say "cannot lock $TSLURM_STATE_DIR/lock"
    return 1
  fi
  "$@"
  rc=$?
  exec {fd}>&-
  return "$rc"
}

# _slurm_record COMM PID: notes a daemon of the root namespace in the state file,
# whose first line names this shell as the owner of HOSTS_PREFIX's Slurm daemons.
_slurm_record() {
  local file
  file=$(_slurm_state_file)
  [[ -s $file ]] || echo "owner $$ $(_slurm_start_time $$)" >"$file"
  echo "$1 $2 $(_slurm_start_time "$2")" >>"$file"
}

# _slurm_reap_crashed: stops the daemons that an earlier run under this HOSTS_PREFIX
# recorded and left running (same PID, command and start time), unless that run is
# still alive (then hosts_up waits for it to finish).
_slurm_reap_crashed() {
  local file comm pid start
  file=$(_slurm_state_file)
  [[ -f $file ]] || return 0
  read -r comm pid start <"$file"
  if [[ $comm == owner && $pid != "$$" ]] && _slurm_alive "$pid" &&
    [[ $(_slurm_start_time "$pid") == "$start" ]]; then
    return 0
  fi
  while read -r comm pid start; do
    [[ $comm != owner && $pid =~ ^[0-9]+$ ]] || continue
    if _slurm_alive "$pid" && [[ $(_slurm_comm "$pid") == "$comm" &&
      $(_slurm_start_time "$pid") == "$start" ]]; then
      _slurm_say "stopping $comm $pid, left by a crashed run"
      kill -KILL "$pid" 2>/dev/null
      _slurm_wait_gone "$pid" 2
    fi
  done <"$file"
  rm -f "$file"
}

# ---- the daemons --------------------------------------------------------------

_slurm_write_conf() {
  local i
  cat >"$SLURM_CONF" <<EOF
# Slurm cluster of the cluster tests in $HOSTS_DIR, written by tests/cluster/slurm.sh.
ClusterName=$TSLURM_CLUSTER
SlurmctldHost=${HOSTS_PREFIX}ctl($HOSTS_GATEWAY)
SlurmctldPort=$TSLURM_CTLD_PORT
SlurmdPort=$TSLURM_SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$TSLURM_MUNGE_SOCKET
StateSaveLocation=$TSLURM_DIR/ctld/state
SlurmctldPidFile=$TSLURM_DIR/ctld/slurmctld.pid
SlurmctldLogFile=$TSLURM_DIR/ctld/slurmctld.log
SlurmctldDebug=info
SlurmdSpoolDir=$TSLURM_DIR/%n/spool
SlurmdPidFile=$TSLURM_DIR/%n/slurmd-ns.pid
SlurmdLogFile=$TSLURM_DIR/%n/slurmd.log
SlurmdDebug=info
PlugStackConfig=$TSLURM_DIR/plugstack.conf
# The nodes' hardware is this machine's; slurm.conf says what each has.
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
SlurmdTimeout=$TSLURM_SLURMD_TIMEOUT
SlurmctldTimeout=30
MessageTimeout=5
InactiveLimit=0
KillWait=2
MinJobAge=60
EOF
  for ((i = 1; i <= _TSLURM_N; i++)); do
    echo "NodeName=h$i NodeAddr=$(host_addr "$i") CPUs=$TSLURM_CPUS Sockets=1 CoresPerSocket=$TSLURM_CPUS ThreadsPerCore=1 State=UNKNOWN" >>"$SLURM_CONF"
  done
  echo "PartitionName=test Default=YES Nodes=ALL MaxTime=INFINITE State=UP" >>"$SLURM_CONF"
  [[ -n ${TSLURM_CONF_EXTRA:-} ]] && printf '%s\n' "$TSLURM_CONF_EXTRA" >>"$SLURM_CONF"
  : >"$TSLURM_DIR/plugstack.conf"
  # slurmd loads a cgroup plugin whether or not a plugin uses cgroups, and by default
  # detects the version from /sys/fs/cgroup, which a host's mount namespace (with the
  # /sys of its network namespace) lacks. Naming one skips the detection; nothing
  # here creates a cgroup.
  cat >"$TSLURM_DIR/cgroup.conf" <<EOF
# Read by the slurmds of $SLURM_CONF (tests/cluster/slurm.sh): no cgroups are used.
CgroupPlugin=cgroup/v1
EOF
}

# _slurm_start_munged: a munged of our own (key, socket, seed, log, PID file in
# TSLURM_DIR/munge), in the foreground as a disowned child of this shell.
_slurm_start_munged() {
  local md=$TSLURM_DIR/munge pid k
  mkdir -p "$md" && chmod 755 "$md" || return 1
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$md/munge.key" --bits=1024 >/dev/null 2>&1
  else
    dd if=/dev/urandom of="$md/munge.key" bs=128 count=1 status=none
  fi
  chmod 600 "$md/munge.key" || { _slurm_say "cannot make a MUNGE key"; return 1; }
  (
    _slurm_close_fds
    exec munged --foreground --socket="$TSLURM_MUNGE_SOCKET" --key-file="$md/munge.key" \
      --pid-file="$md/munged.pid" --seed-file="$md/munged.seed" --num-threads=4
  ) </dev/null >>"$md/munged.log" 2>&1 &
  pid=$!
  disown "$pid"
  _slurm_locked _slurm_record munged "$pid"
  echo "$pid" >"$md/munged.root.pid"
  for ((k = 0; k < TSLURM_START_SECONDS * 10; k++)); do
    if [[ -S $TSLURM_MUNGE_SOCKET ]] &&
      _slurm_t 5 munge -n -S "$TSLURM_MUNGE_SOCKET" 2>/dev/null |
      _slurm_t 5 unmunge -S "$TSLURM_MUNGE_SOCKET" >/dev/null 2>&1; then
      return 0
    fi
    if ! _slurm_alive "$pid"; then
      _slurm_say "munged exited at once: $(tail -c 1000 "$md/munged.log")"
      return 1
    fi
    sleep 0.1
  done
  _slurm_say "munged does not answer on $TSLURM_MUNGE_SOCKET after ${TSLURM_START_SECONDS}s: $(tail -c 1000 "$md/munged.log")"
  return 1
}

# _slurm_start_slurmctld: slurmctld -D in the root network namespace, in a UTS
# namespace whose hostname is the SlurmctldHost name; waits until it answers.
_slurm_start_slurmctld() {
  local cd=$TSLURM_DIR/ctld pid k
  mkdir -p "$cd/state" || return 1
  # shellcheck disable=SC2016
  (
    _slurm_close_fds
    exec unshare --uts /bin/sh -c 'hostname "$1" && shift && exec "$@"' sh "${HOSTS_PREFIX}ctl" \
      slurmctld -D -c -i -f "$SLURM_CONF"
  ) </dev/null >>"$cd/slurmctld.out" 2>&1 &
  pid=$!
  disown "$pid"
  _slurm_locked _slurm_record slurmctld "$pid"  # (unshare and sh exec: one PID throughout)
  echo "$pid" >"$cd/slurmctld.root.pid"
  for ((k = 0; k < TSLURM_START_SECONDS * 5; k++)); do
    if [[ $(_slurm_comm "$pid") == slurmctld ]] &&
      _slurm_t 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then
      return 0
    fi
    if ! _slurm_alive "$pid"; then
      _slurm_say "slurmctld exited at once: $(tail -c 1500 "$cd/slurmctld.out")"$'\n'"$(tail -c 1500 "$cd/slurmctld.log" 2>/dev/null)"
      return 1
    fi
    sleep 0.2
  done
  _slurm_say "slurmctld does not answer after ${TSLURM_START_SECONDS}s: $(tail -c 1500 "$cd/slurmctld.log" 2>/dev/null)"
  return 1
}

# _slurm_start_slurmd I: slurmd -D -N hI inside host I (nsenter into the network, UTS,
# PID and mount namespaces of its sshd) as a disowned child of this shell; returns
# once it runs (not once it registered: see _slurm_wait_nodes).
_slurm_start_slurmd() {
  local i=$1 sd=$TSLURM_DIR/h$1 sshd upid pid k
  if ! sshd=$(_slurm_sshd "$i"); then
    _slurm_say "host h$i has no sshd (host_start_sshd $i first)"
    return 1
  fi
  mkdir -p "$sd/spool" || return 1
  rm -f "$sd/slurmd.pid" "$sd/slurmd-ns.pid" "$sd/nsenter.pid"
  (
    _slurm_close_fds
    exec nsenter --target "$sshd" --net --uts --pid --mount --wd=/ \
      slurmd -D -N "h$i" -f "$SLURM_CONF"
  ) </dev/null >>"$sd/slurmd.out" 2>&1 &
  upid=$!
  disown "$upid"
  echo "$upid" >"$sd/nsenter.pid"
  # nsenter forks slurmd into the host's PID namespace and waits for it.
  for ((k = 0; k < 500; k++)); do
    pid=$(pgrep -P "$upid" | head -n 1)
    [[ -n $pid && $(_slurm_comm "$pid") == slurmd ]] && break
    pid=
    _slurm_alive "$upid" || break
    sleep 0.02
  done
  if [[ -z $pid ]]; then
    _slurm_say "slurmd of h$i does not start: $(tail -c 1000 "$sd/slurmd.out")"$'\n'"$(tail -c 1000 "$sd/slurmd.log" 2>/dev/null)"
    return 1
  fi
  echo "$pid" >"$sd/slurmd.pid"
}

# _slurm_wait_nodes SECONDS NODE...: waits until sinfo shows each NODE (hI) in a
# state that is not down, drained or unknown (idle, mix, alloc, ...).
_slurm_wait_nodes() {
  local seconds=$1 deadline=$((SECONDS + $1)) out bad n
  shift
  while :; do
    out=$(_slurm_t 10 sinfo -h -N -o '%N %T' 2>&1)
    bad=''
    for n in "$@"; do
      grep -qE "^$n (idle|mixed|allocated|completing)\$" <<<"$out" || bad+=" $n"
    done
    [[ -z $bad ]] && return 0
    if ((SECONDS >= deadline)); then
      _slurm_say "nodes${bad} are not up after ${seconds}s; sinfo says: $(tr '\n' ';' <<<"$out")"
      for n in $bad; do
        _slurm_say "$n's slurmd log ends: $(tail -c 1000 "$TSLURM_DIR/$n/slurmd.log" 2>/dev/null)$(tail -c 500 "$TSLURM_DIR/$n/slurmd.out" 2>/dev/null)"
      done
      return 1
    fi
    sleep 0.2
  done
}

# Puts slurm_down in front of the script's EXIT trap (hosts_up put hosts_down there).
_slurm_install_trap() {
  [[ $(trap -p EXIT) == *slurm_down* ]] && return 0
  trap_first slurm_down
  return 0
}

# ---- the cluster --------------------------------------------------------------

slurm_up() {
  local n=${1:-} dir=${2:-} i b c t0=$SECONDS nodes=()
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 244)); then
    _slurm_say "usage: slurm_up N [DIR] (N from 1 to 244)"
    return 1
  fi
  if [[ ${_TSLURM_ACTIVE:-} == 1 ]]; then
    _slurm_say "a Slurm cluster is already up; slurm_down first"
    return 1
  fi
  slurm_install_deps || return 1
  # A crashed run's daemons go before hosts_up removes its directory (they write
  # there); again once hosts_up has made this shell the owner of the names (the
  # owner may have crashed while hosts_up waited for it).
  _slurm_locked _slurm_reap_crashed || return 1
  hosts_up "$n" ${dir:+"$dir"} || return 1
  _TSLURM_ACTIVE=1 _TSLURM_N=$n
  _slurm_install_trap
  _slurm_locked _slurm_reap_crashed || { slurm_down; return 1; }

  IFS=. read -r _ b c <<<"$HOSTS_SUBNET"
  : "${TSLURM_CTLD_PORT:=$((20000 + ((b * 256 + c) % 5000) * 2))}"
  : "${TSLURM_SLURMD_PORT:=$((TSLURM_CTLD_PORT + 1))}"
  : "${TSLURM_CPUS:=$(nproc)}"
  : "${TSLURM_SLURMD_TIMEOUT:=10}"
  : "${TSLURM_START_SECONDS:=30}"
  : "${TSLURM_CLUSTER:=fanout}"
  if [[ -n $(ss -Hltn "sport = :$TSLURM_CTLD_PORT" 2>/dev/null) ]]; then
    _slurm_say "port $TSLURM_CTLD_PORT is in use here: $(ss -Hltnp "sport = :$TSLURM_CTLD_PORT" | head -n 1) (set TSLURM_CTLD_PORT)"
    slurm_down
    return 1
  fi
  export TSLURM_DIR=$HOSTS_DIR/slurm
  export SLURM_CONF=$TSLURM_DIR/slurm.conf
  export TSLURM_MUNGE_SOCKET=$TSLURM_DIR/munge/munge.socket
  export TSLURM_NODELIST=h[1-$n] TSLURM_CPUS
  ((n == 1)) && TSLURM_NODELIST=h1
  # A given DIR may hold an earlier run's TSLURM_DIR (marked), never anything else.
  if [[ -e $TSLURM_DIR && ! -f $TSLURM_DIR/.fanout-slurm-dir ]]; then
    _slurm_say "$TSLURM_DIR exists and was not made by slurm_up; not touching it"
    slurm_down
    return 1
  fi
  rm -rf "$TSLURM_DIR"
  if ! { mkdir -p "$TSLURM_DIR" && chmod 755 "$TSLURM_DIR" && : >"$TSLURM_DIR/.fanout-slurm-dir"; }; then
    slurm_down
    return 1
  fi
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$TSLURM_DIR/h$i" || { slurm_down; return 1; }
    nodes+=("h$i")
  done
  _slurm_write_conf
  _slurm_start_munged || { slurm_down; return 1; }
  _slurm_start_slurmctld || { slurm_down; return 1; }
  for ((i = 1; i <= n; i++)); do
    _slurm_start_slurmd "$i" || { slurm_down; return 1; }
  done
  _slurm_wait_nodes "$TSLURM_START_SECONDS" "${nodes[@]}" || { slurm_down; return 1; }
  _slurm_say "Slurm cluster of $n nodes up in $((SECONDS - t0))s (SLURM_CONF=$SLURM_CONF)"
}

slurm_down() {
  [[ ${_TSLURM_ACTIVE:-} == 1 ]] || return 0
  local i pid
  if [[ -n ${TSLURM_DIR:-} ]]; then
    for ((i = 1; i <= _TSLURM_N; i++)); do
      pid=$(_slurm_pidfile "$TSLURM_DIR/h$i/slurmd.pid" slurmd) && kill -TERM "$pid" 2>/dev/null
    done
    for ((i = 1; i <= _TSLURM_N; i++)); do
      pid=$(_slurm_pidfile "$TSLURM_DIR/h$i/slurmd.pid" slurmd) &&
        { _slurm_wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null; }
    done
    pid=$(cat "$TSLURM_DIR/ctld/slurmctld.root.pid" 2>/dev/null) && _slurm_stop "$pid" slurmctld
    pid=$(cat "$TSLURM_DIR/munge/munged.root.pid" 2>/dev/null) && _slurm_stop "$pid" munged
  fi
  _slurm_locked rm -f "$(_slurm_state_file)"
  _TSLURM_ACTIVE='' _TSLURM_N=0
  unset SLURM_CONF TSLURM_DIR TSLURM_MUNGE_SOCKET TSLURM_NODELIST
  hosts_down
  return 0
}

# ---- using the nodes ----------------------------------------------------------

slurmd_pid() {
  _slurm_index "${1:-}" || return 1
  _slurm_pidfile "$TSLURM_DIR/h$1/slurmd.pid" slurmd
}

# _slurm_host_procs I: PID, parent and command of every process in host I's PID
# namespace (root numbering), one "PID PPID COMM" a line.
_slurm_host_procs() {
  local sshd pidns p
  sshd=$(_slurm_sshd "$1") || return 0
  pidns=$(readlink "/proc/$sshd/ns/pid") || return 0
  for p in $(ip netns pids "$(_slurm_ns "$1")" 2>/dev/null); do
    if [[ $(readlink "/proc/$p/ns/pid" 2>/dev/null) != "$pidns" ]] || ! _slurm_alive "$p"; then
      continue
    fi
    echo "$p $(_slurm_stat "$p" 2) $(_slurm_comm "$p")"
  done
}

# _slurm_descendants ROOTS PROCS: the PIDs in PROCS (lines "PID PPID COMM") under the
# PIDs in ROOTS (space separated), ROOTS included.
_slurm_descendants() {
  awk -v roots="$1" 'BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { pid[NR] = $1; ppid[NR] = $2 }
    END { do { more = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; more = 1 } } while (more)
          for (p in keep) print p }' <<<"$2"
}

slurm_step_pids() {
  _slurm_index "${1:-}" || return 1
  local procs roots
  procs=$(_slurm_host_procs "$1")
  roots=$(awk '$3 == "slurmstepd" {printf "%s ", $1}' <<<"$procs")
  [[ -z $roots ]] && return 0
  _slurm_descendants "$roots" "$procs" | sort -n
}

slurm_kill_node() {
  _slurm_index "${1:-}" || return 1
  local i=$1 sshd procs sessions keep victims p k
  sshd=$(_slurm_sshd "$i") || sshd=
  for ((k = 0; k < 50; k++)); do
    procs=$(_slurm_host_procs "$i")
    # The sshd and its sessions (its children named sshd, and what runs under them)
    # stay; orphans that the sshd adopted as the PID namespace's init do not.
    sessions=$(awk -v s="$sshd" '$2 == s && $3 == "sshd" {printf "%s ", $1}' <<<"$procs")
    keep="$sshd"$'\n'"$(_slurm_descendants "$sessions" "$procs")"
    victims=$(awk 'NR == FNR { keep[$1] = 1; next } !($1 in keep) { printf "%s ", $1 }' \
      <(echo "$keep") <(echo "$procs"))
    # (slurmd is among them; its PID file, in case the sshd is gone.)
    p=$(_slurm_pidfile "$TSLURM_DIR/h$i/slurmd.pid" slurmd) && victims+=" $p"
    [[ -z ${victims// /} ]] && break
    # shellcheck disable=SC2086
    kill -KILL $victims 2>/dev/null
    sleep 0.02
  done
  rm -f "$TSLURM_DIR/h$i/slurmd.pid"
  return 0
}

slurm_start_node() {
  _slurm_index "${1:-}" || return 1
  if slurmd_pid "$1" >/dev/null; then
    _slurm_say "slurmd of h$1 is running already"
    return 1
  fi
  _slurm_start_slurmd "$1" && _slurm_wait_nodes "$TSLURM_START_SECONDS" "h$1"
}

slurm_node_state() {
  _slurm_index "${1:-}" || return 1
  _slurm_t 10 sinfo -h -N -n "h$1" -o '%t' 2>/dev/null | head -n 1
}

slurm_wait_node_state() {
  _slurm_index "${1:-}" || return 1
  local deadline=$((SECONDS + ${3:-30})) st
  while :; do
    st=$(_slurm_t 10 sinfo -h -N -n "h$1" -o '%t' 2>/dev/null | head -n 1)
    [[ $st =~ ^($2)$ ]] && return 0
    ((SECONDS >= deadline)) && return 1
    sleep 0.2
  done
}

slurm_as_user() {
  _slurm_index 1 || return 1
  runuser -u "$HOSTS_USER" -- env SLURM_CONF="$SLURM_CONF" "$@"
}
