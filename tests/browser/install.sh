#!/usr/bin/env bash
# Installs playwright-core (exact version from package-lock.json) into tests/browser/node_modules,
# only when it is missing or older than the lock. No browser is downloaded: the tests drive
# Debian's chromium (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: the browser tests need node (>= 20) and npm on PATH" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if (( major < 20 )); then
  echo "install.sh: node $(node --version) is too old; playwright-core needs 20 or later" >&2
  exit 1
fi
if [[ ! -x ${CHROMIUM:-/usr/bin/chromium} ]]; then
  echo "install.sh: ${CHROMIUM:-/usr/bin/chromium} is missing; run scripts/install-deps.sh" \
    "(Debian package chromium) or set CHROMIUM" >&2
  exit 1
fi

PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 exec bash ../npm_ci.sh
