"""The email channel: who should get this update, in batches of 50, handed to the email sender through SQS.

An email channel names an audience and a locale; the incident names a component. Its recipients are the
subscribers opted in to that component, in that audience and locale, and not unsubscribed
(:meth:`~incident_comms.subscribers.directory.SubscriberDirectory.recipients`). SES takes at most 50 recipients
per bulk call and limits how fast an account sends, so the channel does not send: it splits the recipients into batches
of :data:`~incident_comms.delivery.email.batches.models.MAX_BATCH` and queues one
:class:`~incident_comms.delivery.email.batches.models.EmailBatch`
per batch (addresses only; the sender reads the approved draft from the store), ten to an SQS call. The sender
function then sends each batch once, at the pace SES allows (:mod:`incident_comms.delivery.email.batches`).

What the channel's delivery counts: ``attempted`` is the number of recipients, ``delivered`` those queued for the
sender, ``failed`` those SQS refused. What SES then accepted or refused is in the sender's batch records (and any
refusal on the incident's timeline): one publish cannot wait for 10,000 emails paced over minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from incident_comms.delivery.email.batches.models import MAX_BATCH, EmailBatch
from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.models import normalise_address
from incident_comms.text import one_line, truncate

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

SQS_BATCH = 10
"""SendMessageBatch takes at most ten messages."""


def batches(recipients: list[str], size: int = MAX_BATCH) -> Iterator[list[str]]:
    """``recipients`` in order, ``size`` at a time (the last batch may be shorter)."""
    if size < 1:
        raise ValueError("a batch holds at least one recipient")
    for start in range(0, len(recipients), size):
        yield recipients[start : start + size]


class EmailFanOutChannel:
    """:class:`~incident_comms.delivery.publishing.ChannelPublisher` for ``email`` channels: subscribers from
    ``directory``, batches to the SQS queue ``queue_url`` the email sender function reads."""

    def __init__(self, directory: SubscriberDirectory, sqs: SQSClient, queue_url: str) -> None:
        self._directory = directory
        self._sqs = sqs
        self._queue_url = queue_url

    def publish(self, job: ChannelJob) -> ChannelResult:
        """Queue the job's recipients in batches; SQS refusals are counted as failed recipients, never raised."""
        if not self._queue_url:
            raise RuntimeError("EMAIL_BATCH_QUEUE_URL is not set: the function runs outside its template")
        channel = job.channel
        recipients, unusable = _usable(
            self._directory.recipients(job.incident.component_id, channel.audience, channel.locale)
        )
        if not recipients:
            return ChannelResult(
                attempted=unusable,
                failed=unusable,
                detail=f"no subscribers to {job.incident.component_id} in {channel.audience} ({channel.locale})"
                + (f"; {unusable} addresses SES cannot send to" if unusable else ""),
            )
        groups = list(batches(recipients))
        messages = [
            EmailBatch(
                incident_id=job.incident.id,
                message_id=job.message.id,
                version=job.message.version,
                channel_id=channel.id,
                batch=number,
                batches=len(groups),
                recipients=group,
            )
            for number, group in enumerate(groups, start=1)
        ]
        queued, failed, errors = queue_batches(self._sqs, self._queue_url, messages)
        detail = f"{len(messages)} batches of up to {MAX_BATCH} queued for the email sender"
        if errors:
            detail = truncate(one_line(f"SQS refused the batches of {failed} recipients: {errors[0]}"), 500)
        if unusable:
            detail += f"; {unusable} addresses in the contact list SES cannot send to"
        return ChannelResult(
            attempted=len(recipients) + unusable, delivered=queued, failed=failed + unusable, detail=detail
        )


def queue_batches(sqs: SQSClient, queue_url: str, messages: list[EmailBatch]) -> tuple[int, int, list[str]]:
    """Send ``messages`` to the email batch queue, ten to a call: the recipients queued, those refused, and why.
    A refused call does not keep the next ones from being tried."""
    queued = failed = 0
    errors: list[str] = []
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": f"b{message.batch}", "MessageBody": message.model_dump_json()} for message in chunk
        ]
        sizes = {f"b{message.batch}": len(message.recipients) for message in chunk}
        try:
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except Exception as error:  # noqa: BLE001 - the rest of the batches may still go; this part is counted
            failed += sum(sizes.values())
            errors.append(f"{type(error).__name__}: {error}")
            continue
        queued += sum(sizes[entry["Id"]] for entry in response.get("Successful", []))
        for entry in response.get("Failed", []):
            failed += sizes[entry["Id"]]
            errors.append(f"{entry.get('Code', 'refused')}: {entry.get('Message', '')}")
    return queued, failed, errors


def _usable(addresses: Iterable[str]) -> tuple[list[str], int]:
    """The addresses to send to, normalised and each once, and how many the list holds that SES could not take
    (put there by another tool): those are counted as failed, so one bad contact never holds up a batch."""
    usable: dict[str, None] = {}
    unusable = 0
    for address in addresses:
        try:
            usable[normalise_address(address)] = None
        except ValueError:
            unusable += 1
    return list(usable), unusable
