"""Use case: ask again for publications whose hand-off to the publisher never arrived.

An approval writes its :class:`~incident_comms.incidents.models.Publication` in the same transaction as the decision,
then asks the publish queue for it (:func:`incident_comms.delivery.publishing.hand_off`). When the queue refuses, the
approval
stands and the refusal is on the timeline, but without a second attempt the approved text would wait for a person
to notice. The sweeper runs on a schedule and asks again for every publication that no channel has started
publishing ``stall_after`` after it was requested.

Why asking twice is safe: the publisher claims each channel delivery with a conditional write, so a request that
arrives after all (the queue was only slow) publishes nothing a second time. Why ``stall_after`` is minutes and not
seconds: a request still waiting in the queue, or being retried by SQS, is not stalled, and re-requesting it while
the publisher works would only make the redelivery visible as an unfinished claim. Publications older than
``give_up_after`` are left alone: an update a day late is no longer the update to send, and its failure is on the
timeline since the hand-off.

It also resumes channel deliveries a publisher claimed and never finished (it stopped, or timed out), once their
lease (``stall_after``) expired (:func:`resume_deliveries`): a claim still ``claimed`` never reached its provider, so
it is taken over (a conditional write: one sweeper wins) and sent now; one ``sending`` may have reached it (the
answer was lost with the publisher), so it is never resent: it is finished as "outcome unknown", put on the
timeline and told to the operators. Either way the message's "N of M channels" is written again from the records.

Each sweep counts what it must look at again (:attr:`SweepReport.still_open`): a publication requested less than
``stall_after`` ago and not yet started, one it asked for again (or could not), a claim whose lease has not expired.
The caller arms the next sweep while that count is not zero (:mod:`incident_comms.delivery.sweeps`).

Pure: the store, the queue, the channel publishers, the operators and ``now`` come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from incident_comms.cadence.renewal import renew_stored
from incident_comms.delivery.publishing import (
    ChannelPublisher,
    PublishQueue,
    failed_entry,
    published_entry,
    recorded_deliveries,
    send_claimed,
)
from incident_comms.delivery.sweeps import STALL_AFTER
from incident_comms.incidents.models import (
    Delivery,
    DeliveryState,
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.operators import OperatorAlerts, report_failure
from incident_comms.incidents.ordering import outdated
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.plan.models import ChannelKind, Plan
from incident_comms.text import error_text

GIVE_UP_AFTER = timedelta(hours=24)
INCIDENTS_PER_SWEEP = 100


@dataclass(frozen=True)
class Stalled:
    incident_id: str
    message_id: str
    version: int
    waited: timedelta
    error: str | None = None


@dataclass
class SweepReport:
    incidents: int = 0
    resent: list[Stalled] = field(default_factory=list)
    failed: list[Stalled] = field(default_factory=list)

    resumed: list[Delivery] = field(default_factory=list)
    """Claims that never started sending, sent by the sweep."""
    unknown: list[Delivery] = field(default_factory=list)
    """Claims that were sending when their publisher stopped: finished as unknown, reported, not resent."""
    waiting: int = 0
    """Publications and claims too young to take over yet: a later sweep must see them."""

    @property
    def still_open(self) -> int:
        """What a later sweep must look at again: the young ones, and the publications asked for again (or refused
        again) until a publisher starts on them."""
        return self.waiting + len(self.resent) + len(self.failed)

    def counts(self) -> dict[str, int]:
        return {
            "SweptIncidents": self.incidents,
            "PublicationsResent": len(self.resent),
            "PublicationResendsFailed": len(self.failed),
            "DeliveriesResumed": len(self.resumed),
            "DeliveriesUnknown": len(self.unknown),
            "SweepItemsOpen": self.still_open,
        }


def resend_stalled_publications(
    store: IncidentStore,
    queue: PublishQueue,
    now: datetime,
    *,
    stall_after: timedelta = STALL_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
) -> SweepReport:
    """Ask the publish queue again for every stalled publication of the recent incidents; see the module doc.

    A stalled publication is one whose message is still approved at that version and not older than the last message
    handed to publishing, requested between ``stall_after`` and ``give_up_after`` ago, with no channel delivery
    claimed. A success goes on the timeline (``publish_requested``, ``resent``); a queue that still refuses is
    reported (logged and counted by the caller) and tried again by the next sweep, without adding to the timeline
    each time.
    """
    report = SweepReport()
    for incident in store.list_incidents(limit=INCIDENTS_PER_SWEEP):
        if incident.status == IncidentStatus.RESOLVED and now - incident.updated_at > give_up_after:
            continue
        report.incidents += 1
        publications = [p for p in store.publications(incident.id) if now - p.requested_at <= give_up_after]
        if not publications:
            continue
        started = {(delivery.message_id, delivery.version) for delivery in store.deliveries(incident.id)}
        for publication in publications:
            if (publication.message_id, publication.version) in started:
                continue
            if now - publication.requested_at < stall_after:
                report.waiting += 1
                continue
            if not _publishable(store, publication):
                continue
            waited = now - publication.requested_at
            try:
                queue.request(publication)
            except Exception as error:  # noqa: BLE001 - one refusal must not stop the sweep of the others
                report.failed.append(
                    Stalled(incident.id, publication.message_id, publication.version, waited, error_text(error))
                )
                continue
            report.resent.append(Stalled(incident.id, publication.message_id, publication.version, waited))
            store.add_timeline_entry(_resent(publication, waited, now))
    return report


def resume_deliveries(
    plan: Plan,
    store: IncidentStore,
    publishers: Mapping[ChannelKind, ChannelPublisher],
    operators: OperatorAlerts,
    now: datetime,
    *,
    report: SweepReport | None = None,
    stall_after: timedelta = STALL_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
) -> SweepReport:
    """Resume the unfinished channel deliveries whose lease expired; see the module doc."""
    report = report or SweepReport()
    for incident in store.list_incidents(limit=INCIDENTS_PER_SWEEP):
        if incident.status == IncidentStatus.RESOLVED and now - incident.updated_at > give_up_after:
            continue
        unfinished = [
            delivery
            for delivery in store.deliveries(incident.id)
            if delivery.finished_at is None and now - delivery.claimed_at <= give_up_after
        ]
        stale = [delivery for delivery in unfinished if stall_after <= now - delivery.claimed_at]
        report.waiting += len(unfinished) - len(stale)
        touched: dict[tuple[str, int], Message] = {}
        for delivery in stale:
            message = store.get_message(incident.id, delivery.message_id)
            if message is None:
                continue
            if _resume(plan, store, publishers, operators, incident, message, delivery, now, report):
                touched[(message.id, message.version)] = message
        for message in touched.values():
            entry = published_entry(message, recorded_deliveries(store, message), now, TimelineKind.DELIVERIES_RESUMED)
            store.add_timeline_entry(entry)
    return report


def _resume(
    plan: Plan,
    store: IncidentStore,
    publishers: Mapping[ChannelKind, ChannelPublisher],
    operators: OperatorAlerts,
    incident: Incident,
    message: Message,
    stale: Delivery,
    now: datetime,
    report: SweepReport,
) -> bool:
    """Send a never-started claim, or finish a maybe-sent one as unknown; False when another run moved it first."""
    sendable = message.status == MessageStatus.APPROVED and message.version == stale.version
    if stale.progress == DeliveryState.CLAIMED and sendable and not outdated(incident, message):
        taken = stale.model_copy(update={"claimed_at": now})
        if not store.advance_delivery(taken, stale):
            return False
        going = renew_stored(plan, store, incident, message, now).message
        delivery = send_claimed(plan, store, publishers, operators, incident, going, taken, now)
        if delivery is not None:
            report.resumed.append(delivery)
        return delivery is not None
    if stale.progress == DeliveryState.CLAIMED:
        update = {"failed": 1, "detail": "never sent: the message is no longer the one to publish"}
    else:
        since = stale.claimed_at.isoformat()
        update = {"unknown": 1, "detail": f"sending started at {since} and never finished; maybe sent, not resent"}
    finished = stale.model_copy(
        update={"finished_at": now, "state": DeliveryState.FINISHED, "attempted": 1, "delivered": 0, **update}
    )
    if not store.advance_delivery(finished, stale):
        return False
    report_failure(store, operators, failed_entry(finished, now))
    if finished.unknown:
        report.unknown.append(finished)
    return True


def _publishable(store: IncidentStore, publication: Publication) -> bool:
    """Still approved at that version, and not older than the last message handed to publishing (read consistently:
    the publisher would refuse it, and asking again would only repeat the refusal on the timeline)."""
    message = store.get_message(publication.incident_id, publication.message_id)
    if message is None or message.status != MessageStatus.APPROVED or message.version != publication.version:
        return False
    incident = store.get_incident(publication.incident_id)
    return incident is not None and not outdated(incident, message)


def _resent(publication: Publication, waited: timedelta, now: datetime) -> TimelineEntry:
    minutes = int(waited.total_seconds() // 60)
    return TimelineEntry(
        incident_id=publication.incident_id,
        at=now,
        kind=TimelineKind.PUBLISH_REQUESTED,
        text=(
            f"Version {publication.version} of message {publication.message_id} handed over for publishing again: "
            f"no channel had started {minutes} minutes after the first request"
        ),
        data={
            "message_id": publication.message_id,
            "version": publication.version,
            "reason": publication.reason.value,
            "resent": True,
        },
    )


def record_sweep(report: SweepReport, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the sweep did (a still-refusing queue as a warning with its reason) and count it; a sweep that saw no
    recent incident counts nothing (see :func:`~incident_comms.observability.add_counts`)."""
    for stalled in report.failed:
        logger.warning(
            "publish request refused again",
            extra={
                "incident_id": stalled.incident_id,
                "message_id": stalled.message_id,
                "version": stalled.version,
                "reason": stalled.error,
            },
        )
    logger.info("publications swept", extra=report.counts())
    add_counts(metrics, report.counts(), unit, quiet_when_idle=True)
