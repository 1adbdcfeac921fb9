"""Plan format v1 as pydantic models: one model per plan file, and ``Plan`` holding them all.

The models check each file on its own; cross-references between files (a rule's component,
a channel's audience, the templates a channel needs) are checked by the loader, which knows
the file names to put in the errors.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from incident_comms.alarms import AlarmSource
from incident_comms.durations import parse_duration

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
LocalizedText = str | dict[Locale, str]
"""Plain text, or one text per locale (``{es: ..., en: ...}``)."""


def localized(text: LocalizedText, locale: str, fallback: str | None = None) -> str:
    """Pick the text for ``locale``; fall back to ``fallback``, then to the first locale given."""
    if isinstance(text, str):
        return text
    for candidate in (locale, locale.split("-")[0], fallback):
        if candidate and candidate in text:
            return text[candidate]
    return next(iter(text.values()), "")


def for_audience(text: LocalizedText, own: LocalizedText | None, locale: str, fallback: str | None = None) -> str:
    """An audience's own text (``by_audience``) where it has one for ``locale``, else the plan's text for the locale:
    Latin America reads its own impact in Spanish and, with no English of its own, the plan's English."""
    if isinstance(own, str):
        return own
    for candidate in (locale, locale.split("-")[0]):
        if own and candidate in own:
            return own[candidate]
    return localized(text, locale, fallback)


def _own_text(text: dict[str, str], locale: str) -> str | None:
    return text.get(locale) or text.get(locale.split("-")[0])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Phase(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    UPDATE = "update"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


class OutageLevel(StrEnum):
    """What a component shows on the status page: Statuspage's component statuses, least to most severe (the
    names customers' tools already know). ``under_maintenance`` only ever comes from a maintenance window."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """Higher is worse: the worst level of several is the one with the greatest rank."""
        return list(OutageLevel).index(self)


INCIDENT_LEVELS = (OutageLevel.DEGRADED_PERFORMANCE, OutageLevel.PARTIAL_OUTAGE, OutageLevel.MAJOR_OUTAGE)
"""The levels an incident can put a component at (a responder may also set ``operational`` for one that is fine)."""


def _incident_level(value: OutageLevel | None) -> OutageLevel | None:
    if value is not None and value not in INCIDENT_LEVELS:
        raise ValueError(f"must be one of {', '.join(level.value for level in INCIDENT_LEVELS)}")
    return value


# --- incident-definition.yaml -------------------------------------------------------------


class OrganisationWords(_Strict):
    """What one audience reads of the organisation instead of the plan's default (``by_audience``)."""

    support_url: str | None = None


class Organisation(_Strict):
    name: str
    status_page_url: str | None = None
    support_url: str | None = None
    by_audience: dict[Identifier, OrganisationWords] = Field(
        default_factory=dict, description="audience id -> its own help URL (channels.yaml audiences)"
    )

    def support_url_for(self, audience_id: str) -> str | None:
        own = self.by_audience.get(audience_id)
        return (own.support_url if own else None) or self.support_url


class Severity(_Strict):
    id: Identifier
    name: LocalizedText
    description: LocalizedText
    update_every: Duration | None = Field(None, description="customer update cadence while open; None: on change only")
    approval_timeout: Duration | None = Field(None, description="publish the pre-approved holding text after this")
    approval_expiry: Duration = Field(timedelta(hours=24), description="how long an approval link lives")
    night_updates: bool = Field(False, description="promise updates outside the audience's office hours too")
    promise_lead: Duration = Field(
        timedelta(minutes=10),
        description="the least time between a message going out and the next update it promises: a promised time "
        "already past, or closer than this, when the message is published is promised anew from the cadence and the "
        "text rewritten before it is sent",
    )
    outage_level: Annotated[OutageLevel | None, AfterValidator(_incident_level)] = Field(
        None,
        description="what an incident of this severity shows its components at on the status page until a responder "
        "sets a level per component; None: major_outage for the first severity, partial_outage for the second, "
        "degraded_performance for the others",
    )

    @field_validator("update_every", "approval_timeout", "approval_expiry", "promise_lead")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be longer than zero")
        return value


class ComponentWords(_Strict):
    """What one audience reads of a component instead of the plan's default (``by_audience``): its own impact, e.g.
    with its own tax agency named; a locale it does not give falls back to the component's own text."""

    impact: LocalizedText
    impact_past: LocalizedText | None = None


class Component(_Strict):
    id: Identifier
    name: LocalizedText
    in_sentence: LocalizedText | None = Field(
        None, description="the name as prose uses it, article included (es: 'la API pública'); default: the name"
    )
    in_sms: LocalizedText | None = Field(
        None,
        description="the name as an SMS says it, article included and GSM-7 friendly (es: 'nuestra API', no "
        "á í ó ú: 'la API publica' reads 'publishes'); default: in_sentence",
    )
    description: LocalizedText | None = None
    impact: LocalizedText = Field(description="what customers notice when this component fails, said plainly")
    impact_past: LocalizedText | None = Field(
        None,
        description="the impact told in the past, for the messages after the fix (monitoring, resolved, postmortem); "
        "default: the impact as it is",
    )
    by_audience: dict[Identifier, ComponentWords] = Field(
        default_factory=dict, description="audience id -> its own words (channels.yaml audiences)"
    )

    def impact_for(self, audience_id: str, locale: str, fallback: str | None = None) -> str:
        own = self.by_audience.get(audience_id)
        return for_audience(self.impact, own.impact if own else None, locale, fallback)

    def impact_after_fix_for(self, audience_id: str, locale: str, fallback: str | None = None) -> str:
        """What customers noticed, in the past tense once the fix is in ("received errors", not "may get errors"):
        the audience's own past text, else the component's, else :meth:`impact_for` unchanged."""
        own = self.by_audience.get(audience_id)
        if own and own.impact_past:
            return for_audience(own.impact_past, None, locale, fallback)
        if self.impact_past:
            return for_audience(self.impact_past, None, locale, fallback)
        return self.impact_for(audience_id, locale, fallback)

    title: LocalizedText | None = Field(
        None,
        description="short title of its incidents in customer subjects ('Errores en la API pública'); default: name",
    )

    def title_for(self, locale: str, main_locale: str) -> str:
        """The title customers read in the subject of every email of an incident of this component: ``title`` in
        ``locale`` (or its language), else the component's name there, never another locale's title."""
        own = self.title if isinstance(self.title, str) or self.title is None else _own_text(self.title, locale)
        return own or localized(self.name, locale, main_locale)


class RuleWhen(_Strict):
    source: AlarmSource | None = None
    alarm_name: str | None = Field(None, description="glob on the alarm name (or alertname label)")
    namespace: str | None = None
    metric: str | None = Field(None, description="any metric of a metric-math alarm may match")
    dimensions: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)


