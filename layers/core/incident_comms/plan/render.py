"""The plan as one Markdown page for the team wiki, in the order of a classic incident communication plan.

The YAML is the source of truth; this page is how people who never open it learn who does what.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined

from incident_comms.durations import format_duration
from incident_comms.plan.models import LocalizedText, Phase, Plan, localized

_MARKDOWN = """\
# {{ org.name }} — {{ t.title }}

{{ t.purpose }}
{% if org.status_page_url or org.support_url %}

{% if org.status_page_url %}
- {{ t.status_page }}: {{ org.status_page_url }}
{% endif %}
{% if org.support_url %}
- {{ t.support }}: {{ org.support_url }}
{% endif %}
{% endif %}

{{ t.locales }}: {{ plan.definition.locales | join(", ") }}

## 1. {{ t.definition }}

{{ t.definition_intro }}

| {{ t.severity }} | {{ t.name }} | {{ t.description }} | {{ t.update_every }} | \
{{ t.approval_timeout }} | {{ t.night }} |
|---|---|---|---|---|---|
{% for s in plan.definition.severities %}
| {{ s.id | cell }} | {{ s.name | tr | cell }} | {{ s.description | tr | cell }} | \
{{ s.update_every | duration(t.on_change) }} | {{ s.approval_timeout | duration("—") }} | \
{{ t.yes if s.night_updates else t.no }} |
{% endfor %}

- {{ t.quiet_period }}: {{ plan.definition.quiet_period | duration }}
- {{ t.postmortem_deadline }}: {{ plan.definition.postmortem_deadline | duration }}

## 2. {{ t.components }}

| {{ t.id }} | {{ t.name }} | {{ t.impact }} |
|---|---|---|
{% for c in plan.definition.components %}
| {{ c.id | cell }} | {{ c.name | tr | cell }} | {{ c.impact | tr | cell }}\
{% for audience, words in c.by_audience.items() %} · *{{ plan.audience(audience).name | tr | cell }}*: \
{{ words.impact | tr | cell }}{% endfor %} |
{% endfor %}

## 3. {{ t.rules }}

{{ t.rules_intro }}

| # | {{ t.rule }} | {{ t.when }} | {{ t.component }} | {{ t.severity }} |
|---|---|---|---|---|
{% for r in plan.definition.rules %}
| {{ loop.index }} | {{ r.id | cell }} | {{ r.when | conditions | cell }} | \
{{ (r.component or t.not_an_incident) | cell }} | {{ (r.severity or "—") | cell }} |
{% endfor %}

## 4. {{ t.roles }}

{% for role in plan.roles.roles %}
### {{ role.name | tr }} (`{{ role.id }}`)

{% for item in role.responsibilities %}
- {{ item | tr }}
{% endfor %}

| {{ t.person }} | {{ t.email }} | {{ t.handle }} |
|---|---|---|
{% for p in role.people %}
| {{ p.name | cell }} | {{ p.email | cell }} | {{ (p.handle or "—") | cell }} |
{% endfor %}

{% endfor %}
## 5. {{ t.approvals }}

{{ t.approvals_intro }}

| # | {{ t.severities }} | {{ t.phases }} | {{ t.approvers }} |
|---|---|---|---|
{% for a in plan.roles.approvals %}
| {{ loop.index }} | {{ (a.severities | join(", ") if a.severities else t.any) | cell }} | \
{{ (a.phases | map(attribute="value") | join(", ") if a.phases else t.any) | cell }} | \
{{ a.roles | map("role_name") | join(" + ") | cell }} |
{% endfor %}

## 6. {{ t.engagement }}

| {{ t.severity }} | {{ t.engaged }} |
|---|---|
{% for s in plan.definition.severities %}
| {{ s.id | cell }} | {{ (plan.roles.engage.get(s.id) or []) | map("role_name") | join(", ") | cell }} |
{% endfor %}

{{ t.escalation }}: {{ plan.roles.escalation.grace | duration }} → \
{{ plan.roles.escalation.roles | map("role_name") | join(", ") }}.

{{ t.customer_contact }}: {{ plan.roles.customer_contact.role | role_name }}\
{% for v in contact_ways %} · {{ v }}{% endfor %}

{{ t.maintenance_approvers }}: {{ maintenance_approvers | map("role_name") | join(", ") }}; \
{{ t.progress_approved if plan.roles.maintenance.approve_progress else t.progress_automatic }}.


## 7. {{ t.audiences }}

