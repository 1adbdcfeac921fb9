"""``ApprovalTimeouts`` and delivery reports on Amazon EventBridge Scheduler: one-time ``at()`` schedules.

Approval timeouts: one schedule per waiting message.

The schedule invokes the approval timeout function with ``{"kind": "approval_timeout", "incident_id",
"message_id"}`` and deletes itself once it has fired. Its name is derived from the incident and the
message alone, so creating it twice (a retried call, a redelivered event) meets ``ConflictException``
and changes nothing: the timeout is armed at most once per message.

Retries (issue 14): every call to Scheduler is tried again with jittered backoff while it fails in a way that says
"not done, come back" (no connection, throttling, 503), and also when its answer was lost: creating, updating and
deleting a schedule by name are safe to repeat. A create whose answer was lost and whose retry (ours or the SDK's)
meets ``ConflictException`` is read back with ``GetSchedule``: the schedule there is ours when it invokes the same
target with the same input (the same timeout of the same message), and then the create succeeded; one that is not
ours is raised as :class:`ScheduleNameTaken`. Its time is not compared: a redelivered request computes a later due
time for the same timeout, and the one armed first stands. When a newer draft supersedes the message, its
schedule is deleted by the same name; one already gone (fired, never armed) is fine.

Timing: ``at()`` has second precision and Scheduler fires within the minute that follows, so the due
time is rounded *up* to the next whole second (never fire before the team had its full time to approve).
The Scheduler documentation promises nothing about an ``at()`` that is already past when the schedule is
created (refused, fired at once or never fired), so with a clock the adapter never asks for one: a due
time that has passed is moved to ``PAST_DUE_DELAY`` from now. A late holding text is better than none,
and the timeout use case checks the message again when it fires, so firing late is always safe.

Delivery reports (:class:`SchedulerDeliveryReports`): one schedule per published message version, firing the
delivery report function ``REPORT_DELAY`` after the publication (bounces arrive minutes after sending) with
``{"incident_id", "message_id", "version"}``; same shape, same rules.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.adapters.retries import with_retries
from incident_comms.approvals.timeout_event import TIMEOUT_EVENT_KIND, ApprovalTimeoutEvent
from incident_comms.clock import Clock
from incident_comms.delivery.report.models import ReportRequest
from incident_comms.delivery.sweeps import SweepEvent
from incident_comms.incidents.machine_models import Timer, TimerKind
from incident_comms.lifecycle.models import TimerFiring

if TYPE_CHECKING:
    from mypy_boto3_scheduler.client import EventBridgeSchedulerClient
    from mypy_boto3_scheduler.type_defs import CreateScheduleInputTypeDef, TargetTypeDef

    from incident_comms.cadence.keeping import PromptEvent, PromptKind

SCHEDULE_NAME_PREFIX = "approval-"
REPORT_NAME_PREFIX = "report-"
SCHEDULE_NAME_MAX = 64
PAST_DUE_DELAY = timedelta(minutes=1)
RETRY_ATTEMPTS = 3
MAX_EVENT_AGE = timedelta(hours=1)
"""Past an hour a holding text says too little too late; what still fails goes to the dead-letter queue."""
REPORT_MAX_EVENT_AGE = timedelta(hours=6)
"""A late delivery report is still worth having (the comms lead owes the numbers); past that, the dead letters."""

_DESCRIPTION_MAX = 512


class ScheduleNameTaken(RuntimeError):
    """A schedule of that name exists and is not ours (another target or input): nothing was armed."""


class FunctionSchedules:
    """One-time schedules in ``group`` that invoke one function (``target_arn``) as ``role_arn``.

    ``dead_letter_arn``: an SQS queue that receives the invocations Scheduler gave up on, so a firing that could
    not happen is visible instead of lost. ``clock``: the system's clock, used only to keep a due time that has
    already passed from becoming an ``at()`` in the past. ``sleep``: waits between our retries (tests pass their own,
    so they never wait).
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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._sleep = sleep
        self._group = group
        self._target_arn = target_arn
        self._role_arn = role_arn
        self._dead_letter_arn = dead_letter_arn
        self._clock = clock

    def _arm(
        self,
        name: str,
        description: str,
        due_at: datetime,
        input: str,
        max_event_age: timedelta,
        *,
        replace: bool = False,
    ) -> None:
        _create_once(
            self._client,
            self._sleep,
            _OneTimeSchedule(
                name=name,
                group=self._group,
                description=description,
                fire_at=_not_in_the_past(due_at, self._clock),
                target_arn=self._target_arn,
                role_arn=self._role_arn,
                input=input,
                max_event_age=max_event_age,
                dead_letter_arn=self._dead_letter_arn,
            ),
            replace=replace,
        )

    def _delete(self, name: str) -> bool:
        """Delete the schedule ``name``: True when deleted, False when it was not there (fired and deleted itself,
        or never armed); any other refusal is raised."""
        try:
            with_retries(
                lambda: self._client.delete_schedule(GroupName=self._group, Name=name),
                sleep=self._sleep,
                retry_unknown=True,
            )
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            return False
        return True


