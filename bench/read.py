"""Remote read throughput: fanout against parallel curl, same server, same run.

Run by `bash bench/run.sh --read` (which installs nginx, builds fanout and makes the
data); standard library only, meant for /usr/bin/python3:

    /usr/bin/python3 bench/read.py --fanout build/fanout --data bench/data \
        --runs 5 --connections 8 --out bench/results/DATE-HOST-read.md

It starts nginx on a free loopback port serving --data (sendfile, keep-alive, no
access log; s3rver tops out near 400 MB/s, far below what a scanner consumes), warms
the page cache, checks once that `fanout cat` returns exactly the files' bytes, then
times in rotating order, median of --runs:

  curl-parallel  one curl, --parallel --parallel-max C, every file to /dev/null
  curl-xargs     C curl processes at a time (xargs -P C), one file each
  fanout-cat     fanout cat --connections C, every URL to /dev/null
  fanout-count   fanout count --by passenger_count over the URLs (the real job)
  local-count    the same count over the local files (the scan without the network)
  stage-count    the same count over a stage of the URLs' columns 1-5 (fanout stage,
                 timed once as stage-once: the two-step pattern of fetch once, query often)

Throughput is the files' total bytes over the median time. The target: fanout-cat
at least 90 % of the faster curl. nginx is stopped when the script ends, whatever
happens.
"""
import argparse
import datetime
import hashlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import harness  # noqa: E402  (machine_info, loadavg, formatting)

TARGET = 0.90

NGINX_CONF = """daemon off;
master_process on;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ text/csv csv; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ }}
  }}
}}
"""


