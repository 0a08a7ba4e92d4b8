#!/usr/bin/env python3
"""The N rows with the largest (--asc: smallest) values of a column, read with
Python's csv module: an implementation independent of fanout's, for
tests/e2e/top_test.sh. Files in the order given; ties by file, then by row.
A value that is not a number (as fanout reads numbers) is skipped.

usage: top_ref.py N COL [--asc] [--cols A,B] FILE...
"""
import csv
import decimal
import re
import sys

NUMBER = re.compile(r"^ *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *$")


def main():
    args = sys.argv[1:]
    n, col = int(args[0]), args[1].lower()
    args = args[2:]
    asc = "--asc" in args
    args = [a for a in args if a != "--asc"]
    cols = None
    if "--cols" in args:
        i = args.index("--cols")
        cols = args[i + 1].split(",")
        del args[i:i + 2]
    rows = []
    header = None
    for fi, path in enumerate(args):
        with open(path, newline="") as f:
            r = csv.reader(f)
            names = next(r)
            lower = [x.lower() for x in names]
            if header is None:
                header = names if cols is None else cols
            want = list(range(len(names))) if cols is None else [lower.index(c.lower()) for c in cols]
            at = lower.index(col)
            for ri, row in enumerate(r):
                if not row or len(row) <= max(want + [at]):
                    continue
                v = row[at]
                if not NUMBER.match(v):
                    continue
                value = decimal.Decimal(v.strip())
                rows.append(((value if asc else -value), fi, ri, [row[i] for i in want]))
    rows.sort(key=lambda t: (t[0], t[1], t[2]))
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(header)
    for t in rows[:n]:
        w.writerow(t[3])


main()