class SchedulerApprovalTimeouts(FunctionSchedules):
    """Arms approval timeouts: one schedule per waiting message, invoking the approval timeout function."""

    def schedule(self, incident_id: str, message_id: str, due_at: datetime) -> str:
        """Make the approval timeout of ``message_id`` fire once at ``due_at``; answers the schedule's name.

        Idempotent: a schedule of the same name already there is the same timeout, armed earlier.
        Any other refusal (no such group, access denied) is raised for the caller to record.
        """
        name = schedule_name(incident_id, message_id)
        self._arm(
            name,
            f"Approval timeout of message {message_id} of incident {incident_id}",
            due_at,
            timeout_input(incident_id, message_id),
            MAX_EVENT_AGE,
        )
        return name

    def cancel(self, incident_id: str, message_id: str) -> bool:
        """Delete the approval timeout of ``message_id`` (a newer draft superseded it): True when deleted, False when
        it was not there. Any other refusal (access denied) is raised for the caller to record."""
        return self._delete(schedule_name(incident_id, message_id))


class SchedulerDeliveryReports(FunctionSchedules):
    """Sends a message version's delivery report once, after it was published: a one-time schedule in ``group``
    that invokes the delivery report function (``target_arn``) as ``role_arn``
    (:class:`~incident_comms.delivery.report.store.ReportSchedules`).

    The name comes from incident, message and version alone, so a redelivered publish request meets
    ``ConflictException`` and arms nothing twice; a schedule that already fired (and deleted itself) may be armed
    again by a very late redelivery, and the report function's own claim keeps that firing from sending twice.
    """

    def schedule(self, incident_id: str, message_id: str, version: int, due_at: datetime) -> str:
        """Make the report of ``message_id`` v``version`` go out once at ``due_at``; answers the schedule's name.
        Refusals other than "already there" are raised for the caller to record."""
        name = report_schedule_name(incident_id, message_id, version)
        self._arm(
            name,
            f"Delivery report of message {message_id} v{version} of incident {incident_id}",
            due_at,
            report_input(incident_id, message_id, version),
            REPORT_MAX_EVENT_AGE,
        )
        return name


SWEEP_NAME_PREFIX = "sweep-"
SWEEP_MAX_EVENT_AGE = timedelta(hours=1)
"""A sweep an hour late is overtaken by the hourly backstop; what still fails goes to the dead letters."""


