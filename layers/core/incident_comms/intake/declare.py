"""Use case: a person declares an incident by hand (a customer report, what a responder sees before any alarm).

Guarantees:

- **Checked before anything is written.** The component and severity must be the plan's, the impact told in every
  plan locale, a customer action in every locale or none, every text bounded: :func:`declaration_problems` lists
  every problem and :class:`DeclarationRefused` carries them; nothing is written then.
- **One open incident per component, as for alarms.** The store opens the declared incident under the component
  lock an alarm takes (:meth:`incident_comms.incidents.store.IncidentStore.open_declared`, conditional writes), so
  two declarations at once, or a declaration and an alarm, open one incident; the loser is refused with
  :class:`IncidentAlreadyOpen`, which names the open incident. A later ALARM on the component joins the declared
  incident like any other open one.
- **The same pipeline as an alarm's incident.** The impact starts when it is declared; the declared impact and
  customer action are the incident's facts, so the first ``investigating`` draft tells them (in each locale its
  own); the approval requests, their approval timeout and the engagement emails go out exactly as for an alarm
  (:func:`incident_comms.intake.ingest.start_pipeline`). The timeline says who declared it and from where.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from incident_comms.approvals.requests import ApprovalRequest, ApprovalRequests
from incident_comms.errors import BadInput
from incident_comms.incidents.facts import MAX_FACT_CHARS, FactsError, IncidentFacts, set_facts
from incident_comms.incidents.models import Incident, Message
from incident_comms.incidents.store import Applied, IncidentStore
from incident_comms.intake.ingest import first_message, new_incident, opening_entries, start_pipeline
from incident_comms.plan.models import Plan
from incident_comms.text import one_line

MAX_DECLARER_CHARS = 300
"""An address or an IAM ARN (at most 2,048 characters in theory, far less in practice) fits; the rest is cut."""
MAX_ID_CHARS = 64


class DeclaredFrom(StrEnum):
    """Where a declaration came from, as the timeline tells it."""

    PAGE = "declare page"
    API = "incidents API"


@dataclass(frozen=True)
class Declaration:
    """What a person declares: texts per locale as given (checked by :func:`declaration_problems`)."""

    component: str
    severity: str
    impact: Mapping[str, str]
    customer_action: Mapping[str, str]
    by: str
    """Who declared: the declare link's person, or the IAM caller of the API ("local" on the local stack)."""
    source: DeclaredFrom


class DeclarationRefused(BadInput):
    """A declaration that cannot be acted on; ``problems`` names each (``str()`` of one says it in English)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


class IncidentAlreadyOpen(Exception):
    """The component already has an open incident: nothing was declared; ``incident_id`` is the open one."""

    def __init__(self, component: str, incident_id: str) -> None:
        self.component = component
        self.incident_id = incident_id
        super().__init__(f"an incident is already open on {component}: {incident_id}")


@dataclass(frozen=True)
class Declared:
    """The incident a declaration opened, its first message, and whether its approval request went out."""

    incident: Incident
    message: Message
    approval_request: ApprovalRequest
    notification_error: str | None = None


class ProblemCode(StrEnum):
    """What can be wrong with a declaration: logged as is, shown in the declarer's words (``declare_texts``)."""

    UNKNOWN_COMPONENT = "unknown_component"
    UNKNOWN_SEVERITY = "unknown_severity"
    UNKNOWN_LOCALE = "unknown_locale"
    TOO_LONG = "too_long"
    MISSING_LOCALES = "missing_locales"
    """The impact is not told in every plan locale."""
    PARTIAL_LOCALES = "partial_locales"
    """A customer action told in some plan locales but not all: drafts in the others would leave it out."""
    NO_DECLARER = "no_declarer"


PROBLEM_WORDS: dict[ProblemCode, str] = {
    ProblemCode.UNKNOWN_COMPONENT: "{field}: {value} is not one of {choices}",
    ProblemCode.UNKNOWN_SEVERITY: "{field}: {value} is not one of {choices}",
    ProblemCode.UNKNOWN_LOCALE: "{field}: {value} is not a plan locale",
    ProblemCode.TOO_LONG: "{field} ({value}) is longer than {max} characters",
    ProblemCode.MISSING_LOCALES: "{field}: say it in every locale (missing: {value})",
    ProblemCode.PARTIAL_LOCALES: "{field}: say it in every locale or in none (missing: {value})",
    ProblemCode.NO_DECLARER: "who declares is unknown",
}
"""Each problem in English, for the API, the CLI and the logs; the page words them in the team's language."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a declaration: which field, what is wrong, and the value or locales concerned."""

    code: ProblemCode
    field: str
    value: str = ""
    choices: tuple[str, ...] = ()

    def words(self, template: str, field: str | None = None) -> str:
        """The problem said with ``template`` (placeholders ``field``, ``value``, ``choices``, ``max``)."""
        return template.format(
            field=field or self.field, value=self.value, choices=", ".join(self.choices), max=MAX_FACT_CHARS
        )

    def __str__(self) -> str:
        return self.words(PROBLEM_WORDS[self.code])


