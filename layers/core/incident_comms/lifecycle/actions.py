""" "What we did", told to customers as a person would write it, from the incident's structured timeline.

Guarantees: the steps come from timeline entries (phase changes, publications), never from free text a
responder typed, so no sentence of another language, stray punctuation or capital lands mid-sentence; each
plan locale gets one sentence in its own words (:data:`~incident_comms.lifecycle.texts.ACTIONS_TAKEN`,
English for any other language) — "We investigated the problem and found the cause." A draft never tells what
has not happened by its phase: the monitoring message does not say the service was watched until it worked
normally. It does not count our own notices either: that is no news to the reader, and on a public status page
it is wrong for whoever did not receive them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from incident_comms.incidents.models import TimelineEntry, TimelineKind
from incident_comms.lifecycle.texts import ACTIONS_TAKEN
from incident_comms.plan.models import Phase, Plan
from incident_comms.text import join_words

AFTER_MONITORING = frozenset({Phase.RESOLVED, Phase.POSTMORTEM})


class Action(StrEnum):
    """One thing the team did, as the timeline shows it."""

    INVESTIGATED = "investigated"
    IDENTIFIED = "identified"
    RELAPSE = "relapse"
    WATCHED = "watched"


def action_steps(timeline: Sequence[TimelineEntry], phase: Phase) -> list[Action]:
    """What was done before a ``phase`` draft, in the order it happened, each once: the investigation, the cause
    found, the work resumed after a relapse, and (only for resolved and postmortem) the watch until it worked."""
    steps = [Action.INVESTIGATED]
    for entry in timeline:
        if entry.kind != TimelineKind.PHASE_CHANGED:
            continue
        to, came_from = entry.data.get("to"), entry.data.get("from")
        if to == Phase.IDENTIFIED.value:
            step = Action.RELAPSE if came_from == Phase.MONITORING.value else Action.IDENTIFIED
        elif to == Phase.MONITORING.value and phase in AFTER_MONITORING:
            step = Action.WATCHED
        else:
            continue
        if step not in steps:
            steps.append(step)
    if Action.WATCHED in steps:  # watched last: it is how the incident ended, whatever relapse came before
        steps.remove(Action.WATCHED)
        steps.append(Action.WATCHED)
    return steps


def actions_taken(plan: Plan, steps: Sequence[Action]) -> dict[str, str]:
    """One sentence per plan locale: the steps joined as the locale joins a list."""
    texts: dict[str, str] = {}
    for locale in plan.definition.locales:
        words = ACTIONS_TAKEN.get(locale.split("-")[0], ACTIONS_TAKEN["en"])
        parts = [words[step.value] for step in steps]
        sentence = words["sentence"].format(steps=join_words(parts, words["and"]))
        texts[locale] = sentence[:1].upper() + sentence[1:]
    return texts
