"""The decision itself, pure: who may decide on a draft, and what approve, edit or reject make of it.

A link works for the roles its person holds: :func:`acting_roles` refuses someone who holds none of the approving
roles (403) or whose roles all approved already (409). :func:`compute_decision` turns one stored revision of a
message and a parsed form into the next revision, its timeline entries and, when the last role approves, the
publication of that version: everything :meth:`IncidentStore.save_decision` writes in one transaction, so the
store can spend the token and replace the message together, on the condition that the revision did not move.

Approving a draft whose checks found errors takes a written reason of at least
:data:`~incident_comms.approvals.forms.MIN_OVERRIDE_REASON_CHARS` characters, recorded on the approval and the
timeline with the failing check ids; without it nothing is saved. Reads nothing and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from incident_comms.approvals.checks import draft_checks, error_checks
from incident_comms.approvals.forms import MIN_OVERRIDE_REASON_CHARS, DecisionForm
from incident_comms.approvals.tokens import ApprovalAction, TokenClaims
from incident_comms.drafting.models import ChannelDraft
from incident_comms.drafting.render import draft_from_text
from incident_comms.incidents.models import (
    Approval,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.plan.models import Plan, localized
from incident_comms.text import clean_text, one_line, truncate
from incident_comms.web import BadForm, FormProblem, LinkRefused, Refusal, RequestMeta


class Recorded(StrEnum):
    """What a successful POST recorded."""

    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"


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
    missing: Mapping[str, Sequence[str]] | None = None,
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
    with the incident's current ``severity``, and ``missing``: the incident's facts not told in a locale, the
    ``facts-complete`` error): when any has errors, approving takes a written ``reason`` of at least
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
    approving = before.model_copy(update={"drafts": drafts, "certain": certain})
    errors, reason = _override(plan, approving, form, severity, missing)
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


def _override(
    plan: Plan,
    approving: Message,
    form: DecisionForm,
    severity: str,
    missing: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[str], str | None]:
    """The checks with errors in the version being approved, and the reason given (None when blank); refused with
    ERRORS_NEED_REASON when there are errors and the reason is missing or shorter than
    :data:`MIN_OVERRIDE_REASON_CHARS`. A reason given for a draft without errors is kept all the same."""
    errors = error_checks(draft_checks(plan, approving, severity, missing))
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
        rebuilt = draft_from_text(plan, channel, subject, text, incident_id=message.incident_id)
        drafts.append(draft if (rebuilt.subject, rebuilt.text) == (draft.subject, draft.text) else rebuilt)
    return drafts
