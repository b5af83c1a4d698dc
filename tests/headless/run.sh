#!/usr/bin/env bash
# The Headless suite: Coveo's unchanged @coveo/headless search engine in Node against the real
# sluice binary (SLUICE_BIN), aimed at it with search.proxyBaseUrl. headless.test.mjs starts its
# own server. The TAP reporter ends with "# pass N", "# fail N" and "# skipped N".
set -euo pipefail
cd "$(dirname "$0")"
: "${SLUICE_BIN:?SLUICE_BIN must name the sluice binary}"
bash ./install.sh
exec node --test --test-reporter=tap ./*.test.mjs
