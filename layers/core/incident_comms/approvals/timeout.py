"""Use case: nobody approved a draft in time, so the plan's pre-approved holding text goes out instead.

A severity with ``approval_timeout`` arms a one-time schedule when its approval is requested
(:func:`incident_comms.ingest.arm_approval_timeout`). When it fires and the draft still awaits approval,
the phase's ``holding`` text from ``templates/phases.yaml`` is published on every channel of the draft
(saying it early matters more than saying it perfectly), the approvers are told by email, and the
timeline says so. The holding text is rendered per channel (:mod:`incident_comms.holding`) from the incident's
certain facts and the next update the waiting draft promised (promised anew from now when that time has passed),
so customers still learn when they will hear more and where to ask; the holding message carries that promise.
The draft itself stays awaiting approval: its richer text can still be approved and published afterwards, with
the links of the first email.

Schedulers redeliver and people approve at the last second, so firing is safe at any time: a message
that was decided meanwhile, or whose holding text is already out, makes the firing do nothing (the store
writes the holding message on the condition that the draft still awaits approval, and only once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from incident_comms.cadence.drafts import draft_promise
from incident_comms.delivery.publishing import PublishQueue, hand_off
from incident_comms.drafting.holding import render_holding
from incident_comms.drafting.render import MessageFacts, build_context, draft_from_text, render_block
from incident_comms.errors import BadInput
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.promises import DuePromise
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import TEMPLATE_BLOCKS, Channel, HoldingText, Plan, template_key
from incident_comms.plan.templates import plan_environment
from incident_comms.team.context import incident_context
from incident_comms.team.emails import (
    Email,
    EmailSender,
    approval_subject,
    approver_addresses,
    email_environment,
    team_texts,
)
from incident_comms.text import error_text, format_elapsed

TIMEOUT_EVENT_KIND: Final = "approval_timeout"
"""The ``kind`` of the event the approval timeout schedule hands the function."""
HOLDING_SUFFIX = "-holding"
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "holding_published": "publicado el texto de espera",
        "holding_intro": "Nadie aprobó el borrador {message} en {timeout}. Para no dejar a los clientes sin noticias, "
        "se ha publicado en su lugar el texto de espera preaprobado del plan, en cada canal del borrador.",
        "still_waiting": "El borrador original sigue pendiente de aprobación y los enlaces del primer correo siguen "
        "sirviendo: si lo aprueba (o lo corrige), se publicará después con todos sus detalles.",
        "published": "Lo que se ha publicado, canal por canal",
    },
    "en": {
        "holding_published": "holding text published",
        "holding_intro": "Nobody approved draft {message} within {timeout}. So that customers are not left without "
        "news, the plan's pre-approved holding text was published instead, on every channel of the draft.",
        "still_waiting": "The original draft still awaits approval and the links in the first email still work: "
        "if you approve it (or edit it), it is published afterwards with all its details.",
        "published": "What was published, channel by channel",
    },
}


class ApprovalTimeoutEvent(BaseModel):
    """What the approval timeout schedule hands the function; the scheduler adapter writes it from this model.

    Fields it does not know are ignored: a newer scheduler adding one must not make this function drop a
    timeout during a deployment.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["approval_timeout"]
    incident_id: str = Field(pattern=_ID_PATTERN)
    message_id: str = Field(pattern=_ID_PATTERN)


class TimeoutResult(StrEnum):
    HOLDING_PUBLISHED = "holding_published"
    NOTHING_TO_DO = "nothing_to_do"
    """Stale or duplicate firing: the draft was decided meanwhile, or its holding text is already out."""
    REJECTED = "rejected"
    """Not an approval timeout event: retrying cannot fix it, so it is logged and counted, never raised."""


