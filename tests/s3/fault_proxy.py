#!/usr/bin/python3
"""A fault-injecting HTTP/1.1 reverse proxy for testing S3/HTTP clients (stdlib only).

    fault_proxy.py --upstream http://127.0.0.1:PORT [--port 0] [--fault SPEC]...
                   [--faults-json JSON] [--parent-pid PID] [--max-seconds 3600] [-v]

It listens on 127.0.0.1 (port 0: the kernel picks a free one) and prints the port it
got as the first line of stdout. Every request is forwarded to the upstream with its
request target (path and query, byte for byte as the client encoded them), its Host
header and every other end-to-end header unchanged, so SigV4 signatures the client
computed for the proxy's address stay what the client sent. Range requests pass
through; client connections are kept alive (HTTP/1.1) and so is the connection to the
upstream (one per client connection, reopened when the upstream closed it).

Faults
------
A rule says what to do and when. Kinds:
  reset       send the headers and AFTER body bytes, then reset the connection (RST)
  truncate    send the headers (with the true Content-Length) and AFTER body bytes,
              then close the connection normally (FIN): the body is short
  stall       send the headers and AFTER body bytes, stop for SECONDS, then go on
  slow        send the body at BPS bytes per second
  delay       wait SECONDS before forwarding the request (time to first byte)
  drop        read the request, then reset the connection without any answer
  statusNNN   answer NNN with an S3-style XML error body instead of forwarding:
              status503 is SlowDown, status500 InternalError, status403 AccessDenied,
              status404 NoSuchKey, status412 PreconditionFailed, status416
              InvalidRange, any other NNN InjectedFault. RETRY_AFTER adds Retry-After.
AFTER defaults to half the body and is at most body-1 bytes, so the fault always
lands inside the body; SECONDS defaults to 5 (delay: 1), BPS to 65536.

When a rule fires, among the requests that pass its filters:
  match=S     the request target contains S (raw, or percent-decoded)
  method=M    the method is M (GET, HEAD, PUT, ...)
  header=H    the request has header H (e.g. header=Range for ranged GETs only)
  skip=N      let the first N matching requests through
  every=N     then fire on every Nth matching request (default 1: each one)
  prob=P      fire with probability P, drawn from random.Random(SEED) (seed=S,
              default 0) once per matching request, so a run is reproducible when
              requests arrive in the same order
  times=K     fire at most K times (a burst: times=3 with every=1 is "the first 3")
Rules are tried in order; the first that fires handles the request, and rules after
it do not see (or count) that request.

On the command line a rule is KIND[:key=value,key=value...], e.g.
  --fault 'status503:times=2' --fault 'reset:after=100,match=/bucket/big.csv'
With --faults-json or the control endpoint a rule is a JSON object with the same
keys ({"kind": "stall", "seconds": 2, "header": "Range"}).

Control endpoints (not forwarded, not counted)
----------------------------------------------
  GET    /__faults        the rules, as {"faults": [...]}
  POST   /__faults        replace the rules with the body ({"faults": [...]} or a
                          bare list); their counters and random streams start anew
  DELETE /__faults        no rules
  GET    /__stats         {"requests", "forwarded", "connections", "upstream_errors", "body_bytes"
                          (response body bytes sent to clients),
                          "injected": {kind: n}, "injected_total", "rules": [...],
                          "events": [the last 200 injections]}; "connections" counts
                          client connections that carried a proxied request; each
                          rule shows its own "seen" and "injected"
  POST   /__stats/reset   zero the counters (the rules stay)
The totals run on across POST /__faults (which zeroes only the new rules' own
counters) until POST /__stats/reset.
  GET    /__health        "ok"

It stops on SIGTERM or SIGINT, after --max-seconds, or when the process --parent-pid
names is gone. It listens on, and forwards to, loopback addresses only.
"""

