"""Next update due: the regular cadence, the pre-close and post-open updates, office hours, DST, several audiences.

Example tests pin the minutes customers read; property tests (hypothesis) check the promises that must hold for
any plan: never in the past, never later than the cadence allows while it may be promised, never outside office
hours without ``night_updates``, never an echo of the update just published.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_comms.cadence.due import (
    DEFAULT_RULES,
    WEEKDAYS,
    OfficeRules,
    due_for_audience,
    in_office_hours,
    local_instant,
    next_update_due,
    promise_audiences,
)
from incident_comms.incidents.promises import DuePromise, DueReason
from incident_comms.plan.models import Audience, OfficeHours, Plan, Severity

MADRID = ZoneInfo("Europe/Madrid")
MEXICO = ZoneInfo("America/Mexico_City")
EVERY_DAY = list(WEEKDAYS)


def severity(every: timedelta | None = timedelta(hours=1), *, night: bool = False) -> Severity:
    return Severity(id="SEV2", name="Major", description="major", update_every=every, night_updates=night)


def audience(
    zone: str = "Europe/Madrid",
    *,
    audience_id: str = "customers_es",
    start: time = time(9),
    end: time = time(18),
    days: list[str] | None = None,
) -> Audience:
    hours = OfficeHours.model_validate({"start": start, "end": end, **({"days": days} if days is not None else {})})
    return Audience(id=audience_id, name=audience_id, timezone=zone, office_hours=hours)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def wall(due: DuePromise, zone: ZoneInfo) -> str:
    """The due time as the audience's clock shows it."""
    return due.due_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def due(sev: Severity, audiences: list[Audience], published_at: datetime) -> DuePromise:
    result = next_update_due(sev, audiences, published_at)
    assert result is not None
    return result


# --- examples -------------------------------------------------------------------------------------------------


def test_inside_office_hours_the_cadence_sets_the_promise() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 1, 15, 10, 0))  # a Thursday
    assert (wall(result, MADRID), result.reason, result.audience_id) == (
        "Thu 2026-01-15 11:00 CET",
        DueReason.CADENCE,
        "customers_es",
    )


def test_an_update_is_due_shortly_before_the_office_closes() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 1, 15, 17, 0))
    assert (wall(result, MADRID), result.reason) == ("Thu 2026-01-15 17:45 CET", DueReason.BEFORE_CLOSE)
    assert "the team continues overnight" in result.why


def test_an_update_just_before_closing_is_the_closing_update_and_the_next_comes_in_the_morning() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 1, 15, 17, 40))
    assert (wall(result, MADRID), result.reason) == ("Fri 2026-01-16 09:15 CET", DueReason.AFTER_OPEN)


def test_night_updates_keep_the_cadence_through_the_night() -> None:
    result = due(severity(timedelta(minutes=30), night=True), [audience()], local(MADRID, 2026, 1, 15, 23, 10))
    assert (wall(result, MADRID), result.reason) == ("Thu 2026-01-15 23:40 CET", DueReason.CADENCE)


def test_without_night_updates_a_night_publication_promises_the_morning_update() -> None:
    result = due(severity(timedelta(minutes=30)), [audience()], local(MADRID, 2026, 1, 15, 23, 10))
    assert (wall(result, MADRID), result.reason) == ("Fri 2026-01-16 09:15 CET", DueReason.AFTER_OPEN)


def test_an_incident_running_into_the_opening_gets_an_update_shortly_after_it() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 1, 15, 8, 50))
    assert (wall(result, MADRID), result.reason) == ("Thu 2026-01-15 09:15 CET", DueReason.AFTER_OPEN)


def test_an_update_right_after_opening_is_the_opening_update() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 1, 15, 9, 5))
    assert (wall(result, MADRID), result.reason) == ("Thu 2026-01-15 10:05 CET", DueReason.CADENCE)


