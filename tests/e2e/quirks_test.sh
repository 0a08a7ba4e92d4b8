#!/usr/bin/env bash
# CSV quirks: quoting, line ends, blank lines, headers, BOM, delimiters and
# compression, each through fanout and the reference with the same arguments, and
# re-run at many range/buffer sizes so task boundaries fall everywhere.
source "$(dirname "$0")/lib.sh"
require_fanout

D=$TMP/q
mkdir -p "$D"

# ---- fixtures -------------------------------------------------------------------
# Quoted delimiters, doubled quotes, quoted newlines (LF and CRLF), UTF-8 values,
# an empty key, a non-numeric amount, a row with too few fields, exact decimals.
printf '%s\n' \
  'name,city,amount,score' \
  '"Smith, J","New York, NY",10,1.5' \
  '"He said ""hi""",Zürich,0.1,-2' \
  '"multi' \
  'line, with comma",Zürich,0.2,1e3' \
  'plain,"New York, NY",-0.5,7' \
  'plain,,0.5,8' \
  'short' \
  'x,Oslo,n/a,3' \
  '"q""",Oslo,0.000000001,0.25' \
  '"",Oslo,12345678901234,-0.25' >"$D/quoted.csv"
printf 'a,"crlf\r\ninside",1,2\r\n' >>"$D/quoted.csv"

# CRLF everywhere, blank CRLF lines, no final line end.
printf 'name,city,amount,score\r\n\r\nb,Oslo,1,1\r\n\r\n\r\nc,"Bergen\r\nNorth",2,2\r\nd,Oslo,3,3' >"$D/crlf.csv"

# Blank line right after the header, blank lines in between and at the end.
printf 'name,city,amount,score\n\ne,Oslo,4,4\n\n\nf,Bergen,5,5\n\n\n' >"$D/blank.csv"

# No final newline, last field quoted.
printf 'name,city,amount,score\ng,"Oslo",6,6\nh,Bergen,7,"7"' >"$D/nofinal.csv"

: >"$D/empty.csv"
printf 'name,city,amount,score\n' >"$D/headeronly.csv"
printf 'name,city,amount,score' >"$D/headeronly_nonl.csv"

# UTF-8 BOM, names with other case and spaces around them.
printf '\xef\xbb\xbfNAME, City ,Amount,score\ni,Oslo,8,8\nj,Tromsø,9,9\n' >"$D/bom.csv"

# Values with spaces around them are distinct keys; filter values with operators
# and spaces inside quotes.
printf 'name,city,amount,score\na, Oslo,1,1\nb,Oslo ,2,2\nc,Oslo,3,3\nd,a = b,4,4\ne, Oslo,5,5\nf,x<y,6,6\n' >"$D/spaces.csv"

# Keys: numbers numerically (equal numbers by bytes), then text by bytes; "1a"
# would sort between "10" and "9" if numbers and text were compared as bytes.
printf 'k,v\n10,1\n9,1\n-1.5,1\nabc,1\n,1\nB,1\n9,2\n10,2\n1a,1\n1.0,1\n01,1\n1,1\n' >"$D/sort.csv"

# Tab-delimited: commas are data; a quoted tab.
printf 'name\tcity\tamount\tscore\nl,m\tOslo\t1\t1\n"tab\there"\tOslo, N\t2\t2\nn\tBergen\t3\t3\n' >"$D/tab.tsv"

# No header: the first row has numbers; one with an empty first-row field.
printf '1,2,3\n1,5,6\n2,5,9\n' >"$D/noheader.csv"
printf 'a,,c\nd,e,f\na,e,c\n' >"$D/emptyfirst.csv"
printf '\n\nh1,h2\n1,2\n1,3\n' >"$D/lateheader.csv"

