#!/usr/bin/env bash
# A stand-in for ssh, for tests/e2e/bundle_test.sh: takes ssh's arguments (options,
# the host, the remote command) and runs the command with sh in the mount namespace of
# process NS_SSH_TARGET, in directory NS_SSH_HOME, as ssh would on the host. Options
# and the host name are ignored: there is one "machine".
set -u
while (($#)); do
  case $1 in
    -[oFilpJ]) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
shift  # the host
cd "${NS_SSH_HOME:?}" || exit 255
exec nsenter --target "${NS_SSH_TARGET:?}" --mount -- sh -c "$*"
