"""The approval pages: the page of a link with its one form, the outcome of a decision, every refusal, and what
logs and metrics say about each.

A refusal tells nothing: whoever holds a bad, stale or foreign link learns only the generic reason, so no incident
id, component or text is on a 4xx page. The pages render from the package templates ``approval_page.html.j2`` and
``approval_outcome.html.j2`` with autoescaping, so draft text (partly from alarms) and edited text can never become
markup; every page goes out with :data:`~incident_comms.web.PAGE_HEADERS`. Logs carry the token's fingerprint, never
the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from incident_comms.approvals.checks import DraftCheck, checks_context, draft_checks, error_checks
from incident_comms.approvals.forms import (
    MAX_REASON_CHARS,
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
    MIN_OVERRIDE_REASON_CHARS,
)
from incident_comms.approvals.logic import Decision, Recorded, role_names
from incident_comms.approvals.texts import page_texts
from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, issue_token
from incident_comms.incidents.facts import missing_facts
from incident_comms.incidents.models import Incident, Message
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan
from incident_comms.team.console_links import console_url as console_link
from incident_comms.team.context import incident_context
from incident_comms.team.emails import email_environment, team_texts, team_zone
from incident_comms.text import format_datetime, format_elapsed
from incident_comms.web import FormProblem, LinkRefused, Refusal

REFUSAL_STATUS: dict[Refusal, HTTPStatus] = {
    Refusal.INVALID: HTTPStatus.NOT_FOUND,
    Refusal.EXPIRED: HTTPStatus.GONE,
    Refusal.USED: HTTPStatus.CONFLICT,
    Refusal.SUPERSEDED: HTTPStatus.CONFLICT,
    Refusal.REPLACED: HTTPStatus.CONFLICT,
    Refusal.OUTDATED: HTTPStatus.CONFLICT,
    Refusal.DECIDED: HTTPStatus.CONFLICT,
    Refusal.REJECTED: HTTPStatus.CONFLICT,
    Refusal.ROLE_APPROVED: HTTPStatus.CONFLICT,
    Refusal.NOT_APPROVER: HTTPStatus.FORBIDDEN,
    Refusal.BAD_FORM: HTTPStatus.BAD_REQUEST,
    Refusal.CROSS_SITE: HTTPStatus.FORBIDDEN,
    Refusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    Refusal.BUSY: HTTPStatus.SERVICE_UNAVAILABLE,
}

CONSOLE_REFUSALS = frozenset({Refusal.REPLACED, Refusal.OUTDATED, Refusal.REJECTED})
"""The refusals whose page links to the person's incident console (``console_url``): the person still has the
incident to act on, only not through this draft."""

# --- what the use cases answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page to answer with: its status and HTML, plus what logs and metrics may say about it (never the token:
    only its fingerprint)."""

    status: int
    html: str
    refusal: Refusal | None = None
    problem: FormProblem | None = None
    token_fingerprint: str | None = None
    incident_id: str | None = None
    message_id: str | None = None
    version: int | None = None
    action: ApprovalAction | None = None


@dataclass(frozen=True)
class Outcome(Page):
    """What a POST did: the page, and what was recorded (None when refused)."""

    recorded: Recorded | None = None
    publication_requested: bool = False
    pending_roles: list[str] = field(default_factory=list)
    notification_failures: list[str] = field(default_factory=list)


def refusal_page(
    plan: Plan,
    refusal: Refusal,
    problem: FormProblem | None = None,
    fingerprint: str | None = None,
    checks: Sequence[str] = (),
    console_url: str | None = None,
) -> Page:
    """The 4xx page of a refusal: its generic reason (and for a bad form, what was wrong, with the ids of the draft
    checks that found errors when that was it) and nothing else; for :data:`CONSOLE_REFUSALS`, the person's own
    ``console_url`` when there is one."""
    texts = page_texts(plan)
    title, lead = texts["refusals"][refusal]
    detail = texts["problems"][problem] if problem is not None else None
    if problem == FormProblem.ERRORS_NEED_REASON and detail is not None:
        detail = detail.format(checks=", ".join(checks))
    context = {
        "locale": plan.main_locale,
        "p": texts,
        "title": title,
        "lead": lead,
        "detail": detail,
        "refused": True,
        "console_url": console_url if refusal in CONSOLE_REFUSALS else None,
    }
    html = email_environment().get_template("approval_outcome.html.j2").render(context)
    return Page(
        status=int(REFUSAL_STATUS[refusal]), html=html, refusal=refusal, problem=problem, token_fingerprint=fingerprint
    )


def refused_outcome(plan: Plan, refused: LinkRefused, fingerprint: str, console_url: str | None = None) -> Outcome:
    """The refusal page of a POST, as an :class:`Outcome` that recorded nothing."""
    page = refusal_page(plan, refused.refusal, refused.problem, fingerprint, refused.checks, console_url)
    return Outcome(**{item.name: getattr(page, item.name) for item in fields(Page)})


