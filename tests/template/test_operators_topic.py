"""The operators' path in the template: a topic, an optional email subscription, and only the functions that report
failures may publish to it (issue 14, "failures retried, then told")."""

from __future__ import annotations

from typing import Any

from tests.template.test_template import _statements, functions

REPORTING = {
    "IngestAlarmFunction",
    "AlertWorkerFunction",
    "ApprovalsApiFunction",
    "DeclareFunction",
    "LifecycleTimerFunction",
    "PublisherFunction",
    "UpdatePrompterFunction",
    "PublicationSweeperFunction",
    "EmailSenderFunction",
    "MaintenanceFunction",
    "MaintenanceTimerFunction",
}
"""The functions that put failures their retries could not fix on the timeline and tell the operators."""


def test_the_operators_topic_is_there_with_its_arn_in_the_outputs(template: dict[str, Any]) -> None:
    assert template["Resources"]["OperatorsTopic"]["Type"] == "AWS::SNS::Topic"
    assert template["Outputs"]["OperatorsTopicArn"]["Value"] == {"Ref": "OperatorsTopic"}


def test_an_operators_email_is_subscribed_only_when_one_is_given(template: dict[str, Any]) -> None:
    assert template["Parameters"]["OperatorsEmail"]["Default"] == ""
    assert template["Conditions"]["HasOperatorsEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OperatorsEmail"}, ""]}]}
    subscription = template["Resources"]["OperatorsEmailSubscription"]
    assert subscription["Type"] == "AWS::SNS::Subscription"
    assert subscription["Condition"] == "HasOperatorsEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "OperatorsTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "OperatorsEmail"},
    }


def test_every_function_is_told_where_the_operators_topic_is(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["OPERATORS_TOPIC_ARN"] == {"Ref": "OperatorsTopic"}


def test_exactly_the_reporting_functions_may_publish_to_the_operators_topic_and_nowhere_else(
    template: dict[str, Any],
) -> None:
    publishing = {
        logical_id: statement
        for logical_id, statement in _statements(template)
        if statement["Resource"] == {"Ref": "OperatorsTopic"}
    }
    assert set(publishing) == REPORTING
    assert all(statement["Action"] == ["sns:Publish"] for statement in publishing.values())
    assert set(functions(template)) >= REPORTING


def test_every_function_that_creates_a_schedule_may_read_it_back(template: dict[str, Any]) -> None:
    """A create whose answer was lost meets its own schedule on the retry, and reads it back to know it is ours."""
    for logical_id, statement in _statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if "scheduler:CreateSchedule" in actions and "scheduler:UpdateSchedule" not in actions:
            assert "scheduler:GetSchedule" in actions, f"{logical_id} {statement.get('Sid')}"


def test_the_sweeper_may_rearm_approval_timeouts_and_its_own_sweeps_and_only_those(template: dict[str, Any]) -> None:
    sweeper = functions(template)["PublicationSweeperFunction"]
    variables = sweeper["Environment"]["Variables"]
    assert {"APPROVAL_TIMEOUT_FUNCTION_ARN", "SCHEDULER_ROLE_ARN", "SCHEDULE_GROUP_NAME"} <= set(variables)
    creates = [
        s["Resource"]["Fn::Sub"].rsplit("/", 1)[-1]
        for logical_id, s in _statements(template)
        if logical_id == "PublicationSweeperFunction" and "scheduler:CreateSchedule" in s["Action"]
    ]
    assert sorted(creates) == ["approval-*", "sweep-*"]


SWEEPS = "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${IncidentScheduleGroup}/sweep-*"


def test_whoever_starts_or_hands_off_a_publication_may_arm_a_sweep(template: dict[str, Any]) -> None:
    """The sweep runs on demand: the publisher arms one when it starts, a refused hand-off arms one, a sweep that
    leaves work open arms the next. Each needs the sweeper's ARN, the scheduler role, and a grant on sweep-* only."""
    every = functions(template)
    arming = {
        name
        for name, function in every.items()
        if "PUBLISH_QUEUE_URL" in function.get("Environment", {}).get("Variables", {})
    }
    arming |= {"PublisherFunction"}
    assert {"ApprovalsApiFunction", "ApprovalTimeoutFunction", "PublicationSweeperFunction"} <= arming
    sweeper_name = every["PublicationSweeperFunction"]["FunctionName"]["Fn::Sub"]
    for name in arming:
        variables = every[name]["Environment"]["Variables"]
        assert {"SWEEPER_FUNCTION_ARN", "SCHEDULER_ROLE_ARN", "SCHEDULE_GROUP_NAME"} <= set(variables), name
        assert variables["SWEEPER_FUNCTION_ARN"]["Fn::Sub"].endswith(f":function:{sweeper_name}"), name
        grants = [
            s["Resource"]
            for logical_id, s in _statements(template)
            if logical_id == name and "scheduler:CreateSchedule" in s["Action"]
        ]
        assert {"Fn::Sub": SWEEPS} in grants, name
    events = every["PublicationSweeperFunction"]["Events"]
    assert [event["Properties"]["Schedule"] for event in events.values()] == ["rate(1 hour)"]


def test_the_sweeper_can_send_the_deliveries_it_resumes(template: dict[str, Any]) -> None:
    """A claim a publisher left before sending is sent by the sweeper: it needs every channel's address and right."""
    sweeper = functions(template)["PublicationSweeperFunction"]
    publisher = functions(template)["PublisherFunction"]
    channels = {"CUSTOMER_TOPIC_ARN", "STATUS_PAGE_BUCKET", "CHAT_WEBHOOKS_PARAMETER", "EMAIL_BATCH_QUEUE_URL"}
    channels |= {"CONTACT_LIST_NAME", "APPROVALS_API_URL"}
    assert channels <= set(sweeper["Environment"]["Variables"]) & set(publisher["Environment"]["Variables"])
    actions = {
        action
        for logical_id, statement in _statements(template)
        if logical_id == "PublicationSweeperFunction"
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }
    assert {"sns:Publish", "s3:PutObject", "sqs:SendMessage", "ses:ListContacts", "ses:SendEmail"} <= actions
    assert "ses:SendBulkEmail" not in actions, "customer email goes through the batch queue, never from the sweeper"
