#!/usr/bin/env bash
# `make bench`: builds the release app, runs every benchmark, and prints one table (the issue's
# targets, each figure beside its reference measured in the same run), written as JSON to
# target/bench/report.json (and as Markdown to target/bench/report.md).
#
#   1. make dist                    the release build; target/sizes.json (shipped size)
#   2. cargo bench --bench domain   the domain's hot paths natively (criterion, benches/)
#   3. examples/gen_fixtures.rs     deterministic inputs for the browser (target/bench/fixtures/)
#   4. bench/wasm                   the domain as the app compiles it, for timing in the page
#   5. bench/leptos-floor           Leptos alone, built and finished as the app (size reference)
#   6. bench/fuzzy/run.sh           fuzzy anchoring vs approx-string-match in Chromium
#   7. readability_report           marginalia-web on Readability's test pages: F1, metadata
#      bench/browser.mjs            the release build in headless Chromium (a 1 MB web page's
#                                   extraction in steps among its figures)
#   8. bench/first-visit/run.mjs    first visit: navigation → can highlight, beside Recogito's
#                                   text-annotator on the same article (Slow 4G, CPU 4×, neither)
#   9. bench/search/run.mjs         searching every document in the app: keydown → hits, 10,000
#                                   annotations in 50 documents
#  9b. bench/sync/run.mjs           sync: first sync of 10,000 annotations to an empty device and
#                                   one change reaching another, beside PouchDB's replication
#                                   from the same pouchdb-server
#  10. bench/report.mjs             the table
#
# Figures only: nothing here fails on a timing. `make test` runs none of it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
OUT=$ROOT/target/bench
mkdir -p "$OUT"
export BENCH_START=$(date +%s)
export BENCH_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
step() { printf '\n== bench: %s\n' "$*"; }

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "bench: ${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install chromium)" >&2; exit 1; }
command -v wasm-bindgen >/dev/null || { echo "bench: wasm-bindgen-cli is missing (scripts/setup.sh installs it)" >&2; exit 1; }
[ -d node_modules/playwright-core ] && [ -d node_modules/approx-string-match ] && [ -d node_modules/@recogito/text-annotator ] \
  && [ -d node_modules/esbuild ] && [ -d node_modules/pouchdb ] && [ -d node_modules/pouchdb-server ] || npm install --no-audit --no-fund >/dev/null

step "release build (make dist)"
make --no-print-directory dist
# A snapshot of this build, so that another build replacing dist/ cannot change it mid-run.
rm -rf "$OUT/dist" && cp -r dist "$OUT/dist" && cp target/sizes.json "$OUT/sizes.json"

# Native benchmarks and fixtures: optimised for speed as benchmarks usually are (the release
# profile's size settings are for the wasm), with the bench profile shared by both.
export CARGO_PROFILE_BENCH_OPT_LEVEL=3 CARGO_PROFILE_BENCH_LTO=false \
  CARGO_PROFILE_BENCH_CODEGEN_UNITS=16 CARGO_PROFILE_BENCH_DEBUG=false
step "domain hot paths, native (criterion; log: target/bench/criterion.log)"
cargo bench --quiet -p marginalia-core --bench domain >"$OUT/criterion.log" 2>&1 || { tail -40 "$OUT/criterion.log"; exit 1; }
grep -E 'time:' -B1 "$OUT/criterion.log" | grep -vE '^(--|Benchmarking)' | sed 's/^/  /' || true

step "fixtures (examples/gen_fixtures.rs)"
cargo run --quiet --profile bench -p marginalia-core --example gen_fixtures -- "$OUT/fixtures"

step "the domain in wasm for the page (bench/wasm, the app's release settings)"
(cd bench/wasm && CARGO_TARGET_DIR="$OUT/wasm/cargo" cargo build --quiet --release --target wasm32-unknown-unknown)
wasm-bindgen --target web --no-typescript --out-dir "$OUT/wasm/pkg" \
  "$OUT/wasm/cargo/wasm32-unknown-unknown/release/marginalia_bench_wasm.wasm"

step "the size reference: Leptos alone (bench/leptos-floor, the app's release settings)"
(cd bench/leptos-floor && CARGO_TARGET_DIR="$OUT/wasm/cargo" cargo build --quiet --release --target wasm32-unknown-unknown)
rm -rf "$OUT/floor"
wasm-bindgen --target web --no-typescript --out-dir "$OUT/floor" \
  "$OUT/wasm/cargo/wasm32-unknown-unknown/release/leptos-floor.wasm"
node bench/leptos-floor/finish.mjs "$OUT/floor"

step "the size of the domain alone: its load, anchor and save path, no UI (bench/wasm, finished as the app)"
rm -rf "$OUT/domain-alone"
cp -r "$OUT/wasm/pkg" "$OUT/domain-alone"
node bench/leptos-floor/finish.mjs "$OUT/domain-alone" marginalia_bench_wasm "$OUT/domain-alone.json"

step "fuzzy anchoring vs approx-string-match (bench/fuzzy)"
bash bench/fuzzy/run.sh | tail -6

step "articles from the web: Readability's test pages (crates/marginalia-web; token F1 against Reader View)"
cargo run --quiet --release -p marginalia-web --example readability_report | tee "$OUT/readability.txt"

step "browser benchmarks (headless Chromium, the release build)"
node bench/browser.mjs

step "first visit: navigation → can highlight, the app vs Recogito's text-annotator (bench/first-visit)"
node bench/first-visit/run.mjs

step "search every document in the app: 10,000 annotations in 50 documents, keystroke by keystroke (bench/search)"
node bench/search/run.mjs

step "sync: first sync of 10,000 and one change, the app vs PouchDB (bench/sync)"
node bench/sync/run.mjs

step "report ($(( $(date +%s) - BENCH_START )) s)"
node bench/report.mjs
