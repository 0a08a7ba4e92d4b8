#!/usr/bin/env bash
# Measures fanout against its peers in one run; see bench/README.md.
#
#   bash bench/run.sh [--read | --parquet [--rows 50000000] | --parquet-http [--rows 12000000]] [--size 1200MB] [--runs 5] [--fanout PATH | --build | --rev REV] [--baseline REV] [--no-install]
#
# Installs the peers (bench/install.sh), builds build/fanout if it is missing (or
# rebuilds it with --build; --rev REV builds that commit apart, in bench/tmp/), makes
# the sample data once, then runs bench/harness.py, which times every command, checks
# that every peer printed fanout's counts and writes bench/results/YYYY-MM-DD-<hostname>.md.
# With --baseline REV it also builds REV apart and times its fanout rows in the same
# rounds (the before of a change, under the same load as the after).
# With --read it runs bench/read.py instead: remote read throughput against parallel
# curl from nginx on loopback, written to bench/results/YYYY-MM-DD-<hostname>-read.md.
# With --parquet it runs bench/parquet.py instead: count and sum/mean per passenger_count
# over Parquet files (--rows in all, default 50000000, made once by `fanout gen-taxi
# --format parquet` in bench/data-parquet-ROWS), fanout against DuckDB and Polars at 2
# threads each, written to bench/results/YYYY-MM-DD-<hostname>-parquet.md (--size and
# --baseline do not apply). With --parquet-http it runs bench/parquet_http.py: the same
# rows as Parquet and as CSV served by nginx, fanout's count over each, times and bytes
# fetched (Parquet's at most 1.2x its footers and chunks), written to
# bench/results/YYYY-MM-DD-<hostname>-parquet-http.md. Exit status 1 when a command failed or a
# peer's answer differs from fanout's; missed targets are only reported.
set -euo pipefail
cd "$(dirname "$0")/.."

