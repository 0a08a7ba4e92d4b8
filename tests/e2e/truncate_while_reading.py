#!/usr/bin/python3
"""Runs fanout and truncates one of its input files while fanout has it open or mapped.

    truncate_while_reading.py --file PATH --to BYTES --out DIR [--when mapped|open] -- FANOUT ARGS...

Starts the command, watches /proc for the moment PATH appears in the command or any
process below it (its workers) -- with --when mapped (the default) as a memory mapping
of at least 1 MiB (a task's range, not the few bytes read while planning), with --when
open among its open files or mappings -- truncates PATH to BYTES right then, and waits
for the command to end. Writes DIR/stdout, DIR/stderr and
DIR/rc (the exit status, 128+N for a signal N) and prints one line: "landed" when the
file was truncated (after it was seen in use, so after fanout listed it), "late" when the
command ended before the file was seen. Standard library only; Linux only.
"""

import argparse
import os
import subprocess
import sys
import time

POLL_SECONDS = 0.0005
MIN_MAPPING = 1 << 20
TIMEOUT_SECONDS = 300


def descendants(pid):
    """pid and every process below it, as far as /proc shows them now."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def mapped(line, path, min_bytes):
    """True when a line of /proc/PID/maps maps at least min_bytes of path."""
    if not line.rstrip("\n").endswith(" " + path):
        return False
    begin, _, end = line.split(" ", 1)[0].partition("-")
    return int(end, 16) - int(begin, 16) >= min_bytes


def uses(pid, path, when):
    """True when process pid has path mapped (when == "mapped") or open or mapped."""
    min_bytes = MIN_MAPPING if when == "mapped" else 0
    try:
        with open(f"/proc/{pid}/maps") as f:
            if any(mapped(line, path, min_bytes) for line in f):
                return True
        if when == "mapped":
            return False
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--when", choices=("mapped", "open"), default="mapped")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    path = os.path.realpath(args.file)
    with open(os.path.join(args.out, "stdout"), "wb") as out, open(os.path.join(args.out, "stderr"), "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        landed = False
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while proc.poll() is None and time.monotonic() < deadline:
            if any(uses(p, path, args.when) for p in descendants(proc.pid)):
                os.truncate(path, args.to)  # it may have ended just now: then its answer must be whole
                landed = True
                break
            time.sleep(POLL_SECONDS)
        try:
            rc = proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    with open(os.path.join(args.out, "rc"), "w") as f:
        f.write(str(rc if rc >= 0 else 128 - rc) + "\n")
    print("landed" if landed else "late")
    return 0


if __name__ == "__main__":
    sys.exit(main())
