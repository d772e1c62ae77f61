# The two commands of the README. Both install what is missing (Debian 12),
# build with CMake into build/, and then run the demo or the tests.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
# ccache hits from any clone of the tree (paths taken relative to it, the working
# directory left out of the hash), so a fresh clone in CI reuses the last build's work.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: setup build demo test test-asan test-tsan fuzz cppcheck lint clean deb-arm64 deb-armhf test-arm64 test-armhf

setup:
	bash scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)
	bash scripts/demo_hub.sh $(BUILD)

# CI: warnings are errors. Each test runs in the pass that can judge it: the normal
# tree runs what only an uninstrumented build can judge (labels in tests/CMakeLists.txt:
# the unit tests, those whose subject is timing, the soak, the package and unit-file
# checks, the 400-rule comparison with python-dateutil); the ASan+UBSan tree runs every
# other test, and the unit and timed ones again but ASAN_SKIP. Each stage prints the
# time it starts (`== HH:MM:SS stage`), for the budget.
NORMAL_LABELS = ^(unit|timed|soak|host|reference)$$
STAGE = @echo "== $$(date +%T) $(1)"
test: setup
	$(call STAGE,build)
	cmake -S . -B $(BUILD) -DLOAXA_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)
	$(call STAGE,tests)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 300 -L '$(NORMAL_LABELS)'
	$(call STAGE,cppcheck)
	$(MAKE) cppcheck
	$(call STAGE,asan)
	$(MAKE) test-asan
	$(call STAGE,done)

# libFuzzer targets built with clang-14 (ASan+UBSan), each run FUZZ_SECONDS on its
# seed corpus in fuzz/corpus. Not in `make test` (a third tree, about 6.5 minutes cold, would
# take it past its 45-minute budget): there each target's entry point replays its corpus
# in the normal and ASan passes (tests fuzz_corpus_*); run this when a parser changes.
FUZZ_SECONDS ?= 300
fuzz: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(BUILD)-fuzz -DLOAXA_FUZZ=ON -DLOAXA_TESTS=OFF -DLOAXA_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD)-fuzz -j$(JOBS) --target fuzz_manifest fuzz_config fuzz_rrule fuzz_m3u fuzz_http
	bash fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

# Every process the tests start (loaxad, loaxa) inherits these: any report fails the test.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:verify_asan_link_order=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0
# Tests whose subject is timing (under kills or load, or a start measured at the sink to
# the millisecond) run in the normal pass only: under the sanitizer's slowdown they
# measure the sanitizer (one hit the 300 s limit in CI; the logins test's onset was
# 10 ms late with the Argon2 worker taking a core; the FIFO reader, instrumented too,
# stamped a first sample 3.6 and 10.8 ms after the row that matched the plan; the stall
# test stops the daemon for 38 ms where the mixer takes an item's last samples; the HLS
# relay's live MP3 decoded under the sanitizer most likely reached the live mixer late, so
# its 440 Hz tone measured 457 Hz in CI: it is checked in the normal pass; the rotted
# file's test counts samples at the join, and the kiosk's leak test takes the same path).
ASAN_SKIP = DaemonTest.AFileThatRotsAfterIngestFailsAtItsSlotAndTheRestFollowsBackToBack|AirtimeDaemonTest.FiftyKillsDuringPlayLoseNoRowAndKeepTheChain|DaemonTest.LoginsInALoopLeaveTheAudioGapFreeAndOnTime|AirtimeDaemonTest.TwentyKillsWhileItsOwnWritesQueueLoseNoRowAndNoAcknowledgedEdit|DaemonTest.ASigkillMidPlayLosesAtMostASecondOfTheRow|DaemonTest.ScheduledToneRendersOnTimeAndIsLogged|DaemonTest.ABlockOfThreeStartsOnTimeAndJoinsWithoutAddedSamples|ClockJumpTest.AForwardJumpLogsWhatItSkippedAndABackwardOneReplaysNothing|ClockJumpTest.JumpsOfDaysLogTheSkippedDaysAndReplayNothing|DaemonTest.AStallOfTheBoxAsAnItemEndsCutsNoneOfItsSamples|DaemonTest.AnHlsStationRelaysForItsWindowAndEndsCompleted
test-asan: setup
	cmake -S . -B $(BUILD)-asan -DLOAXA_WERROR=ON -DLOAXA_SANITIZE=ON -DLOAXA_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && $(SANITIZER_ENV) ctest --output-on-failure -j$(JOBS) --timeout 300 \
	  -LE '^(soak|host)$$' -E '^($(ASAN_SKIP))$$'

