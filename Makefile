# Tingjian's two commands: `make run` and `make test`. Both install whatever is missing first
# (apt packages, npm packages, cargo tools) and skip what is already there.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT        := $(abspath .)
TARGET      := $(ROOT)/target
DEBUG_BIN   := $(TARGET)/debug
DEMO_DATA   := $(TARGET)/demo-calls
# `make run`'s demo vault has accounts: the sign-in screen shows the demo passphrase.
DEMO_VAULT  := $(TARGET)/demo-vault-accounts
# `make bench-app` measures the app's start to the home screen, so its demo vault has no accounts.
BENCH_APP_VAULT := $(TARGET)/demo-vault
STAMPS      := $(TARGET)/stamps
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CARGO_BIN   := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(PATH)

# Everything the build, the demo generator and the tests use from Debian.
APT_PACKAGES := build-essential pkg-config curl file \
	libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev \
	libasound2-dev xvfb xauth dbus dbus-x11 webkit2gtk-driver fonts-noto-cjk \
	espeak-ng sox libsox-fmt-all ffmpeg sqlite3 b3sum util-linux procps bc faketime \
	libopus-dev libgsm1-dev libopencore-amrnb-dev pulseaudio pulseaudio-utils libasound2-plugins \
	poppler-utils zbar-tools

.PHONY: help run test deps deps-apt deps-npm deps-tools ui build demo-vault bindings lint unit e2e clean dist deb-debug bench-import bench-sampling bench-playback bench-library bench-metrics bench-signing bench-verify bench-report

help:
	@echo "make run   — install what is missing, build, open the app on a demo vault"
	@echo "make test  — install what is missing, then every check and test (end-to-end included)"

## ---- installation (idempotent, quiet when done) -------------------------------------------

deps: deps-apt deps-npm

deps-apt:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing apt packages: $$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# Node.js may come from Debian or from NodeSource (whose nodejs bundles npm); only a machine
	@# with neither gets Debian's.
	@command -v npm >/dev/null || { echo "installing nodejs and npm"; DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@command -v cargo >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs), then re-run"; exit 1; }

deps-npm: ui/node_modules/.installed

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps-tools:
	@command -v tauri-driver >/dev/null || { echo "installing tauri-driver 2.x"; cargo install tauri-driver --version '^2' --locked --quiet; }
	@cargo nextest --version >/dev/null 2>&1 || { echo "installing cargo-nextest"; cargo install cargo-nextest --locked --quiet; }

## ---- build ---------------------------------------------------------------------------------

UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/svelte.config.js

ui: ui/dist/index.html

ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && npx vite build --logLevel warn

# The app embeds ui/dist, so the UI is built first.
build: deps ui
	cargo build --workspace --bins --quiet

demo-vault: build
	@if [ -f "$(DEMO_VAULT)/vault.sqlite" ]; then echo "demo vault: $(DEMO_VAULT)"; else \
		$(DEBUG_BIN)/tingjian --vault "$(DEMO_VAULT)" demo --accounts --data "$(DEMO_DATA)"; fi

## ---- the two commands ------------------------------------------------------------------------

run: demo-vault
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		$(DEBUG_BIN)/tingjian-app --vault "$(DEMO_VAULT)"; \
	else \
		echo "no display: running the app under Xvfb (screen 1280x800)"; \
		dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24 -noreset" $(DEBUG_BIN)/tingjian-app --vault "$(DEMO_VAULT)"; \
	fi

test: deps-tools lint unit e2e
	@echo "make test: all checks and tests passed"

lint: deps ui
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	cd ui && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output machine | tail -n 3
	cd ui && npx vitest run --reporter=dot

# Tests that play sound in real time (a private PulseAudio daemon paces them) measure what the
# device played against the clock, so they run alone, after everything else, one at a time: no
# build, no WebKit and no decode-heavy test competes with them for the two cores.
REAL_TIME_TESTS := binary(realtime)

# Every cargo command selects the whole workspace, so features unify the same way each time and
# nothing is compiled twice; the end-to-end package is filtered out here and run by `e2e`. The
# demo's calls are generated first: the demo-on-every-day tests import them.
unit: build demo-vault
	cargo nextest run --workspace --no-fail-fast -E 'not package(tingjian-e2e) & not ($(REAL_TIME_TESTS))'
	cargo nextest run --workspace --no-fail-fast --test-threads 1 -E 'not package(tingjian-e2e) & ($(REAL_TIME_TESTS))'

