"""Use cases: arm the delivery report of what was just published, and send it once when it fires.

Because bounces come late, the report is not sent at publication: the publisher arms a one-time schedule
(:func:`schedule_report`) that fires the delivery report function ``REPORT_DELAY`` later, which calls
:func:`send_delivery_report`: one email to the people of the communications lead role per message version,
**claimed** first (a duplicate firing finds the claim and sends nothing), and the report on the incident's
timeline. Neither raises for a refused email or schedule: the refusal goes on the timeline
(``notification_failed``). Pure: the store, the ledgers, the sender and ``now`` come from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from incident_comms.delivery.email.batches.store import BatchLedger
from incident_comms.delivery.email.bounces import BounceLedger
from incident_comms.delivery.publishing import PublishReport, PublishResult
from incident_comms.delivery.report.emails import report_email, report_recipients
from incident_comms.delivery.report.logic import delivery_report
from incident_comms.delivery.report.models import DeliveryReport, ReportClaim, ReportState, parse_report_request
from incident_comms.delivery.report.store import ReportLedger, ReportSchedules
from incident_comms.errors import BadInput
from incident_comms.incidents.models import TimelineEntry, TimelineKind, notification_failed
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, report_failure
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics, add_counts, present
from incident_comms.plan.models import Plan
from incident_comms.team.emails import EmailSender
from incident_comms.text import error_text

REPORT_DELAY = timedelta(minutes=15)
"""How long after a publication its report goes out: long enough for most bounces and complaints to come back."""
NOTIFICATION = "delivery_report"
"""The ``notification`` of the timeline's ``notification_failed`` entries about the report."""


class ReportResult(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    """Another firing claimed this report first (it sent it, or is sending it): nothing sent."""
    NOTHING_TO_DO = "nothing_to_do"
    """No such message, or nothing of that version was published."""
    SEND_FAILED = "send_failed"
    """The email could not be sent: the claim was released and the failure is on the timeline."""
    REJECTED = "rejected"
    """Not a report request: retrying cannot fix it, so it is logged and counted."""


@dataclass(frozen=True)
class ReportOutcome:
    result: ReportResult
    reason: str | None = None
    incident_id: str | None = None
    message_id: str | None = None
    version: int | None = None
    summary: str | None = None
    sent_to: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "message_id": self.message_id,
            "version": self.version,
            "summary": self.summary,
            "sent_to": list(self.sent_to),
        }

    def counts(self) -> dict[str, int]:
        return {
            "DeliveryReportsSent": int(self.result == ReportResult.SENT),
            "DeliveryReportsDuplicate": int(self.result == ReportResult.DUPLICATE),
            "DeliveryReportsNothingToDo": int(self.result == ReportResult.NOTHING_TO_DO),
            "DeliveryReportsFailed": int(self.result == ReportResult.SEND_FAILED),
            "DeliveryReportRequestsRejected": int(self.result == ReportResult.REJECTED),
        }


class ReportNotSent(RuntimeError):
    """The report email was refused (already on the timeline, claim released): raised by the function so the
    scheduler tries again (``RETRY_ATTEMPTS``), and what still fails lands in the scheduler's dead-letter queue."""

    @classmethod
    def raise_for(cls, outcome: ReportOutcome) -> None:
        if outcome.result == ReportResult.SEND_FAILED:
            raise cls(f"delivery report of {outcome.message_id} v{outcome.version} not sent: {outcome.reason}")


def send_delivery_report(
    event: Any,
    plan: Plan,
    store: IncidentStore,
    batches: BatchLedger,
    bounces: BounceLedger | None,
    ledger: ReportLedger,
    sender: EmailSender,
    now: datetime,
) -> ReportOutcome:
    """Email the report of the requested message version to the communications lead, once; see the module doc.

    A malformed request is REJECTED, a message with nothing published at that version is NOTHING_TO_DO, a report
    claimed earlier is a DUPLICATE: none of them changes anything. A refused email releases the claim and goes on
    the timeline (``notification_failed``) as SEND_FAILED, for the caller to raise so the scheduler tries again.
    ``bounces`` None: no bounce ledger is wired, so the report counts none.
    """
    try:
        request = parse_report_request(event)
    except BadInput as error:
        return ReportOutcome(ReportResult.REJECTED, str(error))

    def answer(
        result: ReportResult, reason: str | None, summary: str | None = None, to: Sequence[str] = ()
    ) -> ReportOutcome:
        return ReportOutcome(
            result, reason, request.incident_id, request.message_id, request.version, summary, tuple(to)
        )

    incident = store.get_incident(request.incident_id)
    message = store.get_message(request.incident_id, request.message_id)
    if incident is None or message is None:
        return answer(ReportResult.NOTHING_TO_DO, "no such message")
    report = delivery_report(
        message,
        store.deliveries(incident.id),
        batches.batches(incident.id),
        bounces.bounces(incident.id) if bounces is not None else [],
        request.version,
    )
    if report.nothing_to_report:
        return answer(ReportResult.NOTHING_TO_DO, "nothing of this message version was published")
    summary = report.summary(plan.main_locale)
    claim = ReportClaim(
        incident_id=incident.id, message_id=message.id, version=request.version, claimed_at=now, summary=summary
    )
    earlier = ledger.claim_report(claim)
    if earlier is not None:
        reason = f"report {earlier.state.value} since {(earlier.sent_at or earlier.claimed_at).isoformat()}"
        return answer(ReportResult.DUPLICATE, reason, summary)
    recipients: list[str] = []
    try:
        recipients = report_recipients(plan, message)
        provider_id = sender.send(report_email(plan, incident, message, report, recipients, now))
    except Exception as error:  # noqa: BLE001 - the refusal is recorded and the claim given back for a retry
        reason = error_text(error)
        ledger.release_report(claim)
        what = f"Delivery report of message {message.id} v{request.version} ({summary})"
        store.add_timeline_entry(
            notification_failed(
                incident.id,
                now,
                NOTIFICATION,
                what,
                reason,
                message_id=message.id,
                version=request.version,
                to=recipients,
                channels=report.channel_counts(),
            )
        )
        return answer(ReportResult.SEND_FAILED, reason, summary)
    store.add_timeline_entry(report_entry(report, summary, recipients, now))
    ledger.finish_report(
        claim.model_copy(update={"state": ReportState.SENT, "sent_at": now, "provider_id": provider_id})
    )
    return answer(ReportResult.SENT, None, summary, recipients)


