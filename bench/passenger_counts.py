"""Count rows per passenger_count value in one CSV read from stdin.

The "seed pipeline" that fanout replaces, per file:

    cut -d, -f1-5 FILE | pypy3 bench/passenger_counts.py > FILE.counts

The first non-blank line is the header; the passenger_count column is found in it
case-insensitively (2009 files say Passenger_Count). Blank lines are not rows; a row
with too few fields is skipped (and counted on stderr), like fanout does. An empty
value is a group of its own. Prints `value,count` lines, no header.
Plain split on ',': the taxi files have no quoted fields.
"""
import sys


def main():
    inp = sys.stdin.buffer
    header = b""
    for line in inp:
        header = line.rstrip(b"\r\n")
        if header:
            break
    names = [n.strip().lower() for n in header.decode("utf-8-sig").split(",")]
    if "passenger_count" not in names:
        sys.exit("passenger_counts.py: no passenger_count column in header %r" % header)
    col = names.index("passenger_count")

    counts = {}
    skipped = 0
    for line in inp:
        fields = line.split(b",", col + 1)
        if len(fields) <= col:
            if line.strip(b"\r\n"):
                skipped += 1
            continue
        value = fields[col]
        if len(fields) == col + 1:  # the last field keeps the line end
            value = value.rstrip(b"\r\n")
        counts[value] = counts.get(value, 0) + 1

    out = sys.stdout.buffer
    for value, n in counts.items():
        out.write(b"%s,%d\n" % (value, n))
    if skipped:
        sys.stderr.write("passenger_counts.py: skipped %d rows with too few fields\n" % skipped)


main()
