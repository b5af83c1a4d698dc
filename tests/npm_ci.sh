#!/usr/bin/env bash
# Installs the exact packages of package-lock.json into node_modules of the current directory
# (npm ci), unless they were installed from these same files already: a stamp records the
# SHA-256 of package.json, package-lock.json and the files named as arguments (e.g. .npmrc).
# Each suite's install.sh checks its node version, then runs this from its own directory.
set -euo pipefail

stamp=node_modules/.sluice-install-stamp
wanted=$(cat package.json package-lock.json "$@" | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$wanted" > "$stamp"