class BenchFailure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, root, workers):
        self.tmp = tempfile.mkdtemp(prefix="fanout-bench-nginx-")
        self.port = free_port()
        user = "user root;" if os.geteuid() == 0 else ""
        conf = os.path.join(self.tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(workers=workers, tmp=self.tmp, user=user, port=self.port, root=root))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([binary, "-c", conf, "-p", self.tmp], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.origin = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 10
        while True:
            try:
                urllib.request.urlopen(self.origin + "/", timeout=1).read()
            except urllib.error.HTTPError:
                break  # it answers (403/404 for the directory): it is up
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise BenchFailure("nginx did not start:\n" + self.errors())
                time.sleep(0.05)
                continue
            break

    def errors(self):
        try:
            with open(os.path.join(self.tmp, "error.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish and exit
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_timed(argv, stdin_text=None, stdout=subprocess.DEVNULL, timeout=600):
    t0 = time.perf_counter()
    p = subprocess.run(argv, input=stdin_text, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout,
                       text=stdin_text is not None)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode(errors="replace")
        raise BenchFailure("failed (exit %d): %s\n%s" % (p.returncode, " ".join(argv)[:300], err[-2000:]))
    return dt, p


def sha256_of_files(paths):
    h = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
    return h.hexdigest()


def sha256_of_output(argv):
    h = hashlib.sha256()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        while True:
            b = p.stdout.read(1 << 20)
            if not b:
                break
            h.update(b)
        err = p.stderr.read().decode(errors="replace")
        if p.wait() != 0:
            raise BenchFailure("failed (exit %d): %s\n%s" % (p.returncode, " ".join(argv)[:300], err[-2000:]))
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fanout", required=True)
    ap.add_argument("--data", required=True, help="directory of .csv files")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--connections", type=int, default=8, help="concurrent requests for curl and fanout (default 8)")
    ap.add_argument("--nginx-workers", type=int, default=os.cpu_count())
    ap.add_argument("--out", help="markdown results file to write")
    ap.add_argument("--revision", default="")
    args = ap.parse_args()

    names = sorted(n for n in os.listdir(args.data) if n.endswith(".csv"))
    if not names:
        raise BenchFailure("no .csv files in " + args.data)
    paths = [os.path.join(args.data, n) for n in names]
    total = sum(os.path.getsize(p) for p in paths)
    c = args.connections
    fanout = os.path.abspath(args.fanout)

    harness.warm_page_cache(paths)  # the server reads from memory

    # The stage and its manifest live in a cache of their own, dropped at the end.
    cache = tempfile.mkdtemp(prefix="fanout-bench-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    nginx = Nginx(os.path.abspath(args.data), args.nginx_workers)
    try:
        urls = [nginx.origin + "/" + n for n in names]
        url_lines = "".join(u + "\n" for u in urls)
        curl_parallel = ["curl", "-sS", "--fail", "--parallel", "--parallel-max", str(c)]
        for u in urls:
            curl_parallel += [u, "-o", "/dev/null"]
        tools = {
            "curl-parallel": (curl_parallel, None),
            "curl-xargs": (["xargs", "-P", str(c), "-n", "1", "curl", "-sS", "--fail", "-o", "/dev/null"], url_lines),
            "fanout-cat": ([fanout, "cat", "--connections", str(c)] + urls, None),
            "fanout-count": ([fanout, "count", "--by", "passenger_count", "--quiet", "--format", "csv"] + urls, None),
            "local-count": ([fanout, "count", "--by", "passenger_count", "--quiet", "--format", "csv"] + paths, None),
            "stage-count": ([fanout, "count", "--by", "passenger_count", "--quiet", "--format", "csv", "stage://bench"],
                            None),
        }

        # Correctness first: exact bytes from fanout cat, and curl fetched every byte.
        want = sha256_of_files(paths)
        got = sha256_of_output(tools["fanout-cat"][0])
        if got != want:
            raise BenchFailure("fanout cat returned different bytes than the files hold")
        _, p = run_timed(["curl", "-sS", "--fail", "-w", "%{size_download}\n"] + sum(([u, "-o", "/dev/null"] for u in urls), []),
                         stdout=subprocess.PIPE)
        curl_bytes = sum(int(x) for x in p.stdout.split())
        if curl_bytes != total:
            raise BenchFailure("curl fetched %d bytes, the files hold %d" % (curl_bytes, total))
        _, remote = run_timed(tools["fanout-count"][0], stdout=subprocess.PIPE)
        _, local = run_timed(tools["local-count"][0], stdout=subprocess.PIPE)
        if remote.stdout != local.stdout:
            raise BenchFailure("fanout count over HTTP differs from the local count")
        stage_once, _ = run_timed([fanout, "stage", "--cols", "1-5", "--as", "bench", "--quiet",
                                   "--connections", str(c)] + urls)
        staged_bytes = 0
        for root, _, files in os.walk(os.path.join(cache, "fanout", "stage", "bench")):
            staged_bytes += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.endswith(".csv"))
        _, staged = run_timed(tools["stage-count"][0], stdout=subprocess.PIPE)
        if staged.stdout != local.stdout:
            raise BenchFailure("fanout count over the stage differs from the local count")

        times = {k: [] for k in tools}
        order = list(tools)
        load_before = harness.loadavg()
        for r in range(args.runs):
            for k in order[r % len(order):] + order[:r % len(order)]:
                argv, stdin_text = tools[k]
                dt, _ = run_timed(argv, stdin_text)
                times[k].append(dt)
        load_after = harness.loadavg()
    finally:
        nginx.stop()
        subprocess.run([fanout, "stage", "--drop", "bench", "--quiet"], stderr=subprocess.DEVNULL)
        shutil.rmtree(cache, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    mbps = {k: total / med[k] / 1e6 for k in med}
    best_curl = max(mbps["curl-parallel"], mbps["curl-xargs"])
    share = mbps["fanout-cat"] / best_curl
    verdict = "met" if share >= TARGET else "MISSED"

    m = harness.machine_info()
    lines = []
    lines.append("# Remote read throughput, %s on %s" % (datetime.date.today().isoformat(), m["host"]))
    lines.append("")
    lines.append("%d files, %.1f MB, served by nginx on loopback from the page cache; %d concurrent requests; "
                 "median of %d runs, rotating order." % (len(paths), total / 1e6, c, args.runs))
    lines.append("Machine: %s cores, %s, %s, kernel %s. Load before/after: %s / %s." % (
        m["nproc"], m["cpu"], m["memory"], m["kernel"], load_before, load_after))
    if args.revision:
        lines.append("fanout: " + args.revision)
    lines.append("")
    lines.append("| command | median s | MB/s | vs best curl |")
    lines.append("|---|---:|---:|---:|")
    for k in tools:
        lines.append("| %s | %s | %.0f | %.0f %% |" % (k, harness.fmt_s(med[k]), mbps[k], 100 * mbps[k] / best_curl))
    lines.append("")
    lines.append("| stage-once (columns 1-5, one run) | %s | %.0f | |" % (harness.fmt_s(stage_once), total / stage_once / 1e6))
    lines.append("")
    lines.append("MB/s are the source's bytes over the time. stage-count reads the staged columns 1-5 (%.1f MB, "
                 "%.0f %% of the source) from this machine's disk: %.2fx the time of fanout-count over HTTP; "
                 "staging once took %.2fx one fanout-count." % (staged_bytes / 1e6, 100.0 * staged_bytes / total,
                                                                med["stage-count"] / med["fanout-count"],
                                                                stage_once / med["fanout-count"]))
    lines.append("Target: fanout-cat at least %d %% of the faster curl: %.0f %% — %s." % (100 * TARGET, 100 * share, verdict))
    lines.append("Checked: fanout cat's bytes hash to the files' bytes; curl fetched all %d bytes; "
                 "fanout count over HTTP and over the stage printed the local count." % total)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        print("wrote " + args.out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailure as e:
        print("bench/read.py: " + str(e), file=sys.stderr)
        sys.exit(1)