@dataclass(frozen=True)
class Notified:
    """One approver told (``provider_id``) or not (``error``, safe to log) that the holding text went out."""

    to: str
    provider_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class TimeoutOutcome:
    result: TimeoutResult
    reason: str | None = None
    incident_id: str | None = None
    message_id: str | None = None
    holding_message_id: str | None = None
    notified: tuple[Notified, ...] = ()

    @property
    def notification_errors(self) -> list[str]:
        return [f"{item.to}: {item.error}" for item in self.notified if item.error is not None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "message_id": self.message_id,
            "holding_message_id": self.holding_message_id,
            "notified": [item.to for item in self.notified if item.error is None],
            "notification_errors": self.notification_errors,
        }


def parse_timeout_event(event: Any) -> ApprovalTimeoutEvent:
    """The event as an :class:`ApprovalTimeoutEvent`, or :class:`BadInput` naming each wrong field (never its
    value: the payload is not ours to echo into logs)."""
    try:
        return ApprovalTimeoutEvent.model_validate(event)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc']) or 'event'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        ]
        raise BadInput(f"not an {TIMEOUT_EVENT_KIND} event: {'; '.join(problems)}") from error


def approval_timed_out(
    event: Any,
    plan: Plan,
    store: IncidentStore,
    sender: EmailSender,
    now: datetime,
    publish_queue: PublishQueue | None = None,
) -> TimeoutOutcome:
    """Publish the phase's holding text in place of a draft nobody approved in time, and tell the approvers.

    Answers REJECTED for a malformed event and NOTHING_TO_DO for a stale or repeated firing, changing nothing
    in either case. Only a store failure (or a plan template that cannot render, which ingest would have met
    first) raises, so the scheduler retries; a refused email is recorded on the incident as
    ``notification_failed`` instead.
    """
    try:
        request = parse_timeout_event(event)
    except BadInput as error:
        return TimeoutOutcome(TimeoutResult.REJECTED, reason=str(error))
    incident_id, message_id = request.incident_id, request.message_id

    def nothing_to_do(reason: str) -> TimeoutOutcome:
        return TimeoutOutcome(TimeoutResult.NOTHING_TO_DO, reason, incident_id, message_id)

    waiting = store.get_message(incident_id, message_id)
    incident = store.get_incident(incident_id)
    if waiting is None or incident is None:
        return nothing_to_do("no such message")
    stale = _why_stale(incident, waiting)
    if stale is not None:
        return nothing_to_do(stale)
    holding_text = plan.phases.phases[waiting.phase].holding
    timeout = plan.severity(incident.severity_id).approval_timeout
    if holding_text is None or timeout is None:
        return nothing_to_do("the plan no longer has a holding text or an approval timeout for it")
    holding = holding_message(plan, incident, waiting, holding_text, now)
    if not holding.drafts:
        return nothing_to_do("none of the draft's channels is in the plan any more")
    publication = Publication(
        incident_id=incident.id,
        message_id=holding.id,
        version=holding.version,
        requested_at=now,
        reason=PublicationReason.APPROVAL_TIMEOUT,
    )
    if not store.save_holding(waiting, holding, timed_out_entries(waiting, holding, timeout, now), publication):
        return nothing_to_do("the draft was decided meanwhile, or its holding text is already published")
    if publish_queue is not None:
        hand_off(store, publish_queue, publication, now)
    notified = tell_approvers(plan, store, sender, incident, waiting, holding, timeout, now)
    return TimeoutOutcome(TimeoutResult.HOLDING_PUBLISHED, None, incident_id, message_id, holding.id, notified)


def _why_stale(incident: Incident, waiting: Message) -> str | None:
    if waiting.holding:
        return "the message is itself a holding text"
    if waiting.status != MessageStatus.AWAITING_APPROVAL:
        return f"the message was {waiting.status.value} meanwhile"
    if incident.status != IncidentStatus.OPEN:
        return f"the incident is {incident.status.value}"
    return None


