"""The declare page of a personal declare link (``/declare/{token}``, sent by ``plan announce``).

Guarantees, as for approval links:

- **Looking declares nothing.** ``GET``/``HEAD`` (:func:`show_declare_form`) verify the link and show the form; mail
  scanners fetch every link, so nothing else happens.
- **Declaring takes the person's click.** ``POST`` (:func:`post_declare_form`) needs the form's own button
  (``confirm=yes``), is refused from another site's page (403, :meth:`incident_comms.web.HttpRequest.is_cross_site`),
  and is refused when the link's person no longer holds a role the plan's ``declare`` names (403), whatever link
  they hold.
- **Bad input changes nothing.** A bad form answers 400 with the form again and what to correct; a component with an
  open incident answers 409 with that incident's console link for this person; nothing is written either way.
  Declared, the answer is 303 See Other to the declarer's own console of the new incident.
- **The link is a credential.** Logs carry its fingerprint, never the token; every refusal is counted. The page
  renders from ``declare_page.html.j2`` with autoescaping, in the plan's main language
  (:mod:`incident_comms.intake.declare_texts`), with the approval pages' headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.incidents.facts import MAX_FACT_CHARS
from incident_comms.incidents.store import IncidentStore
from incident_comms.intake.declare import (
    Declaration,
    DeclarationRefused,
    DeclaredFrom,
    IncidentAlreadyOpen,
    Problem,
    declare_incident,
    may_declare,
)
from incident_comms.intake.declare_texts import DeclareRefusal, FormProblem, declare_texts
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan, localized
from incident_comms.team.console_links import (
    ConsoleClaims,
    ConsoleLinkProblem,
    ConsoleLinkRejected,
    ConsoleScope,
    console_url,
    link_fingerprint,
    verify_console_token,
)
from incident_comms.team.emails import email_environment
from incident_comms.web import PAGE_HEADERS, BadForm, HttpRequest, LinkRefused

REFUSAL_STATUS: dict[DeclareRefusal, HTTPStatus] = {
    DeclareRefusal.INVALID: HTTPStatus.NOT_FOUND,
    DeclareRefusal.EXPIRED: HTTPStatus.GONE,
    DeclareRefusal.NOT_ALLOWED: HTTPStatus.FORBIDDEN,
    DeclareRefusal.CROSS_SITE: HTTPStatus.FORBIDDEN,
    DeclareRefusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    DeclareRefusal.BAD_FORM: HTTPStatus.BAD_REQUEST,
    DeclareRefusal.ALREADY_OPEN: HTTPStatus.CONFLICT,
}
TEXT_FIELDS = ("impact", "customer_action")


@dataclass(frozen=True)
class DeclarePage:
    """A page to answer with (and where to go, for a 303), plus what logs and metrics may say about it: the link's
    fingerprint, never the link."""

    status: int
    html: str
    location: str | None = None
    refusal: DeclareRefusal | None = None
    reasons: tuple[str, ...] = ()
    """Fixed words safe to log: the form problem, or the code of each problem of the declaration."""
    link_fingerprint: str | None = None
    incident_id: str | None = None
    approval_request: str | None = None
    notification_error: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {**PAGE_HEADERS, "Location": self.location} if self.location else dict(PAGE_HEADERS)


@dataclass(frozen=True)
class Posted:
    """The form's fields as sent (shown again on a 400)."""

    component: str = ""
    severity: str = ""
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """``impact`` / ``customer_action`` -> locale -> text."""

    def texts_of(self, name: str) -> dict[str, str]:
        return dict(self.texts.get(name, {}))


class _Refused(Exception):
    def __init__(
        self, refusal: DeclareRefusal, problem: FormProblem | None = None, claims: ConsoleClaims | None = None
    ) -> None:
        self.refusal = refusal
        self.problem = problem
        self.claims = claims
        super().__init__(refusal.value)


# --- the use cases ---------------------------------------------------------------------------------------------


def show_declare_form(plan: Plan, token: str, key: bytes, now: datetime) -> DeclarePage:
    """``GET``/``HEAD /declare/{token}``: the empty form for a person who may declare; a refusal otherwise."""
    fingerprint = link_fingerprint(token)
    try:
        claims = _allowed(plan, token, key, now)
    except _Refused as refused:
        return refusal_page(plan, refused.refusal, fingerprint)
    html = _form_html(plan, claims.recipient, Posted(), token)
    return DeclarePage(int(HTTPStatus.OK), html, link_fingerprint=fingerprint)