class SchedulerSweeps(FunctionSchedules):
    """Runs the publication sweeper once at a slot (:class:`~incident_comms.delivery.sweeps.SweepSchedule`): a
    one-time schedule per slot, named and fed from the slot alone, so every request in the same slot meets the one
    armed first (``ConflictException``, ours) instead of arming another. A slot armed by this container is not asked
    for again: a batch of publications costs one call, not one each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._armed: datetime | None = None

    def arm(self, slot: datetime) -> str:
        name = sweep_schedule_name(slot)
        if self._armed != slot:
            self._arm(
                name,
                f"Publication sweep of {slot.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
                slot,
                SweepEvent(slot=slot.astimezone(UTC)).model_dump_json(),
                SWEEP_MAX_EVENT_AGE,
            )
            self._armed = slot
        return name


def sweep_schedule_name(slot: datetime) -> str:
    """``sweep-20261206T063500Z``: the slot in UTC, the same name for every request in it."""
    return f"{SWEEP_NAME_PREFIX}{slot.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True)
class _OneTimeSchedule:
    name: str
    group: str
    description: str
    fire_at: datetime
    target_arn: str
    role_arn: str
    input: str
    max_event_age: timedelta
    dead_letter_arn: str | None


def _not_in_the_past(due_at: datetime, clock: Clock | None) -> datetime:
    """``due_at``, or ``PAST_DUE_DELAY`` from now when it has already passed (see the module doc)."""
    if clock is not None:
        now = clock.now()
        if due_at <= now:
            return now + PAST_DUE_DELAY
    return due_at


def _create_once(
    client: EventBridgeSchedulerClient,
    sleep: Callable[[float], None],
    schedule: _OneTimeSchedule,
    *,
    replace: bool = False,
) -> None:
    """Create the one-time ``at()`` schedule that deletes itself once fired, retrying what may be retried (module
    doc); one already there by that name is the same schedule created earlier when it is ours (same target and
    input), or with ``replace`` an earlier one this one supersedes (it is updated to this one's time and input).
    Any other refusal is raised, after the retries."""
    target: TargetTypeDef = {
        "Arn": schedule.target_arn,
        "RoleArn": schedule.role_arn,
        "Input": schedule.input,
        "RetryPolicy": {
            "MaximumRetryAttempts": RETRY_ATTEMPTS,
            "MaximumEventAgeInSeconds": int(schedule.max_event_age.total_seconds()),
        },
    }
    if schedule.dead_letter_arn:
        target["DeadLetterConfig"] = {"Arn": schedule.dead_letter_arn}
    arguments: CreateScheduleInputTypeDef = {
        "Name": schedule.name,
        "GroupName": schedule.group,
        "Description": schedule.description[:_DESCRIPTION_MAX],
        "ScheduleExpression": at_expression(schedule.fire_at),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
        "Target": target,
    }
    try:
        with_retries(lambda: client.create_schedule(**arguments), sleep=sleep, retry_unknown=True)
    except ClientError as error:
        if error_code(error) != "ConflictException":
            raise
        if replace:
            with_retries(lambda: client.update_schedule(**arguments), sleep=sleep, retry_unknown=True)
            return
        existing = with_retries(
            lambda: client.get_schedule(GroupName=schedule.group, Name=schedule.name), sleep=sleep, retry_unknown=True
        )
        theirs = existing.get("Target", {})
        if theirs.get("Arn") != target["Arn"] or theirs.get("Input") != target["Input"]:
            raise ScheduleNameTaken(
                f"schedule {schedule.name} exists in group {schedule.group} with another target or input"
            ) from error


def schedule_name(incident_id: str, message_id: str) -> str:
    """``approval-`` and 32 hex digits of SHA-256 over incident and message: within Scheduler's 64 characters
    of ``[0-9a-zA-Z-_.]`` whatever the ids hold, and the same every time for the same message."""
    digest = hashlib.sha256(f"{incident_id}\n{message_id}".encode()).hexdigest()[:32]
    return f"{SCHEDULE_NAME_PREFIX}{digest}"


def report_schedule_name(incident_id: str, message_id: str, version: int) -> str:
    """``report-`` and 32 hex digits of SHA-256 over incident, message and version (39 characters of
    ``[0-9a-zA-Z-_.]``): one schedule per published message version, the same name every time."""
    digest = hashlib.sha256(f"{incident_id}\n{message_id}\n{version}".encode()).hexdigest()[:32]
    return f"{REPORT_NAME_PREFIX}{digest}"


def report_input(incident_id: str, message_id: str, version: int) -> str:
    """The JSON the report schedule hands the delivery report function, written from the model that reads it."""
    return ReportRequest(incident_id=incident_id, message_id=message_id, version=version).model_dump_json()


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


# --- lifecycle timers --------------------------------------------------------------------------------------------

LIFECYCLE_MAX_EVENT_AGE = timedelta(hours=6)
"""A late lifecycle check is still right (the state machine checks the incident again when it fires)."""
_SCHEDULE_NAME_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.")


class SchedulerLifecycleTimers(FunctionSchedules):
    """The state machine's timers (:class:`~incident_comms.incidents.machine_models.Timer`: settle check, quiet
    period check, postmortem reminder) as one-time schedules in ``group`` invoking the lifecycle timer function
    (``target_arn``) as ``role_arn`` with :class:`~incident_comms.lifecycle.models.TimerFiring` as input.

    One schedule per kind and incident (``settle_check-INC-…``): arming a kind again (a new calm stretch after a
    relapse) replaces the earlier check, which the machine would have ignored anyway; a firing that is stale or a
    duplicate is ignored by the machine, so replacing never loses anything that mattered.
    """

    def schedule(self, incident_id: str, timer: Timer) -> str:
        """Arm ``timer`` of ``incident_id`` (replacing the one of the same kind); answers the schedule's name.
        Refusals (no such group, access denied) are raised for the caller to record."""
        name = lifecycle_schedule_name(timer.kind, incident_id)
        self._arm(
            name,
            f"{timer.kind.value.replace('_', ' ').capitalize()} of incident {incident_id}",
            timer.at,
            TimerFiring(incident_id=incident_id, timer=timer).model_dump_json(),
            LIFECYCLE_MAX_EVENT_AGE,
            replace=True,
        )
        return name

    def cancel(self, incident_id: str, kind: TimerKind) -> bool:
        """Delete the incident's timer of ``kind``: False when it was not there (fired, or never armed)."""
        return self._delete(lifecycle_schedule_name(kind, incident_id))


