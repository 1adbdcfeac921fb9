"""The conformance report of one incident: did we tell customers early, did we keep our promises, whom did we reach.

Three numbers the plan's promises are judged by (issue 6, item 7):

- **time to first customer message**: from the first alarm (the change that opened the incident, as the alarm
  says it happened) to the first publication that a customer-facing channel delivered;
- **promises**: made, kept on time, kept late, still open and overdue (:func:`incident_comms.incidents.promises.tally`);
- **reach per channel**: for each channel, its audience, how many messages it delivered and to how many
  recipients in all (and how many failed), from the delivery records.

Pure: it reads what the store already holds; shown on ``/local/incidents`` and in the postmortem's approval email.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from incident_comms.incidents.models import Delivery, Incident, TimelineEntry, TimelineKind
from incident_comms.incidents.promises import Promise, PromiseTally, tally
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import Plan
from incident_comms.text import format_elapsed


class ChannelReach(BaseModel):
    """What one channel delivered over the incident."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    channel_id: str
    audience_id: str | None
    internal: bool
    messages: int
    delivered: int
    failed: int


class Conformance(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    first_alarm_at: datetime
    first_customer_message_at: datetime | None
    time_to_first_message_seconds: int | None
    time_to_first_message: str | None
    promises: PromiseTally
    channels: list[ChannelReach]


def conformance(
    plan: Plan,
    incident: Incident,
    timeline: Sequence[TimelineEntry],
    promises: Sequence[Promise],
    deliveries: Sequence[Delivery],
    now: datetime,
) -> Conformance:
    """The report at ``now`` (see the module doc). A channel no longer in the plan still counts, audience unknown."""
    first_alarm = first_alarm_at(incident, timeline)
    first_message = first_customer_message_at(plan, timeline)
    elapsed = None if first_message is None else max(first_message - first_alarm, timedelta(0))
    return Conformance(
        incident_id=incident.id,
        first_alarm_at=first_alarm,
        first_customer_message_at=first_message,
        time_to_first_message_seconds=None if elapsed is None else int(elapsed.total_seconds()),
        time_to_first_message=None if elapsed is None else format_elapsed(elapsed),
        promises=tally(promises, now),
        channels=reach(plan, deliveries),
    )


def first_alarm_at(incident: Incident, timeline: Sequence[TimelineEntry]) -> datetime:
    """When the opening alarm changed state (the OPENED entry says), else when the incident opened."""
    for entry in timeline:
        if entry.kind == TimelineKind.OPENED and isinstance(entry.data.get("changed_at"), str):
            return min(datetime.fromisoformat(entry.data["changed_at"]), incident.opened_at)
    return incident.opened_at


def first_customer_message_at(plan: Plan, timeline: Sequence[TimelineEntry]) -> datetime | None:
    """The first PUBLISHED entry in which a customer-facing channel delivered to somebody."""
    customer_channels = _customer_channels(plan)
    published = [entry for entry in timeline if entry.kind == TimelineKind.PUBLISHED]
    for entry in sorted(published, key=lambda entry: entry.at):
        channels = entry.data.get("channels") or {}
        if any(
            channel_id in customer_channels and int(counts.get("delivered", 0)) > 0
            for channel_id, counts in channels.items()
        ):
            return entry.at
    return None


def reach(plan: Plan, deliveries: Sequence[Delivery]) -> list[ChannelReach]:
    """Per channel (plan order, then unknown ones): messages delivered to somebody, recipients, failures."""
    channels = {channel.id: channel for channel in plan.channels.channels}
    order = {channel_id: index for index, channel_id in enumerate(channels)}
    found: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        found.setdefault(delivery.channel_id, []).append(delivery)
    answer = []
    for channel_id in sorted(found, key=lambda channel_id: (order.get(channel_id, len(order)), channel_id)):
        items = found[channel_id]
        channel = channels.get(channel_id)
        audience = plan.audience(channel.audience) if channel is not None else None
        answer.append(
            ChannelReach(
                channel_id=channel_id,
                audience_id=audience.id if audience is not None else None,
                internal=audience.internal if audience is not None else False,
                messages=len({(d.message_id, d.version) for d in items if d.delivered > 0}),
                delivered=sum(d.delivered for d in items),
                failed=sum(d.failed for d in items),
            )
        )
    return answer


def _customer_channels(plan: Plan) -> set[str]:
    return {channel.id for channel in plan.channels.channels if not plan.audience(channel.audience).internal}


def conformance_of(plan: Plan, store: IncidentStore, incident: Incident, now: datetime) -> Conformance:
    """:func:`conformance` from what the store holds for ``incident``."""
    ledger = store.promise_ledger(incident.id)
    return conformance(plan, incident, store.timeline(incident.id), ledger.promises, store.deliveries(incident.id), now)
