#!/usr/bin/env bash
# Installs the scale-out suite's npm peers (s3rver, Coveo's Node client; exact versions from
# package-lock.json) into tests/cluster/node_modules, only when missing or older than the lock.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: the scale-out suite needs node (>= 18.12) and npm on PATH" >&2
  exit 1
fi
exec bash ../npm_ci.sh
