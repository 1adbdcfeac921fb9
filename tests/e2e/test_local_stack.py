"""The local stack over HTTP only, as a newcomer and every later feature's tests use it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import boto3
import pytest

from incident_comms.lint.plan_texts import load_checked_plan
from tests.conftest import EVENTS, REPO
from tests.e2e.conftest import RunningStack, start_stack

pytestmark = pytest.mark.e2e

SAMPLES = sorted(path.name for path in EVENTS.glob("*.json"))


WEBHOOKS = {name for name in SAMPLES if name.startswith(("alertmanager-", "grafana-"))}


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_event_routes_to_the_function_the_template_wires(stack: RunningStack, name: str) -> None:
    answer = stack.post_event(name)

    assert answer.status == 200, answer.body
    (ran,) = answer.json()["ran"]
    if name in WEBHOOKS:
        assert ran["function"] == "AlertWebhookFunction"
        assert ran["result"]["statusCode"] == 202, ran["result"]
    else:
        assert ran["function"] == "IngestAlarmFunction"
        assert ran["result"]["rejected"] == []


def test_the_webhook_route_refuses_a_caller_without_the_token(stack: RunningStack) -> None:
    body = (EVENTS / "alertmanager-firing.json").read_bytes()

    missing = stack.request("POST", "/webhooks/alerts", body, **{"Content-Type": "application/json"})
    wrong = stack.request("POST", "/webhooks/alerts", body, Authorization="Bearer not-the-token")

    not_text = stack.request("POST", "/webhooks/alerts", b"\xff\xfe{\x80}", **{"Content-Type": "application/json"})

    assert missing.status == wrong.status == not_text.status == 401, "the token is checked before the body is read"
    assert "token" in missing.json()["error"]


def test_routes_say_how_the_event_arrived(stack: RunningStack) -> None:
    via = {name: stack.post_event(name).json()["ran"][0]["via"] for name in SAMPLES}

    assert via["cloudwatch-eventbridge-alarm.json"].startswith("EventBridge rule")
    assert via["cloudwatch-sns-alarm.json"].startswith("SNS topic")
    assert via["cloudwatch-alarm-action.json"] == "CloudWatch alarm action"
    assert via["alertmanager-firing.json"].startswith("HTTP API POST")


def test_an_alarm_opens_an_incident_with_an_approval_email(fresh_stack: RunningStack) -> None:
    fresh_stack.post_event("cloudwatch-eventbridge-alarm.json")

    (incident,) = fresh_stack.request("GET", "/local/incidents").json()
    assert incident["component_id"] == "api" and incident["severity_id"] == "SEV1"
    assert incident["messages"][0]["status"] == "awaiting_approval"
    emails = [item for item in fresh_stack.request("GET", "/local/outbox").json() if item["kind"] == "email"]
    approvals = [email for email in emails if "aprobación necesaria" in email["subject"]]
    approvers = [person.email for person in load_checked_plan(REPO / "plan").role("communications_lead").people]
    assert [email["to"] for email in approvals] == [[address] for address in approvers]
    assert all("[SEV1]" in email["subject"] and email["html"] and email["text"] for email in approvals)
    assert any("incidente abierto" in email["subject"] for email in emails)


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"{not json", "JSON"), (b"", "empty"), (json.dumps({"hello": "world"}).encode(), "")],
    ids=["bad-json", "empty", "unknown-shape"],
)
def test_bad_payload_gets_400_with_a_reason(stack: RunningStack, body: bytes, reason: str) -> None:
    answer = stack.request("POST", "/local/events", body)

    assert answer.status == 400
    assert reason.lower() in answer.json()["error"].lower()


def test_clock_moves_forward_and_rejects_nonsense(fresh_stack: RunningStack) -> None:
    before = fresh_stack.request("POST", "/local/clock", {"advance": "PT0S"}).json()["now"]
    moved = fresh_stack.request("POST", "/local/clock", {"advance": "PT30M"})

    assert moved.status == 200
    assert moved.json()["fired"] == [], "idle, nothing runs: the sweep runs when a publication arms it"
    assert moved.json()["now"] > before
    fired = fresh_stack.request("POST", "/local/clock", {"advance": "PT31M"}).json()["fired"]
    assert [item["function"] for item in fired] == ["PublicationSweeperFunction"], "only the hourly backstop"
    assert fired[0]["result"]["PublicationsResent"] == 0
    assert fresh_stack.request("POST", "/local/clock", {"advance": "soon"}).status == 400


def test_page_for_people_shows_incidents_and_outbox(stack: RunningStack) -> None:
    stack.post_event("cloudwatch-composite.json")
    page = stack.request("GET", "/local/")

    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.body.decode()
    assert "Outbox" in text and "Incidents" in text and "prod-web-down" in text


def test_unknown_route_is_a_404(stack: RunningStack) -> None:
    assert stack.request("GET", "/nowhere").status == 404


def test_a_real_boto3_client_reaches_the_ingest_function(fresh_stack: RunningStack) -> None:
    aws = fresh_stack.request("GET", "/local/aws").json()
    session = {
        "endpoint_url": aws["endpoint"],
        "region_name": aws["region"],
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    message = json.loads((EVENTS / "cloudwatch-sns-alarm.json").read_text())["Records"][0]["Sns"]["Message"]
    boto3.client("sns", **session).publish(TopicArn=aws["resources"]["AlarmTopic"], Message=message, Subject="ALARM")
    event = json.loads((EVENTS / "cloudwatch-metric-math.json").read_text())
    boto3.client("events", **session).put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event["resources"],
            }
        ]
    )

    incidents = fresh_stack.wait_for(
        lambda: len(found := fresh_stack.request("GET", "/local/incidents").json()) == 2 and found
    )
    assert {incident["component_id"] for incident in incidents} == {"api", "invoicing"}


def test_a_handler_that_raises_is_a_500_and_the_stack_keeps_serving(fresh_stack: RunningStack) -> None:
    aws = fresh_stack.request("GET", "/local/aws").json()
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=aws["endpoint"],
        region_name=aws["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    dynamodb.delete_table(TableName=aws["resources"]["IncidentsTable"])

    answer = fresh_stack.post_event("cloudwatch-eventbridge-alarm.json")

    assert answer.status == 500
    assert "ResourceNotFound" in answer.json()["ran"][0]["error"]
    assert fresh_stack.request("GET", "/local/outbox").status == 200


def test_two_stacks_on_two_ports_share_nothing(stack: RunningStack) -> None:
    stack.post_event("grafana-firing.json")
    other = start_stack("--no-sample")
    try:
        assert other.url != stack.url
        assert other.request("GET", "/local/incidents").json() == []
        assert stack.request("GET", "/local/incidents").json() != []
    finally:
        other.stop()


def test_ctrl_c_stops_cleanly_and_frees_the_port() -> None:
    running = start_stack("--no-sample")
    port = int(running.url.rsplit(":", 1)[1])

    assert running.stop() == 0
    assert "stopped" in running.text
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_the_run_command_fires_the_sample_alarm_so_an_approval_email_waits(sample_stack: RunningStack) -> None:
    emails = [item for item in sample_stack.request("GET", "/local/outbox").json() if item["kind"] == "email"]
    assert any("aprobación necesaria" in email["subject"] for email in emails)
    (approval, *_) = [email for email in emails if "aprobación necesaria" in email["subject"]]
    assert "aprobación" in approval["text"].lower(), "the text part keeps its accents"
    page = sample_stack.request("GET", "/local/").body.decode("utf-8")
    assert approval["subject"] in page, "the page shows the subject as sent, accents and dashes included"
    for garbled in ("\ufffd", "\\u2014", "Ã"):
        assert garbled not in page and all(garbled not in email["text"] + email["html"] for email in emails)


def test_port_in_use_is_bad_input() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "incident_comms", "local", "--port", str(port), "--no-sample"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "in use" in result.stderr.lower()
