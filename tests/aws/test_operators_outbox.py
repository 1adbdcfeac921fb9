"""The local stack plays the operators' topic from template.yaml, and what operators are told shows in its outbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from incident_comms.adapters.operators import SnsOperatorAlerts
from incident_comms.incidents.operators import OperatorAlert
from incident_comms.local.aws import EmbeddedAws
from incident_comms.local.outbox import Outbox


class NoRoutes:
    """A router that feeds no function: every topic goes to the outbox."""

    def __init__(self) -> None:
        self.topics: dict[str, Any] = {}
        self.rules: list[Any] = []
        self.queues: list[Any] = []


@pytest.fixture
def embedded() -> Iterator[EmbeddedAws]:
    aws = EmbeddedAws()
    aws.start()
    yield aws
    aws.stop()


def test_an_operator_alert_reaches_the_local_outbox(embedded: EmbeddedAws, template: dict[str, Any]) -> None:
    topic = embedded.provision(template).refs["OperatorsTopic"]
    outbox = Outbox(embedded)
    outbox.listen(NoRoutes(), lambda deliveries: None)  # type: ignore[arg-type]

    SnsOperatorAlerts(embedded.client("sns"), topic).tell(
        OperatorAlert(incident_id="INC-1", subject="notification_failed", text="Approval timeout could not be armed")
    )
    outbox.poll()

    (told,) = [item for item in outbox.messages() if item["topic"] == topic]
    assert told["subject"] == "incident-comms INC-1: notification_failed"
    assert told["message"] == "Approval timeout could not be armed"
