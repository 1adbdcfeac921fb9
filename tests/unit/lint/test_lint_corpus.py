"""The checks against the corpus in tests/lint_corpus/: every draft gives exactly the findings it is labelled with,
and no check fires on more than 5 % of the good drafts. Precision and recall: ``python -m tests.bench.lint_quality``."""

from __future__ import annotations

from collections import Counter

import pytest

from incident_comms.plan.models import LINT_CHECK_IDS, ChannelFormat, Plan
from tests.lint_corpus import Entry, load_corpus

CORPUS = load_corpus()
GOOD_DRAFT_FALSE_ALARM_LIMIT = 0.05


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry.name.removesuffix(".txt"))
def test_each_draft_gives_the_findings_it_is_labelled_with(plan: Plan, entry: Entry) -> None:
    findings = entry.lint(plan)
    fired = {finding.check for finding in findings}
    assert fired == entry.should_fire, [f"{f.check}: {f.message}" for f in findings]


def test_no_check_fires_on_more_than_5_percent_of_the_good_drafts(plan: Plan) -> None:
    good = [entry for entry in CORPUS if entry.good]
    fired = Counter(check for entry in good for check in {f.check for f in entry.lint(plan)})
    too_often = {check: count for check, count in fired.items() if count / len(good) > GOOD_DRAFT_FALSE_ALARM_LIMIT}
    assert too_often == {}, f"out of {len(good)} good drafts"


def test_the_corpus_covers_both_languages_every_lint_channel_and_every_check() -> None:
    assert len(CORPUS) >= 60
    assert {entry.locale for entry in CORPUS} == {"es", "en"}
    assert {entry.channel for entry in CORPUS} == {ChannelFormat.EMAIL, ChannelFormat.SMS, ChannelFormat.STATUS_PAGE}
    assert len({entry.phase for entry in CORPUS}) == 6
    for locale in ("es", "en"):
        drafts = [entry for entry in CORPUS if entry.locale == locale]
        assert sum(entry.good for entry in drafts) >= 15, locale
        expected = {check for entry in drafts for check in entry.expect}
        text_checks = LINT_CHECK_IDS - {"facts-complete"}  # judged from the incident's facts, never from a text
        assert expected == text_checks, f"{locale}: no bad draft for {sorted(text_checks - expected)}"


def test_labels_name_known_checks_and_known_exceptions_are_consistent() -> None:
    for entry in CORPUS:
        assert entry.expect | entry.known_false_alarms <= LINT_CHECK_IDS, entry.name
        assert entry.known_misses <= entry.expect, entry.name
        assert not entry.known_false_alarms & entry.expect, entry.name


def test_the_quality_bench_measures_every_set_apart_and_times_against_the_layout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Kept runnable by CI at one timing run; its figures are read from ``python -m tests.bench.lint_quality``."""
    from tests.bench.lint_quality import main

    main(runs=1)

    out = capsys.readouterr().out
    headers = [line.split(":")[0] for line in out.splitlines() if " drafts (" in line and "plan " in line]
    assert headers == ["tuning set", "blind set (never tuned on)", "held-out set (never tuned on, never read)"]
    assert out.count("all checks (micro)") == 3 and out.count("good drafts with any finding") == 3
    assert "baseline  lay out" in out and out.rstrip().endswith("x")
