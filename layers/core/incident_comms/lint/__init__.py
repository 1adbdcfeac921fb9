"""Check a draft against what good incident communication needs, before anyone approves it.

A tired responder edits templates into blame, broken promises and jargon; these checks catch that. Each check
has a stable id (the ids ``values.yaml`` may name), a default level, and gives findings with a message in the
draft's language (``es`` or ``en``) and the span of text it is about.

=========================  =======  ======================================================================
check                      level    fires when (customer = skipped for internal audiences)
=========================  =======  ======================================================================
``impact-stated``          error    nothing says what customers notice (phases whose answers list ``impact``)
``data-loss-stated``       error    the two most severe severities: no yes / no / not-yet-known on data loss,
                                    or it is stated as a guess ("probably", "creemos que no")
``next-update-promised``   error    no concrete time for the next update ("soon" is not one); phases whose
                                    answers list ``next_update`` (not resolved or postmortem in the example)
``no-blame``               error    blame on people, customers, vendors or teams, or a person of roles.yaml
``no-unsure-commitment``   error    a fix time or outcome promised while the incident is open, unless
                                    ``certain``; "this will never happen again" in any phase
``summary-first``          warning  customer: the opening sentence is over 30 words or has jargon, or the
                                    subject has jargon
``no-internal-details``    error    customer: host names, IPs, ARNs, account ids, stack traces, queries,
                                    internal alarm names (the plan's rule globs and ``prod-…`` names)
``contact-given``          warning  customer: no email address, link or "contact us" phrase
``resolved-complete``      warning  resolved, not SMS: misses start, end or duration, actions done, next
``postmortem-complete``    error    postmortem, not SMS: misses root cause, timeline, actions done or planned,
                                    lessons
``fits-channel``           error    SMS over 160 characters (GSM-7 septets; UCS-2 parts said), a subject or
                                    title of 100 characters or more, or not on one line
``facts-complete``         error    approval page: a fact of the incident told in another plan locale but
                                    not in the draft's (``runner.facts_findings``; no text check)
=========================  =======  ======================================================================

A plan changes this in ``values.yaml``: ``checks: {summary-first: {level: error}, contact-given: {enabled:
false}}``; every finding names the plan values that stand for its check (``Value.checks``).

Spans are character offsets into the part they are about: ``part == "subject"`` (the email subject or the
status page title) or ``"text"`` (the body). A finding about something *missing* spans the whole body.
"""
