#!/usr/bin/env bash
# How fast the job report page opens with 100,000 tasks (12 hosts × 16 slots):
# the page's size, and the time from navigation start until the page says it is
# drawn (document.body.dataset.ready), in headless Chromium, 3 runs.
#
#   bash tests/browser/load_bench.sh [TASKS] [HOSTS] [SLOTS]
#
# Exits 77 (skipped) without /usr/bin/chromium, node or node_modules/puppeteer-core.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tests/browser
OUT=${BROWSER_OUT:-/tmp/fanout-browser}
TASKS=${1:-100000} HOSTS=${2:-12} SLOTS=${3:-16} RUNS=${RUNS:-3}

skip() { echo "load bench skipped: $*"; exit 77; }
[[ -x /usr/bin/chromium ]] || skip "no /usr/bin/chromium"
command -v node >/dev/null || skip "no node"
[[ -d $ROOT/node_modules/puppeteer-core ]] || skip "no node_modules/puppeteer-core (npm ci in $ROOT)"
NET=(unshare --net)
"${NET[@]}" true 2>/dev/null || skip "unshare --net is not allowed here (needs root)"

mkdir -p "$OUT"
page=$OUT/load_${TASKS}.html
python3 "$HERE/make_stats.py" --tasks "$TASKS" --hosts "$HOSTS" --slots "$SLOTS" --seed 7 --lost-host \
  --out "$OUT/load_${TASKS}.stats.json"
python3 "$HERE/splice.py" "$ROOT/src/cli/report_template.html" "$OUT/load_${TASKS}.stats.json" "$page"
size=$(stat -c %s "$page")
echo "report: $page"
echo "tasks: $TASKS on $HOSTS hosts × $SLOTS slots; page: $size bytes ($(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"
lanes=$((HOSTS * SLOTS))
times=()
for i in $(seq 1 "$RUNS"); do
  shot=()
  [[ $i == 1 ]] && shot=(--screenshot "$OUT/load_${TASKS}.png")
  json=$("${NET[@]}" node "$HERE/check_report.mjs" "$page" --timing --hover --lanes "$lanes" --hosts "$HOSTS" "${shot[@]}" 2>"$OUT/load_${TASKS}.log") ||
    { cat "$OUT/load_${TASKS}.log" >&2; echo "load bench: run $i failed" >&2; exit 1; }
  ms=$(node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(s.timing.drawn_ms, s.timing.wall_ms, s.dom_nodes)' <<<"$json")
  read -r drawn wall nodes <<<"$ms"
  echo "run $i: drawn $drawn ms after navigation start (seen from the driver: $wall ms; $nodes DOM elements)"
  times+=("$drawn")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "drawn ms, sorted: $sorted(median $(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p") ms)"
