#!/usr/bin/env bash
# The scale-out suite: Sluice nodes on S3 (s3rver) and PostgreSQL, all on loopback.
# Arguments: the unittest modules to run (default: every test_*.py here).
set -euo pipefail
cd "$(dirname "$0")"
: "${SLUICE_BIN:?SLUICE_BIN must name the sluice binary}"
bash ./install.sh
if [ $# -eq 0 ]; then
  set -- $(ls test_*.py | sed 's/\.py$//')
fi
PYTHONDONTWRITEBYTECODE=1 exec python3 -m unittest -v "$@"
