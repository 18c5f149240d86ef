#!/usr/bin/env bash
# Create .venv (if missing) and install vmchain with the given extras (default: test).
# pip's output goes to .venv/install.log and is shown only when the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
fi
if ! .venv/bin/python -m pip install --disable-pip-version-check -e ".[${extras}]" >.venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "setup: pip install -e .[${extras}] failed (log above)" >&2
    exit 1
fi
