#!/usr/bin/env bash
# fanout stage across real hosts: three network namespaces, each with its own sshd,
# reached through the system's OpenSSH client as a non-root user. A dataset staged
# with --cols to the hosts' disks is spread over them (the coordinator's manifest says
# which host holds which piece, and the pieces are there); count, agg and run over
# stage://NAME give the single-process answer on the source, each piece read by its
# holder (no piece staged again, holders unchanged); a job that leaves a holder out,
# or whose holder's worker is killed, whose host's sshd dies or whose host's link
# goes dark at a random moment, is still exact and stages that holder's unread pieces
# again on the others, and the manifest follows; --drop removes the pieces and the
# manifest; a stage to a directory the hosts cannot write fails, stays incomplete
# (refused by later jobs) and can be dropped. No worker is left on any host.
#
# The hosts share one filesystem and the test user's home, so every host sees the
# same ~/.cache/fanout/stage: where a piece is is judged by the manifest's holder
# column and the jobs' per-host reports, not by which files exist.
#
#   bash tests/cluster/stage_ssh_test.sh
#
# Needs root (prints "SKIP: ..." without it, unless FANOUT_REQUIRE_CLUSTER=1).
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
# shellcheck source=hosts.sh
source "$HERE/hosts.sh"

hosts_require
require_fanout
hosts_install_deps >/dev/null || die "cannot install the test hosts' packages"
hosts_up 3 || die "cannot bring the test hosts up"

# The coordinator runs as root: its manifests go to the test's directory, not to
# root's own cache.
export XDG_CACHE_HOME=$TMP/cache
MANIFEST=$XDG_CACHE_HOME/fanout/stages/trips
# The pieces go to the test user's (shared) home; a failed run leaves none behind.
USER_HOME=$(getent passwd "$HOSTS_USER" | cut -d: -f6)
[[ -n $USER_HOME && -d $USER_HOME ]] || die "no home directory for $HOSTS_USER"
STAGES=("$USER_HOME/.cache/fanout/stage/trips" "$USER_HOME/.cache/fanout/stage/bad")
rm -rf "${STAGES[@]}"

# Connection sharing stays on (as for users), its sockets in the hosts' directory.
SSH=$HOSTS_SSH
remove_stages() { rm -rf "${STAGES[@]}"; }
trap_first remove_stages

# The data must be readable by the hosts' user: it lives in the hosts' directory.
data=$HOSTS_DIR/data
"$FANOUT" gen-taxi --out "$data" --files 6 --rows 30000 --seed 31 --quiet || die "gen-taxi failed"
chmod -R a+rX "$data"
ROWS=180000

# fanout deploy puts the binary at the default --remote-fanout path (the shared home).
run_fanout deploy deploy --hosts "$HOSTS_NAMES" --ssh "$SSH"
check_eq "deploy: exit status ($(cat "$TMP/out.deploy" "$TMP/err.deploy" | tr '\n' '|'))" "$(rc_of deploy)" 0
[[ $(rc_of deploy) == 0 ]] || die "cannot deploy fanout to the hosts"

# Workers that stretch each task (FANOUT_TEST_TASK_DELAY_MS, a worker-side test hook):
# a little for staging, so every host gets pieces; more for the jobs that faults hit.
quick=$HOSTS_DIR/bin/quick-fanout
slow=$HOSTS_DIR/bin/slow-fanout
mkdir -p "$HOSTS_DIR/bin" && chmod 755 "$HOSTS_DIR/bin"
# shellcheck disable=SC2016  # $HOME and $@ are the wrappers' own, on the hosts
printf '#!/bin/sh\nFANOUT_TEST_TASK_DELAY_MS=80 exec "$HOME/.cache/fanout/bin/fanout" "$@"\n' >"$quick"
# shellcheck disable=SC2016
printf '#!/bin/sh\nFANOUT_TEST_TASK_DELAY_MS=300 exec "$HOME/.cache/fanout/bin/fanout" "$@"\n' >"$slow"
chmod 755 "$quick" "$slow"

