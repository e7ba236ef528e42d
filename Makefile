# tripact front door. CMake + CTest do the work underneath.
#   make run    install what is missing, build, start the demo
#   make test   install what is missing, build with ASan+UBSan, run every test
#   make bench  build optimised and run the benchmarks (see bench/README.md)
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 15

.PHONY: all deps build run test test-unit fuzz-smoke bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)

run: build
	scripts/run-demo build/release/tripact

test: deps test-unit fuzz-smoke

test-unit:
	cmake --preset asan >/dev/null
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ctest -j $(JOBS) --output-on-failure

fuzz-smoke:
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS)
	scripts/fuzz-smoke build/fuzz $(FUZZ_SECONDS)

bench: build
	scripts/run-bench build/release

clean:
	rm -rf build
