"""The ingest Lambda handler end to end on moto: sample events in, incidents and drafts out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from incident_comms.clock import ManualClock
from incident_comms.composition import Services, Settings, use_services
from incident_comms.incidents import MessageStatus, TimelineKind
from tests.conftest import REPO, FakeLambdaContext, load_event, load_handler_module


@pytest.fixture
def deps(table_name: str) -> Iterator[Services]:
    services = Services(
        Settings(table_name=table_name, plan_dir=REPO / "plan"), ManualClock(datetime(2026, 11, 22, 10, 5, tzinfo=UTC))
    )
    use_services(services)
    yield services
    use_services(None)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("ingest_alarm")


def invoke(handler: ModuleType, event: Any, context: FakeLambdaContext) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, context)
    return result


def emitted_metrics(output: str) -> dict[str, float]:
    """The CloudWatch embedded-metric-format values Powertools printed."""
    values: dict[str, float] = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = document[definition["Name"]]
                values[definition["Name"]] = values.get(definition["Name"], 0) + sum(
                    value if isinstance(value, list) else [value]
                )
    return values


def test_alarm_opens_an_incident_with_drafts_awaiting_approval(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    answer = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)

    (outcome,) = answer["outcomes"]
    assert outcome["applied"] == "opened"
    incident = deps.store.get_incident(outcome["incident_id"])
    assert incident is not None and incident.severity_id == "SEV1" and incident.component_id == "api"
    (message,) = deps.store.messages(incident.id)
    assert message.status == MessageStatus.AWAITING_APPROVAL
    assert message.phase == "investigating"
    assert {draft.channel_id for draft in message.drafts} == {c.id for c in deps.plan.channels_for("SEV1")}
    assert [entry.kind for entry in deps.store.timeline(incident.id)] == [
        TimelineKind.OPENED,
        TimelineKind.DRAFT_CREATED,
    ]


def test_redelivered_event_changes_nothing(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("cloudwatch-eventbridge-alarm.json")
    first = invoke(handler, event, lambda_context)
    again = invoke(handler, event, lambda_context)

    assert again["outcomes"][0]["applied"] == "duplicate"
    incident_id = first["outcomes"][0]["incident_id"]
    assert len(deps.store.list_incidents()) == 1
    assert len(deps.store.messages(incident_id)) == 1
    assert len(deps.store.timeline(incident_id)) == 2


def test_ok_is_recorded_on_the_open_incident(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    opened = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)
    deps.clock.advance(timedelta(minutes=7))  # type: ignore[attr-defined]
    recorded = invoke(handler, load_event("cloudwatch-eventbridge-ok.json"), lambda_context)

    assert recorded["outcomes"][0]["applied"] == "recorded"
    incident_id = opened["outcomes"][0]["incident_id"]
    assert deps.store.timeline(incident_id)[-1].kind == TimelineKind.ALARM_STATE


def test_not_an_incident_leaves_no_trace(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    answer = invoke(handler, load_event("cloudwatch-staging-alarm.json"), lambda_context)

    assert answer["outcomes"][0]["applied"] == "not_an_incident"
    assert deps.store.list_incidents() == []


@pytest.mark.parametrize(
    "event",
    [{}, {"source": "aws.cloudwatch"}, {"Records": [{"Sns": {"Message": "not json"}}]}, {"alerts": "nope"}],
    ids=["empty", "cloudwatch-without-detail", "sns-not-json", "alerts-not-a-list"],
)
def test_bad_event_is_logged_counted_and_dropped(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    event: dict[str, Any],
) -> None:
    answer = invoke(handler, event, lambda_context)

    assert answer["outcomes"] == [] and len(answer["rejected"]) == 1
    output = capsys.readouterr().out
    assert emitted_metrics(output)["EventsRejected"] == 1
    assert [record.message for record in caplog.records if record.levelname == "WARNING"] == ["inbound event rejected"]
    assert deps.store.list_incidents() == []


def test_one_bad_sns_record_does_not_sink_the_others(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("cloudwatch-sns-alarm.json")
    event["Records"].append({"EventSource": "aws:sns", "Sns": {"Message": "{broken"}})

    answer = invoke(handler, event, lambda_context)

    assert len(answer["rejected"]) == 1
    assert [outcome["applied"] for outcome in answer["outcomes"]] == ["opened"]


def test_every_sample_event_is_accepted(deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext) -> None:
    for path in sorted(Path(REPO / "events").glob("*.json")):
        answer = invoke(handler, json.loads(path.read_text()), lambda_context)
        assert answer["rejected"] == [], path.name
        assert answer["outcomes"], path.name