# A quoted field with many newlines and quotes that straddles many range boundaries.
{
  printf 'id,text,n\n'
  printf '1,"'
  for i in $(seq 1 30); do printf 'line %d, ""q"" and more\n' "$i"; done
  printf 'end",5\n2,plain,6\n3,"x\ny",7\n4,"",5\n5,"a,b",6\n'
  printf '6,"\r\n\r\n",7\n7,z,5\n'
} >"$D/straddle.csv"

# Compressed: recognised by magic bytes whatever the name; concatenated members.
mkdir -p "$D/z"
gzip -c "$D/quoted.csv" >"$D/z/gzdata"
zstd -q -c "$D/crlf.csv" >"$D/z/zsdata.bin"
# Member and frame boundaries fall inside rows and inside a quoted field.
{ printf 'name,city,amount,score\np1,Oslo,1,1\n' | gzip -c
  printf 'p2,Berg' | gzip -c
  printf 'en,2,2\np3,"Os\nlo",3,3\n' | gzip -c
  printf 'p4,"Os' | gzip -c
  printf 'lo",4,4\n' | gzip -c; } >"$D/z/members.csv.gz"
{ printf 'name,city,amount,score\nz1,Oslo,1,1\n' | zstd -q -c
  printf 'z2,Ber' | zstd -q -c
  printf 'gen,2,2\n' | zstd -q -c; } >"$D/z/frames.zst"

check_true "gzip fixture has gzip magic" bash -c "[[ \$(head -c2 '$D/z/gzdata' | od -An -tx1 | tr -d ' ') == 1f8b ]]"

printf '\n\r\n\n' >"$D/blanklines.csv"

NAMED=("$D/quoted.csv" "$D/crlf.csv" "$D/blank.csv" "$D/nofinal.csv"
       "$D/headeronly.csv" "$D/headeronly_nonl.csv" "$D/bom.csv")

# matrix ARGS...: the reference once, then fanout at many threads/range/buffer sizes,
# each with another scanner kernel.
SETTINGS=(
  "--threads 1 --range-size 1 --buffer-size 1"
  "--threads 3 --range-size 1 --buffer-size 7"
  "--threads 2 --range-size 2 --buffer-size 3"
  "--threads 4 --range-size 3 --buffer-size 64"
  "--threads 3 --range-size 7 --buffer-size 1"
  "--threads 2 --range-size 13 --buffer-size 1MiB"
  "--threads 4 --range-size 64 --buffer-size 5"
  "--threads 1 --range-size 64MiB --buffer-size 1MiB"
)
matrix() {
  run_ref mref "$@"
  if [[ $(rc_of mref) != 0 ]]; then
    fail "reference failed for: $(show_cmd "$@"): $(cat "$TMP/err.mref")"
    return
  fi
  local i
  for i in "${!SETTINGS[@]}"; do
    # shellcheck disable=SC2086
    FANOUT_KERNEL=$(kernel_for "$i") check_table mref "$@" ${SETTINGS[$i]} || return
  done
}

