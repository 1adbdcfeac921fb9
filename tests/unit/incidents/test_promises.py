"""The promise ledger: each published update keeps the open promise (on time or late) and makes the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_comms.incidents.promises import (
    DuePromise,
    DueReason,
    Promise,
    keep,
    make_promise,
    open_promise,
    overdue,
    promise_line,
    record_missed,
    record_update,
    tally,
)
from incident_comms.plan.models import Plan

T0 = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)  # 14:00 CET in Madrid
INCIDENT = "INC-20260115-1300-abc123"


def due_in(minutes: int, after: datetime = T0, reason: DueReason = DueReason.CADENCE) -> DuePromise:
    return DuePromise(due_at=after + timedelta(minutes=minutes), audience_id="customers_es", reason=reason)


def first_ledger() -> list[Promise]:
    """The investigating message, published at T0, promised the next update by T0 + 30 min."""
    return record_update([], INCIDENT, "investigating-1", T0, due_in(30))


def test_the_first_update_makes_one_open_promise() -> None:
    ledger = first_ledger()
    assert ledger == [
        Promise(
            incident_id=INCIDENT,
            message_id="investigating-1",
            promised_at=T0,
            due_at=T0 + timedelta(minutes=30),
            audience_id="customers_es",
        )
    ]
    assert open_promise(ledger) == ledger[0]


def test_an_update_by_the_due_time_keeps_the_promise_and_makes_the_next() -> None:
    published = T0 + timedelta(minutes=30)
    ledger = record_update(first_ledger(), INCIDENT, "update-2", published, due_in(30, published))
    kept, made = ledger
    assert (kept.kept_at, kept.kept_by, kept.missed_at, kept.kept_on_time) == (published, "update-2", None, True)
    assert open_promise(ledger) == made
    assert (made.promised_at, made.due_at) == (published, published + timedelta(minutes=30))


def test_a_late_update_keeps_the_promise_late_and_records_the_miss() -> None:
    published = T0 + timedelta(minutes=41)
    ledger = record_update(first_ledger(), INCIDENT, "update-2", published, due_in(30, published))
    assert (ledger[0].kept_late, ledger[0].missed_at) == (True, published)


def test_a_miss_noticed_by_the_escalation_keeps_its_time_when_the_late_update_comes() -> None:
    noticed = T0 + timedelta(minutes=40)
    ledger = record_missed(first_ledger(), noticed)
    assert ledger[0].missed_at == noticed
    published = T0 + timedelta(minutes=45)
    ledger = keep(ledger, published, by="update-2")
    assert (ledger[0].kept_at, ledger[0].missed_at) == (published, noticed)


def test_nothing_is_missed_before_the_due_time() -> None:
    ledger = first_ledger()
    assert record_missed(ledger, T0 + timedelta(minutes=30)) == ledger


def test_a_resolved_update_keeps_the_promise_and_promises_nothing() -> None:
    ledger = record_update(first_ledger(), INCIDENT, "resolved-3", T0 + timedelta(minutes=20), None)
    assert open_promise(ledger) is None
    assert ledger[0].kept_by == "resolved-3"


def test_a_redelivered_or_out_of_order_publication_changes_nothing() -> None:
    published = T0 + timedelta(minutes=30)
    ledger = record_update(first_ledger(), INCIDENT, "update-2", published, due_in(30, published))
    assert record_update(ledger, INCIDENT, "update-2", published, due_in(30, published)) == ledger
    older = T0 + timedelta(minutes=10)
    assert record_update(ledger, INCIDENT, "update-0", older, due_in(30, older)) == ledger


def test_a_promise_already_past_at_publication_is_refused_and_changes_nothing() -> None:
    ledger = first_ledger()
    late = T0 + timedelta(minutes=50)
    with pytest.raises(ValueError, match="not after its publication"):
        record_update(ledger, INCIDENT, "update-2", late, due_in(40))
    assert open_promise(ledger) == ledger[0]


def test_overdue_answers_the_open_promise_only_once_the_grace_has_passed() -> None:
    ledger = first_ledger()
    grace = timedelta(minutes=10)
    assert overdue(ledger, T0 + timedelta(minutes=39), grace) is None
    assert overdue(ledger, T0 + timedelta(minutes=40), grace) == ledger[0]
    kept = keep(ledger, T0 + timedelta(minutes=35))
    assert overdue(kept, T0 + timedelta(hours=3), grace) is None


def test_a_ledger_with_two_open_promises_is_an_error_not_a_guess() -> None:
    two = [*first_ledger(), make_promise(INCIDENT, "update-2", T0 + timedelta(minutes=5), due_in(30))]
    with pytest.raises(ValueError, match="2 open promises"):
        open_promise(two)


def test_a_promise_due_before_it_is_made_is_refused() -> None:
    with pytest.raises(ValueError, match="due after it is made"):
        Promise(incident_id=INCIDENT, message_id="m", promised_at=T0, due_at=T0, audience_id="customers_es")


def test_the_tally_counts_made_kept_late_and_overdue() -> None:
    ledger = first_ledger()
    second = T0 + timedelta(minutes=20)
    ledger = record_update(ledger, INCIDENT, "update-2", second, due_in(30, second))
    third = second + timedelta(minutes=45)
    ledger = record_update(ledger, INCIDENT, "update-3", third, due_in(30, third))
    counts = tally(ledger, third + timedelta(minutes=31))
    assert counts.model_dump() == {"made": 3, "kept_on_time": 1, "kept_late": 1, "open": 1, "overdue": 1}


def test_the_promise_line_reads_in_the_audiences_zone_and_language(plan: Plan) -> None:
    due_at = T0 + timedelta(minutes=30)  # 14:30 CET in Madrid, 07:30 CST in Mexico City
    spain, latam = plan.audience("customers_es"), plan.audience("customers_latam")
    assert promise_line(due_at, spain, "es", T0) == "Próxima actualización, como muy tarde: 14:30 CET"
    assert promise_line(due_at, latam, "en", T0) == "Next update by 07:30 CST"
    tomorrow = datetime(2026, 1, 16, 8, 15, tzinfo=UTC)
    assert promise_line(tomorrow, spain, "es", T0) == "Próxima actualización, como muy tarde: 16 de enero, 09:15 CET"
    assert promise_line(tomorrow, spain, "fr", T0) == "Next update by 16 January, 09:15 CET"


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.tuples(st.integers(0, 120), st.integers(1, 120), st.booleans()), min_size=1, max_size=12))
def test_any_run_of_publications_leaves_at_most_one_open_promise_and_counts_add_up(
    gaps: list[tuple[int, int, bool]],
) -> None:
    ledger: list[Promise] = []
    at = T0
    for index, (after, cadence, promises_next) in enumerate(gaps):
        at += timedelta(minutes=after)
        due = due_in(cadence, at) if promises_next else None
        ledger = record_update(ledger, INCIDENT, f"m-{index}", at, due)
        assert sum(promise.is_open for promise in ledger) <= 1
    counts = tally(ledger, at)
    assert counts.made == counts.kept_on_time + counts.kept_late + counts.open
    assert all(p.kept_at is None or p.kept_at >= p.promised_at for p in ledger)
    assert all(p.missed_at is None or p.kept_late or p.is_open for p in ledger)
