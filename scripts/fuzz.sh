#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset `fuzz`) and runs each one for
# FUZZ_SECONDS on a scratch copy of its seed corpus (fuzz/corpus/<target>/), so
# the repository never receives generated inputs. Crash, leak and timeout inputs
# are kept in build/fuzz/artifacts/. Exits non-zero when any target failed.
#
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_TARGETS  space-separated subset of targets (default: every fuzz/corpus/* entry)
#   JOBS          build parallelism (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
jobs="${JOBS:-$(nproc)}"
build_dir=build/fuzz
artifacts="$build_dir/artifacts"

if ! clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q /; then
  echo "fuzz: clang's libFuzzer runtime is missing (Debian package libclang-rt-14-dev)" >&2
  exit 1
fi

targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

build_start=$(date +%s)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target $(printf '%s_fuzzer ' "${targets[@]}")
echo "fuzz: built ${#targets[@]} targets in $(($(date +%s) - build_start)) s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

failed=0
total_execs=0
start=$(date +%s)
for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/${target}_fuzzer"
  corpus="$scratch/corpus/$target"
  log="$scratch/$target.log"
  mkdir -p "$corpus"
  cp -R "fuzz/corpus/$target/." "$corpus/"
  options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
           -artifact_prefix="$artifacts/$target-")
  [ -f "fuzz/dict/$target.dict" ] && options+=(-dict="fuzz/dict/$target.dict")
  status=0
  "$binary" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
  execs=${execs:-0}
  total_execs=$((total_execs + execs))
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $target: $execs executions, ok"
  else
    failed=$((failed + 1))
    echo "fuzz: $target: FAILED (exit $status) after $execs executions; log tail:"
    grep -v -e '^#' -e 'NEW_FUNC' "$log" | tail -n 40 | sed 's/^/    /'
    echo "fuzz: reproduce with: $binary $artifacts/$target-<crash|leak|timeout|oom>-..."
  fi
done

echo "fuzz: ${#targets[@]} targets, $failed crashes, $total_execs executions in $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
