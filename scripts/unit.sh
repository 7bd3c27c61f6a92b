#!/usr/bin/env bash
# make unit: the workspace's native tests (cargo test), with a short readable summary.
# Fails when cargo fails (a failed test, a test binary that aborts, a link error), and when a test
# binary did not run every test it holds: `cargo test -- --list` counts each binary's tests and the
# run must report as many passed (no binary missing, none stopped early, nothing ignored or filtered).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
LIST=target/unit-list.log
LOG=target/unit.log

# What each test binary holds (nothing runs). Cargo's "Running …"/"Doc-tests …" lines (stderr)
# name the binary ahead of its output (stdout): one stream keeps them in order.
if ! cargo test --workspace -- --list >"$LIST" 2>&1; then
  grep -E '^(error|warning: unused)|^\s+-->' "$LIST" | head -20 >&2 || true
  echo "unit: cargo test --workspace -- --list failed (see $LIST)" >&2
  exit 1
fi

# The run. --no-fail-fast: a binary that fails or aborts does not hide the ones after it.
status=0
cargo test --workspace --no-fail-fast -- --quiet 2>&1 | tee "$LOG" \
  | { grep -E '^\s+(Running|Doc-tests) |^(test result|failures:|---- )|panicked|SKIPPED|process didn.t exit|^error' || true; } \
  || status=$?

# Per binary: tests listed vs tests passed.
awk '
  function key(line) { sub(/^[ \t]+/, "", line); return line }
  FNR == 1 { file++ }
  /^[ \t]+(Running|Doc-tests) / { k = key($0); if (file == 1) { order[++n] = k; listed[k] = 0 } else { ran[k] = "no result" } next }
  file == 1 && /^[0-9]+ tests?, [0-9]+ benchmarks?$/ { listed[k] = $1 + 0; next }
  file == 2 && /^test result: / {
    p = $0; sub(/.*[.] /, "", p); split(p, f, /; /)
    passed[k] = f[1] + 0; failed[k] = f[2] + 0; ignored[k] = f[3] + 0; filtered[k] = f[5] + 0
    ran[k] = "ok"; tp += passed[k]; tf += failed[k]; next
  }
  END {
    bad = 0
    for (i = 1; i <= n; i++) {
      k = order[i]; tl += listed[k]
      if (ran[k] == "") { printf "unit: %s: %d tests listed, never run (cargo stopped before it)\n", k, listed[k]; bad = 1 }
      else if (ran[k] != "ok") { printf "unit: %s: %d tests listed, no result (the binary stopped early)\n", k, listed[k]; bad = 1 }
      else if (passed[k] != listed[k]) {
        printf "unit: %s: %d tests listed, %d passed (%d failed, %d ignored, %d filtered out)\n", k, listed[k], passed[k], failed[k], ignored[k], filtered[k]; bad = 1
      }
    }
    if (n == 0) { print "unit: cargo test --list named no test binary"; bad = 1 }
    printf "unit: %d passed, %d failed, of %d listed in %d test binaries\n", tp, tf, tl, n
    exit bad
  }' "$LIST" "$LOG" || { [ "$status" != 0 ] || status=1; }

if [ "$status" != 0 ]; then
  echo "unit: FAILED (cargo test exit status or test counts above; full log in $LOG)" >&2
  exit 1
fi
