"""Approval decisions, pure: who may decide, what approve / edit / reject make of a message, and the form rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import pytest

from incident_comms.approvals.forms import MAX_REASON_CHARS, MAX_TEXT_CHARS, parse_form
from incident_comms.approvals.logic import Recorded, acting_roles, compute_decision
from incident_comms.approvals.pages import Outcome, refusal_page
from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, issue_token, token_fingerprint, verify_token
from incident_comms.approvals.use_cases import decide, review
from incident_comms.incidents.models import (
    Approval,
    Delivery,
    Incident,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.ordering import outdated
from incident_comms.incidents.promises import PromiseLedger
from incident_comms.incidents.store import DecisionSaved, IncidentStore
from incident_comms.plan.models import Person, Phase, Plan
from incident_comms.sms import sms_encoding
from incident_comms.web import MAX_FORM_BYTES, BadForm, FormProblem, HttpRequest, LinkRefused, Refusal, RequestMeta
from tests.factories import OPENED, RecordingSender, make_alarm, opened_incident

if TYPE_CHECKING:
    from incident_comms.approvals.requests import ApprovalRequests

NOW = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)
KEY = b"k" * 64
MARTA = "marta.ibanez@nubeteca.example"  # communications_lead
JORGE = "jorge.salas@nubeteca.example"  # communications_lead
RAMON = "ramon.lozano@nubeteca.example"  # legal
DIEGO = "diego.ferrer@nubeteca.example"  # technical_lead: approves nothing
META = RequestMeta.of("203.0.113.7", "Mozilla/5.0 (Phone)")
FINGERPRINT = "0123456789abcdef"


def incident_and_message(plan: Plan, phase: Phase = Phase.INVESTIGATING) -> tuple[Incident, Message]:
    """The SEV1 API incident and its message for ``phase``, its alarm changed the moment the incident opened."""
    return opened_incident(plan, make_alarm(changed_at=OPENED), phase=phase)


def postmortem(plan: Plan) -> Message:
    """A SEV1 postmortem: the plan says communications_lead AND legal must approve it."""
    message = incident_and_message(plan, Phase.POSTMORTEM)[1]
    assert message.approvers == ["communications_lead", "legal"]
    return message


def claims_for(message: Message, recipient: str, action: ApprovalAction = ApprovalAction.APPROVE) -> TokenClaims:
    return TokenClaims(
        incident_id=message.incident_id,
        message_id=message.id,
        message_version=message.version,
        recipient=recipient,
        action=action,
        expires_at=NOW + timedelta(hours=24),
    )


APPROVE = {"decision": ["approve"], "confirm": ["yes"]}
OVERRIDE = "El análisis de la causa raíz se añade en la versión siguiente."
APPROVE_ANYWAY = {**APPROVE, "reason": [OVERRIDE]}
"""An approval with a reason: the postmortem drafted without its facts has errors (postmortem-complete)."""


def decided(plan: Plan, message: Message, recipient: str, form: dict[str, list[str]] | None = None) -> Any:
    action = ApprovalAction((form or APPROVE)["decision"][0])
    claims = claims_for(message, recipient, action)
    parsed = parse_form(form or APPROVE, action, message)
    return compute_decision(plan, message, claims, parsed, META, FINGERPRINT, NOW, severity="SEV1")


def plan_where_marta_is_also_legal(plan: Plan) -> Plan:
    roles = [
        role.model_copy(update={"people": [*role.people, Person(name="Marta Ibáñez", email=MARTA)]})
        if role.id == "legal"
        else role
        for role in plan.roles.roles
    ]
    return plan.model_copy(update={"roles": plan.roles.model_copy(update={"roles": roles})})


# --- approve ------------------------------------------------------------------------------------------------------


def test_the_one_approving_role_approves_and_the_version_is_handed_to_publishing(plan: Plan) -> None:
    _, message = incident_and_message(plan)

    decision = decided(plan, message, MARTA)

    after = decision.after
    assert decision.recorded == Recorded.APPROVED
    assert after.status == MessageStatus.APPROVED and after.decided_at == NOW
    assert after.revision == message.revision + 1 and after.version == message.version
    assert after.approvals == {
        "communications_lead": Approval(
            recipient=MARTA, at=NOW, version=1, source_ip="203.0.113.7", user_agent="Mozilla/5.0 (Phone)"
        )
    }
    assert decision.publication == Publication(
        incident_id=message.incident_id,
        message_id=message.id,
        version=1,
        requested_at=NOW,
        reason=PublicationReason.APPROVED,
    )
    approved, requested = decision.entries
    assert (approved.kind, requested.kind) == (TimelineKind.APPROVED, TimelineKind.PUBLISH_REQUESTED)
    assert MARTA in approved.text and "communications_lead" in approved.text
    assert approved.data["recipient"] == MARTA
    assert approved.data["roles"] == ["communications_lead"]
    assert approved.data["version"] == 1
    assert approved.data["source_ip"] == "203.0.113.7"
    assert approved.data["user_agent"] == "Mozilla/5.0 (Phone)"
    assert approved.data["token_fingerprint"] == FINGERPRINT
    assert approved.data["channels"] == {d.channel_id: {"subject": d.subject, "text": d.text} for d in message.drafts}


def test_with_two_roles_to_approve_the_first_approval_publishes_nothing(plan: Plan) -> None:
    message = postmortem(plan)

    first = decided(plan, message, MARTA, APPROVE_ANYWAY)

    assert first.after.status == MessageStatus.AWAITING_APPROVAL and first.after.decided_at is None
    assert first.after.pending_roles == ["legal"]
    assert first.publication is None
    assert [entry.kind for entry in first.entries] == [TimelineKind.APPROVED]
    assert first.entries[0].data["pending_roles"] == ["legal"]

    second = decided(plan, first.after, RAMON, APPROVE_ANYWAY)

    assert second.after.status == MessageStatus.APPROVED
    assert set(second.after.approvals) == {"communications_lead", "legal"}
    assert second.after.approvals["communications_lead"].recipient == MARTA
    assert second.after.revision == message.revision + 2
    assert second.publication is not None and second.publication.version == 1
    assert [entry.kind for entry in second.entries] == [TimelineKind.APPROVED, TimelineKind.PUBLISH_REQUESTED]


def test_a_person_in_both_roles_approves_as_both_at_once(plan: Plan) -> None:
    both = plan_where_marta_is_also_legal(plan)
    message = postmortem(both)

    decision = decided(both, message, MARTA.upper(), APPROVE_ANYWAY)

    assert set(decision.after.approvals) == {"communications_lead", "legal"}
    assert decision.after.status == MessageStatus.APPROVED
    assert decision.entries[0].data["roles"] == ["communications_lead", "legal"]
    assert decision.publication is not None


def test_the_recipient_address_matches_the_plan_whatever_its_case(plan: Plan) -> None:
    _, message = incident_and_message(plan)

    assert acting_roles(plan, "Marta.Ibanez@Nubeteca.Example", message) == (
        ["communications_lead"],
        ["communications_lead"],
    )


def test_someone_holding_no_approving_role_is_refused(plan: Plan) -> None:
    _, message = incident_and_message(plan)

    with pytest.raises(LinkRefused) as refused:
        decided(plan, message, DIEGO)

    assert refused.value.refusal == Refusal.NOT_APPROVER


def test_a_role_that_already_approved_cannot_approve_again_through_another_person(plan: Plan) -> None:
    first = decided(plan, postmortem(plan), MARTA, APPROVE_ANYWAY)

    with pytest.raises(LinkRefused) as refused:
        decided(plan, first.after, JORGE, APPROVE_ANYWAY)

    assert refused.value.refusal == Refusal.ROLE_APPROVED


# --- edit ---------------------------------------------------------------------------------------------------------


def edit_form(
    message: Message, channel_id: str, text: str, subject: str | None = None, reason: str | None = None
) -> dict[str, list[str]]:
    form = {"decision": ["edit"], "confirm": ["yes"], f"text.{channel_id}": [text]}
    if subject is not None:
        form[f"subject.{channel_id}"] = [subject]
    if reason is not None:
        form["reason"] = [reason]
    return form


def test_an_edit_makes_a_new_version_approved_by_the_editor_and_escaped_where_it_becomes_html(plan: Plan) -> None:
    _, message = incident_and_message(plan)
    hostile = "Todo bien <script>alert('x')</script>\r\n\r\nSegundo párrafo & más"

    decision = decided(
        plan,
        message,
        MARTA,
        edit_form(message, "email-customers-es", hostile, "Asunto <b>nuevo</b>  \t ", reason=OVERRIDE),
    )

    after = decision.after
    assert decision.recorded == Recorded.EDITED
    assert after.version == 2 and after.revision == 1
    assert after.status == MessageStatus.APPROVED
    assert after.approvals["communications_lead"].version == 2
    edited = next(d for d in after.drafts if d.channel_id == "email-customers-es")
    assert edited.text == "Todo bien <script>alert('x')</script>\n\nSegundo párrafo & más"
    assert edited.subject == "Asunto <b>nuevo</b>"
    assert edited.html is not None
    assert "<script" not in edited.html and "<b>" not in edited.html
    assert "&lt;script&gt;" in edited.html and "&lt;b&gt;nuevo&lt;/b&gt;" in edited.html
    untouched = [d for d in after.drafts if d.channel_id != "email-customers-es"]
    assert untouched == [d for d in message.drafts if d.channel_id != "email-customers-es"]
    entry, requested = decision.entries
    assert entry.kind == TimelineKind.EDITED and requested.kind == TimelineKind.PUBLISH_REQUESTED
    assert (entry.data["old_version"], entry.data["new_version"]) == (1, 2)
    assert entry.data["changed_channels"] == ["email-customers-es"]
    assert entry.data["channels"]["email-customers-es"]["text"] == edited.text
    assert decision.publication is not None and decision.publication.version == 2


def test_an_edit_throws_away_the_other_roles_approvals_of_the_old_text(plan: Plan) -> None:
    approved_by_comms = decided(plan, postmortem(plan), MARTA, APPROVE_ANYWAY).after

    decision = decided(
        plan, approved_by_comms, RAMON, edit_form(approved_by_comms, "sms-customers", "Texto nuevo", reason=OVERRIDE)
    )

    after = decision.after
    assert after.version == 2
    assert list(after.approvals) == ["legal"]
    assert after.approvals["legal"].recipient == RAMON
    assert after.pending_roles == ["communications_lead"]
    assert after.status == MessageStatus.AWAITING_APPROVAL
    assert decision.publication is None
    assert [entry.kind for entry in decision.entries] == [TimelineKind.EDITED]


def test_an_edit_that_changes_no_text_is_an_approval_of_the_same_version(plan: Plan) -> None:
    approved_by_comms = decided(plan, postmortem(plan), MARTA, APPROVE_ANYWAY).after
    sms = next(d for d in approved_by_comms.drafts if d.channel_id == "sms-customers")

    decision = decided(
        plan,
        approved_by_comms,
        RAMON,
        edit_form(approved_by_comms, "sms-customers", sms.text + "\n", reason=OVERRIDE),
    )

    assert decision.recorded == Recorded.APPROVED
    assert decision.after.version == 1
    assert set(decision.after.approvals) == {"communications_lead", "legal"}
    assert decision.entries[0].data["edit_without_changes"] is True


# --- reject -------------------------------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason(plan: Plan) -> None:
    _, message = incident_and_message(plan)

    for reason in (None, "", "   \r\n  "):
        form = {"decision": ["reject"], "confirm": ["yes"], **({"reason": [reason]} if reason is not None else {})}
        with pytest.raises(BadForm) as bad:
            parse_form(form, ApprovalAction.REJECT, message)
        assert bad.value.problem == FormProblem.REASON_MISSING


def test_a_rejection_records_who_and_why_and_publishes_nothing(plan: Plan) -> None:
    _, message = incident_and_message(plan)

    decision = decided(
        plan, message, MARTA, {"decision": ["reject"], "confirm": ["yes"], "reason": ["  No culpes\r\nal proveedor "]}
    )

    after = decision.after
    assert decision.recorded == Recorded.REJECTED
    assert after.status == MessageStatus.REJECTED and after.decided_at == NOW
    assert after.rejection_reason == "No culpes\nal proveedor"
    assert after.approvals == {} and after.version == 1 and after.revision == 1
    assert decision.publication is None
    (entry,) = decision.entries
    assert entry.kind == TimelineKind.REJECTED
    assert entry.data["reason"] == "No culpes\nal proveedor"
    assert entry.data["recipient"] == MARTA and entry.data["token_fingerprint"] == FINGERPRINT


# --- the form -----------------------------------------------------------------------------------------------------


def posted(decision: str, **fields: str) -> dict[str, list[str]]:
    """A form as a browser posts it: ``text__sms_customers`` stands for ``text.sms-customers``."""
    names = {name: name.replace("__", ".").replace("_", "-") for name in fields}
    return {"decision": [decision], "confirm": ["yes"], **{names[name]: [value] for name, value in fields.items()}}


EDIT, REJECT = ApprovalAction.EDIT, ApprovalAction.REJECT
BAD_FORMS: list[tuple[str, ApprovalAction, dict[str, list[str]], FormProblem]] = [
    ("other decision", ApprovalAction.APPROVE, posted("reject"), FormProblem.DECISION_MISMATCH),
    ("no decision", ApprovalAction.APPROVE, {"confirm": ["yes"]}, FormProblem.DECISION_MISMATCH),
    ("unknown decision", ApprovalAction.APPROVE, posted("yes"), FormProblem.DECISION_MISMATCH),
    ("no confirm", ApprovalAction.APPROVE, {"decision": ["approve"]}, FormProblem.NOT_CONFIRMED),
    ("confirm no", ApprovalAction.APPROVE, {**APPROVE, "confirm": ["no"]}, FormProblem.NOT_CONFIRMED),
    ("repeated", ApprovalAction.APPROVE, {**APPROVE, "confirm": ["yes", "yes"]}, FormProblem.REPEATED_FIELD),
    ("unknown field", ApprovalAction.APPROVE, {**APPROVE, "csrf": ["x"]}, FormProblem.UNKNOWN_FIELD),
    ("certain on approve", ApprovalAction.APPROVE, {**APPROVE, "certain": ["yes"]}, FormProblem.UNKNOWN_FIELD),
    ("certain on reject", REJECT, posted("reject", reason="x", certain="yes"), FormProblem.UNKNOWN_FIELD),
    ("certain not yes", EDIT, posted("edit", certain="on"), FormProblem.UNREADABLE),
    ("text on reject", REJECT, posted("reject", reason="x", text__sms_customers="x"), FormProblem.UNKNOWN_FIELD),
    ("long reason", REJECT, posted("reject", reason="x" * (MAX_REASON_CHARS + 1)), FormProblem.REASON_TOO_LONG),
    ("unknown channel", EDIT, posted("edit", text__fax="x"), FormProblem.UNKNOWN_CHANNEL),
    ("no channel", EDIT, posted("edit", text__=""), FormProblem.UNKNOWN_FIELD),
    ("empty text", EDIT, posted("edit", text__sms_customers=" \n "), FormProblem.TEXT_INVALID),
    ("long text", EDIT, posted("edit", text__sms_customers="x" * (MAX_TEXT_CHARS + 1)), FormProblem.TEXT_INVALID),
    ("two-line subject", EDIT, posted("edit", subject__status_page="a\nBcc: x@y.z"), FormProblem.SUBJECT_INVALID),
    ("long subject", EDIT, posted("edit", subject__status_page="x" * 100), FormProblem.SUBJECT_INVALID),
    ("empty subject", EDIT, posted("edit", subject__status_page=""), FormProblem.SUBJECT_INVALID),
    ("subject for sms", EDIT, posted("edit", subject__sms_customers="x"), FormProblem.NO_SUBJECT_HERE),
]


@pytest.mark.parametrize(("action", "form", "problem"), [case[1:] for case in BAD_FORMS], ids=[c[0] for c in BAD_FORMS])
def test_a_form_the_page_would_not_send_is_a_400_with_its_reason(
    plan: Plan, action: ApprovalAction, form: dict[str, list[str]], problem: FormProblem
) -> None:
    _, message = incident_and_message(plan)

    with pytest.raises(BadForm) as bad:
        parse_form(form, action, message)

    assert bad.value.problem == problem
    assert bad.value.refusal == Refusal.BAD_FORM


def test_the_longest_allowed_texts_pass(plan: Plan) -> None:
    _, message = incident_and_message(plan)
    form = {
        "decision": ["edit"],
        "confirm": ["yes"],
        "text.sms-customers": ["x" * MAX_TEXT_CHARS],
        "subject.status-page": ["y" * 99],
    }

    parsed = parse_form(form, ApprovalAction.EDIT, message)

    assert parsed.texts == {"sms-customers": "x" * MAX_TEXT_CHARS}
    assert parsed.subjects == {"status-page": "y" * 99}


def test_the_user_agent_is_kept_short_and_on_one_line() -> None:
    meta = RequestMeta.of("198.51.100.1", "Agent\r\n" + "x" * 400)

    assert meta.user_agent is not None and len(meta.user_agent) == 300 and "\n" not in meta.user_agent


# --- the HTTP request ---------------------------------------------------------------------------------------------

API_HOST = "abc123.execute-api.eu-west-1.amazonaws.com"


def request(**headers: str) -> HttpRequest:
    return HttpRequest(headers={"host": API_HOST, **headers}, domain_name=API_HOST, raw_path="/approvals/t")


@pytest.mark.parametrize(
    ("headers", "cross_site"),
    [
        ({}, False),
        ({"origin": f"https://{API_HOST}"}, False),
        ({"origin": f"https://{API_HOST.upper()}:443"}, False),
        ({"origin": "null"}, False),
        ({"origin": "null", "sec-fetch-site": "same-origin"}, False),
        ({"origin": "https://evil.example"}, True),
        ({"origin": f"http://{API_HOST}:8443"}, True),
        ({"origin": "null", "sec-fetch-site": "cross-site"}, True),
        ({"origin": f"https://{API_HOST}", "sec-fetch-site": "same-site"}, True),
        ({"origin": "https://[::1"}, True),
    ],
)
def test_a_post_from_another_site_is_told_apart(headers: dict[str, str], cross_site: bool) -> None:
    assert request(**headers).is_cross_site() is cross_site


@pytest.mark.parametrize(
    ("domain", "path", "base"),
    [
        (API_HOST, "/approvals/t", f"https://{API_HOST}"),
        ("approvals.nubeteca.example", "/incidents/approvals/t", "https://approvals.nubeteca.example/incidents"),
        ("127.0.0.1:8377", "/approvals/t", "http://127.0.0.1:8377"),
        ("localhost:8377", "/approvals/t", "http://localhost:8377"),
    ],
)
def test_links_sent_after_an_edit_point_where_this_request_arrived(domain: str, path: str, base: str) -> None:
    assert HttpRequest(headers={"host": domain}, domain_name=domain, raw_path=path).base_url == base


def test_the_form_body_is_read_plain_or_base64_and_refused_when_too_large_or_not_a_form() -> None:
    form_type = {"content-type": "application/x-www-form-urlencoded; charset=UTF-8"}
    plain = HttpRequest(headers=form_type, body="decision=approve&confirm=yes&reason=")
    encoded = HttpRequest(headers=form_type, body="ZGVjaXNpb249YXBwcm92ZSZjb25maXJtPXllcw==", is_base64_encoded=True)

    assert plain.form() == {"decision": ["approve"], "confirm": ["yes"], "reason": [""]}
    assert encoded.form() == {"decision": ["approve"], "confirm": ["yes"]}
    refusals = {
        "large": HttpRequest(headers=form_type, body="a=" + "x" * MAX_FORM_BYTES),
        "json": HttpRequest(headers={"content-type": "application/json"}, body='{"decision": "approve"}'),
        "not base64": HttpRequest(headers=form_type, body="%%%", is_base64_encoded=True),
        "not utf-8": HttpRequest(headers=form_type, body="reason=%FF"),
        "too many fields": HttpRequest(headers=form_type, body="&".join(f"f{i}=1" for i in range(201))),
    }
    found = {}
    for name, posted in refusals.items():
        with pytest.raises(LinkRefused) as refused:
            posted.form()
        found[name] = (refused.value.refusal, refused.value.problem)
    assert found == {
        "large": (Refusal.TOO_LARGE, None),
        "json": (Refusal.BAD_FORM, FormProblem.ENCODING),
        "not base64": (Refusal.BAD_FORM, FormProblem.UNREADABLE),
        "not utf-8": (Refusal.BAD_FORM, FormProblem.UNREADABLE),
        "too many fields": (Refusal.BAD_FORM, FormProblem.UNREADABLE),
    }


# --- the use cases over an in-memory store ---------------------------------------------------------------------------


@dataclass
class MemoryStore:
    """Just what review and decide call, with every write recorded; ``interfere`` runs before the first save."""

    incident: Incident
    message: Message
    used: set[str] = field(default_factory=set)
    writes: list[str] = field(default_factory=list)
    entries: list[TimelineEntry] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    interfere: Any = None
    published_meanwhile: Incident | None = None
    """The incident as a newer publication left it, swapped in just before the first save (a race)."""

    def get_incident(self, incident_id: str) -> Incident | None:
        return self.incident if incident_id == self.incident.id else None

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        found = incident_id == self.message.incident_id and message_id == self.message.id
        return self.message if found else None

    def token_used(self, fingerprint: str) -> bool:
        return fingerprint in self.used

    def save_decision(
        self,
        before: Message,
        after: Message,
        token_fingerprint: str,
        token_expires_at: datetime,
        entries: list[TimelineEntry],
        publication: Publication | None,
    ) -> DecisionSaved:
        if self.interfere is not None:
            self.message, self.interfere = self.interfere(self.message), None
        if self.published_meanwhile is not None:
            self.incident, self.published_meanwhile = self.published_meanwhile, None
        if token_fingerprint in self.used:
            return DecisionSaved.TOKEN_USED
        if before.revision != self.message.revision:
            return DecisionSaved.MESSAGE_CHANGED
        if publication is not None and outdated(self.incident, after):
            return DecisionSaved.OUTDATED
        self.writes.append("decision")
        self.used.add(token_fingerprint)
        self.message = after
        self.entries.extend(entries)
        self.publications.extend([publication] if publication else [])
        return DecisionSaved.SAVED

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        self.writes.append("entry")
        self.entries.append(entry)

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        return list(self.entries)

    def deliveries(self, incident_id: str) -> list[Delivery]:
        return []

    def promise_ledger(self, incident_id: str) -> PromiseLedger:
        """What the postmortem's conformance report reads: nothing published, nothing promised."""
        return PromiseLedger(incident_id=incident_id)


