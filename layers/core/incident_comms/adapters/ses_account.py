"""What an operator must know of the account's SES before the first deploy (``incident-comms deploy check``): the
sandbox, the send quota, whether the sender is verified with DKIM, and the contact lists already there (SES allows
one per account and region). Reads only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import BaseModel

from incident_comms.adapters.client_errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client


class SesAccount(BaseModel):
    production_access: bool
    sending_enabled: bool
    max_send_rate: float
    max_24_hour_send: float


class SesIdentity(BaseModel):
    name: str
    verified: bool
    dkim: str
    """SES's DKIM status (``SUCCESS`` when signing works); ``NOT_STARTED`` for an address without a domain."""


def read_account(client: SESV2Client) -> SesAccount:
    found = client.get_account()
    quota = found.get("SendQuota", {})
    return SesAccount(
        production_access=bool(found.get("ProductionAccessEnabled")),
        sending_enabled=bool(found.get("SendingEnabled")),
        max_send_rate=float(quota.get("MaxSendRate", 0)),
        max_24_hour_send=float(quota.get("Max24HourSend", 0)),
    )


def read_identity(client: SESV2Client, name: str) -> SesIdentity | None:
    """The identity ``name`` (an address or a domain); None when SES has none by that name."""
    try:
        found = client.get_email_identity(EmailIdentity=name)
    except ClientError as error:
        if error_code(error) == "NotFoundException":
            return None
        raise
    dkim = found.get("DkimAttributes", {}).get("Status", "NOT_STARTED")
    verified = bool(found.get("VerifiedForSendingStatus")) or found.get("VerificationStatus") == "SUCCESS"
    return SesIdentity(name=name, verified=verified, dkim=str(dkim))


def contact_lists(client: SESV2Client) -> list[str]:
    found = client.list_contact_lists()
    return [str(item["ContactListName"]) for item in found.get("ContactLists", [])]
