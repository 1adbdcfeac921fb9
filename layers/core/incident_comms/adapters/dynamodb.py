"""``IncidentStore`` on one DynamoDB table (declared in template.yaml): the transactional writes, on top of the
consistent reads of :class:`incident_comms.adapters.dynamodb_reads.DynamoIncidentReads`; the items and their keys
are :mod:`incident_comms.adapters.dynamodb_items`.

Every change is one transaction guarded by conditions, never read-then-write: the event item makes a
redelivery fail its condition, the component lock makes the second of two simultaneous alarms join, the incident's
message counter and each superseded message's revision make a new draft and a decision racing it see each other,
and the incident's published sequence keeps anything older from being handed to publishing after it
(:mod:`incident_comms.incidents.ordering`).

An alarm reads before it writes all the same, for cost, not correctness: one consistent ``TransactGetItems`` of its
event's record and its component's lock answers a redelivery (one call, the storm's commonest delivery) and sends a
join straight to the open incident, so only an opening renders its first draft; the transaction after it keeps every
condition, so a race lost between the read and the write is still caught there (issue 16).

A condition can also be failed by our own write: when a transaction commits and its answer is lost, the SDK sends it
again and the re-send meets what the first one wrote. So every transaction is one attempt
(:mod:`incident_comms.adapters.dynamodb_attempts`): its id is the ``ClientRequestToken`` (which real DynamoDB honours
for ten minutes) and is stamped in the ``attempt`` attribute of every item it puts or updates; a transaction refused
on a condition reads those items back in one consistent ``TransactGetItems``, and finding its own id there answers the
commit it was. An opening re-sent is OPENED, not a DUPLICATE; a decision re-sent is SAVED, not "link already used".
The single-item writes (a delivery's claim and finish, a timeline entry) do the same through the same helper.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.adapters.dynamodb_attempts import (
    carries,
    new_attempt,
    put_required,
    stamped_transaction,
    transaction_committed,
)
from incident_comms.adapters.dynamodb_items import (
    META,
    alarm_attrs,
    alarm_key,
    attrs,
    claim_item,
    counter_update,
    incident_attrs,
    incident_key,
    item_values,
    lock_key,
    message_key,
    model_attrs,
    published_update,
    string_attr,
    token_key,
)
from incident_comms.adapters.dynamodb_reads import DynamoIncidentReads
from incident_comms.alarms import Alarm
from incident_comms.incidents.models import (
    AlarmSnapshot,
    Delivery,
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    TimelineEntry,
)
from incident_comms.incidents.ordering import retire, supersede
from incident_comms.incidents.promises import PromiseLedger
from incident_comms.incidents.store import Applied, DecisionSaved, Drafting, MessageAdded, Opening, StoreResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

EVENT_TTL = timedelta(days=30)
USED_TOKEN_TTL_MARGIN = timedelta(days=1)
"""A spent link is remembered a day past its expiry; after that the expiry alone refuses it."""
_JOIN_ATTEMPTS = 4
_ADD_ATTEMPTS = 5
"""Storing a draft again after another draft or a decision landed first: more than a handful means a bug."""
_APPENDED_ORDER = 999
"""Sort position of an entry added on its own: after any batch written at the same instant (orders 0, 1, ...)."""
TRANSACTION_ATTEMPTS = 5
"""A transaction DynamoDB cancels only because another one touched the same items at the same moment
(``TransactionConflict``) is tried again, with jittered backoff, this many times in all."""
_CONFLICT_BACKOFF = 0.05
"""Seconds: the ceiling of the first wait, doubled on each further attempt (full jitter)."""
_TRY_AGAIN = ("TransactionConflictException", "TransactionInProgressException")


class DynamoIncidentStore(DynamoIncidentReads):
    """DynamoDB implementation of :class:`incident_comms.incidents.store.IncidentStore`."""

    sleep: Callable[[float], None] = staticmethod(time.sleep)
    """How a conflict retry waits (tests replace it: no test sleeps)."""

    def _put(self, item: dict[str, Any], *, new: bool = True, revision: int | None = None) -> TransactWriteItemTypeDef:
        """A put that creates (``new``) or replaces the stored ``revision`` of the item, never anything else."""
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if revision is not None:
            put["ConditionExpression"] = "revision = :revision"
            put["ExpressionAttributeValues"] = {":revision": {"N": str(revision)}}
        elif new:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        return {"Put": put}  # type: ignore[typeddict-item]

    def _event_put(self, alarm: Alarm, incident_id: str, at_epoch: int) -> TransactWriteItemTypeDef:
        item = attrs(
            {
                "pk": f"EVENT#{alarm.event_key}",
                "sk": "EVENT",
                "incident_id": incident_id,
                "expires_at": at_epoch + int(EVENT_TTL.total_seconds()),
            }
        )
        return self._put(item)

    def _entry_put(self, entry: TimelineEntry, order: int = 0) -> TransactWriteItemTypeDef:
        sort = f"TL#{entry.at.isoformat()}#{order:03d}#{entry.key}"
        return self._put(model_attrs(entry, pk=f"INCIDENT#{entry.incident_id}", sk=sort))

    def _message_put(self, message: Message, *, replacing: int | None = None) -> TransactWriteItemTypeDef:
        item = model_attrs(message, pk=f"INCIDENT#{message.incident_id}", sk=f"MSG#{message.id}")
        return self._put(item, revision=replacing)

    def _publication_put(self, publication: Publication) -> TransactWriteItemTypeDef:
        sort = f"PUB#{publication.message_id}#v{publication.version:04d}"
        return self._put(model_attrs(publication, pk=f"INCIDENT#{publication.incident_id}", sk=sort))

    def _transact(self, items: list[TransactWriteItemTypeDef]) -> list[str] | None:
        """Run one transaction; None when it committed, else the cancellation reason code of every item
        (:meth:`_transact_returning`)."""
        return self._transact_returning(items)[0]

    def _transact_returning(
        self, items: list[TransactWriteItemTypeDef], decisive: int | None = None, returning: tuple[int, ...] = ()
    ) -> tuple[list[str] | None, dict[int, dict[str, Any]]]:
        """Run one transaction; (None, {}) when it committed, else the cancellation reason code of every item and,
        by position, the item each of ``decisive`` and ``returning`` met when it failed its condition.

        It is one attempt (:mod:`incident_comms.adapters.dynamodb_attempts`) for all its tries: its id is the
        ``ClientRequestToken`` and is stamped on every item it puts or updates, so when DynamoDB committed it but the
        answer was lost and the SDK (or this loop) sent it again, the refusal that meets our own commit is answered
        as the commit it is, never as someone else's write. ``decisive`` names a create-only item nobody changes
        afterwards (an event's record): its old value comes back with the refusal
        (``ReturnValuesOnConditionCheckFailure``) and alone says whose it is, so a redelivered event costs this one
        call; and when its condition held, the item did not exist, so this transaction never committed and nothing
        is read back. Otherwise the items are read back. ``returning`` items (a component's lock) come back too, for
        the caller to act on what it met without reading it again. A cancellation caused only by a concurrent
        transaction (``TransactionConflict``, or the same token still in progress) is tried again after a jittered
        wait, up to :data:`TRANSACTION_ATTEMPTS` in all; a failed condition is answered at once.
        """
        attempt = new_attempt()
        items = stamped_transaction(items, attempt)
        returned = {*returning, *(() if decisive is None else (decisive,))}
        for position in returned:
            old: Any = {**items[position]["Put"], "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
            items[position] = {"Put": old}
        reasons: list[str] = []
        for tried in range(TRANSACTION_ATTEMPTS):
            if tried:
                self.sleep(random.uniform(0, _CONFLICT_BACKOFF * 2 ** (tried - 1)))  # noqa: S311 - jitter only
            try:
                self._client.transact_write_items(TransactItems=items, ClientRequestToken=attempt)
            except ClientError as error:
                if error_code(error) in _TRY_AGAIN:
                    reasons = ["TransactionConflict"] * len(items)
                    continue
                if error_code(error) != "TransactionCanceledException":
                    raise
                found = error.response.get("CancellationReasons") or []
                reasons = [str(reason.get("Code", "None")) for reason in found] or ["Unknown"] * len(items)
                if "TransactionConflict" in reasons and all(r in ("None", "TransactionConflict") for r in reasons):
                    continue
                met = {
                    position: dict(found[position]["Item"])
                    for position in returned
                    if position < len(found) and found[position].get("Item")
                }
                if decisive is not None and decisive in met:
                    return (None, {}) if carries(met[decisive], attempt) else (reasons, met)
                if decisive is not None and len(reasons) > decisive and reasons[decisive] == "None":
                    return reasons, met
                if "ConditionalCheckFailed" in reasons and transaction_committed(self._client, items, attempt):
                    return None, {}
                return reasons, met
            return None, {}
        return reasons, {}

    def _saved(self, items: list[TransactWriteItemTypeDef], what: str) -> bool:
        """Run one transaction whose first item guards it: True when it committed, False when that guard failed
        (what it replaces changed meanwhile); any other cancellation is raised."""
        reasons = self._transact(items)
        if reasons is None:
            return True
        if reasons[0] == "ConditionalCheckFailed":
            return False
        raise RuntimeError(f"{what} not saved: {', '.join(reasons)}")

    def open_or_join(self, candidate: Incident, alarm: Alarm, opening: Drafting, joining: TimelineEntry) -> StoreResult:
        """One consistent read of the event's record and the component's lock decides first (:meth:`_event_and_lock`):
        a redelivery is answered by it alone, a join goes straight to the open incident, and only an opening calls
        ``opening`` (renders) and writes. The opening transaction still carries the event and the lock, each
        conditioned on not existing, so an alarm racing this one, or its own redelivery, between the read and the
        write is caught there: the refusal returns what each met (the event's record, the lock naming the incident
        now open), and no further read is needed to answer DUPLICATE or to join."""
        now_epoch = int(candidate.opened_at.timestamp())
        drafted: Opening | None = None
        for _ in range(_JOIN_ATTEMPTS):
            event, open_id = self._event_and_lock(alarm, candidate.component_id)
            if event is not None:
                return StoreResult(Applied.DUPLICATE, self._incident_of_event(alarm, event))
            if open_id is None:
                drafted = drafted or opening()
                message = drafted.message
                sequenced = candidate
                if message is not None:
                    message = message.model_copy(update={"sequence": 1})
                    sequenced = candidate.model_copy(update={"message_sequence": 1})
                items = [self._event_put(alarm, candidate.id, now_epoch)]
                items += self._opening_items(sequenced, drafted.entries, message)
                reasons, met = self._transact_returning(items, decisive=0, returning=(1,))
                if reasons is None:
                    return StoreResult(Applied.OPENED, candidate.id)
                if reasons[0] == "ConditionalCheckFailed":
                    return StoreResult(Applied.DUPLICATE, self._incident_of_event(alarm, met.get(0)))
                lock = met.get(1)
                open_id = str(lock["incident_id"]["S"]) if lock and "incident_id" in lock else None
                if open_id is None:
                    continue
            entry = joining.model_copy(update={"incident_id": open_id})
            result = self._apply_to_open(candidate.component_id, open_id, alarm, entry, now_epoch, Applied.JOINED)
            if result is not None:
                return result
        raise RuntimeError(f"could not open or join an incident for {candidate.component_id} under contention")

    def _opening_items(
        self, candidate: Incident, opening: list[TimelineEntry], message: Message | None
    ) -> list[TransactWriteItemTypeDef]:
        """What opening an incident writes: the component lock (first, so its failure says "already open"), the
        incident, its opening entries and first message, every one a create that fails if it exists."""
        items = [
            self._put({**lock_key(candidate.component_id), "incident_id": string_attr(candidate.id)}),
            self._put(
                incident_attrs(
                    candidate,
                    pk=f"INCIDENT#{candidate.id}",
                    sk=META,
                    gsi1pk="INCIDENTS",
                    gsi1sk=f"{candidate.opened_at.isoformat()}#{candidate.id}",
                )
            ),
            *(self._put(alarm_attrs(candidate.id, snapshot)) for snapshot in candidate.alarms.values()),
            *(self._entry_put(entry, order) for order, entry in enumerate(opening)),
        ]
        if message is not None:
            items.append(self._message_put(message))
        return items

    def open_declared(self, candidate: Incident, opening: list[TimelineEntry], message: Message) -> StoreResult:
        message = message.model_copy(update={"sequence": 1})
        candidate = candidate.model_copy(update={"message_sequence": 1})
        reasons: list[str] = []
        for _ in range(_JOIN_ATTEMPTS):
            reasons = self._transact(self._opening_items(candidate, opening, message)) or []
            if not reasons:
                return StoreResult(Applied.OPENED, candidate.id)
            open_id = self.open_incident_id(candidate.component_id)
            if open_id is not None:
                return StoreResult(Applied.ALREADY_OPEN, open_id)
        raise RuntimeError(f"declared incident on {candidate.component_id} not opened: {', '.join(reasons)}")

    def record_alarm_state(self, component_id: str, alarm: Alarm, entry: TimelineEntry) -> StoreResult:
        for _ in range(_JOIN_ATTEMPTS):
            event, open_id = self._event_and_lock(alarm, component_id)
            if event is not None:
                return StoreResult(Applied.DUPLICATE, self._incident_of_event(alarm, event))
            if open_id is None:
                return StoreResult(Applied.NO_OPEN_INCIDENT)
            located = entry.model_copy(update={"incident_id": open_id})
            epoch = int(entry.at.timestamp())
            result = self._apply_to_open(component_id, open_id, alarm, located, epoch, Applied.RECORDED)
            if result is not None:
                return result
        raise RuntimeError(f"could not record the alarm on {component_id}'s incident under contention")

    def _apply_to_open(
        self, component_id: str, incident_id: str, alarm: Alarm, entry: TimelineEntry, epoch: int, applied: Applied
    ) -> StoreResult | None:
        """Add the alarm's state to an open incident unless it holds a newer one for that alarm (then OUTDATED: the
        event and an entry saying so are written, the alarm is left as it is); None when the incident closed or
        the alarm changed meanwhile (try again).

        The snapshot's ``changed_at`` is pydantic's JSON (``...:05Z``, or ``...:05.123000Z`` with microseconds),
        so "stored <= new" is ``stored <= new with microseconds OR stored = new's whole second``: exact for both
        forms, where one string comparison would put ``:05.5Z`` before ``:05Z``."""
        moment = alarm.changed_at.astimezone(UTC).replace(tzinfo=None)
        newest = {
            ":fine": string_attr(moment.isoformat(timespec="microseconds") + "Z"),
            ":second": string_attr(moment.isoformat(timespec="seconds") + "Z"),
        }
        not_older = "changed_at <= :fine OR changed_at = :second"
        still_open: dict[str, Any] = {
            "TableName": self._table,
            "Key": incident_key(incident_id),
            "ConditionExpression": "#status = :open",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":open": string_attr(IncidentStatus.OPEN.value)},
        }
        lock_held: TransactWriteItemTypeDef = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": lock_key(component_id),
                "ConditionExpression": "incident_id = :incident",
                "ExpressionAttributeValues": {":incident": string_attr(incident_id)},
            }
        }
        touched: Any = {
            **still_open,
            "UpdateExpression": "SET updated_at = :at",
            "ExpressionAttributeValues": {
                **still_open["ExpressionAttributeValues"],
                ":at": string_attr(entry.at.isoformat()),
            },
        }
        items: list[TransactWriteItemTypeDef] = [
            self._event_put(alarm, incident_id, epoch),
            {"Update": touched},
            {
                "Put": {
                    "TableName": self._table,
                    "Item": alarm_attrs(incident_id, AlarmSnapshot.of(alarm)),
                    "ConditionExpression": f"attribute_not_exists(pk) OR {not_older}",
                    "ExpressionAttributeValues": newest,
                }
            },
            lock_held,
            self._entry_put(entry),
        ]
        reasons, met = self._transact_returning(items, decisive=0)
        if reasons is None:
            return StoreResult(applied, incident_id)
        if reasons[0] == "ConditionalCheckFailed":
            return StoreResult(Applied.DUPLICATE, self._incident_of_event(alarm, met.get(0)))
        if "ConditionalCheckFailed" not in (reasons[1], reasons[2]):
            return None
        ignored = entry.model_copy(
            update={
                "text": f"{entry.text} as of {alarm.changed_at.isoformat()}: older than the state already recorded "
                "for it, so ignored",
                "data": {**entry.data, "ignored": "older than the recorded state"},
            }
        )
        outdated: list[TransactWriteItemTypeDef] = [
            self._event_put(alarm, incident_id, epoch),
            {"ConditionCheck": still_open},  # type: ignore[typeddict-item]
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": alarm_key(incident_id, alarm.id),
                    "ConditionExpression": f"attribute_exists(pk) AND NOT ({not_older})",
                    "ExpressionAttributeValues": newest,
                }
            },
            lock_held,
            self._entry_put(ignored),
        ]
        reasons, met = self._transact_returning(outdated, decisive=0)
        if reasons is None:
            return StoreResult(Applied.OUTDATED, incident_id)
        if reasons[0] == "ConditionalCheckFailed":
            return StoreResult(Applied.DUPLICATE, self._incident_of_event(alarm, met.get(0)))
        return None

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        item = dict(self._entry_put(entry, _APPENDED_ORDER)["Put"]["Item"])
        put_required(self._client, self._table, item, "attribute_not_exists(pk)", f"timeline entry {entry.key}")

    def save_decision(
        self,
        before: Message,
        after: Message,
        token_fingerprint: str,
        token_expires_at: datetime,
        entries: list[TimelineEntry],
        publication: Publication | None,
    ) -> DecisionSaved:
        if after.revision != before.revision + 1 or (after.incident_id, after.id) != (before.incident_id, before.id):
            raise ValueError("a decision replaces the message it was computed from, one revision later")
        spent = attrs(
            {
                "incident_id": before.incident_id,
                "message_id": before.id,
                "expires_at": int((token_expires_at + USED_TOKEN_TTL_MARGIN).timestamp()),
            }
        )
        items = [
            self._put({**token_key(token_fingerprint), **spent}),
            self._message_put(after, replacing=before.revision),
        ]
        if publication is not None:
            items += [published_update(self._table, after, holding=after.holding), self._publication_put(publication)]
        items += [self._entry_put(entry, order) for order, entry in enumerate(entries)]
        reasons = self._transact(items)
        if reasons is None:
            return DecisionSaved.SAVED
        if reasons[0] == "ConditionalCheckFailed":
            return DecisionSaved.TOKEN_USED
        if reasons[1] == "ConditionalCheckFailed":
            return DecisionSaved.MESSAGE_CHANGED
        if publication is not None and reasons[2] == "ConditionalCheckFailed":
            return DecisionSaved.OUTDATED
        raise RuntimeError(f"decision not saved: {', '.join(reasons)}")

    def save_holding(
        self, waiting: Message, holding: Message, entries: list[TimelineEntry], publication: Publication
    ) -> bool:
        items: list[TransactWriteItemTypeDef] = [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": message_key(waiting.incident_id, waiting.id),
                    "ConditionExpression": "#status = :awaiting",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":awaiting": string_attr(MessageStatus.AWAITING_APPROVAL.value)},
                }
            },
            self._message_put(holding),
            published_update(self._table, holding, holding=True),
            *(self._entry_put(entry, order) for order, entry in enumerate(entries)),
            self._publication_put(publication),
        ]
        reasons = self._transact(items)
        if reasons is None:
            return True
        if "ConditionalCheckFailed" in reasons[:3]:
            return False
        raise RuntimeError(f"holding message not saved: {', '.join(reasons)}")

    def renew_message(self, before: Message, after: Message) -> bool:
        if after.revision != before.revision + 1 or (after.incident_id, after.id) != (before.incident_id, before.id):
            raise ValueError("a renewal replaces the message it was computed from, one revision later")
        put = self._message_put(after, replacing=before.revision)["Put"]
        try:
            self._client.put_item(**put)
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def _delivery_item(self, delivery: Delivery) -> dict[str, Any]:
        sort = f"DLV#{delivery.message_id}#v{delivery.version:04d}#{delivery.channel_id}"
        return model_attrs(delivery, pk=f"INCIDENT#{delivery.incident_id}", sk=sort)

    def claim_delivery(self, delivery: Delivery) -> Delivery | None:
        old = claim_item(self._client, self._table, self._delivery_item(delivery), "attribute_not_exists(pk)")
        return Delivery.model_validate(item_values(old)) if old is not None else None

    def finish_delivery(self, delivery: Delivery) -> None:
        item = self._delivery_item(delivery)
        put_required(self._client, self._table, item, "attribute_exists(pk)", f"delivery {item['sk']['S']}")

    def advance_delivery(self, delivery: Delivery, held: Delivery) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._delivery_item(delivery),
                ConditionExpression="#state = :state AND claimed_at = :claimed_at",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=attrs(
                    {":state": held.state.value, ":claimed_at": held.model_dump(mode="json")["claimed_at"]}
                ),
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def save_lifecycle(self, before: Incident, after: Incident, entries: list[TimelineEntry]) -> bool:
        if after.id != before.id or after.revision != before.revision + 1:
            raise ValueError("a lifecycle transition replaces the incident it was computed from, one revision later")
        values = attrs(
            {
                ":phase": after.phase.value,
                ":status": after.status.value,
                ":severity": after.severity_id,
                ":lifecycle": after.lifecycle,
                ":revision": after.revision,
                ":before": before.revision,
                ":updated": after.updated_at.isoformat(),
                ":resolved": after.resolved_at.isoformat() if after.resolved_at else None,
                ":facts": after.facts.model_dump(mode="json"),
            }
        )
        unrevised = "attribute_not_exists(revision) OR " if before.revision == 0 else ""
        items: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": incident_key(before.id),
                    "UpdateExpression": "SET phase = :phase, #status = :status, severity_id = :severity, "
                    "lifecycle = :lifecycle, revision = :revision, updated_at = :updated, resolved_at = :resolved, "
                    "facts = :facts",
                    "ConditionExpression": f"attribute_exists(pk) AND ({unrevised}revision = :before)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            },
            *(self._entry_put(entry, order) for order, entry in enumerate(entries)),
        ]
        if before.status == IncidentStatus.OPEN and after.status == IncidentStatus.RESOLVED:
            items.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": lock_key(before.component_id),
                        "ConditionExpression": "attribute_not_exists(pk) OR incident_id = :incident",
                        "ExpressionAttributeValues": {":incident": string_attr(before.id)},
                    }
                }
            )
        return self._saved(items, f"lifecycle transition of {before.id}")

    def save_facts(self, before: Incident, after: Incident, entries: list[TimelineEntry]) -> bool:
        if after.id != before.id or after.revision != before.revision + 1:
            raise ValueError("a facts change replaces the incident it was computed from, one revision later")
        unrevised = "attribute_not_exists(revision) OR " if before.revision == 0 else ""
        update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self._table,
                "Key": incident_key(before.id),
                "UpdateExpression": "SET facts = :facts, revision = :revision, updated_at = :updated",
                "ConditionExpression": f"attribute_exists(pk) AND ({unrevised}revision = :before)",
                "ExpressionAttributeValues": attrs(
                    {
                        ":facts": after.facts.model_dump(mode="json"),
                        ":revision": after.revision,
                        ":before": before.revision,
                        ":updated": after.updated_at.isoformat(),
                    }
                ),
            }
        }
        items = [update, *(self._entry_put(entry, order) for order, entry in enumerate(entries))]
        return self._saved(items, f"facts of {before.id}")

    def add_message(self, message: Message, entries: list[TimelineEntry]) -> MessageAdded | None:
        for _ in range(_ADD_ATTEMPTS):
            incident = self.get_incident(message.incident_id)
            if incident is None:
                raise LookupError(f"no incident {message.incident_id} to add message {message.id} to")
            stored = message.model_copy(update={"sequence": incident.message_sequence + 1})
            replaced = supersede(self.messages(message.incident_id), stored, message.created_at)
            items = [
                self._message_put(stored),
                counter_update(self._table, incident, stored.sequence),
                *(self._message_put(item.after, replacing=item.before.revision) for item in replaced),
                *(
                    self._entry_put(entry, order)
                    for order, entry in enumerate([*entries, *(item.entry for item in replaced)])
                ),
            ]
            reasons = self._transact(items)
            if reasons is None:
                return MessageAdded(stored, [item.after for item in replaced])
            if reasons[0] == "ConditionalCheckFailed":
                return None
            if "ConditionalCheckFailed" not in reasons[1 : 2 + len(replaced)]:
                raise RuntimeError(f"message {message.id} not saved: {', '.join(reasons)}")
        raise RuntimeError(f"message {message.id} not saved: other changes kept landing first ({_ADD_ATTEMPTS} times)")

    def supersede_waiting(self, incident_id: str, now: datetime, why: str) -> list[Message]:
        for _ in range(_ADD_ATTEMPTS):
            replaced = retire(self.messages(incident_id), now, why)
            if not replaced:
                return []
            items = [
                *(self._message_put(item.after, replacing=item.before.revision) for item in replaced),
                *(self._entry_put(entry, order) for order, entry in enumerate(item.entry for item in replaced)),
            ]
            reasons = self._transact(items)
            if reasons is None:
                return [item.after for item in replaced]
            if "ConditionalCheckFailed" not in reasons[: len(replaced)]:
                raise RuntimeError(f"the waiting messages of {incident_id} were not superseded: {', '.join(reasons)}")
        raise RuntimeError(
            f"the waiting messages of {incident_id} were not superseded: other changes kept landing first "
            f"({_ADD_ATTEMPTS} times)"
        )

    def save_promise_ledger(self, before: PromiseLedger, after: PromiseLedger, entries: list[TimelineEntry]) -> bool:
        if after.revision != before.revision + 1 or after.incident_id != before.incident_id:
            raise ValueError("a ledger write replaces the ledger it was computed from, one revision later")
        item = model_attrs(after, pk=f"INCIDENT#{after.incident_id}", sk="PROMISES")
        put = self._put(item, revision=before.revision or None)
        items = [put, *(self._entry_put(entry, order) for order, entry in enumerate(entries))]
        return self._saved(items, f"promise ledger of {after.incident_id}")
