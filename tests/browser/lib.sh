# Shared by the browser tests: what they need, else "SKIP: ..." (ctest counts
# the test as skipped) — or, with FANOUT_REQUIRE_BROWSER=1 (CI), a failure.
browser_skip() {
  if [[ ${FANOUT_REQUIRE_BROWSER:-0} == 1 ]]; then
    echo "FAIL: the browser test cannot run: $* (FANOUT_REQUIRE_BROWSER=1)"
    exit 1
  fi
  echo "SKIP: $*"
  exit 0
}

browser_require() {
  local root=$1
  [[ -x /usr/bin/chromium ]] || browser_skip "no /usr/bin/chromium (apt-get install chromium)"
  command -v node >/dev/null || browser_skip "no node"
  [[ -d $root/node_modules/puppeteer-core ]] || browser_skip "no node_modules/puppeteer-core (npm ci in $root)"
  unshare --net true 2>/dev/null || browser_skip "unshare --net is not allowed here (needs root)"
}
