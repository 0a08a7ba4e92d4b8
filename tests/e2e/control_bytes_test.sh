#!/usr/bin/env bash
# Keys and names holding NUL, line ends, quotes, delimiters, spaces, escape sequences,
# DEL, C1 controls and invalid UTF-8: CSV output reads back exactly with Python's csv
# module, JSON stays valid, and nothing raw reaches the terminal — the table format,
# ls, error messages and the summary line escape them by the documented rule.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/c
mkdir -p "$D"
# The keys, written with Python's csv module (every field quoted): one row each, and
# the first key three times more.
"$PY" - "$D/keys.csv" "$D/keys-ref.csv" <<'EOF2'
import csv, sys
keys = [b'a\x00b', b'line\nbreak', b'cr\ronly', b'crlf\r\n', b'say "hi"', b'x,y', b' lead', b'trail ', b' ',
        b'tab\there', b'\x1b[31mred\x1b[0m', b'\x1b]0;title\x07', b'del\x7f', b'\x01\x02\x1f',
        b'c1 \xc2\x9b31m', b'bad \xff\xfe utf8', b'z\xc3', b'back\\slash', b'\\x00 literal',
        'Zürich'.encode(), '東京'.encode(), b'plain']
keys = [k.decode('latin-1') for k in keys]  # one character per byte
with open(sys.argv[1], 'w', newline='', encoding='latin-1') as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator='\n')
    w.writerow(['k', 'v'])
    for k in keys + [keys[0]] * 3:
        w.writerow([k, '1'])
# The reference reader takes a lone '\r' inside quotes for a line end: its copy
# goes without that key.
with open(sys.argv[2], 'w', newline='', encoding='latin-1') as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator='\n')
    w.writerow(['k', 'v'])
    for k in keys + [keys[0]] * 3:
        if k != 'cr\ronly':
            w.writerow([k, '1'])
EOF2
[[ -s $D/keys.csv ]] || die "could not write the keys"

# ---- csv: the same groups as the reference, and every key exact --------------------
compare_ok count --by k "$D/keys-ref.csv"
compare_ok count --by k "$D/keys-ref.csv" --threads 2 --range-size 50
run_fanout csv count --by k "$D/keys.csv" --quiet --format csv
check_true "csv keys read back exactly with Python's csv module" "$PY" - "$D/keys.csv" "$TMP/out.csv" <<'EOF2'
import csv, sys
def rows(path):
    with open(path, newline='', encoding='latin-1') as f:
        return list(csv.reader(f))
want = {}
for k, _ in rows(sys.argv[1])[1:]:
    want[k] = want.get(k, 0) + 1
got = rows(sys.argv[2])
assert got[0] == ['k', 'count'], got[0]
got = {k: int(n) for k, n in got[1:]}
assert got == want, (sorted(set(got) ^ set(want)))
EOF2
# compare_ok also checked that the output is minimally quoted, as Python's csv
# writer quotes: NUL, ESC, DEL and outer spaces need no quotes to read back exactly.

# ---- json: valid, with the keys as characters ----------------------------------------
run_fanout json count --by k "$D/keys.csv" --quiet --format json
check_true "json is valid (strict: no raw control characters) and holds every valid UTF-8 key" \
  "$PY" - "$D/keys.csv" "$TMP/out.json" <<'EOF2'
import csv, json, sys
with open(sys.argv[1], newline='', encoding='latin-1') as f:
    keys = {r[0] for r in list(csv.reader(f))[1:]}
raw = open(sys.argv[2], 'rb').read()
assert all(b >= 0x20 or b == 0x0a for b in raw), 'raw control byte in the JSON text'
got = [r['k'] for r in json.loads(raw.decode('utf-8'))]
assert len(got) == len(keys), (len(got), len(keys))
for k in keys:
    b = k.encode('latin-1')
    try:
        text = b.decode('utf-8')
    except UnicodeDecodeError:
        continue  # invalid UTF-8 comes out with U+FFFD
    assert text in got, repr(text)
assert sum('\ufffd' in k for k in got) == 2, [k for k in got if '\ufffd' in k]
EOF2

