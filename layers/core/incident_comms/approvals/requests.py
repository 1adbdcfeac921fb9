"""Use cases: ask for an approval. Email each approver of a draft their own signed links, arm the approval
timeout, and put both on the incident's timeline; or draft a phase's message first, then ask. A new draft supersedes
every message of the incident still awaiting approval (the store does it in the transaction that stores the draft),
and their approval timeouts are deleted here: superseded means dead.

Pure: talks to an :class:`EmailSender` and an :class:`ApprovalTimeouts` port; SES and the scheduler live in
:mod:`incident_comms.adapters`, which retry what may be retried. Nothing here raises for a send or a schedule that
still fails: the incident is already open, so each failure is a ``notification_failed`` entry on its timeline and is
told to the operators (:func:`~incident_comms.incidents.operators.report_failure`), and nobody has to guess why no
approval request arrived. An approval timeout that could not be armed says so on the timeline
(notification ``approval_timeout``, with ``timeout_at``): the sweeper re-arms it from there
(:mod:`incident_comms.approvals.rearm`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from incident_comms.approvals.links import approval_links
from incident_comms.approvals.request_email import approval_request_email
from incident_comms.approvals.tokens import expiry_for
from incident_comms.cadence.conformance import Conformance, conformance_of
from incident_comms.cadence.due import audience_dues, promise_audiences
from incident_comms.cadence.facts import draft_facts, draft_promise
from incident_comms.incidents.models import (
    Incident,
    Message,
    TimelineEntry,
    TimelineKind,
    new_message_id,
    notification_failed,
)
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, record_or_tell, report_failure
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.console_links import console_url
from incident_comms.team.emails import Email, EmailSender, approver_addresses
from incident_comms.text import error_text


class ApprovalTimeouts(Protocol):
    def schedule(self, incident_id: str, message_id: str, due_at: datetime) -> str:
        """Make the approval timeout of ``message_id`` fire once at ``due_at``; answers the schedule's name."""
        ...

    def cancel(self, incident_id: str, message_id: str) -> bool:
        """Delete the approval timeout of ``message_id``: True when deleted, False when there was none (it fired,
        or was never armed). Raises when the scheduler refused."""
        ...


@dataclass(frozen=True)
class SentEmail:
    """One email handed to the mail service (``provider_id``) or refused (``error``, safe to log)."""

    email: Email
    provider_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ApprovalRequests:
    """What ingest needs to ask for an approval: where the email goes out, where its links point, the key that
    signs them (read on first use, so nothing reads the secret until an approval is actually asked for), the
    approval timeout to arm, and who hears of what still failed."""

    sender: EmailSender
    token_key: Callable[[], bytes]
    base_url: str = ""
    timeouts: ApprovalTimeouts | None = None
    operators: OperatorAlerts = field(default_factory=NoOperators)

    def send(
        self,
        plan: Plan,
        incident: Incident,
        message: Message,
        now: datetime,
        roles: list[str] | None = None,
        conformance: Conformance | None = None,
    ) -> list[SentEmail]:
        """Email every person of ``roles`` (default: the roles that must still approve) their own links.

        Each send is tried on its own: one refused address does not keep the others from being asked.
        """
        key = self.token_key()
        expires_at = expiry_for(now, plan.severity(incident.severity_id).approval_expiry)
        sent: list[SentEmail] = []
        for recipient in approver_addresses(plan, message.pending_roles if roles is None else roles):
            links = approval_links(self.base_url, key, message, recipient, expires_at)
            console = console_url(self.base_url, key, incident.id, recipient, incident.opened_at)
            email = approval_request_email(plan, incident, message, now, links, recipient, conformance, console)
            try:
                sent.append(SentEmail(email, provider_id=self.sender.send(email)))
            except Exception as error:  # noqa: BLE001 - reported per recipient; the others are still asked
                sent.append(SentEmail(email, error=error_text(error)))
        return sent

    def console_link(self, incident: Incident, recipient: str) -> str:
        """The personal incident console link of ``recipient`` (:func:`incident_comms.team.console_links.
        console_url`), under the same base URL and key as the approval links."""
        return console_url(self.base_url, self.token_key(), incident.id, recipient, incident.opened_at)


class ApprovalRequest(StrEnum):
    """What became of the approval request email of an incident that just opened."""

    SENT = "sent"
    FAILED = "failed"