H=(--hosts "$HOSTS_NAMES" --ssh "$SSH")
STAGE=(stage --cols 1-5 --as trips --range-size 1MiB "$data" "${H[@]}" --threads 1 --remote-fanout "$quick")

# ---- manifest helpers ---------------------------------------------------------

# pieces_of HOLDER [FILE]: how many pieces the manifest says HOLDER holds.
pieces_of() { awk -F'\t' -v h="$1" '$1 == "piece" && $3 == h' "${2:-$MANIFEST}" | wc -l; }
# holders: the distinct holders of pieces, one a line.
holders() { awk -F'\t' '$1 == "piece" {print $3}' "$MANIFEST" | sort -u; }
# piece_lines_but_holder FILE: every piece line without its holder column.
piece_lines_but_holder() { awk -F'\t' -v OFS='\t' '$1 == "piece" {$3 = ""; print}' "$1"; }
# moved BEFORE AFTER: "N FROM TO" for each piece whose holder changed.
moved() {
  LC_ALL=C join -t $'\t' <(awk -F'\t' '$1 == "piece" {print $2 "\t" $3}' "$1" | LC_ALL=C sort) \
    <(awk -F'\t' '$1 == "piece" {print $2 "\t" $3}' "$2" | LC_ALL=C sort) | awk -F'\t' '$2 != $3 {print $1, $2, $3}'
}
# staged_rows: the data rows of every piece (the source has ROWS).
staged_rows() { awk -F'\t' '$1 == "piece" {n += $6} END {print n + 0}' "$MANIFEST"; }
# tasks_on TAG HOST: the tasks HOST's worker finished in run TAG (its summary line).
tasks_on() { awk -v h="$2" '$1 == "fanout:" && $2 == h && $6 ~ /^tasks?$/ {print $5}' "$TMP/err.$1"; }
# restaged_count TAG: N from "N pieces of stage trips staged again" (0 without one).
restaged_count() {
  local n
  n=$(sed -nE 's/^fanout: ([0-9]+) pieces? of stage trips staged again from the source, now on .*/\1/p' "$TMP/err.$1")
  echo "${n:-0}"
}
# restaged_on TAG: the hosts named after "now on" in that message.
restaged_on() { sed -nE 's/^fanout: [0-9]+ pieces? of stage trips staged again from the source, now on //p' "$TMP/err.$1"; }
# summary TAG: the per-worker lines of run TAG, on one line.
summary() { grep -E '^fanout:   ' "$TMP/err.$1" | tr -s ' ' | tr '\n' '|'; }

# check_pieces WHAT: every piece is, as its holder sees it, a file of the size the
# manifest gives.
check_pieces() {
  local what=$1 h want got
  want=$(awk -F'\t' '$1 == "piece" {print $4, $5}' "$MANIFEST" | sort)
  got=''
  for h in $(holders); do
    [[ $h =~ ^h([0-9]+)$ ]] || { fail "$what: a piece is held by '$h', not by a test host"; return 1; }
    got+=$(awk -F'\t' -v h="$h" '$1 == "piece" && $3 == h {print $4}' "$MANIFEST" |
      hosts_ssh "${BASH_REMATCH[1]}" 'xargs stat -c "%n %s" --' 2>&1)$'\n'
  done
  check_eq "$what: piece files at the manifest's paths, of its sizes" "$(echo -n "$got" | grep . | sort)" "$want"
}

# ---- the single-process answers -------------------------------------------------

run_fanout want count --by 4 "$data" --format csv --quiet
run_fanout want_name count --by passenger_count "$data" --format csv --quiet
run_fanout want_agg agg --by 4 --sum 5 "$data" --format csv --quiet
run_fanout want_where count --by 4 --where '5 > 10' "$data" --format csv --quiet
for t in want want_name want_agg want_where; do
  [[ $(rc_of $t) == 0 && -s $TMP/out.$t ]] || die "local run $t failed: $(cat "$TMP/err.$t")"
