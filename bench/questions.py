"""The taxi questions: fanout against DuckDB and Polars at equal threads, one run per query.

Run by bench/questions.sh (which makes the data); standard library only, meant for
/usr/bin/python3:

    /usr/bin/python3 bench/questions.py --fanout build/fanout --csv DIR --parquet DIR \
        --threads 2 --out bench/results/DATE-HOST-questions.md

Every query runs once per tool and format (no repeats: noise is large, read the load
notes), after one untimed read of every file to warm the page cache. fanout is timed by
the wall time of its process; DuckDB and Polars by the query's time inside node
(bench/duckdb_questions.mjs, bench/polars_questions.mjs print it), their whole
processes' times being reported as well, and node's start-up cost apart.

Checks: every fanout answer against DuckDB's with tests/e2e/csvdiff.py (counts and
decimal sums exact, means equal as doubles; row order too where the query orders);
every Polars answer against DuckDB's with a relative tolerance for its float64 sums
and means. A difference, or a failed command, ends with exit status 1, the
differences printed, and no results file.
"""
import argparse
import csv
import datetime
import decimal
import glob
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BENCH, ROOT, PY, BenchFailure, sh, machine_info, loadavg, warm_page_cache,  # noqa: E402
                     npm_version, fmt_s, fmt_ratio)

CSVDIFF = os.path.join(ROOT, "tests", "e2e", "csvdiff.py")
P = "tpep_pickup_datetime"
TIMEOUT = 1800
COMPILERS = {"cc1plus", "cc1", "c++", "g++", "gcc", "clang", "clang++", "ld", "ld.lld", "ld.gold",
             "mold", "ninja", "make", "cmake", "lto1", "lto-wrapper"}


class Query:
    def __init__(self, qid, label, fanout_args, ordered, note=""):
        self.qid = qid                  # id the peers' scripts take
        self.label = label              # row name
        self.fanout_args = fanout_args  # fanout's arguments before --threads/--format/DIR
        self.ordered = ordered          # row order compared too
        self.note = note


QUERIES = [
    Query("ym_top9", "1. rides by year, month of pickup, top 9",
          ["count", "--by", "year(%s),month(%s)" % (P, P), "--top", "9"], True),
    Query("ym_sum", "2. sum of trip_distance by year-month",
          ["agg", "--by", "yearmonth(%s)" % P, "--sum", "trip_distance"], False),
    Query("top9_dist", "3. the 9 largest trip distances (rows)",
          ["top", "9", "--by", "trip_distance", "--desc"], True,
          "only the trip_distance values compared (ties make the choice of rows ambiguous)"),
    Query("by_payment", "4. count by payment_type (cab type)",
          ["count", "--by", "payment_type"], False),
    Query("mean_by_pc", "5. mean total_amount by passenger_count",
          ["agg", "--by", "passenger_count", "--mean", "total_amount"], False),
    Query("pc_year", "6. count by passenger_count, year",
          ["count", "--by", "passenger_count,year(%s)" % P], False),
    Query("pc_year_dist", "7. count by passenger_count, year, round(distance)",
          ["count", "--by", "passenger_count,year(%s),round(trip_distance)" % P,
           "--sort", "year(%s),count:desc" % P], True),
    Query("agg2", "8a. agg sum total_amount, mean trip_distance by passenger_count",
          ["agg", "--sum", "total_amount", "--mean", "trip_distance", "--by", "passenger_count"], False),
    Query("count_pc", "8b. count by passenger_count (8a's base)",
          ["count", "--by", "passenger_count"], False),
]


# ---------------------------------------------------------------- running

def compile_activity():
    """Names of compiler/build processes now running (read from /proc; not ours)."""
    seen = []
    for d in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(d) as f:
                name = f.read().strip()
        except OSError:
            continue
        if name in COMPILERS:
            seen.append(name)
    return seen


