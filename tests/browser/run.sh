#!/usr/bin/env bash
# The console in a real browser: Debian's chromium, driven by playwright-core, against the real
# sluice binary (SLUICE_BIN) on a free port with a temporary data directory. The TAP reporter ends
# with "# pass N", "# fail N" and "# skipped N". SLUICE_SCREENSHOTS=1 writes the screenshots to
# docs/console-*.png; otherwise they go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")"
: "${SLUICE_BIN:?SLUICE_BIN must name the sluice binary}"
bash ./install.sh
exec node --test --test-reporter=tap ./*.test.mjs
