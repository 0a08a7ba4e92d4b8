#!/usr/bin/python3
"""A stand-in for the EC2 instance metadata service (IMDSv2), for tests only.

The real service exists only inside EC2, so this is a fake: it answers the three
requests a credential provider makes, insists on the IMDSv2 session token like the
real service does when IMDSv1 is disabled, and counts what it was asked.

    fake_imds.py [--access-key ID --secret-key SECRET] [--token-value T] [--role R]
                 [--bind ADDR] [--port P] [--spot-file F] [--rebalance-file F]

Prints its port on the first line of stdout. GET /__stats returns the counts.
Without --access-key the instance has no profile (the role path answers 404).
Spot interruptions (EC2 has no way to cause one on demand, so tests flip them here):
while the file --spot-file names exists, GET /latest/meta-data/spot/instance-action
answers 200 with its content (EC2's JSON, e.g. {"action": "terminate", "time": ...});
otherwise 404, as EC2 does for a machine with no notice. --rebalance-file does the
same for /latest/meta-data/events/recommendations/rebalance. --bind 169.254.169.254
--port 80 inside a test host's own network namespace makes it that host's metadata
service at EC2's own address.
Stops on SIGTERM, or by itself after --max-seconds.
"""
import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE_PATH = "/latest/meta-data/iam/security-credentials/"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--access-key", default="")
    ap.add_argument("--secret-key", default="")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--spot-file", default="")
    ap.add_argument("--rebalance-file", default="")
    ap.add_argument("--session-token", default="")
    ap.add_argument("--role", default="fanout-test-role")
    ap.add_argument("--token-value", default="imds-session-token-123")
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    stats = {"token_puts": 0, "role_gets": 0, "credential_gets": 0, "unauthorized": 0, "notice_gets": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, body, ctype="text/plain"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self):
            if self.headers.get("X-aws-ec2-metadata-token") == args.token_value:
                return True
            stats["unauthorized"] += 1
            self.reply(401, "")
            return False

        def do_PUT(self):
            if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                stats["token_puts"] += 1
                self.reply(200, args.token_value)
            else:
                self.reply(400, "")

        def do_GET(self):
            if self.path == "/__stats":
                self.reply(200, json.dumps(stats), "application/json")
            elif self.path in ("/latest/meta-data/spot/instance-action",
                               "/latest/meta-data/events/recommendations/rebalance"):
                if self.authorized():
                    stats["notice_gets"] += 1
                    f = args.spot_file if "spot" in self.path else args.rebalance_file
                    try:
                        with open(f) as fh:
                            self.reply(200, fh.read(), "application/json")
                    except OSError:
                        self.reply(404, "")
            elif self.path == ROLE_PATH and not args.access_key:
                self.reply(404, "")
            elif self.path == ROLE_PATH:
                if self.authorized():
                    stats["role_gets"] += 1
                    self.reply(200, args.role)
            elif self.path == ROLE_PATH + args.role:
                if self.authorized():
                    stats["credential_gets"] += 1
                    self.reply(200, json.dumps({
                        "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": args.access_key,
                        "SecretAccessKey": args.secret_key, "Token": args.session_token,
                        "Expiration": "2099-01-01T00:00:00Z"}), "application/json")
            else:
                self.reply(404, "")

    server = ThreadingHTTPServer((args.bind, args.port), Handler)
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True  # must not keep the process alive once the server stopped
    timer.start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