def request_approval(
    plan: Plan, store: IncidentStore, approvals: ApprovalRequests, incident: Incident, message: Message, now: datetime
) -> tuple[ApprovalRequest, str | None]:
    """Email each approver their own links, arm the approval timeout, and put both on the incident's timeline.

    A failed send does not raise: the incident is already open, and retrying the whole event would only
    meet the duplicate guard. Instead each failure is a ``notification_failed`` entry with its reason (and
    a metric), so nobody has to guess why no approval request arrived. Answers SENT when at least one
    approver was reached, and the first error.
    """
    report = postmortem_conformance(plan, store, incident, message, now)
    try:
        sent = approvals.send(plan, incident, message, now, conformance=report)
        if not sent:
            raise LookupError(f"no approver with an address in roles {', '.join(message.pending_roles)}")
    except Exception as error:  # noqa: BLE001 - any failure (the key unreadable, nobody to ask) must be visible
        sent = []
        failures = [error_text(error)]
    else:
        failures = [f"{item.email.to[0]}: {item.error}" for item in sent if item.error]
    delivered = [item for item in sent if item.error is None]
    for reason in failures:
        what = f"Approval request email for message {message.id}"
        report_failure(
            store,
            approvals.operators,
            notification_failed(incident.id, now, "approval_request", what, reason, message_id=message.id),
        )
    if delivered:
        record_or_tell(
            store,
            approvals.operators,
            TimelineEntry(
                incident_id=incident.id,
                at=now,
                kind=TimelineKind.APPROVAL_REQUESTED,
                text=f"Approval of message {message.id} requested from {', '.join(message.pending_roles)} by email",
                data={
                    "message_id": message.id,
                    "version": message.version,
                    "roles": message.pending_roles,
                    "to": [item.email.to[0] for item in delivered],
                    "provider_message_ids": [item.provider_id for item in delivered],
                },
            ),
        )
    arm_approval_timeout(plan, store, approvals, incident, message, now)
    if not delivered:
        return ApprovalRequest.FAILED, failures[0]
    return ApprovalRequest.SENT, failures[0] if failures else None


def postmortem_conformance(
    plan: Plan, store: IncidentStore, incident: Incident, message: Message, now: datetime
) -> Conformance | None:
    """The conformance report a postmortem's approvers read with the draft (None for other phases). One that cannot
    be computed does not hold the approval request back: the email goes without it, the timeline says why."""
    if message.phase != Phase.POSTMORTEM:
        return None
    try:
        return conformance_of(plan, store, incident, now)
    except Exception as error:  # noqa: BLE001 - the approval request matters more than its report
        what = f"The conformance report for message {message.id}"
        store.add_timeline_entry(
            notification_failed(incident.id, now, "conformance", what, error_text(error), message_id=message.id)
        )
        return None


def arm_approval_timeout(
    plan: Plan, store: IncidentStore, approvals: ApprovalRequests, incident: Incident, message: Message, now: datetime
) -> None:
    """For a severity with ``approval_timeout``, schedule the publication of the phase's holding text.

    Armed whether or not the emails went out: when nobody could even be asked, saying it early with the
    pre-approved text matters most. A schedule that cannot be created is on the timeline and told to the operators,
    never silent, and re-armed by the sweeper (:mod:`incident_comms.approvals.rearm`).
    """
    timeout = plan.severity(incident.severity_id).approval_timeout
    holding = plan.phases.phases[message.phase].holding
    if timeout is None or holding is None or approvals.timeouts is None:
        return
    arm_timeout_at(store, approvals, message, now + timeout, now)


UNARMED = "approval_timeout"
"""The ``notification`` of the timeline entry that says a message's approval timeout could not be armed."""


def arm_timeout_at(
    store: IncidentStore, approvals: ApprovalRequests, message: Message, due_at: datetime, now: datetime
) -> str | None:
    """Arm the approval timeout of ``message`` at ``due_at`` and say so on the timeline; answers the schedule's name.

    On a refusal, None, and a ``notification_failed`` entry (notification :data:`UNARMED`, ``timeout_at``) on the
    timeline, told to the operators: the mark the sweeper finds it by.
    """
    if approvals.timeouts is None:
        return None
    try:
        schedule = approvals.timeouts.schedule(message.incident_id, message.id, due_at)
    except Exception as error:  # noqa: BLE001 - a scheduler refusal must show on the incident, not vanish
        what = f"Approval timeout for message {message.id}"
        entry = notification_failed(
            message.incident_id,
            now,
            UNARMED,
            what,
            error_text(error),
            message_id=message.id,
            timeout_at=due_at.isoformat(),
        )
        report_failure(store, approvals.operators, entry)
        return None
    record_or_tell(
        store,
        approvals.operators,
        TimelineEntry(
            incident_id=message.incident_id,
            at=now,
            kind=TimelineKind.APPROVAL_REQUESTED,
            text=f"If nobody approves message {message.id} by {due_at.isoformat()}, the holding text is published",
            data={"message_id": message.id, "timeout_at": due_at.isoformat(), "schedule": schedule},
        ),
    )
    return schedule


