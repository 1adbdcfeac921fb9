"""``OperatorAlerts`` on the template's operators' SNS topic (``OperatorsTopic``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incident_comms.incidents.operators import OperatorAlert

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient

_SUBJECT_LIMIT = 100
"""SNS refuses a subject longer than this, or with anything but printable ASCII."""


class SnsOperatorAlerts:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def tell(self, alert: OperatorAlert) -> None:
        subject = f"incident-comms {alert.incident_id}: {alert.subject}"
        subject = "".join(char if " " <= char <= "~" else "?" for char in subject)[:_SUBJECT_LIMIT]
        self._client.publish(TopicArn=self._topic_arn, Subject=subject, Message=alert.text)
