"""Declaring a maintenance (every problem named, nothing kept) and what the status page says of one at an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.errors import BadInput
from incident_comms.maintenance.logic import SHOWN_AFTER, declare_maintenance, shown_status
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus
from incident_comms.plan.models import Plan

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
START = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
TITLES = {"es": "Actualización de la base de datos de facturación", "en": "Invoicing database upgrade"}


def declared(plan: Plan, **changes: object) -> Maintenance:
    arguments: dict[str, object] = {
        "components": ["invoicing", "api"],
        "starts_at": START,
        "ends_at": END,
        "titles": TITLES,
        "details": {},
        "by": "marta.ibanez@nubeteca.example",
        "now": NOW,
    }
    arguments.update(changes)
    return declare_maintenance(plan, **arguments)  # type: ignore[arg-type]


def test_a_declared_maintenance_awaits_approval_with_the_plans_component_order(plan: Plan) -> None:
    maintenance = declared(plan, titles={"es": "  Actualización\n de la base ", "en": "Upgrade"})

    assert maintenance.status == MaintenanceStatus.AWAITING_APPROVAL
    assert maintenance.components == ["api", "invoicing"]
    assert maintenance.title == {"es": "Actualización de la base", "en": "Upgrade"}
    assert maintenance.id.startswith("MNT-20261201-0900-")


def test_every_problem_is_named_at_once(plan: Plan) -> None:
    with pytest.raises(BadInput) as refused:
        declared(
            plan,
            components=["nope"],
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW - timedelta(hours=2),
            titles={"es": "x" * 141, "fr": "Mise à jour"},
            details={"es": "Solo en español"},
        )

    problems = str(refused.value).split("; ")
    assert problems == [
        "nope is not a component of the plan",
        "the window must end after it starts",
        "the window must start in the future",
        "fr is not a locale of the plan",
        "a title in en is needed",
        "the es title is longer than 140 characters",
        "details in every locale or none (es, en)",
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"components": []}, "name at least one component"),
        ({"ends_at": START + timedelta(days=8)}, "the window is longer than 7 days"),
        ({"starts_at": datetime(2026, 12, 4, 2, 0)}, "start and end need their UTC offset"),
    ],
)
def test_a_window_or_list_that_cannot_be_right_is_refused(plan: Plan, changes: dict[str, object], problem: str) -> None:
    with pytest.raises(BadInput, match=problem):
        declared(plan, **changes)


def at(maintenance: Maintenance, status: MaintenanceStatus, **changes: object) -> Maintenance:
    return maintenance.model_copy(update={"status": status, **changes})


@pytest.mark.parametrize(
    ("status", "moment", "shown"),
    [
        (MaintenanceStatus.AWAITING_APPROVAL, START + timedelta(minutes=5), None),
        (MaintenanceStatus.CANCELLED, START - timedelta(hours=1), None),
        (MaintenanceStatus.SCHEDULED, START - timedelta(seconds=1), MaintenanceStatus.SCHEDULED),
        (MaintenanceStatus.SCHEDULED, START, MaintenanceStatus.IN_PROGRESS),  # the start schedule may be late
        (MaintenanceStatus.IN_PROGRESS, START + timedelta(hours=1), MaintenanceStatus.IN_PROGRESS),
        (MaintenanceStatus.IN_PROGRESS, END, MaintenanceStatus.COMPLETED),  # never "under way" past its window
        (MaintenanceStatus.COMPLETED, END + SHOWN_AFTER, MaintenanceStatus.COMPLETED),
        (MaintenanceStatus.COMPLETED, END + SHOWN_AFTER + timedelta(seconds=1), None),
    ],
)
def test_what_the_page_says_of_a_maintenance_at_an_instant(
    plan: Plan, status: MaintenanceStatus, moment: datetime, shown: MaintenanceStatus | None
) -> None:
    assert shown_status(at(declared(plan), status), moment) == shown
