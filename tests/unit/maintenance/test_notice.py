"""Announcing a maintenance ahead inside office hours, never with less notice than the plan promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incident_comms.maintenance.notice import announcement_times
from incident_comms.plan.models import Plan
from tests.unit.maintenance.test_maintenance import declared

# Madrid office hours of the sample plan's customers_es: Monday to Friday, 09:00-18:00
MONDAY_NIGHT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 03:00 CET, Monday 7 December 2026


def times(plan: Plan, start: datetime, leads: list[timedelta], approved_at: datetime) -> list[str]:
    maintenance = declared(plan, starts_at=start, ends_at=start + timedelta(hours=2), now=approved_at)
    audience = plan.audience("customers_es")
    return [f"{at:%a %H:%M}" for at in announcement_times(maintenance, audience, leads, approved_at)]


def test_a_lead_time_outside_office_hours_moves_earlier_never_later(plan: Plan) -> None:
    # 72 h before Monday 03:00 CET is Friday 03:00: the last office minute before it is Thursday 18:00 CET
    # 1 h before is Monday 02:00: the last office minute before it is Friday 18:00 CET
    assert times(plan, MONDAY_NIGHT, [timedelta(hours=72), timedelta(hours=1)], MONDAY_NIGHT - timedelta(days=10)) == [
        "Thu 17:00",
        "Fri 17:00",
    ]


def test_a_lead_time_inside_office_hours_is_kept(plan: Plan) -> None:
    start = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # Thursday 16:00 CET
    assert times(plan, start, [timedelta(hours=1)], start - timedelta(days=5)) == ["Thu 14:00"]


def test_never_before_approval_and_at_once_when_the_office_opens_only_after_the_start(plan: Plan) -> None:
    # approved on Saturday for Monday 03:00: 72 h ahead has passed; the office opens Monday 09:00, after the start
    approved = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    assert times(plan, MONDAY_NIGHT, [timedelta(hours=72), timedelta(hours=1)], approved) == ["Sat 11:00"]


def test_approved_on_a_working_day_the_missed_notice_goes_out_in_office_hours(plan: Plan) -> None:
    start = datetime(2026, 12, 11, 20, 0, tzinfo=UTC)  # Friday 21:00 CET
    approved = datetime(2026, 12, 10, 6, 0, tzinfo=UTC)  # Thursday 07:00 CET, before the office opens
    assert times(plan, start, [timedelta(hours=72), timedelta(hours=1)], approved) == ["Thu 08:00", "Fri 17:00"]


def test_the_plan_sets_notice_per_audience_and_refuses_one_that_cannot_be(plan: Plan) -> None:
    import pytest
    from pydantic import ValidationError

    from incident_comms.plan.models import Audience

    assert plan.audience("customers_es").maintenance_notice == [timedelta(hours=72), timedelta(hours=1)]
    assert plan.audience("staff").maintenance_notice == []
    fields = plan.audience("staff").model_dump()
    with pytest.raises(ValidationError, match="longer than zero and at most 30 days"):
        Audience.model_validate({**fields, "maintenance_notice": ["0m"]})
