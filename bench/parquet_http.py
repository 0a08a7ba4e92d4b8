"""Parquet against CSV over HTTP: the same rows as Parquet and as CSV, served by
nginx on loopback, counted by passenger_count with fanout; times and bytes fetched.

Run by `bash bench/run.sh --parquet-http` (which makes the two copies of the data
with gen-taxi); standard library only, meant for /usr/bin/python3:

    /usr/bin/python3 bench/parquet_http.py --fanout build/fanout \
        --parquet DIR --csv DIR --runs 3 --out bench/results/DATE-HOST-parquet-http.md

nginx (as bench/read.py starts it, plus an access log of each response's body
bytes) serves both directories. Each format's count runs once untimed (its answer
checked: the Parquet answer must be the CSV answer), then --runs timed runs, the
formats alternating. The bytes fetched are nginx's: the body bytes it sent during
one run. For Parquet they are checked against what the query needs — the footers
and the passenger_count chunks, read from the files' own footers by DuckDB — at
most 1.2x. Exit status 1 when a run fails, the answers differ or the bytes are
over that bound.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import harness  # noqa: E402
import read  # noqa: E402  (Nginx, BenchFailure)

ROOT = os.path.dirname(BENCH)


class LoggingNginx(read.Nginx):
    """read.Nginx with an access log of body bytes sent, one line per response."""

    def __init__(self, root, workers):
        original = read.NGINX_CONF
        read.NGINX_CONF = original.replace(
            "  access_log off;",
            "  log_format body '$body_bytes_sent';\n  access_log {tmp}/access.log body;")
        try:
            super().__init__(root, workers)
        finally:
            read.NGINX_CONF = original
        self.log = os.path.join(self.tmp, "access.log")

    def bytes_sent(self):
        # nginx writes a response's line when it finishes; give the last a moment.
        time.sleep(0.2)
        try:
            with open(self.log) as f:
                return sum(int(x) for x in f.read().split())
        except OSError:
            return 0

    def reset(self):
        time.sleep(0.2)
        open(self.log, "w").close()  # nginx appends at the end, wherever that now is


def need_bytes(files):
    """Footers (and the 8-byte tails) plus the passenger_count chunks, by DuckDB."""
    script = """
