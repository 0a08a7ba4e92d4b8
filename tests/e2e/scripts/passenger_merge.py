"""The seed's merge: every mapper's `value,count` lines on stdin; prints the
totals as fanout count does in CSV (header, count descending, then value)."""
import collections
import sys

totals = collections.Counter()
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    value, _, n = line.rpartition(",")
    totals[value] += int(n)


def order(item):
    value, n = item
    try:
        key = (0, float(value), value)
    except ValueError:
        key = (1, 0.0, value)
    return (-n, key)


print("passenger_count,count")
for value, n in sorted(totals.items(), key=order):
    print("%s,%d" % (value, n))
