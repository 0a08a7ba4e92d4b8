#!/usr/bin/python3
"""csvdiff.py [--any-order] [--numeric-sums] GOT WANT: compares two result tables in CSV.

Headers and every field must match exactly as text, except in mean_*, min_*,
max_*, p50_*, p90_* and p99_* columns, which must be equal as numbers, exactly:
min_*, max_* and the percentiles as
decimals (both sides print exact values, perhaps in different notations), mean_*
as doubles (both round the exact mean once; the shortest texts may differ, e.g.
1e+16 and 10000000000000000); stddev_* within a relative 1e-9 (fanout's comes from
an exact numerator, a peer's from floating point, each rounded a few times). With --any-order the rows may come in any order
(the count column, if any, must still be descending). With --numeric-sums the
sum_* columns too are compared as exact decimals (a peer prints DECIMAL sums with
their scale: 100.50 for fanout's 100.5). Exits 0 when equal;
otherwise prints the differences and exits 1.
"""
import csv
import decimal
import io
import sys

NUMERIC_PREFIXES = ('mean_', 'min_', 'max_', 'stddev_', 'p50_', 'p90_', 'p99_')
STDDEV_TOLERANCE = 1e-9


def load(path):
    with open(path, newline='', encoding='latin-1') as f:
        return list(csv.reader(f))


def same_number(label, a, b):
    try:
        if label.startswith('mean_'):
            return float(a) == float(b)
        if label.startswith('stddev_'):
            x, y = float(a), float(b)
            return abs(x - y) <= STDDEV_TOLERANCE * max(abs(x), abs(y))
        return decimal.Decimal(a) == decimal.Decimal(b)
    except (ValueError, decimal.InvalidOperation):
        return a == b


def main():
    args = sys.argv[1:]
    any_order = '--any-order' in args
    numeric = NUMERIC_PREFIXES + (('sum_',) if '--numeric-sums' in args else ())
    args = [a for a in args if a not in ('--any-order', '--numeric-sums')]
    got_path, want_path = args
    got, want = load(got_path), load(want_path)
    as_written = got
    if any_order and got and want and got[0] == want[0]:
        if 'count' in got[0]:
            c = got[0].index('count')
            counts = [int(r[c]) for r in got[1:] if len(r) > c and r[c].isdigit()]
            if counts != sorted(counts, reverse=True):
                print(f'counts are not descending: {counts}')
                return 1
        got = got[:1] + sorted(got[1:])
        want = want[:1] + sorted(want[1:])
    problems = []
    if not got:
        print(f'got no output at all ({got_path} is empty)')
        return 1
    if got[0] != want[0]:
        problems.append(f'header: got {got[0]}, want {want[0]}')
    if len(got) != len(want):
        problems.append(f'row count: got {len(got) - 1}, want {len(want) - 1}')
    labels = want[0]
    for n, (g, w) in enumerate(zip(got[1:], want[1:]), start=1):
        if len(g) != len(w):
            problems.append(f'row {n}: got {g}, want {w}')
            continue
        for label, a, b in zip(labels, g, w):
            ok = same_number(label, a, b) if label.startswith(numeric) else a == b
            if not ok:
                problems.append(f'row {n}: got {g}, want {w} (column {label})')
                break
        if len(problems) >= 10:
            break
    if problems:
        print('\n'.join(problems))
        print('--- got (first lines) ---')
        print(''.join(open(got_path, encoding='latin-1').readlines()[:8]), end='')
        print('--- want (first lines) ---')
        print(''.join(open(want_path, encoding='latin-1').readlines()[:8]), end='')
        return 1
    # Quoting and line ends: the output must be the minimal RFC 4180 form, where a
    # field holding a '\r' is quoted too (csv.writer leaves it bare with '\n' line
    # ends, and a reader that splits lines on '\r' would cut it).
    def cell(v):
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v
    canon = io.StringIO(newline='')
    for r in as_written:
        canon.write(','.join(cell(v) for v in r) + '\n')
    raw = open(got_path, 'rb').read()
    if raw != canon.getvalue().encode('latin-1'):
        want_lines = canon.getvalue().encode('latin-1').split(b'\n')
        for i, (a, b) in enumerate(zip(raw.split(b'\n'), want_lines)):
            if a != b:
                print(f'line {i + 1} is not minimally quoted CSV with \\n line ends: '
                      f'got {a!r}, want {b!r}')
                return 1
        print('output bytes differ from minimally quoted CSV (line ends or final newline)')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
