"""Where maintenances are kept (:class:`MaintenanceStore`); DynamoDB's is
:class:`incident_comms.adapters.dynamodb_maintenance.DynamoMaintenanceStore`."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from incident_comms.maintenance.models import Maintenance, MaintenanceStatus


class MaintenanceStore(Protocol):
    def create(self, maintenance: Maintenance) -> None:
        """Keep a new maintenance; one with its id already there raises."""
        ...

    def get(self, maintenance_id: str) -> Maintenance | None: ...

    def recent(self, ends_after: datetime) -> list[Maintenance]:
        """Every maintenance whose window ends after ``ends_after``, whatever its status, soonest start first."""
        ...

    def replace(self, maintenance: Maintenance, expected: MaintenanceStatus) -> bool:
        """Write ``maintenance`` if the stored one still has status ``expected``: True when this call wrote it (also
        when its answer was lost and it was sent again), False when someone moved it first."""
        ...

    def claim_step(self, maintenance_id: str, step: str, now: datetime) -> bool:
        """Claim sending the email of ``step`` once its approval came: True once, False ever after."""
        ...
