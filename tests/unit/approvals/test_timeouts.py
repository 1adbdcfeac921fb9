"""The approval timeout: the plan's holding text, built for every channel, published once, approvers told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest

from incident_comms.approvals.holding import holding_message, holding_published_email
from incident_comms.approvals.timeout import TimeoutResult, approval_timed_out, parse_timeout_event
from incident_comms.drafting.render import ChannelDraft
from incident_comms.errors import PlanError
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.store import IncidentStore
from incident_comms.lint.channel_fit import sms_encoding
from incident_comms.plan.models import HoldingText, LocalizedText, Phase, Plan
from incident_comms.team.emails import SUBJECT_MAX, Email, approver_addresses
from tests.factories import OPENED, make_alarm, opened_incident

FIRED = OPENED + timedelta(minutes=10)
HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


def with_holding(plan: Plan, text: LocalizedText) -> Plan:
    """The repo's plan with another investigating holding text."""
    phases = dict(plan.phases.phases)
    phases[Phase.INVESTIGATING] = phases[Phase.INVESTIGATING].model_copy(update={"holding": HoldingText(text=text)})
    return plan.model_copy(update={"phases": plan.phases.model_copy(update={"phases": phases})})


def with_main_locale(plan: Plan, locale: str) -> Plan:
    locales = [locale, *(other for other in plan.definition.locales if other != locale)]
    return plan.model_copy(update={"definition": plan.definition.model_copy(update={"locales": locales})})


def holding_text_of(plan: Plan, phase: Phase = Phase.INVESTIGATING) -> HoldingText:
    holding = plan.phases.phases[phase].holding
    assert holding is not None
    return holding


def holding_for(plan: Plan) -> tuple[Incident, Message, Message]:
    incident, waiting = opened_incident(plan)
    return incident, waiting, holding_message(plan, incident, waiting, holding_text_of(plan), FIRED)


def timeout_event(incident: Incident, message: Message) -> dict[str, Any]:
    return {"kind": "approval_timeout", "incident_id": incident.id, "message_id": message.id}


class FakeStore:
    """The part of the store the timeout uses, with the same only-while-awaiting, only-once rule."""

    def __init__(self, incident: Incident, *messages: Message) -> None:
        self.incident = incident
        self.messages = {message.id: message for message in messages}
        self.entries: list[TimelineEntry] = []
        self.publications: list[Publication] = []
        self.writes = 0

    def get_incident(self, incident_id: str) -> Incident | None:
        return self.incident if incident_id == self.incident.id else None

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        return self.messages.get(message_id) if incident_id == self.incident.id else None

    def save_holding(
        self, waiting: Message, holding: Message, entries: list[TimelineEntry], publication: Publication
    ) -> bool:
        stored = self.messages.get(waiting.id)
        if stored is None or stored.status != MessageStatus.AWAITING_APPROVAL or holding.id in self.messages:
            return False
        self.writes += 1
        self.messages[holding.id] = holding
        self.entries.extend(entries)
        self.publications.append(publication)
        return True

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        self.writes += 1
        self.entries.append(entry)

    def as_store(self) -> IncidentStore:
        return cast(IncidentStore, self)


class FakeSender:
    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.sent: list[Email] = []
        self.refuse = refuse

    def send(self, email: Email) -> str:
        if email.to[0] in self.refuse:
            raise RuntimeError(f"MessageRejected: {email.to[0]} is not verified")
        self.sent.append(email)
        return f"id-{len(self.sent)}"


# --- the holding message -------------------------------------------------------------------