def cancel_approval_timeouts(
    store: IncidentStore, approvals: ApprovalRequests, superseded: Sequence[Message], now: datetime
) -> None:
    """Delete the approval timeout of each ``superseded`` message, so no holding text of a dead draft waits to fire.

    A schedule already gone is fine. A refusal is on the timeline, never silent, and harms no customer: a timeout
    that fires for a superseded draft publishes nothing (:mod:`incident_comms.approvals.timeout`).
    """
    if approvals.timeouts is None:
        return
    for message in superseded:
        try:
            approvals.timeouts.cancel(message.incident_id, message.id)
        except Exception as error:  # noqa: BLE001 - a scheduler refusal must show on the incident, not vanish
            reason = error_text(error)
            store.add_timeline_entry(
                TimelineEntry(
                    incident_id=message.incident_id,
                    at=now,
                    kind=TimelineKind.NOTIFICATION_FAILED,
                    text=f"The approval timeout of superseded message {message.id} could not be deleted: {reason} "
                    "(when it fires, it publishes nothing)",
                    data={"notification": "approval_timeout_cancel", "reason": reason, "message_id": message.id},
                )
            )


def draft_and_request(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    incident: Incident,
    phase: Phase,
    now: datetime,
    *,
    facts_update: Mapping[str, Any] | None = None,
) -> Message | None:
    """Render ``phase``'s drafts for every channel of the incident's current severity, store the message with its
    DRAFT_CREATED timeline entry (superseding every message still awaiting approval, whose approval timeouts are then
    deleted: :func:`cancel_approval_timeouts`), and email the approvers (:func:`request_approval`: links, approval
    timeout, timeline). Answers the stored message, with its sequence.

    None when nothing could be drafted — the plan's templates fail, or the severity reaches no channel — and the
    reason is on the timeline (``notification_failed``, notification ``draft``): a draft that silently never
    appears is the one failure the team could not see. Raises ValueError for a bad ``facts_update`` (a caller
    bug), before anything is stored.
    """
    # The renderer (Jinja) loads with the first draft, not with the module: most invocations of the functions that
    # import the requests draft nothing (issue 16).
    from incident_comms.drafting.render import render_drafts

    promise = draft_promise(plan, incident, phase, now)
    dues = audience_dues(plan.severity(incident.severity_id), promise_audiences(plan, incident.severity_id), now)
    facts = draft_facts(incident, now, promise, facts_update, dues)
    what = f"The {phase.value} draft"
    try:
        drafts = render_drafts(plan, phase, facts)
        if not drafts:
            raise LookupError(f"severity {incident.severity_id} reaches no channel")
    except Exception as error:  # noqa: BLE001 - a plan template failing must show on the incident, not vanish
        store.add_timeline_entry(notification_failed(incident.id, now, "draft", what, error_text(error), phase=phase))
        return None
    message = Message(
        id=new_message_id(phase),
        incident_id=incident.id,
        phase=phase,
        created_at=now,
        approvers=plan.approvers_for(incident.severity_id, phase),
        drafts=drafts,
        promise=promise,
        promised_by_audience=facts.next_update_by_audience,
    )
    promised = f"; next update promised by {promise.due_at.isoformat()}" if promise else ""
    created = TimelineEntry(
        incident_id=incident.id,
        at=now,
        kind=TimelineKind.DRAFT_CREATED,
        text=f"{phase.value.capitalize()} message drafted for {len(drafts)} channels, awaiting approval{promised}",
        data={
            "message_id": message.id,
            "phase": phase.value,
            "approvers": message.approvers,
            "promise": promise.model_dump(mode="json") if promise else None,
        },
    )
    added = store.add_message(message, [created])
    if added is None:
        raise RuntimeError(f"message id {message.id} already stored for incident {incident.id}")
    cancel_approval_timeouts(store, approvals, added.superseded, now)
    request_approval(plan, store, approvals, incident, added.message, now)
    return added.message
