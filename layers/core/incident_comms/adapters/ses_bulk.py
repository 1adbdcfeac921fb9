"""Customer email on AWS: :class:`SesBulkEmailSender` is :class:`incident_comms.delivery.email.batches.store.
BulkEmailSender`, one SES v2 SendBulkEmail call per batch, answering one
:class:`~incident_comms.delivery.email.batches.models.EntryResult` per recipient.

A call SES refused whole sent nothing: for its rate, or because it could not be made at all (no connection: the
client has SDK retries off, so the sender retries it under its claim), it is raised as
:class:`~incident_comms.delivery.email.batches.store.SesThrottled` (try later), for good (any other 4xx) as
:class:`~incident_comms.delivery.email.batches.store.SesRefused`; a lost answer or a server error is raised
untouched (SES may have sent it: never resent).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.adapters.retries import Verdict, verdict
from incident_comms.delivery.email.batches.models import BulkEmail, EntryResult
from incident_comms.delivery.email.batches.store import THROTTLE_CODES, SesRefused, SesThrottled
from incident_comms.mail_threads import thread_headers

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sesv2.type_defs import BulkEmailEntryTypeDef


class SesBulkEmailSender:
    """One SES v2 SendBulkEmail call per :class:`~incident_comms.delivery.email.batches.models.BulkEmail`, from
    ``sender``.

    The content goes inline (``DefaultContent.Template.TemplateContent``): no SES template to deploy or keep in
    step with the plan. ``configuration_set`` routes bounces and complaints (SES event destinations) when given;
    the email's tags go as ``DefaultEmailTags`` (one message, version and channel per call), so every event
    names what it is about. The email's thread becomes ``In-Reply-To`` / ``References`` headers for every entry
    (:mod:`incident_comms.mail_threads`: SendBulkEmail takes no ``Message-ID``, so a thread cannot hang from one).
    """

    def __init__(self, client: SESV2Client, sender: str, configuration_set: str | None = None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send_bulk(self, email: BulkEmail) -> list[EntryResult]:
        content: dict[str, str] = {"Subject": email.subject, "Text": email.text}
        if email.html is not None:
            content["Html"] = email.html
        template: dict[str, Any] = {"TemplateContent": content, "TemplateData": json.dumps(dict(email.default_data))}
        headers = (*email.headers, *(thread_headers(email.thread, self._sender) if email.thread else ()))
        if headers:
            template["Headers"] = [{"Name": name, "Value": value} for name, value in headers]
        entries: list[BulkEmailEntryTypeDef] = [
            {
                "Destination": {"ToAddresses": [entry.address]},
                "ReplacementEmailContent": {
                    "ReplacementTemplate": {"ReplacementTemplateData": json.dumps(dict(entry.data))}
                },
                "ReplacementHeaders": [{"Name": name, "Value": value} for name, value in entry.headers],
            }
            for entry in email.entries
        ]
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "DefaultContent": {"Template": template},
            "BulkEmailEntries": entries,
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if email.tags:
            request["DefaultEmailTags"] = [{"Name": name, "Value": value} for name, value in email.tags]
        try:
            response = self._client.send_bulk_email(**request)
        except BotoCoreError as error:
            if verdict(error) == Verdict.RETRY:
                raise SesThrottled(type(error).__name__) from None
            raise
        except ClientError as error:
            code = error_code(error)
            if code in THROTTLE_CODES or verdict(error) == Verdict.RETRY:
                raise SesThrottled(code) from None
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if 400 <= status < 500:
                message = str(error.response.get("Error", {}).get("Message", ""))
                raise SesRefused(code or str(status), message) from None
            raise
        return [
            EntryResult(
                address=entry.address,
                status=str(result.get("Status", "FAILED")),
                message_id=result.get("MessageId"),
                error=result.get("Error"),
            )
            for entry, result in zip(email.entries, response.get("BulkEmailEntryResults", []), strict=False)
        ]
