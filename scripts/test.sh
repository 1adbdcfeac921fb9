#!/usr/bin/env bash
# Run every check CI runs: lint, format, types, the SAM template, and the test suite.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
source "$(dirname "$0")/_venv.sh" dev
echo "== ruff";    ruff check . && ruff format --check .
echo "== mypy";    mypy
echo "== pytest";  pytest -n auto -q "$@"
