# shellcheck shell=bash
# Helpers for tests that need an S3 endpoint: a local s3rver, a botocore client and
# the fault-injecting proxy. Source it (from the main shell, not from $(...)); it is
# not a test itself.
#
#   s3_start DIR           start s3rver on 127.0.0.1 (or S3_ADDRESS, e.g. the test hosts'
#                          gateway) with its data in DIR; exports
#                          S3_ENDPOINT=http://ADDRESS:PORT, S3_PORT_USED, S3_PID, S3_LOG
#   s3_stop                stop that server (only that PID)
#   s3_mb BUCKET           create a bucket
#   s3_put BUCKET KEY FILE upload FILE as KEY
#   s3_put_many BUCKET PREFIX COUNT [SIZE]
#                          upload COUNT small objects PREFIX000000.csv ... in one process
#   s3_ls BUCKET [PREFIX]  every key under PREFIX, one per line (pages through
#                          ListObjectsV2 1000 keys at a time)
#   s3_get BUCKET KEY [RANGE]   the object (or a Range such as bytes=0-9) on stdout
#   s3_url BUCKET KEY      the path-style URL of KEY, percent-encoded the way SigV4 wants
#   proxy_start UPSTREAM [fault_proxy.py ARGS...]
#                          start tests/s3/fault_proxy.py in front of UPSTREAM; exports
#                          PROXY_ENDPOINT, PROXY_PID, PROXY_LOG (beside S3_LOG unless
#                          PROXY_LOG is set)
#   proxy_faults JSON      replace the proxy's fault rules (POST /__faults)
#   proxy_stats            the proxy's counters as JSON (GET /__stats)
#   proxy_stat EXPR        one value of them, e.g. proxy_stat 'injected.reset'
#   proxy_stop             stop the proxy (only that PID)
#   s3_cleanup             proxy_stop + s3_stop; s3_start/proxy_start install it on EXIT
#                          in front of whatever EXIT trap the script already had
#
# Credentials: S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, default S3RVER / S3RVER (the
# pair s3rver always knows); set them before s3_start to register another pair as
# well. s3_start also exports them as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
# AWS_REGION (us-east-1, or S3_REGION), and AWS_EC2_METADATA_DISABLED=true so that no
# client under test looks for instance credentials off this machine.
#
# The client side is botocore under Debian's /usr/bin/python3 (tests/s3/s3_client.py),
# not the aws command: one python process can upload thousands of objects in seconds,
# list with exact pagination and report S3 error codes, and it needs only
# python3-botocore. s3rver runs from node_modules (package-lock.json pins it); a
# missing node_modules/s3rver is installed with `npm ci`, missing Debian packages
# (python3-botocore, curl) with apt-get when running as root.
#
# Ports: s3rver and the proxy bind port 0 and report the port the kernel gave them,
# so two tests never race for a port. Set S3_PORT to ask for a fixed one; if it is
# taken, s3_start falls back to a kernel-chosen port. Both servers also stop by
# themselves when the shell that started them is gone, or after S3_MAX_SECONDS (3600).

S3_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/trap.sh
source "$S3_TESTS_DIR/../lib/trap.sh"
S3_SRC=${FANOUT_SRC:-$(cd "$S3_TESTS_DIR/../.." && pwd)}
S3_PY=${S3_PYTHON:-/usr/bin/python3}
S3_CLIENT=("$S3_PY" "$S3_TESTS_DIR/s3_client.py")
: "${S3_ACCESS_KEY_ID:=S3RVER}"
: "${S3_SECRET_ACCESS_KEY:=S3RVER}"
: "${S3_REGION:=us-east-1}"
: "${S3_MAX_SECONDS:=3600}"
export S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY S3_REGION
S3_PID=${S3_PID:-}
PROXY_PID=${PROXY_PID:-}

_s3_say() { echo "s3rver.sh: $*" >&2; }

