"""Customer subscribers: who hears about which component, in which locale and audience, and how they leave.

Guarantees: only the owner of an address can subscribe it (double opt-in, signed confirmation link, GET never
acts); one click unsubscribes (RFC 8058), in the subscriber's language, naming the address, with an undo that works
once; the manage link of every customer email changes only its own address's components and language, on POST;
the subscribe form reveals nobody; a CSV import is checked whole before anything is written. This stage knows
nothing of incidents.

- ``models``      subscribers and their contact-list topics; ``directory`` the directory port
- ``tokens``      the signed unsubscribe and confirmation links; ``csv_import`` the import format
- ``subscribe``, ``subscribe_pages``, ``subscribe_texts``  the subscribe form; ``unsubscribe`` the one-click link
- ``links`` the manage and undo links; ``manage``, ``manage_pages``, ``manage_texts``  the manage page and the undo
"""
