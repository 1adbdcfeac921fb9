"""Use cases of the approval links: look at a draft (GET, HEAD) and decide on it (POST).

An approval link is ``{base}/approvals/{token}``; the token (:mod:`incident_comms.tokens`) names the incident,
the message and its version, the person it was sent to, one action and an expiry. What this module guarantees:

- **Looking changes nothing.** :func:`review` only reads: mail scanners and link previews fetch every link in
  an email, so a GET or HEAD must never approve, spend a token or write a line of audit.
- **Deciding takes a person.** :func:`decide` acts only on a POST of the page's own form, whose submit button
  carries ``confirm=yes``; the page has no script that could submit it by itself.
- **A link works once, for one version, for the roles its person holds.** The store spends the token in the
  same transaction that replaces the message (on the condition that its revision did not move), so ten clicks
  save one decision and one publication; an edit bumps the version and every older link dies.
- **A refusal tells nothing.** Whoever holds a bad, stale or foreign link learns only the generic reason: no
  incident id, component or text is on a 4xx page.

Pure: the store, the key, the clock's ``now`` and the email sender come from the caller. The pages render from
the package templates ``approval_page.html.j2`` and ``approval_outcome.html.j2`` with autoescaping, so draft
text (partly from alarms) and edited text can never become markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from incident_comms.approvals.requests import (
    ApprovalRequest,
    ApprovalRequests,
    DraftCheck,
    checks_context,
    draft_checks,
    error_checks,
    request_approval,
)
from incident_comms.approvals.tokens import (
    ApprovalAction,
    RejectReason,
    TokenClaims,
    TokenRejected,
    issue_token,
    token_fingerprint,
    verify_token,
)
from incident_comms.delivery.publishing import PublishQueue, hand_off
from incident_comms.drafting.render import ChannelDraft, draft_from_text
from incident_comms.incidents.models import (
    Approval,
    Incident,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.store import DecisionSaved, IncidentStore
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan, localized
from incident_comms.team.context import incident_context
from incident_comms.team.emails import email_environment, team_texts, team_zone
from incident_comms.text import clean_text, format_datetime, one_line, truncate
from incident_comms.web import BadForm, FormProblem, HttpRequest, LinkRefused, Refusal, RequestMeta

MAX_TEXT_CHARS = 20_000
MAX_SUBJECT_CHARS = 99
MAX_REASON_CHARS = 2_000
MIN_OVERRIDE_REASON_CHARS = 10
"""Approving a draft with errors takes a reason at least this long (after trimming): a word or two is not one."""
DECISION_ATTEMPTS = 5
"""Recomputing after another decision landed first: more than a handful in a row means something is wrong."""
_FALLBACK_LOCALE = "en"

PAGE_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
"""Every approval page's headers. The token is in the URL: nothing may cache the page or send it on as a
referrer, no script may run, and no other site may frame the page or receive its form."""


REFUSAL_STATUS: dict[Refusal, HTTPStatus] = {
    Refusal.INVALID: HTTPStatus.NOT_FOUND,
    Refusal.EXPIRED: HTTPStatus.GONE,
    Refusal.USED: HTTPStatus.CONFLICT,
    Refusal.SUPERSEDED: HTTPStatus.CONFLICT,
    Refusal.DECIDED: HTTPStatus.CONFLICT,
    Refusal.ROLE_APPROVED: HTTPStatus.CONFLICT,
    Refusal.NOT_APPROVER: HTTPStatus.FORBIDDEN,
    Refusal.BAD_FORM: HTTPStatus.BAD_REQUEST,
    Refusal.CROSS_SITE: HTTPStatus.FORBIDDEN,
    Refusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    Refusal.BUSY: HTTPStatus.SERVICE_UNAVAILABLE,
}

_TOKEN_REFUSAL = {
    RejectReason.MALFORMED: Refusal.INVALID,
    RejectReason.FORGED: Refusal.INVALID,
    RejectReason.EXPIRED: Refusal.EXPIRED,
    RejectReason.WRONG_VERSION: Refusal.SUPERSEDED,
}


class Recorded(StrEnum):
    """What a successful POST recorded."""

    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"


_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "page_title": "Aprobación del mensaje",
        "deciding_as": "Decide como {recipient}, con el rol: {roles}.",
        "version": "Versión del borrador",
        "pending": "Falta la aprobación de",
        "approved_by": "Ya han aprobado",
        "nobody": "nadie todavía",
        "expires": "Este enlace es personal, sirve una sola vez y caduca el {expires}.",
        "approve_heading": "Aprobar",
        "approve_lead": "El borrador se publicará tal como se ve abajo, en todos sus canales, en cuanto hayan "
        "aprobado todos los roles que deben hacerlo.",
        "approve_button": "Aprobar y publicar",
        "edit_heading": "Corregir y aprobar",
        "edit_lead": "Corrija el texto de cada canal. Al guardar, la nueva versión queda aprobada en su nombre; "
        "si faltan otros roles, recibirán enlaces nuevos y los anteriores dejarán de servir.",
        "edit_button": "Guardar y aprobar",
        "reject_heading": "Rechazar",
        "reject_lead": "El borrador no se publicará. Explique por qué: quedará en el historial del incidente.",
        "reason": "Motivo",
        "reject_button": "Rechazar",
        "override_lead": "Este borrador tiene errores ({checks}). Si debe publicarse tal cual, explique por qué: el "
        "motivo y los errores quedarán en el historial del incidente.",
        "override_label": f"Motivo para aprobarlo con errores (al menos {MIN_OVERRIDE_REASON_CHARS} caracteres)",
        "edit_reason_label": "Motivo, si el texto sigue teniendo errores al guardarlo (entonces obligatorio, al menos "
        f"{MIN_OVERRIDE_REASON_CHARS} caracteres)",
        "certain_label": "Confirmo que la hora o el resultado de la solución que promete el texto son seguros",
        "other_actions": "Otras opciones con este mismo borrador",
        "actions": {
            ApprovalAction.APPROVE: "Aprobar sin cambios",
            ApprovalAction.EDIT: "Corregir el texto",
            ApprovalAction.REJECT: "Rechazar el borrador",
        },
        "refused": "No se ha hecho nada",
        "refusals": {
            Refusal.INVALID: ("Este enlace no es válido", "Compruebe que ha abierto el enlace completo del correo."),
            Refusal.EXPIRED: (
                "Este enlace ha caducado",
                "Los enlaces de aprobación caducan. Si el borrador sigue pendiente, use un correo más reciente.",
            ),
            Refusal.USED: ("Este enlace ya se ha usado", "Cada enlace sirve una sola vez; su decisión ya consta."),
            Refusal.SUPERSEDED: (
                "El borrador ha cambiado, use el enlace del correo más reciente",
                "Alguien ha corregido el texto después de que se enviara este enlace.",
            ),
            Refusal.DECIDED: (
                "Este mensaje ya está decidido",
                "Ya se aprobó o se rechazó; no hace falta hacer nada más.",
            ),
            Refusal.ROLE_APPROVED: (
                "Su rol ya ha aprobado este borrador",
                "Falta la aprobación de otros roles; usted no tiene que hacer nada más.",
            ),
            Refusal.NOT_APPROVER: (
                "No puede decidir sobre este mensaje",
                "Su dirección no tiene ninguno de los roles que deben aprobarlo.",
            ),
            Refusal.BAD_FORM: ("No se ha podido leer el formulario", "Vuelva a abrir el enlace e inténtelo de nuevo."),
            Refusal.CROSS_SITE: ("Solicitud rechazada", "El formulario no se envió desde la página de aprobación."),
            Refusal.TOO_LARGE: ("El formulario es demasiado grande", "Acorte los textos e inténtelo de nuevo."),
            Refusal.BUSY: (
                "Demasiados cambios a la vez",
                "Otras personas están decidiendo sobre este mensaje. Vuelva a abrir el enlace.",
            ),
        },
        "problems": {
            FormProblem.UNREADABLE: "El formulario no se puede leer.",
            FormProblem.ENCODING: "El formulario no llegó como un formulario web.",
            FormProblem.UNKNOWN_FIELD: "El formulario trae un campo que esta acción no admite.",
            FormProblem.REPEATED_FIELD: "El formulario trae un campo repetido.",
            FormProblem.DECISION_MISMATCH: "La decisión del formulario no es la de este enlace.",
            FormProblem.NOT_CONFIRMED: "Confirme la decisión con el botón de la página.",
            FormProblem.REASON_MISSING: "Para rechazar hay que indicar el motivo.",
            FormProblem.REASON_TOO_LONG: f"El motivo no puede pasar de {MAX_REASON_CHARS} caracteres.",
            FormProblem.ERRORS_NEED_REASON: "El borrador tiene errores ({checks}). Para aprobarlo así hay que "
            f"escribir el motivo (al menos {MIN_OVERRIDE_REASON_CHARS} caracteres); si no, corríjalo. No se ha "
            "guardado nada y el enlace sigue sirviendo.",
            FormProblem.UNKNOWN_CHANNEL: "El formulario nombra un canal que este mensaje no tiene.",
            FormProblem.NO_SUBJECT_HERE: "El formulario trae un asunto para un canal que no lleva asunto.",
            FormProblem.SUBJECT_INVALID: f"Cada asunto es una sola línea de 1 a {MAX_SUBJECT_CHARS} caracteres.",
            FormProblem.TEXT_INVALID: f"Cada texto debe tener entre 1 y {MAX_TEXT_CHARS} caracteres.",
        },
        "recorded": "Decisión registrada",
        "incident": "Incidente",
        "done": {
            "published": "Aprobado: se ha pedido la publicación de la versión {version} en todos sus canales.",
            "waiting": "Su aprobación como {roles} consta. Falta la aprobación de: {pending}.",
            "edited_published": "Corregido y aprobado: se ha pedido la publicación de la versión {version}.",
            "edited_waiting": "Corrección guardada como versión {version} y aprobada como {roles}. Falta la "
            "aprobación de: {pending}; se les ha enviado un enlace nuevo.",
            "edited_waiting_unsent": "Corrección guardada como versión {version} y aprobada como {roles}. Falta la "
            "aprobación de: {pending}, pero no se les ha podido enviar el enlace nuevo: avíseles.",
            "rejected": "Rechazado: este borrador no se publicará. El motivo consta en el historial del incidente.",
        },
    },
    "en": {
        "page_title": "Message approval",
        "deciding_as": "You decide as {recipient}, in the role: {roles}.",
        "version": "Draft version",
        "pending": "Still to approve",
        "approved_by": "Already approved by",
        "nobody": "nobody yet",
        "expires": "This link is yours alone, works once and expires on {expires}.",
        "approve_heading": "Approve",
        "approve_lead": "The draft is published exactly as shown below, on every channel, as soon as every role "
        "that must approve it has.",
        "approve_button": "Approve and publish",
        "edit_heading": "Edit and approve",
        "edit_lead": "Correct each channel's text. Saving approves the new version in your name; roles still to "
        "approve get new links, and the earlier ones stop working.",
        "edit_button": "Save and approve",
        "reject_heading": "Reject",
        "reject_lead": "The draft will not be published. Say why: it goes on the incident's timeline.",
        "reason": "Reason",
        "reject_button": "Reject",
        "override_lead": "This draft has errors ({checks}). If it must go out as it is, say why: the reason and the "
        "errors go on the incident's timeline.",
        "override_label": f"Why approve it with errors (at least {MIN_OVERRIDE_REASON_CHARS} characters)",
        "edit_reason_label": "Reason, if the text still has errors when you save it (then required, at least "
        f"{MIN_OVERRIDE_REASON_CHARS} characters)",
        "certain_label": "I confirm the fix time or outcome the text promises is certain",
        "other_actions": "Other choices for this same draft",
        "actions": {
            ApprovalAction.APPROVE: "Approve as it is",
            ApprovalAction.EDIT: "Edit the text",
            ApprovalAction.REJECT: "Reject the draft",
        },
        "refused": "Nothing was done",
        "refusals": {
            Refusal.INVALID: ("This link is not valid", "Check that you opened the whole link from the email."),
            Refusal.EXPIRED: (
                "This link has expired",
                "Approval links expire. If the draft still awaits approval, use a more recent email.",
            ),
            Refusal.USED: ("This link was already used", "Each link works once; your decision is on record."),
            Refusal.SUPERSEDED: (
                "The draft has changed, use the link in the most recent email",
                "Someone edited the text after this link was sent.",
            ),
            Refusal.DECIDED: ("This message was already decided", "It was approved or rejected; nothing else to do."),
            Refusal.ROLE_APPROVED: (
                "Your role already approved this draft",
                "Other roles still have to approve; there is nothing more for you to do.",
            ),
            Refusal.NOT_APPROVER: (
                "You cannot decide on this message",
                "Your address holds none of the roles that must approve it.",
            ),
            Refusal.BAD_FORM: ("The form could not be read", "Open the link again and try once more."),
            Refusal.CROSS_SITE: ("Request refused", "The form was not sent from the approval page."),
            Refusal.TOO_LARGE: ("The form is too large", "Shorten the texts and try again."),
            Refusal.BUSY: (
                "Too many changes at once",
                "Other people are deciding on this message. Open the link again.",
            ),
        },
        "problems": {
            FormProblem.UNREADABLE: "The form cannot be read.",
            FormProblem.ENCODING: "The form did not arrive as a web form.",
            FormProblem.UNKNOWN_FIELD: "The form has a field this action does not take.",
            FormProblem.REPEATED_FIELD: "The form repeats a field.",
            FormProblem.DECISION_MISMATCH: "The form's decision is not this link's.",
            FormProblem.NOT_CONFIRMED: "Confirm the decision with the button on the page.",
            FormProblem.REASON_MISSING: "A rejection needs a reason.",
            FormProblem.REASON_TOO_LONG: f"The reason cannot be longer than {MAX_REASON_CHARS} characters.",
            FormProblem.ERRORS_NEED_REASON: "The draft has errors ({checks}). Approving it like this takes a written "
            f"reason (at least {MIN_OVERRIDE_REASON_CHARS} characters); otherwise correct it. Nothing was saved and "
            "the link still works.",
            FormProblem.UNKNOWN_CHANNEL: "The form names a channel this message does not have.",
            FormProblem.NO_SUBJECT_HERE: "The form has a subject for a channel that has none.",
            FormProblem.SUBJECT_INVALID: f"Each subject is one line of 1 to {MAX_SUBJECT_CHARS} characters.",
            FormProblem.TEXT_INVALID: f"Each text must have 1 to {MAX_TEXT_CHARS} characters.",
        },
        "recorded": "Decision recorded",
        "incident": "Incident",
        "done": {
            "published": "Approved: publication of version {version} on every channel has been requested.",
            "waiting": "Your approval as {roles} is recorded. Still to approve: {pending}.",
            "edited_published": "Edited and approved: publication of version {version} has been requested.",
            "edited_waiting": "Edit saved as version {version} and approved as {roles}. Still to approve: "
            "{pending}; they were sent a new link.",
            "edited_waiting_unsent": "Edit saved as version {version} and approved as {roles}. Still to approve: "
            "{pending}, but the new link could not be sent to them: tell them.",
            "rejected": "Rejected: this draft will not be published. The reason is on the incident's timeline.",
        },
    },
}


def page_texts(plan: Plan) -> dict[str, Any]:
    """The approval pages' wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


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