def declaration_problems(plan: Plan, declaration: Declaration) -> list[Problem]:
    """Everything wrong with ``declaration`` against ``plan`` (empty when it can be declared)."""
    problems: list[Problem] = []
    components = tuple(component.id for component in plan.definition.components)
    severities = tuple(severity.id for severity in plan.definition.severities)
    if declaration.component not in components:
        problems.append(Problem(ProblemCode.UNKNOWN_COMPONENT, "component", _shown(declaration.component), components))
    if declaration.severity not in severities:
        problems.append(Problem(ProblemCode.UNKNOWN_SEVERITY, "severity", _shown(declaration.severity), severities))
    problems += _text_problems(plan, "impact", declaration.impact, required=True)
    problems += _text_problems(plan, "customer_action", declaration.customer_action, required=False)
    if not declaration.by.strip():
        problems.append(Problem(ProblemCode.NO_DECLARER, "by"))
    return problems


def _text_problems(plan: Plan, name: str, texts: Mapping[str, str], *, required: bool) -> list[Problem]:
    locales = plan.definition.locales
    problems = [Problem(ProblemCode.UNKNOWN_LOCALE, name, _shown(locale)) for locale in texts if locale not in locales]
    problems += [
        Problem(ProblemCode.TOO_LONG, name, locale)
        for locale in locales
        if len(texts.get(locale, "").strip()) > MAX_FACT_CHARS
    ]
    told = [locale for locale in locales if texts.get(locale, "").strip()]
    missing = [locale for locale in locales if locale not in told]
    if missing and (required or told):
        code = ProblemCode.MISSING_LOCALES if required else ProblemCode.PARTIAL_LOCALES
        problems.append(Problem(code, name, ", ".join(missing)))
    return problems


def _shown(value: str) -> str:
    """A value someone sent, quoted on one short line for a problem's wording."""
    return repr(one_line(value)[:MAX_ID_CHARS])


def declared_facts(plan: Plan, declaration: Declaration) -> IncidentFacts:
    """The facts a checked declaration opens its incident with: the impact and customer action per locale."""
    changes = {"impact": dict(declaration.impact), "customer_action": dict(declaration.customer_action)}
    try:
        return set_facts(IncidentFacts(), changes, plan)
    except FactsError as error:  # declaration_problems checks all of it first: a bug if it happens
        raise RuntimeError(f"declared facts refused: {error}") from error


def declare_incident(
    declaration: Declaration, plan: Plan, store: IncidentStore, approvals: ApprovalRequests, now: datetime
) -> Declared:
    """Open the incident ``declaration`` describes, then ask for approval and engage the roles, as for an alarm.

    Raises :class:`DeclarationRefused` (nothing written) for a declaration the plan does not allow, and
    :class:`IncidentAlreadyOpen` (nothing written) when the component has an open incident.
    """
    problems = declaration_problems(plan, declaration)
    if problems:
        raise DeclarationRefused(problems)
    facts = declared_facts(plan, declaration)
    incident = new_incident(declaration.component, declaration.severity, now, impact_started_at=now, facts=facts)
    message = first_message(incident, None, plan)
    by = one_line(declaration.by)[:MAX_DECLARER_CHARS]
    why = (
        f"{incident.severity_id} incident opened on {incident.component_id}: "
        f"declared by {by} (from {declaration.source.value})"
    )
    opening = opening_entries(incident, message, why, {"declared_by": by, "source": declaration.source.value})
    result = store.open_declared(incident, opening, message)
    if result.applied != Applied.OPENED:
        raise IncidentAlreadyOpen(incident.component_id, result.incident_id or "")
    stored = incident.model_copy(update={"message_sequence": 1})
    first = message.model_copy(update={"sequence": 1})
    request, error = start_pipeline(plan, store, approvals, stored, first, now)
    return Declared(stored, first, request, error)


def may_declare(plan: Plan, address: str) -> bool:
    """Whether ``address`` is a person of a role the plan's ``declare`` names. Asked on every use of a declare link,
    so a person taken out of those roles loses the right at once, whatever links they still hold."""
    return plan.may_declare(address)