done

# ---- 1. stage to the three hosts ------------------------------------------------

run_fanout stage "${STAGE[@]}"
check_eq "stage: exit status ($(tail -n 5 "$TMP/err.stage" | tr '\n' '|'))" "$(rc_of stage)" 0
check_true "stage: a manifest at $MANIFEST" test -s "$MANIFEST"
check_true "stage: the manifest says complete" grep -qx $'complete\t1' "$MANIFEST"
npieces=$(grep -c '^piece' "$MANIFEST")
check_true "stage: 1MiB ranges of 6 objects of 3-4 MB make 18 to 24 pieces (got $npieces)" \
  test "$npieces" -ge 18 -a "$npieces" -le 24
check_eq "stage: pieces numbered 0..N-1" \
  "$(awk -F'\t' '$1 == "piece" {print $2}' "$MANIFEST" | sort -n | tr '\n' ' ')" "$(seq 0 $((npieces - 1)) | tr '\n' ' ')"
check_true "stage: pieces held by more than one host ($(holders | tr '\n' ' '))" test "$(holders | wc -l)" -gt 1
check_eq "stage: only the test hosts hold pieces" "$(holders | grep -cvxE 'h[123]')" 0
check_eq "stage: the pieces hold every row" "$(staged_rows)" "$ROWS"
check_pieces "stage"
check_true "stage: the summary names the stage" grep -q 'staged as stage://trips' "$TMP/err.stage"
run_fanout list stage --list
check_true "stage --list: trips, complete ($(cat "$TMP/out.list"))" \
  grep -qE "^trips"$'\t'"complete"$'\t'"$npieces pieces" "$TMP/out.list"
run_fanout again stage --cols 1-5 --as trips "$data" "${H[@]}"
check_eq "stage again under the same name without --replace: exit status" "$(rc_of again)" 2
check_true "stage again without --replace: says the stage exists" grep -q "stage 'trips' exists" "$TMP/err.again"
run_fanout local count --by 4 stage://trips --format csv
check_eq "a local job on a stage the hosts hold: exit status" "$(rc_of local)" 1
check_true "a local job on a stage the hosts hold: tells to use --hosts" grep -q "run the job there with --hosts" "$TMP/err.local"

# ---- 2 and 3. exact answers, every piece read where it is -------------------------

cp "$MANIFEST" "$TMP/manifest.staged"
# check_query WANT ARGS...: ARGS over stage://trips on the 3 hosts give the source's
# answer WANT, each host reading just the pieces it holds, nothing staged again.
check_query() {
  local want=$1 q="${*:2}" h
  shift
  run_fanout got "$@" stage://trips --format csv "${H[@]}"
  check_eq "$q over stage://trips: exit status ($(tail -n 3 "$TMP/err.got" | tr '\n' '|'))" "$(rc_of got)" 0
  check_files_equal "$q over stage://trips on 3 hosts equals the source's answer" "$TMP/out.got" "$TMP/out.$want"
  check_eq "$q: nothing staged again" "$(grep -c 'staged again' "$TMP/err.got")" 0
  check_files_equal "$q: the manifest is unchanged" "$MANIFEST" "$TMP/manifest.staged"
  for h in h1 h2 h3; do
    check_eq "$q: $h read just the pieces it holds ($(summary got))" "$(tasks_on got "$h")" "$(pieces_of "$h")"
  done
}
check_query want count --by 4
check_query want_name count --by passenger_count
check_query want_agg agg --by 4 --sum 5
check_query want_where count --by 4 --where '5 > 10'

# ---- 4. a holder left out ------------------------------------------------------

