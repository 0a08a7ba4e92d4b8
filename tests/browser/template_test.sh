#!/usr/bin/env bash
# The job report page (src/cli/report_template.html) in a real browser: synthetic
# stats are spliced into the template as fanout --report does, and headless
# Chromium, with the network off (unshare --net), checks what each page shows.
# Also checks that the checks can fail: a wrong expectation, a page that fetches
# something, a page with a script error.
#
#   bash tests/browser/template_test.sh   # screenshots in ${BROWSER_OUT:-/tmp/fanout-browser}
#
# Without /usr/bin/chromium, node or node_modules/puppeteer-core it says SKIP
# (a failure under FANOUT_REQUIRE_BROWSER=1, as in CI).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tests/browser
TEMPLATE=$ROOT/src/cli/report_template.html
OUT=${BROWSER_OUT:-/tmp/fanout-browser}

source "$HERE/lib.sh"
browser_require "$ROOT"

mkdir -p "$OUT"
for name in small failed local cluster fetches throws logs notip; do rm -f "$OUT/$name".*; done
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }

# --- the template itself ---
n=$(grep -o '@FANOUT_STATS@' "$TEMPLATE" | wc -l)
[[ $n == 1 ]] && ok "template: one @FANOUT_STATS@" || bad "template: $n occurrences of @FANOUT_STATS@, not 1"
grep -q '<script id="fanout-stats" type="application/json">@FANOUT_STATS@</script>' "$TEMPLATE" &&
  ok "template: the placeholder is the fanout-stats script's whole text" ||
  bad "template: no <script id=\"fanout-stats\" type=\"application/json\">@FANOUT_STATS@</script>"
if grep -qF ')FANOUT_HTML"' "$TEMPLATE"; then bad "template: contains )FANOUT_HTML\" (ends the C++ raw string)"
else ok "template: no )FANOUT_HTML\""; fi
if grep -nEi '(src|href|action)=["'"'"']?(https?:)?//|url\(|@import|<link[^>]+stylesheet|fetch\(|XMLHttpRequest|importScripts' "$TEMPLATE"; then
  bad "template: refers to something outside the page (above)"
else ok "template: refers to nothing outside the page"; fi

# --- reports ---
gen() {  # gen NAME make_stats-args...
  local name=$1; shift
  python3 "$HERE/make_stats.py" "$@" --out "$OUT/$name.stats.json" &&
    python3 "$HERE/splice.py" "$TEMPLATE" "$OUT/$name.stats.json" "$OUT/$name.html"
}
check() {  # check NAME check_report-args...: passes when check_report.mjs passes
  local name=$1; shift
  if unshare --net node "$HERE/check_report.mjs" "$OUT/$name.html" --screenshot "$OUT/$name.png" "$@" \
       >"$OUT/$name.json" 2>"$OUT/$name.log"; then
    ok "$name ($(grep -o 'check_report: ok.*' "$OUT/$name.log"))"
  else
    bad "$name"; sed 's/^/     /' "$OUT/$name.log"
  fi
}
fails() {  # fails NAME WHAT check_report-args...: passes when check_report.mjs exits 1 naming WHAT
  local name=$1 what=$2; shift 2
  unshare --net node "$HERE/check_report.mjs" "$OUT/$name.html" "$@" >"$OUT/$name.neg.json" 2>"$OUT/$name.neg.log"
  local rc=$?
  if [[ $rc == 1 ]] && grep -qF "FAIL [$what]" "$OUT/$name.neg.log"; then
    ok "$name fails as it should: $(grep -m1 -F "FAIL [$what]" "$OUT/$name.neg.log" | cut -c15-130)"
  else
    bad "$name: expected exit 1 with FAIL [$what], got exit $rc"; sed 's/^/     /' "$OUT/$name.neg.log"
  fi
}

# 3 hosts × 4 slots, the last lost in the middle; object urls with </script>, quotes, <, & and UTF-8.
gen small --tasks 60 --hosts 3 --slots 4 --seed 1 --lost-host --nasty-names --cause retries &&
  check small --lanes 12 --hosts 3 --cause retries --sentence-contains 'ran again' --status ok --hover ||
  bad "small: could not make the report"

# A job that failed before any task: 0 tasks, the error in the header.
gen failed --tasks 0 --hosts 1 --slots 4 --fail 'no object matches data/*.csv' &&
  check failed --lanes 4 --hosts 1 --cause startup --sentence-contains 'failed before any task ran' --status failed ||
  bad "failed: could not make the report"

# One host, 2 slots, run locally.
gen local --tasks 20 --hosts 1 --slots 2 --seed 3 &&
  check local --lanes 2 --hosts 1 --cause scaled_well --sentence-contains 'scaled well' --status ok --hover ||
  bad "local: could not make the report"

# A cluster: each host has one lane past its slots (cores + 1), one host slower.
gen cluster --tasks 40 --hosts 2 --slots 3 --seed 4 --queue-lane --mode cluster --slow-host &&
  check cluster --lanes 8 --hosts 2 --cause slow_machine --sentence-contains 'slower than the others' --hover ||
  bad "cluster: could not make the report"

# --- the checks can fail ---
fails small --lanes --lanes 13
fails small --hosts --hosts 2
fails small --cause --cause startup
fails small --sentence-contains --sentence-contains 'no such words'
fails failed --status --status ok
# A page that asks for something from outside (an .invalid name: never resolves, and
# the request is stopped before it leaves anyway).
python3 - "$OUT/small.html" "$OUT/fetches.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</main>", '<img src="https://report.invalid/x.png" alt=""></main>', 1))
EOF
fails fetches self-contained
# A page whose script throws, and one that logs an error.
python3 - "$OUT/small.html" "$OUT/throws.html" "$OUT/logs.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", "<script>null.boom();</script></body>", 1))
open(sys.argv[3], "w", encoding="utf-8").write(page.replace("</body>", "<script>console.error('drawn wrong');</script></body>", 1))
EOF
fails throws pageerror
fails logs console
# A page whose tooltip never shows.
python3 - "$OUT/small.html" "$OUT/notip.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</style>", "#tooltip { display: none !important; }</style>", 1))
EOF
fails notip --hover --hover

echo "screenshots and summaries: $OUT"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