# --- the HTTP request, as much of it as the use cases need -----------------------------------------------------


# --- the form ----------------------------------------------------------------------------------------------------

_Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT_CHARS)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]
_Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_REASON_CHARS)]


class DecisionForm(BaseModel):
    """A posted decision, field by field as the page's form sends it: ``decision``, ``confirm``, ``reason`` (a
    rejection's; an approval's or an edit's when the drafts have errors), for an edit ``subject.<channel id>``,
    ``text.<channel id>`` and ``certain=yes`` (the editor vouches for the fix time or outcome promised)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: ApprovalAction
    confirm: Literal["yes"]
    reason: _Reason | None = None
    certain: Literal["yes"] | None = None
    subjects: dict[str, _Subject] = Field(default_factory=dict)
    texts: dict[str, _Text] = Field(default_factory=dict)

    @field_validator("subjects")
    @classmethod
    def _one_line(cls, value: dict[str, str]) -> dict[str, str]:
        if any("\r" in subject or "\n" in subject for subject in value.values()):
            raise ValueError("a subject is one line")
        return value


_FIELD_PROBLEM = {
    "decision": FormProblem.DECISION_MISMATCH,
    "confirm": FormProblem.NOT_CONFIRMED,
    "reason": FormProblem.REASON_TOO_LONG,
    "certain": FormProblem.UNREADABLE,
    "subjects": FormProblem.SUBJECT_INVALID,
    "texts": FormProblem.TEXT_INVALID,
}
_ACTION_FIELDS = {
    ApprovalAction.APPROVE: frozenset({"reason"}),
    ApprovalAction.EDIT: frozenset({"subject", "text", "reason", "certain"}),
    ApprovalAction.REJECT: frozenset({"reason"}),
}


def parse_form(form: Mapping[str, Sequence[str]], action: ApprovalAction, message: Message) -> DecisionForm:
    """Validate a posted form against the link's ``action`` and ``message``'s channels, else :class:`BadForm`.

    Every field at most once; only the fields the action takes; ``decision`` equal to the link's action and
    ``confirm=yes`` (the page's button), so neither a scanner's bare POST nor a form meant for another link acts.
    """
    flat: dict[str, Any] = {}
    subjects: dict[str, str] = {}
    texts: dict[str, str] = {}
    allowed = _ACTION_FIELDS.get(action, frozenset())
    for name, values in form.items():
        if len(values) != 1:
            raise BadForm(FormProblem.REPEATED_FIELD)
        value = values[0]
        kind, dot, channel_id = name.partition(".")
        if name in ("decision", "confirm") or (name in ("reason", "certain") and name in allowed):
            flat[name] = value
        elif dot and channel_id and kind in ("subject", "text") and kind in allowed:
            (subjects if kind == "subject" else texts)[channel_id] = value
        else:
            raise BadForm(FormProblem.UNKNOWN_FIELD)
    try:
        parsed = DecisionForm.model_validate({**flat, "subjects": subjects, "texts": texts})
    except ValidationError as error:
        first = error.errors()[0]["loc"]
        if not first:
            raise BadForm(FormProblem.UNREADABLE) from None
        raise BadForm(_FIELD_PROBLEM.get(str(first[0]), FormProblem.UNREADABLE)) from None
    if parsed.decision != action:
        raise BadForm(FormProblem.DECISION_MISMATCH)
    if action == ApprovalAction.REJECT and not parsed.reason:
        raise BadForm(FormProblem.REASON_MISSING)
    drafts = {draft.channel_id: draft for draft in message.drafts}
    if not set(subjects) | set(texts) <= set(drafts):
        raise BadForm(FormProblem.UNKNOWN_CHANNEL)
    if any(drafts[channel_id].subject is None for channel_id in subjects):
        raise BadForm(FormProblem.NO_SUBJECT_HERE)
    return parsed


# --- the decision itself (pure) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A decision computed from one stored revision of a message: everything :meth:`IncidentStore.save_decision`
    writes in one transaction."""

    recorded: Recorded
    after: Message
    roles: list[str]
    """The roles the recipient decided as."""
    entries: list[TimelineEntry]
    publication: Publication | None


def holder_roles(plan: Plan, recipient: str, message: Message) -> list[str]:
    """The roles of ``message.approvers`` whose people include ``recipient`` (addresses compared case-blind)."""
    address = recipient.casefold()
    people = {role.id: role.people for role in plan.roles.roles}
    return [
        role_id
        for role_id in message.approvers
        if any(person.email.casefold() == address for person in people.get(role_id, []))
    ]


def role_names(plan: Plan, role_ids: Sequence[str]) -> list[str]:
    """Role names in the team's language; the id of a role the plan no longer has (drafted before a plan change)."""
    locale = plan.main_locale
    names = {role.id: localized(role.name, locale, locale) for role in plan.roles.roles}
    return [names.get(role_id, role_id) for role_id in role_ids]


def acting_roles(plan: Plan, recipient: str, message: Message) -> tuple[list[str], list[str]]:
    """The approving roles ``recipient`` holds, and those of them still to approve; refused (403) when they hold
    none, (409) when every one of theirs approved already."""
    held = holder_roles(plan, recipient, message)
    if not held:
        raise LinkRefused(Refusal.NOT_APPROVER)
    acting = [role for role in held if role in message.pending_roles]
    if not acting:
        raise LinkRefused(Refusal.ROLE_APPROVED)
    return held, acting


def compute_decision(
    plan: Plan,
    before: Message,
    claims: TokenClaims,
    form: DecisionForm,
    meta: RequestMeta,
    fingerprint: str,
    now: datetime,
    *,
    severity: str,
) -> Decision:
    """What ``claims.recipient`` deciding ``form`` does to ``before``: the next revision, its timeline entries and,
    when the last role approves, the publication of that version.

    - approve: an approval per role of the recipient still pending; all roles in: APPROVED and published.
    - edit: the texts replaced (rebuilt by :func:`draft_from_text`, so edited text is escaped like any other),
      ``version + 1`` and approvals reset to the editor's roles only (every approving role they hold: they wrote
      the text), since the others approved a text that no longer exists; then the same completion rule. An edit
      that changes no text is an approval: a new version would throw away other roles' approvals of the same text.
      Ticking or clearing "certain" (the editor vouches for the fix time or outcome promised) changes the version
      too: it changes what the draft checks find.
    - reject: REJECTED with the reason; nothing is published.

    The drafts of the version being approved (the edited ones, for an edit) are checked (:mod:`incident_comms.lint`,
    with the incident's current ``severity``): when any has errors, approving takes a written ``reason`` of at least
    :data:`MIN_OVERRIDE_REASON_CHARS` characters, recorded with the failing check ids on the approval and the
    timeline; without it, :class:`BadForm` (ERRORS_NEED_REASON), and nothing is saved.

    Raises :class:`LinkRefused` (NOT_APPROVER, ROLE_APPROVED) when the recipient has nothing left to decide.
    """
    held, acting = acting_roles(plan, claims.recipient, before)
    audit: dict[str, Any] = {
        "recipient": claims.recipient,
        "source_ip": meta.source_ip,
        "user_agent": meta.user_agent,
        "token_fingerprint": fingerprint,
        "message_id": before.id,
    }
    if form.decision == ApprovalAction.REJECT:
        return _rejection(before, claims.recipient, acting, form.reason or "", audit, now)
    revision = before.revision + 1
    editing = form.decision == ApprovalAction.EDIT
    drafts = _edited_drafts(plan, before, form) if editing else before.drafts
    certain = form.certain == "yes" if editing else before.certain
    edited = drafts != before.drafts or certain != before.certain
    errors, reason = _override(plan, before.model_copy(update={"drafts": drafts, "certain": certain}), form, severity)
    if edited:
        version = before.version + 1
        roles = held
        approvals = {role: _approval(claims, meta, now, version, reason, errors) for role in roles}
    else:
        version = before.version
        roles = acting
        approvals = {
            **before.approvals,
            **{role: _approval(claims, meta, now, version, reason, errors) for role in roles},
        }
    pending = [role for role in before.approvers if role not in approvals]
    complete = not pending
    after = before.model_copy(
        update={
            "drafts": drafts,
            "certain": certain,
            "version": version,
            "approvals": approvals,
            "revision": revision,
            "status": MessageStatus.APPROVED if complete else MessageStatus.AWAITING_APPROVAL,
            "decided_at": now if complete else None,
        }
    )
    channels = {draft.channel_id: {"subject": draft.subject, "text": draft.text} for draft in drafts}
    waiting = f"; still to approve: {', '.join(pending)}" if pending else "; every role approved"
    if errors:
        waiting += f"; approved despite errors ({', '.join(errors)}): {truncate(one_line(reason or ''), 300)}"
    audit = {**audit, "reason": reason, "error_checks": errors, "certain": certain}
    if edited:
        changed = [new.channel_id for old, new in zip(before.drafts, drafts, strict=True) if old != new]
        vouched = "; the fix time or outcome it promises marked certain" if certain else ""
        entry = TimelineEntry(
            incident_id=before.incident_id,
            at=now,
            kind=TimelineKind.EDITED,
            text=f"{claims.recipient} edited message {before.id} (version {before.version} → {version}: "
            f"{', '.join(changed) or 'certain'}) and approved it as {', '.join(roles)}{vouched}{waiting}",
            data={
                **audit,
                "roles": roles,
                "old_version": before.version,
                "new_version": version,
                "changed_channels": changed,
                "channels": channels,
                "pending_roles": pending,
            },
        )
    else:
        entry = TimelineEntry(
            incident_id=before.incident_id,
            at=now,
            kind=TimelineKind.APPROVED,
            text=f"{claims.recipient} approved version {version} of message {before.id} as {', '.join(roles)}{waiting}",
            data={
                **audit,
                "roles": roles,
                "version": version,
                "channels": channels,
                "pending_roles": pending,
                "edit_without_changes": form.decision == ApprovalAction.EDIT,
            },
        )
    entries = [entry]
    publication = None
    if complete:
        publication = Publication(
            incident_id=before.incident_id,
            message_id=before.id,
            version=version,
            requested_at=now,
            reason=PublicationReason.APPROVED,
        )
        entries.append(
            TimelineEntry(
                incident_id=before.incident_id,
                at=now,
                kind=TimelineKind.PUBLISH_REQUESTED,
                text=f"Version {version} of message {before.id} handed over for publishing on {len(drafts)} channels",
                data={"message_id": before.id, "version": version, "reason": PublicationReason.APPROVED.value},
            )
        )
    recorded = Recorded.EDITED if edited else Recorded.APPROVED
    return Decision(recorded, after, roles, entries, publication)


def _rejection(
    before: Message, recipient: str, roles: list[str], reason: str, audit: dict[str, Any], now: datetime
) -> Decision:
    reason = clean_text(reason)
    after = before.model_copy(
        update={
            "status": MessageStatus.REJECTED,
            "decided_at": now,
            "rejection_reason": reason,
            "revision": before.revision + 1,
        }
    )
    entry = TimelineEntry(
        incident_id=before.incident_id,
        at=now,
        kind=TimelineKind.REJECTED,
        text=f"{recipient} rejected version {before.version} of message {before.id} "
        f"as {', '.join(roles)}: {truncate(one_line(reason), 300)}",
        data={**audit, "roles": roles, "version": before.version, "reason": reason},
    )
    return Decision(Recorded.REJECTED, after, roles, [entry], None)


def _approval(
    claims: TokenClaims,
    meta: RequestMeta,
    now: datetime,
    version: int,
    reason: str | None = None,
    error_checks: Sequence[str] = (),
) -> Approval:
    return Approval(
        recipient=claims.recipient,
        at=now,
        version=version,
        source_ip=meta.source_ip,
        user_agent=meta.user_agent,
        reason=reason,
        error_checks=list(error_checks),
    )


def _override(plan: Plan, approving: Message, form: DecisionForm, severity: str) -> tuple[list[str], str | None]:
    """The checks with errors in the version being approved, and the reason given (None when blank); refused with
    ERRORS_NEED_REASON when there are errors and the reason is missing or shorter than
    :data:`MIN_OVERRIDE_REASON_CHARS`. A reason given for a draft without errors is kept all the same."""
    errors = error_checks(draft_checks(plan, approving, severity))
    reason = clean_text(form.reason) if form.reason else None
    if errors and len(reason or "") < MIN_OVERRIDE_REASON_CHARS:
        raise BadForm(FormProblem.ERRORS_NEED_REASON, errors)
    return errors, reason or None


def _edited_drafts(plan: Plan, message: Message, form: DecisionForm) -> list[ChannelDraft]:
    channels = {channel.id: channel for channel in plan.channels.channels}
    drafts: list[ChannelDraft] = []
    for draft in message.drafts:
        if draft.channel_id not in form.texts and draft.channel_id not in form.subjects:
            drafts.append(draft)
            continue
        channel = channels.get(draft.channel_id)
        if channel is None:  # the plan dropped the channel since drafting: nothing to rebuild it with
            raise BadForm(FormProblem.UNKNOWN_CHANNEL)
        subject = form.subjects.get(draft.channel_id, draft.subject)
        text = form.texts.get(draft.channel_id, draft.text)
        rebuilt = draft_from_text(plan, channel, subject, text)
        drafts.append(draft if (rebuilt.subject, rebuilt.text) == (draft.subject, draft.text) else rebuilt)
    return drafts


# --- the use cases -----------------------------------------------------------------------------------------------


def review(token: str, plan: Plan, store: IncidentStore, key: bytes, now: datetime) -> Page:
    """The page of an approval link (GET and HEAD): the draft, the incident, and one form for the link's action.

    Reads only. A link that cannot be acted on any more (used, superseded, decided, its person's roles all in)
    answers its 4xx page right away rather than a form that would fail on submit.
    """
    fingerprint = token_fingerprint(token)
    try:
        claims = _verified(token, key, now)
        incident, message = _load(store, claims)
        _check_open(store, claims, message, fingerprint)
        _, acting = acting_roles(plan, claims.recipient, message)
    except LinkRefused as refused:
        return refusal_page(plan, refused.refusal, refused.problem, fingerprint, refused.checks)
    html = _render_form(plan, incident, message, token, claims, acting, key, now)
    return Page(
        status=int(HTTPStatus.OK),
        html=html,
        token_fingerprint=fingerprint,
        incident_id=incident.id,
        message_id=message.id,
        version=message.version,
        action=claims.action,
    )


def decide(
    token: str,
    form: Mapping[str, Sequence[str]],
    meta: RequestMeta,
    plan: Plan,
    store: IncidentStore,
    key: bytes,
    now: datetime,
    approvals: ApprovalRequests | None = None,
    publish_queue: PublishQueue | None = None,
) -> Outcome:
    """Act on a posted approval form: approve, edit and approve, or reject, once.

    The decision is computed from the stored message and saved with the token's single use in one conditional
    transaction. When another decision landed in between (another role approved), it is recomputed from the
    new revision, up to :data:`DECISION_ATTEMPTS` times. After an edit that leaves roles to approve, they are
    emailed fresh links for the new version (``approvals``); a send that fails is on the timeline, not raised.
    """
    fingerprint = token_fingerprint(token)
    try:
        claims = _verified(token, key, now)
        for _ in range(DECISION_ATTEMPTS):
            incident, message = _load(store, claims)
            _check_open(store, claims, message, fingerprint)
            acting_roles(plan, claims.recipient, message)
            parsed = parse_form(form, claims.action, message)
            decision = compute_decision(
                plan, message, claims, parsed, meta, fingerprint, now, severity=incident.severity_id
            )
            saved = store.save_decision(
                message, decision.after, fingerprint, claims.expires_at, decision.entries, decision.publication
            )
            if saved == DecisionSaved.TOKEN_USED:
                raise LinkRefused(Refusal.USED)
            if saved == DecisionSaved.SAVED:
                if decision.publication is not None and publish_queue is not None:
                    hand_off(store, publish_queue, decision.publication, now)
                return _decided(plan, store, approvals, incident, decision, fingerprint, now)
        raise LinkRefused(Refusal.BUSY)
    except LinkRefused as refused:
        return _refused_outcome(plan, refused, fingerprint)


def submit(
    token: str,
    request: HttpRequest,
    plan: Plan,
    store: IncidentStore,
    key: bytes,
    now: datetime,
    approvals: ApprovalRequests | None = None,
    publish_queue: PublishQueue | None = None,
) -> Outcome:
    """A POST as it arrives: refuse another site's form (403) or an oversized or unreadable body (413, 400)
    before anything else, then :func:`decide`."""
    fingerprint = token_fingerprint(token)
    try:
        if request.is_cross_site():
            raise LinkRefused(Refusal.CROSS_SITE)
        form = request.form()
    except LinkRefused as refused:
        return _refused_outcome(plan, refused, fingerprint)
    return decide(token, form, request.meta, plan, store, key, now, approvals, publish_queue)


def refusal_page(
    plan: Plan,
    refusal: Refusal,
    problem: FormProblem | None = None,
    fingerprint: str | None = None,
    checks: Sequence[str] = (),
) -> Page:
    """The 4xx page of a refusal: its generic reason (and for a bad form, what was wrong, with the ids of the draft
    checks that found errors when that was it) and nothing else."""
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
    }
    html = email_environment().get_template("approval_outcome.html.j2").render(context)
    return Page(
        status=int(REFUSAL_STATUS[refusal]), html=html, refusal=refusal, problem=problem, token_fingerprint=fingerprint
    )


