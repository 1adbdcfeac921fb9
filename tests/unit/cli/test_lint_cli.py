"""``incident-comms lint`` as a user meets it: one JSON object, offsets into the whole input, exit 0 / 1 / 2, and one
``error:`` line (nothing on stdout) for every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.unit.conftest import Edit

GOOD_EMAIL = (
    "Subject: Nubeteca: invoices delayed\n\n"
    "Invoices may be delayed on their way to the tax agency.\n\n"
    "Was any data lost? No, no data was lost.\n\n"
    "Need help? Write to soporte@nubeteca.example.\n"
    "Next update: 15:00 CET.\n"
)
BAD_EMAIL = (
    "Subject: Nubeteca: DNS problem with invoicing\n\n"
    "Invoices may be delayed. It was human error.\n\n"
    "Need help? Write to soporte@nubeteca.example.\n"
    "Next update: 15:00 CET.\n"
)


def run(*args: str, stdin: str | bytes = b"") -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "incident_comms", "lint", *args],
        input=data,
        capture_output=True,
        cwd=REPO,
        timeout=30,
        check=False,
    )


def report(result: subprocess.CompletedProcess[bytes], code: int) -> dict[str, Any]:
    assert result.returncode == code, result.stderr.decode()
    assert result.stderr == b""
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def assert_bad_input(result: subprocess.CompletedProcess[bytes]) -> str:
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert result.stdout == b""
    return stderr


def test_a_good_draft_exits_0_with_no_findings() -> None:
    assert report(run("--phase", "update", "--severity", "SEV1", "--locale", "en", "-", stdin=GOOD_EMAIL), 0) == {
        "ok": True,
        "findings": [],
    }


def test_errors_exit_1_and_offsets_point_into_the_whole_input(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(BAD_EMAIL, encoding="utf-8")
    result = report(run("--phase", "update", "--severity", "SEV1", "--locale", "en", str(draft)), 1)
    assert result["ok"] is False
    by_check = {f["check"]: f for f in result["findings"]}
    assert set(by_check) == {"summary-first", "no-blame", "data-loss-stated"}
    assert BAD_EMAIL[by_check["summary-first"]["start"] : by_check["summary-first"]["end"]] == "DNS"
    assert BAD_EMAIL[by_check["no-blame"]["start"] : by_check["no-blame"]["end"]] == "human error"
    missing = by_check["data-loss-stated"]
    assert BAD_EMAIL[missing["start"] : missing["end"]] == BAD_EMAIL.split("\n\n", 1)[1]
    assert by_check["no-blame"] == {
        "check": "no-blame",
        "level": "error",
        "message": by_check["no-blame"]["message"],
        "start": by_check["no-blame"]["start"],
        "end": by_check["no-blame"]["end"],
        "values": ["blameless"],
    }
    assert [f["start"] for f in result["findings"]] == sorted(f["start"] for f in result["findings"])


def test_warnings_alone_exit_0() -> None:
    draft = GOOD_EMAIL.replace("Need help? Write to soporte@nubeteca.example.\n", "")
    result = report(run("--phase", "update", "--locale", "en", "-", stdin=draft), 0)
    assert result["ok"] is True
    assert [(f["check"], f["level"]) for f in result["findings"]] == [("contact-given", "warning")]


def test_an_sms_in_the_plans_main_locale_by_default() -> None:
    sms = (
        "Nubeteca: investigamos un problema en Facturación. ¿Datos perdidos? No. "
        "Próx. aviso: pronto. Info: estado.nubeteca.example"
    )
    result = report(run("--phase", "investigating", "--severity", "SEV1", "--channel", "sms", "-", stdin=sms), 1)
    [parts, finding] = result["findings"]
    assert finding["check"] == "next-update-promised"
    assert parts["check"] == "fits-channel" and "2 partes" in parts["message"] and "UCS-2" in parts["message"]
    assert sms[finding["start"] : finding["end"]] == "pronto"
    assert "no es una hora" in finding["message"]


def test_certain_lets_a_fix_time_through() -> None:
    draft = GOOD_EMAIL.replace("Next update:", "Downloads will be restored at 14:30 CET.\nNext update:")
    args = ("--phase", "identified", "--locale", "en", "-")
    assert [f["check"] for f in report(run(*args, stdin=draft), 1)["findings"]] == ["no-unsure-commitment"]
    assert report(run("--certain", *args, stdin=draft), 0)["findings"] == []


def test_a_byte_order_mark_is_not_part_of_the_text() -> None:
    result = report(run("--phase", "update", "--locale", "en", "-", stdin="\ufeff" + BAD_EMAIL), 1)
    blame = next(f for f in result["findings"] if f["check"] == "no-blame")
    assert BAD_EMAIL[blame["start"] : blame["end"]] == "human error"


def test_the_plan_settings_apply(edit_plan: Edit, plan_copy: Path) -> None:
    def soften(data: dict[str, Any]) -> None:
        data["checks"] = {"no-blame": {"level": "warning"}, "summary-first": {"enabled": False}}

    edit_plan("values.yaml", soften)
    result = report(run("--plan", str(plan_copy), "--phase", "update", "--locale", "en", "-", stdin=BAD_EMAIL), 0)
    assert [(f["check"], f["level"]) for f in result["findings"]] == [("no-blame", "warning")]


BAD_ARGUMENTS = {
    "unknown-phase": ("--phase", "recovering", "-"),
    "no-phase": ("-",),
    "unknown-severity": ("--phase", "update", "--severity", "SEV9", "-"),
    "unknown-locale": ("--phase", "update", "--locale", "fr", "-"),
    "unknown-channel": ("--phase", "update", "--channel", "chat", "-"),
    "missing-file": ("--phase", "update", "no/such/draft.txt"),
    "invalid-plan": ("--plan", "events", "--phase", "update", "-"),
}


@pytest.mark.parametrize("args", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_are_bad_input(args: tuple[str, ...]) -> None:
    assert_bad_input(run(*args, stdin=GOOD_EMAIL))


BAD_DRAFTS = {
    "empty": b"",
    "blank": b" \n\t\n",
    "subject-only": b"Subject: Nubeteca: problem\n\n",
    "not-utf8": "Facturación".encode("latin-1"),
    "too-large": b"x" * (256 * 1024 + 1),
}


@pytest.mark.parametrize("draft", BAD_DRAFTS.values(), ids=BAD_DRAFTS.keys())
def test_bad_drafts_are_bad_input(draft: bytes) -> None:
    assert_bad_input(run("--phase", "update", "--locale", "en", "-", stdin=draft))


def test_bad_input_names_what_is_wrong() -> None:
    assert "SEV1, SEV2, SEV3" in assert_bad_input(run("--phase", "update", "--severity", "SEV9", "-", stdin="x"))
    assert "no/such/draft.txt" in assert_bad_input(run("--phase", "update", "no/such/draft.txt"))
    assert "UTF-8" in assert_bad_input(run("--phase", "update", "-", stdin=BAD_DRAFTS["not-utf8"]))