const { DuckDBInstance } = require('@duckdb/node-api');
const fs = require('node:fs');
(async () => {
  const files = process.argv.slice(1);
  const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
  let need = 0;
  for (const f of files) {
    const fd = fs.openSync(f, 'r'); const size = fs.fstatSync(fd).size; const tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, size - 8); fs.closeSync(fd);
    need += tail.readUInt32LE(0) + 8;
    const r = await c.runAndReadAll(`SELECT sum(total_compressed_size)::BIGINT FROM parquet_metadata('${f}')
                                     WHERE lower(path_in_schema) = 'passenger_count'`);
    need += Number(r.getRows()[0][0]);
  }
  console.log(need);
})().catch((e) => { console.error(e.message); process.exit(1); });
"""
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules"))
    out = subprocess.run(["node", "-e", script] + files, capture_output=True, text=True, env=env, timeout=300)
    if out.returncode != 0:
        raise read.BenchFailure("DuckDB could not read the footers: " + out.stderr[-500:])
    return int(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fanout", required=True)
    ap.add_argument("--parquet", required=True, help="directory of the Parquet copy")
    ap.add_argument("--csv", required=True, help="directory of the CSV copy (the same rows)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gen-command", default="")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    started = datetime.datetime.now()
    fanout = os.path.abspath(args.fanout)
    served = {}
    for fmt, d in (("parquet", args.parquet), ("csv", args.csv)):
        names = sorted(n for n in os.listdir(d) if not n.startswith("."))
        if not names:
            print("bench: no files in %s" % d, file=sys.stderr)
            return 1
        served[fmt] = (os.path.abspath(d), names)
    # One root for both: the two directories side by side under their parent.
    parents = {os.path.dirname(p) for p, _ in served.values()}
    if len(parents) != 1:
        print("bench: --parquet and --csv must be in one directory", file=sys.stderr)
        return 1
    root = parents.pop()
    nginx = LoggingNginx(root, args.threads)
    results = {}
    try:
        cmds = {}
        for fmt, (d, names) in served.items():
            lst = os.path.join(nginx.tmp, fmt + ".urls")
            with open(lst, "w") as f:
                for n in names:
                    f.write("%s/%s/%s\n" % (nginx.origin, os.path.basename(d), n))
            cmds[fmt] = [fanout, "count", "--by", "passenger_count", "@" + lst, "--format", "csv",
                         "--threads", str(args.threads)]
        answers = {}
        for fmt, argv in cmds.items():
            nginx.reset()
            p = subprocess.run(argv, capture_output=True, text=True, timeout=900)
            if p.returncode != 0:
                raise read.BenchFailure("%s failed: %s" % (" ".join(argv), p.stderr[-800:]))
            answers[fmt] = p.stdout
            results[fmt] = {"bytes": nginx.bytes_sent(), "times": [], "summary": p.stderr.strip().splitlines()[-1]}
        if answers["parquet"] != answers["csv"]:
            raise read.BenchFailure("the Parquet answer differs from the CSV answer:\n%s\n---\n%s" % (
                answers["parquet"], answers["csv"]))
        for r in range(args.runs):
            for fmt in (("parquet", "csv") if r % 2 == 0 else ("csv", "parquet")):
                t0 = time.perf_counter()
                p = subprocess.run(cmds[fmt], capture_output=True, text=True, timeout=900)
                elapsed = time.perf_counter() - t0
                if p.returncode != 0 or p.stdout != answers[fmt]:
                    raise read.BenchFailure("%s: failed or another answer in run %d" % (fmt, r + 1))
                results[fmt]["times"].append(elapsed)
            print("bench: run %d/%d: parquet %.3f s, csv %.3f s" % (
                r + 1, args.runs, results["parquet"]["times"][-1], results["csv"]["times"][-1]), flush=True)
    except read.BenchFailure as e:
        print("BENCHMARK FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        nginx.stop()
    pq_files = [os.path.join(served["parquet"][0], n) for n in served["parquet"][1]]
    need = need_bytes(pq_files)
    sizes = {fmt: sum(os.path.getsize(os.path.join(d, n)) for n in names) for fmt, (d, names) in served.items()}
    ratio = results["parquet"]["bytes"] / need
    med = {fmt: statistics.median(results[fmt]["times"]) for fmt in results}
    lines = [
        "parquet: %s bytes fetched of %s in the files (need: footers + passenger_count chunks %s, %.3fx); "
        "median %.3f s" % (format(results["parquet"]["bytes"], ","), format(sizes["parquet"], ","),
                           format(need, ","), ratio, med["parquet"]),
        "csv: %s bytes fetched of %s; median %.3f s" % (
            format(results["csv"]["bytes"], ","), format(sizes["csv"], ","), med["csv"]),
        "csv time / parquet time = %.1fx" % (med["csv"] / med["parquet"]),
    ]
    for line in lines:
        print(line)
    ok = ratio <= 1.2
    if not ok:
        print("FAIL: Parquet fetched %.3fx the bytes it needs (at most 1.2x)" % ratio, file=sys.stderr)
    if args.out:
        m = harness.machine_info()
        md = ["# fanout over HTTP: Parquet against CSV, %s, %s" % (started.strftime("%Y-%m-%d"), m["host"]), "",
              "Made by `bash bench/run.sh --parquet-http` (bench/parquet_http.py), started %s." %
              started.strftime("%Y-%m-%d %H:%M:%S"), "",
              "- Machine: %s cores, %s, %s memory, Linux %s" % (m["nproc"], m["cpu"], m["memory"], m["kernel"]),
              "- fanout: `%s` (`%s`)" % (harness.sh([fanout, "--version"]), args.fanout),
              "- Data: the same rows as Parquet (`%s`, %d files) and as CSV (`%s`)%s" % (
                  args.parquet, len(pq_files), args.csv,
                  ", made by `%s`" % args.gen_command if args.gen_command else ""),
              "- Served by nginx on 127.0.0.1 from the page cache (sendfile, keep-alive); bytes fetched are "
              "nginx's body bytes sent during one run (its access log)",
              "- Command: `fanout count --by passenger_count @URLS --format csv --threads %d`, URLS the files' "
              "http:// URLs; one untimed run each (answers compared: equal), then %d timed runs alternating" % (
                  args.threads, args.runs),
              "", "## Results", ""]
        md += ["- " + line for line in lines]
        md += ["", "fanout's summary lines:", ""]
        md += ["- %s: `%s`" % (fmt, results[fmt]["summary"]) for fmt in ("parquet", "csv")]
        md += ["", "Raw times (s): parquet %s; csv %s" % (
            ", ".join("%.3f" % x for x in results["parquet"]["times"]),
            ", ".join("%.3f" % x for x in results["csv"]["times"])), ""]
        with open(args.out, "w") as f:
            f.write("\n".join(md))
        print("bench: wrote %s" % os.path.relpath(args.out, ROOT))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
