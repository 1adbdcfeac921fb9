"""template.yaml wires bounces and complaints: configuration set → SNS topic → feedback function, least privilege."""

from __future__ import annotations

from typing import Any

from incident_comms.local.cfn import resources_of_type

CONTACT_LIST = {"Fn::If": ["CreatesContactList", {"Ref": "SubscriberContactList"}, {"Ref": "ExistingContactListName"}]}
"""The stack's own list, or the account's existing one when ``ExistingContactListName`` names it."""


def resource(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][logical_id]
    return found


def statements(template: dict[str, Any], function: str) -> dict[str, dict[str, Any]]:
    (policy,) = resource(template, function)["Properties"]["Policies"]
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_the_configuration_set_suppresses_bounces_and_complaints_and_publishes_them(template: dict[str, Any]) -> None:
    configuration_set = resource(template, "EmailConfigurationSet")
    (destination,) = resources_of_type(template, "AWS::SES::ConfigurationSetEventDestination").values()

    assert configuration_set["Type"] == "AWS::SES::ConfigurationSet"
    assert configuration_set["Properties"]["SuppressionOptions"]["SuppressedReasons"] == ["BOUNCE", "COMPLAINT"]
    assert destination["ConfigurationSetName"] == {"Ref": "EmailConfigurationSet"}
    assert destination["EventDestination"]["Enabled"] is True
    assert sorted(destination["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["EventDestination"]["SnsDestination"] == {"TopicARN": {"Ref": "EmailFeedbackTopic"}}


def test_only_ses_of_this_account_may_publish_to_the_feedback_topic(template: dict[str, Any]) -> None:
    policy = resource(template, "EmailFeedbackTopicPolicy")["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]

    assert policy["Topics"] == [{"Ref": "EmailFeedbackTopic"}]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish" and statement["Resource"] == {"Ref": "EmailFeedbackTopic"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_the_feedback_function_takes_the_topic_and_keeps_what_it_could_not_apply(template: dict[str, Any]) -> None:
    function = resource(template, "EmailFeedbackFunction")["Properties"]
    (event,) = function["Events"].values()

    assert (event["Type"], event["Properties"]["Topic"]) == ("SNS", {"Ref": "EmailFeedbackTopic"})
    dead_letters = {"Fn::GetAtt": ["EmailFeedbackDeadLetterQueue", "Arn"]}
    assert event["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == dead_letters
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == dead_letters
    assert function["Environment"]["Variables"]["CONTACT_LIST_NAME"] == CONTACT_LIST


def test_the_feedback_function_may_only_read_and_put_items_and_suppress_contacts(template: dict[str, Any]) -> None:
    found = statements(template, "EmailFeedbackFunction")

    assert sorted(found["IncidentStore"]["Action"]) == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert found["IncidentStore"]["Resource"] == {"Fn::GetAtt": ["IncidentsTable", "Arn"]}
    ses = found["SuppressInContactList"]
    assert sorted(ses["Action"]) == ["ses:GetContact", "ses:GetContactList", "ses:UpdateContact"]
    text, variables = ses["Resource"]["Fn::Sub"]
    assert text.endswith(":contact-list/${ContactList}") and variables == {"ContactList": CONTACT_LIST}
    actions = {action for statement in found.values() for action in _list(statement["Action"])}
    assert not any(action.startswith("ses:Send") for action in actions)


def test_the_email_sender_sends_through_the_configuration_set_it_may_use(template: dict[str, Any]) -> None:
    function = resource(template, "EmailSenderFunction")["Properties"]
    send = statements(template, "EmailSenderFunction")["SendAsTheSender"]

    assert function["Environment"]["Variables"]["CONFIGURATION_SET_NAME"] == {"Ref": "EmailConfigurationSet"}
    assert "ses:SendBulkEmail" in send["Action"]
    resources = [item["Fn::Sub"] for item in send["Resource"]]
    assert any(item.endswith(":configuration-set/${EmailConfigurationSet}") for item in resources)
    assert send["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}}


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]