def test_holding_message_covers_every_channel_of_the_waiting_sev1_draft_already_approved(plan: Plan) -> None:
    incident, waiting, holding = holding_for(plan)

    assert [draft.channel_id for draft in holding.drafts] == [draft.channel_id for draft in waiting.drafts]
    assert {draft.channel_id for draft in holding.drafts} == {channel.id for channel in plan.channels_for("SEV1")}
    assert holding.id == f"{waiting.id}-holding"
    assert (holding.incident_id, holding.phase) == (incident.id, Phase.INVESTIGATING)
    assert holding.holding and holding.replaces == waiting.id
    assert holding.status == MessageStatus.APPROVED and holding.approvers == [] and holding.pending_roles == []
    assert holding.decided_at == FIRED and holding.created_at == FIRED
    assert holding.version == 1


def test_each_channel_gets_the_holding_text_of_its_own_locale_with_the_promised_time_and_where_to_ask(
    plan: Plan,
) -> None:
    _, waiting, holding = holding_for(plan)

    by_channel = {draft.channel_id: draft for draft in holding.drafts}
    english, spanish = by_channel["email-customers-en"], by_channel["email-customers-es"]
    assert english.locale == "en"
    assert english.text.startswith("We are investigating a problem with the public API")
    assert spanish.text.startswith("Estamos investigando un problema en la API pública")
    # the waiting draft promised 10:45 UTC (11:45 in Madrid); the holding text keeps that word and carries it
    assert waiting.promise is not None and holding.promise == waiting.promise
    assert "Next update: 11:45 CET (10:45 UTC)" in english.text and "Próxima actualización: 11:45 CET" in spanish.text
    # each reader is told where to ask in a language they read
    assert "support@nubeteca.example" in english.text and "soporte@nubeteca.example" in spanish.text
    for draft in holding.drafts:  # each in its audience's time zone
        due = "04:45 CST" if draft.channel_id == "email-customers-latam" else "11:45 CET"
        assert due in draft.text, draft.channel_id


def test_sms_channels_get_the_short_variant_in_one_gsm7_message(plan: Plan) -> None:
    _, _, holding = holding_for(plan)

    sms = [draft for draft in holding.drafts if draft.format == "sms"]
    assert {draft.channel_id for draft in sms} == {"sms-customers", "social-media"}
    for draft in sms:
        encoding = sms_encoding(draft.text)
        assert (encoding.encoding, encoding.parts) == ("GSM-7", 1), draft.text
        assert draft.text.startswith("Nubeteca: ") and "Nuevo aviso: 11:45 CET" in draft.text
        assert "Pérdida de datos: por confirmar." in draft.text, "GSM-7 has é: the text keeps its accents"