def report_entry(report: DeliveryReport, summary: str, recipients: Sequence[str], now: datetime) -> TimelineEntry:
    """The report on the incident's timeline: the summary, who got it, and every channel's counts."""
    return TimelineEntry(
        incident_id=report.incident_id,
        at=now,
        kind=TimelineKind.DELIVERY_REPORT,
        text=f"Delivery report of message {report.message_id} v{report.version} sent to "
        f"{', '.join(recipients)}: {summary}",
        data={
            "message_id": report.message_id,
            "version": report.version,
            "summary": summary,
            "sent_to": list(recipients),
            "totals": report.totals.as_dict(),
            "channels": report.channel_counts(),
        },
    )


@dataclass(frozen=True)
class ReportScheduling:
    """What the publisher did about the report of what it just published: armed (``schedule``), nothing to arm
    (``skipped``, why), or refused (``error``, also on the timeline)."""

    schedule: str | None = None
    skipped: str | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def schedule_report(
    report: PublishReport,
    schedules: ReportSchedules | None,
    store: IncidentStore,
    now: datetime,
    delay: timedelta,
    operators: OperatorAlerts | None = None,
) -> ReportScheduling:
    """After a publish that delivered something, arm the report of that message version ``delay`` from ``now``.

    Never raises: the publication stands whatever happens to its report, and a refusal (after the adapter's retries)
    goes on the timeline (``notification_failed``) and to ``operators``, so the missing report is seen.
    """
    if report.result != PublishResult.PUBLISHED or not report.deliveries:
        return ReportScheduling(skipped="nothing was published by this request")
    first = report.deliveries[0]
    details = {"incident_id": first.incident_id, "message_id": first.message_id, "version": first.version}
    if schedules is None:
        return ReportScheduling(skipped="no delivery report schedules in this deployment", details=details)
    try:
        name = schedules.schedule(first.incident_id, first.message_id, first.version, now + delay)
    except Exception as error:  # noqa: BLE001 - the publication must not fail for its report
        reason = error_text(error)
        what = f"Scheduling the delivery report of message {first.message_id} v{first.version}"
        entry = notification_failed(
            first.incident_id, now, NOTIFICATION, what, reason, message_id=first.message_id, version=first.version
        )
        report_failure(store, operators or NoOperators(), entry)
        return ReportScheduling(error=reason, details=details)
    return ReportScheduling(schedule=name, details=details)


def record_scheduling(scheduling: ReportScheduling, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the publisher did about the report and count it (zeros included)."""
    if scheduling.error is not None:
        logger.warning("delivery report not scheduled", extra={**scheduling.details, "reason": scheduling.error})
    elif scheduling.schedule is not None:
        logger.info("delivery report scheduled", extra={**scheduling.details, "schedule": scheduling.schedule})
    elif scheduling.details:
        logger.info("delivery report not scheduled", extra={**scheduling.details, "reason": scheduling.skipped})
    metrics.add_metric(name="DeliveryReportsScheduled", unit=unit, value=int(scheduling.schedule is not None))
    metrics.add_metric(name="DeliveryReportSchedulingFailed", unit=unit, value=int(scheduling.error is not None))


def record_outcome(outcome: ReportOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the firing did (ids, counts and reasons; never the email) and count it, zeros included."""
    details = present(outcome.as_dict())
    if outcome.result in (ReportResult.REJECTED, ReportResult.SEND_FAILED):
        logger.warning("delivery report not sent", extra=details)
    else:
        logger.info("delivery report handled", extra=details)
    add_counts(metrics, outcome.counts(), unit)
