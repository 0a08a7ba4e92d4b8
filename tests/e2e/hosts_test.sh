#!/usr/bin/env bash
# --hosts that fail honestly, through a stand-in for ssh (tests/cluster/ has the real
# one): it takes ssh's options, a host and a remote command, and runs the command
# with sh in the host's own home directory, as ssh does; hosts named bad* do not
# resolve (ssh's exit status 255).
#
# A host that never joins fails the job, naming it and why (ssh's error, no fanout at
# --remote-fanout, another fanout version), unless --allow-missing-hosts; a worker lost
# mid-job is a warning even with -q, and its tasks count as retries. Relative local
# paths reach the hosts as absolute ones; a path a host cannot open says it must
# exist there too. A --remote-fanout with a space works. A stage remembers --ssh and
# --remote-fanout for --drop and later jobs. The cause of a failure comes first. On
# a terminal, the progress line says "connecting to N hosts..." while they start.
source "$(dirname "$0")/lib.sh"
require_fanout

export XDG_CACHE_HOME=$TMP/cache
HOSTS_ROOT=$TMP/hosts
mkdir -p "$HOSTS_ROOT"
FAKE_SSH=$TMP/fake-ssh
# COMMAND's words joined by spaces, run by sh in HOST's home.
write_fake_ssh "$FAKE_SSH" "case \$host in
  bad*) echo \"ssh: Could not resolve hostname \$host: Name or service not known\" >&2; exit 255 ;;
esac
[ -n \"\${FAKE_SSH_DELAY:-}\" ] && sleep \"\$FAKE_SSH_DELAY\"
mkdir -p \"$HOSTS_ROOT/\$host\" && cd \"$HOSTS_ROOT/\$host\" || exit 255
HOME=$HOSTS_ROOT/\$host exec env -u XDG_CACHE_HOME sh -c \"\$*\""

# The hosts' fanout, at the default --remote-fanout in each host's home.
for h in fakehost1 fakehost2; do
  mkdir -p "$HOSTS_ROOT/$h/.cache/fanout/bin"
  cp "$FANOUT" "$HOSTS_ROOT/$h/.cache/fanout/bin/fanout"
done
H=(--hosts fakehost1,fakehost2 --ssh "$FAKE_SSH")

data=$TMP/data
"$FANOUT" gen-taxi --out "$data" --files 4 --rows 4000 --seed 61 --quiet || die "gen-taxi failed"
run_fanout want count --by passenger_count "$data" --format csv --quiet
[[ $(rc_of want) == 0 ]] || die "local count failed: $(cat "$TMP/err.want")"

run_fanout ok count --by passenger_count "$data" --format csv "${H[@]}"
check_eq "two stand-in hosts: exit status ($(tail -n 3 "$TMP/err.ok"))" "$(rc_of ok)" 0
check_files_equal "two stand-in hosts: the local answer" "$TMP/out.ok" "$TMP/out.want"

# ---- a host that never joins fails the job ----------------------------------------
RUN_TIMEOUT=$FAULT_TIMEOUT expect_fail 1 "badhost did not join the job: ssh failed: ssh: Could not resolve hostname badhost" \
  count --by passenger_count "$data" --hosts fakehost1,badhost --ssh "$FAKE_SSH"
RUN_TIMEOUT=$FAULT_TIMEOUT expect_fail 1 "--allow-missing-hosts" count --by passenger_count "$data" --hosts fakehost1,badhost --ssh "$FAKE_SSH"
run_fault allow count --by passenger_count "$data" --format csv --hosts fakehost1,badhost --ssh "$FAKE_SSH" \
  --allow-missing-hosts --quiet
check_eq "--allow-missing-hosts: exit status ($(cat "$TMP/err.allow"))" "$(rc_of allow)" 0
check_files_equal "--allow-missing-hosts: the answer of the hosts that joined" "$TMP/out.allow" "$TMP/out.want"
check_true "--allow-missing-hosts: a warning names the host, even with -q ($(cat "$TMP/err.allow"))" \
  grep -q "warning: badhost did not join" "$TMP/err.allow"
# No fanout at --remote-fanout on the host: say so, and how to put it there. (The
# local worker alone could finish the job, that is no reason to pass; its tasks are
# stretched so that it cannot finish before the host's answer comes.)
export FANOUT_TEST_TASK_DELAY_MS=300
RUN_TIMEOUT=$FAULT_TIMEOUT expect_fail 1 "fakehost1 did not join the job: fanout not found at bin/nothing on the host" \
  count --by passenger_count "$data" --workers 1 --hosts fakehost1 --ssh "$FAKE_SSH" --remote-fanout bin/nothing
grep -qF "run fanout deploy --hosts fakehost1 --remote-fanout bin/nothing" "$TMP/err.ef" ||
  fail "no deploy hint: $(cat "$TMP/err.ef")"
# Another fanout version: a worker that says hello as fanout 0.0.1, in this
# fanout's protocol version (so that the release is what differs).
PROTOCOL=$(grep -oE 'kProtocolVersion = [0-9]+' "$FANOUT_SRC/src/cluster/wire.h" | grep -oE '[0-9]+$')
[[ -n $PROTOCOL ]] || die "no kProtocolVersion in src/cluster/wire.h"
cat >"$TMP/old-fanout" <<EOF
#!/usr/bin/python3
import struct, sys, time
def string(b): return struct.pack('<I', len(b)) + b
hello = struct.pack('<II', $PROTOCOL, 1) + string(b'old') + string(b'0.0.1')
sys.stdout.buffer.write(struct.pack('<I', 1 + len(hello)) + b'\x01' + hello)
sys.stdout.flush()
time.sleep(20)
EOF
chmod 755 "$TMP/old-fanout"
RUN_TIMEOUT=$FAULT_TIMEOUT expect_fail 1 "fakehost1 did not join the job: it runs fanout 0.0.1, this is fanout" \
  count --by passenger_count "$data" --workers 1 --hosts fakehost1 --ssh "$FAKE_SSH" --remote-fanout "$TMP/old-fanout" \
  --heartbeat-timeout 2
unset FANOUT_TEST_TASK_DELAY_MS

# ---- a worker lost mid-job: a warning even with -q, its tasks counted as retries ----
# fakehost2's worker is killed one second in; every task takes 100 ms.
cat >"$TMP/dying-fanout" <<EOF
#!/bin/sh
case \$HOME in
  */fakehost2) exec timeout -s KILL 1 env FANOUT_TEST_TASK_DELAY_MS=100 "\$HOME/.cache/fanout/bin/fanout" "\$@" ;;
  *) exec env FANOUT_TEST_TASK_DELAY_MS=100 "\$HOME/.cache/fanout/bin/fanout" "\$@" ;;
