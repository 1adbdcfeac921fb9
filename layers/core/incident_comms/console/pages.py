"""The console's pages: the console itself (with a notice after a POST), every refusal, and what logs and metrics say.

Pages render from the package template ``console.html.j2`` with autoescaping, so facts, drafts and alarm names can
never become markup, and go out with the link pages' headers (:data:`incident_comms.web.
PAGE_HEADERS`: no cache, no referrer, no script, no framing). A refusal page of the link (404, 410, 403, 413) names
nothing about the incident. Logs carry the link's fingerprint, never the token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from incident_comms.console.forms import ConsoleProblem
from incident_comms.console.links import REFUSAL_STATUS, ConsoleRefusal
from incident_comms.console.texts import console_texts
from incident_comms.lifecycle.models import Step
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan
from incident_comms.team.emails import email_environment


@dataclass(frozen=True)
class Notice:
    """What a POST did, shown above the console: ``kind`` applied, refused, failed or bad_form."""

    kind: str
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConsolePage:
    """A page to answer with, and what logs and metrics may say about it (the link's fingerprint, never the token).
    ``step``: what the lifecycle did with a POST that reached it."""

    status: int
    html: str
    refusal: ConsoleRefusal | None = None
    problem: ConsoleProblem | None = None
    fingerprint: str | None = None
    incident_id: str | None = None
    action: str | None = None
    step: Step | None = None


def render_console(plan: Plan, view: dict[str, Any], token: str, notice: Notice | None = None) -> str:
    """The console page of ``view`` (:func:`incident_comms.console.view.console_view`), its forms posting to the
    page's own address."""
    texts = console_texts(plan)
    context = {
        **view,
        "c": texts,
        "title": texts["title"],
        "refused": False,
        "notice": notice,
        "self_href": quote(token, safe=""),
        "you_are": texts["you_are"].format(recipient=view["recipient"], roles=", ".join(view["roles"])),
    }
    return email_environment().get_template("console.html.j2").render(context)


def refusal_page(plan: Plan, refusal: ConsoleRefusal, fingerprint: str | None = None) -> ConsolePage:
    """The generic page of a refused link or request: what happened to the link, nothing about the incident."""
    texts = console_texts(plan)
    title, lead = texts["refusals"][refusal.value]
    context = {"locale": plan.main_locale, "c": texts, "title": title, "lead": lead, "refused": True}
    html = email_environment().get_template("console.html.j2").render(context)
    return ConsolePage(status=int(REFUSAL_STATUS[refusal]), html=html, refusal=refusal, fingerprint=fingerprint)


def problem_text(plan: Plan, problem: ConsoleProblem, detail: str) -> str:
    """What to correct, in the team's words."""
    return str(console_texts(plan)["problems"][problem.value]).format(detail=detail)


def step_notice(plan: Plan, action: str, step: Step) -> tuple[HTTPStatus, Notice]:
    """The status and notice of what the lifecycle did: applied 200 (and what was drafted), refused or ignored 409
    with the machine's reason, not applied at all 503."""
    texts = console_texts(plan)
    if step.outcome is None:
        return HTTPStatus.SERVICE_UNAVAILABLE, Notice("failed", texts["notice_failed"], [step.reason])
    if step.outcome.value != "applied":
        return HTTPStatus.CONFLICT, Notice("refused", texts["notice_refused"], [step.reason])
    lines = [texts["applied"][action], texts["drafted"] if step.drafted else texts["nothing_drafted"]]
    if step.failures:
        lines.append(texts["failures"].format(failures="; ".join(step.failures)))
    return HTTPStatus.OK, Notice("applied", texts["notice_applied"], lines)


# --- logs and metrics --------------------------------------------------------------------------------------------


def record_console(page: ConsolePage, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a console request did (the link's fingerprint, never the token) and count it: ``ConsoleRefused`` and
    ``ConsoleRefused<Reason>`` (``ConsoleRefusedNotEngaged``...) for each refusal, ``ConsolePagesShown`` for a look,
    ``ConsoleChanges`` for an applied change."""
    where = {"link_fingerprint": page.fingerprint, "incident_id": page.incident_id, "action": page.action}
    if page.refusal is not None:
        logger.warning(
            "console request refused",
            extra={
                **where,
                "reason": page.refusal.value,
                "problem": page.problem.value if page.problem else None,
                "status": page.status,
                "step": page.step.as_dict() if page.step else None,
            },
        )
        metrics.add_metric(name="ConsoleRefused", unit=unit, value=1)
        reason = "".join(part.capitalize() for part in page.refusal.value.split("_"))
        metrics.add_metric(name=f"ConsoleRefused{reason}", unit=unit, value=1)
        return
    if page.step is None:
        logger.info("console shown", extra=where)
        metrics.add_metric(name="ConsolePagesShown", unit=unit, value=1)
        return
    logger.info("console change applied", extra={**where, "step": page.step.as_dict()})
    metrics.add_metric(name="ConsoleChanges", unit=unit, value=1)
    metrics.add_metric(name="ConsoleChangesNotFollowedUp", unit=unit, value=int(bool(page.step.failures)))
