"""What every command of the command line shares: reading its input from a file or standard input, within
the size an inbound payload may have.
"""

from __future__ import annotations

import sys

from incident_comms.errors import BadInput

MAX_INPUT_BYTES = 256 * 1024


def read_input(source: str) -> bytes:
    """Read FILE or ``-`` (stdin), refusing anything above the 256 KB SNS/EventBridge limit."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise BadInput(f"cannot read {source}: {error.strerror or error}") from error
    if len(data) > MAX_INPUT_BYTES:
        raise BadInput(f"input is larger than {MAX_INPUT_BYTES // 1024} KB")
    return data
