#!/usr/bin/env bash
# fanout's own reports (--stats, --report) of real jobs, in every mode, and
# their diagnosis of what bounded each job:
# - one large gzip object among small ones: the largest task is the critical path;
# - few large objects on many slots (the story's "only 2x"): too few tasks;
# - three "hosts" (ssh to this machine), one slowed: a slow machine;
# - a host whose worker is killed mid-job: retries and a lost machine;
# - a source that sends 1 MB/s (nginx): the tasks waited on their source;
# - a failed job: a report that says so; select, run, stage: a report each;
# - --dry-run: the plan, nothing read; --verify: a wrong partial is caught.
# Each HTML report is opened in headless Chromium with the network off
# (check_report.mjs): one lane per slot, the diagnosis, a task's hover details;
# screenshots stay in ${BROWSER_OUT:-/tmp/fanout-browser}/real-*.png.
source "$(dirname "$0")/../e2e/lib.sh"
require_fanout
HERE=$FANOUT_SRC/tests/browser
source "$HERE/lib.sh"
browser_require "$FANOUT_SRC"
OUT=${BROWSER_OUT:-/tmp/fanout-browser}
mkdir -p "$OUT"

# stat FILE.json EXPR: a Python expression over the stats as `d`.
stat() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# browser TAG REPORT ARGS...: check_report.mjs with the network off.
browser() {
  local tag=$1 page=$2; shift 2
  unshare --net node "$HERE/check_report.mjs" "$page" --screenshot "$OUT/real-$tag.png" "$@" \
    >"$TMP/browser.$tag" 2>&1
  echo $? >"$TMP/rc.browser.$tag"
}
check_browser() {
  local tag=$1; shift
  browser "$tag" "$@"
  check_eq "$tag: the page in Chromium ($(tail -c 600 "$TMP/browser.$tag"))" "$(rc_of browser."$tag")" 0
}

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 4 --rows 20000 --seed 7 -q || die "gen-taxi failed"
big=$TMP/big
mkdir -p "$big"
"$FANOUT" gen-taxi --out "$TMP/bigsrc" --files 1 --rows 400000 --seed 8 -q || die "gen-taxi failed"
gzip -c "$TMP/bigsrc"/*.csv >"$big/large.csv.gz"
cp "$data"/*.csv "$big/"

# ---- one large object among small ones: critical path ----
run_fanout large count --by passenger_count "$big" --format csv --threads 4 --range-size 1MiB \
  --stats "$TMP/large.json" --report "$TMP/large.html"
check_eq "large: exit status ($(cat "$TMP/err.large"))" "$(rc_of large)" 0
check_true "large: the summary says where the report is" grep -q "report in $TMP/large.html" "$TMP/err.large"
check_eq "large: stats schema" "$(stat "$TMP/large.json" 'd["fanout_stats"], d["job"]["mode"], d["job"]["status"]')" "1 local ok"
check_eq "large: the diagnosis" "$(stat "$TMP/large.json" 'd["diagnosis"]["cause"]')" critical_path
check_true "large: the sentence names the object ($(stat "$TMP/large.json" 'd["diagnosis"]["sentence"]'))" \
  grep -q "large.csv.gz" <(stat "$TMP/large.json" 'd["diagnosis"]["sentence"]')
# Every task once, and the rows of the merged attempts are the answer's.
rows=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$TMP/out.large")
check_eq "large: rows of the merged attempts = the answer's" "$(stat "$TMP/large.json" 'd["totals"]["rows"]')" "$rows"
check_eq "large: every task has a merged attempt" \
  "$(stat "$TMP/large.json" 'all(any(a["outcome"] == "done" for a in t["attempts"]) for t in d["tasks"])')" True
check_eq "large: phases in order" "$(stat "$TMP/large.json" '" ".join(p["name"] for p in d["phases"])')" \
  "listing scanning merging writing"
check_browser large "$TMP/large.html" --lanes 4 --hosts 1 --cause critical_path --sentence-contains large.csv.gz --hover

# ---- few large objects on many slots (the story's "4 machines, only 2x") ----
few=$TMP/few
mkdir -p "$few"
for f in "$data"/*.csv; do gzip -c "$f" >"$few/$(basename "$f").gz"; done
# (Each task stretched by 1.5 s, as a bigger object would be, so that the
# workers' start-up — a second under AddressSanitizer — is not what the job waits for.)
FANOUT_TEST_TASK_DELAY_MS=1500 run_fanout few count --by passenger_count "$few" --format csv --workers 2 --threads 4 \
  --stats "$TMP/few.json" --report "$TMP/few.html"
check_eq "few: exit status ($(cat "$TMP/err.few"))" "$(rc_of few)" 0
check_eq "few: mode" "$(stat "$TMP/few.json" 'd["job"]["mode"]')" workers
check_eq "few: the diagnosis ($(stat "$TMP/few.json" 'd["diagnosis"]["sentence"]'))" \
  "$(stat "$TMP/few.json" 'd["diagnosis"]["cause"]')" few_tasks
check_true "few: the sentence counts tasks and slots" grep -q "Only 4 tasks for 10 slots" \
  <(stat "$TMP/few.json" 'd["diagnosis"]["sentence"]')
check_true "few: the advice for compressed objects" grep -q "a compressed object cannot be split" \
  <(stat "$TMP/few.json" 'd["diagnosis"]["sentence"]')
check_browser few "$TMP/few.html" --lanes 10 --hosts 2 --cause few_tasks --hover

# ---- "hosts" over a fake ssh (this machine), one of them slowed ----
export XDG_CACHE_HOME=$TMP/cache
FAKE_SSH=$TMP/fake-ssh
# Host "slow" stretches every task to 3 s, "fast*" to 20 ms (so that the job
# lasts until every host has joined, however loaded this machine is, and the
# slow host costs more than the workers' start-up, a second under
# AddressSanitizer); "dying" is killed one second in; "steady" takes 100 ms a task.
write_fake_ssh "$FAKE_SSH" 'case $host in
  slow) export FANOUT_TEST_TASK_DELAY_MS=3000 ;;
  fast*) export FANOUT_TEST_TASK_DELAY_MS=20 ;;
  dying) exec timeout -s KILL 1 env FANOUT_TEST_TASK_DELAY_MS=100 sh -c "$*" ;;
  steady) export FANOUT_TEST_TASK_DELAY_MS=100 ;;
esac
exec sh -c "$*"'
run_fault slow count --by passenger_count "$data" --format csv --hosts fast1,fast2,slow --ssh "$FAKE_SSH" \
  --remote-fanout "$FANOUT" --threads 1 --range-size 64KiB --no-backups --stats "$TMP/slow.json" --report "$TMP/slow.html"
check_eq "slow: exit status ($(cat "$TMP/err.slow"))" "$(rc_of slow)" 0
check_eq "slow: mode" "$(stat "$TMP/slow.json" 'd["job"]["mode"]')" hosts
check_eq "slow: the diagnosis ($(stat "$TMP/slow.json" 'd["diagnosis"]["sentence"]'))" \
  "$(stat "$TMP/slow.json" 'd["diagnosis"]["cause"]')" slow_machine
check_true "slow: the sentence names the host" grep -q "^slow was slow" <(stat "$TMP/slow.json" 'd["diagnosis"]["sentence"]')
check_eq "slow: a launching phase" "$(stat "$TMP/slow.json" '[p["name"] for p in d["phases"]][1]')" launching
check_browser slow "$TMP/slow.html" --lanes "$(stat "$TMP/slow.json" 'd["plan"]["slots"]')" --hosts 3 --cause slow_machine --sentence-contains "slow was slow" --hover

# ---- a host's worker killed one second in ----
run_fault lost count --by passenger_count "$data" --format csv --hosts steady,dying --ssh "$FAKE_SSH" \
  --remote-fanout "$FANOUT" --threads 1 --range-size 32KiB --no-backups --stats "$TMP/lost.json" --report "$TMP/lost.html"
check_eq "lost: exit status ($(cat "$TMP/err.lost"))" "$(rc_of lost)" 0
check_files_equal "lost: still the exact answer" "$TMP/out.lost" "$TMP/out.slow"
check_eq "lost: the diagnosis ($(stat "$TMP/lost.json" 'd["diagnosis"]["sentence"]'))" \
  "$(stat "$TMP/lost.json" 'd["diagnosis"]["cause"]')" retries
check_eq "lost: the host is lost in the stats" \
  "$(stat "$TMP/lost.json" '[h["name"] for h in d["hosts"] if h["lost_s"] is not None]')" "['dying']"
check_true "lost: an attempt lost with it" test "$(stat "$TMP/lost.json" \
  'sum(a["outcome"] == "lost" and a["host"] == "dying" for t in d["tasks"] for a in t["attempts"])')" -ge 1
check_browser lost "$TMP/lost.html" --lanes "$(stat "$TMP/lost.json" 'd["plan"]["slots"]')" --hosts 2 --cause retries --sentence-contains "dying lost" --hover
unset XDG_CACHE_HOME

# ---- a slow source: nginx sending each response at 1 MB/s ----
source "$FANOUT_SRC/tests/s3/http_servers.sh"
NGINX_LIMIT_RATE=1m nginx_start "$data" || die "cannot start nginx"
urls=()
for f in "$data"/*.csv; do urls+=("$NGINX_URL/$(basename "$f")"); done
run_fanout source count --by passenger_count "${urls[@]}" --format csv --threads 2 --range-size 256KiB \
  --stats "$TMP/source.json" --report "$TMP/source.html"
http_servers_stop
check_eq "source: exit status ($(cat "$TMP/err.source"))" "$(rc_of source)" 0
check_files_equal "source: the local answer" "$TMP/out.source" "$TMP/out.slow"
check_eq "source: the diagnosis ($(stat "$TMP/source.json" 'd["diagnosis"]["sentence"]'))" \
  "$(stat "$TMP/source.json" 'd["diagnosis"]["cause"]')" source
check_true "source: it says the network or the store" grep -q "bound by the network or the store" \
  <(stat "$TMP/source.json" 'd["diagnosis"]["sentence"]')
check_browser source "$TMP/source.html" --lanes 2 --cause source --hover

# ---- a failed job still writes its report ----
run_fanout failed count --by no_such_column "$data" --stats "$TMP/failed.json" --report "$TMP/failed.html"
check_eq "failed: exit status" "$(rc_of failed)" 1
check_eq "failed: status, error and diagnosis" \
  "$(stat "$TMP/failed.json" 'd["job"]["status"], "no_such_column" in d["job"]["error"], d["diagnosis"]["cause"]')" \
  "failed True failed"
check_browser failed "$TMP/failed.html" --status failed

# ---- every job command ----
run_fanout select select --cols 1-3 "$data" --out "$TMP/sel" --stats "$TMP/select.json"
check_eq "select: report" "$(rc_of select) $(stat "$TMP/select.json" 'd["job"]["command"], d["totals"]["rows"]')" "0 select 80000"
run_fanout run run --cmd 'wc -l' --merge 'cat' "$data" --stats "$TMP/run.json" --report "$TMP/run.html"
check_eq "run: report" "$(rc_of run) $(stat "$TMP/run.json" 'd["job"]["command"], len(d["tasks"])')" "0 run 4"
check_browser run "$TMP/run.html" --lanes "$(stat "$TMP/run.json" 'd["plan"]["slots"]')"
export XDG_STATE_HOME=$TMP/state XDG_CACHE_HOME=$TMP/cache2
run_fanout stage stage --as t1 --cols 1-4 "$data" --stats "$TMP/stage.json"
check_eq "stage: report" "$(rc_of stage) $(stat "$TMP/stage.json" 'd["job"]["command"], d["job"]["status"]')" "0 stage ok"
run_fanout agg_stage agg --by 4 --count stage://t1 --workers 2 --stats "$TMP/aggstage.json"
check_eq "agg over a stage: report" "$(rc_of agg_stage) $(stat "$TMP/aggstage.json" 'd["job"]["mode"]')" "0 workers"
unset XDG_STATE_HOME XDG_CACHE_HOME
# A report that cannot be written fails the job before it runs, naming the file.
expect_fail 2 "--stats /nonexistent/dir/s.json: cannot write in /nonexistent/dir/" count --by passenger_count "$data" --stats /nonexistent/dir/s.json

# ---- --dry-run: the plan, and nothing read or written ----
run_fanout dry count --by passenger_count "$big" --dry-run --threads 4 --range-size 1MiB --stats "$TMP/dry.json"
check_eq "dry-run: exit status ($(cat "$TMP/err.dry"))" "$(rc_of dry)" 0
check_true "dry-run: the plan's size line" grep -qE "^plan: 5 objects, [0-9]+ tasks" "$TMP/out.dry"
check_true "dry-run: names the critical path" grep -q "the largest task is the critical path" "$TMP/out.dry"
check_true "dry-run: no stats written" test ! -e "$TMP/dry.json"
run_fanout dryhosts count --by passenger_count "$few" --dry-run --hosts a,b,c --threads 2
check_true "dry-run over hosts: each host takes a task first ($(cat "$TMP/out.dryhosts"))" \
  test "$(grep -cE '^  [abc]: [12] tasks?, ' "$TMP/out.dryhosts")" = 3
check_true "dry-run over hosts: too few tasks" grep -q "fewer tasks than slots" "$TMP/out.dryhosts"

# ---- --verify ----
for k in "${KERNELS[@]}"; do
  FANOUT_KERNEL=$k run_fanout "verify_$k" agg --by passenger_count --count --sum total_amount --max trip_distance \
    "$data" --range-size 64KiB --verify 1 --format csv
  check_eq "verify ($k): exit status ($(cat "$TMP/err.verify_$k"))" "$(rc_of "verify_$k")" 0
  check_true "verify ($k): the summary says so" grep -q "4 objects (.* tasks) verified" "$TMP/err.verify_$k"
done
FANOUT_TEST_CORRUPT_RESULT=swap:$TMP/corrupt-once run_fanout corrupt count --by passenger_count "$data" \
  --workers 2 --verify 1 --format csv
check_eq "verify: a wrong partial fails the job" "$(rc_of corrupt)" 1
check_true "verify: names the object and task ($(cat "$TMP/err.corrupt"))" \
  grep -qE "verify: .*yellow_tripdata_.*\(task [0-9]+\) differs from the reference reader: group" "$TMP/err.corrupt"
check_eq "verify: nothing on stdout" "$(wc -c <"$TMP/out.corrupt")" 0
FANOUT_TEST_CORRUPT_RESULT=swap:$TMP/corrupt-twice run_fanout corrupt_unverified count --by passenger_count "$data" \
  --workers 2 --format csv
check_eq "without --verify the same wrong partial passes (what --verify is for)" "$(rc_of corrupt_unverified)" 0
expect_fail 2 "--verify: expected a fraction" count --by passenger_count "$data" --verify 1.5

finish