def test_the_weekend_is_skipped_when_the_office_is_closed_on_it() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 1, 16, 17, 50))  # a Friday
    assert (wall(result, MADRID), result.reason) == ("Mon 2026-01-19 09:15 CET", DueReason.AFTER_OPEN)


def test_the_night_before_the_weekend_is_kept_by_night_updates() -> None:
    result = due(severity(night=True), [audience()], local(MADRID, 2026, 1, 16, 17, 50))
    assert (wall(result, MADRID), result.reason) == ("Fri 2026-01-16 18:50 CET", DueReason.CADENCE)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        # Europe/Madrid springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October 2026.
        (local(MADRID, 2026, 3, 28, 17, 50), "Sun 2026-03-29 09:15 CEST"),
        (local(MADRID, 2026, 3, 29, 16, 0), "Sun 2026-03-29 17:45 CEST"),
        (local(MADRID, 2026, 10, 24, 17, 50), "Sun 2026-10-25 09:15 CET"),
        (local(MADRID, 2026, 10, 25, 16, 0), "Sun 2026-10-25 17:45 CET"),
    ],
)
def test_madrid_office_slots_stay_on_the_wall_clock_across_dst(published: datetime, expected: str) -> None:
    result = due(severity(timedelta(hours=4)), [audience(days=EVERY_DAY)], published)
    assert wall(result, MADRID) == expected


def test_madrid_weekday_office_across_the_spring_change_opens_at_0915_local() -> None:
    result = due(severity(), [audience()], local(MADRID, 2026, 3, 27, 17, 50))  # Friday before the change
    assert result.due_at == datetime(2026, 3, 30, 7, 15, tzinfo=UTC)  # Monday 09:15 CEST


@pytest.mark.parametrize(
    ("published", "expected", "utc"),
    [
        # America/Mexico_City last kept DST in 2022: from Sunday 3 April to Sunday 30 October.
        (local(MEXICO, 2022, 4, 2, 17, 50), "Sun 2022-04-03 09:15 CDT", datetime(2022, 4, 3, 14, 15, tzinfo=UTC)),
        (local(MEXICO, 2022, 4, 3, 14, 0), "Sun 2022-04-03 17:45 CDT", datetime(2022, 4, 3, 22, 45, tzinfo=UTC)),
        (local(MEXICO, 2022, 10, 29, 17, 50), "Sun 2022-10-30 09:15 CST", datetime(2022, 10, 30, 15, 15, tzinfo=UTC)),
        (local(MEXICO, 2022, 10, 30, 14, 0), "Sun 2022-10-30 17:45 CST", datetime(2022, 10, 30, 23, 45, tzinfo=UTC)),
        # Since 2023 it keeps standard time all year: a July morning is still CST, UTC-6.
        (local(MEXICO, 2026, 7, 4, 17, 50), "Sun 2026-07-05 09:15 CST", datetime(2026, 7, 5, 15, 15, tzinfo=UTC)),
    ],
)
def test_mexico_city_office_slots_across_dst(published: datetime, expected: str, utc: datetime) -> None:
    mexico = audience("America/Mexico_City", audience_id="customers_latam", days=EVERY_DAY)
    result = due(severity(timedelta(hours=4)), [mexico], published)
    assert (wall(result, MEXICO), result.due_at) == (expected, utc)


def test_with_several_audiences_the_earliest_due_wins_and_says_whose_it_is() -> None:
    spain = audience()
    latam = audience("America/Mexico_City", audience_id="customers_latam")
    before_madrid_closes = due(severity(), [latam, spain], local(MADRID, 2026, 1, 15, 17, 20))
    assert (before_madrid_closes.due_at, before_madrid_closes.audience_id, before_madrid_closes.reason) == (
        datetime(2026, 1, 15, 16, 45, tzinfo=UTC),
        "customers_es",
        DueReason.BEFORE_CLOSE,
    )
    after_madrid_closed = due(severity(), [spain, latam], local(MADRID, 2026, 1, 15, 18, 30))
    assert (after_madrid_closed.due_at, after_madrid_closed.audience_id, after_madrid_closed.reason) == (
        datetime(2026, 1, 15, 18, 30, tzinfo=UTC),  # 12:30 CST in Mexico City, inside its office hours
        "customers_latam",
        DueReason.CADENCE,
    )


