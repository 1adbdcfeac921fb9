"""``PublishQueue`` on Amazon SQS: one message per publication, read by the publisher function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incident_comms.delivery.email.batches.models import EmailBatch
from incident_comms.delivery.email.fanout import queue_batches
from incident_comms.delivery.publishing import PublishRequest
from incident_comms.incidents.models import Publication

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


class SqsPublishQueue:
    """Sends :class:`PublishRequest` bodies to ``queue_url``; SQS refusals reach the caller, which records them."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def request(self, publication: Publication) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url, MessageBody=PublishRequest.of(publication).model_dump_json()
        )


class SqsEmailBatches:
    """:class:`~incident_comms.scheduled_maintenance.use_cases.BatchQueue` on the email batch queue the sender reads."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def queue(self, batches: list[EmailBatch]) -> tuple[int, int, list[str]]:
        return queue_batches(self._client, self._queue_url, batches)
