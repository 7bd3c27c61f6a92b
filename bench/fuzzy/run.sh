#!/usr/bin/env bash
# Fuzzy-anchoring benchmark: Marginalia's anchoring compiled to WebAssembly against the npm package
# approx-string-match, on the same generated 1 MB text (5% random edits) and quotes of 32–1024
# characters, in the same headless Chromium. Prints a table and writes target/bench/fuzzy.json.
# Figures only: it never fails on timings.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
OUT=$ROOT/target/bench/fuzzy

command -v wasm-bindgen >/dev/null || { echo "bench: wasm-bindgen-cli 0.2.130 is missing (scripts/setup.sh installs it)" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "bench: /usr/bin/chromium is missing (apt-get install chromium)" >&2; exit 1; }
[ -d node_modules/approx-string-match ] && [ -d node_modules/playwright-core ] || npm install --no-audit --no-fund >/dev/null

echo "bench: building the wasm side (release, opt-level 3)" >&2
(cd bench/fuzzy/wasm && CARGO_TARGET_DIR="$OUT/cargo" cargo build --quiet --release --target wasm32-unknown-unknown)
wasm-bindgen --target web --no-typescript --out-dir "$OUT/pkg" \
  "$OUT/cargo/wasm32-unknown-unknown/release/marginalia_bench_fuzzy.wasm"

node bench/fuzzy/run.mjs
