"""Manual channels: the approved text, fitted to the channel, reaches each person the plan names to post it, with
the channel's access notes, in the team's language; nobody to tell and refused emails are failures, never silent."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from incident_comms.delivery.manual import SHORT_POST_MAX, ManualChannel
from incident_comms.delivery.publishing import ChannelJob
from incident_comms.plan.models import Channel, ChannelFormat, Plan
from incident_comms.team.emails import Email
from tests.factories import OPENED, RecordingSender, opened_incident

STATUS = "https://estado.nubeteca.example"
MARKETING = "elena.robles@nubeteca.example"


def social_channel(plan: Plan, **changes: Any) -> Channel:
    channel = next(channel for channel in plan.channels.channels if channel.id == "social-media")
    return channel.model_copy(update=changes)


def manual_job(plan: Plan, channel: Channel | None = None, **draft_changes: Any) -> ChannelJob:
    """The sample SEV1 API incident's first message on the plan's manual channel (``social-media``)."""
    incident, message = opened_incident(plan)
    draft = next(draft for draft in message.drafts if draft.channel_id == "social-media")
    return ChannelJob(
        plan,
        incident,
        message,
        draft.model_copy(update=draft_changes),
        channel or social_channel(plan),
        OPENED + timedelta(minutes=5),
    )


def block(text: str, title: str) -> str:
    """The text framed under ``title`` in a manual email's plain text part."""
    match = re.search(re.escape(title) + r".*?\n-{40}\n(.*?)\n-{40}", text, re.S)
    assert match, f"no {title!r} block in:\n{text}"
    return match.group(1)


class RefusingSender(RecordingSender):
    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    def send(self, email: Email) -> str:
        if self.refused in email.to:
            raise RuntimeError("MessageRejected: Email address is not verified")
        return super().send(email)


def test_the_plan_has_a_manual_channel_that_names_who_posts(plan: Plan) -> None:
    channel = social_channel(plan)
    assert channel.kind.value == "manual"
    assert channel.notify == [MARKETING]
    assert channel.departments == ["Marketing"]


def test_each_person_named_gets_one_email_with_the_text_to_post_and_how_to_reach_the_channel(plan: Plan) -> None:
    sender = RecordingSender()
    channel = social_channel(plan, notify=[MARKETING, "social@nubeteca.example", "Elena.Robles@nubeteca.example"])
    job = manual_job(plan, channel)

    result = ManualChannel(sender).publish(job)

    assert (result.attempted, result.delivered, result.failed) == (2, 2, 0), "one inbox gets one email"
    assert [email.to for email in sender.sent] == [[MARKETING], ["social@nubeteca.example"]]
    email = sender.sent[0]
    assert email.subject == "[SEV1] Publique en Redes sociales (X, LinkedIn, Mastodon): API pública — Investigando"
    assert block(email.text, "Texto para publicar") == job.draft.text
    assert "Texto completo" not in email.text, "a text that already fits is shown once"
    for expected in (
        channel.access.credentials,
        channel.access.request_from,
        channel.access.notes or "",
        "Departamentos que usan el canal: Marketing",
        "Incidente: INC-20261122-1015-abc123",
        "Severidad: SEV1 · Crítica",
        "Fase: Investigando",
        f"Página de estado: {STATUS}",
    ):
        assert expected in email.text
    assert html.escape(channel.access.credentials, quote=False) in email.html
    assert email.headers["X-Incident-Id"] == job.incident.id
    assert email.headers["X-Incident-Channel"] == "social-media"


def test_a_long_text_comes_fitted_to_a_post_with_the_full_text_below(plan: Plan) -> None:
    long_text = "Nubeteca: seguimos investigando el problema en la API pública. " * 8 + f"Info: {STATUS}"
    sender = RecordingSender()

    ManualChannel(sender).publish(manual_job(plan, text=long_text))

    (email,) = sender.sent
    short = block(email.text, "Texto para publicar")
    assert len(short) <= SHORT_POST_MAX
    assert short.endswith(f"… {STATUS}"), "cut between words, the status page link kept"
    assert "recortado para caber" in email.text
    assert block(email.text, "Texto completo aprobado") == long_text


def test_a_channel_without_a_short_format_gets_the_title_and_text_as_approved(plan: Plan) -> None:
    banner = social_channel(plan, id="help-banner", format=ChannelFormat.STATUS_PAGE)
    sender = RecordingSender()
    job = manual_job(
        plan, banner, format=ChannelFormat.STATUS_PAGE, subject="Incidencia en la API", text="Línea 1\n\nLínea 2"
    )

    ManualChannel(sender).publish(job)

    (email,) = sender.sent
    assert "Texto para publicar" not in email.text
    assert "Título: Incidencia en la API" in email.text
    assert block(email.text, "Texto aprobado") == "Línea 1\n\nLínea 2"


def test_untrusted_text_is_escaped_in_the_html_part(plan: Plan) -> None:
    hostile = 'Alarma <script>alert(1)</script> <a href="https://evil.example">aquí</a> & más'
    sender = RecordingSender()

    ManualChannel(sender).publish(manual_job(plan, text=hostile))

    (email,) = sender.sent
    assert "<script>" not in email.html and '<a href="https://evil.example"' not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert hostile in email.text, "the plain text part is the text to post, character for character"


def test_the_email_is_in_the_plans_main_locale(plan: Plan) -> None:
    english = plan.model_copy(update={"definition": plan.definition.model_copy(update={"locales": ["en", "es"]})})
    sender = RecordingSender()

    ManualChannel(sender).publish(manual_job(english))

    (email,) = sender.sent
    assert email.subject == "[SEV1] Post on Social media (X, LinkedIn, Mastodon): Public API — Investigating"
    assert "Text to post" in email.text and "Channel access" in email.text
    assert "Nubeteca: Investigando" in email.text, "the text to post stays in the channel's own locale"


def test_a_manual_channel_naming_nobody_is_a_failed_delivery_that_says_so(plan: Plan) -> None:
    sender = RecordingSender()

    result = ManualChannel(sender).publish(manual_job(plan, social_channel(plan, notify=[])))

    assert (result.attempted, result.delivered, result.failed) == (1, 0, 1)
    assert result.detail is not None and "notify" in result.detail and "social-media" in result.detail
    assert sender.sent == []


def test_a_refused_address_is_counted_and_the_others_still_get_the_text(plan: Plan) -> None:
    sender = RefusingSender("bad@nubeteca.example")
    channel = social_channel(plan, notify=["bad@nubeteca.example", MARKETING])

    result = ManualChannel(sender).publish(manual_job(plan, channel))

    assert (result.attempted, result.delivered, result.failed) == (2, 1, 1)
    assert result.detail is not None
    assert result.detail.startswith("1 of 2 could not be emailed: bad@nubeteca.example: RuntimeError: MessageRejected")
    assert [email.to for email in sender.sent] == [[MARKETING]]


def test_a_hostile_channel_or_component_name_keeps_the_subject_one_short_line(plan: Plan) -> None:
    channel = social_channel(plan, name="Redes\r\nBcc: x@evil.example " + "muy largo " * 20)
    sender = RecordingSender()

    ManualChannel(sender).publish(manual_job(plan, channel))

    (email,) = sender.sent
    assert len(email.subject) < 100
    assert "\n" not in email.subject and "\r" not in email.subject
