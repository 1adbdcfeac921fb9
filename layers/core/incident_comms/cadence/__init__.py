"""Cadence: every customer update promises the next one, and the promise is kept.

Guarantees: the next update falls by the severity's cadence, shortly before each audience's office closes and
after it opens, never at night unless the severity says so (DST-correct); publishing records the promise and
replaces the incident's one update schedule.

- ``due``          when the next update is due (``next_update_due``)
- ``facts``        what a new draft is written from and the update it promises (``draft_facts``, ``draft_promise``)
- ``keeping``      at publication: the ledger entry and the update schedule (``record_published_promise``)
- ``conformance``  did we tell customers early, keep our promises, reach every channel
"""
