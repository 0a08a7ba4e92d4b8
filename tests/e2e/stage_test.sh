#!/usr/bin/env bash
# fanout stage on one machine (locally and on local workers): the pieces of each
# object, put back together, equal the reference's select of it byte for byte at
# any range size (quoted newlines across range ends included); count and agg over
# stage://NAME equal the reference over the source; a missing or damaged piece is
# staged again; --drop frees everything; bad names, unwritable and full stage
# directories fail clearly and never leave a stage that looks complete.
source "$(dirname "$0")/lib.sh"
require_fanout

export XDG_CACHE_HOME=$TMP/cache  # manifests and the default stage directory
STAGES=$XDG_CACHE_HOME/fanout/stages
PIECES=$XDG_CACHE_HOME/fanout/stage

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 4 --rows 3000 --seed 51 --quiet || die "gen-taxi failed"
# Quoted fields with newlines and delimiters: small ranges start inside quotes.
"$PY" - "$data/quoted.csv" <<'EOF' || die "cannot write quoted.csv"
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w", newline="") as f:
    f.write("vendor_id,note,extra,passenger_count,trip_distance\n")
    for i in range(2000):
        note = r.choice(['plain', '"two\nlines"', '"a, b"', '"say ""hi""\nand go"', ''])
        f.write(f'V{i % 3},{note},x,{r.randint(0, 6)},{r.randint(1, 999)}.{r.randint(0, 99):02d}\n')
EOF

# pieces_joined NAME OUTDIR: each source object's pieces, in range order, joined
# back into one file per object (later ranges' copy of the header dropped).
pieces_joined() {
  "$PY" - "$STAGES/$1" "$2" <<'EOF'
import os, re, sys
def unesc(s):
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), s)
by_src = {}
for line in open(sys.argv[1], encoding="utf-8"):
    f = [unesc(x) for x in line.rstrip("\n").split("\t")]
    if f[0] != "piece":
        continue
    path, header, src, rng = f[3], f[6] == "1", f[7], int(f[11])
    by_src.setdefault(src, []).append((rng, path, header))
os.makedirs(sys.argv[2], exist_ok=True)
for src, pieces in by_src.items():
    pieces.sort()
    assert [p[0] for p in pieces] == list(range(len(pieces))), (src, "ranges missing")
    with open(os.path.join(sys.argv[2], os.path.basename(src)), "wb") as out:
        for rng, path, header in pieces:
            b = open(path, "rb").read()
            if rng > 0 and header:
                b = b[b.index(b"\n") + 1:]
            out.write(b)
EOF
}

# check_staged REFTAG ARGS...: like check_table, but the column labels may differ
# (a stage numbers its columns as selected: col4 of the source is col3 of --cols 1,3-5).
check_staged() {
  local reftag=$1; shift
  run_fanout fan "$@" --quiet
  if [[ $(rc_of fan) != 0 ]]; then
    fail "fanout failed (exit $(rc_of fan)): $(show_cmd "$FANOUT" "$@")"$'\n'"$(head -c 2000 "$TMP/err.fan")"
    return 1
  fi
  { head -n 1 "$TMP/out.$reftag"; tail -n +2 "$TMP/out.fan"; } >"$TMP/relabelled"
  if ! "${CSVDIFF[@]}" "$TMP/relabelled" "$TMP/out.$reftag" >"$TMP/diff" 2>&1; then
    fail "output differs from the reference for: $(show_cmd "$FANOUT" "$@")"$'\n'"$(head -c 4000 "$TMP/diff")"
    return 1
  fi
  pass
}