# The ARM packages, cross-built on this amd64 machine: arm64 (Raspberry Pi 3/4/5 class)
# and armhf (older, 32-bit boards). Debian's cross compiler against a sysroot of
# Debian's packages (scripts/cross_sysroot.sh, cached in /var/cache/loaxa-test). Their
# library Depends are the amd64 build's (dpkg-shlibdeps cannot read the unpacked
# sysroot). Writes $(BUILD)-ARCH/loaxa_VERSION_ARCH.deb. setup.sh installs arm64's
# cross compiler, qemu-user and mmdebstrap; armhf's compiler is installed here, when
# asked for.
CROSS_GXX_arm64 = g++-aarch64-linux-gnu
CROSS_GXX_armhf = g++-arm-linux-gnueabihf
deb-arm64 deb-armhf: deb-%: build
	dpkg -s $(CROSS_GXX_$*) >/dev/null 2>&1 || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(CROSS_GXX_$*)
	sysroot=$$(bash scripts/cross_sysroot.sh $*) && \
	shlibs=$$(bash scripts/shlibs_depends.sh $(BUILD)) && \
	cmake -S . -B $(BUILD)-$* -DCMAKE_TOOLCHAIN_FILE=cmake/debian-cross.cmake -DLOAXA_DEB_ARCH=$* \
	  -DCMAKE_SYSROOT=$$sysroot -DLOAXA_BENCH=OFF -DLOAXA_DEB_SHLIBS="$$shlibs" $(CMAKE_FLAGS)
	cmake --build $(BUILD)-$* -j$(JOBS) --target loaxad loaxa loaxa-hub loaxa_unit_tests package_docs
	cd $(BUILD)-$* && cpack -G DEB >/dev/null && ls -l loaxa_*_$*.deb

# The ARM binaries under qemu-user: the shipped config checks, the unit tests pass,
# a scheduled play renders the right samples (tests/cross_test.sh). Not in `make test`:
# a cold cross-build (about 10 minutes with the sysroot's download) would take
# `make test` past its 45-minute budget; run them when the build, the packaging or
# anything word-size dependent changes (docs/testing.md).
test-arm64 test-armhf: test-%: deb-%
	bash tests/cross_test.sh $* $(BUILD)-$*

# ThreadSanitizer on the tests whose threads meet (GStreamer streaming threads hand
# buffers, levels and end-of-stream to the event loop; the HTTP fetches and the API
# run on their own). Not in CI: see docs/decisions.md for what it finds.
TSAN_TESTS ?= DaemonTest.*:KioskTest.*:SyncTest.*:ApiTest.*:AirtimeDaemonTest.*
test-tsan: setup
	cmake -S . -B $(BUILD)-tsan -DLOAXA_TSAN=ON -DLOAXA_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)-tsan -j$(JOBS) --target loaxad loaxa loaxa-airtime-fill loaxa_integration_tests
	cd $(BUILD)-tsan && TSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/tsan.supp:halt_on_error=0:second_deadlock_stack=1 \
	  ./tests/loaxa_integration_tests --gtest_filter='$(TSAN_TESTS)'

# cppcheck on loaxa's own code (the compile database filtered to it); in `make test`.
cppcheck: build
	python3 scripts/own_compile_commands.py $(BUILD)/compile_commands.json > $(BUILD)/own_compile_commands.json
	cppcheck --project=$(BUILD)/own_compile_commands.json --enable=warning,performance,portability \
	  --inline-suppr --suppressions-list=tests/sanitizers/cppcheck.supp --error-exitcode=1 -q -j$(JOBS)

# clang-tidy (.clang-tidy) and cppcheck on loaxa's own code; both must be silent.
# clang-tidy takes ~5 minutes with -j2 here, so it is not part of `make test`. It reads
# a compile database of single files (a tree configured without unity batches, never built).
lint: cppcheck
	cmake -S . -B $(BUILD)-lint -DLOAXA_UNITY=OFF $(CMAKE_FLAGS) >/dev/null
	run-clang-tidy-14 -p $(BUILD)-lint -j$(JOBS) -quiet '$(CURDIR)/(common|scheduler|player|http|sync|store|daemon|hub|cli|tools)/' \
	  > $(BUILD)-lint/clang-tidy.log 2>&1 || { grep -E 'warning:|error:' $(BUILD)-lint/clang-tidy.log; exit 1; }

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz $(BUILD)-arm64 $(BUILD)-lint
