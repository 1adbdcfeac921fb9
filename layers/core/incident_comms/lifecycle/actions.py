""" "What we did", told to customers as a person would write it, from the incident's structured timeline.

Guarantees: the steps come from timeline entries (phase changes, publications), never from free text a
responder typed, so no sentence of another language, stray punctuation or capital lands mid-sentence; each
plan locale gets one sentence in its own words (:data:`~incident_comms.lifecycle.texts.ACTIONS_TAKEN`,
English for any other language) — "We investigated the problem, found the cause and kept you informed with
3 updates." A draft never tells what has not happened by its phase: the monitoring message does not say the
service was watched until it worked normally. The count of updates is of messages customers received: a
superseded message, a holding text counted with the draft it stood in for, and internal-only publications
do not pad it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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


def customer_channels(plan: Plan) -> set[str]:
    """The plan's channels whose audience is not internal: the ones an update to customers counts on."""
    return {channel.id for channel in plan.channels.channels if not plan.audience(channel.audience).internal}


def updates_received(
    timeline: Sequence[TimelineEntry],
    customer_channels: Collection[str],
    not_counted: Collection[str] = (),
    stands_in_for: dict[str, str] | None = None,
) -> int:
    """How many messages customers received: published on a customer channel that delivered to somebody, each
    message once whatever its versions, ``not_counted`` (superseded) left out, and a holding text counted as the
    draft it stood in for (``stands_in_for``: holding message id -> that draft's id)."""
    stands_in_for = stands_in_for or {}
    received: set[str] = set()
    for entry in timeline:
        if entry.kind != TimelineKind.PUBLISHED:
            continue
        message_id = str(entry.data.get("message_id") or "")
        channels = entry.data.get("channels") or {}
        reached = any(
            channel in customer_channels and (counts or {}).get("delivered", 0) > 0
            for channel, counts in channels.items()
        )
        if message_id and reached and message_id not in not_counted:
            received.add(stands_in_for.get(message_id, message_id))
    return len(received)


def actions_taken(plan: Plan, steps: Sequence[Action], updates: int) -> dict[str, str]:
    """One sentence per plan locale: the steps joined as the locale joins a list, then the updates sent."""
    texts: dict[str, str] = {}
    for locale in plan.definition.locales:
        words = ACTIONS_TAKEN.get(locale.split("-")[0], ACTIONS_TAKEN["en"])
        parts = [words[step.value] for step in steps]
        if updates:
            parts.append(words["published_one"] if updates == 1 else words["published"].format(count=updates))
        sentence = words["sentence"].format(steps=join_words(parts, words["and"]))
        texts[locale] = sentence[:1].upper() + sentence[1:]
    return texts
