#!/usr/bin/env bash
# Numbers, exactly (issue 11): integers above 2^53 compared and kept exactly,
# fixed-point sums that would overflow 128 bits, sums of exponent forms and long
# decimals that must not depend on the split, JSON that stays JSON, "+-5" not a
# number, and --where that refuses unknown operators and unquoted text. Every
# answer is checked against the reference (Python's Decimal, exact) at several
# thread counts, range sizes and worker counts, and the settings against each other.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/n
mkdir -p "$D"
"$PY" - "$D" <<'EOF' || die "data generation failed"
import random, sys
d = sys.argv[1]
rng = random.Random(11)

def write(name, rows):
    with open(f'{d}/{name}', 'w') as f:
        f.write('k,v\n')
        for k, v in rows:
            f.write(f'{k},{v}\n')

# Integers around and above 2^53 (where doubles lose them), to 2^63 and beyond.
big = [('exact', '9007199254740993'), ('exact', '9007199254740992')]
for i in range(600):
    v = 2**53 + rng.randrange(-5, 6) if i % 2 else rng.randrange(2**62, 2**63)
    if i % 7 == 0:
        v = -v
    big.append((f'g{i % 5}', str(v)))
big += [('wide', str(10**30 + 1)), ('wide', str(10**30)), ('wide', '123456789012345678901234567890123')]
write('big.csv', big)

# 27-digit values: 400 of them overflow a 128-bit sum of 1e-9 units.
nines = '9' * 27
write('overflow.csv', [('pos', nines) for _ in range(400)] + [('neg', '-' + nines) for _ in range(400)] +
      [('mixed', nines if i % 3 else '-' + nines) for i in range(600)])

# Numbers that are not plain decimals: exponents, long fractions, many digits.
def wide_value():
    r = rng.random()
    if r < 0.25:
        return f'{rng.randrange(1, 10**6)}e{rng.randrange(-40, 40)}'
    if r < 0.5:
        return f'{rng.randrange(0, 200)}.{rng.randrange(10**14, 10**15)}'  # 15 fraction digits
    if r < 0.65:
        return str(rng.randrange(10**40, 10**45))  # more than 38 digits
    if r < 0.75:
        return f'{rng.random():.17e}'
    if r < 0.8:
        return rng.choice(['1e300', '-1e300', '1.5e-300', '7E+2', '-0.000000000001', '2.5E-7'])
    return f'{rng.randrange(-10**6, 10**6) / 100:.2f}'
write('wide.csv', [(f'g{rng.randrange(4)}', ('-' if rng.random() < 0.3 else '') + wide_value()) for _ in range(3000)])

# Scientific notation of moderate size only: a double sum's last digits depend
# on the order of the terms.
write('sci.csv', [(f'g{i % 3}', f'{rng.random() * 10 ** rng.randrange(-5, 5):.15e}') for i in range(20000)])

# Beyond the double range once summed; and the doubles' edge.
write('huge.csv', [('a', '1.5e308'), ('a', '1.5e308'), ('a', '1.5e308'), ('b', '-1.7976931348623157e308'),
                   ('b', '-1.7976931348623157e308'), ('c', '1e-1100'), ('c', '1')])

# Two signs are not a number; one is.
write('signs.csv', [('a', v) for v in ['+-5', '-+5', '++5', '--5', '5', '+5', '-5', ' 5 ', '+-0.5', '5e+-1']])

# Numeric --where over fields that are not all numbers.
write('mixed.csv', [(f'g{i % 3}', rng.choice(['1', '2.5', '', 'n/a', '-3', '1e1', 'ten', '10'])) for i in range(300)])
EOF

SETTINGS=(
  "--threads 1"
  "--threads 4 --range-size 1000"
  "--threads 2 --range-size 333 --buffer-size 64"
  "--threads 3 --range-size 4096 --buffer-size 1"
  "--workers 2 --range-size 500"
  "--workers 3 --threads 1 --range-size 2000"
)

# matrix ARGS...: the reference's answer, then fanout's at every setting.
matrix() {
  run_ref mref "$@"
  if [[ $(rc_of mref) != 0 ]]; then
    fail "reference failed for: $(show_cmd "$@"): $(cat "$TMP/err.mref")"
    return
  fi
  local s
  for s in "${SETTINGS[@]}"; do
    # shellcheck disable=SC2086
    check_table mref "$@" $s || return
  done
}

# same_at_every_setting ARGS...: fanout prints the same bytes at every setting
# (the README's promise, checked without the reference).
same_at_every_setting() {
  local s first=
  for s in "${SETTINGS[@]}"; do
    # shellcheck disable=SC2086
    run_fanout split "$@" $s --quiet --format csv
    if [[ $(rc_of split) != 0 ]]; then
      fail "failed at $s: $(show_cmd "$FANOUT" "$@") $(head -c 1000 "$TMP/err.split")"
      return
    fi
    if [[ -z $first ]]; then
      first=$s
      cp "$TMP/out.split" "$TMP/out.first"
    elif ! cmp -s "$TMP/out.split" "$TMP/out.first"; then
      fail "the answer depends on the split ($first vs $s): $(show_cmd "$FANOUT" "$@")"$'\n'"$(diff "$TMP/out.first" "$TMP/out.split" | head -c 2000)"
      return
    fi
  done
  pass
}

AGG=(--count --sum v --mean v --min v --max v)

