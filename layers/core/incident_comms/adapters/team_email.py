"""Team emails (approval requests, engagement, escalations, reports) sent again while the failure says "try again".

Wraps the :class:`~incident_comms.team.emails.EmailSender` that SES implements (:mod:`incident_comms.adapters.ses`,
SDK retries off) with :func:`~incident_comms.adapters.retries.with_retries`: no connection, throttling and 503s are
tried again with jittered backoff, a few times.

A lost answer (the request left, no answer came) is also sent again, unlike a customer email: the email probably
went, so the person may read it twice, but a team email that did not go is an approval nobody was asked for, or a
responder never engaged, and the SEV1's first message waits for it. A duplicate in a responder's inbox costs a glance;
their links are the same links, signed once, that still work once. What still fails is raised for the use case to put
on the timeline and tell the operators.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from incident_comms.adapters.retries import with_retries
from incident_comms.team.emails import Email, EmailSender


class RetryingEmailSender:
    def __init__(self, sender: EmailSender, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sender = sender
        self._sleep = sleep

    def send(self, email: Email) -> str:
        return with_retries(lambda: self._sender.send(email), sleep=self._sleep, retry_unknown=True)
