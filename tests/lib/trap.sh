# Shared by the test helper libraries (tests/s3/s3rver.sh, tests/cluster/hosts.sh);
# source it, it is not a test.

# trap_first COMMAND: runs COMMAND at exit before whatever the EXIT trap does
# already (the helpers' own cleanups, then the script's).
trap_first() {
  local prev
  prev=$(trap -p EXIT)
  prev=${prev#"trap -- '"}
  prev=${prev%"' EXIT"}
  prev=${prev//"'\\''"/"'"}
  # shellcheck disable=SC2064
  trap "$1; $prev" EXIT
}