def test_short_office_hours_keep_their_slots_inside_the_office() -> None:
    short = audience(start=time(9), end=time(9, 10))
    slots = due(severity(timedelta(hours=8)), [short], local(MADRID, 2026, 1, 15, 6, 0))
    assert (wall(slots, MADRID), slots.reason) == ("Thu 2026-01-15 09:00 CET", DueReason.BEFORE_CLOSE)


def test_an_audience_without_office_days_follows_the_plain_cadence() -> None:
    result = due(severity(), [audience(days=[])], local(MADRID, 2026, 1, 15, 23, 10))
    assert (wall(result, MADRID), result.reason) == ("Fri 2026-01-16 00:10 CET", DueReason.CADENCE)


def test_a_severity_updating_on_change_only_promises_nothing() -> None:
    assert next_update_due(severity(None), [audience()], local(MADRID, 2026, 1, 15, 10, 0)) is None


def test_bad_input_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_update_due(severity(), [audience()], datetime(2026, 1, 15, 10, 0))
    with pytest.raises(ValueError, match="no audience"):
        next_update_due(severity(), [], local(MADRID, 2026, 1, 15, 10, 0))
    with pytest.raises(ValueError, match="min_gap"):
        OfficeRules(min_gap=timedelta(days=2))


def test_a_wall_time_inside_the_spring_gap_moves_past_it() -> None:
    assert local_instant(datetime(2026, 3, 29).date(), time(2, 30), MADRID) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_the_plans_customer_audiences_set_the_promise(plan: Plan) -> None:
    audiences = promise_audiences(plan, "SEV1")
    assert [a.id for a in audiences] == ["customers_es", "customers_latam", "customers_intl"]
    sev1 = plan.severity("SEV1")
    # 17:20 in Madrid: the SEV1 cadence (17:50) loses to the update before Madrid's office closes.
    result = due(sev1, audiences, local(MADRID, 2026, 1, 15, 17, 20))
    assert (wall(result, MADRID), result.audience_id, result.reason) == (
        "Thu 2026-01-15 17:45 CET",
        "customers_es",
        DueReason.BEFORE_CLOSE,
    )


# --- properties -----------------------------------------------------------------------------------------------

ZONES = [
    "Europe/Madrid",
    "America/Mexico_City",
    "America/New_York",
    "America/St_Johns",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
]


@st.composite
def audiences(draw: st.DrawFn, index: int = 0, *, with_days: bool = True) -> Audience:
    start = draw(st.integers(0, 24 * 60 - 2))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    days = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, min_size=1)) if with_days else []
    return audience(
        draw(st.sampled_from(ZONES)),
        audience_id=f"audience_{index}",
        start=time(*divmod(start, 60)),
        end=time(*divmod(end, 60)),
        days=days,
    )


@st.composite
def audience_lists(draw: st.DrawFn) -> list[Audience]:
    count = draw(st.integers(1, 3))
    return [draw(audiences(index)) for index in range(count)]


severities = st.builds(
    severity,
    st.integers(1, 12 * 60).map(lambda minutes: timedelta(minutes=minutes)),
    night=st.booleans(),
)
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))
PROPERTY = settings(max_examples=200, deadline=None)


def may_promise_cadence(sev: Severity, aud: Audience, regular: datetime) -> bool:
    return sev.night_updates or not aud.office_hours.days or in_office_hours(regular, aud)


