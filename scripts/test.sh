#!/usr/bin/env bash
# Set up the venv and run the whole check: ruff, mypy, then pytest (extra args go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: run '.venv/bin/ruff format .'"; .venv/bin/ruff format --check .; exit 1; }
.venv/bin/mypy
exec .venv/bin/pytest -q "$@"
