# Plain HTTP servers on loopback for tests of http(s):// inputs; source it, it is not a test.
#
#   nginx_start ROOT         Debian's nginx serving ROOT (Range, ETag, If-Match as a real
#                            server does them); exports NGINX_URL, NGINX_PID. Installs
#                            nginx-light with apt-get when missing and running as root.
#                            With NGINX_LIMIT_RATE (e.g. 2m) each response is sent at most
#                            that fast (nginx's limit_rate): a slow source.
#   range_server_start ROOT  tests/s3/range_server.py serving ROOT, whose answers to Range
#                            requests go wrong on purpose, by path (see its docstring);
#                            exports RANGE_URL, RANGE_PID
#   http_servers_stop        stops both (only those PIDs); installed on EXIT by either start
#   free_port                prints a TCP port on 127.0.0.1 that nothing listens on now
#
# Both servers bind 127.0.0.1 only, and stop by themselves within a second or two when
# the shell that started them is gone (even after SIGKILL).

HTTP_SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=s3rver.sh
source "$HTTP_SERVERS_DIR/s3rver.sh"  # _s3_wait_port, _s3_stop_pid, trap_first
NGINX_PID=${NGINX_PID:-}
RANGE_PID=${RANGE_PID:-}
_NGINX_WATCHDOG=
_NGINX_DIR=

_http_install_trap() {
  [[ ${_HTTP_TRAP_INSTALLED:-} == 1 ]] && return 0
  trap_first http_servers_stop
  [[ -z $(trap -p INT) ]] && trap 'exit 130' INT
  [[ -z $(trap -p TERM) ]] && trap 'exit 143' TERM
  _HTTP_TRAP_INSTALLED=1
}

free_port() {
  "$S3_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_nginx_require() {
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    _s3_say "installing nginx-light"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 ||
      { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1; } ||
      { _s3_say "cannot install nginx-light"; return 1; }
    return 0
  fi
  _s3_say "nginx is not installed (apt-get install nginx-light)"
  return 1
}

nginx_start() {
  local root=${1:?usage: nginx_start ROOT}
  _nginx_require || return 1
  _http_install_trap
  root=$(cd "$root" && pwd)
  _NGINX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fanout-nginx.XXXXXX")
  local bin attempt port user=""
  bin=$(command -v nginx || echo /usr/sbin/nginx)
  [[ $(id -u) -eq 0 ]] && user="user root;"
  for ((attempt = 1; attempt <= 5; attempt++)); do
    port=$(free_port)
    cat >"$_NGINX_DIR/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $_NGINX_DIR/nginx.pid;
error_log $_NGINX_DIR/error.log warn;
$user
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 60s;
  client_body_temp_path $_NGINX_DIR/body;
  proxy_temp_path $_NGINX_DIR/proxy;
  fastcgi_temp_path $_NGINX_DIR/fastcgi;
  uwsgi_temp_path $_NGINX_DIR/uwsgi;
  scgi_temp_path $_NGINX_DIR/scgi;
  types { text/csv csv; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $root;
    location / { ${NGINX_LIMIT_RATE:+limit_rate $NGINX_LIMIT_RATE;} }
  }
}
EOF
    "$bin" -c "$_NGINX_DIR/nginx.conf" -p "$_NGINX_DIR" >"$_NGINX_DIR/stderr" 2>&1 </dev/null &
    NGINX_PID=$!
    local i
    for ((i = 0; i < 200; i++)); do
      kill -0 "$NGINX_PID" 2>/dev/null || break
      if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
        export NGINX_URL="http://127.0.0.1:$port" NGINX_PID
        # nginx does not watch its parent: a watchdog stops it when this shell is gone.
        local parent=$$ pid=$NGINX_PID
        (while kill -0 "$parent" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
         kill -QUIT "$pid" 2>/dev/null) >/dev/null 2>&1 </dev/null &
        _NGINX_WATCHDOG=$!
        return 0
      fi
      sleep 0.05
    done
    _s3_stop_pid "$NGINX_PID" nginx
    NGINX_PID=
    grep -q "in use" "$_NGINX_DIR/stderr" "$_NGINX_DIR/error.log" 2>/dev/null && continue
    break
  done
  _s3_say "nginx did not start: $(tail -c 1500 "$_NGINX_DIR/stderr" "$_NGINX_DIR/error.log" 2>/dev/null)"
  return 1
}

range_server_start() {
  local root=${1:?usage: range_server_start ROOT}
  _http_install_trap
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/fanout-range-server.XXXXXX.log")
  "$S3_PY" "$HTTP_SERVERS_DIR/range_server.py" --root "$root" --port 0 --parent-pid $$ \
    >"$log" 2>&1 </dev/null &
  RANGE_PID=$!
  local port
  if ! port=$(_s3_wait_port "$log" "$RANGE_PID"); then
    _s3_say "range_server did not start: $(tail -c 1500 "$log")"
    _s3_stop_pid "$RANGE_PID" range_server
    RANGE_PID=
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  export RANGE_URL="http://127.0.0.1:$port" RANGE_PID
}

http_servers_stop() {
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null  # graceful: workers finish and exit
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$NGINX_PID" 2>/dev/null || break
      sleep 0.05
    done
  fi
  _s3_stop_pid "$NGINX_PID" nginx
  NGINX_PID=
  [[ -n $_NGINX_WATCHDOG ]] && { kill "$_NGINX_WATCHDOG" 2>/dev/null; wait "$_NGINX_WATCHDOG" 2>/dev/null; }
  _NGINX_WATCHDOG=
  [[ -n $_NGINX_DIR ]] && rm -rf "$_NGINX_DIR"
  _NGINX_DIR=
  _s3_stop_pid "$RANGE_PID" range_server
  RANGE_PID=
}
