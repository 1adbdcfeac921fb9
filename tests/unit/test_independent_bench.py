"""The independent benchmark of issue 16 (``tests/bench/independent``) runs and reports in its shape: its cheapest
part at a tiny size, in a process of its own (it starts a local stack), and the pure pieces its figures rest on.
Timings are never checked here, only that each figure comes with its baseline, ratio and verdict."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.bench.independent import isolated
from tests.bench.independent.report import Figure
from tests.bench.independent.status_page import shifted
from tests.bench.independent.storm import deliveries


def test_the_webhook_part_at_a_tiny_size_reports_a_figure_its_baseline_a_ratio_and_a_verdict() -> None:
    answer = isolated.run("tests.bench.independent.webhook:measure", True, 3, timeout=300)

    assert answer["part"] == "alert webhook"
    assert answer["verdict"] in {"MET", "NOT MET"}, answer
    assert answer["figure"].endswith("to 202 (median of 3)")
    assert "S3" in answer["baseline"]
    assert isinstance(answer["ratio"], float) and answer["ratio"] > 0
    assert any("s3.PutObject×1, sqs.SendMessage×1" in line for line in answer["details"]), answer["details"]


def test_a_part_that_cannot_be_measured_says_why_instead_of_a_verdict() -> None:
    figure = Figure("status page", "flat in H", why="the table could not be seeded")

    lines = figure.lines()

    assert lines[0] == "== status page  (goal: flat in H)"
    assert "cannot be measured: the table could not be seeded" in lines[1]
    assert lines[-1].endswith("NOT MEASURED")
    assert json.loads(json.dumps(figure.as_dict()))["verdict"] == "NOT MEASURED"


def test_the_storm_is_mostly_redeliveries_and_each_change_arrives_first_before_its_copies() -> None:
    plan = deliveries(12)

    firsts = [event["id"] for first, event in plan if first]
    assert len(firsts) == len(set(firsts)) == 12 + 4
    assert sum(not first for first, _ in plan) > 2 * len(firsts)
    seen: set[str] = set()
    for first, event in plan:
        assert first == (event["id"] not in seen)
        seen.add(event["id"])


def test_history_copies_get_their_own_id_and_dates_moved_back() -> None:
    text = json.dumps({"id": "INC-1", "opened_at": "2026-11-22T10:16:00Z", "note": "INC-1 opened"})

    moved = json.loads(shifted(text, "INC-1", "INC-HIST-000001", -timedelta(days=2)))

    assert moved["id"] == "INC-HIST-000001"
    assert moved["opened_at"] == "2026-11-20T10:16:00+00:00"
    assert moved["note"] == "INC-HIST-000001 opened"
