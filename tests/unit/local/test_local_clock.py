"""``POST /local/clock`` and ``incident-comms local --clock``: what moves the local stack's clock, and what is refused
(with one reason, before anything moves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.cli.main import main
from incident_comms.local.server import clock_move_of, forward_to, parse_instant

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-23T15:00:00Z", NOW),
        ("2026-11-23T16:00:00+01:00", NOW),
        (" 2026-11-23T09:00:00-06:00 ", NOW),
        ("2026-11-23T15:00:00.250000+00:00", NOW + timedelta(milliseconds=250)),
    ],
)
def test_an_instant_with_its_offset_is_read_in_utc(text: str, instant: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == instant and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-23T15:00:00", "no time zone offset"),
        ("tomorrow", "not an instant"),
        ("PT30M", "not an instant"),
        ("", "not an instant"),
        ("2026-02-30T10:00:00Z", "not an instant"),
    ],
)
def test_text_that_names_no_instant_is_refused_with_what_to_give(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        parse_instant(text)
    assert "2026-11-23T15:00:00Z" in str(refused.value)


def test_the_clock_moves_forward_or_not_at_all() -> None:
    assert forward_to(NOW + timedelta(hours=3), NOW) == timedelta(hours=3)
    assert forward_to(NOW, NOW) == timedelta(0)
    with pytest.raises(ValueError, match="only moves forward"):
        forward_to(NOW - timedelta(seconds=1), NOW)


@pytest.mark.parametrize(
    ("body", "move"),
    [
        (b'{"advance": "PT30M"}', ("advance", "PT30M")),
        (b'{"set": "2026-11-23T15:00:00Z"}', ("set", "2026-11-23T15:00:00Z")),
        (b"advance=PT1H", ("advance", "PT1H")),
        (b"set=2026-11-23T15%3A00%3A00Z", ("set", "2026-11-23T15:00:00Z")),
    ],
)
def test_a_clock_request_asks_for_one_move(body: bytes, move: tuple[str, str]) -> None:
    assert clock_move_of(body) == move


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"advance": "PT30M", "set": "2026-11-23T15:00:00Z"}', "exactly one of advance or set"),
        (b"{}", "exactly one of advance or set"),
        (b"", "exactly one of advance or set"),
        (b'{"set": 1700000000}', "set must be a string"),
        (b'{"set": ', "not a JSON object"),
        (b"[1]", "exactly one of advance or set"),
        (b"\xff\xfe", "not a JSON object"),
    ],
)
def test_a_clock_request_that_asks_for_no_single_move_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        clock_move_of(body)


def test_local_with_a_clock_that_is_no_instant_is_bad_input_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["local", "--port", "0", "--no-sample", "--clock", "2026-11-23 16:00"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --clock:") and "no time zone offset" in error
    assert error.count("\n") == 1
