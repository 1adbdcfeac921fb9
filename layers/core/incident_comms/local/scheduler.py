"""Fires EventBridge Scheduler one-time schedules (``at(...)``) that fall due when the local clock moves."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from incident_comms.local.aws import EmbeddedAws
from incident_comms.local.functions import LocalFunction

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def due_at(schedule: dict[str, Any]) -> datetime | None:
    found = _AT.match(schedule.get("ScheduleExpression", ""))
    if found is None:
        return None
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return datetime.fromisoformat(found.group(1)).replace(tzinfo=zone)


def fire_due_schedules(aws: EmbeddedAws, functions: dict[str, LocalFunction], now: datetime) -> list[dict[str, Any]]:
    """Invoke the target of every schedule due by ``now``, oldest first, and delete those that ask for it."""
    scheduler = aws.client("scheduler")
    by_arn = {function.arn: function for function in functions.values()}
    due: list[tuple[datetime, dict[str, Any]]] = []
    for group in scheduler.list_schedule_groups().get("ScheduleGroups", []):
        for summary in scheduler.list_schedules(GroupName=group["Name"]).get("Schedules", []):
            schedule = scheduler.get_schedule(GroupName=group["Name"], Name=summary["Name"])
            when = due_at(schedule)
            if when is not None and when <= now and schedule.get("State", "ENABLED") == "ENABLED":
                due.append((when, schedule))
    fired = []
    for when, listed in sorted(due, key=lambda pair: pair[0]):
        schedule = _current(scheduler, listed)
        if schedule is None:
            continue  # deleted (or replaced by a later one) by an earlier firing of this same clock move
        target = schedule["Target"]
        function = by_arn.get(target["Arn"])
        answer: dict[str, Any] = {"schedule": schedule["Name"], "due": when.isoformat()}
        if function is None:
            answer["error"] = f"target {target['Arn']} is not a function of the template"
        else:
            answer["function"] = function.logical_id
            try:
                answer["result"] = function.invoke(json.loads(target.get("Input") or "{}"))
            except Exception as error:  # noqa: BLE001 - reported, the clock keeps moving
                answer["error"] = f"{type(error).__name__}: {error}"
        if schedule.get("ActionAfterCompletion") == "DELETE" and _current(scheduler, schedule) is not None:
            scheduler.delete_schedule(GroupName=schedule.get("GroupName", "default"), Name=schedule["Name"])
        fired.append(answer)
    return fired


def _current(scheduler: Any, listed: dict[str, Any]) -> dict[str, Any] | None:
    """The schedule as it is now, if it is still there and still due at the time it was listed for: a firing may
    delete another schedule (a resolution stops the update reminders) or move it (a check armed again)."""
    try:
        found: dict[str, Any] = scheduler.get_schedule(
            GroupName=listed.get("GroupName", "default"), Name=listed["Name"]
        )
    except scheduler.exceptions.ResourceNotFoundException:
        return None
    return found if found.get("ScheduleExpression") == listed.get("ScheduleExpression") else None
