#!/usr/bin/env bash
# fanout deploy to a machine that lacks fanout's shared libraries: it notices that the
# copied binary cannot start there and deploys a bundle (fanout, its libraries and
# the C library's loader, run through a wrapper); the bundle runs a job's worker and
# gives the local answer; a second deploy finds it up to date.
#
# The machine is a stand-in, as no other Linux runs here: a mount namespace of this
# machine in which /usr/lib/x86_64-linux-gnu holds only what the shell and coreutils
# need (the C library, libacl, libattr, libselinux, libpcre2), reached through a
# stand-in for ssh (tests/e2e/scripts/ns_ssh.sh) that runs the command in that
# namespace. Needs root (unshare -m); prints "SKIP: ..." without.
set -u -o pipefail
source "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/trap.sh
source "$FANOUT_SRC/tests/lib/trap.sh"
require_fanout
FANOUT=$(readlink -f "$FANOUT")
if ((EUID != 0)) || ! unshare -m true 2>/dev/null; then
  echo "SKIP: bundle_test: needs root and mount namespaces"
  exit 0
fi

libdir=/usr/lib/x86_64-linux-gnu
bare=$TMP/bare-lib
mkdir -p "$bare"
for b in sh cat mkdir mktemp chmod mv dirname sha256sum head; do
  ldd "$(command -v "$b")" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
done | sort -u | while read -r lib; do cp -L "$lib" "$bare/"; done
check_true "the bare library directory lacks libcurl" test ! -e "$bare/libcurl.so.4"

# The "machine": a mount namespace kept by a sleeping process.
ready=$TMP/ns.ready
unshare -m --propagation private sh -c "mount --bind '$bare' '$libdir' && touch '$ready' && exec sleep 600" &
ns_pid=$!
trap_first "kill $ns_pid 2>/dev/null"
for ((i = 0; i < 100; i++)); do [[ -e $ready ]] && break; sleep 0.05; done
[[ -e $ready ]] || die "the mount namespace did not come up"
export NS_SSH_TARGET=$ns_pid NS_SSH_HOME=$TMP/home
mkdir -p "$NS_SSH_HOME"
SSH="bash $FANOUT_SRC/tests/e2e/scripts/ns_ssh.sh"

# The plain binary really cannot start there.
$SSH bare "$FANOUT" --version >"$TMP/out.plain" 2>"$TMP/err.plain"
check_true "the plain binary cannot start there ($(tail -n1 "$TMP/err.plain"))" \
  grep -q "error while loading shared libraries" "$TMP/err.plain"

remote=$TMP/home/bin/fanout
run_fanout deploy deploy --hosts bare --ssh "$SSH" --remote-fanout "$remote"
check_eq "deploy: exit status ($(cat "$TMP/out.deploy" "$TMP/err.deploy" | tr '\n' '|'))" "$(rc_of deploy)" 0
check_true "deploy: a bundle with its libraries" grep -q "bare: copied .* as a bundle with its [0-9]* libraries" "$TMP/out.deploy"
check_true "deploy: it runs there and reports this version" grep -q "fanout $("$FANOUT" --version | awk '{print $2}')" "$TMP/out.deploy"
run_fanout deploy2 deploy --hosts bare --ssh "$SSH" --remote-fanout "$remote"
check_true "deploy again: up to date ($(cat "$TMP/out.deploy2"))" grep -q "bare: up to date (a bundle)" "$TMP/out.deploy2"

# A job whose worker is the bundle, on that machine.
"$FANOUT" gen-taxi --out "$TMP/data" --files 3 --rows 20000 --seed 3 --quiet || die "gen-taxi failed"
run_fanout local count --by passenger_count "$TMP/data"
run_fanout job count --by passenger_count "$TMP/data" --hosts bare --ssh "$SSH" --remote-fanout "$remote"
check_eq "a job on the bundle: exit status ($(tail -n 3 "$TMP/err.job" | tr '\n' '|'))" "$(rc_of job)" 0
check_files_equal "a job on the bundle: the local answer" "$TMP/out.job" "$TMP/out.local"
finish