def as_store(memory: MemoryStore) -> IncidentStore:
    return cast(IncidentStore, memory)


def test_the_review_page_shows_one_form_for_the_links_action_and_writes_nothing(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    store = MemoryStore(incident, message)
    claims = claims_for(message, MARTA, ApprovalAction.REJECT)
    token = issue_token(claims, KEY)

    page = review(token, plan, as_store(store), KEY, NOW)

    assert page.status == 200 and page.refusal is None
    assert store.writes == []
    assert page.token_fingerprint == token_fingerprint(token)
    html = page.html
    assert "<script" not in html.lower()
    assert html.count("<form") == 1 and html.count('method="post"') == 1  # the decision (moves are the console's)
    assert f'action="{quote(token, safe="")}"' in html
    assert '<input type="hidden" name="decision" value="reject">' in html
    assert re.search(r'<textarea id="reason" name="reason"[^>]*required', html)
    assert '<button type="submit" name="confirm" value="yes" class="danger">Rechazar</button>' in html
    assert incident.id in html and "API pública" in html
    assert all(unescape(draft.text) in unescape(html) for draft in message.drafts)
    siblings = [unquote(href) for href in re.findall(r'<a href="([^"/]+)">', html)]  # the console link has a path
    assert [verify_token(sibling, KEY, NOW).action for sibling in siblings] == [
        ApprovalAction.APPROVE,
        ApprovalAction.EDIT,
    ]
    assert {verify_token(sibling, KEY, NOW).expires_at for sibling in siblings} == {claims.expires_at}


def test_alarm_text_on_the_page_is_escaped(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    (alarm_id,) = incident.alarms
    hostile = incident.alarms[alarm_id].model_copy(update={"name": "<script>alert(1)</script>"})
    incident = incident.model_copy(update={"alarms": {alarm_id: hostile}})

    page = review(
        issue_token(claims_for(message, MARTA), KEY), plan, as_store(MemoryStore(incident, message)), KEY, NOW
    )

    assert "<script" not in page.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html


@pytest.mark.parametrize(
    ("change", "refusal", "status"),
    [
        ("forged", Refusal.INVALID, 404),
        ("unknown message", Refusal.INVALID, 404),
        ("expired", Refusal.EXPIRED, 410),
        ("used", Refusal.USED, 409),
        ("edited since", Refusal.SUPERSEDED, 409),
        ("decided", Refusal.DECIDED, 409),
        ("rejected", Refusal.REJECTED, 409),
        ("replaced by a newer draft", Refusal.REPLACED, 409),
        ("older than one published", Refusal.OUTDATED, 409),
        ("not an approver", Refusal.NOT_APPROVER, 403),
    ],
)
def test_a_link_that_cannot_act_gets_a_page_that_says_nothing_about_the_incident(
    plan: Plan, change: str, refusal: Refusal, status: int
) -> None:
    incident, message = incident_and_message(plan)
    store = MemoryStore(incident, message)
    claims, key, now = claims_for(message, DIEGO if change == "not an approver" else MARTA), KEY, NOW
    if change == "forged":
        key = b"o" * 64
    elif change == "unknown message":
        claims = claims.model_copy(update={"message_id": "investigating-00000000"})
    elif change == "expired":
        now = claims.expires_at
    elif change == "used":
        store.used.add(token_fingerprint(issue_token(claims, KEY)))
    elif change == "edited since":
        store.message = message.model_copy(update={"version": 2})
    elif change == "decided":
        store.message = message.model_copy(update={"status": MessageStatus.APPROVED})
    elif change == "rejected":
        store.message = message.model_copy(update={"status": MessageStatus.REJECTED})
    elif change == "replaced by a newer draft":
        store.message = message.model_copy(
            update={"status": MessageStatus.SUPERSEDED, "superseded_by": "identified-00000002", "revision": 1}
        )
    elif change == "older than one published":
        store.incident = incident.model_copy(
            update={"published_sequence": message.sequence + 1, "published_message_id": "identified-00000002"}
        )
    token = issue_token(claims, key)

    for answer in (
        review(token, plan, as_store(store), KEY, now),
        decide(token, APPROVE, META, plan, as_store(store), KEY, now),
    ):
        assert (answer.status, answer.refusal) == (status, refusal)
        assert incident.id not in answer.html and message.id not in answer.html
        assert "API" not in answer.html and "SEV1" not in answer.html
    assert store.writes == [] and store.publications == []


def test_a_decision_is_recomputed_when_another_role_approved_first(plan: Plan) -> None:
    incident, message = incident_and_message(plan, Phase.POSTMORTEM)
    legal = Approval(recipient=RAMON, at=NOW, version=1)
    store = MemoryStore(
        incident,
        message,
        interfere=lambda stored: stored.model_copy(
            update={"approvals": {"legal": legal}, "revision": stored.revision + 1}
        ),
    )

    outcome = decide(
        issue_token(claims_for(message, MARTA), KEY), APPROVE_ANYWAY, META, plan, as_store(store), KEY, NOW
    )

    assert (outcome.status, outcome.recorded) == (200, Recorded.APPROVED)
    assert outcome.publication_requested and outcome.pending_roles == []
    assert store.message.status == MessageStatus.APPROVED and store.message.revision == 2
    assert store.message.approvals["legal"] == legal
    assert len(store.publications) == 1


@pytest.mark.parametrize("locale", ["es", "en"])
def test_every_refusal_has_its_words_and_only_the_dead_drafts_link_to_a_console(plan: Plan, locale: str) -> None:
    locales = [locale, *(other for other in plan.definition.locales if other != locale)]
    team = plan.model_copy(update={"definition": plan.definition.model_copy(update={"locales": locales})})
    console = "https://incidents.nubeteca.example/console/abc"

    pages = {refusal: refusal_page(team, refusal, console_url=console) for refusal in Refusal}

    assert all(page.status >= 400 and "<h1>" in page.html for page in pages.values())
    assert {refusal for refusal, page in pages.items() if console in page.html} == {
        Refusal.REPLACED,
        Refusal.OUTDATED,
        Refusal.REJECTED,
    }
    assert console not in refusal_page(team, Refusal.REPLACED).html


def test_a_newer_message_published_while_deciding_refuses_the_decision_and_saves_nothing(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    newer = incident.model_copy(update={"published_sequence": 2, "published_message_id": "identified-00000002"})
    store = MemoryStore(incident, message, published_meanwhile=newer)
    token = issue_token(claims_for(message, MARTA), KEY)

    outcome = decide(token, APPROVE, META, plan, as_store(store), KEY, NOW)

    assert (outcome.status, outcome.refusal, outcome.recorded) == (409, Refusal.OUTDATED, None)
    assert "Ya se ha publicado un mensaje más reciente" in unescape(outcome.html)
    assert incident.id not in outcome.html and message.id not in outcome.html
    assert store.writes == [] and store.publications == [] and store.message == message
    assert token_fingerprint(token) not in store.used


def legal_edits_a_postmortem(plan: Plan, approvals: ApprovalRequests) -> tuple[MemoryStore, Outcome]:
    """Legal edits the SMS of a stored SEV1 postmortem: a new version, still awaiting the communications lead,
    who ``approvals`` asks again."""
    incident, message = incident_and_message(plan, Phase.POSTMORTEM)
    store = MemoryStore(incident, message)
    form = edit_form(message, "sms-customers", "Texto revisado por legal", reason=OVERRIDE)
    link = issue_token(claims_for(message, RAMON, ApprovalAction.EDIT), KEY)
    return store, decide(link, form, META, plan, as_store(store), KEY, NOW, approvals)


def test_an_edit_that_leaves_roles_to_approve_asks_them_again_with_new_links(plan: Plan) -> None:
    from incident_comms.approvals.requests import ApprovalRequests

    sender = RecordingSender()
    approvals = ApprovalRequests(sender, token_key=lambda: KEY, base_url="https://approvals.example")

    store, outcome = legal_edits_a_postmortem(plan, approvals)

    assert (outcome.status, outcome.recorded, outcome.version) == (200, Recorded.EDITED, 2)
    assert outcome.pending_roles == ["communications_lead"]
    assert sorted(address for email in sender.sent for address in email.to) == sorted([MARTA, JORGE])
    new_links = re.findall(r"https://approvals\.example/approvals/([A-Za-z0-9_.-]+)", sender.sent[0].text)
    assert new_links and {verify_token(link, KEY, NOW).message_version for link in new_links} == {2}
    assert [entry.kind for entry in store.entries] == [TimelineKind.EDITED, TimelineKind.APPROVAL_REQUESTED]
    assert "Falta la aprobación de: Responsable de comunicación" in outcome.html


def test_a_failed_new_approval_request_is_on_the_timeline_and_the_page_says_so(plan: Plan) -> None:
    from incident_comms.approvals.requests import ApprovalRequests
    from incident_comms.team.emails import Email

    class RefusingSender:
        def send(self, email: Email) -> str:
            raise RuntimeError("MessageRejected: address not verified")

    approvals = ApprovalRequests(RefusingSender(), token_key=lambda: KEY)

    store, outcome = legal_edits_a_postmortem(plan, approvals)

    assert outcome.status == 200 and outcome.recorded == Recorded.EDITED
    assert outcome.notification_failures and "MessageRejected" in outcome.notification_failures[0]
    assert [entry.kind for entry in store.entries][-2:] == [
        TimelineKind.NOTIFICATION_FAILED,
        TimelineKind.NOTIFICATION_FAILED,
    ]
    assert "no se les ha podido enviar" in outcome.html


# --- draft checks where the decision is made ------------------------------------------------------------------


BLAME_SMS = "La culpa es del proveedor <script>alert('x')</script>. Estara resuelto en 10 minutos."  # GSM-7: 1 part


def with_sms_text(plan: Plan, message: Message, text: str) -> Message:
    """``message`` with the SMS channel's draft replaced by ``text`` (as an edit would rebuild it)."""
    from incident_comms.drafting.render import draft_from_text

    channel = next(c for c in plan.channels.channels if c.id == "sms-customers")
    drafts = [draft_from_text(plan, channel, None, text) if d.channel_id == channel.id else d for d in message.drafts]
    return message.model_copy(update={"drafts": drafts})


def page_of(plan: Plan, incident: Incident, message: Message, action: ApprovalAction = ApprovalAction.APPROVE) -> str:
    token = issue_token(claims_for(message, MARTA, action), KEY)
    page = review(token, plan, as_store(MemoryStore(incident, message)), KEY, NOW)
    assert page.status == 200, page.html
    return page.html


def test_the_page_marks_each_finding_in_the_text_and_escapes_hostile_draft_text(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    html = page_of(plan, incident, with_sms_text(plan, message, BLAME_SMS))

    summary = re.search(r'<p class="problem" id="checks-summary"><strong>([^<]*)</strong>', html)
    assert summary is not None and summary.group(1) == "Revisión del borrador: 5 errores, 1 aviso"
    assert html.index('id="checks-summary"') < html.index("<table")
    sms = html[html.index("(sms-customers") : html.index("(status-page")]
    assert '<mark class="error" data-findings="f4-1" title="no-blame">La culpa</mark><sup>[1]</sup>' in sms
    assert 'title="no-unsure-commitment">Estara resuelto en 10 minutos</mark>' in sms
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in sms and "<script" not in html
    # whole-text findings (something missing) are listed above the text, with level, check, message and values
    whole = sms[sms.index("Sobre el texto entero") : sms.index("<pre>")]
    assert (
        '<li id="f4-5" value="5" class="error"><span class="level">error</span> <code>next-update-promised</code>'
        in whole
    )
    assert "Valores del plan: Puntualidad" in whole
    assert sms.index("Sobre el texto entero") < sms.index("<pre>")
    # the approve form asks for a reason because of the errors, naming the failing checks
    reason = FormReaderLike(html)
    assert reason.required_reason
    assert "no-blame, data-loss-stated, impact-stated, next-update-promised, no-unsure-commitment" in html


class FormReaderLike:
    """Only what these tests read of the decision form: whether it requires a reason."""

    def __init__(self, html: str) -> None:
        form = html[html.index('<form method="post"') : html.index("</form>")]
        self.required_reason = re.search(r'<textarea id="reason" name="reason"[^>]* required>', form) is not None


def test_a_clean_draft_says_no_problems_and_asks_for_no_reason(plan: Plan) -> None:
    incident, message = incident_and_message(plan)

    html = page_of(plan, incident, message)

    assert "<strong>Revisión del borrador: No se han encontrado problemas</strong>" in html
    assert html.count('<p class="muted">No se han encontrado problemas</p>') == len(message.drafts)
    assert "<mark" not in html and 'name="reason"' not in html
    assert not FormReaderLike(html).required_reason


def test_approving_a_draft_with_errors_needs_a_reason_of_ten_characters(plan: Plan) -> None:
    _, message = incident_and_message(plan)
    blamed = with_sms_text(plan, message, BLAME_SMS)

    for reason in (None, "", "  corto   \n"):
        form = {**APPROVE, **({"reason": [reason]} if reason is not None else {})}
        with pytest.raises(BadForm) as bad:
            decided(plan, blamed, MARTA, form)
        assert bad.value.problem == FormProblem.ERRORS_NEED_REASON
        assert bad.value.checks == (
            "no-blame",
            "data-loss-stated",
            "impact-stated",
            "next-update-promised",
            "no-unsure-commitment",
        )


def test_an_approval_with_errors_records_the_reason_and_the_failing_checks(plan: Plan) -> None:
    _, message = incident_and_message(plan)
    blamed = with_sms_text(plan, message, BLAME_SMS)

    decision = decided(plan, blamed, MARTA, {**APPROVE, "reason": ["  El SMS sale ya; el correo lo corrige.  "]})

    approval = decision.after.approvals["communications_lead"]
    assert approval.reason == "El SMS sale ya; el correo lo corrige."
    assert approval.error_checks[0] == "no-blame" and "no-unsure-commitment" in approval.error_checks
    entry = decision.entries[0]
    assert entry.kind == TimelineKind.APPROVED
    assert entry.data["reason"] == "El SMS sale ya; el correo lo corrige."
    assert entry.data["error_checks"] == approval.error_checks
    assert "approved despite errors (no-blame," in entry.text and "el correo lo corrige" in entry.text


def test_a_clean_approval_records_no_errors(plan: Plan) -> None:
    _, message = incident_and_message(plan)

    decision = decided(plan, message, MARTA)

    assert decision.after.approvals["communications_lead"].error_checks == []
    assert decision.entries[0].data["error_checks"] == [] and decision.entries[0].data["reason"] is None


def test_without_a_reason_the_post_is_a_400_naming_the_checks_and_nothing_is_saved(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    store = MemoryStore(incident, with_sms_text(plan, message, BLAME_SMS))
    token = issue_token(claims_for(message, MARTA), KEY)

    outcome = decide(token, APPROVE, META, plan, as_store(store), KEY, NOW)

    assert (outcome.status, outcome.refusal, outcome.problem) == (400, Refusal.BAD_FORM, FormProblem.ERRORS_NEED_REASON)
    assert "El borrador tiene errores (no-blame, data-loss-stated" in unescape(outcome.html)
    assert store.writes == [] and store.used == set() and store.publications == []
    again = decide(token, {**APPROVE, "reason": [OVERRIDE]}, META, plan, as_store(store), KEY, NOW)
    assert (again.status, again.recorded) == (200, Recorded.APPROVED)


def test_an_edit_is_checked_as_edited_and_certain_silences_the_unsure_commitment(plan: Plan) -> None:
    _, message = incident_and_message(plan)
    email = next(d for d in message.drafts if d.channel_id == "email-customers-es")
    promising = email.text + "\n\nQuedará resuelto a las 12:00."

    with pytest.raises(BadForm) as bad:
        decided(plan, message, MARTA, edit_form(message, "email-customers-es", promising))
    assert bad.value.checks == ("no-unsure-commitment",)

    vouched = {**edit_form(message, "email-customers-es", promising), "certain": ["yes"]}
    decision = decided(plan, message, MARTA, vouched)

    assert decision.recorded == Recorded.EDITED and decision.after.version == 2
    assert decision.after.certain is True
    entry = decision.entries[0]
    assert entry.data["certain"] is True and entry.data["error_checks"] == []
    assert "marked certain" in entry.text


def test_the_edit_page_shows_the_findings_and_offers_certain_and_a_reason(plan: Plan) -> None:
    incident, message = incident_and_message(plan)

    html = page_of(plan, incident, with_sms_text(plan, message, BLAME_SMS), ApprovalAction.EDIT)

    sms = html[html.index('name="text.sms-customers"') - 2000 : html.index('name="text.sms-customers"')]
    assert "<code>no-blame</code>" in sms and "<q>" not in sms.split("no-blame")[1][:5]
    assert '<input type="checkbox" name="certain" value="yes">' in html
    assert '<textarea id="reason" name="reason" rows="3" maxlength="2000"></textarea>' in html


def test_the_page_shows_each_sms_drafts_parts_and_cost(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    html = page_of(plan, incident, with_sms_text(plan, message, "Nubeteca: pagos con tarjeta fallan. " + "x" * 130))

    sms = html[html.index("(sms-customers") : html.index("(status-page")]
    assert '<p class="muted sms-parts">SMS: 2 parte(s) facturada(s), GSM-7, 166 caracteres (el canal admite 1)' in sms
    assert "coste: 0.1490 USD por destinatario" in sms
    status = html[html.index("(status-page") :]
    assert 'class="muted sms-parts"' not in status[: status.index('<div class="draft">')]


def test_the_page_shows_the_drafted_sms_as_one_gsm7_part_at_one_parts_price(plan: Plan) -> None:
    """The sample templates' own text is GSM-7, so the drafted SMS is billed as one part, not three."""
    incident, message = incident_and_message(plan)
    [draft] = [d for d in message.drafts if d.channel_id == "sms-customers"]
    length = sms_encoding(draft.text).length

    sms = page_of(plan, incident, message)
    sms = sms[sms.index("(sms-customers") : sms.index("(status-page")]
    assert (
        f'<p class="muted sms-parts">SMS: 1 parte(s) facturada(s), GSM-7, {length} caracteres (el canal admite 1)'
        " · coste: 0.0745 USD por destinatario</p>"
    ) in sms


def test_the_page_shows_the_promise_and_that_it_moves_if_it_has_passed_by_publication(plan: Plan) -> None:
    incident, message = incident_and_message(plan)
    assert message.promise is not None

    html = page_of(plan, incident, message)

    rule = html[html.index('id="promise-rule">') : html.index("</td>", html.index('id="promise-rule">'))]
    due = f"{message.promise.due_at.astimezone(ZoneInfo('Europe/Madrid')):%H:%M}"
    assert due in rule
    assert "faltan menos de 10 min" in rule and "30 min después" in rule and "el texto sale con la nueva hora" in rule


def test_a_message_that_promises_nothing_shows_no_promise_rule(plan: Plan) -> None:
    incident, message = incident_and_message(plan)

    html = page_of(plan, incident, message.model_copy(update={"promise": None}))

    assert 'id="promise-rule"' not in html