# s3_require_tools: node, node_modules/s3rver, botocore under /usr/bin/python3, curl.
# Returns non-zero (after saying why) when something is missing and cannot be installed.
s3_require_tools() {
  [[ ${_S3_TOOLS_OK:-} == 1 ]] && return 0
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [[ -x $S3_PY ]] && "$S3_PY" -c 'import botocore' 2>/dev/null || missing+=(python3-botocore)
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      _s3_say "installing ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } ||
        { _s3_say "cannot install ${missing[*]}"; return 1; }
    else
      _s3_say "missing ${missing[*]} (apt-get install ${missing[*]})"
      return 1
    fi
  fi
  command -v node >/dev/null 2>&1 || { _s3_say "node is not installed"; return 1; }
  if [[ ! -f $S3_SRC/node_modules/s3rver/package.json ]]; then
    _s3_say "node_modules/s3rver is missing; running npm ci in $S3_SRC"
    (cd "$S3_SRC" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
      { _s3_say "npm ci failed"; return 1; }
  fi
  _S3_TOOLS_OK=1
}

# Puts s3_cleanup in front of the script's EXIT trap (once), and turns INT/TERM into
# an exit so that the EXIT trap runs for them too.
_s3_install_trap() {
  [[ ${_S3_TRAP_INSTALLED:-} == 1 ]] && return 0
  trap_first s3_cleanup
  [[ -z $(trap -p INT) ]] && trap 'exit 130' INT
  [[ -z $(trap -p TERM) ]] && trap 'exit 143' TERM
  _S3_TRAP_INSTALLED=1
}

# _s3_wait_port LOG PID: prints the first all-digits line of LOG once it is there;
# fails when PID exits first or after 30 s.
_s3_wait_port() {
  local log=$1 pid=$2 i port
  for ((i = 0; i < 600; i++)); do
    port=$(grep -m 1 -E '^[0-9]+$' "$log" 2>/dev/null)
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# _s3_stop_pid PID NAME: TERM, up to 5 s, then KILL; reaps it when it is our child.
_s3_stop_pid() {
  local pid=$1 name=$2 i
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
      _s3_say "$name (pid $pid) ignored SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  wait "$pid" 2>/dev/null
  return 0
}

s3_start() {
  local dir=${1:?usage: s3_start DIR}
  s3_require_tools || return 1
  if [[ -n $S3_PID ]] && kill -0 "$S3_PID" 2>/dev/null; then
    _s3_say "s3rver already running (pid $S3_PID); s3_stop it first"
    return 1
  fi
  _s3_install_trap
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd)
  S3_LOG="$dir.s3rver.log"
  local attempt port=${S3_PORT:-0} rc verbose=()
  [[ -n ${S3RVER_VERBOSE:-} ]] && verbose=(--verbose)
  for ((attempt = 1; attempt <= 5; attempt++)); do
    : >"$S3_LOG"
    node --openssl-legacy-provider "$S3_TESTS_DIR/s3rver_run.js" \
      --dir "$dir" --address "${S3_ADDRESS:-127.0.0.1}" --port "$port" \
      --parent-pid $$ --max-seconds "$S3_MAX_SECONDS" "${verbose[@]}" \
      >>"$S3_LOG" 2>&1 </dev/null &
    S3_PID=$!
    if S3_PORT_USED=$(_s3_wait_port "$S3_LOG" "$S3_PID"); then
      break
    fi
    wait "$S3_PID" 2>/dev/null
    rc=$?
    S3_PID=
    if ((rc == 3)); then
      _s3_say "port $port is taken; trying a kernel-chosen port"
      port=0
      continue
    fi
    _s3_say "s3rver did not start (exit $rc): $(tail -c 1500 "$S3_LOG")"
    return 1
  done
  if [[ -z $S3_PID ]]; then
    _s3_say "s3rver did not start after $((attempt - 1)) attempts"
    return 1
  fi
  export S3_ENDPOINT="http://${S3_ADDRESS:-127.0.0.1}:$S3_PORT_USED"
  export S3_PID S3_PORT_USED S3_LOG
  export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
  export AWS_REGION=$S3_REGION AWS_DEFAULT_REGION=$S3_REGION AWS_EC2_METADATA_DISABLED=true
  # Ready when an anonymous ListBuckets answers 200.
  local i code
  for ((i = 0; i < 200; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$S3_ENDPOINT/" 2>/dev/null)
    [[ $code == 200 ]] && return 0
    kill -0 "$S3_PID" 2>/dev/null || break
    sleep 0.05
  done
  _s3_say "s3rver on $S3_ENDPOINT does not answer (last status '$code'): $(tail -c 1500 "$S3_LOG")"
  s3_stop
  return 1
}

s3_stop() {
  _s3_stop_pid "$S3_PID" s3rver
  S3_PID=
}

s3_mb() { "${S3_CLIENT[@]}" --endpoint "$S3_ENDPOINT" mb "$1" >/dev/null; }
s3_put() { "${S3_CLIENT[@]}" --endpoint "$S3_ENDPOINT" put "$1" "$2" "$3" >/dev/null; }
s3_put_many() {
  "${S3_CLIENT[@]}" --endpoint "$S3_ENDPOINT" put-many "$1" "$2" "$3" --size "${4:-0}" >/dev/null
}
s3_ls() { "${S3_CLIENT[@]}" --endpoint "$S3_ENDPOINT" ls "$1" --prefix "${2:-}"; }
s3_get() {
  if [[ -n ${3:-} ]]; then
    "${S3_CLIENT[@]}" --endpoint "$S3_ENDPOINT" get "$1" "$2" --range "$3"
  else
    "${S3_CLIENT[@]}" --endpoint "$S3_ENDPOINT" get "$1" "$2"
  fi
}
s3_url() {
  local enc
  enc=$("$S3_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/~"))' "$2")
  echo "${S3_ENDPOINT}/$1/$enc"
}

proxy_start() {
  local upstream=${1:?usage: proxy_start UPSTREAM [ARGS...]}
  shift
  s3_require_tools || return 1
  if [[ -n $PROXY_PID ]] && kill -0 "$PROXY_PID" 2>/dev/null; then
    _s3_say "fault proxy already running (pid $PROXY_PID); proxy_stop it first"
    return 1
  fi
  _s3_install_trap
  # The log sits beside s3rver's (in the test's own directory) unless PROXY_LOG names
  # one; failing both, a temporary file that proxy_stop removes.
  _PROXY_LOG_TEMP=
  if [[ -z ${PROXY_LOG:-} ]]; then
    if [[ -n ${S3_LOG:-} ]]; then
      PROXY_LOG=${S3_LOG%.s3rver.log}.proxy.log
    else
      PROXY_LOG=$(mktemp "${TMPDIR:-/tmp}/fault_proxy.XXXXXX.log") && _PROXY_LOG_TEMP=$PROXY_LOG
    fi
  fi
  : >"$PROXY_LOG"
  "$S3_PY" "$S3_TESTS_DIR/fault_proxy.py" --upstream "$upstream" --port 0 \
    --parent-pid $$ --max-seconds "$S3_MAX_SECONDS" "$@" >>"$PROXY_LOG" 2>&1 </dev/null &
  PROXY_PID=$!
  local port
  if ! port=$(_s3_wait_port "$PROXY_LOG" "$PROXY_PID"); then
    _s3_say "fault proxy did not start: $(tail -c 1500 "$PROXY_LOG")"
    _s3_stop_pid "$PROXY_PID" fault_proxy
    PROXY_PID=
    return 1
  fi
  export PROXY_ENDPOINT="http://127.0.0.1:$port" PROXY_PID PROXY_LOG
}

proxy_stop() {
  _s3_stop_pid "$PROXY_PID" fault_proxy
  PROXY_PID=
  if [[ -n ${_PROXY_LOG_TEMP:-} ]]; then
    rm -f "$_PROXY_LOG_TEMP"
    [[ ${PROXY_LOG:-} == "$_PROXY_LOG_TEMP" ]] && PROXY_LOG=
    _PROXY_LOG_TEMP=
  fi
}

proxy_faults() {
  curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
    --data-binary "$1" "$PROXY_ENDPOINT/__faults"
}

proxy_reset_stats() { curl -sS --max-time 10 -X POST "$PROXY_ENDPOINT/__stats/reset" >/dev/null; }

proxy_stats() { curl -sS --max-time 10 "$PROXY_ENDPOINT/__stats"; }

# proxy_stat PATH: one value of /__stats by dotted path, list items by index
# (injected.reset, rules.0.injected); 0 when absent.
proxy_stat() {
  proxy_stats | "$S3_PY" -c '
import json, sys
v = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    if isinstance(v, dict):
        v = v.get(part, 0)
    elif isinstance(v, list) and part.isdigit() and int(part) < len(v):
        v = v[int(part)]
    else:
        v = 0
print(v)' "$1"
}

s3_cleanup() {
  proxy_stop
  s3_stop
}
