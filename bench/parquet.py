"""The Parquet round: fanout against DuckDB and Polars on the same Parquet files.

Run by `bash bench/run.sh --parquet` (which installs the peers, builds fanout and makes
the data with `fanout gen-taxi --format parquet`); standard library only, meant for
/usr/bin/python3:

    /usr/bin/python3 bench/parquet.py --fanout build/fanout --data bench/data-parquet-50000000 \
        --runs 3 --out bench/results/DATE-HOST-parquet.md

Two queries, each run by fanout and by both peers at the same thread count (--threads,
default 2):

  count  rows per passenger_count value (NULL a group of its own)
  agg    sum and mean of total_amount per passenger_count value

First, once and untimed, DuckDB checks the premise of the exact sum comparison: every
total_amount has at most 2 decimals (its CAST to DECIMAL(18,2) round-trips). Then the
page cache is warmed, every command runs once untimed (a warm-up whose output is
checked), then --runs timed rounds with the order of the commands rotated each round.
Every run's output is checked, not just the first:

  - passenger_count values are compared in canonical form (`1`, `1.0` and `1e0` are the
    value 1; NULL is the empty value);
  - counts must equal fanout's exactly, and every fanout run must print what its
    warm-up printed;
  - fanout's means must be its exact sums / fanout count's counts, rounded once to
    the nearest double (docs/cli.md), when no total_amount is NULL;
  - DuckDB's sums (an exact DECIMAL sum) must equal fanout's exact decimal sums;
    Polars' sums (binary floating point) and both peers' means must be within a
    relative --tolerance (default 1e-9) of fanout's.

A disagreement, a failed command or a time-out ends the benchmark with exit status 1
and no results file. Each command then runs once more under /usr/bin/time for its
peak RSS.
"""
import argparse
import csv
import datetime
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Context, Decimal, InvalidOperation

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import harness  # noqa: E402  (run_once, peak_rss_kib, machine_info, loadavg, formatting)
from harness import BenchFailure, Tool, fmt_s, fmt_ratio  # noqa: E402

ROOT = harness.ROOT


# ---------------------------------------------------------------- outputs

def canonical(value):
    """A passenger_count value in one text: `1.0` -> `1`, `2.50` -> `2.5`, NULL -> ``."""
    if value == "":
        return ""
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise BenchFailure("passenger_count value %r is not a number" % value)
    if not d.is_finite():
        raise BenchFailure("passenger_count value %r is not finite" % value)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def parse_rows(text, width, header=None):
    """CSV lines of `width` fields -> {canonical passenger_count: [other fields]}.
    With header, the first line must be it (fanout's --format csv)."""
    rows = list(csv.reader(io.StringIO(text)))
    if header is not None:
        if not rows or rows[0] != header:
            raise BenchFailure("output does not start with the header %r: %r" % (
                ",".join(header), text[:200]))
        rows = rows[1:]
    out = {}
    for r in rows:
        if not r:
            continue
        if len(r) != width:
            raise BenchFailure("not a line of %d fields: %r" % (width, ",".join(r)))
        key = canonical(r[0])
        if key in out:
            raise BenchFailure("passenger_count value %r printed twice" % r[0])
        out[key] = r[1:]
    return out


def as_count(s):
    if not s.isdigit():
        raise BenchFailure("count %r is not a whole number" % s)
    return int(s)


def as_decimal(s):
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise BenchFailure("%r is not a number" % s)
    if not d.is_finite():
        raise BenchFailure("%r is not a finite number" % s)
    return d