# ---- table: escaped, one line per row --------------------------------------------------
# no_raw_controls FILE: no byte below 0x20 but '\n', no DEL, no C1 control as UTF-8,
# no byte that is not valid UTF-8.
no_raw_controls() {
  "$PY" - "$1" <<'EOF2'
import sys
raw = open(sys.argv[1], 'rb').read()
bad = [b for b in raw if (b < 0x20 and b != 0x0a) or b == 0x7f]
text = raw.decode('utf-8')  # raises on invalid UTF-8
c1 = [c for c in text if 0x80 <= ord(c) <= 0x9f]
assert not bad and not c1, (bad[:5], c1[:5])
EOF2
}
run_fanout table count --by k "$D/keys.csv" --quiet --format table
check_true "table has no raw control bytes: $(head -c 600 "$TMP/out.table" | od -c | head -n 5)" no_raw_controls "$TMP/out.table"
check_eq "table lines (header, rule, one per group)" "$(wc -l <"$TMP/out.table")" 24
for esc in 'a\x00b' 'line\nbreak' 'cr\ronly' 'crlf\r\n' 'tab\there' '\x1b[31mred\x1b[0m' '\x1b]0;title\x07' \
           'del\x7f' '\x01\x02\x1f' 'c1 \u009b31m' 'bad \xff\xfe utf8' 'z\xc3' 'back\\slash' '\\x00 literal' \
           'Zürich' '東京'; do
  check_true "table shows $esc: $(cat "$TMP/out.table")" grep -qF -- "$esc" "$TMP/out.table"
done
# Columns line up by characters: every row is as wide as the rule under the header.
check_true "table columns line up" "$PY" - "$TMP/out.table" <<'EOF2'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
width = len(lines[1])
assert all(len(l) == width for l in lines[2:]), [l for l in lines if len(l) != width]
EOF2

# ---- names and messages on stderr ----------------------------------------------------
EVIL=$D/$'evil\x1b[2Jname\nnext.csv'
cp "$D/keys.csv" "$EVIL"
run_fanout ls ls "$D"
check_true "ls has no raw control bytes" no_raw_controls "$TMP/out.ls"
check_eq "ls: one line per object (3) and a total" "$(wc -l <"$TMP/out.ls")" 4
check_true "ls shows the name escaped: $(cat "$TMP/out.ls")" grep -qF 'evil\x1b[2Jname\nnext.csv' "$TMP/out.ls"
run_fanout err count --by nosuchcolumn "$EVIL"
check_eq "unknown column: exit status" "$(rc_of err)" 1
check_true "the error has no raw control bytes: $(od -c "$TMP/err.err" | head -n 4)" no_raw_controls "$TMP/err.err"
check_true "the error names the object, escaped: $(cat "$TMP/err.err")" grep -qF 'evil\x1b[2Jname\nnext.csv' "$TMP/err.err"
run_fanout uerr count --by k --format $'\x1b[2J' "$D/keys.csv"
check_eq "bad --format: exit status" "$(rc_of uerr)" 2
check_true "a usage error has no raw control bytes: $(od -c "$TMP/err.uerr" | head -n 4)" no_raw_controls "$TMP/err.uerr"
for args in "count --by k --$'\x1b[2J' $D/keys.csv" "$'co\x1b[2Junt' --by k $D/keys.csv"; do
  eval "run_fanout perr $args"
  check_eq "a command line with an escape: exit status" "$(rc_of perr)" 2
  check_true "a command-line error has no raw control bytes: $(od -c "$TMP/err.perr" | head -n 4)" \
    no_raw_controls "$TMP/err.perr"
  check_true "a command-line error shows the escape: $(cat "$TMP/err.perr")" grep -qF '\x1b[2J' "$TMP/err.perr"
done
# The summary line: a column label with an escape sequence (skipped rows name it), and
# a select --out directory with a newline.
printf 'k,v\x1b[1m\na,1\nb,x\n' >"$D/label.csv"
run_fanout sum agg --by k --sum $'v\x1b[1m' "$D/label.csv"
check_eq "agg with an escape in a label: exit status" "$(rc_of sum)" 0
check_true "the summary line has no raw control bytes: $(od -c "$TMP/err.sum" | head -n 4)" no_raw_controls "$TMP/err.sum"
check_true "the summary line shows the label escaped: $(cat "$TMP/err.sum")" grep -qF 'non-numeric v\x1b[1m' "$TMP/err.sum"
run_fanout ssum select --cols 1 "$D/label.csv" --out "$D/out"$'\n'"sel"
check_eq "select into a directory with a newline: exit status" "$(rc_of ssum)" 0
check_eq "select's summary is one line" "$(wc -l <"$TMP/err.ssum")" 1
check_true "select's summary has no raw control bytes" no_raw_controls "$TMP/err.ssum"

finish
