"""``ReportLedger`` on the incidents table: one ``INCIDENT#<id>`` / ``REPORT#<message>#v<version>`` item per report.

The claim is a conditional put (only when no item is there), so two firings of the same report schedule (a retry,
a late re-arm) cannot both send; the email goes out only after the claim is won. The claim and the finish recognise
their own attempt (:mod:`incident_comms.adapters.dynamodb_attempts`): a put whose answer was lost and sent again is
ours, not "claimed earlier". A send that failed deletes the
claim (only while it is still the unsent claim of that firing), so the scheduler's retry can send it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from incident_comms.adapters.dynamodb_attempts import put_once, put_required
from incident_comms.adapters.dynamodb_items import item_values
from incident_comms.delivery.report.models import ReportClaim, ReportState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_serializer = TypeSerializer()


class DynamoReportLedger:
    """:class:`~incident_comms.delivery.report.store.ReportLedger` on the incidents table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(claim: ReportClaim) -> dict[str, Any]:
        return {
            "pk": {"S": f"INCIDENT#{claim.incident_id}"},
            "sk": {"S": f"REPORT#{claim.message_id}#v{claim.version:04d}"},
        }

    def _item(self, claim: ReportClaim) -> dict[str, Any]:
        data = claim.model_dump(mode="json", exclude_none=True)
        return {**{key: _serializer.serialize(value) for key, value in data.items()}, **self._key(claim)}

    @staticmethod
    def _claim(item: dict[str, Any]) -> ReportClaim:
        return ReportClaim.model_validate({k: v for k, v in item_values(item).items() if k not in ("pk", "sk")})

    def claim_report(self, claim: ReportClaim) -> ReportClaim | None:
        old = put_once(self._client, self._table, self._item(claim), "attribute_not_exists(pk)")
        if old is None:
            return None
        return self._claim(old) if old else claim  # released between our put and the read: not ours to send now

    def finish_report(self, claim: ReportClaim) -> None:
        sent = self._item(claim.model_copy(update={"state": ReportState.SENT}))
        put_required(self._client, self._table, sent, "attribute_exists(pk)", f"report {sent['sk']['S']}")

    def release_report(self, claim: ReportClaim) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=self._key(claim),
                ConditionExpression="#state = :sending AND claimed_at = :claimed_at",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":sending": {"S": ReportState.SENDING.value},
                    ":claimed_at": {"S": claim.model_dump(mode="json")["claimed_at"]},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