def _refused_outcome(plan: Plan, refused: LinkRefused, fingerprint: str) -> Outcome:
    page = refusal_page(plan, refused.refusal, refused.problem, fingerprint, refused.checks)
    return Outcome(**{item.name: getattr(page, item.name) for item in fields(Page)})


def _verified(token: str, key: bytes, now: datetime) -> TokenClaims:
    try:
        return verify_token(token, key, now)
    except TokenRejected as rejected:
        raise LinkRefused(_TOKEN_REFUSAL[rejected.reason]) from None


def _load(store: IncidentStore, claims: TokenClaims) -> tuple[Incident, Message]:
    """The token's incident and message; a genuine token for something that is not there is as good as forged."""
    message = store.get_message(claims.incident_id, claims.message_id)
    incident = store.get_incident(claims.incident_id) if message is not None else None
    if message is None or incident is None:
        raise LinkRefused(Refusal.INVALID)
    return incident, message


def _check_open(store: IncidentStore, claims: TokenClaims, message: Message, fingerprint: str) -> None:
    """Used before superseded (your own edit's link says "used", not "changed"), then version, then status."""
    if store.token_used(fingerprint):
        raise LinkRefused(Refusal.USED)
    if claims.message_version != message.version:
        raise LinkRefused(Refusal.SUPERSEDED)
    if message.status != MessageStatus.AWAITING_APPROVAL:
        raise LinkRefused(Refusal.DECIDED)


