"""``incident-comms deploy check``: what stops a deploy, found before ``sam deploy`` rather than half-way through it.

Without credentials it checks what it can offline: the stack name (two function names are ``<stack>-lifecycle-timer``
and ``<stack>-update-prompter``, and Lambda allows 64 characters) and the plan (``plan check``, SES's 20 topics per
contact list included). With credentials it reads the account's SES: sandbox or production access, the send quota
against ``--ses-send-rate``, the sender's identity and DKIM, and the contact list already in the account (there can
be only one: pass its name as ``ExistingContactListName``). One line per finding, ``ok:``, ``warning:`` or
``error:``; exit 1 when there is an error. ``scripts/deploy-check.sh`` runs this after cfn-lint and checkov.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from incident_comms.errors import BadInput, PlanError

if TYPE_CHECKING:
    from incident_comms.adapters.ses_account import SesAccount, SesIdentity

STACK_NAME_LIMIT = 48
"""64 (Lambda's function name limit) less the longest suffix the template adds (``-lifecycle-timer``, 16)."""
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
SANDBOX_RATE = 1.0


@dataclass(frozen=True)
class Finding:
    level: str
    """``ok``, ``warning`` or ``error``."""
    text: str

    def line(self) -> str:
        return f"{self.level}: {self.text}"


def stack_name_findings(stack_name: str) -> list[Finding]:
    if not _STACK_NAME.fullmatch(stack_name):
        return [Finding("error", f"stack name {stack_name!r}: letters, digits and hyphens, starting with a letter")]
    if len(stack_name) > STACK_NAME_LIMIT:
        return [
            Finding(
                "error",
                f"stack name {stack_name!r} has {len(stack_name)} characters; at most {STACK_NAME_LIMIT}, or "
                f"{stack_name}-lifecycle-timer passes Lambda's 64-character function name",
            )
        ]
    return [Finding("ok", f"stack name {stack_name} ({len(stack_name)} of {STACK_NAME_LIMIT} characters)")]


def account_findings(
    account: SesAccount,
    identity: SesIdentity | None,
    sender: str,
    lists: list[str],
    existing_list: str,
    stack_name: str,
    send_rate: float,
) -> list[Finding]:
    """What the account's SES means for this deploy (pure: the reads are the caller's)."""
    found: list[Finding] = []
    if not account.sending_enabled:
        found.append(Finding("error", "SES sending is disabled in this account and region"))
    if account.production_access:
        found.append(Finding("ok", f"SES production access: {account.max_24_hour_send:,.0f} emails a day"))
    else:
        found.append(
            Finding(
                "warning",
                "SES is in the sandbox: only verified recipients, "
                f"{account.max_24_hour_send:,.0f} emails a day; ask for production access before customers subscribe",
            )
        )
    if send_rate > account.max_send_rate:
        found.append(
            Finding(
                "error",
                f"SesSendRate {send_rate:g} is above the account's {account.max_send_rate:g} emails a second: "
                f"pass SesSendRate={account.max_send_rate:g}",
            )
        )
    else:
        found.append(Finding("ok", f"SesSendRate {send_rate:g} within {account.max_send_rate:g} a second"))
    if identity is None:
        found.append(Finding("error", f"no SES identity for {sender}: verify the address or its domain"))
    elif not identity.verified:
        found.append(Finding("error", f"SES identity {identity.name} is not verified yet"))
    elif identity.dkim != "SUCCESS":
        found.append(Finding("warning", f"SES identity {identity.name} has DKIM {identity.dkim}: set up Easy DKIM"))
    else:
        found.append(Finding("ok", f"SES identity {identity.name} verified, DKIM signing"))
    own = f"{stack_name}-subscribers"
    if existing_list:
        if existing_list in lists:
            found.append(Finding("ok", f"contact list {existing_list} exists and will be used"))
        else:
            found.append(Finding("error", f"ExistingContactListName {existing_list} is not a contact list here"))
    elif own in lists:
        found.append(Finding("ok", f"contact list {own} is this stack's own (kept from an earlier deploy?)"))
    elif lists:
        found.append(
            Finding(
                "error",
                f"the account already has contact list {lists[0]} and SES allows one per region: "
                f"pass ExistingContactListName={lists[0]}",
            )
        )
    else:
        found.append(Finding("ok", f"no contact list yet: the stack will create {own}"))
    return found


def add_deploy_command(commands: Any) -> None:
    """Add ``deploy check`` to the CLI's subparsers ``commands``."""
    deploy = commands.add_parser("deploy", help="checks to run before sam deploy")
    deploy_commands = deploy.add_subparsers(dest="deploy_command", required=True, parser_class=type(deploy))
    check = deploy_commands.add_parser("check", help="stack name, plan and the account's SES, before sam deploy")
    check.add_argument("--stack-name", required=True, help="the stack you will deploy")
    check.add_argument("--plan", help="plan folder (default: $INCIDENT_COMMS_PLAN_DIR or ./plan)")
    check.add_argument("--sender", help="SenderAddress (the account's SES identity is checked for it)")
    check.add_argument("--sender-domain", default="", help="SenderDomain, when the domain is the verified identity")
    check.add_argument("--ses-send-rate", type=float, default=14.0, help="SesSendRate (default 14, the template's)")
    check.add_argument("--existing-contact-list", default="", help="ExistingContactListName, if you pass one")
    check.add_argument("--offline", action="store_true", help="skip the account's SES (no credentials needed)")
    check.set_defaults(run=run_deploy_check)


def run_deploy_check(args: argparse.Namespace, sesv2: Callable[[], Any] | None = None) -> int:
    from incident_comms.cli.common import plan_dir
    from incident_comms.lint.plan_texts import load_checked_plan
    from incident_comms.subscribers.models import plan_topics

    if args.ses_send_rate <= 0:
        raise BadInput("--ses-send-rate must be positive")
    findings = stack_name_findings(args.stack_name)
    try:
        plan = load_checked_plan(plan_dir(args))
        plan_topics(plan)
    except (PlanError, BadInput) as error:
        problems = error.problems if isinstance(error, PlanError) else [str(error)]
        findings.append(Finding("error", f"plan: {problems[0]} ({len(problems)} problems; run plan check)"))
    else:
        findings.append(Finding("ok", f"plan: {len(plan.definition.components)} components"))
    if args.offline:
        findings.append(Finding("warning", "the account's SES was not checked (--offline)"))
    else:
        findings += _account(args, sesv2 or _sesv2_client)
    for finding in findings:
        print(finding.line())
    return 1 if any(finding.level == "error" for finding in findings) else 0


def _sesv2_client() -> Any:
    import boto3

    return boto3.client("sesv2")


def _account(args: argparse.Namespace, client_of: Callable[[], Any]) -> list[Finding]:
    from botocore.exceptions import BotoCoreError, ClientError

    from incident_comms.adapters.ses_account import contact_lists, read_account, read_identity

    sender = args.sender or ""
    try:
        client = client_of()
        names = [name for name in (sender, args.sender_domain or sender.partition("@")[2]) if name]
        identities = [found for name in names if (found := read_identity(client, name)) is not None]
        identity = next((found for found in identities if found.verified), identities[0] if identities else None)
        return account_findings(
            read_account(client),
            identity,
            sender or "the sender",
            contact_lists(client),
            args.existing_contact_list,
            args.stack_name,
            args.ses_send_rate,
        )
    except (BotoCoreError, ClientError) as error:
        return [Finding("warning", f"the account's SES could not be read ({type(error).__name__}): {error}")]
