"""Times in prose: the audience's zone, the locale's own words for the date (never ISO), UTC for readers abroad."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incident_comms.text import format_date, format_datetime, format_time

MADRID = ZoneInfo("Europe/Madrid")
MEXICO = ZoneInfo("America/Mexico_City")
WHEN = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 15:00 CET in Madrid
SAME_DAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
ISO_OR_NUMERIC = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


def test_a_date_reads_in_the_locales_words() -> None:
    assert format_datetime(WHEN, MADRID, "es") == "30 de noviembre, 15:00 CET"
    assert format_datetime(WHEN, MADRID, "en") == "30 November, 15:00 CET"
    assert format_datetime(WHEN, MADRID, "es-MX") == "30 de noviembre, 15:00 CET"
    assert format_datetime(WHEN, MADRID, "fr") == "30 November, 15:00 CET", "a locale without words reads English"


def test_the_utc_equivalent_follows_for_international_readers() -> None:
    assert format_datetime(WHEN, MADRID, "en", utc=True) == "30 November, 15:00 CET (14:00 UTC)"
    summer = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert format_datetime(summer, MADRID, "en", utc=True) == "1 July, 15:00 CEST (13:00 UTC)"
    assert format_datetime(WHEN, ZoneInfo("UTC"), "en", utc=True) == "30 November, 14:00 UTC", "no UTC twice"


def test_the_utc_equivalent_names_its_own_day_when_it_is_another() -> None:
    after_midnight = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 CET on 1 December
    assert format_datetime(after_midnight, MADRID, "en", utc=True) == "1 December, 00:30 CET (30 November, 23:30 UTC)"
    assert (
        format_time(after_midnight, MADRID, "es", after_midnight, utc=True) == "00:30 CET (30 de noviembre, 23:30 UTC)"
    )


def test_today_is_the_time_alone_another_day_has_its_date() -> None:
    assert format_time(WHEN, MADRID, "es", SAME_DAY) == "15:00 CET"
    assert format_time(WHEN, MADRID, "en", SAME_DAY, utc=True) == "15:00 CET (14:00 UTC)"
    assert format_time(WHEN, MADRID, "es", DAY_BEFORE) == "30 de noviembre, 15:00 CET"
    assert format_time(WHEN, MADRID, "en", DAY_BEFORE, utc=True) == "30 November, 15:00 CET (14:00 UTC)"
    assert format_time(WHEN, MEXICO, "es", SAME_DAY) == "08:00 CST", "today is the reader's today"


def test_the_year_shows_only_when_it_is_not_this_one() -> None:
    next_year = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert format_time(next_year, MADRID, "es", WHEN) == "5 de enero de 2027, 10:00 CET"
    assert format_time(next_year, MADRID, "en", WHEN) == "5 January 2027, 10:00 CET"
    assert format_date(next_year, MADRID, "es", datetime(2027, 1, 1, 12, tzinfo=UTC)) == "5 de enero"


@pytest.mark.parametrize("locale", ["es", "en"])
@pytest.mark.parametrize("month", range(1, 13))
def test_no_date_is_ever_iso_or_numeric(locale: str, month: int) -> None:
    when = datetime(2026, month, 28, 22, 45, tzinfo=UTC)
    for text in (
        format_datetime(when, MADRID, locale, utc=True),
        format_time(when, MEXICO, locale, DAY_BEFORE, utc=True),
    ):
        assert not ISO_OR_NUMERIC.search(text), text
