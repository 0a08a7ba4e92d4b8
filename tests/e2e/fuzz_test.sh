#!/usr/bin/env bash
# Random well-formed CSV (fuzz_gen.py, fixed seeds): fanout and the reference must
# agree on every table and on the number of rows read and skipped, at random
# thread counts, range sizes and buffer sizes. Each command runs with the next
# scanner kernel in turn.
source "$(dirname "$0")/lib.sh"
require_fanout

CASES=${FANOUT_FUZZ_CASES:-40}
SEED=${FANOUT_FUZZ_SEED:-1}
"$PY" "$E2E_DIR/fuzz_gen.py" "$TMP/fuzz" "$CASES" "$SEED" >"$TMP/commands" || die "fuzz_gen.py failed"

n=0
while IFS= read -r line; do
  n=$((n + 1))
  export FANOUT_KERNEL
  FANOUT_KERNEL=$(kernel_for "$n")
  mapfile -t args < <("$PY" -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])["args"]))' "$line")
  mapfile -t settings < <("$PY" -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])["settings"]))' "$line")
  if [[ ${args[0]} == select ]]; then
    mkdir -p "$TMP/sel/$n.ref" "$TMP/sel/$n.fan"
    run_ref ref "${args[@]}" --out "$TMP/sel/$n.ref"
    run_fanout fan "${args[@]}" --out "$TMP/sel/$n.fan" "${settings[@]}" --quiet
    cmd=$(show_cmd "$FANOUT" "${args[@]}" --out "$TMP/sel/$n.fan" "${settings[@]}")
    if [[ $(rc_of fan) != "$(rc_of ref)" ]]; then
      fail "exit status fanout=$(rc_of fan) reference=$(rc_of ref) for: $cmd"$'\n'"fanout: $(head -c 1000 "$TMP/err.fan")"$'\n'"reference: $(head -c 1000 "$TMP/err.ref")"
    elif [[ $(rc_of ref) == 0 ]]; then
      check_dirs_equal "$cmd" "$TMP/sel/$n.fan" "$TMP/sel/$n.ref"
    else
      pass
    fi
    continue
  fi
  run_ref ref "${args[@]}"
  run_fanout fan "${args[@]}" "${settings[@]}" --quiet
  cmd=$(show_cmd "$FANOUT" "${args[@]}" "${settings[@]}")
  if [[ $(rc_of fan) != "$(rc_of ref)" ]]; then
    fail "exit status fanout=$(rc_of fan) reference=$(rc_of ref) for: $cmd"$'\n'"fanout: $(head -c 1000 "$TMP/err.fan")"$'\n'"reference: $(head -c 1000 "$TMP/err.ref")"
    continue
  fi
  if [[ $(rc_of ref) != 0 ]]; then
    pass
    continue
  fi
  if "${CSVDIFF[@]}" "$TMP/out.fan" "$TMP/out.ref" >"$TMP/diff" 2>&1; then
    pass
  else
    fail "output differs for: $cmd"$'\n'"$(head -c 3000 "$TMP/diff")"
    continue
  fi
  # Rows read and skipped (the reasons too, except where two aggregate columns of
  # one row are both non-numeric, which the reference may name differently).
  run_ref sref "${args[@]}" --stats
  run_fanout sfan "${args[@]}" "${settings[@]}"
  if "$PY" "$E2E_DIR/summary_check.py" --totals "$TMP/err.sfan" "$TMP/err.sref" >"$TMP/sdiff" 2>&1; then
    pass
  else
    fail "summary differs for: $cmd"$'\n'"$(cat "$TMP/sdiff")"
  fi
done <"$TMP/commands"

finish
