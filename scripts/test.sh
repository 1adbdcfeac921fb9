#!/usr/bin/env bash
# Run every check CI runs: lint, format, types, then the test suite (unit, moto, handlers, template with
# cfn-lint, end-to-end over the local stack, and a headless-Chromium test of its page).
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
source "$(dirname "$0")/_venv.sh" dev
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser test"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "== axe-core for the status page's accessibility audit"; python scripts/fetch_axe.py
echo "== ruff";   ruff check . && ruff format --check .
echo "== mypy";   mypy
echo "== import-linter"; lint-imports --no-cache
if [ "$#" -gt 0 ]; then
  echo "== pytest"; pytest -n auto --dist loadgroup --durations=10 -q "$@"
else
  # The fault matrix runs its flows on an in-process stack whose functions share Powertools' process-wide logger and
  # metrics with the handler tests: it gets a process of its own.
  echo "== pytest"; pytest -n auto --dist loadgroup --durations=10 -q --ignore=tests/faults_matrix
  echo "== pytest: fault matrix"; pytest -n auto --dist load -q tests/faults_matrix
fi