def lifecycle_schedule_name(kind: TimerKind, incident_id: str) -> str:
    """``<kind>-<incident id>`` (``quiet_check-INC-20261122-1015-3fa9c2``, 39 characters); for an id that would
    not fit Scheduler's 64 characters of ``[0-9a-zA-Z-_.]``, the kind and 32 hex digits of SHA-256 over the id."""
    name = f"{kind.value}-{incident_id}"
    if len(name) <= SCHEDULE_NAME_MAX and set(name) <= _SCHEDULE_NAME_CHARACTERS:
        return name
    return f"{kind.value}-{hashlib.sha256(incident_id.encode()).hexdigest()[:32]}"


# --- update reminders (the promise's schedules) ------------------------------------------------------------------

UPDATE_NAME_PREFIXES = {"due": "update-", "overdue": "overdue-"}
"""Schedule name prefix per prompt kind: one ``update-<incident>`` and one ``overdue-<incident>`` at most."""
UPDATE_MAX_EVENT_AGE = timedelta(hours=1)
"""A reminder an hour late is superseded by the overdue check (or by the next update); what fails goes to the DLQ."""


class SchedulerUpdateSchedules(FunctionSchedules):
    """The promise's reminders (:class:`~incident_comms.cadence.keeping.UpdateSchedules`): per incident one
    ``update-<id>`` schedule at the promised time and one ``overdue-<id>`` at the end of the grace period, each a
    one-time schedule in ``group`` invoking the update prompter (``target_arn``) as ``role_arn`` with the
    :class:`~incident_comms.cadence.keeping.PromptEvent` as input. Arming replaces the schedule of that name (a newer
    update's promise); deleting one that is not there (fired and deleted itself) is success."""

    def arm(self, event: PromptEvent, fire_at: datetime) -> str:
        name = update_schedule_name(event.kind.value, event.incident_id)
        self._arm(
            name,
            f"Update {event.kind.value} check of incident {event.incident_id}, promised for {event.due_at.isoformat()}",
            fire_at,
            event.model_dump_json(),
            UPDATE_MAX_EVENT_AGE,
            replace=True,
        )
        return name

    def disarm(self, incident_id: str, kind: PromptKind) -> bool:
        return self._delete(update_schedule_name(kind.value, incident_id))

    def cancel(self, incident_id: str) -> list[str]:
        from incident_comms.cadence.keeping import PromptKind

        deleted = []
        for kind in PromptKind:
            if self.disarm(incident_id, kind):
                deleted.append(update_schedule_name(kind.value, incident_id))
        return deleted


def update_schedule_name(kind: str, incident_id: str) -> str:
    """``update-<incident id>`` / ``overdue-<incident id>`` (``update-INC-20261122-1015-3fa9c2``); for an id that would
    not fit Scheduler's 64 characters of ``[0-9a-zA-Z-_.]``, the prefix and 32 hex digits of SHA-256 over the id."""
    prefix = UPDATE_NAME_PREFIXES[kind]
    name = f"{prefix}{incident_id}"
    if len(name) <= SCHEDULE_NAME_MAX and set(name) <= _SCHEDULE_NAME_CHARACTERS:
        return name
    return f"{prefix}{hashlib.sha256(incident_id.encode()).hexdigest()[:32]}"
