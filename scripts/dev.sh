#!/usr/bin/env bash
# The project's one entry point for people and CI.
#   scripts/dev.sh demo    install what is missing, build, generate sample data, count passengers
#   scripts/dev.sh test    install what is missing, build, run every test
#   scripts/dev.sh asan    the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/dev.sh build   just build (build/fanout)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
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
    data=build/demo-data
    if [[ ! -f $data/.complete ]]; then
      rm -rf "$data"
      build/fanout gen-taxi --out "$data" --files 12 --size 600MB --seed 1
      touch "$data/.complete"
    fi
    build/fanout count --by passenger_count --format table "$data"
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
  *)
    echo "usage: scripts/dev.sh demo|test|asan|build" >&2
    exit 2
    ;;
esac
