"""Where accepted webhooks wait (:mod:`incident_comms.intake.webhooks`): their bodies in the S3 intake bucket (SSE,
expiring by the bucket's lifecycle rule), their references on the SQS intake queue the worker reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.intake.webhooks import WebhookReference

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sqs.client import SQSClient


class S3WebhookBodies:
    """Raw webhook bodies, one object each, never public; a missing object is LookupError."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, body: bytes) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")

    def get(self, key: str) -> bytes:
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404"):
                raise LookupError(key) from error
            raise
        return found["Body"].read()


class SqsWebhookQueue:
    """One message per accepted webhook: its :class:`WebhookReference` as JSON (a few hundred bytes)."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, reference: WebhookReference) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=reference.model_dump_json())
