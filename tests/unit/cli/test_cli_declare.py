"""``incident-comms declare``: checked against the plan before anything is sent, plain JSON to the local stack,
SigV4-signed to the API, and the stack's answers as exit codes (a tiny stub stack: no AWS, no wall clock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.credentials import Credentials

from incident_comms.cli.declare import signed_headers
from incident_comms.cli.main import main
from tests.conftest import REPO
from tests.unit.cli.stub_stack import Stub, serving

PLAN = ["--plan", str(REPO / "plan")]
GOOD = [
    "declare",
    "--component",
    "api",
    "--severity",
    "SEV2",
    "--impact-es",
    "Va lento.",
    "--impact-en=It is slow.",
    *PLAN,
]


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub({"incident_id": "INC-20261122-1015-abc123", "component": "api", "severity": "SEV2"})
    with serving(state) as url:
        yield state, url


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_local_posts_the_declaration_and_prints_the_incident_id(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = stub

    code = main([*GOOD, "--customer-action-es", "Reintente.", "--customer-action-en", "Retry.", "--local", url])

    out, err = capsys.readouterr()
    assert (code, out, err) == (0, "INC-20261122-1015-abc123\n", "")
    (request,) = state.requests
    assert request["path"] == "/incidents" and "Authorization" not in request["headers"]
    assert request["body"] == {
        "component": "api",
        "severity": "SEV2",
        "impact": {"es": "Va lento.", "en": "It is slow."},
        "customer_action": {"es": "Reintente.", "en": "Retry."},
    }


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--component", "coffee"], "component: 'coffee' is not one of"),
        (["--severity", "SEV9"], "severity: 'SEV9' is not one of"),
        (["--impact-fr", "Oh"], "impact: 'fr' is not a plan locale"),
        (["--customer-action-es", "Reintente."], "customer-action: say it in every locale or in none (missing: en)"),
        (["--impact-es", "otra vez"], "--impact-es given twice"),
        (["--colour", "red"], "unrecognized arguments: --colour"),
        (["--impact-en"], "--impact-en: expected one argument"),
    ],
)
def test_bad_input_exits_2_with_one_error_line_and_sends_nothing(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    state, url = stub
    base = [arg for arg in GOOD if arg != "--impact-en=It is slow."] if argv == ["--impact-en"] else GOOD

    code = main([*base, *argv, "--local", url])

    assert code == 2
    assert said in one_error_line(capsys)
    assert state.requests == []


def test_missing_impact_in_a_locale_exits_2(stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = stub

    code = main(
        ["declare", "--component", "api", "--severity", "SEV2", "--impact-es", "Va lento.", *PLAN, "--local", url]
    )

    assert code == 2 and "impact: say it in every locale (missing: en)" in one_error_line(capsys)
    assert state.requests == []


def test_nowhere_to_declare_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("INCIDENT_COMMS_API_URL", raising=False)

    assert main(GOOD) == 2
    assert "--local URL or --api URL" in one_error_line(capsys)


def test_local_and_api_together_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*GOOD, "--local", "http://127.0.0.1:1", "--api", "https://x.example"]) == 2
    one_error_line(capsys)


def test_an_incident_already_open_exits_1_naming_it(stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = stub
    state.status, state.body = 409, {"error": "an incident is already open on api", "incident_id": "INC-1"}

    code = main([*GOOD, "--local", url])

    assert code == 1
    assert "already open on api (open incident: INC-1)" in one_error_line(capsys)


def test_a_refusal_of_the_stack_for_bad_input_exits_2(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = stub
    state.status, state.body = 400, {"error": "impact: say it in every locale (missing: en)"}

    assert main([*GOOD, "--local", url]) == 2
    assert "the stack refused the declaration" in one_error_line(capsys)


def test_an_unreachable_stack_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*GOOD, "--local", "http://127.0.0.1:9"]) == 1
    assert "cannot reach http://127.0.0.1:9/incidents" in one_error_line(capsys)


def test_api_requests_are_signed_for_execute_api(stub: tuple[Stub, str], monkeypatch: pytest.MonkeyPatch) -> None:
    state, url = stub
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    assert main([*GOOD, "--api", url]) == 0

    (request,) = state.requests
    authorization = request["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization and "X-Amz-Date" in request["headers"]


def test_signing_with_stub_credentials_names_the_service_and_region() -> None:
    headers = signed_headers(
        "https://a1b2c3.execute-api.eu-south-2.amazonaws.com/incidents",
        b"{}",
        Credentials("AKIDSTUB", "stub-secret", "stub-token"),
        "eu-south-2",
    )

    assert "/eu-south-2/execute-api/aws4_request" in headers["Authorization"]
    assert "SignedHeaders=" in headers["Authorization"] and headers["X-Amz-Security-Token"] == "stub-token"
