"""The customer email channel: subscribers in batches of 50 through SQS, each batch sent once at the pace SES
allows, and what SES reports back (bounces, complaints) recorded once and the address suppressed.

- ``fanout``    who gets the update, in batches, handed to the email sender
- ``batches/``  one batch sent, paced, never to anyone twice
- ``feedback``, ``bounces``, ``tags``  SES feedback back to its message
"""
