"""The one place that builds AWS clients and services: lazily, once per container, never at import time.

Handlers call :func:`services`; tests and the local stack call :func:`use_services` to swap in their own
clock or settings. boto3 honours ``AWS_ENDPOINT_URL``, which is how the local stack points handlers at moto.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from incident_comms.clock import Clock, SystemClock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_sesv2.client import SESV2Client

    from incident_comms.notify import ApprovalRequests, EmailSender
    from incident_comms.plan.models import Plan
    from incident_comms.store import IncidentStore


DEFAULT_SENDER_ADDRESS = "incidents@example.com"


@dataclass(frozen=True)
class Settings:
    table_name: str
    plan_dir: Path
    sender_address: str = DEFAULT_SENDER_ADDRESS
    approvals_base_url: str = ""
    webhook_token_secret: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings template.yaml gives every function; a missing one is a deployment error."""
        try:
            table_name = os.environ["TABLE_NAME"]
        except KeyError as error:
            raise RuntimeError("TABLE_NAME is not set: the function runs outside its template") from error
        return cls(
            table_name=table_name,
            plan_dir=Path(os.environ.get("INCIDENT_COMMS_PLAN_DIR", "/opt")),
            sender_address=os.environ.get("SENDER_ADDRESS") or DEFAULT_SENDER_ADDRESS,
            approvals_base_url=os.environ.get("APPROVALS_BASE_URL", ""),
            webhook_token_secret=os.environ.get("WEBHOOK_TOKEN_SECRET_ARN", ""),
        )


@dataclass
class Services:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        import boto3

        return boto3.client("dynamodb")

    @cached_property
    def store(self) -> IncidentStore:
        from incident_comms.adapters.dynamodb import DynamoIncidentStore

        return DynamoIncidentStore(self.dynamodb, self.settings.table_name)

    @cached_property
    def sesv2(self) -> SESV2Client:
        import boto3

        return boto3.client("sesv2")

    @cached_property
    def email_sender(self) -> EmailSender:
        from incident_comms.adapters.ses import SesEmailSender

        return SesEmailSender(self.sesv2, self.settings.sender_address)

    @cached_property
    def approval_requests(self) -> ApprovalRequests:
        """The approval request emails: sent from the configured sender, linking to the approvals base URL."""
        from incident_comms.notify import ApprovalRequests

        return ApprovalRequests(self.email_sender, self.settings.approvals_base_url)

    @cached_property
    def webhook_token(self) -> str:
        """The alert webhooks' bearer token, read from Secrets Manager once per container."""
        import json

        import boto3

        if not self.settings.webhook_token_secret:
            raise RuntimeError("WEBHOOK_TOKEN_SECRET_ARN is not set: the function runs outside its template")
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=self.settings.webhook_token_secret)
        token = json.loads(secret["SecretString"])["token"]
        if not isinstance(token, str) or len(token) < 16:
            raise RuntimeError("the webhook token secret holds no usable token")
        return token

    @cached_property
    def plan(self) -> Plan:
        from incident_comms.plan.loader import load_plan

        return load_plan(self.settings.plan_dir)


_current: Services | None = None


def services() -> Services:
    """The container's services, built on first use."""
    global _current
    if _current is None:
        _current = Services(Settings.from_env())
    return _current


def use_services(replacement: Services | None) -> None:
    """Swap the services (tests, local stack); None goes back to building them from the environment."""
    global _current
    _current = replacement
