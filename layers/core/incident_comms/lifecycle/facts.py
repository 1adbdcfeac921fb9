"""Use case: a responder sets or corrects the facts customers are told (:mod:`incident_comms.incidents.facts`).

Guarantees: the change is validated whole before anything is written (:func:`~incident_comms.incidents.facts.
set_facts`; bad input raises :class:`~incident_comms.incidents.facts.FactsError` and changes nothing); it is
saved with its ``facts_set`` timeline entry (who, what) in one write conditioned on the incident's ``revision``, as
lifecycle transitions are, so two changes at once never overwrite each other: the later is applied again to what
the first saved. A finished incident's facts can still be corrected (the postmortem is written from them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from incident_comms.incidents.facts import set_facts
from incident_comms.incidents.models import Incident, TimelineEntry, TimelineKind
from incident_comms.incidents.store import IncidentStore
from incident_comms.lifecycle.models import Audit
from incident_comms.plan.models import Plan

SAVE_ATTEMPTS = 5


def change_facts(
    store: IncidentStore,
    plan: Plan,
    incident_id: str,
    changes: Mapping[str, Any],
    by: str,
    now: datetime,
    *,
    audit: Audit | None = None,
) -> Incident:
    """Apply ``changes`` to the stored incident's facts and answer the incident as saved; the ``facts_set`` entry
    says who (and, with ``audit``, from where). Raises LookupError for an unknown incident, FactsError for bad
    facts, RuntimeError when other changes kept landing first."""
    for _ in range(SAVE_ATTEMPTS):
        incident = store.get_incident(incident_id)
        if incident is None:
            raise LookupError(f"no incident {incident_id}")
        facts = set_facts(incident.facts, changes, plan)
        after = incident.model_copy(update={"facts": facts, "revision": incident.revision + 1, "updated_at": now})
        entry = TimelineEntry(
            incident_id=incident_id,
            at=now,
            kind=TimelineKind.FACTS_SET,
            text=f"Facts set by {by}: {', '.join(sorted(changes))}",
            data={"by": by, **(audit.as_data() if audit else {}), "facts": sorted(changes)},
        )
        if store.save_facts(incident, after, [entry]):
            return after
    raise RuntimeError(f"the facts of {incident_id} were not saved: other changes kept landing first")
