"""The delivery report: what one published message version did, per channel, in one email to the
communications lead, sent once.

- ``models``, ``logic``  the report put together from what publishing and sending left
- ``texts``, ``emails``  its words and its email; ``store`` the claim ledger and the schedule port
- ``use_cases``         arm the report when a version is published, send it once when it fires
"""
