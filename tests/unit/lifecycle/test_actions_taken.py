""" "What we did" reads as written by a person, in each plan locale, over timelines as incidents really run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from incident_comms.incidents.models import TimelineEntry, TimelineKind
from incident_comms.lifecycle.actions import (
    Action,
    action_steps,
    actions_taken,
)
from incident_comms.plan.models import Phase, Plan

T0 = datetime(2026, 11, 22, 15, 37, tzinfo=UTC)
ID = "INC-20261122-1537-abc123"


def entry(minute: int, kind: TimelineKind, **data: Any) -> TimelineEntry:
    return TimelineEntry(incident_id=ID, at=T0 + timedelta(minutes=minute), kind=kind, text="", data=data)


def moved(minute: int, came_from: Phase, to: Phase, **data: Any) -> TimelineEntry:
    return entry(minute, TimelineKind.PHASE_CHANGED, **{"from": came_from.value, "to": to.value, **data})


def published(minute: int, message_id: str, *channels: str, delivered: int = 1) -> TimelineEntry:
    counts = {"attempted": delivered, "delivered": delivered, "failed": 0}
    return entry(minute, TimelineKind.PUBLISHED, message_id=message_id, channels=dict.fromkeys(channels, counts))


CUSTOMERS = ("email-customers-es", "email-customers-en", "status-page")

SEV1_AFTERNOON = [
    published(2, "investigating-1", *CUSTOMERS, "chat-incidents"),
    moved(
        20,
        Phase.INVESTIGATING,
        Phase.IDENTIFIED,
        cause="Un cambio de configuración en el balanceador. Estamos deshaciéndolo.",
    ),
    published(23, "identified-2", *CUSTOMERS),
    published(31, "update-3", *CUSTOMERS),
    moved(34, Phase.IDENTIFIED, Phase.MONITORING),
    published(36, "monitoring-4", *CUSTOMERS),
    moved(71, Phase.MONITORING, Phase.RESOLVED),
]
"""Opened 16:37 CET, cause identified (typed in Spanish, with its own full stops), an update, monitoring, resolved."""


def sentences(plan: Plan, timeline: list[TimelineEntry], phase: Phase) -> dict[str, str]:
    return actions_taken(plan, action_steps(timeline, phase))


def test_the_resolved_message_tells_the_whole_story_in_each_locale_in_one_plain_sentence(plan: Plan) -> None:
    texts = sentences(plan, SEV1_AFTERNOON, Phase.RESOLVED)

    assert texts == {
        "es": "Investigamos el problema, encontramos la causa y supervisamos el servicio hasta comprobar que "
        "funcionaba con normalidad.",
        "en": "We investigated the problem, found the cause and monitored the service until it was working normally.",
    }


def test_the_monitoring_message_does_not_claim_the_watch_is_over(plan: Plan) -> None:
    before_monitoring = SEV1_AFTERNOON[:5]

    texts = sentences(plan, before_monitoring, Phase.MONITORING)

    assert texts["en"] == "We investigated the problem and found the cause."
    assert "supervisamos" not in texts["es"] and "monitored" not in texts["en"]


@pytest.mark.parametrize("phase", [Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM])
def test_no_free_text_stray_punctuation_or_capital_mid_sentence(plan: Plan, phase: Phase) -> None:
    for locale, text in sentences(plan, SEV1_AFTERNOON, phase).items():
        assert ".;" not in text and ";" not in text and text.count(".") == 1 and text.endswith("."), locale
        assert "configuración" not in text, "a cause typed by a responder is its own fact, not part of this line"
        words = text.rstrip(".").replace(",", "").split()
        assert words[0][0].isupper() and all(not word[0].isupper() for word in words[1:]), (locale, text)


def test_a_relapse_is_told_before_the_final_watch(plan: Plan) -> None:
    timeline = [
        *SEV1_AFTERNOON[:6],
        moved(50, Phase.MONITORING, Phase.IDENTIFIED),
        moved(60, Phase.IDENTIFIED, Phase.MONITORING),
    ]

    steps = action_steps(timeline, Phase.RESOLVED)

    assert steps == [Action.INVESTIGATED, Action.IDENTIFIED, Action.RELAPSE, Action.WATCHED]
    assert sentences(plan, timeline, Phase.RESOLVED)["en"] == (
        "We investigated the problem, found the cause, went back to work on it when the problem came back and "
        "monitored the service until it was working normally."
    )


def test_our_own_notices_are_not_counted_as_something_we_did(plan: Plan) -> None:
    texts = sentences(plan, SEV1_AFTERNOON, Phase.RESOLVED)

    assert not any(word in texts["es"] for word in ("aviso", "informad")), texts["es"]
    assert "update" not in texts["en"] and "informed" not in texts["en"], texts["en"]


def test_a_single_step_is_a_plain_sentence(plan: Plan) -> None:
    assert sentences(plan, [], Phase.MONITORING) == {
        "es": "Investigamos el problema.",
        "en": "We investigated the problem.",
    }


def test_another_language_reads_english(plan: Plan) -> None:
    other = plan.model_copy(update={"definition": plan.definition.model_copy(update={"locales": ["fr"]})})

    assert actions_taken(other, [Action.INVESTIGATED]) == {"fr": "We investigated the problem."}
