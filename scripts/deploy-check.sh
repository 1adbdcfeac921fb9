#!/usr/bin/env bash
# Before `sam deploy`: lint the template (cfn-lint, checkov, `sam validate --lint`), then
# `incident-comms deploy check` (stack name, plan, and with AWS credentials the account's SES).
# Usage: bash scripts/deploy-check.sh --stack-name NAME [--sender ADDRESS] [--ses-send-rate N]
#        [--existing-contact-list NAME] [--offline]
# checkov and the SAM CLI get virtual environments of their own (.venv-checkov, .venv-sam): their pinned
# dependencies stay out of the project's.
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
if [ ! -x .venv-sam/bin/sam ]; then
  echo "== installing the SAM CLI into .venv-sam"
  "$(command -v python3)" -m venv .venv-sam && .venv-sam/bin/python -m pip install --quiet aws-sam-cli
fi
echo "== sam validate --lint"
SAM_CLI_TELEMETRY=0 .venv-sam/bin/sam validate --lint --template template.yaml --region "${AWS_REGION:-eu-west-1}" \
  || status=1
echo "== incident-comms deploy check"; incident-comms deploy check "$@" || status=1
exit "$status"
