# The two commands a newcomer needs: `make run` and `make test`.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
SLUICE := $(BUILD_DIR)/src/app/sluice
DATA_DIR ?= ./data
LISTEN ?= 127.0.0.1:8080
PUBLIC_URL ?= http://$(LISTEN)
JOBS ?= $(shell nproc)

.PHONY: deps configure build run test test-asan format clean

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	$(SLUICE) serve --data-dir $(DATA_DIR) --listen $(LISTEN) --public-url $(PUBLIC_URL)

test: build
	@ctest --preset $(PRESET) -j $(JOBS)

# Every suite again under AddressSanitizer + UndefinedBehaviorSanitizer (clang).
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

# Search latency on 100,000 synthetic items beside SQLite FTS5 (docs/measurements.md);
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS='--items 5000'.
.PHONY: bench
bench: build
	@python3 bench/search_latency.py --sluice $(SLUICE) $(BENCH_ARGS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
