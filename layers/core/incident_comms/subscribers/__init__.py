"""Customer subscribers: who hears about which component, in which locale and audience, and how they leave.

Guarantees: only the owner of an address can subscribe it (double opt-in, signed confirmation link, GET never
acts); one click unsubscribes (RFC 8058); the subscribe form reveals nobody; a CSV import is checked whole before
anything is written. This stage knows nothing of incidents.

- ``models``      subscribers and their contact-list topics; ``directory`` the directory port
- ``tokens``      the signed unsubscribe and confirmation links; ``csv_import`` the import format
- ``subscribe``, ``subscribe_pages``, ``subscribe_texts``  the subscribe form; ``unsubscribe`` the one-click link
"""
