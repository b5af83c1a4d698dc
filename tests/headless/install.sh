#!/usr/bin/env bash
# Installs Coveo's Headless library (exact versions from package-lock.json) into
# tests/headless/node_modules, only when it is missing or older than the lock.
# .npmrc sets legacy-peer-deps: Headless' peers (React Native through coveo.analytics,
# pino-pretty, typescript) are not needed to run a search engine in Node.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: the Headless suite needs node (^20.9 or ^22.11) and npm on PATH" >&2
  exit 1
fi
version=$(node -p 'process.versions.node')
major=${version%%.*}
minor=$(cut -d. -f2 <<<"$version")
if (( major < 20 || (major == 20 && minor < 9) )); then
  echo "install.sh: node v$version is too old; @coveo/headless 4 needs 20.9 or later" >&2
  exit 1
fi

exec bash ../npm_ci.sh .npmrc