| {{ t.id }} | {{ t.name }} | {{ t.timezone }} | {{ t.office_hours }} | {{ t.internal }} |
|---|---|---|---|---|
{% for a in plan.channels.audiences %}
| {{ a.id | cell }} | {{ a.name | tr | cell }} | {{ a.timezone | cell }} | \
{{ a.office_hours.days | join(", ") }} \
{{ a.office_hours.start.strftime("%H:%M") }}–{{ a.office_hours.end.strftime("%H:%M") }} | \
{{ t.yes if a.internal else t.no }} |
{% endfor %}

## 8. {{ t.channels }}

| {{ t.id }} | {{ t.name }} | {{ t.kind }} | {{ t.audience }} | {{ t.severities }} | {{ t.channel_phases }} | \
{{ t.locale }} | {{ t.approval }} | {{ t.departments }} | {{ t.access }} |
|---|---|---|---|---|---|---|---|---|---|
{% for c in plan.channels.channels %}
| {{ c.id | cell }} | {{ c.name | tr | cell }} | {{ c.kind.value }} ({{ c.template_format.value }}) | \
{{ c.audience | cell }} | {{ c.severities | join(", ") | cell }} | \
{{ (c.speaks_in | map(attribute="value") | join(", ") ~ ((" (" ~ t.news_only ~ ": " \
~ c.quiet_without_news | map(attribute="value") | join(", ") ~ ")") if c.quiet_without_news else "")) | cell }} | \
{{ c.locale }} | \
{{ t.yes if c.approval_required else t.no }} | {{ c.departments | join(", ") | cell }} | \
{{ (c.access.credentials ~ "; " ~ t.request_from ~ ": " ~ c.access.request_from \
~ ("; " ~ c.access.notes if c.access.notes else "")) | cell }} |
{% endfor %}

## 9. {{ t.phases }}

| {{ t.phase }} | {{ t.answers }} | {{ t.holding }} |
|---|---|---|
{% for phase, spec in plan.phases.phases.items() %}
| {{ phase.value }} | {{ spec.answers | join(", ") }} | \
{{ (spec.holding.text | tr ~ (" · SMS: " ~ spec.holding.sms | tr if spec.holding.sms else "") \
if spec.holding else "—") | cell }} |
{% endfor %}

## 10. {{ t["values"] }}

{% for v in plan.values.values %}
### {{ v.name | tr }}

{{ v.shows_as | tr }}
{% if v.checks %}

{{ t.checks }}: {% for check in v.checks %}`{{ check }}`{{ ", " if not loop.last }}{% endfor %}

{% endif %}

