"""The maintenance form of a personal declare link, ``/declare/{token}/maintenance``: the console's way to schedule
a window (the command line's is ``POST /maintenances``).

As the declare page: the link must be genuine, unexpired and held by a person of a role the plan's ``declare`` names,
checked on every request; GET and HEAD show the form and change nothing; POST needs the form's own button and is
refused from another site's page. A bad window answers 400 with the form as sent and every problem; nothing is kept.
Times are typed in the team's zone (:func:`~incident_comms.scheduled_maintenance.emails.team_zone`), which the form
says; a time that does not exist there (the hour clocks skip) is read as the zone reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from http import HTTPStatus
from typing import Any

from incident_comms.errors import BadInput
from incident_comms.maintenance.logic import DETAILS_MAX, TITLE_MAX
from incident_comms.maintenance.models import MaintenanceRequest
from incident_comms.maintenance.texts import texts_for
from incident_comms.plan.models import localized
from incident_comms.scheduled_maintenance.api import Answer
from incident_comms.scheduled_maintenance.emails import team_zone
from incident_comms.scheduled_maintenance.use_cases import Maintenances, schedule_maintenance
from incident_comms.team.console_links import (
    ConsoleLinkProblem,
    ConsoleLinkRejected,
    ConsoleScope,
    verify_console_token,
)
from incident_comms.team.emails import email_environment
from incident_comms.web import PAGE_HEADERS, BadForm, HttpRequest, LinkRefused

_FIELDS = frozenset({"component", "start", "end", "confirm"})


def show_form(deps: Maintenances, token: str, now: datetime) -> Answer:
    """``GET``/``HEAD``: the empty form, or the refusal."""
    allowed = _allowed(deps, token, now)
    if isinstance(allowed, Answer):
        return allowed
    return _form(deps, HTTPStatus.OK, allowed, {})


def post_form(deps: Maintenances, token: str, request: HttpRequest, now: datetime) -> Answer:
    """``POST``: schedule the window the form describes, as the link's person."""
    t = texts_for(deps.plan.main_locale)
    if request.is_cross_site():
        return _message(deps, HTTPStatus.FORBIDDEN, t["cross_site"])
    allowed = _allowed(deps, token, now)
    if isinstance(allowed, Answer):
        return allowed
    try:
        form = request.form()
    except BadForm:
        return _form(deps, HTTPStatus.BAD_REQUEST, allowed, {}, [t["confirm"]])
    except LinkRefused:
        return _message(deps, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, t["refused"])
    locales = deps.plan.definition.locales
    known = _FIELDS | {f"{name}_{locale}" for name in ("title", "details") for locale in locales}
    fields = {name: values for name, values in form.items() if name in known}
    if len(fields) != len(form) or any(len(v) > 1 for name, v in fields.items() if name != "component"):
        return _form(deps, HTTPStatus.BAD_REQUEST, allowed, {}, [t["confirm"]])
    if fields.get("confirm") != ["yes"]:
        return _form(deps, HTTPStatus.BAD_REQUEST, allowed, fields, [t["confirm"]])
    problems: list[str] = []
    times = {name: _time(deps, fields, name, problems) for name in ("start", "end")}
    if problems or times["start"] is None or times["end"] is None:
        return _form(deps, HTTPStatus.BAD_REQUEST, allowed, fields, problems)
    request_body = MaintenanceRequest(
        components=list(fields.get("component", [])),
        starts_at=times["start"],
        ends_at=times["end"],
        title={locale: _one(fields, f"title_{locale}") for locale in locales},
        details={locale: _one(fields, f"details_{locale}") for locale in locales if _one(fields, f"details_{locale}")},
    )
    try:
        outcome = schedule_maintenance(deps, request_body, allowed, now)
    except BadInput as refused:
        return _form(deps, HTTPStatus.BAD_REQUEST, allowed, fields, str(refused).split("; "))
    answer = _message(deps, HTTPStatus.CREATED, t["form_done"].format(maintenance_id=outcome.maintenance.id))
    return Answer(answer.status, answer.body, answer.headers, tuple(outcome.problems), outcome.maintenance.id)


def _allowed(deps: Maintenances, token: str, now: datetime) -> str | Answer:
    """The link's person, or the refusal page."""
    t = texts_for(deps.plan.main_locale)
    try:
        claims = verify_console_token(token, deps.link_key(), now, ConsoleScope.DECLARE)
    except ConsoleLinkRejected as rejected:
        if rejected.problem == ConsoleLinkProblem.EXPIRED:
            return _message(deps, HTTPStatus.GONE, t["expired"])
        return _message(deps, HTTPStatus.NOT_FOUND, t["refused"])
    if not deps.plan.may_declare(claims.recipient):
        return _message(deps, HTTPStatus.FORBIDDEN, t["not_allowed"])
    return claims.recipient


def _one(fields: Mapping[str, list[str]], name: str) -> str:
    return fields.get(name, [""])[0]


def _time(deps: Maintenances, fields: Mapping[str, list[str]], name: str, problems: list[str]) -> datetime | None:
    text = _one(fields, name).strip()
    try:
        typed = datetime.fromisoformat(text)
    except ValueError:
        words = texts_for(deps.plan.main_locale)
        problems.append(words["form_bad_time"].format(field=words[f"form_{name}"].lower()))
        return None
    return typed.replace(tzinfo=team_zone(deps.plan)) if typed.tzinfo is None else typed


def _render(deps: Maintenances, values: Mapping[str, Any]) -> str:
    t = texts_for(deps.plan.main_locale)
    context = {"t": t, "locale": deps.plan.main_locale, "title": t["form_title"], "message": "", "problems": []}
    return email_environment().get_template("maintenance_form.html.j2").render({**context, "form": None, **values})


def _message(deps: Maintenances, status: HTTPStatus, message: str) -> Answer:
    return Answer(int(status), _render(deps, {"message": message}), dict(PAGE_HEADERS))


def _form(
    deps: Maintenances,
    status: HTTPStatus,
    recipient: str,
    fields: Mapping[str, list[str]],
    problems: Sequence[str] = (),
) -> Answer:
    plan = deps.plan
    locale = plan.main_locale
    t = texts_for(locale)
    chosen = set(fields.get("component", []))
    texts = [
        {
            "name": f"{name}_{text_locale}",
            "locale": text_locale,
            "label": t[f"form_{name}_label"].format(locale=text_locale),
            "value": _one(fields, f"{name}_{text_locale}"),
            "long": name == "details",
            "max": DETAILS_MAX if name == "details" else TITLE_MAX,
        }
        for name in ("title", "details")
        for text_locale in plan.definition.locales
    ]
    form = {
        "scheduling_as": t["scheduling_as"].format(recipient=recipient),
        "components": [
            {"id": c.id, "name": localized(c.name, locale, locale), "checked": c.id in chosen}
            for c in plan.definition.components
        ],
        "zone_note": t["form_zone"].format(zone=team_zone(plan).key),
        "start": _one(fields, "start"),
        "end": _one(fields, "end"),
        "texts": texts,
    }
    return Answer(int(status), _render(deps, {"form": form, "problems": list(problems)}), dict(PAGE_HEADERS))
