"""``incident-comms maintenance``: windows checked against the plan before anything is sent, plain JSON to the local
stack, SigV4-signed to the API, and the stack's answers as exit codes (a tiny stub stack: no AWS, no wall clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.credentials import Credentials

from incident_comms.cli.declare import signed_headers
from incident_comms.cli.main import main
from tests.conftest import REPO
from tests.unit.cli.stub_stack import Stub, serving

PLAN = ["--plan", str(REPO / "plan")]
MNT = "MNT-20261210-0300-3fa9c2"
SCHEDULE = [
    "maintenance",
    "schedule",
    "--components",
    "api,invoicing",
    "--start",
    "2026-12-10T03:00+01:00",
    "--end",
    "2026-12-10T05:00+01:00",
    "--title-es",
    "Actualización de la base de datos",
    "--title-en=Database upgrade",
    *PLAN,
]
LISTED = {
    "maintenances": [
        {
            "id": MNT,
            "status": "scheduled",
            "components": ["api", "invoicing"],
            "starts_at": "2026-12-10T03:00:00+01:00",
            "ends_at": "2026-12-10T05:00:00+01:00",
            "title": {"es": "Actualización de la base de datos", "en": "Database upgrade"},
        },
        {
            "id": "MNT-20261201-0100-000001",
            "status": "cancelled",
            "components": ["web"],
            "starts_at": "2026-12-01T01:00:00Z",
            "ends_at": "2026-12-01T02:00:00Z",
            "title": {"en": "Only\tin\nEnglish"},
        },
    ]
}


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub({"maintenance_id": MNT, "status": "awaiting_approval"})
    with serving(state) as url:
        yield state, url


@pytest.fixture
def stub_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def assert_signed(request: dict[str, Any]) -> None:
    authorization = request["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization and "X-Amz-Date" in request["headers"]


def test_schedule_posts_the_window_as_the_flags_say_and_prints_its_id(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = stub

    code = main(
        [
            *SCHEDULE,
            "--components",
            "web, api",
            "--details-es",
            "La API no responderá.",
            "--details-en",
            "The API will not answer.",
            "--local",
            url,
        ]
    )

    out, err = capsys.readouterr()
    assert (code, out, err) == (0, f"{MNT}\n", "")
    (request,) = state.requests
    assert (request["method"], request["path"]) == ("POST", "/maintenances")
    assert "Authorization" not in request["headers"]
    assert request["body"] == {
        "components": ["api", "invoicing", "web"],
        "starts_at": "2026-12-10T03:00:00+01:00",
        "ends_at": "2026-12-10T05:00:00+01:00",
        "title": {"es": "Actualización de la base de datos", "en": "Database upgrade"},
        "details": {"es": "La API no responderá.", "en": "The API will not answer."},
    }


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--start", "10 December"], "--start: '10 December' is not a time like"),
        (["--end", "2026-12-10T05:00"], "start and end need their UTC offset"),
        (["--end", "2026-12-10T02:00+01:00"], "the window must end after it starts"),
        (["--end", "2026-12-20T05:00+01:00"], "the window is longer than 7 days"),
        (["--components", "coffee"], "coffee is not a component of the plan"),
        (["--title-fr", "Oh"], "fr is not a locale of the plan"),
        (["--details-es", "Solo en español."], "details in every locale or none (es, en)"),
        (["--title-es", "otra vez"], "--title-es given twice"),
        (["--impact-es", "Va lento."], "unrecognized arguments: --impact-es"),
        (["--colour", "red"], "unrecognized arguments: --colour"),
        (["--details-en"], "--details-en: expected one argument"),
    ],
)
def test_bad_input_exits_2_with_one_error_line_and_sends_nothing(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    state, url = stub
    replaced = SCHEDULE.index(argv[0]) if argv[0] in ("--start", "--end") else len(SCHEDULE)
    base = SCHEDULE[:replaced] + SCHEDULE[replaced + 2 :]

    code = main([*base, "--local", url, *argv])

    assert code == 2
    assert said in one_error_line(capsys)
    assert state.requests == []


def test_a_title_missing_in_a_plan_locale_exits_2(stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = stub

    code = main([arg for arg in SCHEDULE if arg != "--title-en=Database upgrade"] + ["--local", url])

    assert code == 2 and "a title in en is needed" in one_error_line(capsys)
    assert state.requests == []


def test_nowhere_to_schedule_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("INCIDENT_COMMS_API_URL", raising=False)

    assert main(SCHEDULE) == 2
    assert "--local URL or --api URL" in one_error_line(capsys)


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (400, 2, "the stack refused the maintenance: the window must start in the future"),
        (500, 1, "the stack answered 500: the window must start in the future"),
        (201, 1, "the stack answered 201"),
    ],
)
def test_the_stacks_refusals_of_a_schedule(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str], status: int, code: int, said: str
) -> None:
    state, url = stub
    state.status, state.body = status, {"error": "the window must start in the future"} if status != 201 else {}

    assert main([*SCHEDULE, "--local", url]) == code
    assert said in one_error_line(capsys)


def test_an_unreachable_stack_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SCHEDULE, "--local", "http://127.0.0.1:9"]) == 1
    assert "cannot reach http://127.0.0.1:9/maintenances" in one_error_line(capsys)


@pytest.mark.usefixtures("stub_credentials")
def test_api_schedule_requests_are_signed_for_execute_api(stub: tuple[Stub, str]) -> None:
    state, url = stub

    assert main([*SCHEDULE, "--api", url]) == 0

    (request,) = state.requests
    assert_signed(request)


@pytest.mark.usefixtures("stub_credentials")
def test_api_url_from_the_environment_signs_list_and_cancel(
    stub: tuple[Stub, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = stub
    monkeypatch.setenv("INCIDENT_COMMS_API_URL", url)
    state.status, state.body = 200, LISTED

    assert main(["maintenance", "list", *PLAN]) == 0
    state.body = {"maintenance_id": MNT, "status": "cancelled"}
    assert main(["maintenance", "cancel", MNT]) == 0

    listing, cancel = state.requests
    assert (listing["method"], listing["body"]) == ("GET", None)
    assert (cancel["method"], cancel["path"], cancel["body"]) == ("POST", f"/maintenances/{MNT}/cancel", {})
    assert_signed(listing)
    assert_signed(cancel)


def test_signing_a_get_signs_no_content_type() -> None:
    headers = signed_headers(
        "https://a1b2c3.execute-api.eu-south-2.amazonaws.com/maintenances",
        None,
        Credentials("AKIDSTUB", "stub-secret", "stub-token"),
        "eu-south-2",
        method="GET",
    )

    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDSTUB/")
    assert "/eu-south-2/execute-api/aws4_request" in headers["Authorization"]
    assert "content-type" not in headers["Authorization"] and "Content-Type" not in headers


def test_list_prints_one_line_per_maintenance_titled_in_the_first_plan_locale(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = stub
    state.status, state.body = 200, LISTED

    code = main(["maintenance", "list", *PLAN, "--local", url])

    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{MNT}\tscheduled\t2026-12-10T03:00:00+01:00 → 2026-12-10T05:00:00+01:00\tapi,invoicing\t"
        "Actualización de la base de datos",
        "MNT-20261201-0100-000001\tcancelled\t2026-12-01T01:00:00Z → 2026-12-01T02:00:00Z\tweb\tOnly in English",
    ]
    (request,) = state.requests
    assert (request["method"], request["path"], request["body"]) == ("GET", "/maintenances", None)
    assert "Authorization" not in request["headers"]


def test_list_json_prints_the_answer(stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = stub
    state.status, state.body = 200, LISTED

    assert main(["maintenance", "list", "--json", "--local", url]) == 0

    out, _ = capsys.readouterr()
    assert json.loads(out) == LISTED and out.count("\n") == 1


def test_a_list_the_stack_fails_exits_1(stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = stub
    state.status, state.body = 500, {"message": "Internal server error"}

    assert main(["maintenance", "list", *PLAN, "--local", url]) == 1
    assert "the stack answered 500: Internal server error" in one_error_line(capsys)


def test_cancel_prints_what_it_cancelled(stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = stub
    state.status, state.body = 200, {"maintenance_id": MNT, "status": "cancelled"}

    code = main(["maintenance", "cancel", MNT, "--local", url])

    out, err = capsys.readouterr()
    assert (code, out, err) == (0, f"cancelled {MNT}\n", "")
    (request,) = state.requests
    assert (request["method"], request["path"], request["body"]) == ("POST", f"/maintenances/{MNT}/cancel", {})


@pytest.mark.parametrize(
    ("status", "reason", "said"),
    [
        (404, "no maintenance MNT-X", "error: no maintenance MNT-X"),
        (409, "MNT-X is already completed", "error: MNT-X is already completed"),
        (500, "Internal server error", "error: the stack answered 500: Internal server error"),
    ],
)
def test_a_cancel_the_stack_refuses_exits_1_with_its_reason(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str], status: int, reason: str, said: str
) -> None:
    state, url = stub
    state.status, state.body = status, {"error": reason}

    assert main(["maintenance", "cancel", "MNT-X", "--local", url]) == 1
    assert one_error_line(capsys) == f"{said}\n"


def test_cancel_of_something_that_is_not_an_id_exits_2_and_sends_nothing(
    stub: tuple[Stub, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = stub

    assert main(["maintenance", "cancel", "../incidents", "--local", url]) == 2
    assert "is not a maintenance id" in one_error_line(capsys)
    assert state.requests == []