esac
EOF
chmod 755 "$TMP/dying-fanout"
LOSSY=(count --by passenger_count "$data" --format csv "${H[@]}" --remote-fanout "$TMP/dying-fanout" --threads 1
       --range-size 20KiB --no-backups)
run_fault lostq "${LOSSY[@]}" -q
check_eq "a host lost mid-job: exit status ($(cat "$TMP/err.lostq"))" "$(rc_of lostq)" 0
check_files_equal "a host lost mid-job: exact" "$TMP/out.lostq" "$TMP/out.want"
check_true "a host lost mid-job: warned even with -q ($(cat "$TMP/err.lostq"))" \
  grep -q "warning: fakehost2 was lost mid-job" "$TMP/err.lostq"
run_fault lost "${LOSSY[@]}"
check_files_equal "a host lost mid-job (not quiet): exact" "$TMP/out.lost" "$TMP/out.want"
check_true "its tasks run again are counted as retries ($(grep attempts "$TMP/err.lost"))" \
  grep -qE "attempts?, [1-9][0-9]* retr(y|ies) \([1-9][0-9]* after a lost worker\), .*1 lost worker\b" "$TMP/err.lost"
check_true "the per-host lines have plurals, no abbreviations ($(grep -E '^fanout:   ' "$TMP/err.lost" | tr '\n' '|'))" \
  grep -qE "^fanout:   fakehost1 +[0-9]+ cores? +[0-9]+ tasks? " "$TMP/err.lost"
check_true "the summary line counts workers" grep -qE "^fanout: .*, 2 workers, " "$TMP/err.lost"

# ---- local paths: absolute on the hosts; one a host cannot open must be there too ----
(cd "$TMP" && timeout "$RUN_TIMEOUT" "$FANOUT" count --by passenger_count data --format csv "${H[@]}" \
  >"$TMP/out.rel" 2>"$TMP/err.rel")
check_eq "a relative path with --hosts: exit status ($(tail -n 3 "$TMP/err.rel"))" "$?" 0
check_files_equal "a relative path with --hosts: read at the coordinator's path" "$TMP/out.rel" "$TMP/out.want"
# A host that does not have the file: its worker runs with an empty directory
# mounted over the data (root only: a private mount namespace).
mkdir -p "$TMP/mount-probe"
if [[ $(id -u) == 0 ]] && unshare -m sh -c "mount -t tmpfs none '$TMP/mount-probe'" 2>/dev/null; then
  cat >"$TMP/blind-fanout" <<EOF