N=0
for cluster in "" "--workers 2"; do
  read -r -a c <<<"$cluster"
  for range in 64MiB 4096 777; do
    N=$((N + 1))
    name=s$N
    what="stage ${cluster:-locally} --range-size $range"
    run_fanout st stage --cols 1,3-5 --as "$name" --range-size "$range" "$data" "${c[@]}"
    check_eq "$what: exit ($(head -c 500 "$TMP/err.st"))" "$(rc_of st)" 0
    check_true "$what: summary names the stage" grep -q "staged as stage://$name: " "$TMP/err.st"
    # Pieces: whole, and together exactly the reference's select.
    rm -rf "$TMP/ref.sel" "$TMP/joined"
    run_ref rsel select "$data" --cols 1,3-5 --out "$TMP/ref.sel"
    [[ $(rc_of rsel) == 0 ]] || die "reference select failed: $(cat "$TMP/err.rsel")"
    pieces_joined "$name" "$TMP/joined" 2>"$TMP/err.join"
    check_eq "$what: manifest readable ($(head -c 300 "$TMP/err.join"))" "$?" 0
    check_dirs_equal "$what: pieces joined = reference select" "$TMP/joined" "$TMP/ref.sel"
    check_eq "$what: no temporary piece left" "$(find "$PIECES/$name" -name '.*.tmp.*' | wc -l)" 0
    # Queries over the stage: its columns are numbered as selected (1,3-5 -> 1..4).
    run_ref want count --by passenger_count "$data" --format csv
    check_staged want count --by passenger_count "stage://$name" --format csv "${c[@]}"
    run_ref want agg --by 1,passenger_count --sum 5 --max trip_distance --where '5 > 2' "$data" --format csv
    check_staged want agg --by 1,passenger_count --sum 4 --max trip_distance --where '4 > 2' "stage://$name" --format csv "${c[@]}"
    check_eq "$what: no piece staged again" "$(grep -c 'staged again' "$TMP/err.fan")" 0
  done
done

# --where while staging keeps only those rows.
run_fanout st stage --cols 1-5 --where 'passenger_count >= 2' --as kept --range-size 5000 "$data"
check_eq "stage --where: exit" "$(rc_of st)" 0
run_ref want count --by 4 --where 'passenger_count >= 2' "$data" --format csv
check_staged want count --by 4 stage://kept --format csv
check_staged want count --by passenger_count stage://kept/ --format csv --workers 3

# A piece deleted or damaged is staged again from its source (locally, and by a
# local worker), the answer stays exact and the manifest stays true.
run_ref want count --by passenger_count "$data" --format csv
piece=$(find "$PIECES/s2" -name '*.csv' | sort | sed -n 3p)
rm -f "$piece"
run_fanout again count --by passenger_count stage://s2 --format csv
check_true "a deleted piece: said so" grep -q "1 piece of stage s2 was missing here" "$TMP/err.again"
check_true "a deleted piece: back" test -s "$piece"
check_staged want count --by passenger_count stage://s2 --format csv
truncate -s -7 "$piece"
run_fanout again count --by passenger_count stage://s2 --format csv --workers 2
check_true "a damaged piece on a worker: said so" grep -q "1 piece of stage s2 staged again from the source, now on local" "$TMP/err.again"
check_staged want count --by passenger_count stage://s2 --format csv
run_fanout again count --by passenger_count stage://s2 --format csv
check_eq "a damaged piece: then nothing to stage again" "$(grep -c 'staged again\|missing here' "$TMP/err.again")" 0

# fanout run over a stage: every piece has the header, so tail skips it.
run_fanout runst run --cmd 'tail -n +2 | cut -d, -f3 | sort | uniq -c' \
  --merge 'awk "{k = (NF > 1 ? \$2 : \"\"); n[k] += \$1} END {for (k in n) print k \",\" n[k]}" | sort' stage://s1 --quiet
check_eq "run over a stage: exit ($(head -c 300 "$TMP/err.runst"))" "$(rc_of runst)" 0
"${REF[@]}" count --by 4 "$data" --format csv | tail -n +2 | sort >"$TMP/want.run"
check_files_equal "run over a stage = count" "$TMP/out.runst" "$TMP/want.run"

# --list, --drop.
run_fanout list stage --list
check_true "--list shows a stage" grep -qE "^s1	complete	[0-9]+ pieces" "$TMP/out.list"
run_fanout drop stage --drop s1
check_eq "--drop: exit ($(cat "$TMP/err.drop"))" "$(rc_of drop)" 0
check_true "--drop: says what went" grep -q "dropped stage s1" "$TMP/err.drop"
check_true "--drop: pieces gone" test ! -e "$PIECES/s1"
check_true "--drop: manifest gone" test ! -e "$STAGES/s1"
expect_fail 1 "no stage named 's1'" count --by 1 stage://s1
expect_fail 1 "no stage named 'nothing'" stage --drop nothing

