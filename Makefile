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
	$(SLUICE) serve --data-dir $(DATA_DIR) --listen $(LISTEN) --public-url $(PUBLIC_URL) --log-format text

test: build
	@ctest --preset $(PRESET) -j $(JOBS)

# Every suite again under AddressSanitizer + UndefinedBehaviorSanitizer (clang).
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

# The concurrent modules (journal, pipeline, HTTP server, the whole server under
# storage faults, the push client's manifest and progress) under ThreadSanitizer (clang).
TSAN_TESTS := sluice_store_tests sluice_faults_tests sluice_http_tests sluice_pipeline_tests \
	sluice_app_tests sluice_client_tests sluice_telemetry_tests sluice_s3_tests
.PHONY: test-tsan
test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target $(TSAN_TESTS)
	@ctest --preset tsan -j $(JOBS) -L '^(store|faults|http|pipeline|app|client|telemetry|s3)$$'

# Several nodes on a throwaway PostgreSQL and s3rver (also part of `make test`).
.PHONY: test-cluster
test-cluster: build
	@ctest --preset $(PRESET) -L cluster --output-on-failure

# The long versions of the reliability suites: 200 SIGKILLs, a 60 s flood, 5 min
# per fuzz target. docs/RELIABILITY.md quotes their closing lines.
.PHONY: test-long
test-long: build
	@SLUICE_CRASH_KILLS=200 SLUICE_OVERLOAD_SECONDS=60 ctest --preset $(PRESET) -L reliability -V \
		> $(BUILD_DIR)/reliability.log 2>&1; status=$$?; \
		grep -E '^[0-9]+: (crash test|overload|bad inputs|auth attacks)|tests passed' \
		$(BUILD_DIR)/reliability.log; exit $$status
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=300

# libFuzzer targets (fuzz/README.md) under ASan + UBSan, FUZZ_SECONDS each on a scratch
# copy of the seed corpus; fails on any crash, leak or timeout.
FUZZ_SECONDS ?= 20
.PHONY: fuzz
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) ./scripts/fuzz.sh

# Performance: every bench/*.py benchmark against the real server, each beside its peers
# (nginx, s3rver, igzip, libxml2, raw Xapian, SQLite FTS5, PostgreSQL) measured in the same
# run; writes bench/results/*.json and bench/results/summary.md. Not part of `make test`.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS='--quick' or '--only upload,pushes'.
.PHONY: bench
bench: build
	@./scripts/install-bench-deps.sh
	@python3 bench/run.py --sluice $(SLUICE) $(BENCH_ARGS)

# The Debian package (cmake/Packaging.cmake, packaging/): $(BUILD_DIR)/sluice_<version>_<arch>.deb.
.PHONY: deb
deb: build
	@cd $(BUILD_DIR) && cpack -G DEB

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