{% endfor %}
"""

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Plan de comunicación de incidentes",
        "purpose": "Este plan dice qué es un incidente, quién hace qué, por qué canales hablamos con los clientes, "
        "qué debe contar cada mensaje y qué valores mantenemos. Se genera a partir de la carpeta `plan/`: "
        "cámbiela allí, no en esta página.",
        "status_page": "Página de estado",
        "support": "Ayuda",
        "locales": "Idiomas (el primero es el principal)",
        "definition": "Definición de incidente y severidades",
        "definition_intro": "De más a menos grave.",
        "severity": "Severidad",
        "name": "Nombre",
        "description": "Descripción",
        "update_every": "Actualizar cada",
        "approval_timeout": "Sin aprobación en",
        "night": "Avisos de noche",
        "on_change": "al cambiar",
        "yes": "sí",
        "no": "no",
        "quiet_period": "Resuelto tras este tiempo sin alarmas",
        "postmortem_deadline": "Plazo del postmortem",
        "components": "Componentes",
        "id": "Id",
        "impact": "Qué notan los clientes",
        "rules": "Reglas de clasificación",
        "rules_intro": "Gana la primera regla que coincide; si ninguna coincide, no es un incidente.",
        "rule": "Regla",
        "when": "Cuando",
        "component": "Componente",
        "not_an_incident": "no es un incidente",
        "roles": "Roles y responsabilidades",
        "person": "Persona",
        "email": "Correo",
        "handle": "Usuario",
        "approvals": "Aprobaciones",
        "approvals_intro": "Se aplica la primera fila que coincide; deben aprobar todos los roles indicados.",
        "severities": "Severidades",
        "channel_phases": "Fases",
        "news_only": "solo con novedades para el cliente",
        "phases": "Fases",
        "approvers": "Aprueban",
        "any": "cualquiera",
        "engagement": "Convocatoria y escalada",
        "engaged": "Se convoca a",
        "escalation": "Actualización prometida sin publicar tras",
        "customer_contact": "Contacto para clientes",
        "maintenance_approvers": "Mantenimiento programado, quién lo aprueba",
        "progress_approved": "los avisos de inicio y fin esperan también su aprobación",
        "progress_automatic": "los avisos de inicio y fin salen solos",
        "audiences": "Audiencias y horario",
        "timezone": "Zona horaria",
        "office_hours": "Horario",
        "internal": "Interna",
        "channels": "Canales",
        "kind": "Tipo",
        "audience": "Audiencia",
        "locale": "Idioma",
        "approval": "Aprobación",
        "departments": "Departamentos",
        "access": "Acceso",
        "request_from": "pedir a",
        "phase": "Fase",
        "answers": "Debe responder",
        "holding": "Texto preaprobado",
        "values": "Valores",
        "checks": "Comprobaciones",
    },
    "en": {
        "title": "Incident communication plan",
        "purpose": "This plan says what an incident is, who does what, which channels we use to talk to customers, "
        "what each message must say and the values we keep. It is generated from the `plan/` folder: "
        "change it there, not on this page.",
        "status_page": "Status page",
        "support": "Support",
        "locales": "Languages (the first is the main one)",
        "definition": "Incident definition and severities",
        "definition_intro": "Most severe first.",
        "severity": "Severity",
        "name": "Name",
        "description": "Description",
        "update_every": "Update every",
        "approval_timeout": "Unapproved after",
        "night": "Night updates",
        "on_change": "on change",
        "yes": "yes",
        "no": "no",
        "quiet_period": "Resolved after this long without alarms",
        "postmortem_deadline": "Postmortem deadline",
        "components": "Components",
        "id": "Id",
        "impact": "What customers notice",
        "rules": "Classification rules",
        "rules_intro": "The first matching rule wins; an alarm no rule matches is not an incident.",
        "rule": "Rule",
        "when": "When",
        "component": "Component",
        "not_an_incident": "not an incident",
        "roles": "Roles and responsibilities",
        "person": "Person",
        "email": "Email",
        "handle": "Handle",
        "approvals": "Approvals",
        "approvals_intro": "The first matching row applies; every role listed must approve.",
        "severities": "Severities",
        "channel_phases": "Phases",
        "news_only": "only with news for the customer",
        "phases": "Phases",
        "approvers": "Approvers",
        "any": "any",
        "engagement": "Engagement and escalation",
        "engaged": "Engaged",
        "escalation": "Promised update not published after",
        "customer_contact": "Customer contact",
        "maintenance_approvers": "Scheduled maintenance, who approves it",
        "progress_approved": "the start and completion notices wait for their approval too",
        "progress_automatic": "the start and completion notices go out on their own",
        "audiences": "Audiences and office hours",
        "timezone": "Time zone",
        "office_hours": "Office hours",
        "internal": "Internal",
        "channels": "Channels",
        "kind": "Kind",
        "audience": "Audience",
        "locale": "Locale",
        "approval": "Approval",
        "departments": "Departments",
        "access": "Access",
        "request_from": "request from",
        "phase": "Phase",
        "answers": "Must answer",
        "holding": "Pre-approved text",
        "values": "Values",
        "checks": "Checks",
    },
}


def cell(value: object) -> str:
    """A Markdown table cell: one line, ``|`` escaped so it cannot split the row."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _conditions(when: Any) -> str:
    given = when.model_dump(mode="json", exclude_defaults=True)
    if not given:
        return "*"
    parts = []
    for key, value in given.items():
        shown = ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def render_markdown(plan: Plan) -> str:
    """The whole plan as Markdown, in the plan's main locale, for people who will never read the YAML."""
    locale = plan.main_locale
    texts = _TEXTS.get(locale.split("-")[0], _TEXTS["en"])
    environment = Environment(
        autoescape=False,  # noqa: S701 (Markdown, not HTML: table cells are escaped by the cell filter)
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )

    def tr(text: LocalizedText) -> str:
        return localized(text, locale, plan.main_locale)

    def role_name(role_id: str) -> str:
        known = {r.id: r for r in plan.roles.roles}
        return tr(known[role_id].name) if role_id in known else role_id

    environment.filters.update(
        cell=cell,
        tr=tr,
        role_name=role_name,
        conditions=_conditions,
        duration=lambda value, none="—": format_duration(value) if value is not None else none,
    )
    contact = plan.roles.customer_contact
    ways = [way for way in (contact.email, contact.url, contact.phone) if way]
    least = plan.definition.severities[-1].id
    maintenance_approvers = plan.roles.maintenance.approvers or plan.approvers_for(least, Phase.INVESTIGATING)
    text = environment.from_string(_MARKDOWN).render(
        plan=plan,
        org=plan.definition.organisation,
        t=texts,
        contact_ways=ways,
        maintenance_approvers=maintenance_approvers,
    )
    return _tidy(text)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"
