"""The decision form of an approval page: what a POST may carry, and nothing more.

Deciding takes a person: :func:`parse_form` accepts only the page's own form, whose submit button carries
``confirm=yes`` and whose ``decision`` is the link's own action, with only the fields that action takes, each once,
for channels the message has. Anything else is a :class:`BadForm` naming what was wrong, and nothing is decided.
The limits below are the page's too (``maxlength``), so a person never meets them by surprise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from incident_comms.approvals.tokens import ApprovalAction
from incident_comms.incidents.models import Message
from incident_comms.web import BadForm, FormProblem

MAX_TEXT_CHARS = 20_000
MAX_SUBJECT_CHARS = 99
MAX_REASON_CHARS = 2_000
MIN_OVERRIDE_REASON_CHARS = 10
"""Approving a draft with errors takes a reason at least this long (after trimming): a word or two is not one."""

_Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT_CHARS)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]
_Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_REASON_CHARS)]


class DecisionForm(BaseModel):
    """A posted decision, field by field as the page's form sends it: ``decision``, ``confirm``, ``reason`` (a
    rejection's; an approval's or an edit's when the drafts have errors), for an edit ``subject.<channel id>``,
    ``text.<channel id>`` and ``certain=yes`` (the editor vouches for the fix time or outcome promised)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

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