class Run:
    """One process: wall s, in-process query s (peers), peak RSS, its output."""

    def __init__(self, argv, display, env=None):
        self.argv, self.display, self.env = argv, display, env
        self.wall = self.query_s = None
        self.rss_kib = None
        self.out_path = None
        self.stderr = ""
        self.load = self.compilers = None

    def go(self, out_path):
        self.out_path = out_path
        self.load = loadavg().split()[0]
        self.compilers = compile_activity()
        rss_file = out_path + ".rss"
        env = dict(os.environ, **(self.env or {}))
        with open(out_path, "wb") as out:
            t0 = time.perf_counter()
            try:
                p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + self.argv,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                                   timeout=TIMEOUT, cwd=ROOT, env=env)
            except subprocess.TimeoutExpired:
                raise BenchFailure("timed out after %d s: %s" % (TIMEOUT, self.display))
            self.wall = time.perf_counter() - t0
        self.stderr = p.stderr.decode("utf-8", errors="replace")
        if p.returncode != 0:
            raise BenchFailure("exit status %d: %s\n  stderr: %s" % (p.returncode, self.display, self.stderr[-2000:]))
        try:
            with open(rss_file) as f:
                self.rss_kib = int(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            pass
        for line in self.stderr.splitlines():
            if line.startswith("query_seconds "):
                self.query_s = float(line.split()[1])
        return self

    def summary_line(self):
        lines = [l for l in self.stderr.splitlines() if l.startswith("fanout: ")]
        return lines[-1] if lines else ""


def load_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise BenchFailure("%s: no output at all" % path)
    return rows[0], rows[1:]


def canon_key(v):
    """A key value in a form both engines' texts agree on: NULL, a number, or text."""
    if v == "":
        return (0, "")
    try:
        d = decimal.Decimal(v)
        if d.is_finite():
            return (1, d)
    except decimal.InvalidOperation:
        pass
    return (2, v)


def rel_diff(a, b):
    a, b = float(a), float(b)
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def compare_values(header, got_rows, want_rows, ordered, tolerance, tag):
    """Polars (got) against DuckDB (want). Returns (problems, largest relative difference)."""
    problems, worst = [], 0.0
    kinds = []
    for name in header:
        if name == "count":
            kinds.append("int")
        elif name.startswith(("sum_", "mean_")):
            kinds.append("float")
        else:
            kinds.append("key")
    keyed = [i for i, k in enumerate(kinds) if k == "key"]

    def key_of(r):
        return tuple(canon_key(r[i]) for i in keyed)

    if not ordered:
        got_rows = sorted(got_rows, key=key_of)
        want_rows = sorted(want_rows, key=key_of)
    if len(got_rows) != len(want_rows):
        problems.append("%s: %d rows, DuckDB %d" % (tag, len(got_rows), len(want_rows)))
    for n, (g, w) in enumerate(zip(got_rows, want_rows), start=1):
        if len(g) != len(w):
            problems.append("%s: row %d: %r, DuckDB %r" % (tag, n, g, w))
            continue
        for i, kind in enumerate(kinds):
            a, b = g[i], w[i]
            if kind == "key":
                ok = canon_key(a) == canon_key(b)
            elif kind == "int":
                ok = a == b
            else:
                ok = (a == "" and b == "") or (a != "" and b != "" and rel_diff(a, b) <= tolerance)
                if ok and a != "":
                    worst = max(worst, rel_diff(a, b))
            if not ok:
                problems.append("%s: row %d: %s, DuckDB %s (column %s)" % (tag, n, ",".join(g), ",".join(w), header[i]))
                break
        if len(problems) >= 10:
            break
    return problems, worst


def trip_distances(path):
    header, rows = load_csv(path)
    if "trip_distance" not in header:
        raise BenchFailure("%s: no trip_distance column in %r" % (path, header))
    i = header.index("trip_distance")
    return [decimal.Decimal(r[i]) for r in rows]


def check_fanout(q, fan_path, duck_path):
    """fanout against DuckDB: csvdiff.py, or the trip_distance values for the top rows."""
    if q.qid == "top9_dist":
        a, b = trip_distances(fan_path), trip_distances(duck_path)
        if a != b:
            return ["fanout trip_distance values %s, DuckDB %s" % ([str(x) for x in a], [str(x) for x in b])]
        return []
    opts = ["--numeric-sums"] + ([] if q.ordered else ["--any-order"])
    p = subprocess.run([PY, CSVDIFF] + opts + [fan_path, duck_path], capture_output=True, text=True)
    if p.returncode != 0:
        return ["csvdiff.py %s GOT=fanout WANT=DuckDB:\n%s" % (" ".join(opts), p.stdout.strip() or p.stderr.strip())]
    return []


def check_polars(q, pol_path, duck_path, tolerance):
    if q.qid == "top9_dist":
        a, b = trip_distances(pol_path), trip_distances(duck_path)
        if a != b:  # as decimals: Polars prints 30 for 30.00; these doubles print exactly
            return ["Polars trip_distance values %s, DuckDB %s" % ([str(x) for x in a], [str(x) for x in b])], 0.0
        return [], 0.0
    gh, grows = load_csv(pol_path)
    wh, wrows = load_csv(duck_path)
    if gh != wh:
        return ["Polars header %r, DuckDB %r" % (gh, wh)], 0.0
    return compare_values(wh, grows, wrows, q.ordered, tolerance, "Polars")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fanout", required=True)
    ap.add_argument("--csv", required=True, help="directory of the CSV files")
    ap.add_argument("--parquet", required=True, help="directory of the same rows as Parquet")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=1e-9, help="relative, for Polars' float64 sums and means")
    ap.add_argument("--out", help="results file (markdown)")
    ap.add_argument("--gen-command", default="")
    ap.add_argument("--revision", default="")
    args = ap.parse_args()

    started = datetime.datetime.now()
    load_start = loadavg()
    uptime_start = sh(["uptime"])
    threads = str(args.threads)
    tmp = tempfile.mkdtemp(prefix="fanout-questions.")
    try:
        return run(args, started, load_start, uptime_start, threads, tmp)
    except BenchFailure as e:
        print("\nBENCHMARK FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, started, load_start, uptime_start, threads, tmp):
    fanout = os.path.join(tmp, "fanout")
    shutil.copy2(os.path.join(ROOT, args.fanout) if not os.path.isabs(args.fanout) else args.fanout, fanout)
    fanout_version = sh([fanout, "--version"])
    fanout_sha = sh(["sha256sum", fanout]).split()[0][:12]
    has_top = subprocess.run([fanout, "top", "--help"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode == 0
    formats = [("csv", args.csv), ("parquet", args.parquet)]
    files = {}
    for fmt, d in formats:
        files[fmt] = sorted(glob.glob(os.path.join(ROOT, d, "*." + fmt)))
        if not files[fmt]:
            raise BenchFailure("no *.%s files in %s" % (fmt, d))
    data_bytes = {fmt: sum(os.path.getsize(f) for f in fs) for fmt, fs in files.items()}
    rel = lambda p: os.path.relpath(p, ROOT)  # noqa: E731

    print("bench/questions: warming the page cache (%s)" % ", ".join(
        "%d %s files, %.2f GB" % (len(files[f]), f, data_bytes[f] / 1e9) for f, _ in formats), file=sys.stderr)
    for fmt, _ in formats:
        warm_page_cache(files[fmt])

    # node's start-up and the engine's loading: a trivial query, once each (the
    # difference process - query time of every peer run is reported too).
    startup = {}
    for eng in ("duckdb", "polars"):
        r = Run(["node", "bench/%s_questions.mjs" % eng, "startup", "csv", threads],
                "startup", {"POLARS_MAX_THREADS": threads}).go(os.path.join(tmp, "startup." + eng))
        startup[eng] = r.wall

    results = {}   # (qid, fmt, tool) -> Run
    problems = []
    failed = set() # (qid, fmt) whose answers differ
    worst = {}     # (qid, fmt) -> Polars' largest relative difference
    for q in QUERIES:
        for fmt, d in formats:
            tag = "%s/%s" % (q.qid, fmt)
            peer_files = [rel(f) for f in files[fmt]]
            runs = []
            if q.qid != "top9_dist" or has_top:
                argv = [fanout] + q.fanout_args + ["--threads", threads, "--format", "csv", d]
                runs.append(("fanout", Run(argv, "fanout " + " ".join(
                    "'%s'" % a if any(c in a for c in "(|, ") else a for a in argv[1:]))))
            for eng in ("duckdb", "polars"):
                argv = ["node", "bench/%s_questions.mjs" % eng, q.qid, fmt, threads] + peer_files
                runs.append((eng, Run(argv, "node bench/%s_questions.mjs %s %s %s %s/*.%s" % (
                    eng, q.qid, fmt, threads, d, fmt), {"POLARS_MAX_THREADS": threads})))
            for tool, r in runs:
                print("bench/questions: %-12s %-7s %-6s" % (q.qid, fmt, tool), end="", file=sys.stderr, flush=True)
                r.go(os.path.join(tmp, "%s.%s.%s.csv" % (q.qid, fmt, tool)))
                results[(q.qid, fmt, tool)] = r
                print(" %7.3f s%s" % (r.wall, "" if r.query_s is None else "  (query %.3f s)" % r.query_s),
                      file=sys.stderr)
            duck = results[(q.qid, fmt, "duckdb")].out_path
            found = []
            if (q.qid, fmt, "fanout") in results:
                found += check_fanout(q, results[(q.qid, fmt, "fanout")].out_path, duck)
            pp, w = check_polars(q, results[(q.qid, fmt, "polars")].out_path, duck, args.tolerance)
            found += pp
            worst[(q.qid, fmt)] = w
            if found:
                failed.add((q.qid, fmt))
                problems += ["%s: %s" % (tag, p) for p in found]
    load_end = loadavg()
    uptime_end = sh(["uptime"])

    # ------------------------------------------------------------ table
    header = ["query", "format", "fanout s", "DuckDB s", "Polars s", "fanout/DuckDB", "fanout/Polars",
              "answers checked"]
    table = []
    for q in QUERIES:
        for fmt, _ in formats:
            f = results.get((q.qid, fmt, "fanout"))
            du, po = results[(q.qid, fmt, "duckdb")], results[(q.qid, fmt, "polars")]
            if f:
                checked = "NO: differs (see below)" if (q.qid, fmt) in failed else "yes"
                row = [q.label, fmt, fmt_s(f.wall), fmt_s(du.query_s), fmt_s(po.query_s),
                       fmt_ratio(f.wall / du.query_s), fmt_ratio(f.wall / po.query_s), checked]
            else:
                row = [q.label, fmt, "not in this build", fmt_s(du.query_s), fmt_s(po.query_s), "-", "-",
                       "NO: Polars differs" if (q.qid, fmt) in failed else "Polars vs DuckDB only"]
            table.append(row)
    widths = [max(len(header[i]), *(len(r[i]) for r in table)) for i in range(len(header))]

    def text_row(r):
        return "  ".join(c.ljust(widths[i]) if i < 2 or i == 7 else c.rjust(widths[i]) for i, c in enumerate(r))

    print()
    print(text_row(header))
    print(text_row(["-" * w for w in widths]))
    for r in table:
        print(text_row(r))
    print()
    ratio_lines = []
    for fmt, _ in formats:
        a, c = results[("agg2", fmt, "fanout")].wall, results[("count_pc", fmt, "fanout")].wall
        dq = results[("agg2", fmt, "duckdb")].query_s / results[("count_pc", fmt, "duckdb")].query_s
        pq = results[("agg2", fmt, "polars")].query_s / results[("count_pc", fmt, "polars")].query_s
        ratio_lines.append("%s: fanout agg/count = %s s / %s s = %s (goal <= 1.5x: %s); DuckDB %s, Polars %s" % (
            fmt, fmt_s(a), fmt_s(c), fmt_ratio(a / c), "met" if a <= 1.5 * c else "NOT met", fmt_ratio(dq), fmt_ratio(pq)))
    for line in ratio_lines:
        print("agg/count  " + line)

    if problems:
        print("\nBENCHMARK FAILED: answers differ from DuckDB's:", file=sys.stderr)
        for p in problems:
            print("  " + p.replace("\n", "\n    "), file=sys.stderr)
        return 1
    print("\nAnswers: every fanout answer equal to DuckDB's; every Polars answer equal to DuckDB's "
          "(float64 sums and means within a relative %g)." % args.tolerance)

    if not args.out:
        return 0

    # ------------------------------------------------------------ markdown
    m = machine_info()
    head = sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD", "--", "src"]).returncode != 0
    revision = "git HEAD at the run: %s%s" % (head, ", work tree with uncommitted changes to src/" if dirty else "")
    if args.revision:
        revision = args.revision + "; " + revision
    peer_overhead = {eng: sorted(r.wall - r.query_s for (qid, fmt, tool), r in results.items() if tool == eng)
                     for eng in ("duckdb", "polars")}
    med = lambda xs: xs[len(xs) // 2]  # noqa: E731
    compiling = [(k, r) for k, r in results.items() if r.compilers]
    md = []
    md.append("# The taxi questions: fanout, DuckDB and Polars, %s, %s" % (started.strftime("%Y-%m-%d"), m["host"]))
    md.append("")
    md.append("Made by `bash bench/questions.sh` (see bench/README.md), started %s; it took %.0f s." % (
        started.strftime("%Y-%m-%d %H:%M:%S"), (datetime.datetime.now() - started).total_seconds()))
    md.append("")
    md.append("## Machine and inputs")
    md.append("")
    md.append("- Machine: %s cores (nproc), %s, %s memory, Linux %s" % (m["nproc"], m["cpu"], m["memory"], m["kernel"]))
    md.append("- Load: `%s` at start, `%s` at end" % (uptime_start, uptime_end))
    md.append("- fanout: `%s` (binary %s, sha256 %s..., copied before the run; %s)" % (
        fanout_version, args.fanout, fanout_sha, revision))
    for fmt, d in formats:
        md.append("- Data (%s): %d files, %s bytes (%.2f GB) in `%s`" % (
            fmt, len(files[fmt]), format(data_bytes[fmt], ","), data_bytes[fmt] / 1e9, d))
    if args.gen_command:
        md.append("- Made by: `%s`" % args.gen_command)
    rows_line = results[("count_pc", "csv", "fanout")].summary_line()
    if rows_line:
        md.append("- fanout's summary line (8b, CSV): `%s`" % rows_line)
    md.append("- Peers: DuckDB %s (@duckdb/node-api), Polars %s (nodejs-polars), node %s" % (
        npm_version("@duckdb/node-api"), npm_version("nodejs-polars"), sh(["node", "--version"])))
    md.append("- Threads: %s for every engine (fanout `--threads %s`, DuckDB `SET threads=%s`, Polars "
              "`POLARS_MAX_THREADS=%s`)" % (threads, threads, threads, threads))
    md.append("- Method: every file read once (untimed) to warm the page cache, then **one run** of each query "
              "per tool and format, in the table's order (fanout, DuckDB, Polars). fanout: wall time of its "
              "process (`time.perf_counter` around it). DuckDB and Polars: the query's time inside node "
              "(`performance.now()` around `runAndReadAll` / `collect()`), without starting node, loading the "
              "engine and printing. fanout/DuckDB and fanout/Polars = fanout s / peer s (below 1: fanout is faster).")
    md.append("- node's start-up: a trivial query (`SELECT 1`; a one-row Polars frame) took %.2f s (DuckDB) and "
              "%.2f s (Polars) as whole processes; over the runs below, process time minus query time was "
              "%.2f-%.2f s (DuckDB) and %.2f-%.2f s (Polars), median %.2f s and %.2f s." % (
                  startup["duckdb"], startup["polars"],
                  peer_overhead["duckdb"][0], peer_overhead["duckdb"][-1],
                  peer_overhead["polars"][0], peer_overhead["polars"][-1],
                  med(peer_overhead["duckdb"]), med(peer_overhead["polars"])))
    busy = [x for x in (load_start, load_end) if x != "?" and float(x.split()[0]) > 0.5 * int(m["nproc"] or 1)]
    if compiling or busy:
        md.append("- **Noise**: this machine has %s cores and other work was running: %s. One run per query, so "
                  "treat single numbers as rough (a few tens of percent)." % (m["nproc"], "; ".join(filter(None, [
                      "1-minute load average %s at start, %s at end" % (load_start.split()[0], load_end.split()[0]) if busy else "",
                      "compiler/build processes (%s) were running at the start of %d of the %d runs" % (
                          ", ".join(sorted({n for _, r in compiling for n in r.compilers})), len(compiling),
                          len(results)) if compiling else ""]))))
    else:
        md.append("- Noise: no compiler or build process was seen at the start of any run, load average %s / %s; "
                  "still one run per query on %s cores, so single numbers are rough." % (
                      load_start.split()[0], load_end.split()[0], m["nproc"]))
    md.append("")
    md.append("## Results")
    md.append("")
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join(["---", "---"] + ["---:"] * 5 + ["---"]) + "|")
    for r in table:
        md.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    md.append("")
    md.append("agg with two aggregates against count, on the same data (8a / 8b):")
    md.append("")
    for line in ratio_lines:
        md.append("- " + line)
    md.append("")
    if not has_top:
        md.append("Query 3: this fanout build has no `top` command (`fanout top --help` fails), so only DuckDB "
                  "and Polars ran and were checked against each other.")
        md.append("")
    md.append("## Checks")
    md.append("")
    md.append("- fanout against DuckDB: `tests/e2e/csvdiff.py --numeric-sums` (every key and count exact as "
              "text, sums exact as decimals, means equal as doubles: both round the exact mean once), "
              "`--any-order` for the queries without an order (2, 4, 5, 6, 8a, 8b); queries 1 and 7 in order, "
              "DuckDB breaking ties as fanout does (the other keys ascending, numbers by value, NULL last). "
              "Query 2: the sums are exact, so their floors are equal too. "
              "Query 3: only the 9 trip_distance values, in order, as decimals.")
    md.append("- Polars against DuckDB: keys compared as values (`1`, `1.0` and DuckDB's `1.00` are one "
              "value; NULL is the empty value), counts exact, float64 sums and means within a relative %g; "
              "query 3 the trip_distance values as decimals, exactly. Largest relative differences of Polars' "
              "sums and means: %s." % (args.tolerance, ", ".join(
                  "%s/%s %.1e" % (qid, fmt, w) for (qid, fmt), w in worst.items() if w > 0) or "none"))
    md.append("- All passed.")
    md.append("")
    md.append("## Whole processes")
    md.append("")
    md.append("Wall time of every process (peers: with starting node and loading the engine) and its peak "
              "RSS (`/usr/bin/time -f %M`); the load average and compile processes seen as it started.")
    md.append("")
    md.append("| query | format | tool | process s | query s (in node) | peak RSS MiB | load 1 min | compiling |")
    md.append("|---|---|---|---:|---:|---:|---:|---|")
    for q in QUERIES:
        for fmt, _ in formats:
            for tool in ("fanout", "duckdb", "polars"):
                r = results.get((q.qid, fmt, tool))
                if not r:
                    continue
                md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    q.qid, fmt, {"fanout": "fanout", "duckdb": "DuckDB", "polars": "Polars"}[tool],
                    fmt_s(r.wall), "" if r.query_s is None else fmt_s(r.query_s),
                    "?" if r.rss_kib is None else "%.0f" % (r.rss_kib / 1024), r.load,
                    ", ".join(sorted(set(r.compilers))) or "-"))
    md.append("")
    md.append("## What ran")
    md.append("")
    for q in QUERIES:
        f = results.get((q.qid, "csv", "fanout"))
        fan = f.display.replace(os.path.join(tmp, "fanout"), "fanout") if f else \
            "fanout %s --threads %s --format csv DIR (not in this build)" % (" ".join(q.fanout_args), threads)
        md.append("- **%s** (`%s`): `%s`; `node bench/duckdb_questions.mjs %s csv|parquet %s FILE...`; "
                  "`node bench/polars_questions.mjs %s csv|parquet %s FILE...`%s" % (
                      q.label, q.qid, fan.replace("|", "\\|"), q.qid, threads, q.qid, threads,
                      " — " + q.note if q.note else ""))
    md.append("")
    md.append("The SQL and the Polars queries are in those two scripts (DuckDB reads the CSV files with "
              "`read_csv(..., all_varchar = true)` and casts with `TRY_CAST(... AS DECIMAL(18,2))` / `AS "
              "TIMESTAMP`, as tests/e2e/taxi_questions_test.sh does; Polars reads every CSV column as text and "
              "casts to Float64 / parses the timestamp non-strictly; over Parquet both take the typed columns).")
    md.append("")
    md.append("## The answers (fanout's, CSV)")
    md.append("")
    for q in QUERIES:
        r = results.get((q.qid, "csv", "fanout")) or results[(q.qid, "csv", "duckdb")]
        h, rows = load_csv(r.out_path)
        who = "fanout" if (q.qid, "csv", "fanout") in results else "DuckDB"
        if q.qid == "top9_dist":
            i = h.index("trip_distance")
            md.append("- %s (%s): trip_distance %s" % (q.label, who, ", ".join(x[i] for x in rows)))
            continue
        if q.qid == "ym_sum":
            i = h.index("sum_trip_distance")
            rows = sorted(rows)
            shown = ["%s %s (floor %d)" % (x[0], x[i], math.floor(decimal.Decimal(x[i]))) for x in rows]
        else:
            shown = [" ".join(v or "NULL" for v in x) for x in rows]
        more = len(shown) - 12
        md.append("- %s (%s, `%s`): %s%s" % (q.label, who, ",".join(h), "; ".join(shown[:12]),
                                             "; ... (%d more rows)" % more if more > 0 else ""))
    md.append("")
    with open(args.out, "w") as fh:
        fh.write("\n".join(md))
    print("bench/questions: wrote %s" % rel(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