# The real app under Xvfb, driven by tauri-driver + WebKitWebDriver. dbus-run-session makes the
# session and accessibility buses die with the run.
# The review tests play in real time, so they run after the others, one at a time.
E2E_FILTER_SED := sed -u -E '/dbus-daemon|xdg-desktop-portal|Gtk-WARNING|SpiRegistry|^$$/d'
e2e: build demo-vault deb-debug
	@mkdir -p "$(TARGET)/tmp"
	dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1080x24 -noreset" \
		cargo nextest run --workspace --no-fail-fast --test-threads 2 -E 'package(tingjian-e2e) & not binary(review)' \
		2>&1 | $(E2E_FILTER_SED)
	dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1080x24 -noreset" \
		cargo nextest run --workspace --no-fail-fast --test-threads 1 -E 'package(tingjian-e2e) & binary(review)' \
		2>&1 | $(E2E_FILTER_SED)
	@echo "screenshots: $(TARGET)/e2e-screenshots/"

## ---- benchmarks (release builds; figures printed, never asserted) -------------------------

# 200 calls of 5 minutes in mixed formats: Tingjian's import against sha256sum + ffprobe + ffmpeg,
# then one 10-minute call's decode + peaks + analytics per format.
bench-import: deps demo-vault
	cargo build --release --quiet -p tingjian-cli -p tingjian-audio --examples --bins
	tools/bench/import.sh

# A million synthetic complaints drawn with the example policy (crates/tingjian-sampling/examples/
# policy.toml): the draw's median time, in the vault's order and shuffled, against `shuf -n`
# picking as many numbers from a file of the same million complaint numbers.
bench-sampling:
	cargo run --release --quiet -p tingjian-sampling --example bench_sampling

# The library on 100,000 synthetic complaints (built once through the audit chain, then cached in
# target/bench-library-vault): each query the library screen makes (a page of 200 rows and the
# total) — no filter, each filter, a deep page, each sort, Chinese searches of 1, 2 and 4
# characters, a complaint number, filters with a search — median and p95 against the 30 ms budget,
# and `sqlite3` running a plain LIKE search on the same file as the reference.
bench-library: deps-apt
	cargo run --release --quiet -p tingjian-vault --example bench_library

# The quarter's complaint-handling figures (one-hour response, 15-day handling, by department and
# month, late lists) on 1,000,000 complaints of one quarter, beside a sqlite3 aggregate on the same
# file (BENCH_METRICS_COMPLAINTS=N for another size).
bench-metrics: deps-apt
	cargo run --release --quiet -p tingjian-vault --example bench_metrics

# `verify` of a vault of 1,000,000 events (built once through the audit chain, then cached in
# target/bench-verify-vault; BENCH_VERIFY_EVENTS=N for another size), read-only as `tingjian verify`
# runs it, in a child process: seconds, events/s and peak memory, against `sha256sum` over the same
# payload bytes.
bench-verify: deps-apt
	cargo run --release --quiet -p tingjian-vault --example bench_verify

# The quarterly report (季度报告) for a quarter of 2,000 complaints with 200 sampled calls, half of
# them heard with notes and a reflection (built once through the audit chain, then cached in
# target/bench-report-vault): gathered and typeset, median of 5, against the ≤ 3 s goal, and
# pdftotext reading the same PDF as the reference. Then `pack verify` of an evidence pack holding
# ~1 GB of audio (200 calls of 5 MB, cached in target/bench-pack-vault), median of 3, against
# b3sum over the same files in the same run (goal ≤ 1.5×).
bench-report: deps-apt
	cargo run --release --quiet -p tingjian-report --example bench_report
	cargo run --release --quiet -p tingjian-pack --example bench_pack

# Per-person signatures (issue 20): unsealing a key with the default argon2id costs, and ed25519
# verification one by one and in batches on one core and on both, against `sha256sum` over the
# same message bytes; the last column projects a million signed events.
bench-signing:
	cargo run --release --quiet -p tingjian-signing --example bench_signing

# Play-to-first-sample and seek-to-sound latency from the device callback's timestamps, and CPU
# at 2× speed, against a private PulseAudio null sink the benchmark starts itself.
bench-playback: deps
	cargo build --release --quiet -p tingjian-playback --examples
	$(TARGET)/release/examples/bench_playback

