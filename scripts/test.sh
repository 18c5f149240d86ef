#!/usr/bin/env bash
# Set up the venv and run the whole check: ruff, mypy, then pytest (extra args go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
py_dirs=(vmchain tests bench scripts)
.venv/bin/ruff check "${py_dirs[@]}"
if ! .venv/bin/ruff format --check "${py_dirs[@]}" >/dev/null; then
    .venv/bin/ruff format --check "${py_dirs[@]}"
    echo "ruff format: run '.venv/bin/ruff format ${py_dirs[*]}'" >&2
    exit 1
fi
.venv/bin/mypy
exec .venv/bin/pytest -q "$@"
