"""The maintenance functions on moto: ``POST/GET /maintenances`` and the cancel route (IAM JSON), the approval page
of a personal link, and the timer the schedules fire, with AWS failing at their calls (issue 14's faults): a window
is approved once, each step moves it once, and nobody is emailed twice."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.config import Config

from incident_comms.clock import ManualClock
from incident_comms.composition import Services
from incident_comms.delivery.email.batches.models import EmailBatch
from incident_comms.incidents.operators import NoOperators
from incident_comms.maintenance.links import approval_link
from incident_comms.maintenance.models import MaintenanceStatus, StepEvent
from incident_comms.plan.models import MaintenanceRoles
from incident_comms.subscribers.models import Subscriber
from incident_comms.team.console_links import declare_token
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails
from tests.faults import FOR_GOOD, Faults
from tests.handlers.conftest import STARTED, ComposeServices
from tests.handlers.test_approvals_handler import EXPECTED_HEADERS
from tests.handlers.test_declare_handler import http_event as declare_event

pytestmark = pytest.mark.usefixtures("no_retry_waits")

GROUP = "incident-schedules"
TIMER = "arn:aws:lambda:eu-west-1:123456789012:function:maintenance-timer"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
CALLER = "arn:aws:iam::123456789012:user/lucia"
BASE_URL = "https://approvals.nubeteca.example"
NO_SDK_RETRIES = Config(retries={"total_max_attempts": 1})
MARTA = "marta.ibanez@nubeteca.example"
WINDOW = {
    "components": ["invoicing"],
    "starts_at": "2026-11-30T02:00:00+01:00",
    "ends_at": "2026-11-30T04:00:00+01:00",
    "title": {"es": "Actualización de la base de datos", "en": "Database upgrade"},
    "details": {"es": "Las facturas pueden tardar más.", "en": "Invoices may take longer."},
}
SUBSCRIBERS = [
    Subscriber(email="pablo@cliente.example", components=("invoicing",), locale="es", audience="customers_es"),
    Subscriber(email="jane@client.example", components=("api", "invoicing"), locale="en", audience="customers_intl"),
    Subscriber(email="ana@cliente.example", components=("api",), locale="es", audience="customers_es"),
    Subscriber(email="direccion@nubeteca.example", components=("invoicing",), locale="es", audience="staff"),
]


@pytest.fixture
def deps(publishing_services: ComposeServices) -> Services:
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    services = publishing_services(
        approvals_base_url=BASE_URL,
        maintenance_timer_function_arn=TIMER,
        scheduler_role_arn=SCHEDULER_ROLE,
        schedule_group=GROUP,
    )
    services.sleep = lambda seconds: None
    services.scheduler = boto3.client("scheduler", config=NO_SDK_RETRIES)
    for subscriber in SUBSCRIBERS:
        services.subscribers.add(subscriber)
    return services


@pytest.fixture(scope="module")
def api() -> ModuleType:
    return load_handler_module("maintenance")


@pytest.fixture(scope="module")
def timer() -> ModuleType:
    return load_handler_module("maintenance_timer")


def http_event(method: str, path: str, body: str | None = None, *, iam: bool = False, **headers: str) -> dict[str, Any]:
    """The declare tests' event, on this function's routes; ``iam``: signed by :data:`CALLER`."""
    if path.startswith("/maintenance/"):
        route = "/maintenance/{token}"
    elif path.endswith("/cancel"):
        route = "/maintenances/{maintenance_id}/cancel"
    elif path.startswith("/declare/"):
        route = "/declare/{token}/maintenance"
    else:
        route = path
    authorizer = {"iam": {"userArn": CALLER, "accountId": "123456789012"}} if iam else None
    return declare_event(method, path, body, authorizer=authorizer, route=route, **headers)


def call(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return invoke(handler, event, FakeLambdaContext())


def schedule(api: ModuleType, body: Any = None) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(WINDOW if body is None else body)
    return call(api, http_event("POST", "/maintenances", text, iam=True, content_type="application/json"))


def approve(api: ModuleType, token: str, fields: dict[str, str] | None = None, **headers: str) -> dict[str, Any]:
    headers.setdefault("content_type", "application/x-www-form-urlencoded")
    body = urlencode({"confirm": "yes"} if fields is None else fields)
    return call(api, http_event("POST", f"/maintenance/{token}", body, **headers))


def token_for(deps: Services, maintenance_id: str, at: datetime = STARTED) -> str:
    maintenance = deps.maintenance_store.get(maintenance_id)
    assert maintenance is not None
    return approval_link(BASE_URL, deps.approval_key, maintenance, MARTA, at).rsplit("/", 1)[1]


def schedules() -> list[dict[str, Any]]:
    scheduler = boto3.client("scheduler")
    return [
        scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
        for summary in scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    ]


def queued_batches(deps: Services) -> list[EmailBatch]:
    sqs = boto3.client("sqs")
    batches: list[EmailBatch] = []
    while True:
        got = sqs.receive_message(QueueUrl=deps.settings.email_batch_queue_url, MaxNumberOfMessages=10)
        if not got.get("Messages"):
            return batches
        for message in got["Messages"]:
            batches.append(EmailBatch.model_validate_json(message["Body"]))
            sqs.delete_message(QueueUrl=deps.settings.email_batch_queue_url, ReceiptHandle=message["ReceiptHandle"])


def told(deps: Services) -> list[str]:
    operators = deps.operators
    assert isinstance(operators, NoOperators)
    return [alert.text for alert in operators.told]


def scheduled(deps: Services, api: ModuleType) -> str:
    answer = schedule(api)
    assert answer["statusCode"] == 201, answer["body"]
    return str(json.loads(answer["body"])["maintenance_id"])


def approved(deps: Services, api: ModuleType) -> str:
    maintenance_id = scheduled(deps, api)
    assert approve(api, token_for(deps, maintenance_id))["statusCode"] == 200
    return maintenance_id


# --- scheduling -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ({**WINDOW, "components": "invoicing"}, "components"),
        ({**WINDOW, "surprise": 1}, "surprise"),
        ({**WINDOW, "components": ["invoicing", "teleport"]}, "teleport is not a component of the plan"),
        ({**WINDOW, "starts_at": "2026-11-20T02:00:00+01:00"}, "must start in the future"),
        ({**WINDOW, "title": {"es": "Solo en español"}}, "a title in en is needed"),
    ],
)
def test_a_bad_window_is_a_400_with_its_reason_and_keeps_nothing(
    deps: Services, api: ModuleType, body: Any, reason: str
) -> None:
    answer = schedule(api, body)

    assert answer["statusCode"] == 400 and reason in json.loads(answer["body"])["error"]
    assert deps.maintenance_store.recent(STARTED - timedelta(days=365)) == []
    assert sent_emails() == []


def test_a_scheduled_window_awaits_approval_and_each_approver_gets_their_own_link(
    deps: Services, api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    maintenance_id = scheduled(deps, api)

    stored = deps.maintenance_store.get(maintenance_id)
    assert stored is not None and stored.status == MaintenanceStatus.AWAITING_APPROVAL and stored.created_by == CALLER
    emails = sent_emails()
    assert sorted(address for email in emails for address in email["to"]) == sorted(
        ["marta.ibanez@nubeteca.example", "jorge.salas@nubeteca.example"]
    )
    links = {email["to"][0]: email["text"].split(f"{BASE_URL}/maintenance/", 1)[1].split()[0] for email in emails}
    assert len(set(links.values())) == 2
    listed = json.loads(call(api, http_event("GET", "/maintenances", iam=True))["body"])["maintenances"]
    assert [(m["id"], m["status"]) for m in listed] == [(maintenance_id, "awaiting_approval")]
    assert schedules() == [] and queued_batches(deps) == []
    assert emitted_metrics(capsys.readouterr().out)["MaintenanceScheduled"] == 1


# --- the approval page ------------------------------------------------------------------------------------------


def test_looking_at_the_link_approves_nothing(deps: Services, api: ModuleType) -> None:
    maintenance_id = scheduled(deps, api)
    token = token_for(deps, maintenance_id)

    page = call(api, http_event("GET", f"/maintenance/{token}"))
    head = call(api, http_event("HEAD", f"/maintenance/{token}"))

    assert page["statusCode"] == head["statusCode"] == 200 and head["body"] == ""
    assert page["headers"] == EXPECTED_HEADERS
    assert 'name="confirm" value="yes"' in page["body"] and "<script" not in page["body"]
    assert deps.maintenance_store.get(maintenance_id).status == MaintenanceStatus.AWAITING_APPROVAL  # type: ignore[union-attr]
    assert schedules() == []


def test_untrusted_titles_are_escaped_on_the_page_and_in_the_email(deps: Services, api: ModuleType) -> None:
    window = {**WINDOW, "title": {"es": "<script>alert(1)</script>", "en": "<b>bold</b>"}}
    maintenance_id = json.loads(schedule(api, window)["body"])["maintenance_id"]

    page = call(api, http_event("GET", f"/maintenance/{token_for(deps, maintenance_id)}"))["body"]

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert all("<b>bold</b>" not in (email["html"] or "") for email in sent_emails())


@pytest.mark.parametrize(
    ("case", "status"), [("forged", 404), ("expired", 410), ("cross_site", 403), ("no_confirm", 400)]
)
def test_a_post_that_must_not_approve_changes_nothing(deps: Services, api: ModuleType, case: str, status: int) -> None:
    maintenance_id = scheduled(deps, api)
    token = token_for(deps, maintenance_id)
    headers: dict[str, str] = {}
    fields: dict[str, str] | None = None
    if case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "expired":
        assert isinstance(deps.clock, ManualClock)
        deps.clock.advance(timedelta(days=8))
    elif case == "cross_site":
        headers["sec_fetch_site"] = "cross-site"
    else:
        fields = {}

    answer = approve(api, token, fields, **headers)

    assert answer["statusCode"] == status
    assert deps.maintenance_store.get(maintenance_id).status == MaintenanceStatus.AWAITING_APPROVAL  # type: ignore[union-attr]
    assert schedules() == []


def test_approving_arms_each_announcement_the_start_and_the_end_once_and_the_link_works_once(
    deps: Services, api: ModuleType
) -> None:
    maintenance_id = scheduled(deps, api)
    token = token_for(deps, maintenance_id)

    first = approve(api, token)
    second = approve(api, token)

    assert first["statusCode"] == 200 and second["statusCode"] == 409
    stored = deps.maintenance_store.get(maintenance_id)
    assert stored is not None and stored.status == MaintenanceStatus.SCHEDULED and stored.approved_by == MARTA
    armed = schedules()
    inputs = [StepEvent.model_validate_json(schedule["Target"]["Input"]) for schedule in armed]
    assert Counter(event.step.value for event in inputs) == {"announce": 6, "start": 1, "complete": 1}
    announced = sorted((event.audience, event.at) for event in inputs if event.at)
    assert [(audience, f"{at:%a %H:%M}") for audience, at in announced] == [
        ("customers_es", "Thu 17:00"),
        ("customers_es", "Fri 17:00"),
        ("customers_intl", "Thu 17:00"),
        ("customers_intl", "Fri 17:00"),
        ("customers_latam", "Fri 00:00"),
        ("customers_latam", "Sat 00:00"),
    ], "72 h and 1 h before, each moved back to the end of the audience's office day (UTC shown)"
    assert {event.audience for event in inputs if event.audience} == {
        "customers_es",
        "customers_latam",
        "customers_intl",
    }
    assert all(schedule["Target"]["Arn"] == TIMER for schedule in armed)
    assert told(deps) == []
    index = boto3.client("s3").get_object(Bucket="status", Key="api/v2/scheduled-maintenances/upcoming.json")
    assert [m["id"] for m in json.loads(index["Body"].read())["scheduled_maintenances"]] == [maintenance_id]


def test_a_lost_answer_to_the_approval_write_is_still_one_approval(deps: Services, api: ModuleType) -> None:
    maintenance_id = scheduled(deps, api)
    faults = Faults(deps.dynamodb).lose_answer("PutItem")

    answer = approve(api, token_for(deps, maintenance_id))

    assert faults.injected["PutItem"] == 1
    assert answer["statusCode"] == 200, answer["body"]
    assert deps.maintenance_store.get(maintenance_id).status == MaintenanceStatus.SCHEDULED  # type: ignore[union-attr]


def test_schedules_lost_or_refused_once_are_armed_once_without_a_word(deps: Services, api: ModuleType) -> None:
    Faults(deps.scheduler).lose_answer("CreateSchedule").fail("CreateSchedule")

    approved(deps, api)

    assert len(schedules()) == 8 and told(deps) == []


def test_schedules_that_cannot_be_armed_leave_the_approval_standing_and_the_operators_told(
    deps: Services, api: ModuleType
) -> None:
    Faults(deps.scheduler).refuse("CreateSchedule", FOR_GOOD, "AccessDeniedException")

    maintenance_id = approved(deps, api)

    assert deps.maintenance_store.get(maintenance_id).status == MaintenanceStatus.SCHEDULED  # type: ignore[union-attr]
    (alert,) = told(deps)
    assert "not armed" in alert and "start" in alert and "complete" in alert


# --- the steps ----------------------------------------------------------------------------------------------------


def fire(timer: ModuleType, maintenance_id: str, step: str, **extra: Any) -> dict[str, Any]:
    event = StepEvent.model_validate({"maintenance_id": maintenance_id, "step": step, **extra})
    return call(timer, json.loads(event.model_dump_json()))


def test_an_announcement_queues_its_audience_only_and_a_second_firing_queues_the_same_batches(
    deps: Services, api: ModuleType, timer: ModuleType
) -> None:
    maintenance_id = approved(deps, api)
    at = "2026-11-26T17:00:00+00:00"

    first = fire(timer, maintenance_id, "announce", audience="customers_es", at=at)
    batches = queued_batches(deps)
    again = fire(timer, maintenance_id, "announce", audience="customers_es", at=at)
    repeated = queued_batches(deps)

    assert first["result"] == "done" and first["queued"] == 1
    ((batch, repeat),) = zip(batches, repeated, strict=True)
    assert batch == repeat, "the same batch under the same key: the sender's claim sends it once"
    assert (batch.incident_id, batch.channel_id, batch.recipients) == (
        maintenance_id,
        "email-customers-es",
        ["pablo@cliente.example"],
    )
    assert again["queued"] == 1


def test_the_start_moves_it_once_shows_it_under_maintenance_and_tells_every_audience(
    deps: Services, api: ModuleType, timer: ModuleType
) -> None:
    maintenance_id = approved(deps, api)
    assert isinstance(deps.clock, ManualClock)
    deps.clock.set(datetime.fromisoformat(WINDOW["starts_at"]))  # type: ignore[arg-type]
    faults = Faults(deps.dynamodb).lose_answer("PutItem")

    started = fire(timer, maintenance_id, "start")

    assert faults.injected["PutItem"] == 1
    assert (started["result"], started["status"]) == ("done", "in_progress")
    recipients = sorted(address for batch in queued_batches(deps) for address in batch.recipients)
    assert recipients == ["jane@client.example", "pablo@cliente.example"]
    components = boto3.client("s3").get_object(Bucket="status", Key="api/v2/components.json")
    status = {c["id"]: c["status"] for c in json.loads(components["Body"].read())["components"]}
    assert status["invoicing"] == "under_maintenance" and status["api"] == "operational"


def test_steps_of_a_cancelled_window_do_nothing_and_a_malformed_firing_is_rejected(
    deps: Services, api: ModuleType, timer: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    maintenance_id = approved(deps, api)
    cancelled = call(api, http_event("POST", f"/maintenances/{maintenance_id}/cancel", "{}", iam=True))
    assert cancelled["statusCode"] == 200
    assert queued_batches(deps) == [], "nobody had been told yet: nobody is told it is cancelled"
    capsys.readouterr()

    announced = fire(timer, maintenance_id, "announce", audience="customers_es", at="2026-11-26T17:00:00+00:00")
    started = fire(timer, maintenance_id, "start")
    malformed = call(timer, {"kind": "maintenance_step", "maintenance_id": "INC-1", "step": "explode"})

    assert announced["result"] == started["result"] == "nothing_to_do"
    assert malformed["result"] == "rejected"
    assert queued_batches(deps) == []
    assert deps.maintenance_store.get(maintenance_id).status == MaintenanceStatus.CANCELLED  # type: ignore[union-attr]
    assert emitted_metrics(capsys.readouterr().out)["MaintenanceRejected"] == 1


def test_cancelling_answers_404_for_an_unknown_window_and_409_once_it_is_over(deps: Services, api: ModuleType) -> None:
    maintenance_id = approved(deps, api)

    first = call(api, http_event("POST", f"/maintenances/{maintenance_id}/cancel", "{}", iam=True))
    again = call(api, http_event("POST", f"/maintenances/{maintenance_id}/cancel", "{}", iam=True))
    unknown = call(api, http_event("POST", "/maintenances/MNT-20990101-0000-000000/cancel", "{}", iam=True))

    assert (first["statusCode"], again["statusCode"], unknown["statusCode"]) == (200, 409, 404)


def test_cancelling_after_an_announcement_tells_those_announced_to_and_only_them(
    deps: Services, api: ModuleType, timer: ModuleType
) -> None:
    maintenance_id = approved(deps, api)
    assert isinstance(deps.clock, ManualClock)
    deps.clock.set(datetime.fromisoformat("2026-11-26T17:30:00+00:00"))

    call(api, http_event("POST", f"/maintenances/{maintenance_id}/cancel", "{}", iam=True))

    batches = queued_batches(deps)
    assert {batch.message_id for batch in batches} == {"cancel"}
    assert sorted(a for batch in batches for a in batch.recipients) == ["jane@client.example", "pablo@cliente.example"]


# --- the form of a declare link -------------------------------------------------------------------------------------

DIEGO = "diego.ferrer@nubeteca.example"  # technical_lead: may not declare
FORM = {
    "component": "invoicing",
    "start": "2026-11-30T02:00",
    "end": "2026-11-30T04:00",
    "title_es": "Actualización de la base de datos",
    "title_en": "Database upgrade",
    "details_es": "",
    "details_en": "",
    "confirm": "yes",
}


def post_maintenance_form(api: ModuleType, token: str, fields: Any, **headers: str) -> dict[str, Any]:
    headers.setdefault("content_type", "application/x-www-form-urlencoded")
    body = urlencode(fields, doseq=True)
    return call(api, http_event("POST", f"/declare/{token}/maintenance", body, **headers))


def test_the_form_of_a_declare_link_shows_and_schedules_in_the_teams_zone(deps: Services, api: ModuleType) -> None:
    token = declare_token(deps.approval_key, MARTA, STARTED)

    page = call(api, http_event("GET", f"/declare/{token}/maintenance"))
    assert page["statusCode"] == 200 and page["headers"] == EXPECTED_HEADERS
    assert 'name="component" value="invoicing"' in page["body"] and "Europe/Madrid" in page["body"]
    assert deps.maintenance_store.recent(STARTED - timedelta(days=1)) == [] and sent_emails() == []

    answer = post_maintenance_form(api, token, FORM)

    assert answer["statusCode"] == 201, answer["body"]
    (stored,) = deps.maintenance_store.recent(STARTED - timedelta(days=1))
    assert stored.created_by == MARTA and stored.components == ["invoicing"]
    assert stored.starts_at.isoformat() == "2026-11-30T02:00:00+01:00"
    assert stored.id in answer["body"] and len(sent_emails()) == 2


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({**FORM, "end": "2026-11-30T01:00"}, "the window must end after it starts"),
        ({**FORM, "component": ["invoicing", "teleport"]}, "teleport is not a component of the plan"),
        ({**FORM, "title_en": ""}, "a title in en is needed"),
        ({**FORM, "start": "mañana"}, "no es una fecha y hora"),
        ({**FORM, "details_es": "Solo en español"}, "details in every locale or none"),
    ],
)
def test_a_bad_form_shows_its_problems_and_keeps_nothing(
    deps: Services, api: ModuleType, fields: dict[str, Any], problem: str
) -> None:
    answer = post_maintenance_form(api, declare_token(deps.approval_key, MARTA, STARTED), fields)

    assert answer["statusCode"] == 400 and problem in answer["body"]
    assert deps.maintenance_store.recent(STARTED - timedelta(days=1)) == [] and sent_emails() == []


@pytest.mark.parametrize(("who", "status"), [("forged", 404), ("not_allowed", 403), ("cross_site", 403)])
def test_a_form_post_that_must_not_schedule_keeps_nothing(
    deps: Services, api: ModuleType, who: str, status: int
) -> None:
    token = declare_token(deps.approval_key, DIEGO if who == "not_allowed" else MARTA, STARTED)
    headers = {"sec_fetch_site": "cross-site"} if who == "cross_site" else {}
    if who == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    answer = post_maintenance_form(api, token, FORM, **headers)

    assert answer["statusCode"] == status
    assert deps.maintenance_store.recent(STARTED - timedelta(days=1)) == [] and sent_emails() == []


# --- progress emails the plan wants approved ------------------------------------------------------------------------


@pytest.fixture
def approving(deps: Services) -> Services:
    """The plan with ``maintenance.approve_progress: true`` (set before the flow is built)."""
    roles = deps.plan.roles
    deps.plan = deps.plan.model_copy(
        update={"roles": roles.model_copy(update={"maintenance": MaintenanceRoles(approve_progress=True)})}
    )
    return deps


def progress_links(step_subject: str) -> list[str]:
    return [
        email["text"].split(f"{BASE_URL}/maintenance/", 1)[1].split()[0]
        for email in sent_emails()
        if email["subject"].startswith("Aprobar aviso a clientes") and step_subject in email["subject"]
    ]


def test_when_the_plan_wants_progress_approved_the_page_moves_and_the_email_waits_for_one_click(
    approving: Services, api: ModuleType, timer: ModuleType
) -> None:
    deps = approving
    maintenance_id = approved(deps, api)
    assert isinstance(deps.clock, ManualClock)
    deps.clock.set(datetime.fromisoformat(WINDOW["starts_at"]))  # type: ignore[arg-type]

    started = fire(timer, maintenance_id, "start")

    assert started["status"] == "in_progress" and queued_batches(deps) == []
    components = boto3.client("s3").get_object(Bucket="status", Key="api/v2/components.json")
    assert {c["id"]: c["status"] for c in json.loads(components["Body"].read())["components"]}["invoicing"] == (
        "under_maintenance"
    )
    first, second = progress_links("Mantenimiento en curso")
    page = call(api, http_event("GET", f"/maintenance/{first}"))
    assert page["statusCode"] == 200 and "Hemos empezado el mantenimiento programado" in page["body"]
    assert queued_batches(deps) == [], "looking sends nothing"

    sent = approve(api, first)
    again = approve(api, second)

    assert (sent["statusCode"], again["statusCode"]) == (200, 409)
    batches = queued_batches(deps)
    assert {batch.message_id for batch in batches} == {"start"}
    assert sorted(a for batch in batches for a in batch.recipients) == ["jane@client.example", "pablo@cliente.example"]


def test_an_in_progress_email_approved_after_the_work_ended_is_not_sent(
    approving: Services, api: ModuleType, timer: ModuleType
) -> None:
    deps = approving
    maintenance_id = approved(deps, api)
    assert isinstance(deps.clock, ManualClock)
    deps.clock.set(datetime.fromisoformat(WINDOW["starts_at"]))  # type: ignore[arg-type]
    fire(timer, maintenance_id, "start")
    deps.clock.set(datetime.fromisoformat(WINDOW["ends_at"]))  # type: ignore[arg-type]
    fire(timer, maintenance_id, "complete")
    (late, *_) = progress_links("Mantenimiento en curso")
    (done, *_) = progress_links("Mantenimiento completado")

    stale = approve(api, late)
    sent = approve(api, done)

    assert stale["statusCode"] == 409 and "completed" in stale["body"]
    assert sent["statusCode"] == 200
    assert {batch.message_id for batch in queued_batches(deps)} == {"complete"}