import argparse
import http.client
import http.server
import json
import os
import random
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate",
    "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade",
}
ERROR_CODES = {
    400: ("BadRequest", "Bad Request"),
    403: ("AccessDenied", "Access Denied"),
    404: ("NoSuchKey", "The specified key does not exist."),
    409: ("OperationAborted", "A conflicting conditional operation is currently in progress against this resource."),
    412: ("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"),
    416: ("InvalidRange", "The requested range is not satisfiable"),
    500: ("InternalError", "We encountered an internal error. Please try again."),
    503: ("SlowDown", "Please reduce your request rate."),
}
BODY_KINDS = ("reset", "truncate", "stall", "slow")
SIMPLE_KINDS = BODY_KINDS + ("delay", "drop")
RULE_KEYS = {"kind", "after", "seconds", "bps", "retry_after", "match", "method",
             "header", "skip", "every", "prob", "seed", "times"}
CHUNK = 64 * 1024
MAX_EVENTS = 200
MAX_REQUEST_BODY = 256 * 1024 * 1024

STOP = threading.Event()


class Rule:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError(f"a rule must be an object, got {spec!r}")
        unknown = set(spec) - RULE_KEYS
        if unknown:
            raise ValueError(f"unknown rule keys {sorted(unknown)} in {spec!r}")
        self.spec = dict(spec)
        kind = str(spec.get("kind", ""))
        self.status = None
        if kind.startswith("status"):
            try:
                self.status = int(kind[6:])
            except ValueError:
                raise ValueError(f"bad status kind {kind!r} (want statusNNN)") from None
            if not 400 <= self.status <= 599:
                raise ValueError(f"{kind}: the status must be 400..599")
        elif kind not in SIMPLE_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.kind = kind
        self.after = _opt_int(spec, "after", minimum=0)
        default_seconds = 1.0 if kind == "delay" else 5.0
        self.seconds = _opt_float(spec, "seconds", default_seconds, minimum=0.0)
        self.bps = _opt_int(spec, "bps", minimum=1) or 65536
        self.retry_after = spec.get("retry_after")
        self.match = spec.get("match")
        self.method = str(spec["method"]).upper() if spec.get("method") else None
        self.header = spec.get("header")
        self.skip = _opt_int(spec, "skip", minimum=0) or 0
        self.every = _opt_int(spec, "every", minimum=1) or 1
        self.prob = _opt_float(spec, "prob", None, minimum=0.0)
        if self.prob is not None and self.prob > 1:
            raise ValueError("prob must be within 0..1")
        self.seed = _opt_int(spec, "seed") or 0
        self.times = _opt_int(spec, "times", minimum=0)
        self.reset_counters()

    def reset_counters(self):
        self.seen = 0
        self.injected = 0
        self.rng = random.Random(self.seed)

    def filters_pass(self, method, target, headers):
        if self.method and method.upper() != self.method:
            return False
        if self.header and headers.get(self.header) is None:
            return False
        if self.match:
            decoded = urllib.parse.unquote(target)
            if self.match not in target and self.match not in decoded:
                return False
        return True

    def decide(self):
        """Called with the lock held for a request that passed the filters."""
        self.seen += 1
        n = self.seen - self.skip
        if n <= 0:
            return False
        if self.times is not None and self.injected >= self.times:
            return False
        if n % self.every != 0:
            return False
        if self.prob is not None and not self.rng.random() < self.prob:
            return False
        self.injected += 1
        return True

    def describe(self):
        return {"spec": self.spec, "kind": self.kind, "seen": self.seen, "injected": self.injected}


def _opt_int(spec, key, minimum=None):
    if spec.get(key) is None:
        return None
    try:
        v = int(spec[key])
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be an integer, got {spec[key]!r}") from None
    if minimum is not None and v < minimum:
        raise ValueError(f"{key} must be >= {minimum}")
    return v


def _opt_float(spec, key, default, minimum=None):
    if spec.get(key) is None:
        return default
    try:
        v = float(spec[key])
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, got {spec[key]!r}") from None
    if minimum is not None and v < minimum:
        raise ValueError(f"{key} must be >= {minimum}")
    return v


def parse_cli_rule(text):
    kind, _, rest = text.partition(":")
    spec = {"kind": kind.strip()}
    if rest.strip():
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            if not eq:
                raise ValueError(f"expected key=value in {text!r}, got {item!r}")
            spec[key.strip()] = _cli_value(value.strip())
    return spec


