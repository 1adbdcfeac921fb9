"""Emails to the team: what each person is engaged for, and the shared email model, sender port and wording.

Guarantees: every email is an :class:`emails.Email` handed to an :class:`emails.EmailSender`; templates
autoescape HTML (alarm text is never markup); subjects are one line under 100 characters; times are in the
team's zone.

- ``emails``   the email model, the sender port, the package templates, the team's wording and zone
- ``context``  what the team's emails and pages show about one incident and message
- ``engage``   engagement emails when an incident opens, and ``plan announce``
"""
