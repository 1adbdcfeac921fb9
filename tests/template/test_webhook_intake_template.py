"""template.yaml wires alert webhooks: the webhook keeps and queues (no store, no email), the worker applies; the
bodies are private, encrypted and expire after the dead-letter queue would have let them go."""

from __future__ import annotations

from typing import Any


def resource(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return found


def statements(template: dict[str, Any], function: str) -> dict[str, dict[str, Any]]:
    (policy,) = resource(template, function)["Policies"]
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def actions(statement: dict[str, Any]) -> list[str]:
    found = statement["Action"]
    return found if isinstance(found, list) else [found]


def test_the_webhook_may_only_read_its_token_keep_bodies_and_queue_them(template: dict[str, Any]) -> None:
    granted = statements(template, "AlertWebhookFunction")

    assert {sid: actions(statement) for sid, statement in granted.items()} == {
        "WebhookToken": ["ssm:GetParameter"],
        "WebhookBodies": ["s3:PutObject"],
        "WebhookHandOff": ["sqs:SendMessage"],
    }
    assert granted["WebhookBodies"]["Resource"] == {"Fn::Sub": "${WebhookIntakeBucket.Arn}/webhooks/*"}
    assert granted["WebhookHandOff"]["Resource"] == {"Fn::GetAtt": ["WebhookIntakeQueue", "Arn"]}
    variables = resource(template, "AlertWebhookFunction")["Environment"]["Variables"]
    assert variables["WEBHOOK_BUCKET"] == {"Ref": "WebhookIntakeBucket"}
    assert variables["WEBHOOK_QUEUE_URL"] == {"Ref": "WebhookIntakeQueue"}


def test_the_worker_reads_bodies_only_and_is_fed_by_the_queue_with_partial_batch_failures(
    template: dict[str, Any],
) -> None:
    granted = statements(template, "AlertWorkerFunction")
    worker = resource(template, "AlertWorkerFunction")

    assert actions(granted["WebhookBodies"]) == ["s3:GetObject"]
    assert granted["WebhookBodies"]["Resource"] == {"Fn::Sub": "${WebhookIntakeBucket.Arn}/webhooks/*"}
    assert "WebhookToken" not in granted
    assert not any(action.startswith(("s3:Put", "s3:Delete")) for s in granted.values() for action in actions(s))
    (source,) = worker["Events"].values()
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["WebhookIntakeQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = resource(template, "WebhookIntakeQueue")
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"], "AWS: at least six times the function's timeout"


def test_a_group_that_keeps_failing_goes_to_a_dead_letter_queue_whose_bodies_are_still_there(
    template: dict[str, Any],
) -> None:
    queue = resource(template, "WebhookIntakeQueue")
    dead_letters = resource(template, "WebhookIntakeDeadLetterQueue")
    bucket = resource(template, "WebhookIntakeBucket")

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["WebhookIntakeDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["Prefix"] == "webhooks/"
    assert rule["ExpirationInDays"] * 86400 > dead_letters["MessageRetentionPeriod"], "a redrive finds its body"
    assert queue["SqsManagedSseEnabled"] and dead_letters["SqsManagedSseEnabled"]


def test_webhook_bodies_are_encrypted_private_and_tls_only(template: dict[str, Any]) -> None:
    bucket = resource(template, "WebhookIntakeBucket")
    policy = resource(template, "WebhookIntakeBucketPolicy")

    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