def outcome_page(
    plan: Plan, incident: Incident, decision: Decision, fingerprint: str, asked: bool, failures: list[str]
) -> Outcome:
    """The page of a recorded decision. ``asked``: the roles still to approve an edit were sent their new links;
    ``failures``: why a send failed."""
    after = decision.after
    texts = page_texts(plan)
    locale = plan.main_locale
    roles = ", ".join(role_names(plan, decision.roles))
    pending = ", ".join(role_names(plan, after.pending_roles))
    done = texts["done"]
    if decision.recorded == Recorded.REJECTED:
        summary = done["rejected"]
    elif decision.recorded == Recorded.EDITED:
        summary = done["edited_published" if not pending else "edited_waiting" if asked else "edited_waiting_unsent"]
    else:
        summary = done["published" if not pending else "waiting"]
    context = {
        "locale": locale,
        "p": texts,
        "title": texts["recorded"],
        "lead": summary.format(version=after.version, roles=roles, pending=pending),
        "detail": None,
        "refused": False,
        "incident_id": incident.id,
    }
    html = email_environment().get_template("approval_outcome.html.j2").render(context)
    return Outcome(
        status=int(HTTPStatus.OK),
        html=html,
        token_fingerprint=fingerprint,
        incident_id=incident.id,
        message_id=after.id,
        version=after.version,
        action=None,
        recorded=decision.recorded,
        publication_requested=decision.publication is not None,
        pending_roles=after.pending_roles,
        notification_failures=failures,
    )


def render_form(
    plan: Plan,
    incident: Incident,
    message: Message,
    token: str,
    claims: TokenClaims,
    acting: list[str],
    key: bytes,
    now: datetime,
    base_url: str = "",
) -> str:
    """The page of a link: the draft with what its checks found, the incident, the form of the link's action and
    the links to its other actions (moving the incident is the console's)."""
    texts = page_texts(plan)
    team = team_texts(plan)
    locale = plan.main_locale
    checks: list[DraftCheck] = draft_checks(plan, message, incident.severity_id, missing_facts(incident.facts, plan))
    siblings = [
        {
            "label": texts["actions"][action],
            "href": quote(issue_token(claims.model_copy(update={"action": action}), key), safe=""),
        }
        for action in ApprovalAction
        if action != claims.action
    ]
    context = {
        **incident_context(plan, incident, message, now, team),
        "p": texts,
        "title": texts["page_title"],
        "action": claims.action.value,
        "deciding_as": texts["deciding_as"].format(
            recipient=claims.recipient, roles=", ".join(role_names(plan, acting))
        ),
        "pending": role_names(plan, message.pending_roles),
        "promise_rule": promise_rule(plan, incident, message, texts["promise_rule"]),
        "approved": role_names(plan, [role for role in message.approvers if role in message.approvals]),
        "expires": texts["expires"].format(expires=format_datetime(claims.expires_at, team_zone(plan), locale)),
        "siblings": siblings,
        "self_href": quote(token, safe=""),
        "max_subject": MAX_SUBJECT_CHARS,
        "max_text": MAX_TEXT_CHARS,
        "max_reason": MAX_REASON_CHARS,
        "checks": checks_context(plan, message, checks, team),
        "override_lead": texts["override_lead"].format(checks=", ".join(error_checks(checks))),
        "min_reason": MIN_OVERRIDE_REASON_CHARS,
        "console_url": console_link(base_url, key, incident.id, claims.recipient, incident.opened_at),
    }
    return email_environment().get_template("approval_page.html.j2").render(context)


def promise_rule(plan: Plan, incident: Incident, message: Message, rule: str) -> str | None:
    """The promised next update in the team's zone and what publishing does when it is no longer true by then
    (:mod:`incident_comms.cadence.renewal`): the approver decides knowing the time may move."""
    if message.promise is None:
        return None
    severity = plan.severity(incident.severity_id)
    cadence = format_elapsed(severity.update_every) if severity.update_every else "—"
    due = format_datetime(message.promise.due_at, team_zone(plan), plan.main_locale)
    return rule.format(due=due, lead=format_elapsed(severity.promise_lead), cadence=cadence)


# --- logs and metrics --------------------------------------------------------------------------------------------


_RECORDED_METRIC = {
    Recorded.APPROVED: "ApprovalsApproved",
    Recorded.EDITED: "ApprovalsEdited",
    Recorded.REJECTED: "ApprovalsRejected",
}


def record_page(page: Page, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a request did (the token's fingerprint, never the token) and count it.

    ``LinksRefused`` counts every refusal and ``LinksRefused<Reason>`` (``LinksRefusedExpired``...) each reason,
    so one alarm watches them all and a dashboard tells forged links from stale ones.
    """
    if page.refusal is not None:
        logger.warning(
            "approval link refused",
            extra={
                "reason": page.refusal.value,
                "problem": page.problem.value if page.problem else None,
                "status": page.status,
                "token_fingerprint": page.token_fingerprint,
            },
        )
        metrics.add_metric(name="LinksRefused", unit=unit, value=1)
        reason = "".join(part.capitalize() for part in page.refusal.value.split("_"))
        metrics.add_metric(name=f"LinksRefused{reason}", unit=unit, value=1)
        return
    where = {
        "token_fingerprint": page.token_fingerprint,
        "incident_id": page.incident_id,
        "message_id": page.message_id,
        "version": page.version,
    }
    if not isinstance(page, Outcome) or page.recorded is None:
        logger.info("approval page shown", extra={**where, "action": page.action.value if page.action else None})
        metrics.add_metric(name="ApprovalPagesShown", unit=unit, value=1)
        return
    logger.info(
        "approval decision recorded",
        extra={
            **where,
            "recorded": page.recorded.value,
            "publication_requested": page.publication_requested,
            "pending_roles": page.pending_roles,
        },
    )
    metrics.add_metric(name=_RECORDED_METRIC[page.recorded], unit=unit, value=1)
    metrics.add_metric(name="PublicationsRequested", unit=unit, value=int(page.publication_requested))
    for failure in page.notification_failures:
        logger.warning("approval request not sent", extra={**where, "reason": failure})
    metrics.add_metric(name="ApprovalRequestsFailed", unit=unit, value=len(page.notification_failures))
