"""The command line as a user meets it: a real process, exit codes, one ``error:`` line, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from incident_comms.lint.plan_texts import GSM7_HINT
from tests.conftest import EVENTS, REPO


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "incident_comms", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        timeout=30,
        check=False,
    )


def assert_bad_input(result: subprocess.CompletedProcess[bytes]) -> str:
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.startswith("error: ")
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert result.stdout == b""
    return stderr


BAD_PAYLOADS = {
    "empty": b"",
    "not-json": b"ALARM prod-api-5xx",
    "invalid-utf8": b'{"alertname": "\xff\xfe"}',
    "json-array": b"[1, 2, 3]",
    "json-string": b'"hello"',
    "unknown-source": json.dumps({"source": "nagios", "host": "db1", "state": "CRITICAL"}).encode(),
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
    "deep-objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "huge": json.dumps({"x": "y" * (300 * 1024)}).encode(),
    "wrong-shape-eventbridge": json.dumps(
        {"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "detail": {"alarmName": 3}}
    ).encode(),
}


@pytest.mark.parametrize("payload", BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_classify_rejects_bad_input_with_one_error_line(payload: bytes) -> None:
    assert_bad_input(run("classify", "-", stdin=payload))


def test_classify_names_a_missing_file() -> None:
    stderr = assert_bad_input(run("classify", "no/such/file.json"))
    assert "no/such/file.json" in stderr


def test_unknown_command_is_bad_input() -> None:
    assert_bad_input(run("frobnicate"))


def test_classify_with_an_invalid_plan_is_bad_input(tmp_path: Path) -> None:
    stderr = assert_bad_input(
        run("classify", "--plan", str(tmp_path), str(EVENTS / "cloudwatch-eventbridge-alarm.json"))
    )
    assert "plan" in stderr


def test_plan_check_accepts_the_example_plan() -> None:
    result = run("plan", "check", "plan/")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().startswith("ok:")


def test_plan_check_lists_problems_as_file_field_message(tmp_path: Path) -> None:
    for source in (REPO / "plan").rglob("*"):
        if source.is_file():
            target = tmp_path / source.relative_to(REPO / "plan")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    definition = tmp_path / "incident-definition.yaml"
    definition.write_text(definition.read_text().replace("severity: SEV1", "severity: SEV9", 1))

    result = run("plan", "check", "--plan", str(tmp_path))

    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert any(line.startswith("incident-definition.yaml: rules[") and "SEV9" in line for line in lines), lines


def test_plan_check_refuses_an_sms_template_that_is_not_gsm7(tmp_path: Path) -> None:
    for source in (REPO / "plan").rglob("*"):
        if source.is_file():
            target = tmp_path / source.relative_to(REPO / "plan")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    template = tmp_path / "templates/es/investigating.sms.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace("Investigando un fallo", "Investigación de un fallo"), "utf-8"
    )

    result = run("plan", "check", "--plan", str(tmp_path))

    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert [line for line in lines if "GSM-7" in line] == [
        f"templates/es/investigating.sms.j2: line 2: characters outside GSM-7 in an SMS template: 'ó'; {GSM7_HINT}"
    ], lines


def test_plan_render_prints_markdown() -> None:
    result = run("plan", "render")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().lstrip().startswith("#")


def _topics_besides_components() -> int:
    """The example plan's contact list topics that are not components: one per audience and per locale."""
    import yaml

    audiences = yaml.safe_load((REPO / "plan" / "channels.yaml").read_text(encoding="utf-8"))["audiences"]
    definition = yaml.safe_load((REPO / "plan" / "incident-definition.yaml").read_text(encoding="utf-8"))
    return len(audiences) + len(definition["locales"])


def _plan_with_components(tmp_path: Path, count: int) -> Path:
    """The example plan with ``count`` components (its own, then copies of its first)."""
    import yaml

    for source in (REPO / "plan").rglob("*"):
        if source.is_file():
            target = tmp_path / source.relative_to(REPO / "plan")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    path = tmp_path / "incident-definition.yaml"
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    first, existing = definition["components"][0], definition["components"]
    extra = [{**first, "id": f"extra-{n}"} for n in range(count - len(existing))]
    definition["components"] = existing + extra
    path.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_plan_check_refuses_a_plan_whose_components_do_not_fit_the_contact_list(tmp_path: Path) -> None:
    """SES: 20 topics per contact list, one per component (and per audience and locale); the 21st component would
    fail only when its topic is first added, so plan check says so first."""
    stderr = assert_bad_input(run("plan", "check", "--plan", str(_plan_with_components(tmp_path, 21))))

    assert f"needs {21 + _topics_besides_components()} contact list topics (21 components + " in stderr
    assert "SES allows 20 per contact list" in stderr


def test_plan_check_accepts_a_plan_that_fills_the_contact_list_exactly(tmp_path: Path) -> None:
    fits = 20 - _topics_besides_components()

    result = run("plan", "check", "--plan", str(_plan_with_components(tmp_path, fits)))

    assert result.returncode == 0, result.stderr.decode()
    assert f"{fits} components" in result.stdout.decode()


def test_plan_check_saves_the_checked_plan_for_the_functions(tmp_path: Path) -> None:
    from incident_comms.plan.snapshot import read_snapshot

    plan = tmp_path / "plan"
    shutil.copytree(REPO / "plan", plan)

    result = run("plan", "check", "--plan", str(plan), "--snapshot", str(plan / "plan.snapshot.json"))

    assert result.returncode == 0, result.stderr.decode()
    assert read_snapshot(plan) is not None


def test_plan_check_saves_nothing_for_a_plan_it_refuses(tmp_path: Path) -> None:
    snapshot = tmp_path / "plan.snapshot.json"

    result = run("plan", "check", "--plan", str(_plan_with_components(tmp_path, 21)), "--snapshot", str(snapshot))

    assert result.returncode == 2 and not snapshot.exists()
