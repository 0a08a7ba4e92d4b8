#!/usr/bin/env bash
# The project's one entry point for people and CI.
#   scripts/dev.sh demo    install what is missing, build, generate sample data (CSV and Parquet), count passengers in both
#   scripts/dev.sh test    install what is missing, build, run every test
#   scripts/dev.sh asan    the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/dev.sh fuzz    build the libFuzzer targets with clang and run each for FUZZ_SECONDS (60)
#   scripts/dev.sh build   just build (build/fanout)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
# Tests never ask the real instance metadata service (it exists only in EC2);
# the S3 test uses a stand-in on loopback and says so.
export AWS_EC2_METADATA_DISABLED=true

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  local launcher=()
  if command -v ccache >/dev/null; then
    # Paths relative to the checkout, so several checkouts share one cache.
    export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$dir" -G Ninja "${launcher[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

cmd=${1:-}
case "$cmd" in
  build)
    bash scripts/install-deps.sh
    build build
    ;;
  demo)
    bash scripts/install-deps.sh
    build build
    # The sample data twice: as CSV, and the same rows as TLC-shaped Parquet.
    for format in csv parquet; do
      data=build/demo-$format
      want="gen-taxi --files 12 --size 600MB --seed 1 --format $format"
      if [[ ! -f $data/.complete || $(cat "$data/.complete") != "$want" ]]; then
        rm -rf "$data"
        build/fanout $want --out "$data"
        echo "$want" >"$data/.complete"
      fi
    done
    echo "== passengers per trip, over the CSV files"
    build/fanout count --by passenger_count --format table build/demo-csv
    echo "== the same, over the Parquet files (only the passenger_count column is read)"
    build/fanout count --by passenger_count --format table build/demo-parquet
    # The same answer whatever the format, or the demo fails.
    cmp -s <(build/fanout count --by passenger_count build/demo-csv 2>/dev/null) \
           <(build/fanout count --by passenger_count build/demo-parquet 2>/dev/null) ||
      { echo "demo: the CSV and Parquet answers differ" >&2; exit 1; }
    echo "== the same counts from both"
    ;;
  test)
    bash scripts/install-deps.sh
    build build
    ctest --test-dir build --output-on-failure -j "$JOBS"
    ;;
  asan)
    bash scripts/install-deps.sh
    build build-asan -DFANOUT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j "$JOBS"
    ;;
  fuzz)
    bash scripts/install-deps.sh
    CXX=clang++ build build-fuzz -DFANOUT_FUZZ=ON -DFANOUT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    for fuzzer in build-fuzz/*_fuzz; do
      corpus=$(mktemp -d)
      echo "fuzz: running $fuzzer for ${FUZZ_SECONDS:-60} s" >&2
      # A failing input is saved as build-fuzz/crash-*; replay it with "$fuzzer FILE".
      "$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -print_final_stats=1 \
        -artifact_prefix=build-fuzz/ "$corpus" 2>&1 | tail -n 12
      status=${PIPESTATUS[0]}
      rm -rf "$corpus"
      [[ $status -eq 0 ]] || { echo "fuzz: $fuzzer found a failure" >&2; exit 1; }
    done
    ;;
  *)
    echo "usage: scripts/dev.sh demo|test|asan|fuzz|build" >&2
    exit 2
    ;;
esac
