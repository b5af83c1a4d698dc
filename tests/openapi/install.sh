#!/usr/bin/env bash
# Installs Redocly's CLI (exact versions from package-lock.json) into tests/openapi/node_modules,
# only when it is missing or older than the lock.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: the OpenAPI lint needs node (20.19+ or 22.12+) and npm on PATH" >&2
  exit 1
fi
version=$(node -p 'process.versions.node')
major=${version%%.*}
minor=$(cut -d. -f2 <<<"$version")
# @redocly/cli 2 runs on node 20.19+ (not 21) and 22.12+.
if (( major < 20 || (major == 20 && minor < 19) || major == 21 || (major == 22 && minor < 12) )); then
  echo "install.sh: node v$version cannot run @redocly/cli 2; it needs 20.19+ or 22.12+" >&2
  exit 1
fi

exec bash ../npm_ci.sh