# Mistakes on the command line: exit status 2 and a reason.
expect_fail 2 "stage 's2' exists" stage --cols 1 --as s2 "$data"
expect_fail 2 "a stage name is" stage --cols 1 --as 'bad/name' "$data"
expect_fail 2 "a stage name is" stage --cols 1 --as .hidden "$data"
expect_fail 2 "give --as" stage --cols 1 "$data"
expect_fail 2 "give --cols" stage --as x "$data"
expect_fail 1 "stage:// inputs are read by count, agg and run" select --cols 1 stage://s2 --out "$TMP/sel"
expect_fail 1 "must be the only input" count --by 1 stage://s2 "$data"
expect_fail 1 "stage:// inputs are read by count, agg and run" ls stage://s2
expect_fail 1 "stage:// inputs are read by count, agg and run" cat stage://s2
expect_fail 1 "no column 'nope' in the header (vendor_id,extra,passenger_count,trip_distance)" count --by nope stage://s2
check_true "--replace: restages" "$FANOUT" stage --cols 1-2 --as s2 --replace "$data" --quiet
run_ref want count --by 2 "$data" --format csv
check_staged want count --by 2 stage://s2 --format csv

# An unwritable stage directory: a clear error naming it; the stage is recorded
# as incomplete (no job reads it) until dropped.
mkdir -p "$TMP/ro"
touch "$TMP/ro/file"
expect_fail 1 "$TMP/ro/file" stage --cols 1 --as ro --stage-dir "$TMP/ro/file/under" "$data"
expect_fail 1 "did not finish staging" count --by 1 stage://ro
run_fanout list stage --list
check_true "--list marks it" grep -qE "^ro	INCOMPLETE" "$TMP/out.list"
check_true "an incomplete stage can be dropped" "$FANOUT" stage --drop ro --quiet
check_true "--drop: its manifest goes" test ! -e "$STAGES/ro"

# A stage directory is fanout's own: one holding other files is refused, and
# --drop removes only what fanout wrote.
mkdir -p "$TMP/mine/precious"
echo keep >"$TMP/mine/precious/notes.txt"
expect_fail 1 "already holds files fanout did not write (notes.txt)" stage --cols 1 --as precious --stage-dir "$TMP/mine" "$data"
check_true "refused: the user's file is untouched" grep -q keep "$TMP/mine/precious/notes.txt"
"$FANOUT" stage --drop precious --quiet
check_true "--drop of the refused stage: the user's file is untouched" grep -q keep "$TMP/mine/precious/notes.txt"
check_true "stage into a fresh directory" "$FANOUT" stage --cols 1 --as fresh --stage-dir "$TMP/mine" "$data" --quiet
echo later >"$TMP/mine/fresh/later.txt"
run_fanout drop stage --drop fresh
check_true "--drop keeps a file fanout did not write" grep -q later "$TMP/mine/fresh/later.txt"
check_true "--drop says it kept it" grep -q "kept $TMP/mine/fresh (it also holds later.txt" "$TMP/err.drop"
check_eq "--drop removed every piece" "$(find "$TMP/mine/fresh" -name '*.csv' | wc -l)" 0

# A full disk (a 256 KiB tmpfs; needs root): the error says so, no piece is left
# half-written, the stage is not readable.
if [[ $(id -u) == 0 ]] && mkdir -p "$TMP/full" && mount -t tmpfs -o size=256k tmpfs "$TMP/full" 2>/dev/null; then
  expect_fail 1 "No space left on device" stage --cols 1-5 --as full --stage-dir "$TMP/full" "$data"
  check_eq "full disk: no temporary piece left" "$(find "$TMP/full" -name '.*tmp*' | wc -l)" 0
  expect_fail 1 "did not finish staging" count --by 1 stage://full
  "$FANOUT" stage --drop full --quiet
  umount "$TMP/full"
else
  echo "$TEST_NAME: (the full-disk case needs root and tmpfs; skipped)"
fi

finish
