"""``ApprovalTimeouts`` on Amazon EventBridge Scheduler: one one-time ``at()`` schedule per waiting message.

The schedule invokes the approval timeout function with ``{"kind": "approval_timeout", "incident_id",
"message_id"}`` and deletes itself once it has fired. Its name is derived from the incident and the
message alone, so creating it twice (a retried call, a redelivered event) meets ``ConflictException``
and changes nothing: the timeout is armed at most once per message.

Timing: ``at()`` has second precision and Scheduler fires within the minute that follows, so the due
time is rounded *up* to the next whole second (never fire before the team had its full time to approve).
The Scheduler documentation promises nothing about an ``at()`` that is already past when the schedule is
created (refused, fired at once or never fired), so with a clock the adapter never asks for one: a due
time that has passed is moved to ``PAST_DUE_DELAY`` from now. A late holding text is better than none,
and the timeout use case checks the message again when it fires, so firing late is always safe.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from incident_comms.clock import Clock
from incident_comms.timeouts import TIMEOUT_EVENT_KIND, ApprovalTimeoutEvent

if TYPE_CHECKING:
    from mypy_boto3_scheduler.client import EventBridgeSchedulerClient
    from mypy_boto3_scheduler.type_defs import TargetTypeDef

SCHEDULE_NAME_PREFIX = "approval-"
SCHEDULE_NAME_MAX = 64
PAST_DUE_DELAY = timedelta(minutes=1)
RETRY_ATTEMPTS = 3
MAX_EVENT_AGE = timedelta(hours=1)
"""Past an hour a holding text says too little too late; what still fails goes to the dead-letter queue."""

_DESCRIPTION_MAX = 512


class SchedulerApprovalTimeouts:
    """Arms approval timeouts as one-time schedules in ``group`` that invoke ``target_arn`` as ``role_arn``.

    ``dead_letter_arn``: an SQS queue that receives the invocations Scheduler gave up on, so a timeout that
    could not fire is visible instead of lost. ``clock``: the system's clock, used only to keep a due time
    that has already passed from becoming an ``at()`` in the past.
    """

    def __init__(
        self,
        client: EventBridgeSchedulerClient,
        *,
        group: str,
        target_arn: str,
        role_arn: str,
        dead_letter_arn: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._client = client
        self._group = group
        self._target_arn = target_arn
        self._role_arn = role_arn
        self._dead_letter_arn = dead_letter_arn
        self._clock = clock

    def schedule(self, incident_id: str, message_id: str, due_at: datetime) -> str:
        """Make the approval timeout of ``message_id`` fire once at ``due_at``; answers the schedule's name.

        Idempotent: a schedule of the same name already there is the same timeout, armed earlier.
        Any other refusal (no such group, access denied) is raised for the caller to record.
        """
        name = schedule_name(incident_id, message_id)
        fire_at = due_at
        if self._clock is not None:
            now = self._clock.now()
            if due_at <= now:
                fire_at = now + PAST_DUE_DELAY
        target: TargetTypeDef = {
            "Arn": self._target_arn,
            "RoleArn": self._role_arn,
            "Input": timeout_input(incident_id, message_id),
            "RetryPolicy": {
                "MaximumRetryAttempts": RETRY_ATTEMPTS,
                "MaximumEventAgeInSeconds": int(MAX_EVENT_AGE.total_seconds()),
            },
        }
        if self._dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": self._dead_letter_arn}
        description = f"Approval timeout of message {message_id} of incident {incident_id}"
        try:
            self._client.create_schedule(
                Name=name,
                GroupName=self._group,
                Description=description[:_DESCRIPTION_MAX],
                ScheduleExpression=at_expression(fire_at),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                State="ENABLED",
                Target=target,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConflictException":
                raise
        return name


def schedule_name(incident_id: str, message_id: str) -> str:
    """``approval-`` and 32 hex digits of SHA-256 over incident and message: within Scheduler's 64 characters
    of ``[0-9a-zA-Z-_.]`` whatever the ids hold, and the same every time for the same message."""
    digest = hashlib.sha256(f"{incident_id}\n{message_id}".encode()).hexdigest()[:32]
    return f"{SCHEDULE_NAME_PREFIX}{digest}"


def timeout_input(incident_id: str, message_id: str) -> str:
    """The JSON the schedule hands the approval timeout function, written from the model that reads it there."""
    event = ApprovalTimeoutEvent(kind=TIMEOUT_EVENT_KIND, incident_id=incident_id, message_id=message_id)
    return event.model_dump_json()


def at_expression(when: datetime) -> str:
    """``at(2026-11-22T10:15:01)`` in UTC, rounded up to the whole second (``at()`` has no fractions)."""
    if when.tzinfo is None:
        raise ValueError("a schedule time must be timezone-aware")
    utc = when.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({utc:%Y-%m-%dT%H:%M:%S})"
