#!/usr/bin/env bash
# select --out: existing outputs are refused unless --overwrite; a failed or
# interrupted select (SIGINT, SIGTERM from timeout) leaves no temporary files; a
# later select removes the temporaries of its outputs left by a process that is gone.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/s
mkdir -p "$D/in"
printf 'a,b,c\n1,2,3\n4,5,6\n' >"$D/in/x.csv"
printf 'a,b,c\n7,8,9\n' >"$D/in/y.csv"

# ---- existing outputs ---------------------------------------------------------------
mkdir -p "$D/out"
echo precious >"$D/out/x.csv"
expect_fail 1 "$D/out/x.csv already exists; --overwrite replaces" select --cols 1,2 "$D/in" --out "$D/out"
check_eq "a refused select leaves the existing file alone" "$(cat "$D/out/x.csv")" precious
check_true "a refused select writes no other output" test ! -e "$D/out/y.csv"
mkdir -p "$TMP/want"
run_ref want select --cols 1,2 "$D/in" --out "$TMP/want"
run_fanout over select --cols 1,2 "$D/in" --out "$D/out" --overwrite --quiet
check_eq "select --overwrite: exit status" "$(rc_of over)" 0
check_dirs_equal "select --overwrite replaces the outputs" "$D/out" "$TMP/want"
# Files in the directory that are not outputs of this select do not matter.
echo other >"$D/out2-note" && mkdir -p "$D/out2" && mv "$D/out2-note" "$D/out2/notes.txt"
run_fanout other select --cols 1,2 "$D/in" --out "$D/out2" --quiet
check_eq "other files in --out are no obstacle" "$(rc_of other)" 0
check_eq "other files in --out stay" "$(cat "$D/out2/notes.txt")" other

# ---- stale temporaries ----------------------------------------------------------------
# A process id that runs nothing: fanout may remove its files.
dead=999999
while kill -0 "$dead" 2>/dev/null; do dead=$((dead - 1)); done
mkdir -p "$D/stale"
for f in ".x.csv.part0.tmp$dead.0" ".x.csv.part3.tmp$dead.17" ".y.csv.tmp$dead"; do echo half >"$D/stale/$f"; done
# Not fanout's to remove: a live process's temporary, another output's, other names.
keep=(".x.csv.part0.tmp$$.0" ".z.csv.part0.tmp$dead.0" "x.csv.tmp$dead" ".x.csv.tmp$dead.keep")
for f in "${keep[@]}"; do echo keep >"$D/stale/$f"; done
run_fanout stale select --cols 1,2 "$D/in" --out "$D/stale" --quiet
check_eq "select over stale temporaries: exit status" "$(rc_of stale)" 0
check_eq "stale temporaries of dead processes are removed, others kept" \
  "$(cd "$D/stale" && ls -A | LC_ALL=C sort | tr '\n' ' ')" \
  "$(printf '%s\n' "${keep[@]}" x.csv y.csv | LC_ALL=C sort | tr '\n' ' ')"

# ---- a failed select leaves nothing --------------------------------------------------
printf 'a,b,c\n1,2,3\nshort\n' >"$D/in/z.csv"
run_fanout strict select --cols 1,2 "$D/in" --out "$D/failed" --strict --quiet --range-size 8 --threads 2
check_eq "select --strict over a short row fails" "$(rc_of strict)" 1
check_eq "a failed select leaves no temporary files" \
  "$(cd "$D/failed" && ls -A | grep -c 'tmp')" 0
rm "$D/in/z.csv"

# ---- interrupted ----------------------------------------------------------------------
# A server that sends the first 100 KB of an object at once and then stalls: the
# select has created its temporary file and waits when the signal comes.
"$PY" -c 'import sys; sys.stdout.write("a,b,c\n" + "".join(f"{i},{i},{i}\n" for i in range(200000)))' >"$D/big.csv"
"$PY" - "$D/big.csv" "$TMP/port" <<'EOF2' &
import http.server, os, re, sys, time
data = open(sys.argv[1], 'rb').read()
STALL_AT = 100_000
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def head(self, length, status=200, extra=()):
        self.send_response(status)
        self.send_header('Content-Length', str(length))
        self.send_header('Accept-Ranges', 'bytes')
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
    def do_HEAD(self):
        self.head(len(data))
    def do_GET(self):
        m = re.match(r'bytes=(\d+)-(\d*)', self.headers.get('Range', ''))
        a = int(m.group(1)) if m else 0
        b = int(m.group(2)) if m and m.group(2) else len(data) - 1
        if b >= STALL_AT:
            time.sleep(600)
        self.head(b - a + 1, 206, [('Content-Range', f'bytes {a}-{b}/{len(data)}')])
        self.wfile.write(data[a:b + 1])
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
with open(sys.argv[2] + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + '.tmp', sys.argv[2])
server.serve_forever()
EOF2
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [[ -s $TMP/port ]] && break; sleep 0.1; done
[[ -s $TMP/port ]] || die "the stalling HTTP server did not start"
URL=http://127.0.0.1:$(cat "$TMP/port")/big.csv
for sig in INT TERM HUP; do
  out=$D/int-$sig
  timeout --preserve-status -s "$sig" 3 "$FANOUT" select --cols 1,2 "$URL" "$D/in/x.csv" --out "$out" --quiet \
    >"$TMP/out.int" 2>"$TMP/err.int" </dev/null
  rc=$?
  want=$((128 + $(kill -l "$sig")))
  check_eq "select interrupted by SIG$sig: exit status (killed by the signal)" "$rc" "$want"
  check_eq "select interrupted by SIG$sig leaves no temporary files" \
    "$(cd "$out" 2>/dev/null && ls -A | grep 'tmp' | tr '\n' ' ')" ""
done

finish
