"""What customers and approvers read of a maintenance: each audience in its own language, zone and register, the
times with UTC beside them, people's text escaped, and a link to the status page in the reader's locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_comms.maintenance.models import Maintenance, MaintenanceStep
from incident_comms.maintenance.transitions import approved
from incident_comms.plan.models import Plan
from incident_comms.scheduled_maintenance.emails import (
    approval_request_emails,
    batch_draft,
    customer_draft,
    maintenance_approvers,
    maintenance_channels,
    notice_words,
    step_of,
)
from tests.unit.maintenance.test_maintenance import NOW, declared


def channel(plan: Plan, channel_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in plan.channels.channels if c.id == channel_id)


def window(plan: Plan, **changes: object) -> Maintenance:
    maintenance = approved(declared(plan, **changes), "marta.ibanez@nubeteca.example", NOW)
    assert maintenance is not None
    return maintenance


def test_only_customer_email_channels_whose_audience_has_lead_times_are_told(plan: Plan) -> None:
    told = maintenance_channels(plan)

    assert told and all(c.kind == "email" and not plan.audience(c.audience).internal for c in told)
    assert all(plan.audience(c.audience).maintenance_notice for c in told)


def test_an_announcement_reads_in_each_audiences_language_zone_and_register(plan: Plan) -> None:
    maintenance = window(plan, details={"es": "Las facturas tardarán más.", "en": "Invoices will take longer."})

    spain = customer_draft(plan, maintenance, MaintenanceStep.ANNOUNCE, channel(plan, "email-customers-es"))
    latam = customer_draft(plan, maintenance, MaintenanceStep.ANNOUNCE, channel(plan, "email-customers-latam"))
    english = customer_draft(plan, maintenance, MaintenanceStep.ANNOUNCE, channel(plan, "email-customers-en"))

    assert spain.subject == "[Nubeteca] Mantenimiento programado: Actualización de la base de datos de facturación"
    assert "Le avisamos" in spain.text and "No tiene que hacer nada." in spain.text
    assert "del 4 de diciembre, 03:00 CET (02:00 UTC) al 4 de diciembre, 05:00 CET (04:00 UTC)" in spain.text
    assert "API pública y Facturación" in spain.text
    assert "20:00 CST (02:00 UTC)" in latam.text, "Mexico City's own clock"
    assert english.subject == "[Nubeteca] Scheduled maintenance: Invoicing database upgrade"
    assert "Invoices will take longer." in english.text and "Public API and Invoicing" in english.text
    assert "https://estado.nubeteca.example/en/" in english.text and "https://estado.nubeteca.example/\n" in spain.text


@pytest.mark.parametrize(
    ("step", "spanish", "english"),
    [
        (MaintenanceStep.START, "Mantenimiento en curso", "Maintenance in progress"),
        (MaintenanceStep.COMPLETE, "Mantenimiento completado", "Maintenance completed"),
        (MaintenanceStep.CANCEL, "Mantenimiento cancelado", "Maintenance cancelled"),
    ],
)
def test_each_step_says_what_happened_in_its_subject(
    plan: Plan, step: MaintenanceStep, spanish: str, english: str
) -> None:
    maintenance = window(plan)

    assert spanish in str(customer_draft(plan, maintenance, step, channel(plan, "email-customers-es")).subject)
    assert english in str(customer_draft(plan, maintenance, step, channel(plan, "email-customers-en")).subject)


def test_text_people_typed_is_never_markup(plan: Plan) -> None:
    maintenance = window(plan, titles={"es": "<img src=x onerror=alert(1)>", "en": "<b>x</b>"})

    draft = customer_draft(plan, maintenance, MaintenanceStep.ANNOUNCE, channel(plan, "email-customers-es"))
    (request, *_) = approval_request_emails(plan, maintenance, {"marta.ibanez@nubeteca.example": "https://a.example/l"})

    assert "<img" not in str(draft.html) and "&lt;img" in str(draft.html)
    assert "<b>x</b>" not in request.html and "&lt;b&gt;x&lt;/b&gt;" in request.html


def test_approvers_get_their_own_link_and_are_told_when_customers_hear(plan: Plan) -> None:
    maintenance = window(plan)
    links = {address: f"https://a.example/maintenance/{n}" for n, address in enumerate(maintenance_approvers(plan))}

    emails = approval_request_emails(plan, maintenance, links)

    assert [email.to for email in emails] == [[address] for address in links]
    assert all(links[email.to[0]] in email.text for email in emails)
    assert {email.thread for email in emails} == {f"{maintenance.id}/team"}, "the window's team thread"
    assert notice_words(plan, "es") in emails[0].text
    assert (
        notice_words(plan, "es")
        == "Se avisará a los clientes por correo 72 h y 1 h antes del inicio, en su horario de oficina."
    )


def test_an_email_batch_finds_its_maintenance_draft_and_an_incidents_batch_is_left_to_the_store(plan: Plan) -> None:
    maintenance = window(plan)

    class Store:
        def get(self, maintenance_id: str) -> Maintenance | None:
            return maintenance if maintenance_id == maintenance.id else None

    found = batch_draft(plan, Store(), maintenance.id, "announce-customers_es-20261201T1700", "email-customers-es")  # type: ignore[arg-type]
    unknown_channel = batch_draft(plan, Store(), maintenance.id, "start", "sns-customers")  # type: ignore[arg-type]

    assert not isinstance(found, str) and found is not None and "programado" in str(found.subject)
    assert isinstance(unknown_channel, str)
    assert batch_draft(plan, Store(), "INC-20261201-0900-abcdef", "msg-1", "email-customers-es") is None  # type: ignore[arg-type]
    assert (step_of("announce-customers_es-20261201T1700"), step_of("complete"), step_of("postmortem")) == (
        MaintenanceStep.ANNOUNCE,
        MaintenanceStep.COMPLETE,
        None,
    )


def test_times_fall_on_the_readers_clock_across_a_change_of_day(plan: Plan) -> None:
    late = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    maintenance = window(plan, starts_at=late, ends_at=late.replace(hour=23, minute=59))

    draft = customer_draft(plan, maintenance, MaintenanceStep.ANNOUNCE, channel(plan, "email-customers-es"))

    assert "del 5 de diciembre, 00:30 CET (23:30 UTC)" in draft.text
