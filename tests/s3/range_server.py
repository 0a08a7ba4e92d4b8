#!/usr/bin/python3
"""A static file server whose answers to Range requests go wrong on purpose (stdlib only).

    range_server.py --root DIR [--port 0] [--parent-pid PID] [--max-seconds 3600]

It listens on 127.0.0.1 (port 0: the kernel picks one), prints the port it got as the
first line of stdout, and serves the files below DIR over HTTP/1.1 (keep-alive). The
first segment of a request's path is the way to answer it; the rest names the file:

  /plain/F              correct: HEAD and GET with Content-Length and ETag; a GET with
                        "Range: bytes=A-B" (or "A-") answers 206 with those bytes and
                        "Content-Range: bytes A-B/SIZE"; other GETs 200 with the file
  /ignore-range/F       every GET answers 200 with the whole file (as Python's
                        http.server does)
  /short-ranges/F       206 with at most 1000 bytes from A, and a Content-Range that says
                        so (allowed: a client must ask again for the rest)
  /wrong-start/F        206 with the bytes and Content-Range from A+1 (not what was asked)
  /wrong-total/F        206 with the right bytes and a Content-Range total of SIZE+1
  /no-content-range/F   206 with the right bytes and no Content-Range
  /bad-length/F         206 with the right Content-Range and a Content-Length 100 more,
                        followed by that many bytes
  /long-body/F          206 with the right Content-Range, no Content-Length, 100 bytes
                        more than the range, then the connection closes
  /truncate-once/F      the first 3 GETs of each file send half their body (with the
                        full Content-Length) and close; later ones are correct
  /truncate/F           every GET sends half its body and closes
  /half-bodies/F        every GET sends the first half of its body, rounded up, and
                        closes: a client that resumes from its last byte gets any
                        range whole, in about log2(its size) requests
  /ignore-range-truncate-once/F
                        as /ignore-range, and the first 3 GETs of each file send half
                        the file (with the full Content-Length) and close
  /status500-get/F      HEAD is correct; every GET answers 500
  /auth/F               like /plain, but only with "Authorization: Basic" of
                        user:SECRET-PASSWORD-42 (else 401)
  anything else         500 with an S3-style XML error (an S3 endpoint that fails)

It stops on SIGTERM or SIGINT, after --max-seconds, or when the process --parent-pid
names is gone. It listens on loopback only.
"""

import argparse
import base64
import http.server
import os
import signal
import socketserver
import sys
import threading
import time

AUTH = "user:SECRET-PASSWORD-42"
SHORT_RANGE = 1000
EXTRA = 100
TRUNCATE_TIMES = 3
STOP = threading.Event()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms wait between them
    root = "."
    counts = {}
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def fail(self, code, message):
        body = (f"<?xml version=\"1.0\"?><Error><Code>Injected{code}</Code>"
                f"<Message>{message}</Message></Error>").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def target(self):
        """(mode, path of the file) or (mode, None) when there is no such file."""
        parts = self.path.split("?", 1)[0].lstrip("/").split("/", 1)
        mode = parts[0]
        if len(parts) < 2:
            return mode, None
        path = os.path.realpath(os.path.join(self.root, parts[1]))
        if not path.startswith(self.root + os.sep) or not os.path.isfile(path):
            return mode, None
        return mode, path

    def requested_range(self, size):
        """(first, last) asked for by a single-range header, or None."""
        value = self.headers.get("Range", "")
        if not value.startswith("bytes=") or "," in value:
            return None
        a, _, b = value[len("bytes="):].partition("-")
        if not a.isdigit():
            return None
        first = int(a)
        last = int(b) if b.isdigit() else size - 1
        return first, min(last, size - 1)

    def send_bytes(self, status, data, headers, length=True, close=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if length is not False:
            self.send_header("Content-Length", str(len(data) if length is True else length))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        mode, path = self.target()
        known = {"plain", "ignore-range", "ignore-range-truncate-once", "short-ranges", "wrong-start", "wrong-total", "no-content-range",
                 "bad-length", "long-body", "truncate-once", "truncate", "half-bodies", "status500-get", "auth"}
        if mode not in known:
            return self.fail(500, "this server fails every request")
        if path is None:
            return self.fail(404, "no such file")
        if mode == "auth":
            given = self.headers.get("Authorization", "")
            if given != "Basic " + base64.b64encode(AUTH.encode()).decode():
                return self.fail(401, "unauthorized")
        data = FileBytes(path)
        size = len(data)
        etag = [("ETag", f"\"{size}-{int(os.stat(path).st_mtime)}\""), ("Content-Type", "text/csv")]
        if self.command == "HEAD":
            return self.send_bytes(200, b"", etag, length=size)
        if mode == "status500-get":
            return self.fail(500, "GET fails here")
        ignore_range = mode.startswith("ignore-range")
        if mode.startswith("truncate") or mode == "ignore-range-truncate-once":
            with self.lock:
                n = self.counts.get(path, 0) + 1
                self.counts[path] = n
            if mode == "truncate" or n <= TRUNCATE_TIMES:
                return self.truncated(data, size, etag, ignore_range)
        if mode == "half-bodies":
            return self.truncated(data, size, etag, False, round_up=True)
        rng = self.requested_range(size)
        if rng is None or ignore_range:
            return self.send_bytes(200, data[0:size], etag)
        first, last = rng
        if first >= size:
            return self.fail(416, "range not satisfiable")
        if mode == "short-ranges":
            last = min(last, first + SHORT_RANGE - 1)
        if mode == "wrong-start":
            first = min(first + 1, last)
        body = data[first:last + 1]
        total = size + 1 if mode == "wrong-total" else size
        content_range = [("Content-Range", f"bytes {first}-{last}/{total}")]
        if mode == "no-content-range":
            content_range = []
        if mode == "bad-length":
            return self.send_bytes(206, data[first:last + 1 + EXTRA], etag + content_range)
        if mode == "long-body":
            return self.send_bytes(206, data[first:last + 1 + EXTRA], etag + content_range, length=False, close=True)
        self.send_bytes(206, body, etag + content_range)

    def truncated(self, data, size, headers, ignore_range, round_up=False):
        rng = None if ignore_range else self.requested_range(size)
        first, last = rng if rng is not None else (0, size - 1)
        body = data[first:last + 1]
        extra = [("Content-Range", f"bytes {first}-{last}/{size}")] if rng is not None else []
        self.send_response(206 if rng is not None else 200)
        for k, v in headers + extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[:(len(body) + (1 if round_up else 0)) // 2])
        self.wfile.flush()
        self.close_connection = True


class FileBytes:
    """A file's bytes, read only where sliced (a request reads what it sends)."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)

    def __len__(self):
        return self.size

    def __getitem__(self, s):
        start, stop, _ = s.indices(self.size)
        with open(self.path, "rb") as f:
            f.seek(start)
            return f.read(max(0, stop - start))


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    ap = argparse.ArgumentParser(description="a file server with wrong answers to Range requests")
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--parent-pid", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=3600.0)
    args = ap.parse_args()
    Handler.root = os.path.realpath(args.root)
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        sys.stderr.write(f"range_server: cannot listen on port {args.port}: {e}\n")
        return 3
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    print(server.server_address[1], flush=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    started = time.monotonic()
    while not STOP.wait(0.5):
        if args.parent_pid > 0 and not alive(args.parent_pid):
            break
        if args.max_seconds > 0 and time.monotonic() - started > args.max_seconds:
            break
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
