#!/usr/bin/env bash
# CSV as real exports write it, read as Python's csv module reads it (the
# reference): quotes inside unquoted fields (5'10"), text after a closing quote,
# old Mac files whose lines end with a lone '\r', a byte order mark before a quoted
# header name, and files that end inside a quoted field — at every range size,
# thread count, kernel and on workers. Regressions of issue 11 ("a 30,000-row file
# counted 18,027 rows in 1,366 bogus groups, exit 0").
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/rw
mkdir -p "$D/heights" "$D/mac" "$D/mixed" "$D/open" "$D/bom"

"$PY" - "$D" <<'EOF' || die "cannot write the fixtures"
import random, sys
d = sys.argv[1]
r = random.Random(11)
cities = ['NYC', 'LA', '"Portland, OR"', 'Oslo', '"Zürich"', 'x"y']
# Heights in feet and inches, sandwich sizes, quoted notes with commas and
# newlines, and text after a quoted field's closing quote.
with open(f'{d}/heights/people.csv', 'w', newline='') as f:
    f.write('name,height,city,order,note\n')
    for i in range(30000):
        h = f'{r.randint(4, 6)}\'{r.randint(0, 11)}"'
        order = r.choice(['12" sub', '6" sub', 'wrap', '"a ""big"" one"', '"ab"cd'])
        note = r.choice(['', 'ok', '"line\nbreak"', '"a, b"', 'say "hi"'])
        f.write(f'p{i},{h},{r.choice(cities)},{order},{note}\n')
# An old Mac export: lone '\r' line ends, a quoted field holding one.
with open(f'{d}/mac/old.csv', 'w', newline='') as f:
    f.write('id,city,amount\r')
    for i in range(5000):
        city = r.choice(['Oslo', '"Bergen\rNorth"', '"a, b"', '5\'10"'])
        f.write(f'{i},{city},{r.randint(0, 99)}.{r.randint(0, 9)}\r')
# Lone '\r' line ends for more than the first 64 KiB, then '\n': no exact reading.
with open(f'{d}/mixed/mixed.csv', 'w', newline='') as f:
    f.write('id,v\r' + ''.join(f'{i},x\r' for i in range(20000)) + 'last,row\n')
# Ends inside a quoted field.
with open(f'{d}/open/open.csv', 'w', newline='') as f:
    f.write('id,city\n1,Oslo\n2,"Bergen\n3,Oslo\n')
# A byte order mark before a quoted first header name.
with open(f'{d}/bom/bom.csv', 'wb') as f:
    f.write(b'\xef\xbb\xbf"passenger_count","x,y"\n1,a\n2,b\n1,c\n')
EOF

N=0
export FANOUT_KERNEL
# compare_everywhere ARGS...: fanout agrees with the reference at several range
# sizes, thread counts and kernels, locally and on two workers; rows and skipped
# rows agree with the reference's too.
compare_everywhere() {
  run_ref ref "$@"
  run_ref sref "$@" --stats
  local settings
  for settings in "--threads 1" "--threads 2 --range-size 777" "--threads 2 --range-size 1000 --buffer-size 64" \
    "--threads 3 --range-size 64KiB" "--workers 2 --range-size 4096"; do
    N=$((N + 1))
    read -r -a s <<<"$settings"
    FANOUT_KERNEL=$(kernel_for "$N")
    check_table ref "$@" "${s[@]}"
    run_fanout sfan "$@" "${s[@]}"
    if "$PY" "$E2E_DIR/summary_check.py" "$TMP/err.sfan" "$TMP/err.sref" >"$TMP/sdiff" 2>&1; then
      pass
    else
      fail "rows and skips differ for: $(show_cmd "$FANOUT" "$@" "${s[@]}")"$'\n'"$(cat "$TMP/sdiff")"
    fi
  done
}

# ---- quotes inside unquoted fields -------------------------------------------------
compare_everywhere count --by city "$D/heights" --format csv
compare_everywhere count --by height --where "city = 'NYC'" "$D/heights" --format csv
compare_everywhere count --by order,note "$D/heights" --format csv
run_fanout rows count --by city "$D/heights" --format csv
check_true "all 30,000 rows read" grep -q " 30,000 rows" "$TMP/err.rows"
# select writes fields as stored: the reference's select, byte for byte.
for settings in "--threads 1" "--threads 2 --range-size 777"; do
  read -r -a s <<<"$settings"
  rm -rf "$TMP/sel.ref" "$TMP/sel.fan"
  run_ref rsel select --cols 2,3,5 "$D/heights" --out "$TMP/sel.ref"
  run_fanout fsel select --cols 2,3,5 "$D/heights" --out "$TMP/sel.fan" "${s[@]}" --quiet
  check_eq "select $settings: exit ($(head -c 300 "$TMP/err.fsel"))" "$(rc_of fsel)" 0
  check_dirs_equal "select $settings = the reference's" "$TMP/sel.fan" "$TMP/sel.ref"
done

# ---- lone '\r' line ends ----------------------------------------------------------------
compare_everywhere count --by city "$D/mac" --format csv
compare_everywhere agg --by city --sum amount "$D/mac" --format csv
run_fanout mixed count --by 1 "$D/mixed" --format csv
check_eq "mixed line ends: exit 1" "$(rc_of mixed)" 1
check_true "mixed line ends: the error names the file" grep -q "mixed.csv.*mixed line ends" "$TMP/err.mixed"
check_eq "mixed line ends: nothing on stdout" "$(wc -c <"$TMP/out.mixed")" 0
run_ref rmixed count --by 1 "$D/mixed" --format csv
check_eq "mixed line ends: the reference fails too" "$(rc_of rmixed)" 1

# ---- an object that ends inside a quoted field ------------------------------------------
compare_everywhere count --by city "$D/open" --format csv
offset=$("$PY" -c 'import sys; t = open(sys.argv[1], "rb").read(); print(t.index(b"2,\""))' "$D/open/open.csv")
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  for rs in 64MiB 3; do
    what="unterminated quote ${cluster:-locally} --range-size $rs"
    run_fanout open count --by city "$D/open" --format csv --quiet --range-size "$rs" "${c[@]}"
    check_eq "$what: exit 0" "$(rc_of open)" 0
    check_true "$what: a warning names the file and the row's byte, even with --quiet" \
      grep -q "warning: .*open.csv ends inside a quoted field: its last row (at byte $offset) is skipped" "$TMP/err.open"
    run_fanout strict count --by city "$D/open" --format csv --strict --range-size "$rs" "${c[@]}"
    check_eq "$what --strict: exit 1" "$(rc_of strict)" 1
    check_true "$what --strict: the error names the file and line" grep -q "open.csv:3: unterminated quoted field" "$TMP/err.strict"
    check_eq "$what --strict: nothing on stdout" "$(wc -c <"$TMP/out.strict")" 0
  done
done

# ---- a byte order mark before a quoted header name ------------------------------------------
compare_everywhere count --by passenger_count "$D/bom" --format csv
compare_everywhere count --by 2 "$D/bom" --format csv --header no

finish
