#!/usr/bin/env bash
# The conformance suite: Coveo's unchanged Node Push API client against the real
# sluice binary (SLUICE_BIN). Each *.test.mjs starts its own server; redirect.cjs
# reroutes the client's https://*.cloud.coveo.com requests to it. The TAP reporter
# ends with "# pass N", "# fail N" and "# skipped N" whether or not stdout is a TTY.
set -euo pipefail
cd "$(dirname "$0")"
: "${SLUICE_BIN:?SLUICE_BIN must name the sluice binary}"
bash ./install.sh
exec node --require ./redirect.cjs --test --test-reporter=tap ./*.test.mjs