def test_a_promise_already_past_is_made_anew_from_the_firing(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    assert waiting.promise is not None
    late = waiting.promise.due_at + timedelta(minutes=5)

    holding = holding_message(plan, incident, waiting, holding_text_of(plan), late)

    assert holding.promise is not None and holding.promise.due_at == late + timedelta(minutes=30)
    assert all(
        ("05:20 CST" if draft.channel_id == "email-customers-latam" else "12:20 CET") in draft.text
        for draft in holding.drafts
    )


def test_a_holding_text_sees_no_cause_or_fix_time(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    guessing = with_holding(plan, {"es": "Causa: {{ cause }}", "en": "Fixed by {{ actions_planned }}"})

    with pytest.raises(PlanError) as failed:
        holding_message(guessing, incident, waiting, holding_text_of(guessing), FIRED)

    assert failed.value.problems[0].startswith("templates/phases.yaml: phases.investigating.holding.text.")
    assert "undefined" in failed.value.problems[0]


def test_subjects_are_the_plans_own_for_the_phase_and_only_formats_with_one_get_them(plan: Plan) -> None:
    _, _, holding = holding_for(plan)

    by_channel = {draft.channel_id: draft for draft in holding.drafts}
    assert by_channel["email-customers-es"].subject == "[Nubeteca] Errores en la API pública — Investigando"
    assert by_channel["email-customers-en"].subject == "[Nubeteca] Errors in the public API — Investigating"
    assert by_channel["status-page"].subject == "Investigando un problema en la API pública"
    assert by_channel["sms-customers"].subject is None and by_channel["chat-incidents"].subject is None
    for draft in holding.drafts:
        assert (draft.html is not None) == (draft.format in {"email", "status_page"}), draft.channel_id


def test_an_unapproved_edit_of_the_waiting_subject_is_not_published(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    edited = waiting.model_copy(
        update={
            "version": 2,
            "drafts": [
                draft.model_copy(update={"subject": "Root cause: the DBA dropped prod"}) for draft in waiting.drafts
            ],
        }
    )
    holding = holding_message(plan, incident, edited, holding_text_of(plan), FIRED)

    assert all("DBA" not in (draft.subject or "") for draft in holding.drafts)


def test_html_significant_holding_text_is_escaped_in_every_html_draft(plan: Plan) -> None:
    hostile_plan = with_holding(plan, {"es": f"Texto {HOSTILE}", "en": f"Text {HOSTILE}"})

    _, _, holding = holding_for(hostile_plan)

    html_drafts: list[ChannelDraft] = [draft for draft in holding.drafts if draft.html is not None]
    assert html_drafts
    for draft in html_drafts:
        assert draft.html is not None
        assert "<script>" not in draft.html and "<b>bold</b>" not in draft.html
        assert "&lt;script&gt;" in draft.html and "&amp;" in draft.html
        assert HOSTILE in draft.text


# --- the email to the approvers ------------------------------------------------------------


def test_email_subject_names_severity_phase_component_and_what_happened(plan: Plan) -> None:
    incident, waiting, holding = holding_for(plan)

    email = holding_published_email(plan, incident, waiting, holding, timedelta(minutes=10), FIRED, "a@b.example")

    assert email.subject == "[SEV1][Investigando] API pública — publicado el texto de espera"
    assert len(email.subject) < 100
    assert email.to == ["a@b.example"]
    assert email.headers["X-Incident-Id"] == incident.id


def test_email_shows_what_was_published_and_that_the_draft_still_waits(plan: Plan) -> None:
    incident, waiting, holding = holding_for(plan)

    email = holding_published_email(plan, incident, waiting, holding, timedelta(minutes=10), FIRED, "a@b.example")

    by_channel = {draft.channel_id: draft for draft in holding.drafts}
    assert by_channel["email-customers-es"].text in email.text
    assert by_channel["email-customers-en"].text in email.text
    assert "How this affects you: Integrations that use the Nubeteca API" in email.html
    for body in (email.text, email.html):
        assert "sigue pendiente de aprobación" in body
        assert "10 min" in body and waiting.id in body and incident.id in body
    for draft in holding.drafts:
        assert draft.channel_id in email.text


def test_email_is_in_english_when_that_is_the_plans_main_locale(plan: Plan) -> None:
    english = with_main_locale(plan, "en")
    incident, waiting, holding = holding_for(english)

    email = holding_published_email(english, incident, waiting, holding, timedelta(minutes=10), FIRED, "a@b.example")

    assert email.subject == "[SEV1][Investigating] Public API — holding text published"
    assert "still awaits approval" in email.text


def test_email_escapes_hostile_alarm_names_and_holding_text_in_html(plan: Plan) -> None:
    hostile_plan = with_holding(plan, {"es": f"Texto {HOSTILE}", "en": f"Text {HOSTILE}"})
    incident, waiting = opened_incident(hostile_plan, make_alarm(f"prod-api-{HOSTILE}"))
    holding = holding_message(hostile_plan, incident, waiting, holding_text_of(hostile_plan), FIRED)

    email = holding_published_email(hostile_plan, incident, waiting, holding, timedelta(minutes=10), FIRED, "a@b.c")

    assert "<script>" not in email.html and "<b>bold</b>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert HOSTILE in email.text


def test_a_very_long_component_name_keeps_the_subject_one_short_line(plan: Plan) -> None:
    incident, waiting, holding = holding_for(plan)
    components = [
        component.model_copy(update={"name": "API\r\n" + "x" * 300}) if component.id == "api" else component
        for component in plan.definition.components
    ]
    long_plan = plan.model_copy(update={"definition": plan.definition.model_copy(update={"components": components})})

    email = holding_published_email(long_plan, incident, waiting, holding, timedelta(minutes=10), FIRED, "a@b.c")

    assert len(email.subject) <= SUBJECT_MAX and "\n" not in email.subject
    assert email.subject.endswith("— publicado el texto de espera")


# --- the use case --------------------------------------------------------------------------


def test_firing_publishes_the_holding_text_once_and_tells_every_approver(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    store, sender = FakeStore(incident, waiting), FakeSender()

    outcome = approval_timed_out(timeout_event(incident, waiting), plan, store.as_store(), sender, FIRED)

    assert outcome.result == TimeoutResult.HOLDING_PUBLISHED
    assert outcome.holding_message_id == f"{waiting.id}-holding"
    (publication,) = store.publications
    assert publication.message_id == outcome.holding_message_id and publication.version == 1
    assert publication.reason == PublicationReason.APPROVAL_TIMEOUT and publication.requested_at == FIRED
    assert [entry.kind for entry in store.entries] == [TimelineKind.APPROVAL_TIMED_OUT, TimelineKind.PUBLISH_REQUESTED]
    assert "within 10 min" in store.entries[0].text and waiting.id in store.entries[0].text
    assert store.messages[waiting.id].status == MessageStatus.AWAITING_APPROVAL
    approvers = approver_addresses(plan, waiting.approvers)
    assert [email.to for email in sender.sent] == [[address] for address in approvers]
    assert [item.to for item in outcome.notified] == approvers

    again = approval_timed_out(timeout_event(incident, waiting), plan, store.as_store(), sender, FIRED)

    assert again.result == TimeoutResult.NOTHING_TO_DO
    assert len(store.publications) == 1 and len(sender.sent) == len(approvers)


@pytest.mark.parametrize(
    "change",
    [
        {"status": MessageStatus.APPROVED, "decided_at": FIRED},
        {"status": MessageStatus.REJECTED, "decided_at": FIRED, "rejection_reason": "wrong"},
        {"holding": True, "status": MessageStatus.APPROVED},
        {"status": MessageStatus.SUPERSEDED, "superseded_by": "identified-00000002", "revision": 1},
    ],
    ids=["approved-meanwhile", "rejected-meanwhile", "itself-a-holding-text", "superseded-meanwhile"],
)
def test_a_stale_firing_changes_nothing(plan: Plan, change: dict[str, Any]) -> None:
    incident, waiting = opened_incident(plan)
    store, sender = FakeStore(incident, waiting.model_copy(update=change)), FakeSender()

    outcome = approval_timed_out(timeout_event(incident, waiting), plan, store.as_store(), sender, FIRED)

    assert outcome.result == TimeoutResult.NOTHING_TO_DO and outcome.reason
    assert store.writes == 0 and sender.sent == []


@pytest.mark.parametrize(
    ("published", "published_by"),
    [(2, "identified-00000002"), (1, "investigating-00000001")],
    ids=["a-newer-message", "the-draft-itself"],
)
def test_no_holding_text_once_something_as_new_was_handed_to_publishing(
    plan: Plan, published: int, published_by: str
) -> None:
    incident, waiting = opened_incident(plan)
    waiting = waiting.model_copy(update={"sequence": 1, "id": "investigating-00000001"})
    told = incident.model_copy(update={"published_sequence": published, "published_message_id": published_by})
    store, sender = FakeStore(told, waiting), FakeSender()

    outcome = approval_timed_out(timeout_event(incident, waiting), plan, store.as_store(), sender, FIRED)

    assert outcome.result == TimeoutResult.NOTHING_TO_DO and outcome.reason is not None
    assert f"older than message {published_by}" in outcome.reason
    assert store.writes == 0 and sender.sent == []


def test_a_missing_message_or_a_resolved_incident_changes_nothing(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    resolved = incident.model_copy(update={"status": IncidentStatus.RESOLVED})
    sender = FakeSender()

    missing = FakeStore(incident)
    closed = FakeStore(resolved, waiting)
    for store in (missing, closed):
        outcome = approval_timed_out(timeout_event(incident, waiting), plan, store.as_store(), sender, FIRED)
        assert outcome.result == TimeoutResult.NOTHING_TO_DO
        assert store.writes == 0
    assert sender.sent == []


@pytest.mark.parametrize(
    "event",
    [
        {},
        "approval_timeout",
        ["approval_timeout"],
        {"kind": "prompt", "incident_id": "INC-1", "message_id": "investigating-1"},
        {"kind": "approval_timeout", "incident_id": "INC-1"},
        {"kind": "approval_timeout", "incident_id": "INC-1\r\nX: y", "message_id": "investigating-1"},
        {"kind": "approval_timeout", "incident_id": "", "message_id": "investigating-1"},
    ],
    ids=["empty", "a-string", "a-list", "other-kind", "no-message", "crlf-in-id", "empty-id"],
)
def test_bad_input_is_rejected_with_a_reason_and_changes_nothing(plan: Plan, event: Any) -> None:
    incident, waiting = opened_incident(plan)
    store, sender = FakeStore(incident, waiting), FakeSender()

    outcome = approval_timed_out(event, plan, store.as_store(), sender, FIRED)

    assert outcome.result == TimeoutResult.REJECTED
    assert outcome.reason is not None and outcome.reason.startswith("not an approval_timeout event:")
    assert "\n" not in outcome.reason
    assert store.writes == 0 and sender.sent == []


def test_the_reason_names_the_field_but_never_echoes_its_value(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    event = {"kind": "approval_timeout", "incident_id": "<secret-looking-value>", "message_id": waiting.id}

    outcome = approval_timed_out(event, plan, FakeStore(incident, waiting).as_store(), FakeSender(), FIRED)

    assert outcome.reason is not None and "incident_id" in outcome.reason
    assert "secret-looking-value" not in outcome.reason


def test_unknown_extra_fields_do_not_drop_a_timeout() -> None:
    parsed = parse_timeout_event(
        {"kind": "approval_timeout", "incident_id": "INC-1", "message_id": "investigating-1", "added": 1}
    )

    assert (parsed.incident_id, parsed.message_id) == ("INC-1", "investigating-1")


def test_a_refused_email_is_on_the_timeline_and_the_others_are_still_told(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    first, *others = approver_addresses(plan, waiting.approvers)
    store, sender = FakeStore(incident, waiting), FakeSender(refuse=frozenset({first}))

    outcome = approval_timed_out(timeout_event(incident, waiting), plan, store.as_store(), sender, FIRED)

    assert outcome.result == TimeoutResult.HOLDING_PUBLISHED
    assert [email.to[0] for email in sender.sent] == others
    failed = [entry for entry in store.entries if entry.kind == TimelineKind.NOTIFICATION_FAILED]
    assert len(failed) == 1
    assert failed[0].data["to"] == first and "MessageRejected" in failed[0].data["reason"]
    assert outcome.notification_errors == [f"{first}: {failed[0].data['reason']}"]


def test_an_email_that_cannot_even_be_built_is_on_the_timeline_not_raised(plan: Plan) -> None:
    incident, waiting = opened_incident(plan)
    nobody = waiting.model_copy(update={"approvers": []})
    store, sender = FakeStore(incident, nobody), FakeSender()

    outcome = approval_timed_out(timeout_event(incident, nobody), plan, store.as_store(), sender, FIRED)

    assert outcome.result == TimeoutResult.HOLDING_PUBLISHED
    assert store.entries[-1].kind == TimelineKind.NOTIFICATION_FAILED
    assert "no approver" in store.entries[-1].data["reason"]
