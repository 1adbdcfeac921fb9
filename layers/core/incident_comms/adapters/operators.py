"""``OperatorAlerts`` on the template's operators' SNS topic (``OperatorsTopic``).

The SNS client has SDK retries off; an alert is tried again here on anything but a refusal for good, a lost answer
included: an operator reading one alert twice costs less than a failure nobody hears of.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from incident_comms.adapters.retries import with_retries
from incident_comms.incidents.operators import OperatorAlert

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient

_SUBJECT_LIMIT = 100
"""SNS refuses a subject longer than this, or with anything but printable ASCII."""


class SnsOperatorAlerts:
    def __init__(self, client: SNSClient, topic_arn: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._topic_arn = topic_arn
        self._sleep = sleep

    def tell(self, alert: OperatorAlert) -> None:
        subject = f"incident-comms {alert.incident_id}: {alert.subject}"
        subject = "".join(char if " " <= char <= "~" else "?" for char in subject)[:_SUBJECT_LIMIT]
        with_retries(
            lambda: self._client.publish(TopicArn=self._topic_arn, Subject=subject, Message=alert.text),
            sleep=self._sleep,
            retry_unknown=True,
        )