def holding_message(plan: Plan, incident: Incident, waiting: Message, holding: HoldingText, now: datetime) -> Message:
    """The pre-approved message published in place of ``waiting``: the holding text in each channel's locale (its
    ``sms`` variant on SMS-format channels), on the same channels, already approved (the plan approved it when the
    team wrote it), rendered from the incident's certain facts and :func:`holding_promise`, which it carries.

    Its id is ``waiting``'s plus ``-holding``, so a second firing collides in the store instead of publishing
    twice. Subjects and titles are the plan's own for the phase, from the incident's facts only: the waiting
    draft's subject may carry an edit that was never approved, and nothing unapproved may go out.
    """
    channels = {channel.id: channel for channel in plan.channels.channels}
    promise = holding_promise(plan, incident, waiting, now)
    facts = MessageFacts(
        incident_id=incident.id,
        component_id=incident.component_id,
        severity_id=incident.severity_id,
        started_at=incident.opened_at,
        now=now,
        next_update_at=promise.due_at if promise else None,
    )
    drafts = [
        draft_from_text(
            plan,
            channel,
            plan_subject(plan, incident, waiting, channel, now),
            render_holding(plan, waiting.phase, holding, facts, channel),
        )
        for channel in (channels.get(draft.channel_id) for draft in waiting.drafts)
        if channel is not None
    ]
    return Message(
        id=f"{waiting.id}{HOLDING_SUFFIX}",
        incident_id=incident.id,
        phase=waiting.phase,
        status=MessageStatus.APPROVED,
        created_at=now,
        approvers=[],
        drafts=drafts,
        decided_at=now,
        holding=True,
        replaces=waiting.id,
        promise=promise,
    )


def holding_promise(plan: Plan, incident: Incident, waiting: Message, now: datetime) -> DuePromise | None:
    """The next update the holding text tells customers: the one the waiting draft promised while it is still
    ahead (the holding text stands in for that draft, and must not move its word), else one promised from ``now``
    by the severity's cadence (:func:`incident_comms.drafts.draft_promise`)."""
    if waiting.promise is not None and waiting.promise.due_at > now:
        return waiting.promise
    return draft_promise(plan, incident, waiting.phase, now)


def plan_subject(plan: Plan, incident: Incident, waiting: Message, channel: Channel, now: datetime) -> str | None:
    """The subject (email) or title (status page) the plan's template gives the phase for this channel,
    rendered from what the alarm said alone; None for formats without one (SMS, chat)."""
    blocks = TEMPLATE_BLOCKS[channel.template_format]
    if len(blocks) < 2:
        return None
    facts = MessageFacts(
        incident_id=incident.id,
        component_id=incident.component_id,
        severity_id=incident.severity_id,
        started_at=incident.opened_at,
        now=now,
    )
    key = template_key(channel.locale, waiting.phase, channel.template_format)
    template = plan_environment(plan).get_template(key)
    return render_block(template, key, blocks[0], build_context(plan, waiting.phase, facts, channel))


def timed_out_entries(waiting: Message, holding: Message, timeout: timedelta, now: datetime) -> list[TimelineEntry]:
    """What the timeline says: the approval timed out, and the holding message was handed to publishing."""
    channels = [draft.channel_id for draft in holding.drafts]
    return [
        TimelineEntry(
            incident_id=waiting.incident_id,
            at=now,
            kind=TimelineKind.APPROVAL_TIMED_OUT,
            text=f"Nobody approved message {waiting.id} within {format_elapsed(timeout)}; "
            f"the pre-approved holding text was published as message {holding.id}",
            data={
                "message_id": waiting.id,
                "version": waiting.version,
                "holding_message_id": holding.id,
                "timeout_seconds": int(timeout.total_seconds()),
                "pending_roles": waiting.pending_roles,
            },
        ),
        TimelineEntry(
            incident_id=waiting.incident_id,
            at=now,
            kind=TimelineKind.PUBLISH_REQUESTED,
            text=f"Holding message {holding.id} handed to publishing on {len(channels)} channels",
            data={
                "message_id": holding.id,
                "version": holding.version,
                "reason": PublicationReason.APPROVAL_TIMEOUT.value,
                "channels": channels,
            },
        ),
    ]