def post_declare_form(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    token: str,
    request: HttpRequest,
    key: bytes,
    base_url: str,
    now: datetime,
) -> DeclarePage:
    """``POST /declare/{token}``: declare the incident the form describes, as the link's person, then send them to
    their console of it (303); refusals as the module says, nothing written."""
    fingerprint = link_fingerprint(token)
    try:
        if request.is_cross_site():
            raise _Refused(DeclareRefusal.CROSS_SITE)
        claims = _allowed(plan, token, key, now)
        posted = _posted(plan, request, claims)
    except _Refused as refused:
        if refused.problem is not None and refused.claims is not None:
            return _bad_form(plan, refused.claims.recipient, token, Posted(), [], refused.problem, fingerprint)
        return refusal_page(plan, refused.refusal, fingerprint)
    declaration = Declaration(
        component=posted.component,
        severity=posted.severity,
        impact=posted.texts_of("impact"),
        customer_action=posted.texts_of("customer_action"),
        by=claims.recipient,
        source=DeclaredFrom.PAGE,
    )
    try:
        declared = declare_incident(declaration, plan, store, approvals, now)
    except DeclarationRefused as refused:
        return _bad_form(plan, claims.recipient, token, posted, refused.problems, None, fingerprint)
    except IncidentAlreadyOpen as open_one:
        return _already_open(plan, store, open_one, claims.recipient, key, base_url, fingerprint)
    incident = declared.incident
    location = console_url(base_url, key, incident.id, claims.recipient, incident.opened_at)
    texts = declare_texts(plan)
    html = _render(plan, texts["title"], "", console_url=location)
    return DeclarePage(
        int(HTTPStatus.SEE_OTHER),
        html,
        location=location,
        link_fingerprint=fingerprint,
        incident_id=incident.id,
        approval_request=declared.approval_request.value,
        notification_error=declared.notification_error,
    )


# --- checks ----------------------------------------------------------------------------------------------------


def _allowed(plan: Plan, token: str, key: bytes, now: datetime) -> ConsoleClaims:
    """The claims of a genuine declare link whose person may still declare; :class:`_Refused` otherwise."""
    try:
        claims = verify_console_token(token, key, now, ConsoleScope.DECLARE)
    except ConsoleLinkRejected as rejected:
        expired = rejected.problem == ConsoleLinkProblem.EXPIRED
        raise _Refused(DeclareRefusal.EXPIRED if expired else DeclareRefusal.INVALID) from None
    if not may_declare(plan, claims.recipient):
        raise _Refused(DeclareRefusal.NOT_ALLOWED)
    return claims


def _posted(plan: Plan, request: HttpRequest, claims: ConsoleClaims) -> Posted:
    """The form's fields: each known field at most once and the button pressed, else :class:`_Refused`."""
    try:
        form = request.form()
    except BadForm:
        raise _Refused(DeclareRefusal.BAD_FORM, FormProblem.UNREADABLE, claims) from None
    except LinkRefused:
        raise _Refused(DeclareRefusal.TOO_LARGE) from None
    locales = plan.definition.locales
    known = {"component", "severity", "confirm"} | {f"{name}_{locale}" for name in TEXT_FIELDS for locale in locales}
    if any(name not in known for name in form):
        raise _Refused(DeclareRefusal.BAD_FORM, FormProblem.UNKNOWN_FIELD, claims)
    if any(len(values) > 1 for values in form.values()):
        raise _Refused(DeclareRefusal.BAD_FORM, FormProblem.REPEATED_FIELD, claims)
    fields = {name: values[0] for name, values in form.items()}
    posted = Posted(
        component=fields.get("component", "").strip(),
        severity=fields.get("severity", "").strip(),
        texts={
            name: {locale: fields[f"{name}_{locale}"] for locale in locales if f"{name}_{locale}" in fields}
            for name in TEXT_FIELDS
        },
    )
    if fields.get("confirm") != "yes":
        raise _Refused(DeclareRefusal.BAD_FORM, FormProblem.NOT_CONFIRMED, claims)
    return posted


# --- pages -----------------------------------------------------------------------------------------------------


def refusal_page(plan: Plan, refusal: DeclareRefusal, fingerprint: str | None = None) -> DeclarePage:
    """The page of a refusal of the link or the request: its generic reason and nothing else."""
    title, lead = declare_texts(plan)["refusals"][refusal]
    return DeclarePage(
        int(REFUSAL_STATUS[refusal]), _render(plan, title, lead), refusal=refusal, link_fingerprint=fingerprint
    )