def rel_diff(a, b):
    """|a - b| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else float(abs(a - b) / scale)


def show_key(k):
    return "NULL (empty)" if k == "" else k


class Checker:
    """Holds fanout's answers and compares every later output with them."""

    def __init__(self, tolerance):
        self.tolerance = tolerance
        self.ref_text = {}   # query -> fanout's canonical answer (for later fanout runs)
        self.counts = None   # {value: count} from fanout count
        self.agg = None      # {value: (sum Decimal, mean Decimal, sum text, mean text)}
        self.worst = {}      # (tool key, "sum"|"mean") -> largest relative difference seen
        self.exact_means = False    # check fanout's means against its sums and counts
        self.means_checked = False

    def note(self, tool, what, d):
        k = (tool.key, what)
        self.worst[k] = max(self.worst.get(k, 0.0), d)

    def check(self, tool, out):
        peer = tool.key.split("-")[0]        # fanout, duckdb, polars
        query = tool.key.split("-")[1]       # count, agg
        if query == "count":
            header = ["passenger_count", "count"] if peer == "fanout" else None
            got = {k: as_count(v[0]) for k, v in parse_rows(out, 2, header).items()}
            if peer == "fanout":
                if self.counts is None:
                    self.counts = got
                    return
            if got != self.counts:
                raise BenchFailure("%s printed different counts per passenger_count value than fanout:\n%s" % (
                    tool.label, self.diff_lines(self.counts, got, lambda v: str(v))))
            return

        header = ["passenger_count", "sum_total_amount", "mean_total_amount"] if peer == "fanout" else None
        rows = parse_rows(out, 3, header)
        got = {k: (as_decimal(s), as_decimal(m), s, m) for k, (s, m) in rows.items()}
        if peer == "fanout":
            if self.agg is None:
                if self.counts is not None and sorted(got) != sorted(self.counts):
                    raise BenchFailure("%s: its groups %r differ from fanout count's %r" % (
                        tool.label, sorted(got), sorted(self.counts)))
                if self.exact_means and self.counts is not None:
                    # docs/cli.md: a mean is the exact sum / n, rounded once to the nearest
                    # double. n is the group's count (no total_amount is NULL here).
                    ctx = Context(prec=80)
                    for k, (fs, fm, fs_text, fm_text) in got.items():
                        want = float(ctx.divide(fs, Decimal(self.counts[k])))
                        if float(fm) != want:
                            raise BenchFailure(
                                "%s: passenger_count %s: mean %s is not sum %s / count %d = %r rounded "
                                "to a double" % (tool.label, show_key(k), fm_text, fs_text, self.counts[k], want))
                    self.means_checked = True
                self.agg = got
                return
            if {k: v[2:] for k, v in got.items()} != {k: v[2:] for k, v in self.agg.items()}:
                raise BenchFailure("%s printed another answer than its warm-up run:\n%s" % (
                    tool.label, self.diff_lines(self.agg, got, lambda v: "%s,%s" % v[2:])))
            return
        if sorted(got) != sorted(self.agg):
            raise BenchFailure("%s printed other passenger_count groups than fanout:\n%s" % (
                tool.label, self.diff_lines(self.agg, got, lambda v: "%s,%s" % v[2:])))
        bad = []
        for k in sorted(got):
            fs, fm, fs_text, fm_text = self.agg[k]
            ps, pm, ps_text, pm_text = got[k]
            ds, dm = rel_diff(fs, ps), rel_diff(fm, pm)
            self.note(tool, "sum", ds)
            self.note(tool, "mean", dm)
            if peer == "duckdb":
                if ps != fs:
                    bad.append("    passenger_count %s: sum %s (fanout) vs %s (%s): not equal, relative difference %.3g"
                               % (show_key(k), fs_text, ps_text, tool.label, ds))
            elif ds > self.tolerance:
                bad.append("    passenger_count %s: sum %s (fanout) vs %s (%s): relative difference %.3g > %g"
                           % (show_key(k), fs_text, ps_text, tool.label, ds, self.tolerance))
            if dm > self.tolerance:
                bad.append("    passenger_count %s: mean %s (fanout) vs %s (%s): relative difference %.3g > %g"
                           % (show_key(k), fm_text, pm_text, tool.label, dm, self.tolerance))
        if bad:
            raise BenchFailure("%s printed other sums or means than fanout:\n%s" % (tool.label, "\n".join(bad)))

    @staticmethod
    def diff_lines(want, got, fmt):
        lines = []
        for k in sorted(set(want) | set(got)):
            a = fmt(want[k]) if k in want else None
            b = fmt(got[k]) if k in got else None
            if a != b:
                lines.append("    passenger_count %s: %s (fanout) vs %s (this tool)" % (
                    show_key(k), a if a is not None else "no group", b if b is not None else "no group"))
        return "\n".join(lines)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fanout", required=True, help="the fanout binary to time")
    ap.add_argument("--data", required=True, help="directory of yellow_tripdata_*.parquet files")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="threads for fanout and both peers (default 2)")
    ap.add_argument("--tolerance", type=float, default=1e-9,
                    help="relative tolerance for Polars' sums and both peers' means (default 1e-9)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds one command may take (default 600)")
    ap.add_argument("--out", help="markdown results file to write")
    ap.add_argument("--revision", default="", help="what the binary was built from, for the results file")
    ap.add_argument("--gen-command", default="", help="how the data was made, for the results file")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.threads < 1:
        ap.error("--threads must be at least 1")

    started = datetime.datetime.now()
    data = os.path.relpath(os.path.abspath(args.data), ROOT)
    files = sorted(os.path.join(data, f) for f in os.listdir(os.path.join(ROOT, data)) if f.endswith(".parquet"))
    if not files:
        raise SystemExit("parquet: no .parquet files in %s" % data)
    total_bytes = sum(os.path.getsize(os.path.join(ROOT, f)) for f in files)
    n = args.threads

    # Time a private copy of the binary: others may rebuild build/ while this runs.
    scratch = tempfile.mkdtemp(prefix="fanout-bench-")
    fanout = os.path.join(scratch, "fanout")
    shutil.copy2(os.path.join(ROOT, args.fanout), fanout)
    fanout_version = harness.sh([fanout, "--version"])
    shown = args.fanout
    files_shown = "%s/*.parquet" % data

    count_argv = ["count", "--by", "passenger_count", "--format", "csv", "--threads", str(n)]
    agg_argv = ["agg", "--by", "passenger_count", "--sum", "total_amount", "--mean", "total_amount",
                "--format", "csv", "--threads", str(n)]
    tools = [
        Tool("fanout-count", "fanout count", [fanout] + count_argv + [data], "count",
             "%s %s %s" % (shown, " ".join(count_argv), data),
             "the reference answer; every later run must print the same"),
        Tool("duckdb-count", "DuckDB count", ["node", "bench/duckdb_parquet.mjs", "count", str(n)] + files, "count",
             "node bench/duckdb_parquet.mjs count %d %s" % (n, files_shown),
             "`SET threads=%d`; `SELECT passenger_count, count(*) FROM read_parquet([every file]) "
             "GROUP BY passenger_count`; counts compared exactly; time includes starting node" % n),
        Tool("polars-count", "Polars count", ["node", "bench/polars_parquet.mjs", "count", str(n)] + files, "count",
             "node bench/polars_parquet.mjs count %d %s" % (n, files_shown),
             "POLARS_MAX_THREADS=%d; per file `scanParquet(file).select('passenger_count')`, concat, "
             "groupBy, len; counts compared exactly; time includes starting node" % n),
        Tool("fanout-agg", "fanout agg", [fanout] + agg_argv + [data], "agg",
             "%s %s %s" % (shown, " ".join(agg_argv), data),
             "the reference answer (exact decimal sums); its groups checked against fanout count's"),
        Tool("duckdb-agg", "DuckDB agg", ["node", "bench/duckdb_parquet.mjs", "agg", str(n)] + files, "agg",
             "node bench/duckdb_parquet.mjs agg %d %s" % (n, files_shown),
             "`SET threads=%d`; `SELECT passenger_count, sum(CAST(total_amount AS DECIMAL(18,2))), "
             "avg(total_amount) FROM read_parquet([every file]) GROUP BY passenger_count`; sums compared "
             "exactly, means within the tolerance; time includes starting node" % n),
        Tool("duckdbfloat-agg", "DuckDB agg (double sum)",
             ["node", "bench/duckdb_parquet.mjs", "aggfloat", str(n)] + files, "agg",
             "node bench/duckdb_parquet.mjs aggfloat %d %s" % (n, files_shown),
             "`SET threads=%d`; `SELECT passenger_count, sum(total_amount), avg(total_amount) FROM "
             "read_parquet([every file]) GROUP BY passenger_count` (DuckDB's fastest form: float64 sums); "
             "sums and means within the tolerance; time includes starting node" % n),
        Tool("polars-agg", "Polars agg", ["node", "bench/polars_parquet.mjs", "agg", str(n)] + files, "agg",
             "node bench/polars_parquet.mjs agg %d %s" % (n, files_shown),
             "POLARS_MAX_THREADS=%d; per file `scanParquet(file).select('passenger_count', 'total_amount')`, "
             "concat, groupBy, `sum`, `mean` (float64); sums and means within the tolerance; time includes "
             "starting node" % n),
    ]

    print("bench: %d Parquet files, %.2f GB in %s; %d timed runs per command, %d threads each" % (
        len(files), total_bytes / 1e9, data, args.runs, n), flush=True)
    print("bench: %s" % fanout_version, flush=True)
    load_start = harness.loadavg()

    checker = Checker(args.tolerance)
    summary = {}
    try:
        # The premise of comparing DuckDB's sums exactly: total_amount has at most 2
        # decimals everywhere. DuckDB also reports the codecs and the row groups.
        t0 = time.perf_counter()
        pre = Tool("duckdb-decimals", "DuckDB decimals check",
                   ["node", "bench/duckdb_parquet.mjs", "decimals", str(n)] + files, None,
                   "node bench/duckdb_parquet.mjs decimals %d %s" % (n, files_shown))
        _, out, _ = harness.run_once(pre, args.timeout)
        fields = out.strip().split(",")
        if len(fields) != 5 or not all(x.isdigit() for x in fields[:3] + fields[4:]):
            raise BenchFailure("unexpected output of the decimals check: %r" % out)
        n_rows, n_null_total, n_not_2dp, codecs, n_row_groups = (
            int(fields[0]), int(fields[1]), int(fields[2]), fields[3], int(fields[4]))
        if n_not_2dp:
            raise BenchFailure("%d of %d total_amount values have more than 2 decimals: DuckDB's "
                               "sum(CAST(total_amount AS DECIMAL(18,2))) would not be their exact sum"
                               % (n_not_2dp, n_rows))
        checker.exact_means = n_null_total == 0
        print("bench: decimals check: %d rows, %d NULL total_amount, every other value has at most "
              "2 decimals; codecs %s, %d row groups (%.1f s)" % (
                  n_rows, n_null_total, codecs, n_row_groups, time.perf_counter() - t0), flush=True)

        # Warm the page cache: every command then reads from memory, none from disk.
        t0 = time.perf_counter()
        harness.warm_page_cache(os.path.join(ROOT, f) for f in files)
        print("bench: page cache warmed in %.1f s" % (time.perf_counter() - t0), flush=True)

        # Untimed warm-up run of each command; fanout's first: its answers are the reference.
        for tool in tools:
            elapsed, out, err = harness.run_once(tool, args.timeout)
            checker.check(tool, out)
            if tool.key.startswith("fanout"):
                summary[tool.key] = err.strip().splitlines()[-1] if err.strip() else ""
            print("bench: warm-up %-14s %8s s  output ok" % (tool.label, fmt_s(elapsed)), flush=True)
        if sum(checker.counts.values()) != n_rows:
            raise BenchFailure("fanout count counted %d rows, DuckDB's decimals check %d" % (
                sum(checker.counts.values()), n_rows))
        # Timed rounds, order rotated each round.
        for r in range(args.runs):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for tool in order:
                elapsed, out, _ = harness.run_once(tool, args.timeout)
                checker.check(tool, out)
                tool.times.append(elapsed)
            print("bench: round %d/%d done (%s)" % (r + 1, args.runs, ", ".join(
                "%s %s" % (t.key, fmt_s(t.times[-1])) for t in tools)), flush=True)
        # Peak resident memory, every command once under /usr/bin/time.
        rss = {t.key: harness.peak_rss_kib(t.argv, args.timeout) for t in tools}
    except BenchFailure as e:
        print("\n" + "!" * 78, file=sys.stderr)
        print("BENCHMARK FAILED: %s" % e, file=sys.stderr)
        print("!" * 78, file=sys.stderr)
        shutil.rmtree(scratch, ignore_errors=True)
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    load_end = harness.loadavg()

    # ------------------------------------------------------------ table
    med = {t.key: statistics.median(t.times) for t in tools}
    header = ["query", "tool", "median s", "min s", "max s", "peak RSS MiB", "time vs fanout"]
    table = []
    for t in tools:
        query = t.key.split("-")[1]
        table.append([query, t.label, fmt_s(med[t.key]), fmt_s(min(t.times)), fmt_s(max(t.times)),
                      "%.1f" % (rss[t.key] / 1024), fmt_ratio(med[t.key] / med["fanout-" + query])])
    widths = [max(len(header[i]), *(len(r[i]) for r in table)) for i in range(len(header))]

    def text_row(r):
        return "  ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i]) for i, c in enumerate(r))

    print()
    print(text_row(header))
    print(text_row(["-" * w for w in widths]))
    for r in table:
        print(text_row(r))
    print()
    ratio_lines = []
    for query in ("count", "agg"):
        peers = [(t.key.split("-")[0], t.label) for t in tools
                 if t.key.endswith("-" + query) and not t.key.startswith("fanout-")]
        for peer, name in peers:
            f, p = med["fanout-" + query], med["%s-%s" % (peer, query)]
            ratio_lines.append("%s: %s %s s / fanout %s s = %s (%s)" % (
                query, name, fmt_s(p), fmt_s(f), fmt_ratio(p / f),
                "fanout faster" if p > f else "fanout slower" if p < f else "equal"))
        fastest = min(med["%s-%s" % (peer, query)] for peer, _ in peers)
        f = med["fanout-" + query]
        ratio_lines.append("%s: the fastest peer / fanout = %s — goal at least 2x: %s" % (
            query, fmt_ratio(fastest / f), "met" if fastest >= 2 * f else "MISSED"))
    worst_lines = ["%s: largest relative difference from fanout's %s %.3g" % (
        {t.key: t.label for t in tools}[k], what, d) for (k, what), d in sorted(checker.worst.items())]
    n_groups = len(checker.counts)
    print("Outputs: every run of every command gave fanout's answer (%d groups, %d rows; DuckDB's sums "
          "exactly, Polars' sums and the means within a relative %g)%s." % (
              n_groups, sum(checker.counts.values()), args.tolerance,
              "; fanout's means are its exact sum / count rounded to a double" if checker.means_checked else ""))
    for line in worst_lines:
        print("  " + line)
    print("Median time of the peer / median time of fanout:")
    for line in ratio_lines:
        print("  " + line)

    if not args.out:
        return 0

    # ------------------------------------------------------------ markdown
    m = harness.machine_info()
    revision = args.revision or "work tree at %s" % harness.sh(
        ["git", "-C", ROOT, "describe", "--always", "--dirty", "--abbrev=10"])
    md = []
    md.append("# fanout Parquet benchmark, %s, %s" % (started.strftime("%Y-%m-%d"), m["host"]))
    md.append("")
    md.append("Made by `bash bench/run.sh --parquet` (see bench/README.md), started %s; the timing took %.0f s." % (
        started.strftime("%Y-%m-%d %H:%M:%S"), (datetime.datetime.now() - started).total_seconds()))
    md.append("")
    md.append("## Machine and inputs")
    md.append("")
    md.append("- Machine: %s cores (nproc), %s, %s memory, Linux %s; load average %s at start, %s at end" % (
        m["nproc"], m["cpu"], m["memory"], m["kernel"], load_start, load_end))
    md.append("- fanout: `%s` (binary %s; %s)" % (fanout_version, shown, revision))
    codec_note = ""
    if args.gen_command and "--compression" not in args.gen_command:
        codec_note = " (gen-taxi's default)"
    md.append("- Data: %d Parquet files, %s bytes (%.2f GB), %s rows, %d row groups, page codec %s%s, "
              "in `%s`%s" % (
                  len(files), format(total_bytes, ","), total_bytes / 1e9, format(n_rows, ","), n_row_groups,
                  codecs, codec_note, data, ", made by `%s`" % args.gen_command if args.gen_command else ""))
    md.append("- Columns read: passenger_count (DOUBLE; NULL in %s rows) and total_amount (DOUBLE; %s NULL; "
              "every value has at most 2 decimals, checked by DuckDB before the timing: "
              "`CAST(CAST(total_amount AS DECIMAL(18,2)) AS DOUBLE) = total_amount` for every row)" % (
                  format(checker.counts.get("", 0), ","), format(n_null_total, ",")))
    for key in ("fanout-count", "fanout-agg"):
        if summary.get(key):
            md.append("- fanout's summary line (%s): `%s`" % (key.split("-")[1], summary[key]))
    md.append("- Peers: DuckDB %s (@duckdb/node-api), Polars %s (nodejs-polars), node %s" % (
        harness.npm_version("@duckdb/node-api"), harness.npm_version("nodejs-polars"), harness.sh(["node", "--version"])))
    md.append("- Threads: %d for every command (fanout `--threads %d`, DuckDB `SET threads=%d`, "
              "Polars `POLARS_MAX_THREADS=%d`)" % (n, n, n, n))
    md.append("- Method: page cache warmed first; each command once untimed, then %d timed run%s "
              "(wall clock, `time.perf_counter` around the process), command order rotated each round; "
              "median, min and max of the timed runs. \"time vs fanout\" = median / median of fanout on the "
              "same query. Peak RSS: one more run of each under `/usr/bin/time -f %%M`." % (
                  args.runs, "" if args.runs == 1 else "s"))
    md.append("- Checks, on every run of every command: passenger_count values compared in canonical form "
              "(DOUBLE 1.0 and INT64 1 are `1`; NULL is the empty value, a group of its own); counts equal "
              "to fanout's exactly; DuckDB's sums (a DECIMAL(38,2) sum of the DECIMAL(18,2) casts) equal "
              "to fanout's exact decimal sums exactly; Polars' sums (float64) and both peers' means "
              "(float64) within a relative tolerance of %g of fanout's; every fanout run printed what its "
              "warm-up printed. All passed (%d groups, %s rows)." % (
                  args.tolerance, n_groups, format(sum(checker.counts.values()), ",")))
    if checker.means_checked:
        md.append("- fanout's means checked too: each is its exact sum / fanout count's count for the group, "
                  "rounded once to the nearest double (docs/cli.md). The peers' means (and Polars' sums) are "
                  "float64 accumulations; their largest relative differences from fanout's:")
    else:
        md.append("- fanout's means were not checked against sum / count (some total_amount is NULL). "
                  "Largest relative differences of the peers from fanout's:")
    for line in worst_lines:
        md.append("  - %s" % line)
    busy = [x for x in (load_start, load_end) if x != "?" and float(x.split()[0]) > 0.5 * (m["nproc"] or 1)]
    if busy:
        md.append("- Note: the 1-minute load average (%s) shows other work competing for the %s cores during "
                  "this run." % (" / ".join(x.split()[0] for x in (load_start, load_end)), m["nproc"]))
    md.append("")
    md.append("## Results")
    md.append("")
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join(["---", "---"] + ["---:"] * (len(header) - 2)) + "|")
    for r in table:
        md.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    md.append("")
    md.append("Median time of the peer / median time of fanout (above 1: fanout is faster):")
    md.append("")
    for line in ratio_lines:
        md.append("- " + line)
    md.append("")
    md.append("## What each row ran")
    md.append("")
    for t in tools:
        md.append("- **%s**: `%s`%s" % (t.label, t.display, " — " + t.note if t.note else ""))
    md.append("- **before the timing**: `%s` — the decimals check above (%s rows, %s not round-tripping "
              "through DECIMAL(18,2))" % (pre.display, format(n_rows, ","), n_not_2dp))
    md.append("")
    md.append("The answer (fanout agg, with fanout count's counts):")
    md.append("")
    md.append("| passenger_count | count | sum_total_amount | mean_total_amount |")
    md.append("|---:|---:|---:|---:|")
    for k in sorted(checker.agg, key=lambda k: -checker.counts[k]):
        md.append("| %s | %s | %s | %s |" % (k if k else "(NULL)", checker.counts[k], checker.agg[k][2], checker.agg[k][3]))
    md.append("")
    harness.write_results(md, tools, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