# The release app (the very build `make dist` packs, so there is one release build of it) on the demo
# vault under Xvfb, five runs, each with its own X display, session bus and HOME: spawn → home
# screen in the DOM and painted, and resident memory after the home screen has loaded and idled
# 5 s (the app's process, and WebKit's processes summed apart), each run and the medians against
# the goals (≤ 1 s, ≤ 150 MB). The driver (tests/examples/bench_app.rs, the end-to-end harness) is
# only what measures, so it is built in the debug profile, reusing what `make test` compiled.
.PHONY: bench-app
bench-app: deps ui deps-tools build
	@[ -f "$(BENCH_APP_VAULT)/vault.sqlite" ] || $(DEBUG_BIN)/tingjian --vault "$(BENCH_APP_VAULT)" demo --data "$(DEMO_DATA)"
	$(RELEASE_BUILD)
	cargo build --workspace --quiet --example bench_app
	$(DEBUG_BIN)/examples/bench_app --app $(TARGET)/release/tingjian-app --vault $(BENCH_APP_VAULT)

# 100 kill -9 trials (crates/tingjian-cli/tests/crash.rs) on release builds: the `tingjian` command,
# or a process making the app's writes, killed with SIGKILL at a random moment of an import, note
# writing, a reflection submit, a rectification step and a listening session; after each, `verify`
# must pass and nothing acknowledged may be lost. Prints the seed and trials / failures per
# operation (`CRASH_SEED=N make bench-crash` repeats a run's kill moments). `make test` runs ten.
.PHONY: bench-crash
bench-crash: deps-apt
	CRASH_TRIALS=100 cargo test --release --quiet -p tingjian-cli --test crash -- --nocapture

## ---- fuzzing (not part of `make test`) -----------------------------------------------------

.PHONY: fuzz deps-fuzz

# Seconds each fuzz target runs; `make fuzz FUZZ_SECONDS=1800` is the half-hour run.
FUZZ_SECONDS ?= 60

# cargo-fuzz drives libFuzzer; on the stable compiler it needs only `--sanitizer none` (fuzz/run.sh).
# Only `make fuzz` installs it, so `make test` and CI never pay for the build.
deps-fuzz:
	@cargo fuzz --version >/dev/null 2>&1 || { echo "installing cargo-fuzz"; cargo install cargo-fuzz --locked --quiet; }

# The complaint export's CSV and XLSX readers and the recording decode (fuzz/fuzz_targets/), each
# for FUZZ_SECONDS in turn at the lowest priority, then executions per target. Findings go to
# fuzz/artifacts/<target>/ and fail the run. The decode target needs the codec libraries.
fuzz: deps-apt deps-fuzz
	fuzz/run.sh $(FUZZ_SECONDS)

## ---- the package ---------------------------------------------------------------------------

# Tauri's bundler, from the npm package (its binary ships inside it), run on the app in src-tauri.
TAURI_CLI := TAURI_APP_PATH=$(ROOT)/src-tauri $(ROOT)/ui/node_modules/.bin/tauri

# The release build of the app and the `tingjian` command, which `make dist` packs and `make
# bench-app` measures.
RELEASE_BUILD := cargo build --release --quiet -p tingjian-app -p tingjian-cli

# The release .deb: the app (no devtools, the UI embedded) and the `tingjian` command.
dist: deps ui
	$(RELEASE_BUILD)
	$(TAURI_CLI) bundle --bundles deb --ci 2>&1 | { grep -v '^ *Info' || true; }
	@ls -1 $(TARGET)/release/bundle/deb/*.deb

# The same package made from the debug build `make test` already has, for the install test.
DEB_DEBUG_FILES := {"bundle":{"linux":{"deb":{"files":{"/usr/bin/tingjian":"../target/debug/tingjian"}}}}}
deb-debug: build
	@rm -rf $(TARGET)/debug/bundle/deb
	$(TAURI_CLI) bundle --debug --bundles deb --ci --config '$(DEB_DEBUG_FILES)' 2>&1 | { grep -v '^ *Info' || true; }

# Rewrites what the UI gets from Rust: the IPC types (ui/src/lib/bindings.ts) and the command names
# (ui/src/lib/commands.ts), by the tests of src-tauri/src/bindings.rs.
bindings:
	UPDATE_BINDINGS=1 cargo test -p tingjian-app --quiet bindings

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules
