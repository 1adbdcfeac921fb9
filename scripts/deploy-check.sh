#!/usr/bin/env bash
# Before `sam deploy`: lint the template (cfn-lint, checkov, and `sam validate --lint` when sam is installed), then
# `incident-comms deploy check` (stack name, plan, and with AWS credentials the account's SES).
# Usage: bash scripts/deploy-check.sh --stack-name NAME [--sender ADDRESS] [--ses-send-rate N]
#        [--existing-contact-list NAME] [--offline]
# checkov gets a virtual environment of its own (.venv-checkov): its pinned dependencies stay out of the project's.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" dev
status=0
echo "== cfn-lint"; cfn-lint template.yaml || status=1
if [ ! -x .venv-checkov/bin/checkov ]; then
  echo "== installing checkov into .venv-checkov"
  "$(command -v python3)" -m venv .venv-checkov && .venv-checkov/bin/python -m pip install --quiet checkov
fi
# Deliberate skips, each with its reason, are in .checkov.yaml.
echo "== checkov"; .venv-checkov/bin/checkov --quiet --compact --config-file .checkov.yaml -f template.yaml || status=1
if command -v sam >/dev/null 2>&1; then
  echo "== sam validate --lint"; sam validate --lint --template template.yaml || status=1
else
  echo "== sam validate: skipped (sam is not installed; cfn-lint above applies the same SAM transform)"
fi
echo "== incident-comms deploy check"; incident-comms deploy check "$@" || status=1
exit "$status"
