#!/usr/bin/env bash
# Set up the venv and run the main job: `vmchain demo` (extra args go to it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test >&2
exec .venv/bin/vmchain demo "$@"
