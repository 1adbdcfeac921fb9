"""A maintenance's steps as one-time EventBridge Scheduler schedules invoking the maintenance timer function
(:class:`~incident_comms.maintenance.use_cases.StepSchedules`), with the retries and the lost-answer handling of
every schedule here (:class:`~incident_comms.adapters.scheduler.FunctionSchedules`).

One schedule per step (``maint-<maintenance id>-<16 hex of the step>``): arming a step twice (an approval retried)
meets the first one and changes nothing. Schedules of a cancelled maintenance are left to fire: the step finds it
cancelled and does nothing, which is cheaper and safer than deleting up to a dozen schedules that may have fired.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from incident_comms.adapters.scheduler import FunctionSchedules
from incident_comms.maintenance.models import StepEvent

NAME_PREFIX = "maint-"
MAX_EVENT_AGE = timedelta(hours=2)
"""An announcement two hours late is still better than none; the steps check the instant themselves."""


def step_schedule_name(event: StepEvent) -> str:
    """``maint-MNT-20261201-0300-3fa9c2-<16 hex>``: 47 characters, within Scheduler's 64."""
    return f"{NAME_PREFIX}{event.maintenance_id}-{hashlib.sha256(event.message_id.encode()).hexdigest()[:16]}"


class SchedulerMaintenanceSteps(FunctionSchedules):
    def arm(self, event: StepEvent, at: datetime) -> None:
        self._arm(
            step_schedule_name(event),
            f"{event.message_id} of maintenance {event.maintenance_id}",
            at,
            event.model_dump_json(),
            MAX_EVENT_AGE,
        )
