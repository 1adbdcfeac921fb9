"""How good the draft checks are on the corpus (tests/lint_corpus/), and how long linting takes.

Run: ``.venv/bin/python -m tests.bench.lint_quality [runs]``. Prints, for the tuning set and then for the blind set
(``tests/lint_corpus/blind/``, written and labelled by people who never saw the checks) and the held-out set
(``tests/lint_corpus/heldout/``) separately, per check, how
many drafts it fired on rightly (true positives), wrongly (false positives) and missed (false negatives), with
precision, recall and the share of good drafts it fires on (goal: at most 5 %); then the time
to lint every draft of the corpus as a ratio to the time to lay the same drafts out for their channel
(``draft_from_text``, what an edit on the approval page costs), both measured in this run.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from incident_comms.drafting.render import draft_from_text
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.lint.runner import CHECKS, split_subject
from incident_comms.plan.models import Channel, Plan
from tests.lint_corpus import BLIND, HELDOUT, Entry, load_corpus

REPO = Path(__file__).resolve().parents[2]


def quality(plan: Plan, corpus: list[Entry], title: str) -> None:
    good = [entry for entry in corpus if entry.good]
    print(f"{title}: {len(corpus)} drafts ({len(good)} good), plan {REPO / 'plan'}")
    print(f"{'check':24s} {'TP':>4s} {'FP':>4s} {'FN':>4s} {'precision':>10s} {'recall':>8s} {'on good':>8s}")
    fired = {entry.name: {f.check for f in entry.lint(plan)} for entry in corpus}
    labelled = {check for entry in corpus for check in entry.expect}
    ids = [spec.id for spec in CHECKS] + sorted(labelled - {spec.id for spec in CHECKS})
    totals = [0, 0, 0]
    for check in ids:
        tp = sum(check in fired[e.name] and check in e.expect for e in corpus)
        fp = sum(check in fired[e.name] and check not in e.expect for e in corpus)
        fn = sum(check not in fired[e.name] and check in e.expect for e in corpus)
        on_good = sum(check in fired[e.name] for e in good)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        share = f"{on_good / len(good):.0%}" if good else "-"
        print(f"{check:24s} {tp:4d} {fp:4d} {fn:4d} {_ratio(tp, tp + fp):>10s} {_ratio(tp, tp + fn):>8s} {share:>8s}")
    tp, fp, fn = totals
    flagged = sum(bool(fired[e.name]) for e in good)
    print(f"{'all checks (micro)':24s} {tp:4d} {fp:4d} {fn:4d} {_ratio(tp, tp + fp):>10s} {_ratio(tp, tp + fn):>8s}")
    print(f"good drafts with any finding: {flagged} of {len(good)}")


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


def speed(plan: Plan, corpus: list[Entry], runs: int) -> None:
    channels = [_channel_for(plan, entry) for entry in corpus]
    splits = [split_subject(entry.source, entry.channel) for entry in corpus]

    def layout() -> None:
        for channel, split in zip(channels, splits, strict=True):
            draft_from_text(plan, channel, split.subject, split.text)

    def check() -> None:
        for entry in corpus:
            entry.lint(plan)

    check()
    baseline, seconds = _interleaved(layout, check, runs)
    per_draft = seconds / len(corpus) * 1000
    layout_label = f"lay out {len(corpus)} drafts (draft_from_text)"
    lint_label = f"lint {len(corpus)} drafts ({per_draft:.2f} ms each)"
    print(f"baseline  {layout_label:42s} {baseline * 1000:7.1f} ms   1.00x")
    print(f"measured  {lint_label:42s} {seconds * 1000:7.1f} ms   {seconds / baseline:.2f}x")


def _channel_for(plan: Plan, entry: Entry) -> Channel:
    """A plan channel of the draft's format, in its locale when the plan has one."""
    same_format = [c for c in plan.channels.channels if c.template_format == entry.channel]
    return next((c for c in same_format if c.locale == entry.locale), same_format[0])


def _interleaved(baseline: Callable[[], None], measured: Callable[[], None], runs: int) -> tuple[float, float]:
    """Median seconds of each, run in turn, so a machine that slows down mid-run slows both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for action, times in ((baseline, samples[0]), (measured, samples[1])):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main(runs: int = 7) -> None:
    plan = load_checked_plan(REPO / "plan")
    corpus = load_corpus()
    quality(plan, corpus, "tuning set")
    for directory, title in (
        (BLIND, "blind set (never tuned on)"),
        (HELDOUT, "held-out set (never tuned on, never read)"),
    ):
        held = load_corpus(directory)
        if held:
            print()
            quality(plan, held, title)
    print()
    speed(plan, corpus, runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
