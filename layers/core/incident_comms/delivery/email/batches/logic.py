"""What a channel's batches add up to.

Counts: the publisher's delivery for an email channel counts recipients *queued*; the batch records count what
SES *accepted* (``delivered``), *refused* (``failed``) and could not tell (``unknown``). :func:`batch_totals`
adds them up per message and channel for the delivery report. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from incident_comms.delivery.email.batches.models import BatchRecord, BatchState


@dataclass(frozen=True)
class BatchTotals:
    batches: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    unknown: int = 0
    unfinished: int = 0


def batch_totals(records: Iterable[BatchRecord]) -> dict[tuple[str, int, str], BatchTotals]:
    """What SES accepted per (message id, version, channel id), summed over its batch records."""
    totals: dict[tuple[str, int, str], BatchTotals] = {}
    for record in records:
        key = (record.message_id, record.version, record.channel_id)
        now = totals.get(key, BatchTotals())
        finished = record.state == BatchState.SENT
        totals[key] = BatchTotals(
            batches=now.batches + 1,
            attempted=now.attempted + record.attempted,
            delivered=now.delivered + record.delivered,
            failed=now.failed + record.failed,
            unknown=now.unknown + record.unknown,
            unfinished=now.unfinished + int(not finished),
        )
    return totals
