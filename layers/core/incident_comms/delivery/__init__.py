"""Delivery: an approved message version reaches every channel it was drafted for, once, visibly.

Guarantees: each channel is claimed with a conditional write before it is used, so a redelivered request
publishes nothing twice; what happened (attempted, delivered, failed) is recorded and what failed is on the
timeline and told to the communications lead; a hand-off that never arrived is asked for again (the sweeper); a
request older than the last message handed to publishing publishes nothing, and says so on the timeline.

- ``publishing``   the use case the publisher calls, the channel port (``publish_message``, ``hand_off``)
- ``sweeper``      publications whose hand-off never arrived
- ``email/``       the customer email channel: fan-out, batches, SES feedback and bounces
- ``status_page/`` the static status site (HTML, JSON, Atom) in S3
- ``manual``       channels people post by hand, with an email that says what to post
- ``report/``      the delivery report emailed to the communications lead
(SNS and chat webhooks are adapters: :mod:`incident_comms.adapters.sns`, :mod:`incident_comms.adapters.webhooks`.)
"""
