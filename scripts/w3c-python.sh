#!/usr/bin/env bash
# Prints the Python that runs the W3C checker (../shared/tools/validate-w3c.py): one with
# jsonschema (and its `referencing`) and rfc3987, without which the schemas' "uri" format checks
# pass anything. The system Python's when it has them, else a venv under target/ (a Debian Python
# refuses system-wide pip installs), made here.
#
# The check is required in CI (CI=true) and whenever ../shared is beside the repo: then a missing
# package is a failure, one line naming it. Otherwise nothing is installed and nothing is printed
# (the checks skip, saying so).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
VENV=target/w3c-venv
NEEDS="jsonschema referencing rfc3987"

missing() { # the modules of $NEEDS that Python $1 cannot import
  "$1" -c 'import importlib.util, sys
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))' $NEEDS 2>/dev/null \
    || echo "$NEEDS"
}

if [ "${CI:-}" != true ] && [ ! -d "$SHARED" ]; then
  exit 0
fi
if command -v python3 >/dev/null 2>&1 && [ -z "$(missing python3)" ]; then
  command -v python3
  exit 0
fi
if [ ! -x "$VENV/bin/python" ] || [ -n "$(missing "$VENV/bin/python")" ]; then
  { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install --quiet jsonschema rfc3987; } >/dev/null 2>&1 || true
fi
left=$(missing "$VENV/bin/python")
if [ -n "$left" ]; then
  echo "w3c: the Python packages $left are missing and could not be installed in $VENV (needs python3-venv and network: python3 -m venv $VENV && $VENV/bin/pip install jsonschema rfc3987)" >&2
  exit 1
fi
echo "$PWD/$VENV/bin/python"