# ---- comparisons ----------------------------------------------------------------
matrix count "${NAMED[@]}" --by city
matrix count "${NAMED[@]}" --by 'nosuch|CITY'
matrix count "${NAMED[@]}" --by name,city
matrix count "${NAMED[@]}" --by 2
matrix count "${NAMED[@]}" --by 4
matrix agg "${NAMED[@]}" --by city --count --sum amount --mean amount --min amount --max amount
matrix agg "${NAMED[@]}" --by city --mean score --min score --max score --sum amount
matrix agg "$D/quoted.csv" --by name --sum amount
matrix agg "$D/quoted.csv" --by city
matrix count "${NAMED[@]}" --by city --where 'city = "New York, NY"'
matrix count "${NAMED[@]}" --by name --where "city != ''"
matrix count "${NAMED[@]}" --by name --where "name >= 'm'" --where 'amount < 3'
matrix count "${NAMED[@]}" --by city --where 'score <= 1.5'
matrix count "${NAMED[@]}" --by city --where 'score > -2'
matrix count "${NAMED[@]}" --by city --where "city = 'Zürich'"
matrix count "$D/spaces.csv" --by city
matrix count "$D/spaces.csv" --by name --where "city = ' Oslo'"
matrix count "$D/spaces.csv" --by name --where "city = 'a = b'"
matrix count "$D/spaces.csv" --by name --where 'city="x<y"'
matrix count "$D/spaces.csv" --by name --where 'amount<3' --where 'score>=1'
matrix count "$D/spaces.csv" --by name --where "city!='Oslo'"
matrix count "$D/sort.csv" --by k
matrix count "$D/sort.csv" --by v,k
matrix count "$D/sort.csv" --by k --top 3
matrix count "$D/tab.tsv" --by 2 --delimiter '\t'
matrix count "$D/tab.tsv" --by name,city --delimiter '\t'
matrix agg "$D/tab.tsv" --by city --sum amount --delimiter '\t'
matrix count "$D/noheader.csv" --by 1
matrix count "$D/noheader.csv" --by 2,1 --header no
matrix count "$D/noheader.csv" --by 1 --header yes
matrix agg "$D/noheader.csv" --by 1 --sum 3 --header auto
matrix count "$D/emptyfirst.csv" --by 1
matrix count "$D/emptyfirst.csv" --by 1 --header yes
matrix count "${NAMED[@]}" --by 2 --header no
matrix count "$D/lateheader.csv" --by h1
matrix count "$D/lateheader.csv" --by 1 --header no
matrix count "$D/straddle.csv" --by n
matrix agg "$D/straddle.csv" --by n --count --sum id --min id --max id
matrix count "$D/straddle.csv" --by 2

# Objects with no rows at all: nothing to count, nothing to resolve a name against.
matrix count "$D/quoted.csv" "$D/empty.csv" "$D/blanklines.csv" --by 2
matrix count "$D/empty.csv" "$D/blanklines.csv" --by 2
compare_ok count "$D/quoted.csv" "$D/empty.csv" --by city
compare_ok agg "$D/blanklines.csv" "$D/quoted.csv" --by city --sum amount
check_summary count "$D/empty.csv" "$D/blanklines.csv" "$D/quoted.csv" --by 2

# The straddling field at every range size from 1 to 20.
run_ref sref agg "$D/straddle.csv" --by n --count --sum id
for r in $(seq 1 20); do
  FANOUT_KERNEL=$(kernel_for "$r") check_table sref agg "$D/straddle.csv" --by n --count --sum id --range-size "$r" --threads 3 || break
done
run_ref sref count "$D/straddle.csv" --by 2
for r in $(seq 1 20); do
  FANOUT_KERNEL=$(kernel_for "$((r + 1))") check_table sref count "$D/straddle.csv" --by 2 --range-size "$r" --buffer-size $((r + 2)) --threads 2 || break
done

# Compressed inputs, by magic bytes.
matrix count "$D/z/gzdata" --by city
matrix count "$D/z/zsdata.bin" --by city
matrix agg "$D/z/members.csv.gz" --by city --count --sum amount
matrix agg "$D/z/frames.zst" --by city --count --sum amount
matrix count "$D/z" --by name
matrix count "$D/z" "${NAMED[@]}" --by city

# Summaries: rows, too few fields, non-numeric.
check_summary agg "${NAMED[@]}" --by city --sum amount
check_summary agg "${NAMED[@]}" --by city --sum amount --mean score --threads 3 --range-size 5
check_summary count "${NAMED[@]}" --by 4 --range-size 3
check_summary count "${NAMED[@]}" --by city --where 'amount < 3'
check_summary count "$D/straddle.csv" --by n --range-size 2
check_summary count "$D/z" --by city
if [[ $(ref_stat reason:'too few fields' count --by city "${NAMED[@]}") == 0 ||
      $(ref_stat reason:'non-numeric amount' agg --by city --sum amount "${NAMED[@]}") == 0 ]]; then
  fail "fixtures should contain short and non-numeric rows"
else
  pass
fi

finish