#!/bin/sh
exec unshare -m sh -c 'mount -t tmpfs none "$data" && exec "\$0" "\$@"' "\$HOME/.cache/fanout/bin/fanout" "\$@"
EOF
  chmod 755 "$TMP/blind-fanout"
  expect_fail 1 "local paths must exist at the same path on every host" \
    count --by passenger_count "$data" --hosts fakehost1 --ssh "$FAKE_SSH" --remote-fanout "$TMP/blind-fanout"
  grep -qE "$data/yellow_tripdata_[0-9-]+\.csv on fakehost1" "$TMP/err.ef" || fail "names the path and host: $(cat "$TMP/err.ef")"
  # The cause comes first, then what each worker did.
  check_true "the cause is the first line ($(head -n 2 "$TMP/err.ef" | tr '\n' '|'))" \
    grep -q "local paths must exist" <(head -n 1 "$TMP/err.ef")
else
  echo "note: not root (or no mount namespaces): skipping the file-missing-on-a-host case"
fi

# ---- a --remote-fanout with a space ------------------------------------------------
mkdir -p "$TMP/my bin"
cp "$FANOUT" "$TMP/my bin/fan out"
run_fanout space count --by passenger_count "$data" --format csv "${H[@]}" --remote-fanout "$TMP/my bin/fan out"
check_eq "a --remote-fanout with spaces: exit status ($(tail -n 3 "$TMP/err.space"))" "$(rc_of space)" 0
check_files_equal "a --remote-fanout with spaces: exact" "$TMP/out.space" "$TMP/out.want"

# ---- a stage remembers --ssh and --remote-fanout, for later jobs and --drop ------------
mkdir -p "$TMP/bin2" && cp "$FANOUT" "$TMP/bin2/fanout"
run_fanout stg stage --cols 1-5 --as st --range-size 100KiB "$data" "${H[@]}" --remote-fanout "$TMP/bin2/fanout" --quiet
check_eq "stage over the stand-in hosts: exit status ($(cat "$TMP/err.stg"))" "$(rc_of stg)" 0
# Without the hosts' default fanout, later jobs must find the stage's --remote-fanout.
for h in fakehost1 fakehost2; do mv "$HOSTS_ROOT/$h/.cache/fanout/bin/fanout" "$HOSTS_ROOT/$h/fanout.away"; done
run_fanout stgq count --by 4 stage://st --hosts fakehost1,fakehost2 --format csv --quiet
check_eq "a job over the stage without --ssh: exit status ($(cat "$TMP/err.stgq"))" "$(rc_of stgq)" 0
run_fanout stgwant count --by 4 "$data" --format csv --quiet
check_eq "a job over the stage without --ssh: the answer over the source" \
  "$(tail -n +2 "$TMP/out.stgq" | sort)" "$(tail -n +2 "$TMP/out.stgwant" | sort)"
run_fanout drop stage --drop st
check_eq "stage --drop without --ssh: exit status ($(cat "$TMP/err.drop"))" "$(rc_of drop)" 0
check_true "stage --drop without --ssh: the manifest is gone" test ! -e "$XDG_CACHE_HOME/fanout/stages/st"
check_eq "stage --drop without --ssh: no piece left on the hosts" \
  "$(find "$HOSTS_ROOT"/fakehost*/.cache/fanout/stage -name '*.csv' 2>/dev/null | wc -l)" 0
for h in fakehost1 fakehost2; do mv "$HOSTS_ROOT/$h/fanout.away" "$HOSTS_ROOT/$h/.cache/fanout/bin/fanout"; done

# ---- on a terminal: "connecting to 2 hosts..." while they start, then tasks per host ----
if script -qfc true /dev/null >/dev/null 2>&1; then
  # A worker is lost mid-job here too: under FAULT_TIMEOUT, so that a hang fails the test.
  FAKE_SSH_DELAY=1 timeout --foreground -k "$KILL_AFTER" "$FAULT_TIMEOUT" script -qfec "$(show_cmd "$FANOUT" count \
    --by passenger_count "$data" "${H[@]}" --remote-fanout "$TMP/dying-fanout" --threads 1 --range-size 20KiB) \
    >/dev/null" "$TMP/tty.log" >/dev/null 2>&1
  tty_rc=$?
  if ((tty_rc == 124 || tty_rc == 137)); then
    fail "the job on a terminal did not finish within $FAULT_TIMEOUT s and was stopped (a hang?)"
  fi
  check_true "the progress line says it is connecting ($(tr '\r' '\n' <"$TMP/tty.log" | head -n 3))" \
    grep -q "connecting to 2 hosts\.\.\." "$TMP/tty.log"
  check_true "then tasks per host, in words ($(tr '\r' '\n' <"$TMP/tty.log" | grep -m 1 fakehost))" \
    grep -qE "fakehost1: [0-9,]+ tasks? " "$TMP/tty.log"
else
  echo "note: script(1) cannot make a terminal here: skipping the progress-line checks"
fi

finish