def _cli_value(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v


def parse_rules(obj):
    if isinstance(obj, dict):
        obj = obj.get("faults", [])
    if not isinstance(obj, list):
        raise ValueError("expected {\"faults\": [...]} or a list of rules")
    return [Rule(r) for r in obj]


class State:
    def __init__(self, rules):
        self.lock = threading.Lock()
        self.rules = rules
        self.zero()

    def zero(self):
        self.requests = 0
        self.forwarded = 0
        self.connections = 0
        self.upstream_errors = 0
        self.body_bytes = 0
        self.injected = {}
        self.events = []
        for r in self.rules:
            r.reset_counters()

    def choose(self, method, target, headers):
        with self.lock:
            self.requests += 1
            n = self.requests
            for rule in self.rules:
                if not rule.filters_pass(method, target, headers):
                    continue
                if rule.decide():
                    self.injected[rule.kind] = self.injected.get(rule.kind, 0) + 1
                    self.events.append({"request": n, "method": method, "target": target,
                                        "kind": rule.kind, "time": round(time.time(), 3)})
                    del self.events[:-MAX_EVENTS]
                    return rule
        return None

    def count(self, field):
        with self.lock:
            setattr(self, field, getattr(self, field) + 1)

    def snapshot(self):
        with self.lock:
            return {
                "requests": self.requests,
                "forwarded": self.forwarded,
                "connections": self.connections,
                "upstream_errors": self.upstream_errors,
                "body_bytes": self.body_bytes,
                "injected": dict(self.injected),
                "injected_total": sum(self.injected.values()),
                "rules": [r.describe() for r in self.rules],
                "events": list(self.events),
            }


class ClientGone(Exception):
    pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"
    timeout = 120  # an idle keep-alive client connection is closed after this

    # Set on the class by main().
    state = None
    upstream_host = "127.0.0.1"
    upstream_port = 80
    upstream_timeout = 60.0
    verbose = False

    def setup(self):
        super().setup()
        self.upstream = None
        self.aborted = False
        self.counted = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("fault_proxy: %s %s\n" % (self.address_string(), fmt % args))

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self._close_upstream()

    # Every method goes through the same path.
    def do_GET(self):
        self._handle()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_PATCH = do_GET

    # ---- request side -------------------------------------------------------------

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ClientGone()
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                total += size
                if total > MAX_REQUEST_BODY:
                    raise ValueError("request body too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(parts), True
        length = self.headers.get("Content-Length")
        if length is None:
            return b"", False
        n = int(length)
        if n < 0 or n > MAX_REQUEST_BODY:
            raise ValueError("bad Content-Length")
        data = self.rfile.read(n)
        if len(data) != n:
            raise ClientGone()
        return data, True

    def _handle(self):
        try:
            body, has_body = self._read_body()
        except ClientGone:
            self.close_connection = True
            return
        except ValueError as e:
            self._send_simple(400, "text/plain", f"fault_proxy: {e}\n".encode())
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0]
        if path.startswith("/__"):
            self._control(path, body)
            return
        if not self.counted:  # connections that carried proxied requests
            self.counted = True
            self.state.count("connections")
        rule = self.state.choose(self.command, self.path, self.headers)
        if rule is not None:
            self.log_message("inject %s on %s %s", rule.kind, self.command, self.path)
        try:
            if rule is not None and rule.kind == "drop":
                self._abort()
                return
            if rule is not None and rule.kind == "delay":
                STOP.wait(rule.seconds)
            if rule is not None and rule.status is not None:
                self._send_error(rule)
                return
            self._forward(body, has_body, rule)
        except (OSError, http.client.HTTPException, ClientGone):  # a side went away
            self.close_connection = True
            self._close_upstream()

    # ---- upstream -----------------------------------------------------------------

    def _close_upstream(self):
        if self.upstream is not None:
            try:
                self.upstream.close()
            except OSError:
                pass
            self.upstream = None

    def _upstream_request(self, body, has_body):
        headers = []
        for name, value in self.headers.items():
            lname = name.lower()
            if lname in HOP_BY_HOP or lname in ("expect", "content-length"):
                continue
            headers.append((name, value))
        if has_body:
            headers.append(("Content-Length", str(len(body))))
        last_error = None
        for attempt in range(2):  # once more on a kept-alive connection the upstream closed
            fresh = self.upstream is None
            if fresh:
                self.upstream = http.client.HTTPConnection(
                    self.upstream_host, self.upstream_port, timeout=self.upstream_timeout)
            try:
                self.upstream.putrequest(self.command, self.path, skip_host=True,
                                         skip_accept_encoding=True)
                for name, value in headers:
                    self.upstream.putheader(name, value)
                self.upstream.endheaders(body if has_body else None)
                return self.upstream.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError, http.client.BadStatusLine) as e:
                last_error = e
                self._close_upstream()
                if fresh:
                    break
            except OSError as e:
                last_error = e
                self._close_upstream()
                break
        raise ConnectionError(f"upstream {self.upstream_host}:{self.upstream_port}: {last_error}")

    def _forward(self, body, has_body, rule):
        try:
            resp = self._upstream_request(body, has_body)
        except ConnectionError as e:
            self.state.count("upstream_errors")
            self._send_simple(502, "text/plain", f"fault_proxy: {e}\n".encode())
            return
        self.state.count("forwarded")
        no_body = (self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200)
        out_headers = [(n, v) for n, v in resp.getheaders() if n.lower() not in HOP_BY_HOP]
        buffered = None
        if no_body:
            total = 0
        elif resp.length is not None:
            total = resp.length
        else:  # chunked or close-delimited upstream body: hand it on with a length
            buffered = resp.read()
            total = len(buffered)
            out_headers = [(n, v) for n, v in out_headers if n.lower() != "content-length"]
            out_headers.append(("Content-Length", str(total)))
        upstream_closes = resp.will_close
        client_closes = self.close_connection
        lines = [f"HTTP/1.1 {resp.status} {resp.reason}\r\n"]
        lines += [f"{n}: {v}\r\n" for n, v in out_headers]
        if client_closes:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.connection.sendall("".join(lines).encode("latin-1"))
        completed = self._pump(resp, buffered, total, rule)
        if not completed or upstream_closes:
            self._close_upstream()
        else:
            resp.read()  # finishes the response, so the upstream connection can be reused

    def _pump(self, resp, buffered, total, rule):
        """Sends the body; returns False when a fault cut it short."""
        kind = rule.kind if rule is not None and rule.kind in BODY_KINDS else None
        cut = None
        if kind in ("reset", "truncate", "stall"):
            cut = rule.after if rule.after is not None else total // 2
            cut = max(0, min(cut, total - 1)) if total > 0 else 0
        bps = rule.bps if kind == "slow" else None
        sent = 0
        start = time.monotonic()
        offset = 0

        def read(n):
            nonlocal offset
            if buffered is not None:
                chunk = buffered[offset:offset + n]
                offset += len(chunk)
                return chunk
            return resp.read(n)

        while True:
            if cut is not None and sent >= cut:
                if kind == "reset":
                    self._abort()
                    return False
                if kind == "truncate":
                    self.close_connection = True
                    return False
                if kind == "stall":
                    STOP.wait(rule.seconds)
                    cut = None
            if sent >= total or STOP.is_set():
                break
            want = min(CHUNK, total - sent)
            if cut is not None:
                want = min(want, cut - sent)
            if bps is not None:
                want = min(want, max(1, bps // 20))
            chunk = read(want)
            if not chunk:  # the upstream sent less than it announced
                self.close_connection = True
                return False
            self.connection.sendall(chunk)
            sent += len(chunk)
            with self.state.lock:
                self.state.body_bytes += len(chunk)
            if bps is not None:
                ahead = start + sent / bps - time.monotonic()
                if ahead > 0:
                    STOP.wait(ahead)
        if STOP.is_set() and sent < total:
            self.close_connection = True
            return False
        return True

    # ---- answers made here --------------------------------------------------------

    def _abort(self):
        """Resets the client connection (RST, not FIN)."""
        self.close_connection = True
        self.aborted = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.connection, self.rfile):
            try:
                f.close()
            except OSError:
                pass

    def _send_simple(self, status, ctype, payload, extra=()):
        reason = http.client.responses.get(status, "Error")
        lines = [f"HTTP/1.1 {status} {reason}\r\n",
                 f"Date: {self.date_time_string()}\r\n",
                 f"Server: {self.server_version}\r\n",
                 f"Content-Type: {ctype}\r\n",
                 f"Content-Length: {len(payload)}\r\n"]
        lines += [f"{n}: {v}\r\n" for n, v in extra]
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        data = "".join(lines).encode("latin-1")
        if self.command != "HEAD":
            data += payload
        self.connection.sendall(data)

    def _send_error(self, rule):
        code, message = ERROR_CODES.get(rule.status, ("InjectedFault", "Injected by fault_proxy"))
        request_id = "FP%014d" % self.state.requests
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f"<Error><Code>{code}</Code><Message>{message}</Message>"
               f"<RequestId>{request_id}</RequestId><HostId>fault-proxy</HostId></Error>")
        extra = [("x-amz-request-id", request_id)]
        if rule.retry_after is not None:
            extra.append(("Retry-After", str(rule.retry_after)))
        self._send_simple(rule.status, "application/xml", xml.encode(), extra)

    def _control(self, path, body):
        try:
            if path == "/__health":
                self._send_simple(200, "text/plain", b"ok\n")
            elif path == "/__stats" and self.command == "GET":
                self._json(200, self.state.snapshot())
            elif path == "/__stats/reset" and self.command == "POST":
                with self.state.lock:
                    self.state.zero()
                self._json(200, {"ok": True})
            elif path == "/__faults" and self.command == "GET":
                with self.state.lock:
                    self._json(200, {"faults": [r.spec for r in self.state.rules]})
            elif path == "/__faults" and self.command == "POST":
                rules = parse_rules(json.loads(body.decode("utf-8") or "[]"))
                with self.state.lock:
                    self.state.rules = rules
                self._json(200, {"faults": [r.spec for r in rules]})
            elif path == "/__faults" and self.command == "DELETE":
                with self.state.lock:
                    self.state.rules = []
                self._json(200, {"faults": []})
            else:
                self._json(404, {"error": f"no control endpoint {self.command} {path}"})
        except (ValueError, UnicodeDecodeError) as e:
            self._json(400, {"error": str(e)})

    def _json(self, status, obj):
        self._send_simple(status, "application/json", (json.dumps(obj) + "\n").encode())


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def is_loopback(host):
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    for info in infos:
        addr = info[4][0]
        if not (addr.startswith("127.") or addr == "::1"):
            return False
    return bool(infos)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    ap = argparse.ArgumentParser(description="fault-injecting HTTP/1.1 reverse proxy",
                                 epilog="See the module docstring for the fault rules.")
    ap.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fault", action="append", default=[], metavar="SPEC")
    ap.add_argument("--faults-json", metavar="JSON")
    ap.add_argument("--upstream-timeout", type=float, default=60.0)
    ap.add_argument("--parent-pid", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=3600.0)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    up = urllib.parse.urlsplit(args.upstream)
    if up.scheme != "http" or not up.hostname:
        ap.error("--upstream must be http://HOST:PORT")
    if not is_loopback(up.hostname) or not is_loopback(args.bind):
        ap.error("the proxy listens on and forwards to loopback addresses only")
    try:
        rules = [Rule(parse_cli_rule(s)) for s in args.fault]
        if args.faults_json:
            rules += parse_rules(json.loads(args.faults_json))
    except ValueError as e:
        ap.error(str(e))

    Handler.state = State(rules)
    Handler.upstream_host = up.hostname
    Handler.upstream_port = up.port or 80
    Handler.upstream_timeout = args.upstream_timeout
    Handler.verbose = args.verbose

    try:
        server = Server((args.bind, args.port), Handler)
    except OSError as e:
        sys.stderr.write(f"fault_proxy: cannot listen on {args.bind}:{args.port}: {e}\n")
        return 3
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    print(server.server_address[1], flush=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    started = time.monotonic()
    why = "signal"
    while not STOP.wait(0.5):
        if args.parent_pid > 0 and not alive(args.parent_pid):
            why = f"parent {args.parent_pid} is gone"
            break
        if args.max_seconds > 0 and time.monotonic() - started > args.max_seconds:
            why = f"ran for --max-seconds {args.max_seconds:g}"
            break
    STOP.set()
    if why != "signal":
        sys.stderr.write(f"fault_proxy: stopping ({why})\n")
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
