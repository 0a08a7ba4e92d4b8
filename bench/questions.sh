#!/usr/bin/env bash
# The taxi questions: fanout against DuckDB and Polars at equal threads, one run per
# query, over the same rows as CSV and as Parquet; see bench/README.md.
#
#   FANOUT=path bash bench/questions.sh [--small] [--files N] [--rows N] [--threads N]
#
# Makes the data once with `fanout gen-taxi` (--files months from 2019-01, one schema
# era, --rows rows each; default 24 x 750000, --small 24 x 20000) as CSV and as Parquet
# in bench/data-questions-FILESxROWS/{csv,parquet}, then runs bench/questions.py: the
# page cache warmed, each query once per engine and format (fanout by its process's wall
# time, DuckDB and Polars by the query's time inside node), every fanout answer checked
# against DuckDB's and every Polars answer against DuckDB's, and writes
# bench/results/YYYY-MM-DD-<hostname>-questions.md (...-questions-FILESxROWS.md for
# another size). FANOUT defaults to build/fanout; the binary is copied before the run.
# SIZE=small in the environment is --small; REVISION=TEXT says what the binary was built
# from (the results file names git HEAD at the run and whether src/ had changes). Exit status 1 when a command failed or an
# answer differs (the differences printed, no results file).
set -euo pipefail
cd "$(dirname "$0")/.."

fanout=${FANOUT:-build/fanout}
files=24
rows=750000
threads=2
seed=1
[[ ${SIZE:-} == small ]] && rows=20000
usage() { sed -n '5,5p' "$0" | sed 's/^# *//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --small) rows=20000; shift ;;
    --files) files=${2:?}; shift 2 ;;
    --rows) rows=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench/questions.sh: unknown argument $1" >&2; usage ;;
  esac
done
for v in "$files" "$rows" "$threads"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "bench/questions.sh: --files, --rows and --threads want positive numbers, got $v" >&2; exit 2; }
done
[[ -x $fanout ]] || { echo "bench/questions.sh: $fanout is not an executable (FANOUT=path)" >&2; exit 1; }
[[ -d node_modules/@duckdb/node-api && -d node_modules/nodejs-polars ]] ||
  { echo "bench/questions.sh: no node_modules/@duckdb/node-api or nodejs-polars (bash bench/install.sh)" >&2; exit 1; }

# The binary is copied first: a rebuild of build/ during the run cannot change it.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fanout-questions-sh.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/fanout
cp "$fanout" "$bin"

# make_data DIR ARGS...: `fanout ARGS --out DIR` unless DIR/.complete (a hidden file,
# which fanout skips when it reads a directory) records the same ARGS.
make_data() {
  local dir=$1
  shift
  if [[ ! -f $dir/.complete || $(cat "$dir/.complete") != "$*" ]]; then
    rm -rf "$dir"
    echo "bench/questions.sh: making $dir: fanout $* --out $dir" >&2
    "$bin" "$@" --out "$dir"
    echo "$*" >"$dir/.complete"
  fi
}
data=bench/data-questions-${files}x$rows
gen="gen-taxi --files $files --rows $rows --start 2019-01 --seed $seed"
# shellcheck disable=SC2086  # $gen is split into its words on purpose
make_data "$data/csv" $gen --format csv
# shellcheck disable=SC2086
make_data "$data/parquet" $gen --format parquet

mkdir -p bench/results
out=bench/results/$(date +%F)-$(hostname)-questions
[[ $files == 24 && $rows == 750000 ]] || out=$out-${files}x$rows
exec /usr/bin/python3 bench/questions.py --fanout "$fanout" --csv "$data/csv" --parquet "$data/parquet" \
  --threads "$threads" --out "$out.md" --revision "${REVISION:-}" \
  --gen-command "fanout $gen --format csv|parquet --out $data/csv|parquet"
