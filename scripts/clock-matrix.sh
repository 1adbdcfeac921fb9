#!/usr/bin/env bash
# Run the end-to-end tests that take the suite's clock (not those that pin their own instant with stack_clock) once
# per instant below, with the local stack's clock starting there (INCIDENT_COMMS_E2E_CLOCK): the office openings and
# closings of the audiences in plan/channels.yaml (Madrid: customers 09:00-18:00, staff 08:00-20:00; Mexico City
# 09:00-18:00, no daylight saving since 2022), minutes either side of them, a night, a weekend, and the
# daylight-saving changes of Madrid and of the US. Prints one line per instant with its passed and failed counts
# and exits 1 if any test failed at any instant. Each run's output is kept in $CLOCK_MATRIX_LOGS (default: a new
# temporary directory).
# Usage: bash scripts/clock-matrix.sh [pytest args...]   e.g. -n 2, or -k lifecycle
set -euo pipefail
source "$(dirname "$0")/_venv.sh" dev

instants=(
  "2026-11-25T07:55:00+01:00|Wed, 5 min before the staff office opens (Madrid 08:00)"
  "2026-11-25T09:00:00+01:00|Wed, the Madrid customers' offices open"
  "2026-11-25T14:50:00+00:00|Wed, 10 min before Mexico City opens"
  "2026-11-25T14:55:00+00:00|Wed, 5 min before Mexico City opens"
  "2026-11-25T09:00:00-06:00|Wed, Mexico City opens"
  "2026-11-25T15:05:00+00:00|Wed, 5 min after Mexico City opens"
  "2026-11-25T17:55:00+01:00|Wed, 5 min before the Madrid customers' offices close"
  "2026-11-25T18:00:00+01:00|Wed, the Madrid customers' offices close"
  "2026-11-25T20:00:00+01:00|Wed, the staff office closes (Madrid 20:00)"
  "2026-11-25T18:00:00-06:00|Wed, Mexico City closes (midnight UTC)"
  "2026-11-26T03:00:00+01:00|Thu, night: every office closed"
  "2026-11-27T17:55:00+01:00|Fri, 5 min before the weekend closing in Madrid"
  "2026-11-28T12:00:00+01:00|Sat, noon: weekend"
  "2026-03-29T01:50:00+01:00|Sun, Madrid springs forward at 02:00"
  "2026-10-25T02:50:00+02:00|Sun, Madrid falls back at 03:00"
  "2026-03-08T01:50:00-06:00|Sun, the US springs forward at 02:00 (Mexico City does not)"
  "2026-03-09T08:55:00-06:00|Mon, between the US and Madrid changes, 5 min before Mexico City opens"
)

count() {  # count WORD SUMMARY: the number before WORD in pytest's last line ("3 failed, 2 errors"), else 0
  local found
  found="$(grep -oE "[0-9]+ $1" <<<"$2" | head -n 1 | cut -d' ' -f1 || true)"
  echo "${found:-0}"
}

logs="${CLOCK_MATRIX_LOGS:-$(mktemp -d -t clock-matrix.XXXXXX)}"
mkdir -p "$logs"
any_failed=0
printf '%-26s %6s %6s  %s\n' "instant" "passed" "failed" "what"
for entry in "${instants[@]}"; do
  instant="${entry%%|*}"
  what="${entry#*|}"
  log="$logs/${instant//:/}.log"
  status=0
  INCIDENT_COMMS_E2E_CLOCK="$instant" python -m pytest tests/e2e -m "e2e and not stack_clock" -q "$@" >"$log" 2>&1 \
    || status=$?
  summary="$(tail -n 1 "$log")"
  passed="$(count passed "$summary")"
  failed="$(( $(count failed "$summary") + $(count error "$summary") ))"
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed="?"  # pytest stopped without a count (usage error, no tests collected, interrupted): see the log
  fi
  [ "$status" -eq 0 ] || any_failed=1
  printf '%-26s %6s %6s  %s\n' "$instant" "$passed" "$failed" "$what"
done
echo "logs: $logs"
exit "$any_failed"
