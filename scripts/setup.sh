#!/usr/bin/env bash
# Installs whatever Marginalia's build and tests need and is missing; quick when all is there.
#   scripts/setup.sh          tools to build and serve (Rust target, trunk, wasm-bindgen-cli, npm tools)
#   scripts/setup.sh --test   also what the tests need (Chromium, ChromeDriver)
# When something cannot be installed, it stops with one line naming it and the command that installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WANT_TEST=0
[ "${1:-}" = "--test" ] && WANT_TEST=1
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"

say() { printf 'setup: %s\n' "$*"; }
missing() { printf 'setup: %s is missing and could not be installed; install it with: %s\n' "$1" "$2" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi; }

# The exact wasm-bindgen version pinned in Cargo.lock (Cargo.toml pins it with '=').
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$WB_VERSION" ] || missing "wasm-bindgen in Cargo.lock" "cargo generate-lockfile"

command -v cargo >/dev/null 2>&1 || missing "Rust (cargo)" "curl --proto '=https' -sSf https://sh.rustup.rs | sh"
command -v rustup >/dev/null 2>&1 || missing "rustup" "curl --proto '=https' -sSf https://sh.rustup.rs | sh"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >/dev/null || missing "the wasm32-unknown-unknown target" "rustup target add wasm32-unknown-unknown"
fi
for comp in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
    rustup component add "$comp" >/dev/null 2>&1 || missing "$comp" "rustup component add $comp"
  fi
done

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 11 minutes on 2 cores, once)"
  cargo install --locked "trunk@$TRUNK_VERSION" >/dev/null 2>&1 || missing "trunk $TRUNK_VERSION" "cargo install --locked trunk@$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WB_VERSION" ] || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  say "installing wasm-bindgen-cli $WB_VERSION (Cargo.lock's version, a few minutes, once)"
  cargo install --force wasm-bindgen-cli --version "$WB_VERSION" >/dev/null 2>&1 || missing "wasm-bindgen-cli $WB_VERSION" "cargo install wasm-bindgen-cli --version $WB_VERSION"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "installing Debian's nodejs and npm"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >/dev/null 2>&1 \
    && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || missing "Node.js (with npm)" "sudo apt-get install nodejs npm"
fi
# npm tools (binaryen's wasm-opt, Playwright, axe-core, approx-string-match), reinstalled only when
# package-lock.json changed since the last install.
STAMP=node_modules/.marginalia-lock
if [ ! -f "$STAMP" ] || ! cmp -s package-lock.json "$STAMP"; then
  say "installing npm tools (npm ci)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null || missing "the npm tools" "npm ci"
  cp package-lock.json "$STAMP"
fi

if [ "$WANT_TEST" = 1 ]; then
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    say "installing Debian's chromium and chromium-driver"
    { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null 2>&1 \
      || missing "Chromium and ChromeDriver" "sudo apt-get install chromium chromium-driver"
  fi
fi
say "ready (trunk $TRUNK_VERSION, wasm-bindgen $WB_VERSION, $(node_modules/.bin/wasm-opt --version | cut -d' ' -f1-3))"