class Rule(_Strict):
    id: Identifier
    when: RuleWhen = Field(default_factory=RuleWhen)
    component: Identifier | None = None
    severity: Identifier | None = None
    not_an_incident: bool = False

    @model_validator(mode="after")
    def _target(self) -> Rule:
        if self.not_an_incident and (self.component or self.severity):
            raise ValueError("a not_an_incident rule names no component or severity")
        if not self.not_an_incident and not (self.component and self.severity):
            raise ValueError("a rule needs both component and severity (or not_an_incident: true)")
        return self


class IncidentDefinition(_Strict):
    version: Literal[1] = 1
    organisation: Organisation
    locales: list[Locale] = Field(min_length=1, description="the first is the plan's main locale")
    severities: list[Severity] = Field(min_length=1, description="ordered, most severe first")
    components: list[Component] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list, description="first match wins; no match = not an incident")
    quiet_period: Duration = Field(timedelta(minutes=30), description="all alarms OK this long: draft resolved")
    postmortem_deadline: Duration = Field(timedelta(days=5), description="after resolution")

    def outage_level(self, severity_id: str) -> OutageLevel:
        """The level an incident of ``severity_id`` puts its components at by default (see ``Severity``); a severity
        the plan no longer has reads as the least severe."""
        ids = [severity.id for severity in self.severities]
        if severity_id not in ids:
            return OutageLevel.DEGRADED_PERFORMANCE
        position = ids.index(severity_id)
        chosen = self.severities[position].outage_level
        if chosen is not None:
            return chosen
        return INCIDENT_LEVELS[max(0, len(INCIDENT_LEVELS) - 1 - position)]


# --- roles.yaml ---------------------------------------------------------------------------


class Person(_Strict):
    name: str
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    handle: str | None = None


class Role(_Strict):
    id: Identifier
    name: LocalizedText
    responsibilities: list[LocalizedText] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)


class ApprovalRule(_Strict):
    """Who must approve: the first rule whose severities and phases match (absent = any) applies."""

    severities: list[Identifier] | None = None
    phases: list[Phase] | None = None
    roles: list[Identifier] = Field(min_length=1)


class Escalation(_Strict):
    grace: Duration = Field(timedelta(minutes=10), description="a promise missed by this long escalates")
    roles: list[Identifier] = Field(min_length=1)


