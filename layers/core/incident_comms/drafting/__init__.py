"""Drafting: facts rendered through the plan's templates into one draft per channel and locale.

Guarantees: templates see facts only, in a sandbox with ``StrictUndefined``; alarm text is escaped wherever a
draft becomes HTML; a holding text sees only the facts that are certain (never causes or fix times).

- ``render``   MessageFacts → ChannelDraft per channel (``render_drafts``), the shared context and blocks
- ``holding``  the plan's pre-approved holding texts, per channel (``render_holding``)
"""
