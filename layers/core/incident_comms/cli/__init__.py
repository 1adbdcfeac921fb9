"""The ``incident-comms`` command line: ``plan check|render|announce``, ``classify``, ``lint``, ``subscribers``,
``local``.

Bad input to any command exits 2 with one ``error:`` line on stderr, never a traceback.

- ``main``         the parser and the plan and classify commands; ``common`` reading input
- ``lint``, ``subscribers``  their command groups
"""