@PROPERTY
@given(sev=severities, auds=audience_lists(), published_at=instants)
def test_the_promise_is_never_in_the_past_nor_an_echo_of_the_update_just_published(
    sev: Severity, auds: list[Audience], published_at: datetime
) -> None:
    result = due(sev, auds, published_at)
    assert sev.update_every is not None
    assert result.due_at > published_at
    assert result.due_at >= published_at + min(DEFAULT_RULES.min_gap, sev.update_every)


@PROPERTY
@given(sev=severities, auds=audience_lists(), published_at=instants)
def test_the_promise_is_never_later_than_the_cadence_allows(
    sev: Severity, auds: list[Audience], published_at: datetime
) -> None:
    assert sev.update_every is not None
    regular = published_at + sev.update_every
    result = due(sev, auds, published_at)
    if any(may_promise_cadence(sev, aud, regular) for aud in auds):
        assert result.due_at <= regular


@PROPERTY
@given(
    sev=severities.map(lambda s: s.model_copy(update={"night_updates": False})),
    auds=audience_lists(),
    published_at=instants,
)
def test_without_night_updates_the_promise_falls_inside_its_audiences_office_hours(
    sev: Severity, auds: list[Audience], published_at: datetime
) -> None:
    result = due(sev, auds, published_at)
    chosen = next(aud for aud in auds if aud.id == result.audience_id)
    assert in_office_hours(result.due_at, chosen), wall(result, ZoneInfo(chosen.timezone))


@PROPERTY
@given(sev=severities, auds=audience_lists(), published_at=instants)
def test_the_promise_is_the_earliest_of_the_audiences_own(
    sev: Severity, auds: list[Audience], published_at: datetime
) -> None:
    result = due(sev, auds, published_at)
    own = {aud.id: due_for_audience(sev, aud, published_at) for aud in auds}
    assert own[result.audience_id] == result
    assert all(other is not None and result.due_at <= other.due_at for other in own.values())


@PROPERTY
@given(sev=severities, aud=audiences(), published_at=instants)
def test_office_slots_fall_at_the_configured_minutes_on_the_local_wall_clock(
    sev: Severity, aud: Audience, published_at: datetime
) -> None:
    result = due(sev, [aud], published_at)
    if result.reason == DueReason.CADENCE:
        return
    zone = ZoneInfo(aud.timezone)
    day = result.due_at.astimezone(zone).date()
    opens = datetime.combine(day, aud.office_hours.start)
    closes = datetime.combine(day, aud.office_hours.end)
    if result.reason == DueReason.AFTER_OPEN:
        expected = min(opens + DEFAULT_RULES.after_open, closes)
    else:
        expected = max(closes - DEFAULT_RULES.before_close, opens)
    exists = expected.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == expected
    if exists:  # a wall time inside a DST gap moves past it (tested by example)
        assert result.due_at.astimezone(zone).replace(tzinfo=None) == expected
    assert WEEKDAYS[day.weekday()] in aud.office_hours.days


@PROPERTY
@given(sev=severities, aud=audiences(with_days=False), published_at=instants)
def test_an_audience_never_in_the_office_gets_the_plain_cadence(
    sev: Severity, aud: Audience, published_at: datetime
) -> None:
    assert sev.update_every is not None
    assert due(sev, [aud], published_at) == DuePromise(
        due_at=published_at + sev.update_every, audience_id=aud.id, reason=DueReason.CADENCE
    )


def test_an_office_slot_across_the_night_clocks_go_back_stays_inside_the_office_hours() -> None:
    """Found by the property above: office hours 01:45-02:00 in New York on 3 November 2024, when 01:59 EDT is
    followed by 01:00 EST; 15 minutes after opening is 01:00 EST by the wall clock, before the office opens."""
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    office = audience("America/New_York", audience_id="audience_0", start=time(1, 45), end=time(2, 0), days=every_day)
    result = due(severity(timedelta(minutes=1)), [office], datetime(2024, 11, 3, 0, 0, tzinfo=ZoneInfo("UTC")))

    assert in_office_hours(result.due_at, office), wall(result, ZoneInfo("America/New_York"))