class ContactWords(_Strict):
    """Where one audience asks instead of the plan's default (``by_audience``); what it does not give is the
    default's."""

    email: str | None = None
    url: str | None = None
    phone: str | None = None


class CustomerContact(ContactWords):
    role: Identifier
    by_audience: dict[Identifier, ContactWords] = Field(
        default_factory=dict, description="audience id -> its own address, help URL or phone (channels.yaml audiences)"
    )

    def words_for(self, audience_id: str) -> ContactWords:
        own = self.by_audience.get(audience_id)
        if own is None:
            return self
        return ContactWords(email=own.email or self.email, url=own.url or self.url, phone=own.phone or self.phone)


class MaintenanceRoles(_Strict):
    """Who approves scheduled maintenance, and whether its progress emails wait for them too."""

    approvers: list[Identifier] | None = Field(
        None,
        description="roles whose people approve a maintenance window (any one of them); default: the roles that "
        "approve the first message of the least severe incident",
    )
    approve_progress: bool = Field(
        False,
        description="the start and completion emails also wait for an approval (the status page moves at once "
        "either way); off: they go out on their own, their words fixed by the approved window",
    )


class Roles(_Strict):
    roles: list[Role] = Field(min_length=1)
    approvals: list[ApprovalRule] = Field(min_length=1)
    engage: dict[Identifier, list[Identifier]] = Field(description="severity id -> roles engaged when it opens")
    declare: list[Identifier] = Field(
        default_factory=list,
        description="roles whose people may declare an incident by hand (``plan announce`` sends them their link)",
    )
    escalation: Escalation
    customer_contact: CustomerContact
    maintenance: MaintenanceRoles = Field(default_factory=MaintenanceRoles)


# --- channels.yaml ------------------------------------------------------------------------

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
WEEKDAYS: tuple[Weekday, ...] = (*WORKDAYS, "sat", "sun")
"""In ``date.weekday()`` order: ``WEEKDAYS[day.weekday()]`` is the plan's name of ``day``."""


class OfficeHours(_Strict):
    days: list[Weekday] = Field(default_factory=lambda: list(WORKDAYS))
    start: time
    end: time

    @model_validator(mode="after")
    def _order(self) -> OfficeHours:
        if self.start >= self.end:
            raise ValueError("office hours must start before they end")
        return self


class Audience(_Strict):
    id: Identifier
    name: LocalizedText
    timezone: str
    office_hours: OfficeHours
    internal: bool = False
    utc_equivalent: bool = Field(
        False, description="times in prose also in UTC, for readers outside the zone: '15:00 CET (14:00 UTC)'"
    )
    maintenance_notice: list[Duration] = Field(
        default_factory=list,
        description="how long before a scheduled maintenance starts it is announced to this audience (e.g. [72h, "
        "1h]), moved earlier into office hours; empty: only the status page tells it",
    )

    @field_validator("maintenance_notice")
    @classmethod
    def _notice(cls, value: list[timedelta]) -> list[timedelta]:
        if any(lead <= timedelta(0) or lead > timedelta(days=30) for lead in value):
            raise ValueError("each notice is longer than zero and at most 30 days")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value


class ChannelKind(StrEnum):
    EMAIL = "email"
    SNS = "sns"
    WEBHOOK = "webhook"
    STATUS_PAGE = "status_page"
    MANUAL = "manual"


class ChannelFormat(StrEnum):
    """Which template a channel renders: the channel kind decides unless the plan says otherwise."""

    EMAIL = "email"
    SMS = "sms"
    STATUS_PAGE = "status_page"
    CHAT = "chat"


TEMPLATE_BLOCKS: dict[ChannelFormat, tuple[str, ...]] = {
    ChannelFormat.EMAIL: ("subject", "body"),
    ChannelFormat.SMS: ("body",),
    ChannelFormat.STATUS_PAGE: ("title", "body"),
    ChannelFormat.CHAT: ("body",),
}
"""The Jinja2 blocks a template of each format must define (the first of two is the one-line subject/title)."""


def template_key(locale: str, phase: Phase, fmt: ChannelFormat) -> str:
    """Where a phase message lives under ``templates/``: ``es/investigating.email.j2``."""
    return f"{locale}/{phase.value}.{fmt.value}.j2"


DEFAULT_FORMAT = {
    ChannelKind.EMAIL: ChannelFormat.EMAIL,
    ChannelKind.SNS: ChannelFormat.SMS,
    ChannelKind.WEBHOOK: ChannelFormat.CHAT,
    ChannelKind.STATUS_PAGE: ChannelFormat.STATUS_PAGE,
    ChannelKind.MANUAL: ChannelFormat.CHAT,
}


