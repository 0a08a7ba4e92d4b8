"""Times fanout and its peers on one data directory and checks that they agree.

Run by bench/run.sh (which installs the peers, builds fanout and makes the data);
standard library only, meant for /usr/bin/python3:

    /usr/bin/python3 bench/harness.py --fanout build/fanout --data bench/data \
        --runs 5 --out bench/results/DATE-HOST.md

Every command runs once untimed first (a warm-up whose output is checked), then
--runs timed rounds; the order of the commands rotates from round to round so that
noise from other work on the machine spreads over all of them. Every run's output is
checked, not just the first: each peer must print the same count per passenger_count
value as fanout. A disagreement, a failed command or a time-out ends the benchmark
with exit status 1 and no results file. Missed performance targets are reported as
FAIL lines but do not change the exit status.
"""
import argparse
import csv
import datetime
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PY = "/usr/bin/python3"

RSS_LIMIT_MIB = 256


class BenchFailure(Exception):
    pass


def sh(argv):
    """Output of a small informational command, or '?' when it cannot run."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


# ---------------------------------------------------------------- outputs

def parse_value_count_lines(text):
    """`value,count` lines (no header) -> {value: count}; the value may be empty."""
    counts = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        value, sep, n = line.rpartition(",")
        if not sep or not n.strip().isdigit():
            raise BenchFailure("not a value,count line: %r" % line)
        if value in counts:
            raise BenchFailure("value %r printed twice" % value)
        counts[value] = int(n)
    return counts


def parse_fanout_csv(text, key="passenger_count"):
    """fanout's --format csv output -> (header, rows as dicts)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0][0] != key:
        raise BenchFailure("fanout output does not start with a %s header: %r" % (key, text[:200]))
    header = rows[0]
    return header, [dict(zip(header, r)) for r in rows[1:]]


def fanout_counts(text):
    header, rows = parse_fanout_csv(text)
    if header != ["passenger_count", "count"]:
        raise BenchFailure("unexpected fanout count header %r" % header)
    counts = {}
    for r in rows:
        if r["passenger_count"] in counts:
            raise BenchFailure("fanout printed value %r twice" % r["passenger_count"])
        counts[r["passenger_count"]] = int(r["count"])
    return counts


def fanout_agg_keys(text):
    header, rows = parse_fanout_csv(text)
    want = ["passenger_count", "sum_total_amount", "mean_trip_distance"]
    if header != want:
        raise BenchFailure("unexpected fanout agg header %r, wanted %r" % (header, want))
    for r in rows:
        float(r["sum_total_amount"]), float(r["mean_trip_distance"])
    return sorted(r["passenger_count"] for r in rows)


def normalized(counts):
    """Sorted `value,count` lines: the form every tool's answer is compared in."""
    return ["%s,%d" % (v, counts[v]) for v in sorted(counts)]


def diff_text(want, got):
    a, b = set(normalized(want)), set(normalized(got))
    lines = ["    - %s   (fanout)" % x for x in sorted(a - b)]
    lines += ["    + %s   (this tool)" % x for x in sorted(b - a)]
    return "\n".join(lines)


# ---------------------------------------------------------------- commands

class Tool:
    def __init__(self, key, label, argv, check, display, note=""):
        self.key = key          # short id
        self.label = label      # row name in the table
        self.argv = argv        # what is run
        self.check = check      # "counts", "agg" or None
        self.display = display  # the command as shown in the results
        self.note = note
        self.times = []


def run_once(tool, timeout):
    """Runs tool once; returns (seconds, stdout, stderr). Raises BenchFailure on failure."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(tool.argv, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        raise BenchFailure("%s: timed out after %d s" % (tool.label, timeout))
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        raise BenchFailure("%s: exit status %d\n  command: %s\n  stderr: %s" % (
            tool.label, p.returncode, tool.display, p.stderr.decode(errors="replace")[-2000:]))
    return elapsed, p.stdout.decode("utf-8", errors="replace"), p.stderr.decode("utf-8", errors="replace")


class Checker:
    """Holds fanout's answer and compares every later output with it."""

    def __init__(self):
        self.reference = None   # {value: count} from fanout count, all threads
        self.agg_keys = None

    def check(self, tool, out):
        if tool.check is None:
            return
        if tool.check == "agg":
            keys = fanout_agg_keys(out)
            if self.reference is not None and keys != sorted(self.reference):
                raise BenchFailure("%s: its groups %r differ from fanout count's %r" % (
                    tool.label, keys, sorted(self.reference)))
            if self.agg_keys is None:
                self.agg_keys = keys
            return
        counts = fanout_counts(out) if tool.key.startswith("fanout") else parse_value_count_lines(out)
        if self.reference is None:
            self.reference = counts
            return
        if normalized(counts) != normalized(self.reference):
            raise BenchFailure(
                "%s printed different counts per passenger_count value than fanout:\n%s" % (
                    tool.label, diff_text(self.reference, counts)))


