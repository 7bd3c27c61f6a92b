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

# The release build is split (scripts/build-dist.mjs; Trunk cannot split): `make serve` is Trunk's.
dist: setup
	node scripts/build-dist.mjs dist
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
	@echo "== generated tables (crates/marginalia-markdown/tools/gen-tables.py --check)"
	python3 crates/marginalia-markdown/tools/gen-tables.py --check
	@echo "== no circles among modules (../shared/tools/module-cycles.py; required in CI)"
	@if [ -f "$(SHARED)/tools/module-cycles.py" ]; then python3 "$(SHARED)/tools/module-cycles.py"; \
	elif [ "$${CI:-}" = true ]; then echo "lint: $(SHARED)/tools/module-cycles.py is missing" >&2; exit 1; \
	else echo "module cycles: SKIPPED ($(SHARED)/tools/module-cycles.py not found)"; fi

# Fails on cargo's own exit status and when a test binary ran fewer tests than `cargo test --list`
# names (scripts/unit.sh); the W3C schema test gets the Python that runs the shared checker.
unit:
	@echo "== native unit, property and corpus tests (cargo test)"
	@py=$$(SHARED=$(SHARED) scripts/w3c-python.sh); \
	MARGINALIA_SHARED=$(abspath $(SHARED)) MARGINALIA_W3C_PYTHON="$$py" scripts/unit.sh

wasm-test:
	@echo "== browser tests (wasm-bindgen-test in headless Chromium)"
	cargo test -p marginalia --target wasm32-unknown-unknown --test web 2>&1 | tee target/wasm-test.log
	@want=$$(grep -c '#\[wasm_bindgen_test\]' tests/web.rs); \
	got=$$(awk '/^test result:/ { p += $$4 } END { print p + 0 }' target/wasm-test.log); \
	[ "$$got" = "$$want" ] || { echo "wasm-test: $$got passed of the $$want #[wasm_bindgen_test] in tests/web.rs" >&2; exit 1; }

# --forbid-only: a test.only left behind fails (playwright.config.mjs forbids it in CI too).
e2e:
	@echo "== end-to-end tests (Playwright, headless Chromium, release build)"
	node_modules/.bin/playwright test --forbid-only 2>&1 | tee target/e2e.log
	@if grep -qE '^ +[0-9]+ (skipped|did not run)' target/e2e.log; then \
	  echo "e2e: a test was skipped or did not run (above): every test must run" >&2; exit 1; fi

# The official W3C Web Annotation MUST schemas on the end-to-end download, with ../shared's checker.
# Required in CI (CI=true) and whenever ../shared is beside the repo: then anything missing (the
# checker, its Python packages jsonschema and rfc3987, the download) fails, one line naming it.
# Otherwise the target skips, saying so.
w3c:
	@if [ "$${CI:-}" != true ] && [ ! -d "$(SHARED)" ]; then \
	  echo "== W3C schemas: SKIPPED ($(SHARED) not found; CI=true makes this a failure)"; exit 0; \
	fi; \
	[ -f "$(SHARED)/tools/validate-w3c.py" ] || { echo "w3c: $(SHARED)/tools/validate-w3c.py is missing" >&2; exit 1; }; \
	[ -f target/e2e-download.json ] || { echo "w3c: target/e2e-download.json is missing (make e2e writes it)" >&2; exit 1; }; \
	py=$$(SHARED=$(SHARED) scripts/w3c-python.sh); \
	echo "== W3C MUST schemas on the end-to-end download"; \
	"$$py" "$(SHARED)/tools/validate-w3c.py" target/e2e-download.json; \
	if [ -f target/e2e-web-download.json ]; then \
	  echo "== W3C MUST schemas on a web article's download (its source the page's address; e2e/web.spec.mjs)"; \
	  "$$py" "$(SHARED)/tools/validate-w3c.py" target/e2e-web-download.json; \
	fi

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