class Access(_Strict):
    credentials: str = Field(description="where the credentials live")
    request_from: str = Field(description="who grants access")
    notes: str | None = None


DEFAULT_MAX_PARTS = 3
"""An SMS of more than three billed parts is an error unless the channel allows more (SNS splits up to ten)."""

MILESTONE_PHASES = (Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.RESOLVED)
"""The phases a short channel (SMS format: SMS, social posts) speaks in unless the plan says otherwise: the start,
the cause found, the end. Every update, observation and postmortem would cost a paid SMS and a post each; those
belong on the status page and in email."""

NEWS_ONLY_PHASES = (Phase.IDENTIFIED,)
"""Of those, the ones a short channel speaks in only with news for the customer (see :meth:`Channel.news_only`)."""


class Channel(_Strict):
    id: Identifier
    name: LocalizedText
    kind: ChannelKind
    format: ChannelFormat | None = None
    audience: Identifier
    severities: list[Identifier] = Field(min_length=1)
    departments: list[str] = Field(min_length=1)
    access: Access
    approval_required: bool = True
    locale: Locale
    utc_equivalent: bool | None = Field(
        None,
        description="add the UTC equivalent to every time whatever the audience says: for public channels read "
        "worldwide (status page, social posts); default: the audience's utc_equivalent",
    )
    notify: list[EmailAddress] = Field(
        default_factory=list,
        description="manual channels: who is emailed the approved text to post by hand (one email each)",
    )
    max_parts: int = Field(
        default=DEFAULT_MAX_PARTS,
        ge=1,
        le=10,
        description="sms format: the most billed SMS parts one message may take (more is an error; more than one "
        "is a warning that gives the count)",
    )
    part_price: Decimal | None = Field(
        default=None,
        ge=0,
        description="sms format: what one billed SMS part costs per recipient, shown on the approval page",
    )
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="the currency of part_price")
    phases: list[Phase] | None = Field(
        default=None,
        min_length=1,
        description="the phases whose messages go on this channel; default: every phase, and for sms-format "
        "channels only the milestones (investigating, identified, resolved)",
    )
    news_only: list[Phase] | None = Field(
        default=None,
        description="of `phases`, those in which the channel gets the message only when it has news for the "
        "customer: whether data was lost is answered, or there is something for them to do; default: identified "
        "for sms-format channels, none for others",
    )

    @property
    def template_format(self) -> ChannelFormat:
        return self.format or DEFAULT_FORMAT[self.kind]

    @property
    def speaks_in(self) -> tuple[Phase, ...]:
        """The phases whose messages this channel carries (``phases``, or the default for its format)."""
        if self.phases is not None:
            return tuple(self.phases)
        return MILESTONE_PHASES if self.template_format == ChannelFormat.SMS else tuple(Phase)

    @property
    def quiet_without_news(self) -> tuple[Phase, ...]:
        """The phases in which this channel carries a message only when it tells the customer something new to know
        or do (``news_only``, or the default for its format)."""
        if self.news_only is not None:
            return tuple(self.news_only)
        if self.template_format != ChannelFormat.SMS:
            return ()
        return tuple(phase for phase in NEWS_ONLY_PHASES if phase in self.speaks_in)


class Channels(_Strict):
    audiences: list[Audience] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)


# --- templates/phases.yaml ----------------------------------------------------------------

AnswerField = Literal[
    "impact",
    "data_loss",
    "customer_action",
    "next_update",
    "cause",
    "actions_taken",
    "actions_planned",
    "impact_window",
    "root_cause",
    "lessons",
    "contact",
]


class HoldingText(_Strict):
    """A phase's pre-approved holding text: a Jinja2 template (per locale) over the incident's certain facts only
    (see :mod:`incident_comms.drafting.holding`), and an optional short ``sms`` variant for SMS-format channels.

    ``holding:`` in ``phases.yaml`` may also be a plain text or a ``{locale: text}`` mapping, as in plans written
    before the variants existed: that is the ``text``, with no ``sms``.
    """

    text: LocalizedText
    sms: LocalizedText | None = Field(None, description="for SMS-format channels: 160 GSM-7 characters at most")


def _holding(value: Any) -> Any:
    if isinstance(value, str) or (isinstance(value, dict) and not {"text", "sms"} & set(value)):
        return {"text": value}
    return value


class PhaseSpec(_Strict):
    answers: list[AnswerField] = Field(description="the questions a message of this phase must answer")
    holding: Annotated[HoldingText, BeforeValidator(_holding)] | None = Field(
        None, description="pre-approved text published on approval timeout"
    )


