#!/usr/bin/env bash
# Installs the peers that bench/run.sh times fanout against.
# Idempotent: runs `apt-get update` only when a Debian package is missing, and
# `npm ci` only when node_modules does not match package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# pypy3 + cut: the seed pipeline; mawk: the awk peer; time: /usr/bin/time for peak RSS;
# python3: the harness (/usr/bin/python3, standard library only); nginx-light and
# curl: the server and the reference client of the read benchmark (--read). The project's own
# install script does the checking and installing.
bash scripts/install-deps.sh pypy3 mawk hyperfine time coreutils findutils nginx-light curl