def _bad_form(
    plan: Plan,
    recipient: str,
    token: str,
    posted: Posted,
    problems: Sequence[Problem],
    form_problem: FormProblem | None,
    fingerprint: str,
) -> DeclarePage:
    texts = declare_texts(plan)
    title, lead = texts["refusals"][DeclareRefusal.BAD_FORM]
    said = [problem.words(texts["problems"][problem.code], texts["fields"].get(problem.field)) for problem in problems]
    if form_problem is not None:
        said.append(texts["form_problems"][form_problem])
    reasons = tuple(problem.code.value for problem in problems) + ((form_problem.value,) if form_problem else ())
    return DeclarePage(
        int(HTTPStatus.BAD_REQUEST),
        _form_html(plan, recipient, posted, token, title=title, lead=lead, problems=said),
        refusal=DeclareRefusal.BAD_FORM,
        reasons=reasons,
        link_fingerprint=fingerprint,
    )


def _already_open(
    plan: Plan,
    store: IncidentStore,
    open_one: IncidentAlreadyOpen,
    recipient: str,
    key: bytes,
    base_url: str,
    fingerprint: str,
) -> DeclarePage:
    """409: the open incident, and this person's console link of it (none if it closed in the meantime)."""
    texts = declare_texts(plan)
    title, lead = texts["refusals"][DeclareRefusal.ALREADY_OPEN]
    component = localized(plan.component(open_one.component).name, plan.main_locale, plan.main_locale)
    incident = store.get_incident(open_one.incident_id)
    link = console_url(base_url, key, incident.id, recipient, incident.opened_at) if incident is not None else None
    html = _render(
        plan,
        title.format(component=component),
        lead.format(incident_id=open_one.incident_id),
        console_url=link,
    )
    return DeclarePage(
        int(HTTPStatus.CONFLICT),
        html,
        refusal=DeclareRefusal.ALREADY_OPEN,
        link_fingerprint=fingerprint,
        incident_id=open_one.incident_id,
    )


def _form_html(
    plan: Plan,
    recipient: str,
    posted: Posted,
    token: str,
    *,
    title: str | None = None,
    lead: str | None = None,
    problems: Sequence[str] = (),
) -> str:
    texts = declare_texts(plan)
    locale = plan.main_locale
    form = {
        "declaring_as": texts["declaring_as"].format(recipient=recipient),
        "components": [
            {
                "id": component.id,
                "name": localized(component.name, locale, locale),
                "selected": component.id == posted.component,
            }
            for component in plan.definition.components
        ],
        "severities": [
            {
                "id": severity.id,
                "name": localized(severity.name, locale, locale),
                "selected": severity.id == posted.severity,
            }
            for severity in plan.definition.severities
        ],
        "texts": [
            {
                "name": f"{name}_{text_locale}",
                "locale": text_locale,
                "label": texts[name].format(locale=text_locale),
                "value": posted.texts_of(name).get(text_locale, ""),
                "required": name == "impact",
            }
            for name in TEXT_FIELDS
            for text_locale in plan.definition.locales
        ],
        "max_chars": MAX_FACT_CHARS,
        "maintenance_href": f"{token}/maintenance",
    }
    return _render(
        plan, title or texts["title"], lead if lead is not None else texts["lead"], form=form, problems=problems
    )


def _render(plan: Plan, title: str, lead: str, **context: Any) -> str:
    values = {
        "locale": plan.main_locale,
        "p": declare_texts(plan),
        "title": title,
        "lead": lead,
        "problems": (),
        "console_url": None,
        "form": None,
        **context,
    }
    return email_environment().get_template("declare_page.html.j2").render(values)


# --- logs and metrics ------------------------------------------------------------------------------------------


def record_declare_page(page: DeclarePage, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a request did (the link's fingerprint, never the link) and count it: ``DeclareRefused`` counts every
    refusal and ``DeclareRefused<Reason>`` each reason; ``IncidentsDeclared`` each incident declared."""
    where = {"link_fingerprint": page.link_fingerprint, "incident_id": page.incident_id, "status": page.status}
    if page.refusal is not None:
        logger.warning(
            "declare request refused", extra={**where, "reason": page.refusal.value, "problems": list(page.reasons)}
        )
        metrics.add_metric(name="DeclareRefused", unit=unit, value=1)
        reason = "".join(part.capitalize() for part in page.refusal.value.split("_"))
        metrics.add_metric(name=f"DeclareRefused{reason}", unit=unit, value=1)
        return
    if page.incident_id is None:
        logger.info("declare page shown", extra=where)
        metrics.add_metric(name="DeclarePagesShown", unit=unit, value=1)
        return
    logger.info("incident declared", extra={**where, "approval_request": page.approval_request})
    metrics.add_metric(name="IncidentsDeclared", unit=unit, value=1)
    if page.notification_error:
        logger.warning("approval request not sent", extra={**where, "reason": page.notification_error})
