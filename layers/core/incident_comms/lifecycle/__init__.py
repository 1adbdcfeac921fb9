"""Lifecycle: what moves an incident on after it opened — alarms back to OK, quiet periods, a more severe
alarm, a responder's move, a promise falling due — applying what the state machine
(:mod:`incident_comms.incidents.machine`) decides.

Guarantees: stale, duplicate and late timer firings do nothing; a refused move says why and changes nothing;
resolution deletes the incident's schedules and arms the postmortem reminder; a missed update is escalated once.

- ``transitions``  alarm changes, timers and the console's operations (``IncidentLifecycle``: move, change the
                   severity, close, change the facts and tell customers)
- ``facts``        a responder sets or corrects the facts customers are told (``change_facts``)
- ``actions``      "what we did", one sentence per locale from the timeline's structured steps
- ``prompter``     the update prompter: a holding update drafted, a reminder, an escalation
"""