size=1200MB
runs=5
files=12
seed=1
fanout=build/fanout
build=0
install=1
rev=
baseline_rev=
mode=peers
rows=50000000
rows_given=0
usage() { sed -n '4,5p' "$0" | sed 's/^# *//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --size) size=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --fanout) fanout=${2:?}; shift 2 ;;
    --build) build=1; shift ;;
    --rev) rev=${2:?}; shift 2 ;;
    --baseline) baseline_rev=${2:?}; shift 2 ;;
    --no-install) install=0; shift ;;
    --read) mode=read; shift ;;
    --parquet) mode=parquet; shift ;;
    --parquet-http) mode=parquet-http; shift ;;
    --rows) rows=${2:?}; rows_given=1; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ $size =~ ^[0-9]+[KMG]?B?$ ]] || { echo "bench/run.sh: --size wants e.g. 200MB or 1200MB, got $size" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --runs wants a positive number, got $runs" >&2; exit 2; }
[[ $rows =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --rows wants a positive number, got $rows" >&2; exit 2; }
if ((rows_given)) && [[ $mode != parquet* ]]; then
  echo "bench/run.sh: --rows is for --parquet (the CSV data is sized with --size)" >&2; exit 2
fi
if [[ $mode == parquet* && -n $baseline_rev ]]; then
  echo "bench/run.sh: --baseline does not apply to --parquet" >&2; exit 2
fi

if ((install)); then
  bash bench/install.sh
fi

# build_rev REV: builds a committed revision apart from the work tree (which may
# hold work in progress) and prints the binary's path.
build_rev() {
  local sha dir
  sha=$(git rev-parse --short=10 "$1^{commit}")
  dir=bench/tmp/rev-$sha
  if [[ ! -x $dir/build/fanout ]]; then
    bash scripts/install-deps.sh >&2
    rm -rf "$dir"
    mkdir -p "$dir/src"
    git archive "$sha" | tar -x -C "$dir/src"
    cmake -S "$dir/src" -B "$dir/build" -G Ninja >/dev/null
    cmake --build "$dir/build" --target fanout >&2
  fi
  echo "$dir/build/fanout"
}

# make_data DIR ARGS...: runs `fanout ARGS --out DIR` unless DIR was made so
# already: DIR/.complete (a hidden file, which fanout skips when it reads a
# directory) records ARGS, so other flags make it again.
make_data() {
  local dir=$1
  shift
  if [[ ! -f $dir/.complete || $(cat "$dir/.complete") != "$*" ]]; then
    rm -rf "$dir"
    echo "bench/run.sh: making $dir: fanout $* --out $dir" >&2
    "$fanout" "$@" --out "$dir"
    echo "$*" >"$dir/.complete"
  fi
}

baseline_args=()
if [[ -n $baseline_rev ]]; then
  baseline_args=(--baseline "$(build_rev "$baseline_rev")"
                 --baseline-revision "commit $(git rev-parse --short=10 "$baseline_rev^{commit}"), built from \`git archive\`")
fi

revision=
if [[ -n $rev ]]; then
  sha=$(git rev-parse --short=10 "$rev^{commit}")
  fanout=$(build_rev "$rev")
  revision="commit $sha, built from \`git archive\` by \`bench/run.sh --rev $rev\`"
elif ((build)) || [[ ! -x $fanout ]]; then
  if [[ $fanout != build/fanout ]]; then
    echo "bench/run.sh: $fanout is not an executable" >&2
    exit 1
  fi
  bash scripts/install-deps.sh
  cmake -S . -B build -G Ninja >/dev/null
  cmake --build build --target fanout
fi

# The Parquet round: its own data (24 months from 2019-01, one schema era, the 2020
# months with NULL passenger counts; --rows split evenly over the files, rounded up)
# and its own script.
if [[ $mode == parquet ]]; then
  pq_files=24
  per_file=$(( (rows + pq_files - 1) / pq_files ))
  data=bench/data-parquet-$rows
  want="gen-taxi --format parquet --files $pq_files --rows $per_file --start 2019-01 --seed $seed"
  make_data "$data" $want
  mkdir -p bench/results
  out=bench/results/$(date +%F)-$(hostname)-parquet
  [[ $rows == 50000000 ]] || out=$out-$rows
  exec /usr/bin/python3 bench/parquet.py --fanout "$fanout" --data "$data" --runs "$runs" --threads 2 \
    --out "$out.md" --revision "$revision" --gen-command "fanout ${want/gen-taxi/gen-taxi --out $data}"
fi

# Parquet against CSV over HTTP: the same rows both ways (6 months from 2019-01,
# --rows in all, default 12,000,000), side by side in one directory nginx serves.
if [[ $mode == parquet-http ]]; then
  ((rows_given)) || rows=12000000
  h_files=6
  per_file=$(( (rows + h_files - 1) / h_files ))
  base=bench/data-http-$rows
  for format in parquet csv; do
    data=$base/$format
    make_data "$data" gen-taxi --format "$format" --files "$h_files" --rows "$per_file" --start 2019-01 --seed "$seed"
  done
  mkdir -p bench/results
  out=bench/results/$(date +%F)-$(hostname)-parquet-http
  [[ $rows == 12000000 ]] || out=$out-$rows
  exec /usr/bin/python3 bench/parquet_http.py --fanout "$fanout" --parquet "$base/parquet" --csv "$base/csv" \
    --runs "$runs" --threads 2 --out "$out.md" \
    --gen-command "fanout gen-taxi --format parquet|csv --files $h_files --rows $per_file --start 2019-01 --seed $seed"
fi

# The data is made once per size and kept.
data=bench/data
[[ $size == 1200MB ]] || data=bench/data-$size
want="gen-taxi --files $files --size $size --seed $seed"
make_data "$data" $want

mkdir -p bench/results
out=bench/results/$(date +%F)-$(hostname)
[[ $size == 1200MB ]] || out=$out-$size
if [[ $mode == read ]]; then
  exec /usr/bin/python3 bench/read.py --fanout "$fanout" --data "$data" --runs "$runs" \
    --out "$out-read.md" --revision "$revision"
fi
out=$out.md
exec /usr/bin/python3 bench/harness.py --fanout "$fanout" --data "$data" --runs "$runs" \
  --out "$out" --revision "$revision" --gen-command "fanout ${want/gen-taxi/gen-taxi --out $data}" "${baseline_args[@]}"
