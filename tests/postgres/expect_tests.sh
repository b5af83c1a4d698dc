#!/usr/bin/env bash
# expect_tests.sh GTEST_BINARY [ARG...]: runs a googletest binary and fails unless it passes,
# at least one test ran, and none was skipped. (googletest alone passes a filter that matches
# nothing, and tests that skip themselves, e.g. for want of SLUICE_TEST_POSTGRES_URI.)
set -uo pipefail

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
passed=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) tests\{0,1\}\..*/\1/p' "$out" | tail -n 1)
skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) tests\{0,1\}, listed below:.*/\1/p' "$out" |
  tail -n 1)
if [ "${passed:-0}" -eq 0 ] || [ "${skipped:-0}" -ne 0 ]; then
  echo "$0: expected tests to run and pass, got ${passed:-0} passed and ${skipped:-0} skipped" >&2
  exit 1
fi