# ---- integers above 2^53 ------------------------------------------------------------
matrix agg "$D/big.csv" --by k "${AGG[@]}"
matrix count "$D/big.csv" --by k --where 'v > 9007199254740992'
matrix count "$D/big.csv" --by k --where 'v <= -9007199254740993'
matrix count "$D/big.csv" --by k --where 'v = 1000000000000000000000000000001'
run_fanout gt count "$D/big.csv" --by k --where 'v > 9007199254740992' --format csv --quiet
check_true "2^53 + 1 > 2^53 keeps 9007199254740993: $(cat "$TMP/out.gt")" grep -qx 'exact,1' "$TMP/out.gt"
run_fanout mx agg "$D/big.csv" --by k --max v --min v --format csv --quiet
check_true "--max prints 9007199254740993, a value in the data: $(cat "$TMP/out.mx")" \
  grep -qx 'exact,9007199254740992,9007199254740993' "$TMP/out.mx"

# ---- fixed-point sums past 128 bits -----------------------------------------------------
matrix agg "$D/overflow.csv" --by k "${AGG[@]}"
run_fanout of agg "$D/overflow.csv" --by k --sum v --format csv --quiet
check_true "400 x (10^27 - 1) sums to 399999999999999999999999999600: $(cat "$TMP/out.of")" \
  grep -qx 'pos,399999999999999999999999999600' "$TMP/out.of"

# ---- values that are not plain decimals ------------------------------------------------
matrix agg "$D/wide.csv" --by k "${AGG[@]}"
same_at_every_setting agg "$D/wide.csv" --by k --sum v --mean v
matrix agg "$D/sci.csv" --by k "${AGG[@]}"
same_at_every_setting agg "$D/sci.csv" --by k --sum v --mean v
matrix agg "$D/huge.csv" --by k "${AGG[@]}"
same_at_every_setting agg "$D/huge.csv" --by k --sum v --mean v --min v --max v

# ---- JSON stays JSON, with every digit ---------------------------------------------------
run_ref jref agg "$D/huge.csv" --by k --sum v --mean v --min v --max v --format csv
run_fanout json agg "$D/huge.csv" --by k --sum v --mean v --min v --max v --format json --quiet
check_true "JSON with sums beyond the double range is valid and exact: $(cat "$TMP/out.json")" "$PY" -c '
import csv, decimal, json, sys
def refuse(name):
    raise ValueError("not JSON: " + name)
got = json.load(open(sys.argv[1]), parse_float=decimal.Decimal, parse_constant=refuse)
want = list(csv.DictReader(open(sys.argv[2])))
assert len(got) == len(want), (got, want)
for g, w in zip(got, want):
    for label, value in w.items():
        if label == "k":
            assert g[label] == value, (label, g, w)
        elif label.startswith("mean_"):
            assert float(g[label]) == float(value), (label, g, w)
        else:
            assert decimal.Decimal(g[label]) == decimal.Decimal(value), (label, g, w)' "$TMP/out.json" "$TMP/out.jref"

# ---- one sign at most ------------------------------------------------------------------
matrix agg "$D/signs.csv" --by k "${AGG[@]}"
check_summary agg "$D/signs.csv" --by k --sum v
check_eq "'+-5', '-+5', '++5', '--5', '+-0.5', '5e+-1' are not numbers" \
  "$(ref_stat 'reason:non-numeric v' agg "$D/signs.csv" --by k --sum v)" 6

# ---- --where: operators, numbers, quoted text ---------------------------------------------
for op in '<>' '=>' '=<' '>>' '!' '==>' '===' '<<'; do
  expect_fail 2 "unknown operator '$op'" count "$D/big.csv" --by k --where "v $op 5"
done
expect_fail 2 "'ten' is not a number" count "$D/mixed.csv" --by k --where 'v > ten'
expect_fail 2 "not a number" count "$D/mixed.csv" --by k --where 'k = g1'
expect_fail 2 "not a number" select --cols 1 --where 'v > ten' "$D/mixed.csv" --out "$TMP/sel-bad"
expect_fail 2 "quote" count "$D/mixed.csv" --by k --where "k = 'g1"
matrix count "$D/mixed.csv" --by k --where "k = 'g1'"
matrix count "$D/mixed.csv" --by k --where 'k == "g2"'
matrix count "$D/mixed.csv" --by v --where "v > '2'"   # quoted: text, "n/a" > "2"
matrix count "$D/mixed.csv" --by v --where 'v > 2'     # numeric: the rest are skipped
matrix count "$D/mixed.csv" --by v --where 'v != 1' --where 'v >= -3'
check_summary count "$D/mixed.csv" --by k --where 'v > 2'
check_summary count "$D/mixed.csv" --by k --where 'v > 2' --where "k != 'g0'"
expect_fail 1 "non-numeric v" count "$D/mixed.csv" --by k --where 'v > 2' --strict
mkdir -p "$TMP/sel-ref" "$TMP/sel-fan"
run_ref sref select --cols 1,2 --where 'v >= 2.5' "$D/mixed.csv" --out "$TMP/sel-ref"
run_fanout sfan select --cols 1,2 --where 'v >= 2.5' "$D/mixed.csv" --out "$TMP/sel-fan" --quiet
check_eq "select --where numeric: exit" "$(rc_of sfan)" 0
check_dirs_equal "select --where 'v >= 2.5'" "$TMP/sel-fan" "$TMP/sel-ref"
check_summary select --cols 1 --where 'v >= 2.5' "$D/mixed.csv" --out "$TMP/sel-sum" --overwrite

finish
