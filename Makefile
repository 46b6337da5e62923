# consentd — the two commands a newcomer needs:
#   make run    install dependencies, build, create demo data, start the server
#   make test   install dependencies, build, run every test (unit, integration, browser)
BUILD ?= build
JOBS ?= $(shell nproc)
CONSENTD = $(BUILD)/consentd

.PHONY: all deps build run test test-asan bench bench-pg format clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

run: build
	@mkdir -p var
	@$(CONSENTD) migrate
	@$(CONSENTD) demo
	@echo "Starting consentd (Ctrl-C stops it) ..."
	@exec $(CONSENTD) serve

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The unit and integration tests built with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCONSENTD_SANITIZE=ON
	ninja -C $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) -E '^e2e\.'

bench: build
	@scripts/install-deps --bench
	bench/run

# PostgreSQL (one and two nodes) beside SQLite, and pgbench's single-row insert rate.
bench-pg: build
	@scripts/install-deps --bench
	bench/pg

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h')

clean:
	rm -rf $(BUILD) $(BUILD)-asan
