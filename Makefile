# Marginalia — `make serve` to read and annotate, `make test` to run every suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
# npm's binaryen (wasm-opt >= 116) comes first: Debian's wasm-opt 108 corrupts release builds.
export PATH := $(CURDIR)/node_modules/.bin:$(CARGO_BIN):$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 120
SHARED ?= ../shared

.PHONY: setup setup-test serve dist test lint unit wasm-test e2e w3c bench fuzz clean sizes

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

serve: setup
	trunk serve

dist: setup
	trunk build --release
	cargo run --quiet -p marginalia-core --example prerender > target/prerender.html
	node scripts/finalize-dist.mjs dist target/prerender.html
	@$(MAKE) --no-print-directory sizes

sizes:
	@node scripts/sizes.mjs dist

test: setup-test
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint unit wasm-test dist e2e w3c; \
	echo "make test: every suite passed in $$(( $$(date +%s) - start )) s"

lint:
	@echo "== cargo fmt --check"
	cargo fmt --all -- --check
	@echo "== cargo clippy (host)"
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	@echo "== cargo clippy (wasm32)"
	cargo clippy -p marginalia --target wasm32-unknown-unknown --lib --bins --test web --quiet -- -D warnings

unit:
	@echo "== native unit, property and corpus tests (cargo test)"
	cargo test --workspace --quiet 2>&1 | tee target/unit.log | grep -E '^(test result|running|failures|----)|panicked' || true
	@! grep -q 'FAILED\|panicked' target/unit.log
	@awk '/^test result/ { p += $$4; f += $$6 } END { printf "unit: %d passed, %d failed\n", p, f }' target/unit.log

wasm-test:
	@echo "== browser tests (wasm-bindgen-test in headless Chromium)"
	cargo test -p marginalia --target wasm32-unknown-unknown --test web

e2e:
	@echo "== end-to-end tests (Playwright, headless Chromium, release build)"
	node_modules/.bin/playwright test

# The official W3C Web Annotation MUST schemas, when ../shared is beside the repo.
# The checker needs jsonschema and rfc3987: the system Python's when it has them, else a venv
# under target/ (a Debian Python refuses system-wide pip installs).
W3C_VENV := target/w3c-venv
w3c:
	@if [ -f "$(SHARED)/tools/validate-w3c.py" ] && [ -f target/e2e-download.json ]; then \
	  py=python3; \
	  if ! $$py -c 'import jsonschema, rfc3987' 2>/dev/null; then \
	    py=$(W3C_VENV)/bin/python; \
	    $$py -c 'import jsonschema, rfc3987' 2>/dev/null \
	      || { python3 -m venv $(W3C_VENV) && $$py -m pip install --quiet jsonschema rfc3987; } >/dev/null \
	      || { echo "w3c: jsonschema and rfc3987 are missing and could not be installed; install them with: apt-get install python3-venv, then make w3c" >&2; exit 1; }; \
	  fi; \
	  echo "== W3C MUST schemas on the end-to-end download"; \
	  $$py "$(SHARED)/tools/validate-w3c.py" target/e2e-download.json; \
	else echo "== W3C schemas: skipped ($(SHARED)/tools/validate-w3c.py not found)"; fi

bench: setup-test
	bash bench/run.sh

# The storage decoder and the import parser on arbitrary bytes, JSON and damaged values (proptest);
# `make test` runs the same properties with 256 cases each.
fuzz:
	MARGINALIA_FUZZ_CASES=$${MARGINALIA_FUZZ_CASES:-20000} cargo test --release -p marginalia-core --lib storage::tests::fuzz::

clean:
	cargo clean
	rm -rf dist

# The README's pictures, docs/screenshot.png (desktop) and docs/screenshot-phone.png (360×740,
# touch), taken from a fresh release build in headless Chromium. Not part of `make test`.
.PHONY: screenshots
screenshots: dist
	node scripts/screenshots.mjs dist docs
