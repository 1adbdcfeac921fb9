"""Emails to the team: the approval request sent to each approver, with that person's own signed links.

Pure: builds :class:`Email` values and talks to an :class:`EmailSender`; SES lives in
:mod:`incident_comms.adapters.ses`. These emails are the system's own (package templates in
``incident_comms/templates``), not the plan's, so they render in a plain Jinja2 environment with
autoescaping on for HTML: alarm names come from monitoring and are untrusted, and must never
become markup in a responder's mail client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, expiry_for, issue_token
from incident_comms.cadence.conformance import Conformance, conformance_of
from incident_comms.cadence.drafts import draft_facts, draft_promise
from incident_comms.cadence.due import audience_dues, promise_audiences
from incident_comms.drafting.render import ChannelDraft, render_drafts
from incident_comms.errors import BadInput
from incident_comms.incidents.models import (
    Incident,
    Message,
    TimelineEntry,
    TimelineKind,
    new_message_id,
    notification_failed,
)
from incident_comms.incidents.store import IncidentStore
from incident_comms.lint import Finding, lint_draft, segments, supports_locale
from incident_comms.plan.models import Phase, Plan, localized
from incident_comms.team.context import incident_context
from incident_comms.team.emails import Email, EmailSender, approver_addresses, email_environment, team_texts, team_zone
from incident_comms.text import error_text, format_datetime, one_line, truncate

if TYPE_CHECKING:
    from incident_comms.cadence.conformance import Conformance

FINDING_QUOTE_MAX = 80
"""The text a finding is about, quoted in the approval email: enough to find it in the draft, one line."""
"""Subjects stay under 100 characters so every mail client shows the whole line, "approval needed" included."""


class ApprovalTimeouts(Protocol):
    def schedule(self, incident_id: str, message_id: str, due_at: datetime) -> str:
        """Make the approval timeout of ``message_id`` fire once at ``due_at``; answers the schedule's name."""
        ...


@dataclass(frozen=True)
class ApprovalLinks:
    """One approver's three links: each carries its own token, for that person, action and message version."""

    approve: str
    edit: str
    reject: str
    expires_at: datetime


@dataclass(frozen=True)
class SentEmail:
    """One email handed to the mail service (``provider_id``) or refused (``error``, safe to log)."""

    email: Email
    provider_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ApprovalRequests:
    """What ingest needs to ask for an approval: where the email goes out, where its links point, the key that
    signs them (read on first use, so nothing reads the secret until an approval is actually asked for), and
    the approval timeout to arm."""

    sender: EmailSender
    token_key: Callable[[], bytes]
    base_url: str = ""
    timeouts: ApprovalTimeouts | None = None

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
            email = approval_request_email(plan, incident, message, now, links, recipient, conformance)
            try:
                sent.append(SentEmail(email, provider_id=self.sender.send(email)))
            except Exception as error:  # noqa: BLE001 - reported per recipient; the others are still asked
                sent.append(SentEmail(email, error=error_text(error)))
        return sent


def approval_links(base_url: str, key: bytes, message: Message, recipient: str, expires_at: datetime) -> ApprovalLinks:
    """Sign one link per action for ``recipient`` and the current version of ``message``."""

    def link(action: ApprovalAction) -> str:
        claims = TokenClaims(
            incident_id=message.incident_id,
            message_id=message.id,
            message_version=message.version,
            recipient=recipient,
            action=action,
            expires_at=expires_at,
        )
        return approval_url(base_url, issue_token(claims, key))

    return ApprovalLinks(
        approve=link(ApprovalAction.APPROVE),
        edit=link(ApprovalAction.EDIT),
        reject=link(ApprovalAction.REJECT),
        expires_at=expires_at,
    )