def _decided(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests | None,
    incident: Incident,
    decision: Decision,
    fingerprint: str,
    now: datetime,
) -> Outcome:
    after = decision.after
    failures: list[str] = []
    asked = True
    if decision.recorded == Recorded.EDITED and after.pending_roles:
        if approvals is None:
            asked = False
        else:
            # The timeout armed when the draft was first requested still stands; this function arms no other.
            request, error = request_approval(plan, store, replace(approvals, timeouts=None), incident, after, now)
            asked = request == ApprovalRequest.SENT
            failures = [error] if error else []
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


def _render_form(
    plan: Plan,
    incident: Incident,
    message: Message,
    token: str,
    claims: TokenClaims,
    acting: list[str],
    key: bytes,
    now: datetime,
) -> str:
    texts = page_texts(plan)
    team = team_texts(plan)
    locale = plan.main_locale
    checks: list[DraftCheck] = draft_checks(plan, message, incident.severity_id)
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
        "approved": role_names(plan, [role for role in message.approvers if role in message.approvals]),
        "expires": texts["expires"].format(expires=format_datetime(claims.expires_at, team_zone(plan), locale)),
        "siblings": siblings,
        "self_href": quote(token, safe=""),
        "max_subject": MAX_SUBJECT_CHARS,
        "max_text": MAX_TEXT_CHARS,
        "max_reason": MAX_REASON_CHARS,
        "steps": _step_form(plan, incident),
        "checks": checks_context(plan, message, checks, team),
        "override_lead": texts["override_lead"].format(checks=", ".join(error_checks(checks))),
        "min_reason": MIN_OVERRIDE_REASON_CHARS,
    }
    return email_environment().get_template("approval_page.html.j2").render(context)


def _step_form(plan: Plan, incident: Incident) -> dict[str, Any] | None:
    """The page's second form, moving the incident (:mod:`incident_comms.manual_steps`, imported here because it
    builds on this module)."""
    from incident_comms.approvals.steps import step_form

    return step_form(plan, incident)


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
