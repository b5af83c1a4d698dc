#!/usr/bin/env bash
# Lints web/openapi.json, the description `sluice serve` answers at /openapi.json, with Redocly's
# CLI and redocly.yaml (its recommended rules). Prints every problem and a closing count; fails on
# any error, and when the linter itself fails.
set -euo pipefail
cd "$(dirname "$0")"
bash ./install.sh

# No telemetry or update check: the lint must not depend on reaching anything.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
node_modules/.bin/redocly lint --config redocly.yaml --format=json ../../web/openapi.json \
  >"$work/report.json" 2>"$work/stderr.txt" || status=$?
exec node ./report.mjs ../../web/openapi.json "$work/report.json" "$work/stderr.txt" "$status"
