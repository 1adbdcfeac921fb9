#!/usr/bin/env bash
# Run the whole system on this machine with no AWS account: an embedded AWS (moto), the template's
# functions, one HTTP port. Fires the sample alarm so an approval email is already waiting on /local/.
# Usage: bash scripts/local.sh [--port N] [--plan DIR] [--no-sample]
set -euo pipefail
source "$(dirname "$0")/_venv.sh" local
exec incident-comms local "$@"