def approval_request_email(
    plan: Plan,
    incident: Incident,
    message: Message,
    now: datetime,
    links: ApprovalLinks,
    recipient: str,
    conformance: Conformance | None = None,
) -> Email:
    """The email asking one approver to review ``message`` before any customer sees it.

    It carries everything needed to decide from a phone: the incident facts, every channel's draft as
    that channel will show it, the questions the phase must answer, and three links (review and approve,
    edit, reject) signed for this recipient. Opening a link only shows a page; the decision is a button.

    Written in the plan's main locale (the team's language).
    """
    locale = plan.main_locale
    texts = team_texts(plan)
    zone = team_zone(plan)
    context = {
        **incident_context(plan, incident, message, now, texts),
        "checks": checks_context(plan, message, draft_checks(plan, message, incident.severity_id), texts),
        "links": links,
        "links_note": texts["links_note"].format(expires=format_datetime(links.expires_at, zone, locale)),
        "links_are_absolute": links.approve.startswith(("https://", "http://")),
        "conformance": conformance_lines(conformance, texts) if message.phase == Phase.POSTMORTEM else None,
    }
    environment = email_environment()
    return Email(
        to=[recipient],
        subject=context["subject"],
        text=environment.get_template("approval_request.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("approval_request.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": message.id},
    )


@dataclass(frozen=True)
class DraftCheck:
    """What the draft checks (:mod:`incident_comms.lint`) found in one channel's draft; ``checked`` is False for
    a language the checks do not know, which the page and the email say rather than claim "no problems"."""

    draft: ChannelDraft
    findings: tuple[Finding, ...]
    checked: bool = True

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.level == "error"]


def draft_checks(plan: Plan, message: Message, severity_id: str) -> list[DraftCheck]:
    """Check every channel's draft of ``message`` as its approvers will see it: the message's phase, the incident's
    current severity ``severity_id`` (one the plan dropped since: the checks that need one are skipped) and whether
    an editor vouched for the promised fix (``Message.certain``)."""
    severities = {severity.id for severity in plan.definition.severities}
    severity = severity_id if severity_id in severities else None
    checks: list[DraftCheck] = []
    for draft in message.drafts:
        if not supports_locale(draft.locale):
            checks.append(DraftCheck(draft, (), checked=False))
            continue
        try:
            findings = lint_draft(plan, draft, message.phase, severity, certain=message.certain)
        except BadInput:  # only an unknown locale or severity, both excluded above; never hide the draft for it
            checks.append(DraftCheck(draft, (), checked=False))
            continue
        checks.append(DraftCheck(draft, tuple(findings)))
    return checks


def error_checks(checks: list[DraftCheck]) -> list[str]:
    """The ids of the checks that found errors, each once, in the order they were found."""
    return list(dict.fromkeys(finding.check for check in checks for finding in check.errors))


def findings_summary(errors: int, warnings: int, texts: dict[str, Any]) -> str:
    """``2 errors, 1 warning`` in the team's language; the "no problems" line when both are zero."""
    words = texts["findings"]
    parts = [
        (words[kind][0] if count == 1 else words[kind][1].format(count=count))
        for kind, count in (("errors", errors), ("warnings", warnings))
        if count
    ]
    return ", ".join(parts) or words["none"]


def checks_context(plan: Plan, message: Message, checks: list[DraftCheck], texts: dict[str, Any]) -> dict[str, Any]:
    """What the approval page and email show of the findings, as plain values the templates escape.

    Per channel: every finding numbered (``id`` ``f<draft>-<n>``, unique on the page), its level, check id,
    message, the plan values it stands for and the text it is about (quoted, one line, at most
    :data:`FINDING_QUOTE_MAX` characters); the subject and text cut into segments so the page can mark each span
    (``segments``); findings about the whole text (something missing) listed apart (``whole``), above the text.
    """
    words = texts["findings"]
    locale = plan.main_locale
    value_names = {value.id: localized(value.name, locale, locale) for value in plan.values.values}
    channels: dict[str, dict[str, Any]] = {}
    for index, check in enumerate(checks, start=1):
        draft = check.draft
        parts = {"subject": draft.subject or "", "text": draft.text}
        listed: list[dict[str, Any]] = []
        spans: dict[str, list[tuple[Finding, dict[str, Any]]]] = {"subject": [], "text": []}
        for number, finding in enumerate(check.findings, start=1):
            source = parts[finding.part]
            whole = finding.part == "text" and finding.start <= 0 and finding.end >= len(source)
            quote = truncate(one_line(source[finding.start : finding.end]), FINDING_QUOTE_MAX)
            item = {
                "id": f"f{index}-{number}",
                "number": number,
                "level": finding.level,
                "level_name": words["levels"][finding.level],
                "check": finding.check,
                "message": finding.message,
                "value_names": [value_names.get(value, value) for value in finding.values],
                "part": finding.part,
                "whole": whole,
                "quote": None if whole or not quote or f"«{quote}»" in finding.message else quote,
            }
            listed.append(item)
            if not whole:
                spans[finding.part].append((finding, item))
        channels[draft.channel_id] = {
            "checked": check.checked,
            "not_checked": None if check.checked else words["not_checked"].format(locale=draft.locale),
            "findings": listed,
            "whole": [item for item in listed if item["whole"]],
            "spanned": [item for item in listed if not item["whole"]],
            "summary": findings_summary(len(check.errors), len(check.findings) - len(check.errors), texts),
            "errors": len(check.errors),
            "subject_segments": _marked(parts["subject"], spans["subject"]) if draft.subject else None,
            "segments": _marked(draft.text, spans["text"]),
        }
    errors = sum(len(check.errors) for check in checks)
    warnings = sum(len(check.findings) for check in checks) - errors
    return {
        "summary": findings_summary(errors, warnings, texts),
        "errors": errors,
        "warnings": warnings,
        "error_checks": error_checks(checks),
        "certain": message.certain,
        "channels": channels,
        "f": words,
    }


