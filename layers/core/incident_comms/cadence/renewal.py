"""A promise is true when it leaves: a message whose promised update time has passed (or is closer than the
severity's ``promise_lead``) by the time it is published promises anew, and its text says the new time.

Approval takes as long as it takes: a draft written at 15:42 promising "next update 16:12" and approved at 16:12
would tell customers a time that is already broken. At publication the promise is made again from the cadence
(:func:`incident_comms.cadence.facts.draft_promise`, counted from the publication) and every channel's text gets the
new time in place of the old one: the same facts, only the promise changed, so what the approvers read is what goes
out except for that time (the approval page says so beside the promise). The ledger records the promise the text
makes (:mod:`incident_comms.cadence.keeping` calls :func:`promise_at_publication` too).

The old time is found in each text as the drafting rendered it: the template context of the message's own facts
with the old promise, against the same context with the new one; every value that changed (the time, and any
wording the plan's templates derive from it) is replaced where it appears. A text an editor rewrote so that the old
time is no longer there keeps its words; the caller is told which channels could not be rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from incident_comms.cadence.due import audience_dues, promise_audiences
from incident_comms.cadence.facts import draft_facts, draft_promise
from incident_comms.drafting.models import ChannelDraft
from incident_comms.incidents.models import Incident, Message
from incident_comms.incidents.promises import DuePromise
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import Channel, ChannelFormat, Plan
from incident_comms.sms import to_gsm7


def promise_at_publication(plan: Plan, incident: Incident, message: Message, now: datetime) -> DuePromise | None:
    """The promise ``message`` makes when published ``now``: its own while at least the severity's
    ``promise_lead`` ahead, else one made anew from ``now`` by the cadence (its own when the cadence promises
    nothing any more)."""
    own = message.promise
    if own is None:
        return None
    if own.due_at - now >= plan.severity(incident.severity_id).promise_lead:
        return own
    return draft_promise(plan, incident, message.phase, now) or own


@dataclass(frozen=True)
class Renewal:
    """What publishing ``now`` did to a message's promise: ``message`` is what goes out (the stored one when nothing
    changed); ``rewritten`` and ``kept`` name the channels whose text now tells the new time, or still the old one
    (an edit took the time out of the words)."""

    message: Message
    before: DuePromise | None = None
    rewritten: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def renewed(self) -> bool:
        return self.before is not None


def renew_promise(plan: Plan, incident: Incident, message: Message, now: datetime) -> Renewal:
    """``message`` as it must go out ``now``: unchanged while its promise holds, else with the new promise and each
    channel's subject and text telling the new time (module doc)."""
    promise = promise_at_publication(plan, incident, message, now)
    if promise is None or promise == message.promise or message.promise is None:
        return Renewal(message)
    severity = plan.severity(incident.severity_id)
    dues = audience_dues(severity, promise_audiences(plan, incident.severity_id), now)
    channels = {channel.id: channel for channel in plan.channels.channels}
    old = draft_facts(incident, message.created_at, message.promise, None, message.promised_by_audience)
    new = old.model_copy(update={"next_update_at": promise.due_at, "next_update_by_audience": dues})
    # The renderer (Jinja) loads only when a promise is renewed: most publications renew nothing (issue 16).
    from incident_comms.drafting.render import build_context

    drafts: list[ChannelDraft] = []
    rewritten: list[str] = []
    kept: list[str] = []
    for draft in message.drafts:
        channel = channels.get(draft.channel_id)
        if channel is None:
            drafts.append(draft)
            continue
        pairs = changed_values(
            build_context(plan, message.phase, old, channel), build_context(plan, message.phase, new, channel)
        )
        renewed = _rewritten(plan, channel, draft, pairs)
        if renewed is None:
            kept.append(draft.channel_id)
            drafts.append(draft)
        else:
            rewritten.append(draft.channel_id)
            drafts.append(renewed)
    changes = {"promise": promise, "promised_by_audience": dues, "drafts": drafts}
    return Renewal(message.model_copy(update=changes), message.promise, rewritten, kept)


RENEW_ATTEMPTS = 3


def renew_stored(plan: Plan, store: IncidentStore, incident: Incident, message: Message, now: datetime) -> Renewal:
    """:func:`renew_promise`, kept: a renewed message replaces the stored one (one revision later) before anything is
    sent, so every later reader of the message — the email batch sender, the status page, a resumed delivery — reads
    the text that went out. A concurrent renewal (a redelivered request, a lost answer the SDK resent) wins: the stored
    message is read again and sent as it stands."""
    for _ in range(RENEW_ATTEMPTS):
        renewal = renew_promise(plan, incident, message, now)
        if not renewal.renewed:
            return renewal
        after = renewal.message.model_copy(update={"revision": message.revision + 1})
        if store.renew_message(message, after):
            return replace(renewal, message=after)
        stored = store.get_message(message.incident_id, message.id)
        if stored is None or stored.version != message.version:
            raise RuntimeError(f"message {message.id} v{message.version} changed while its promise was renewed")
        if stored.promise != message.promise:
            return renewed_by_then(message, stored)
        message = stored
    raise RuntimeError(f"message {message.id}: its promise could not be renewed in {RENEW_ATTEMPTS} tries")


def renewed_by_then(approved: Message, stored: Message) -> Renewal:
    """The renewal already stored (ours, whose answer was lost, or a concurrent run's), told as this run's."""
    before = {draft.channel_id: draft for draft in approved.drafts}
    rewritten = [d.channel_id for d in stored.drafts if before.get(d.channel_id) != d]
    kept = [d.channel_id for d in stored.drafts if before.get(d.channel_id) == d]
    return Renewal(stored, approved.promise, rewritten, kept)


def changed_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every text value of a template context that differs between ``before`` and ``after`` (nested dicts walked), as
    (old, new), longest old first so a longer wording is replaced before a time it contains."""
    later = dict(_texts(after))
    pairs = {(old, later[key]) for key, old in _texts(before) if old and key in later and later[key] != old}
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _texts(context: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in context.items():
        if isinstance(value, Mapping):
            yield from _texts(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            yield f"{prefix}{key}", value


def _rewritten(plan: Plan, channel: Channel, draft: ChannelDraft, pairs: list[tuple[str, str]]) -> ChannelDraft | None:
    from incident_comms.drafting.render import draft_from_text

    if channel.template_format == ChannelFormat.SMS:
        pairs = [(to_gsm7(old), to_gsm7(new)) for old, new in pairs]
    subject, text = draft.subject or "", draft.text
    found = False
    for old, new in pairs:
        found = found or old in text or old in subject
        text, subject = text.replace(old, new), subject.replace(old, new)
    if not found:
        return None
    return draft_from_text(plan, channel, subject or None, text)
