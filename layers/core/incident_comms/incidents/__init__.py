"""The incident record every stage reads and writes: incidents, their timeline, messages, publications and
deliveries, the promises they made, the store port, and the pure state machine of their phases.

Guarantees: the models are the store's contract (the DynamoDB adapter implements :class:`store.IncidentStore`);
the state machine is pure — given a state and an event it answers the next state and the timers to arm, with
invariants checked (``state_problems``) — so the lifecycle use cases only apply what it decides.

- ``models``          Incident, TimelineEntry, Message, Approval, Publication, Delivery
- ``facts``           IncidentFacts (what customers are told, per locale), ``set_facts`` and ``missing_facts``
- ``promises``        DuePromise (what a message promises) and the promise ledger
- ``ordering``        customers hear messages in order: a new draft supersedes the waiting ones, nothing older than
                      the last message handed to publishing follows it (``supersede``, ``outdated``)
- ``store``           the ``IncidentStore`` port
- ``machine_models``  the machine's state, events, timers and outcome; ``machine`` its transitions (``advance``)
"""