def _marked(text: str, spans: list[tuple[Finding, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``text`` in runs, each with the ids of the findings covering it, its strongest level, their check ids, and
    the numbers of the findings that end with it (the page puts ``[n]`` there)."""
    by_finding = {id(finding): item for finding, item in spans}
    runs = []
    for segment in segments(text, [finding for finding, _ in spans]):
        end = segment.start + len(segment.text)
        covering = [by_finding[id(finding)] for finding in segment.findings]
        runs.append(
            {
                "text": segment.text,
                "ids": [item["id"] for item in covering],
                "checks": list(dict.fromkeys(item["check"] for item in covering)),
                "level": "error" if any(item["level"] == "error" for item in covering) else "warning",
                "ends": [by_finding[id(finding)]["number"] for finding in segment.findings if finding.end == end],
            }
        )
    return runs


def conformance_lines(report: Conformance | None, texts: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The conformance report as (label, value) lines for the postmortem's approval email; None without one."""
    if report is None:
        return None
    names = texts["conformance_names"]
    promises = report.promises
    reach = "; ".join(
        f"{channel.channel_id}: {channel.messages}, {channel.delivered}, {channel.failed}"
        for channel in report.channels
    )
    return [
        (names["first_message"], report.time_to_first_message or names["not_yet"]),
        (
            names["promises"],
            f"{promises.made} / {promises.kept_on_time} / {promises.kept_late} / {promises.open}",
        ),
        (names["reach"], reach or names["not_yet"]),
    ]


def approval_url(base_url: str, token: str) -> str:
    """The page of one approval link: ``{base_url}/approvals/{token}``. The token is the whole credential and
    names incident, message and action itself, so the path carries nothing else."""
    return f"{base_url.rstrip('/')}/approvals/{quote(token, safe='')}"


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
        store.add_timeline_entry(
            notification_failed(incident.id, now, "approval_request", what, reason, message_id=message.id)
        )
    if delivered:
        store.add_timeline_entry(
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
            )
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
    pre-approved text matters most. A schedule that cannot be created is on the timeline, never silent.
    """
    timeout = plan.severity(incident.severity_id).approval_timeout
    holding = plan.phases.phases[message.phase].holding
    if timeout is None or holding is None or approvals.timeouts is None:
        return
    due_at = now + timeout
    try:
        schedule = approvals.timeouts.schedule(incident.id, message.id, due_at)
    except Exception as error:  # noqa: BLE001 - a scheduler refusal must show on the incident, not vanish
        reason = error_text(error)
        what = f"Approval timeout for message {message.id}"
        store.add_timeline_entry(
            notification_failed(incident.id, now, "approval_timeout", what, reason, message_id=message.id)
        )
        return
    store.add_timeline_entry(
        TimelineEntry(
            incident_id=incident.id,
            at=now,
            kind=TimelineKind.APPROVAL_REQUESTED,
            text=f"If nobody approves message {message.id} by {due_at.isoformat()}, the holding text is published",
            data={"message_id": message.id, "timeout_at": due_at.isoformat(), "schedule": schedule},
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
    DRAFT_CREATED timeline entry, and email the approvers (:func:`incident_comms.ingest.request_approval`: links,
    approval timeout, timeline). Answers the stored message.

    None when nothing could be drafted — the plan's templates fail, or the severity reaches no channel — and the
    reason is on the timeline (``notification_failed``, notification ``draft``): a draft that silently never
    appears is the one failure the team could not see. Raises ValueError for a bad ``facts_update`` (a caller
    bug), before anything is stored.
    """
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
    if not store.add_message(message, [created]):
        raise RuntimeError(f"message id {message.id} already stored for incident {incident.id}")
    request_approval(plan, store, approvals, incident, message, now)
    return message
