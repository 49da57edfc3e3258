# pillarbox — every target installs what it needs first.
#   make run    the player on its built-in demo
#   make test   the test suite (what CI runs)

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
ARCH := $(shell dpkg --print-architecture 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Host packages, named with the host architecture so that a multiarch
# setup (cross/) never swaps in another architecture's -dev package.
DEB_PACKAGES := build-essential pkg-config ca-certificates curl publicsuffix \
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
	gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
	gstreamer1.0-libav gstreamer1.0-tools \
	libfontconfig1-dev libxkbcommon-dev libinput-dev libudev-dev \
	libgbm-dev libdrm-dev fonts-dejavu-core fonts-noto-ui-core fonts-noto-cjk \
	libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 \
	libegl1 libgl1-mesa-dri libwayland-client0 libwayland-egl1 \
	gstreamer1.0-gl gstreamer1.0-x libegl-mesa0 xvfb gstreamer1.0-espeak \
	python3-jsonschema systemd

# Only the tests need these: a headless browser for the unlock page test,
# ffmpeg for HLS streams encrypted as its users make them, FFmpeg's headers
# to check our libavcodec decoders' struct layouts against, and Python's
# venv for chDB (ClickHouse's engine in-process, from PyPI), which runs
# docs/analytics.md's queries on what a TV-app run sent.
TEST_PACKAGES := chromium-headless-shell ffmpeg libavcodec-dev python3-venv
CHDB_VENV := target/chdb-venv
CHDB_VERSION := 4.4.0
export PILLARBOX_CHDB_PYTHON := $(CURDIR)/$(CHDB_VENV)/bin/python3

.PHONY: deps test-deps run test lint bench fuzz-build fuzz

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES) $(EXTRA_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$$p:$(ARCH)" 2>/dev/null | grep -q "install ok installed" \
	    || dpkg-query -W -f='$${Status}\n' "$$p:all" 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p:$(ARCH)"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v cargo >/dev/null || { \
	  echo "installing the Rust toolchain with rustup"; \
	  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt; }

run: deps
	cargo run --release -- --windowed

# PILLARBOX_LINT=1 (CI): clippy compiles our own crates while the tests
# build, warnings as errors; `make lint` then needs no second pass over
# every dependency (four minutes of CI).
CLIPPY_IN_BUILD := RUSTC_WORKSPACE_WRAPPER=$(HOME)/.cargo/bin/clippy-driver \
	CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

test-deps:
	@$(MAKE) -s deps EXTRA_PACKAGES="$(TEST_PACKAGES)"
	@$(CHDB_VENV)/bin/python3 -c 'import chdb' 2>/dev/null || { \
	  echo "installing chdb $(CHDB_VERSION) into $(CHDB_VENV)"; \
	  /usr/bin/python3 -m venv $(CHDB_VENV) && \
	  $(CHDB_VENV)/bin/pip install -q --disable-pip-version-check chdb==$(CHDB_VERSION); }

# With the headless platform's own tests (its screen buffer against Slint's).
# At least four tests at a time: about half of the integration tests' time
# is playback at real speed, waiting on the clock, so on two cores four at a
# time keep both busy (it: 4:06 with two, 2:46 with four, 3:05 with four
# beside a busy loop; no test failed). More cores, more at a time.
TEST_THREADS := $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n < 4 ? 4 : n )))
test: test-deps
	$(if $(PILLARBOX_LINT),$(CLIPPY_IN_BUILD)) RUST_TEST_THREADS=$${RUST_TEST_THREADS:-$(TEST_THREADS)} \
	  cargo test -p pillarbox -p pillarbox-headless

# pillarbox against gst-play-1.0 and mpv (installed if missing), then the
# TV app headless (start-up, memory, redraw, CPU against the core,
# 100-episode soaks) as a box runs it: the box profile (LTO, linuxkms only)
# built for this machine, with the QA tools the bench drives it through.
# Twenty minutes or so.
bench: deps
	cargo bench --bench switching
	cargo build --profile box -p pillarbox-box --no-default-features --features tv,qa --bin pillarbox
	PILLARBOX_BENCH_BIN=target/box/pillarbox cargo bench --bench tv

# cargo-fuzz targets for the parsers of outside input: catalog, HLS
# playlist, Roku feed, WebVTT subtitles, entitlement documents, keymaps,
# the account's progress.
# Seeds are committed under fuzz/seeds/TARGET; a run
# grows its corpus in fuzz/corpus/TARGET (not committed). The
# instrumentation needs nightly flags; RUSTC_BOOTSTRAP lets the stable
# toolchain accept them.
FUZZ_TARGETS := catalog_parse hls_parse roku_import webvtt_parse entitlements_parse keymap_parse progress_parse vast_parse
FUZZ_SECONDS ?= 300
# --dev: unoptimised, a minute quicker to build; CI's short runs use it.
FUZZ_BUILD ?=

# What `cargo fuzz build` passes, spelled out so that CI need not compile
# cargo-fuzz first (a minute and a half): libFuzzer's coverage counters and
# compare tracing, AddressSanitizer, --cfg fuzzing, debug assertions; one
# codegen unit when optimised (the coverage pass defeats ThinLTO otherwise).
# `cargo fuzz run TARGET` works on the same tree for those who have it.
FUZZ_RUSTFLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
	-Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
	--cfg fuzzing -Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Zsanitizer=address \
	-Cllvm-args=-sanitizer-coverage-stack-depth -Cdebug-assertions \
	$(if $(filter --dev,$(FUZZ_BUILD)),,-Ccodegen-units=1)

fuzz-build: deps
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="$(FUZZ_RUSTFLAGS)" cargo build --manifest-path fuzz/Cargo.toml \
	  --target x86_64-unknown-linux-gnu --bins \
	  $(if $(filter --dev,$(FUZZ_BUILD)),,--release --config 'profile.release.debug="line-tables-only"')

# Every target for FUZZ_SECONDS each (CI: a short run, FUZZ_SECONDS=6). The
# built binaries run directly: `cargo fuzz run` would re-check the build (8 s
# of cargo a target).
FUZZ_BIN := fuzz/target/x86_64-unknown-linux-gnu/$(if $(filter --dev,$(FUZZ_BUILD)),debug,release)
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t fuzz/artifacts/$$t; cp -n fuzz/seeds/$$t/* fuzz/corpus/$$t/ 2>/dev/null || true; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  if ! $(FUZZ_BIN)/$$t fuzz/corpus/$$t -artifact_prefix=fuzz/artifacts/$$t/ -max_total_time=$(FUZZ_SECONDS) \
	      -rss_limit_mb=2048 -print_final_stats=1 > fuzz/$$t.log 2>&1; then \
	    tail -40 fuzz/$$t.log; exit 1; \
	  fi; \
	  grep -E "^stat::(number_of_executed_units|peak_rss_mb)" fuzz/$$t.log || true; \
	done

lint: deps
	cargo fmt --check
ifdef PILLARBOX_LINT
	# Library, binary and tests were linted as `make test` built them.
	$(CLIPPY_IN_BUILD) cargo build --benches
else
	cargo clippy --all-targets -- -D warnings
endif