def tell_approvers(
    plan: Plan,
    store: IncidentStore,
    sender: EmailSender,
    incident: Incident,
    waiting: Message,
    holding: Message,
    timeout: timedelta,
    now: datetime,
) -> tuple[Notified, ...]:
    """Email each person of the roles that approve ``waiting``, one email each.

    One email per person rather than one to all: a refused address (SES refuses the whole send for one bad
    recipient) must not keep the others from knowing. Never raises: each failure, including not being able
    to build the email at all, is a ``notification_failed`` entry on the incident's timeline.
    """
    notified: list[Notified] = []
    try:
        addresses = approver_addresses(plan, waiting.approvers)
        if not addresses:
            raise LookupError(f"no approver with an address in roles {', '.join(waiting.approvers) or '(none)'}")
        for address in addresses:
            email = holding_published_email(plan, incident, waiting, holding, timeout, now, address)
            try:
                notified.append(Notified(address, provider_id=sender.send(email)))
            except Exception as error:  # noqa: BLE001 - reported per recipient; the others are still told
                notified.append(Notified(address, error=error_text(error)))
    except Exception as error:  # noqa: BLE001 - a holding text nobody heard of must show on the incident
        notified.append(Notified("(approvers)", error=error_text(error)))
    for item in notified:
        if item.error is not None:
            store.add_timeline_entry(
                notification_failed(
                    incident.id,
                    now,
                    "holding_published",
                    f"Email telling {item.to} the holding text was published",
                    item.error,
                    message_id=holding.id,
                    to=item.to,
                )
            )
    return tuple(notified)


def holding_published_email(
    plan: Plan,
    incident: Incident,
    waiting: Message,
    holding: Message,
    timeout: timedelta,
    now: datetime,
    recipient: str,
) -> Email:
    """The email telling one approver what went out in their place and that their draft still waits.

    Written in the plan's main locale, from the package's own templates (HTML autoescaped: the incident
    facts include alarm names from monitoring).
    """
    texts = team_texts(plan)
    own = holding_texts(plan)
    context = incident_context(plan, incident, waiting, now, texts)
    subject = approval_subject(
        incident.severity_id, texts["phases"][waiting.phase], context["incident"]["component"], own["holding_published"]
    )
    context.update(
        {
            "subject": subject,
            "h": own,
            "intro": own["holding_intro"].format(message=waiting.id, timeout=format_elapsed(timeout)),
            "published": incident_context(plan, incident, holding, now, texts)["drafts"],
        }
    )
    environment = email_environment()
    return Email(
        to=[recipient],
        subject=subject,
        text=environment.get_template("approval_timeout.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("approval_timeout.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": holding.id},
    )


def holding_texts(plan: Plan) -> dict[str, str]:
    """This email's own wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


def record_outcome(outcome: TimeoutOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the firing did (reasons and ids, never the payload) and count it, zeros included, so every
    metric has a data point on every firing."""
    details = {key: value for key, value in outcome.as_dict().items() if value not in (None, [])}
    if outcome.result == TimeoutResult.REJECTED:
        logger.warning("approval timeout event rejected", extra=details)
    elif outcome.result == TimeoutResult.NOTHING_TO_DO:
        logger.info("approval timeout stale", extra=details)
    else:
        logger.info("holding text published", extra=details)
    for error in outcome.notification_errors:
        logger.warning("holding notification not sent", extra={"incident_id": outcome.incident_id, "reason": error})
    counts = {
        "HoldingPublished": int(outcome.result == TimeoutResult.HOLDING_PUBLISHED),
        "TimeoutsStale": int(outcome.result == TimeoutResult.NOTHING_TO_DO),
        "TimeoutEventsRejected": int(outcome.result == TimeoutResult.REJECTED),
        "HoldingNotificationsFailed": len(outcome.notification_errors),
    }
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=unit, value=value)
