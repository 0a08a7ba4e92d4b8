"""Sum `value,count` lines from several files (or stdin) into one table.

    python3 bench/merge_counts.py A.counts B.counts ... > merged

The value is everything before the last comma (it may be empty). Prints
`value,count` lines sorted by count descending, then value.
"""
import sys


def main():
    totals = {}
    paths = sys.argv[1:] or ["-"]
    for path in paths:
        f = sys.stdin.buffer if path == "-" else open(path, "rb")
        with f:
            for line in f:
                line = line.rstrip(b"\r\n")
                if not line:
                    continue
                value, sep, n = line.rpartition(b",")
                if not sep:
                    sys.exit("merge_counts.py: %s: not a value,count line: %r" % (path, line))
                totals[value] = totals.get(value, 0) + int(n)
    out = sys.stdout.buffer
    for value, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(b"%s,%d\n" % (value, n))


main()
