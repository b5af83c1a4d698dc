#!/usr/bin/env bash
# Installs Coveo's Node client (exact versions from package-lock.json) into
# tests/conformance/node_modules, only when it is missing or older than the lock.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: the conformance suite needs node (>= 18.12) and npm on PATH" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if (( major < 18 )); then
  echo "install.sh: node $(node --version) is too old; @coveo/push-api-client needs 18.12 or later" >&2
  exit 1
fi

exec bash ../npm_ci.sh
