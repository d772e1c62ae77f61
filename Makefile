# The two commands of the README. Both install what is missing (Debian 12),
# build with CMake into build/, and then run the demo or the tests.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
# ccache hits from any clone of the tree (paths taken relative to it, the working
# directory left out of the hash), so a fresh clone in CI reuses the last build's work.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: setup build demo test test-asan fuzz clean

setup:
	bash scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

# CI: warnings are errors; then a second configuration with ASan+UBSan runs the unit tests.
test: setup
	cmake -S . -B $(BUILD) -DLOAXA_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 300
	$(MAKE) test-asan
	$(MAKE) fuzz FUZZ_SECONDS=15

# libFuzzer targets built with clang-14 (ASan+UBSan), each run FUZZ_SECONDS on its
# seed corpus in fuzz/corpus; CI runs a short smoke.
FUZZ_SECONDS ?= 300
fuzz: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(BUILD)-fuzz -DLOAXA_FUZZ=ON -DLOAXA_TESTS=OFF -DLOAXA_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD)-fuzz -j$(JOBS) --target fuzz_manifest fuzz_config fuzz_rrule fuzz_m3u fuzz_http
	bash fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

test-asan: setup
	cmake -S . -B $(BUILD)-asan -DLOAXA_WERROR=ON -DLOAXA_SANITIZE=ON -DLOAXA_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j$(JOBS) --timeout 300 -L unit

clean:
	rm -rf $(BUILD) $(BUILD)-asan
