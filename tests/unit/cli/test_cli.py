"""The command line as a user meets it: a real process, exit codes, one ``error:`` line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_plan_render_prints_markdown() -> None:
    result = run("plan", "render")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().lstrip().startswith("#")