def peak_rss_kib(argv, timeout):
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + argv,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout, cwd=ROOT)
        if p.returncode != 0:
            raise BenchFailure("peak RSS run failed: %s\n%s" % (" ".join(argv), p.stderr.decode()[-2000:]))
        return int(f.read().strip().splitlines()[-1])


# ---------------------------------------------------------------- report

def machine_info():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem_gib,
            "kernel": platform.release(), "host": socket.gethostname()}


def warm_page_cache(paths):
    """Reads every file once, so that the timed commands read from memory, not
    from disk. Returns the bytes read."""
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            while True:
                b = fh.read(1 << 24)
                if not b:
                    break
                total += len(b)
    return total


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def npm_version(pkg):
    try:
        with open(os.path.join(ROOT, "node_modules", pkg, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def fmt_s(x):
    return "%.3f" % x if x < 10 else "%.2f" % x


def write_results(md, tools, path):
    """Ends the markdown lines `md` with every tool's raw times and writes them to `path`."""
    md.append("Raw times (s), in run order:")
    md.append("")
    for t in tools:
        md.append("- %s: %s" % (t.label, ", ".join("%.3f" % x for x in t.times)))
    md.append("")
    with open(path, "w") as f:
        f.write("\n".join(md))
    print("\nbench: wrote %s" % os.path.relpath(path, ROOT))


def fmt_ratio(x):
    return "%.2fx" % x if x < 10 else "%.1fx" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fanout", required=True, help="the fanout binary to time")
    ap.add_argument("--data", required=True, help="directory of yellow_tripdata_*.csv files")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for the peers (default: every core)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds one command may take (default 600)")
    ap.add_argument("--out", help="markdown results file to write")
    ap.add_argument("--revision", default="", help="what the binary was built from, for the results file")
    ap.add_argument("--gen-command", default="", help="how the data was made, for the results file")
    ap.add_argument("--baseline", help="another fanout binary (the code before a change) timed in the same rounds")
    ap.add_argument("--baseline-revision", default="", help="what the baseline was built from")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    started = datetime.datetime.now()
    data = os.path.relpath(os.path.abspath(args.data), ROOT)
    files = sorted(os.path.join(data, f) for f in os.listdir(os.path.join(ROOT, data)) if f.endswith(".csv"))
    if not files:
        raise SystemExit("harness: no .csv files in %s" % data)
    total_bytes = sum(os.path.getsize(os.path.join(ROOT, f)) for f in files)
    n = args.threads
    nproc = os.cpu_count()

    # Time a private copy of the binary: others may rebuild build/ while this runs.
    scratch = tempfile.mkdtemp(prefix="fanout-bench-")
    fanout = os.path.join(scratch, "fanout")
    shutil.copy2(os.path.join(ROOT, args.fanout), fanout)
    fanout_version = sh([fanout, "--version"])
    fanout_shown = args.fanout
    baseline = None
    if args.baseline:
        baseline = os.path.join(scratch, "fanout-baseline")
        shutil.copy2(os.path.join(ROOT, args.baseline), baseline)

    count_argv = ["count", "--by", "passenger_count", "--format", "csv"]
    agg_argv = ["agg", "--by", "passenger_count", "--sum", "total_amount|total_amt",
                "--mean", "trip_distance", "--format", "csv"]
    files_shown = "%s/*.csv" % data
    tools = [
        Tool("fanout", "fanout count (all %d threads)" % nproc, [fanout] + count_argv + [data], "counts",
             "%s %s %s" % (fanout_shown, " ".join(count_argv), data)),
        Tool("fanout-t1", "fanout count --threads 1", [fanout] + count_argv + ["--threads", "1", data], "counts",
             "%s %s --threads 1 %s" % (fanout_shown, " ".join(count_argv), data)),
    ]
    if nproc != 2:
        tools.append(Tool("fanout-t2", "fanout count --threads 2", [fanout] + count_argv + ["--threads", "2", data],
                          "counts", "%s %s --threads 2 %s" % (fanout_shown, " ".join(count_argv), data)))
    tools += [
        Tool("fanout-agg", "fanout agg (all %d threads)" % nproc, [fanout] + agg_argv + [data], "agg",
             "%s agg --by passenger_count --sum 'total_amount|total_amt' --mean trip_distance --format csv %s"
             % (fanout_shown, data),
             "groups checked against fanout count; sums and means not cross-checked"),
    ]
    # The fanout rows again with the baseline binary, in the same rounds: a change's
    # cost, measured under the same load as the change.
    BASELINE_PAIRS = [("fanout", "fanout-base"), ("fanout-t1", "fanout-base-t1"), ("fanout-agg", "fanout-base-agg")]
    if baseline:
        by_key = {t.key: t for t in tools}
        for key, bkey in BASELINE_PAIRS:
            t = by_key[key]
            tools.append(Tool(bkey, "baseline: " + t.label, [baseline] + t.argv[1:], t.check,
                              t.display.replace(fanout_shown, args.baseline, 1)))
    tools += [
        Tool("wc", "wc -l (1 process)", ["wc", "-l"] + files, None, "wc -l %s" % files_shown,
             "the scan limit: one process reading every byte once; prints line counts, nothing to check"),
        Tool("seed", "seed: cut | pypy3 (xargs -P %d)" % n,
             ["bash", "bench/seed_pipeline.sh", str(n)] + files, "counts",
             "bash bench/seed_pipeline.sh %d %s" % (n, files_shown),
             "per file `cut -d, -f1-5 FILE | pypy3 bench/passenger_counts.py`, %d files at a time, "
             "then bench/merge_counts.py" % n),
        Tool("duckdb", "DuckDB (threads=%d)" % n, ["node", "bench/duckdb_count.mjs", str(n)] + files, "counts",
             "node bench/duckdb_count.mjs %d %s" % (n, files_shown),
             "`SET threads=%d`; one query: files grouped by header line, each group read by "
             "`read_csv([files], header=true, auto_detect=false, columns={every header name: VARCHAR})` "
             "selecting the column its header names passenger_count (any case), the groups combined by "
             "UNION ALL, then `SELECT passenger_count, count(*) ... GROUP BY passenger_count` "
             "(values grouped as text, empty = NULL = its own group); "
             "time includes starting node" % n),
        Tool("polars", "Polars (%d threads)" % n, ["node", "bench/polars_count.mjs", str(n)] + files, "counts",
             "node bench/polars_count.mjs %d %s" % (n, files_shown),
             "POLARS_MAX_THREADS=%d; one lazy query: per file `scanCSV` of the column its header names "
             "passenger_count (any case), values as text, the blank line after the header skipped where "
             "present; concat, groupBy, len; time includes starting node" % n),
        Tool("mawk", "mawk (xargs -P %d)" % n, ["bash", "bench/mawk_pipeline.sh", str(n)] + files, "counts",
             "bash bench/mawk_pipeline.sh %d %s" % (n, files_shown),
             "per file `mawk -F,` counting the header-resolved column, %d files at a time, "
             "then bench/merge_counts.py" % n),
    ]

    print("bench: %d files, %.2f GB in %s; %d timed runs per command" % (
        len(files), total_bytes / 1e9, data, args.runs), flush=True)
    print("bench: %s" % fanout_version, flush=True)
    load_start = loadavg()

    # Warm the page cache: every command then reads from memory, none from disk.
    t0 = time.perf_counter()
    warm_page_cache(os.path.join(ROOT, f) for f in files)
    print("bench: page cache warmed in %.1f s" % (time.perf_counter() - t0), flush=True)

    checker = Checker()
    rows_line = ""
    try:
        # Untimed warm-up run of each command; fanout count first: its answer is the reference.
        for tool in tools:
            elapsed, out, err = run_once(tool, args.timeout)
            checker.check(tool, out)
            if tool.key == "fanout":
                rows_line = err.strip().splitlines()[-1] if err.strip() else ""
            print("bench: warm-up %-34s %8s s  %s" % (tool.label, fmt_s(elapsed),
                                                     "output ok" if tool.check else "(not checked)"), flush=True)
        # Timed rounds, order rotated each round.
        for r in range(args.runs):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for tool in order:
                elapsed, out, _ = run_once(tool, args.timeout)
                checker.check(tool, out)
                tool.times.append(elapsed)
            print("bench: round %d/%d done (%s)" % (r + 1, args.runs, ", ".join(
                "%s %s" % (t.key, fmt_s(t.times[-1])) for t in tools)), flush=True)
        # Peak resident memory of fanout, each variant once under /usr/bin/time.
        rss = {}
        for tool in tools:
            if tool.key.startswith("fanout"):
                rss[tool.key] = peak_rss_kib(tool.argv, args.timeout)
    except BenchFailure as e:
        print("\n" + "!" * 78, file=sys.stderr)
        print("BENCHMARK FAILED: %s" % e, file=sys.stderr)
        print("!" * 78, file=sys.stderr)
        shutil.rmtree(scratch, ignore_errors=True)
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    load_end = loadavg()

    # ------------------------------------------------------------ table
    by = {t.key: t for t in tools}
    med = {t.key: statistics.median(t.times) for t in tools}
    base = med["fanout"]
    header = ["tool", "median s", "min s", "max s", "GB/s", "time vs fanout"]
    table = []
    for t in tools:
        table.append([t.label, fmt_s(med[t.key]), fmt_s(min(t.times)), fmt_s(max(t.times)),
                      "%.2f" % (total_bytes / 1e9 / med[t.key]), fmt_ratio(med[t.key] / base)])
    widths = [max(len(header[i]), *(len(r[i]) for r in table)) for i in range(len(header))]

    def text_row(r):
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))

    print()
    print(text_row(header))
    print(text_row(["-" * w for w in widths]))
    for r in table:
        print(text_row(r))
    print()

    # ------------------------------------------------------------ targets
    t2_key = "fanout" if nproc == 2 else "fanout-t2"
    rss_max_kib = max(rss.values())
    targets = [
        ("fanout --threads 1 <= 2x wc -l",
         med["fanout-t1"] <= 2 * med["wc"],
         "%s s vs 2 x %s s = %s s" % (fmt_s(med["fanout-t1"]), fmt_s(med["wc"]), fmt_s(2 * med["wc"]))),
        ("fanout (all threads) >= 5x faster than DuckDB",
         med["duckdb"] >= 5 * base,
         "DuckDB %s s / fanout %s s = %s" % (fmt_s(med["duckdb"]), fmt_s(base), fmt_ratio(med["duckdb"] / base))),
        ("fanout (all threads) >= 10x faster than the pypy pipeline",
         med["seed"] >= 10 * base,
         "pipeline %s s / fanout %s s = %s" % (fmt_s(med["seed"]), fmt_s(base), fmt_ratio(med["seed"] / base))),
        ("agg within 1.5x of count",
         med["fanout-agg"] <= 1.5 * base,
         "agg %s s / count %s s = %s" % (fmt_s(med["fanout-agg"]), fmt_s(base), fmt_ratio(med["fanout-agg"] / base))),
    ]
    if nproc >= 2:
        sp = med["fanout-t1"] / med[t2_key]
        targets.append(("1 -> 2 threads speedup >= 1.8x", sp >= 1.8,
                        "%s s / %s s = %s" % (fmt_s(med["fanout-t1"]), fmt_s(med[t2_key]), fmt_ratio(sp))))
    targets.append(("fanout peak RSS < %d MiB" % RSS_LIMIT_MIB, rss_max_kib < RSS_LIMIT_MIB * 1024,
                    "max %.1f MiB (%s)" % (rss_max_kib / 1024, ", ".join(
                        "%s %.1f MiB" % (by[k].label, v / 1024) for k, v in rss.items()))))

    if baseline:
        for key, bkey in BASELINE_PAIRS:
            ratio = med[key] / med[bkey]
            targets.append(("%s within 5%% of the baseline" % by[key].label, ratio <= 1.05,
                            "%s s vs baseline %s s = %s" % (fmt_s(med[key]), fmt_s(med[bkey]), fmt_ratio(ratio))))

    target_lines = ["%s  %s: %s" % ("PASS" if ok else "FAIL", name, detail) for name, ok, detail in targets]
    if nproc < 2:
        target_lines.append("N/A   1 -> 2 threads speedup >= 1.8x: this machine has 1 core")
    print("Outputs: every checked command printed the same count per passenger_count value as fanout "
          "(%d groups, %d rows)." % (len(checker.reference), sum(checker.reference.values())))
    print("Targets:")
    for line in target_lines:
        print("  " + line)

    if not args.out:
        return 0

    # ------------------------------------------------------------ markdown
    m = machine_info()
    revision = args.revision or "work tree at %s" % sh(
        ["git", "-C", ROOT, "describe", "--always", "--dirty", "--abbrev=10"])
    md = []
    md.append("# fanout benchmark, %s, %s" % (started.strftime("%Y-%m-%d"), m["host"]))
    md.append("")
    md.append("Made by `bash bench/run.sh` (see bench/README.md), started %s; the timing took %.0f s." % (
        started.strftime("%Y-%m-%d %H:%M:%S"), (datetime.datetime.now() - started).total_seconds()))
    md.append("")
    md.append("## Machine and inputs")
    md.append("")
    md.append("- Machine: %s cores (nproc), %s, %s memory, Linux %s; load average %s at start, %s at end" % (
        m["nproc"], m["cpu"], m["memory"], m["kernel"], load_start, load_end))
    md.append("- fanout: `%s` (binary %s; %s)" % (fanout_version, fanout_shown, revision))
    if baseline:
        md.append("- Baseline: `%s` (binary %s; %s), timed in the same rounds" % (
            sh([baseline, "--version"]), args.baseline, args.baseline_revision or "?"))
    md.append("- Data: %d files, %s bytes (%.2f GB) in `%s`%s" % (
        len(files), format(total_bytes, ","), total_bytes / 1e9, data,
        ", made by `%s`" % args.gen_command if args.gen_command else ""))
    if rows_line:
        md.append("- fanout's summary line: `%s`" % rows_line)
    md.append("- Peers: DuckDB %s (@duckdb/node-api), Polars %s (nodejs-polars), node %s, %s, %s, %s" % (
        npm_version("@duckdb/node-api"), npm_version("nodejs-polars"), sh(["node", "--version"]),
        sh(["pypy3", "-c", "import sys; print('PyPy %d.%d.%d (Python %d.%d)' % "
            "(sys.pypy_version_info[:3] + sys.version_info[:2]))"]),
        (sh(["mawk", "-W", "version"]).splitlines() or ["mawk ?"])[0],
        (sh(["wc", "--version"]).splitlines() or ["wc ?"])[0]))
    md.append("- Method: page cache warmed first; each command once untimed, then %d timed run%s "
              "(wall clock, `time.perf_counter` around the process), command order rotated each round; "
              "median, min and max of the timed runs. GB/s = data bytes / median. "
              "\"time vs fanout\" = median / median of fanout count with all threads." % (args.runs, "" if args.runs == 1 else "s"))
    md.append("- Outputs: every run of every checked command printed the same count per passenger_count "
              "value as fanout (%d groups, %s rows in all, the empty value a group of its own)." % (
                  len(checker.reference), format(sum(checker.reference.values()), ",")))
    busy = [x for x in (load_start, load_end) if x != "?" and float(x.split()[0]) > 0.5 * nproc]
    if busy:
        md.append("- Note: the 1-minute load average (%s) shows other work competing for the %d cores during "
                  "this run; multi-threaded rows and the thread speedup suffer most from it." % (
                      " / ".join(x.split()[0] for x in (load_start, load_end)), nproc))
    md.append("")
    md.append("## Results")
    md.append("")
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for r in table:
        md.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    md.append("")
    md.append("Peak RSS of fanout (`/usr/bin/time -f %%M`, one run each): %s." % ", ".join(
        "%s %.1f MiB" % (by[k].label, v / 1024) for k, v in rss.items()))
    md.append("")
    md.append("## Targets")
    md.append("")
    for line in target_lines:
        md.append("- " + line)
    md.append("")
    md.append("## What each row ran")
    md.append("")
    for t in tools:
        md.append("- **%s**: `%s`%s" % (t.label, t.display, " — " + t.note if t.note else ""))
    md.append("")
    write_results(md, tools, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