# The host left out is one holding pieces (h3 unless it holds none).
out=h3
(($(pieces_of h3) > 0)) || out=$(holders | tail -n 1)
keep=$(echo h1 h2 h3 | tr ' ' '\n' | grep -vx "$out" | paste -sd,)
held=$(pieces_of "$out")
cp "$MANIFEST" "$TMP/manifest.before_out"
run_fault leftout count --by 4 stage://trips --format csv --hosts "$keep" --ssh "$SSH"
check_eq "$out left out: exit status ($(tail -n 3 "$TMP/err.leftout" | tr '\n' '|'))" "$(rc_of leftout)" 0
check_files_equal "$out left out: exact answer" "$TMP/out.leftout" "$TMP/out.want"
check_eq "$out left out: its $held pieces reported staged again" "$(restaged_count leftout)" "$held"
check_true "$out left out: staged again on the job's hosts ($(restaged_on leftout))" \
  test -n "$(restaged_on leftout)" -a -z "$(restaged_on leftout | tr -d ' ' | tr ',' '\n' | grep -vxE "${keep//,/|}")"
check_eq "$out left out: the manifest has no piece on $out" "$(pieces_of "$out")" 0
check_eq "$out left out: just $out's pieces moved, to $keep" \
  "$(moved "$TMP/manifest.before_out" "$MANIFEST" | awk -v o="$out" '$2 == o && $3 != o' | wc -l) $(moved "$TMP/manifest.before_out" "$MANIFEST" | wc -l)" \
  "$held $held"
check_eq "$out left out: the pieces are the same but for their holder" \
  "$(piece_lines_but_holder "$MANIFEST")" "$(piece_lines_but_holder "$TMP/manifest.before_out")"
check_pieces "$out left out"
# With every host back, the moved pieces are read where they now are.
cp "$MANIFEST" "$TMP/manifest.moved"
run_fanout back count --by 4 stage://trips --format csv "${H[@]}"
check_files_equal "all hosts after the move: exact answer" "$TMP/out.back" "$TMP/out.want"
check_eq "all hosts after the move: nothing staged again" "$(grep -c 'staged again' "$TMP/err.back")" 0
check_files_equal "all hosts after the move: the manifest is unchanged" "$MANIFEST" "$TMP/manifest.moved"
check_eq "all hosts after the move: $out reads nothing ($(summary back))" "$(tasks_on back "$out")" 0

# Added machines count: a stage held by h1 alone, read by h1, h2 and h3. The
# idle hosts take pieces from h1's long queue (the ones h1 would reach last),
# stage them again from the source, and hold them from then on.
run_fanout one stage --cols 1-5 --as one --range-size 256KiB "$data" --hosts h1 --ssh "$SSH"
check_eq "stage held by h1 alone: exit status ($(tail -n 3 "$TMP/err.one" | tr '\n' '|'))" "$(rc_of one)" 0
ONE=$XDG_CACHE_HOME/fanout/stages/one
one_pieces=$(awk -F'\t' '$1 == "piece"' "$ONE" | wc -l)
check_true "stage held by h1 alone: many pieces ($one_pieces)" test "$one_pieces" -gt 30
check_eq "stage held by h1 alone: all on h1" "$(pieces_of h1 "$ONE")" "$one_pieces"
run_fanout steal count --by 4 stage://one --format csv "${H[@]}" --remote-fanout "$quick"
check_eq "added hosts: exit status ($(tail -n 3 "$TMP/err.steal" | tr '\n' '|'))" "$(rc_of steal)" 0
check_files_equal "added hosts: exact answer" "$TMP/out.steal" "$TMP/out.want"
stolen=$(sed -nE 's/.* ([0-9]+) staged pieces? taken from busy holders.*/\1/p' "$TMP/err.steal")
check_true "added hosts: they took pieces from h1 ($(summary steal))" test "${stolen:-0}" -gt 0
check_true "added hosts: the pieces taken were staged again ($(grep 'staged again' "$TMP/err.steal"))" \
  grep -q "^fanout: ${stolen:-x} pieces\? of stage one staged again from the source, now on " "$TMP/err.steal"
check_eq "added hosts: h2 and h3 ran what they took ($(summary steal))" \
  "$(($(tasks_on steal h2) + $(tasks_on steal h3)))" "${stolen:-0}"
check_eq "added hosts: the manifest moved those pieces" "$(($(pieces_of h2 "$ONE") + $(pieces_of h3 "$ONE")))" "${stolen:-0}"
check_eq "added hosts: h1 keeps the rest" "$(pieces_of h1 "$ONE")" "$((one_pieces - ${stolen:-0}))"
run_fanout steal2 count --by 4 stage://one --format csv "${H[@]}" --remote-fanout "$quick"
check_files_equal "added hosts, next job: exact answer" "$TMP/out.steal2" "$TMP/out.want"
check_true "added hosts, next job: h2 and h3 read what they hold ($(summary steal2))" \
  test "$(($(tasks_on steal2 h2) + $(tasks_on steal2 h3)))" -ge "${stolen:-1}"
# The stage remembers how its hosts were reached: --drop needs no --ssh.
check_true "stage one dropped, without --ssh" "$FANOUT" stage --drop one --quiet

# ---- 6. run over the stage -------------------------------------------------------

# Each piece carries the header: tail drops it. An empty passenger_count is an
# empty value; both sides print it as " COUNT".
# shellcheck disable=SC2016
run_fanout runjob run --cmd 'cut -d, -f4 | tail -n +2 | sort | uniq -c' \
  --merge 'awk "{n[\$2] += \$1} END {for (k in n) printf \"%s %s\\n\", k, n[k]}"' stage://trips "${H[@]}"
check_eq "run over stage://trips: exit status ($(tail -n 3 "$TMP/err.runjob" | tr '\n' '|'))" "$(rc_of runjob)" 0
check_eq "run over stage://trips: the counts equal the source's" \
  "$(LC_ALL=C sort "$TMP/out.runjob")" "$(tail -n +2 "$TMP/out.want" | sed 's/,/ /' | LC_ALL=C sort)"
check_true "run over stage://trips: the empty value is counted" grep -qE '^ [0-9]+$' "$TMP/out.runjob"
check_eq "run over stage://trips: nothing staged again" "$(grep -c 'staged again' "$TMP/err.runjob")" 0

# ---- 5. faults at random moments --------------------------------------------------

JOB=(count --by 4 stage://trips --format csv "${H[@]}" --threads 1 --heartbeat-timeout 3 --remote-fanout "$slow")

# fault_run TAG ACTION: stages trips afresh (over every host), runs JOB (each host
# reads its 6-9 pieces at 300 ms each), and at a random moment early in it applies
# ACTION to a host holding at least 5 pieces; the answer must be exact, the host
# reported lost, the pieces it had not read yet staged again on the others, and the
# manifest must say so.
fault_run() {
  local tag=$1 action=$2
  check_true "$tag: no worker left from before" hosts_wait_no_workers 20
  run_fanout "$tag.stage" "${STAGE[@]}" --replace
  if [[ $(rc_of "$tag.stage") != 0 ]] || ! grep -qx $'complete\t1' "$MANIFEST"; then
    fail "$tag: staging again with --replace failed: $(tail -n 5 "$TMP/err.$tag.stage" | tr '\n' '|')"
    return 1
  fi
  check_true "$tag: --replace dropped the old stage first" grep -q 'dropped stage trips' "$TMP/err.$tag.stage"
  local cands=() h
  for h in h1 h2 h3; do (($(pieces_of "$h") >= 5)) && cands+=("${h#h}"); done
  local host=${cands[$((RANDOM % ${#cands[@]}))]}
  local held
  held=$(pieces_of "h$host")
  cp "$MANIFEST" "$TMP/manifest.$tag"
  fanout_start "$tag" "${JOB[@]}"  # stopped, failing the test, past FAULT_TIMEOUT
  # Wait until every worker runs, then a random moment more (less than 3 of the
  # victim's tasks: it has pieces left to lose).
  local t=0
  while [[ $(hosts_workers_left) -lt 3 ]] && ((t < 100)); do sleep 0.1; t=$((t + 1)); done
  local moment=0.$((RANDOM % 8 + 1))
  sleep "$moment"
  local pid
  pid=$(host_workers "$host" | head -n 1)
  case $action in
    kill9) [[ -n $pid ]] && kill -9 "$pid" ;;
    sshd) host_kill_sshd "$host" ;;
    link) host_link_down "$host" ;;
  esac
  fanout_wait "$tag"
  case $action in
    sshd) host_start_sshd "$host" >/dev/null ;;
    link) host_link_up "$host" ;;
  esac
  local what="$tag (h$host, $held pieces, ${action} after ${moment}s, pid ${pid:-none})"
  check_eq "$what: exit status ($(tail -n 5 "$TMP/err.$tag" | tr '\n' '|'))" "$(rc_of "$tag")" 0
  check_files_equal "$what: exact answer" "$TMP/out.$tag" "$TMP/out.want"
  check_true "$what: h$host reported lost ($(summary "$tag"))" grep -qE "^fanout:   h$host .*LOST" "$TMP/err.$tag"
  # What h$host read before it was lost stays there; the rest was staged again.
  local read_there left
  read_there=$(tasks_on "$tag" "h$host")
  left=$((held - ${read_there:-0}))
  check_true "$what: h$host had pieces left when it was lost (read $read_there)" test "$left" -gt 0
  check_eq "$what: its unread pieces reported staged again" "$(restaged_count "$tag")" "$left"
  check_true "$what: staged again elsewhere ($(restaged_on "$tag"))" \
    test -n "$(restaged_on "$tag")" -a -z "$(restaged_on "$tag" | grep -w "h$host")"
  check_eq "$what: the manifest has h$host hold just what it read" "$(pieces_of "h$host")" "${read_there:-0}"
  check_eq "$what: just h$host's unread pieces moved, to the others" \
    "$(moved "$TMP/manifest.$tag" "$MANIFEST" | awk -v o="h$host" '$2 == o && $3 != o' | wc -l) $(moved "$TMP/manifest.$tag" "$MANIFEST" | wc -l)" \
    "$left $left"
  check_eq "$what: the pieces are the same but for their holder" \
    "$(piece_lines_but_holder "$MANIFEST")" "$(piece_lines_but_holder "$TMP/manifest.$tag")"
  check_eq "$what: the stage is still complete" "$(grep -c $'^complete\t1$' "$MANIFEST")" 1
}

for i in 1 2 3; do fault_run "kill9_$i" kill9; done
fault_run sshd_1 sshd
fault_run link_1 link
check_pieces "after the faults"
run_fanout after count --by 4 stage://trips --format csv "${H[@]}"
check_files_equal "after the faults: exact answer" "$TMP/out.after" "$TMP/out.want"
check_eq "after the faults: nothing staged again" "$(grep -c 'staged again' "$TMP/err.after")" 0
check_true "no worker left on any host after the faults (once cut-off ones time out)" hosts_wait_no_workers 20

# ---- 8. a stage directory the hosts cannot write ----------------------------------

rootonly=$HOSTS_DIR/rootonly
{ mkdir -p "$rootonly" && chmod 755 "$rootonly"; } || die "cannot make $rootonly"
run_fault bad stage --cols 1-5 --as bad --stage-dir "$rootonly/stage" "$data" "${H[@]}" --max-attempts 2
check_true "stage to an unwritable directory: a failure exit status (got $(rc_of bad))" \
  test "$(rc_of bad)" -ne 0 -a "$(rc_of bad)" -lt 124
check_true "stage to an unwritable directory: names it ($(tail -n 2 "$TMP/err.bad" | tr '\n' '|'))" \
  grep -q "$rootonly/stage" "$TMP/err.bad"
check_true "stage to an unwritable directory: says the stage is incomplete" grep -q "stage 'bad' is incomplete" "$TMP/err.bad"
run_fanout list2 stage --list
check_true "stage --list: bad is INCOMPLETE ($(tr '\n' '|' <"$TMP/out.list2"))" \
  grep -qE "^bad"$'\t'"INCOMPLETE" "$TMP/out.list2"
run_fanout badcount count --by 4 stage://bad --format csv "${H[@]}"
check_eq "a job on the incomplete stage: exit status" "$(rc_of badcount)" 1
check_true "a job on the incomplete stage: refused as unfinished ($(tr '\n' '|' <"$TMP/err.badcount"))" \
  grep -q "stage 'bad' did not finish staging" "$TMP/err.badcount"
check_true "a job on the incomplete stage: no table" test ! -s "$TMP/out.badcount"
run_fanout dropbad stage --drop bad "${H[@]}"
check_eq "drop the incomplete stage: exit status ($(tr '\n' '|' <"$TMP/err.dropbad"))" "$(rc_of dropbad)" 0
check_true "drop the incomplete stage: its manifest is gone" test ! -e "$XDG_CACHE_HOME/fanout/stages/bad"

# ---- 7. drop ------------------------------------------------------------------

piece_dir=$(awk -F'\t' '$1 == "piece" {print $4; exit}' "$MANIFEST")
piece_dir=${piece_dir%/*}
check_eq "the pieces live in the default directory" "$piece_dir" "$USER_HOME/.cache/fanout/stage/trips"
# A drop that cannot reach a host: exit 1 naming it, and the manifest keeps just
# that host's pieces (the others are gone) until a later drop reaches it.
far=$(holders | tail -n 1)
far_pieces=$(pieces_of "$far")
host_kill_sshd "${far#h}"
run_fault droppart stage --drop trips "${H[@]}" --connect-timeout 3
host_start_sshd "${far#h}" >/dev/null
check_eq "drop with $far unreachable: exit status" "$(rc_of droppart)" 1
check_true "drop with $far unreachable: names it ($(tr '\n' '|' <"$TMP/err.droppart"))" grep -q "($far: " "$TMP/err.droppart"
check_eq "drop with $far unreachable: the manifest keeps only its pieces" \
  "$(awk -F'\t' '$1 == "piece"' "$MANIFEST" | wc -l)" "$far_pieces"
check_eq "drop with $far unreachable: all of them its own" "$(pieces_of "$far")" "$far_pieces"
check_true "drop with $far unreachable: the stage is no longer complete" grep -q $'^complete\t0$' "$MANIFEST"
run_fanout drop stage --drop trips
check_eq "drop (without --ssh: the stage's own): exit status ($(tr '\n' '|' <"$TMP/err.drop"))" "$(rc_of drop)" 0
check_true "drop: says what it dropped" grep -q "dropped stage trips" "$TMP/err.drop"
check_true "drop: the manifest is gone" test ! -e "$MANIFEST"
for i in 1 2 3; do
  check_eq "drop: h$i sees no piece directory" "$(hosts_ssh "$i" "test -e '$piece_dir' && echo there || echo gone")" gone
done
run_fanout gone count --by 4 stage://trips --format csv "${H[@]}"
check_eq "a job on a dropped stage: exit status" "$(rc_of gone)" 1
check_true "a job on a dropped stage: names the stage ($(tr '\n' '|' <"$TMP/err.gone"))" \
  grep -q "no stage named 'trips'" "$TMP/err.gone"
run_fanout list3 stage --list
check_eq "stage --list after the drops: nothing" "$(cat "$TMP/out.list3")" ""
check_true "no worker left on any host at the end" hosts_wait_no_workers 20

finish