class Phases(_Strict):
    phases: dict[Phase, PhaseSpec]

    @field_validator("phases")
    @classmethod
    def _every_phase(cls, value: dict[Phase, PhaseSpec]) -> dict[Phase, PhaseSpec]:
        missing = [phase.value for phase in Phase if phase not in value]
        if missing:
            raise ValueError(f"phases missing: {', '.join(missing)}")
        return value


# --- values.yaml --------------------------------------------------------------------------


LINT_CHECK_IDS = frozenset(
    {
        "impact-stated",
        "data-loss-stated",
        "next-update-promised",
        "no-blame",
        "no-unsure-commitment",
        "summary-first",
        "no-internal-details",
        "contact-given",
        "resolved-complete",
        "postmortem-complete",
        "fits-channel",
        "facts-complete",
        "data-loss-settled",
        "language-matches",
    }
)
"""The lint checks a value may name in ``values.yaml`` (the linter implements exactly these)."""


class Value(_Strict):
    id: Identifier
    name: LocalizedText
    shows_as: LocalizedText = Field(description="how the value shows in a message")
    checks: list[Identifier] = Field(default_factory=list)


class CheckSetting(_Strict):
    enabled: bool = True
    level: Literal["error", "warning"] | None = None


class Values(_Strict):
    values: list[Value] = Field(min_length=1)
    checks: dict[Identifier, CheckSetting] = Field(default_factory=dict)


# --- the whole plan -----------------------------------------------------------------------


class Plan(BaseModel):
    """The whole plan, cross-checked. Build it with :func:`incident_comms.plan.loader.load_plan`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    definition: IncidentDefinition
    roles: Roles
    channels: Channels
    phases: Phases
    values: Values
    templates: dict[str, str] = Field(description="template path relative to templates/ -> source")

    def served_at(self, status_page_url: str) -> Plan:
        """The plan as deployed: the stack's status page address (its CloudFront distribution or custom domain)
        replaces ``organisation.status_page_url``, because that is where customers find the page; empty keeps the
        plan's own (the local stack, the command line)."""
        if not status_page_url:
            return self
        organisation = self.definition.organisation.model_copy(update={"status_page_url": status_page_url})
        definition = self.definition.model_copy(update={"organisation": organisation})
        return self.model_copy(update={"definition": definition})

    def incident_page_url(self, locale: str, incident_id: str, severity_id: str) -> str | None:
        """The incident's own status page in ``locale`` (``<status_page_url>/[<locale>/]incidents/<id>.html``, the
        main locale at the root), which every customer message links; None when the plan has no status page URL
        or no status page channel publishes incidents of ``severity_id`` (the page would never exist)."""
        base = self.definition.organisation.status_page_url
        published = any(channel.kind == ChannelKind.STATUS_PAGE for channel in self.channels_for(severity_id))
        if not base or not published:
            return None
        prefix = "" if locale == self.main_locale else f"{locale}/"
        return f"{base.rstrip('/')}/{prefix}incidents/{incident_id}.html"

    def severity(self, severity_id: str) -> Severity:
        return next(s for s in self.definition.severities if s.id == severity_id)

    def severity_rank(self, severity_id: str) -> int:
        """0 is the most severe."""
        return [s.id for s in self.definition.severities].index(severity_id)

    def component(self, component_id: str) -> Component:
        return next(c for c in self.definition.components if c.id == component_id)

    def audience(self, audience_id: str) -> Audience:
        return next(a for a in self.channels.audiences if a.id == audience_id)

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles.roles if r.id == role_id)

    def channels_for(self, severity_id: str, phase: Phase | None = None) -> list[Channel]:
        """The channels the plan uses for an incident of this severity, in plan order; with ``phase``, only those
        that carry that phase's messages (:attr:`Channel.speaks_in`)."""
        return [
            c for c in self.channels.channels if severity_id in c.severities and (phase is None or phase in c.speaks_in)
        ]

    def may_declare(self, address: str) -> bool:
        """Whether ``address`` is a person of a role the plan's ``declare`` names: they may declare an incident or
        schedule a maintenance by hand."""
        wanted = address.lower()
        return any(
            person.email.lower() == wanted for role_id in self.roles.declare for person in self.role(role_id).people
        )

    def approvers_for(self, severity_id: str, phase: Phase) -> list[str]:
        """Role ids that must all approve a message of this severity and phase."""
        for rule in self.roles.approvals:
            if (rule.severities is None or severity_id in rule.severities) and (
                rule.phases is None or phase in rule.phases
            ):
                return list(rule.roles)
        return []

    @property
    def main_locale(self) -> str:
        return self.definition.locales[0]
