"""``incident-comms deploy check``: what would stop a deploy, found before it. The account's SES is moto's, with
``GetAccount`` (which moto does not play) answered by a stub of the real response shape."""

from __future__ import annotations

import argparse
from typing import Any

import boto3
import pytest

from incident_comms.adapters.ses_account import SesAccount, SesIdentity
from incident_comms.cli.deploy_check import STACK_NAME_LIMIT, account_findings, run_deploy_check, stack_name_findings
from incident_comms.cli.main import main
from tests.conftest import REPO

SANDBOX = {
    "ProductionAccessEnabled": False,
    "SendingEnabled": True,
    "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0},
}


class Account:
    """moto's SES v2, plus the account's ``GetAccount`` answer moto has no model of."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.client = boto3.client("sesv2", region_name="eu-west-1")
        self.answer = answer

    def get_account(self) -> dict[str, Any]:
        return self.answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def levels(text: str) -> list[str]:
    return [line.split(":", 1)[0] for line in text.splitlines()]


def check_args(**given: Any) -> argparse.Namespace:
    values = {
        "stack_name": "incident-comms",
        "plan": str(REPO / "plan"),
        "sender": "incidents@nubeteca.example",
        "sender_domain": "",
        "ses_send_rate": 14.0,
        "existing_contact_list": "",
        "offline": False,
    }
    return argparse.Namespace(**{**values, **given})


@pytest.mark.parametrize(("name", "ok"), [("a" * STACK_NAME_LIMIT, True), ("a" * 49, False), ("1-stack", False)])
def test_the_stack_name_leaves_room_for_the_longest_function_name(name: str, ok: bool) -> None:
    (finding,) = stack_name_findings(name)
    assert (finding.level == "ok") == ok
    if len(name) + len("-lifecycle-timer") > 64:
        assert "64" in finding.text


def test_offline_a_long_stack_name_fails_with_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["deploy", "check", "--stack-name", "s" * 49, "--offline", "--plan", str(REPO / "plan")])

    out = capsys.readouterr().out
    assert code == 1
    assert levels(out) == ["error", "ok", "warning"]
    assert "49 characters" in out


def test_a_sandboxed_account_a_rate_above_its_quota_and_another_contact_list_are_each_said(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    account = Account(SANDBOX)
    account.create_email_identity(EmailIdentity="incidents@nubeteca.example")
    account.create_contact_list(ContactListName="other-product-subscribers")

    code = run_deploy_check(check_args(), sesv2=lambda: account)

    out = capsys.readouterr().out
    assert code == 1
    assert "warning: SES is in the sandbox" in out
    assert "error: SesSendRate 14 is above the account's 1 emails a second: pass SesSendRate=1" in out
    assert "pass ExistingContactListName=other-product-subscribers" in out


def test_an_account_ready_for_production_passes(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    quota = {"Max24HourSend": 50_000.0, "MaxSendRate": 14.0, "SentLast24Hours": 0.0}
    account = Account({**SANDBOX, "ProductionAccessEnabled": True, "SendQuota": quota})
    account.create_email_identity(EmailIdentity="incidents@nubeteca.example")
    account.create_contact_list(ContactListName="other-product-subscribers")

    code = run_deploy_check(check_args(existing_contact_list="other-product-subscribers"), sesv2=lambda: account)

    out = capsys.readouterr().out
    assert levels(out).count("error") == 0, out
    assert code == 0


def test_an_unverified_or_missing_sender_is_an_error() -> None:
    account = SesAccount(production_access=True, sending_enabled=True, max_send_rate=14, max_24_hour_send=50_000)
    pending = SesIdentity(name="nubeteca.example", verified=False, dkim="PENDING")

    for identity in (None, pending):
        found = account_findings(account, identity, "incidents@nubeteca.example", [], "", "incident-comms", 14)
        assert [f.level for f in found if "identity" in f.text or "incidents@" in f.text] == ["error"]


def test_the_stacks_own_list_from_an_earlier_deploy_is_no_conflict() -> None:
    account = SesAccount(production_access=True, sending_enabled=True, max_send_rate=14, max_24_hour_send=50_000)
    verified = SesIdentity(name="nubeteca.example", verified=True, dkim="SUCCESS")

    found = account_findings(
        account, verified, "incidents@nubeteca.example", ["incident-comms-subscribers"], "", "incident-comms", 14
    )

    assert [f.level for f in found] == ["ok", "ok", "ok", "ok"]


def test_without_credentials_the_account_is_a_warning_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    from botocore.exceptions import NoCredentialsError

    def no_credentials() -> Any:
        raise NoCredentialsError()

    code = run_deploy_check(check_args(), sesv2=no_credentials)

    assert code == 0
    assert "warning: the account's SES could not be read (NoCredentialsError)" in capsys.readouterr().out


def test_a_bad_send_rate_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["deploy", "check", "--stack-name", "s", "--offline", "--ses-send-rate", "0"])

    assert code == 2
    assert capsys.readouterr().err.startswith("error: --ses-send-rate must be positive")
