"""A user's mapper, as the seed wrote it: one object's CSV on stdin, prints
`passenger_count,count` lines (no header). Python's csv module; the column is
found by name in the object's header (every schema era names it differently).
A blank line counts for nothing; a row too short for the column counts under ''
only if the column is present."""
import collections
import csv
import sys

reader = csv.reader(sys.stdin)
header = next(reader, None)
if header is None:
    sys.exit(0)
names = [h.strip().lower() for h in header]
col = names.index("passenger_count")
counts = collections.Counter()
for row in reader:
    if not row or row == [""]:
        continue
    if col < len(row):
        counts[row[col]] += 1
for value, n in counts.items():
    print("%s,%d" % (value, n))
