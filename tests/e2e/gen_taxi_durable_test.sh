#!/usr/bin/env bash
# gen-taxi writes each file to a temporary file beside it, syncs it and only then
# renames it into place (core::FinishTempFile), so that a crash never leaves a
# file that looks whole and is not. Checked under strace -y (which names the file
# behind each descriptor): every rename of a .partial file follows an fsync of
# that same file, for plain, gzip and zstd output; nothing .partial is left.
source "$(dirname "$0")/lib.sh"
require_fanout
command -v strace >/dev/null || die "strace is not installed (scripts/install-deps.sh installs it)"
strace -o /dev/null true 2>/dev/null || die "strace cannot trace processes here"

# renames_without_fsync TRACE: "N BAD...": the .partial files renamed, and those
# renamed without an fsync of them before. (With threads, a call may be split over
# an "<unfinished ...>" line and a "resumed" one; the first names the file.)
renames_without_fsync() {
  awk '
    /fsync\(|fdatasync\(/ { if (match($0, /<[^>]*>/)) synced[substr($0, RSTART + 1, RLENGTH - 2)] = 1 }
    /rename(at2?)?\(/ {
      if (match($0, /"[^"]*"/)) {
        src = substr($0, RSTART + 1, RLENGTH - 2)
        if (src ~ /\.partial$/) { n++; if (!(src in synced)) bad = bad " " src }
      }
    }
    END { print n + 0 bad }' "$1"
}

for compress in none gz zst; do
  out=$TMP/data-$compress
  strace -f -y -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$TMP/trace.$compress" \
    "$FANOUT" gen-taxi --out "$out" --files 3 --rows 500 --seed 7 --compress "$compress" --threads 2 --quiet \
    >"$TMP/out.$compress" 2>"$TMP/err.$compress"
  check_eq "--compress $compress: exit status ($(cat "$TMP/err.$compress"))" "$?" 0
  check_eq "--compress $compress: each of the 3 files synced before its rename" \
    "$(renames_without_fsync "$TMP/trace.$compress")" 3
  check_eq "--compress $compress: 3 files written" "$(ls "$out" | wc -l)" 3
  check_eq "--compress $compress: no temporary file left" "$(ls -A "$out" | grep -c partial)" 0
done

finish
