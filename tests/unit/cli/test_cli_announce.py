"""``incident-comms plan announce``: dry-run JSON lines, sending through SES (moto), and its bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_comms.cli.main import main
from incident_comms.plan.models import Plan
from tests.conftest import REPO

PLAN_DIR = str(REPO / "plan")
SENDER = "incidentes@nubeteca.example"


def people(plan: Plan) -> set[str]:
    return {person.email for role in plan.roles.roles for person in role.people}


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def assert_bad_input(code: int, capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert out == ""
    return err


@pytest.fixture(autouse=True)
def no_sender_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENDER_ADDRESS", raising=False)


APPROVALS_URL = "https://approvals.nubeteca.example"
BEFORE_ANY_RUN = datetime(2026, 1, 1, tzinfo=UTC)
"""Links are issued when sent (the command's clock) and live 400 days: any earlier instant verifies them."""
DECLARERS = {
    "lucia.navarro@nubeteca.example",
    "andres.pineda@nubeteca.example",
    "marta.ibanez@nubeteca.example",
    "jorge.salas@nubeteca.example",
}


@pytest.fixture
def ses(approval_key_parameter: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """SES on moto, with the approval key parameter and approvals URL the declare links are made from."""
    import boto3

    monkeypatch.setenv("APPROVAL_KEY_PARAMETER", approval_key_parameter)
    monkeypatch.setenv("APPROVALS_BASE_URL", APPROVALS_URL)
    return boto3.client("sesv2")


def test_each_declarer_gets_a_personal_declare_link_that_verifies(ses: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from incident_comms.local.outbox import sent_emails
    from incident_comms.team.console_links import ConsoleScope, verify_console_token
    from tests.conftest import APPROVAL_KEY

    ses.create_email_identity(EmailIdentity=SENDER)

    assert main(["plan", "announce", "--plan", PLAN_DIR, "--sender", SENDER]) == 0, capsys.readouterr().err

    linked = {}
    for email in sent_emails("eu-west-1"):
        tokens = re.findall(re.escape(APPROVALS_URL) + r"/declare/([A-Za-z0-9_.%-]+)", email["text"])
        if tokens:
            (token,) = set(tokens)
            (linked[email["to"][0]],) = [token]
    assert set(linked) == DECLARERS
    for address, token in linked.items():
        claims = verify_console_token(token, APPROVAL_KEY.encode(), BEFORE_ANY_RUN, ConsoleScope.DECLARE)
        assert claims.recipient == address


def test_dry_run_without_the_key_shows_where_each_declare_link_goes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("APPROVAL_KEY_PARAMETER", raising=False)
    monkeypatch.delenv("APPROVALS_BASE_URL", raising=False)

    assert main(["plan", "announce", "--plan", PLAN_DIR, "--dry-run", "--approvals-url", APPROVALS_URL]) == 0

    lines = json_lines(capsys.readouterr().out)
    with_link = {line["to"][0] for line in lines if f"{APPROVALS_URL}/declare/<personal declare link" in line["text"]}
    assert with_link == DECLARERS


def test_sending_without_the_key_for_the_declare_links_is_bad_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("APPROVAL_KEY_PARAMETER", raising=False)

    code = main(["plan", "announce", "--plan", PLAN_DIR, "--sender", SENDER, "--approvals-url", APPROVALS_URL])

    assert "--approval-key-parameter" in assert_bad_input(code, capsys)


def test_dry_run_prints_one_json_line_per_person_and_sends_nothing(
    plan: Plan, ses: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_comms.local.outbox import sent_emails

    code = main(["plan", "announce", "--plan", PLAN_DIR, "--dry-run"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = json_lines(captured.out)
    assert sorted(address for line in lines for address in line["to"]) == sorted(people(plan))
    for line in lines:
        assert set(line) == {"to", "subject", "text"}
        assert line["subject"] == "Nubeteca — su papel en el plan de comunicación de incidentes"
        assert line["text"].strip()
    assert sent_emails("eu-west-1") == []


def test_sending_emails_every_person_through_ses(plan: Plan, ses: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from incident_comms.local.outbox import sent_emails

    ses.create_email_identity(EmailIdentity=SENDER)

    code = main(["plan", "announce", "--plan", PLAN_DIR, "--sender", SENDER])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = json_lines(captured.out)
    assert len(lines) == len(people(plan))
    sent = sent_emails("eu-west-1")
    assert sorted(email["id"] for email in sent) == sorted(line["message_id"] for line in lines)
    assert sorted(address for email in sent for address in email["to"]) == sorted(people(plan))
    assert {email["from"] for email in sent} == {SENDER}
    legal = next(email for email in sent if email["to"] == ["ramon.lozano@nubeteca.example"])
    assert "Informe del incidente" in legal["text"]


def test_the_sender_comes_from_the_environment_when_not_given(
    plan: Plan, ses: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_comms.local.outbox import sent_emails

    ses.create_email_identity(EmailIdentity=SENDER)
    monkeypatch.setenv("SENDER_ADDRESS", SENDER)

    code = main(["plan", "announce", "--plan", PLAN_DIR])

    assert code == 0, capsys.readouterr().err
    assert len(sent_emails("eu-west-1")) == len(people(plan))


def test_an_unverified_sender_reports_each_refusal_and_exits_1(
    plan: Plan, ses: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_comms.local.outbox import sent_emails

    code = main(["plan", "announce", "--plan", PLAN_DIR, "--sender", SENDER])

    captured = capsys.readouterr()
    assert code == 1
    lines = json_lines(captured.out)
    assert len(lines) == len(people(plan))
    for line in lines:
        assert "message_id" not in line
        assert "MessageRejected" in line["error"]
        assert "\n" not in line["error"]
    assert sent_emails("eu-west-1") == []


def test_missing_sender_is_bad_input(ses: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from incident_comms.local.outbox import sent_emails

    code = main(["plan", "announce", "--plan", PLAN_DIR])

    assert "sender" in assert_bad_input(code, capsys)
    assert sent_emails("eu-west-1") == []


def test_a_sender_that_is_not_an_address_is_bad_input(ses: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "announce", "--plan", PLAN_DIR, "--sender", "incidentes at nubeteca"])

    assert "not an email address" in assert_bad_input(code, capsys)


@pytest.mark.parametrize("dry_run", [["--dry-run"], ["--sender", SENDER]], ids=["dry-run", "send"])
def test_a_missing_plan_is_bad_input(tmp_path: Path, dry_run: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "announce", "--plan", str(tmp_path / "nowhere"), *dry_run])

    assert "plan" in assert_bad_input(code, capsys)


def test_an_invalid_plan_is_bad_input(plan_copy: Path, ses: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from incident_comms.local.outbox import sent_emails

    ses.create_email_identity(EmailIdentity=SENDER)
    (plan_copy / "roles.yaml").write_text("roles: [\n", encoding="utf-8")

    code = main(["plan", "announce", "--plan", str(plan_copy), "--sender", SENDER])

    assert "plan is invalid" in assert_bad_input(code, capsys)
    assert sent_emails("eu-west-1") == []
