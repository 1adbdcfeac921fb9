"""Each function's role grants exactly the AWS calls it makes (issue 15, part 4).

:mod:`tests.e2e.iam_calls` runs the whole sample flow in a process of its own, each function on services built from
its own environment as in its own container, and records every AWS call each function makes as the IAM actions
(and, for schedules, passed roles and indexes, the resources) it needs. Here they are held against the template:

- a call its function's role does not grant fails (AWS would answer AccessDenied on deploy day);
- a grant no function used fails, unless :data:`UNREACHED` names it with the path that needs it and the flow does
  not take (each with its reason; one that the flow starts using must leave the list).
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest

from incident_comms.local.aws import LOGICAL_NAME_PREFIX

Grant = tuple[str, str]
"""(IAM action, scope): the schedule-name pattern, the role's logical id, ``index``, or "" for the resource."""
SCHEDULES = "schedule/${IncidentScheduleGroup}/"
QUERIES = {"dynamodb:Query", "dynamodb:Scan"}
LEADING_KEYS_OPERATOR = "ForAllValues:StringLike"
LEADING_KEYS = "dynamodb:LeadingKeys"

ANY = "*"
RETRIED_CREATE = "a create that meets ConflictException (a retried call, a redelivered event) reads the schedule back"
REARMED = "a timer armed again under its name (replace=True) updates the schedule already there"
NO_CONTACT = "for an address that is no contact the list is read, to tell a missing list from a missing contact"
REFUSED_HAND_OFF = "only a hand-off the publish queue refused arms a sweep (the fault matrix refuses it)"
UNREACHED: dict[tuple[str, str, str], str] = {
    (ANY, "OperatorAlerts", "sns:Publish"): "operators are told only what retries could not fix (the fault matrix)",
    (
        ANY,
        "FailedInvocations",
        "sqs:SendMessage",
    ): "Lambda, not the code, sends a failed async event there, as the role",
    (ANY, "ApprovalTimeoutSchedule", "scheduler:GetSchedule"): RETRIED_CREATE,
    (ANY, "DeliveryReportSchedule", "scheduler:GetSchedule"): RETRIED_CREATE,
    (ANY, "SweepSchedule", "scheduler:GetSchedule"): RETRIED_CREATE,
    (ANY, "MaintenanceSchedules", "scheduler:GetSchedule"): RETRIED_CREATE,
    ("ApprovalsApiFunction", "SweepSchedule", "scheduler:CreateSchedule"): REFUSED_HAND_OFF,
    ("ApprovalTimeoutFunction", "SweepSchedule", "scheduler:CreateSchedule"): REFUSED_HAND_OFF,
    ("ApprovalTimeoutFunction", "PassSchedulerRole", "iam:PassRole"): REFUSED_HAND_OFF,
    (ANY, "LifecycleTimerSchedules", "scheduler:UpdateSchedule"): REARMED,
    (ANY, "ReminderAndTimeoutSchedules", "scheduler:UpdateSchedule"): REARMED,
    (ANY, "UpdateReminderSchedules", "scheduler:UpdateSchedule"): REARMED,
    (ANY, "SupersededApprovalTimeouts", "scheduler:DeleteSchedule"): (
        "only a draft over one still awaiting approval deletes the waiting one's timeout: an alarm's relapse or"
        " escalation, an update falling due; the flow's alarms and prompts draft none over a waiting one (the"
        " console's and the timers' drafts do)"
    ),
    ("PublicationSweeperFunction", ANY, ANY): (
        "the sweeper resumes publications whose hand-off never arrived and re-arms timeouts that could not be armed:"
        " nothing stalls in the flow"
    ),
    (
        "SubscribeFunction",
        "ConfirmationLimit",
        "dynamodb:DeleteItem",
    ): "a refused confirmation email releases its claim",
    ("SubscribeFunction", "Subscribe", "ses:UpdateContactList"): "a component's topic missing (a component added)",
    ("UnsubscribeFunction", "Unsubscribe", "ses:GetContactList"): NO_CONTACT,
    ("EmailFeedbackFunction", "SuppressInContactList", "ses:GetContactList"): NO_CONTACT,
    (
        "DeliveryReportFunction",
        "IncidentStore",
        "dynamodb:DeleteItem",
    ): "a report whose email failed releases its claim",
    ("LifecycleTimerFunction", "ApprovalTimeoutSchedule", "scheduler:CreateSchedule"): (
        "a draft's approval timeout is armed only for a phase with a holding text (approvals/requests.py"
        " arm_approval_timeout); the timer drafts monitoring, resolved and postmortem, which have none in the sample"
        " plan (plan/templates/phases.yaml), but a plan may give them one"
    ),
}
"""(function, statement id, action) granted for a path the sample flow does not take, and why it is needed there
(``*``: any)."""


@pytest.fixture(scope="module")
def calls(iam_recorded: dict[str, Any]) -> dict[str, set[Grant]]:
    """The IAM actions each function needed in the sample flow."""
    return {function: {(action, scope) for action, scope in pairs} for function, pairs in iam_recorded["calls"].items()}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def scope_of(action: str, resource: Any) -> str | None:
    """What part of a granted resource the recorder tells apart; None for a resource the action cannot use."""
    text = resource.get("Fn::Sub", "") if isinstance(resource, dict) else ""
    text = text if isinstance(text, str) else text[0]
    if action.startswith("scheduler:"):
        return text.partition(SCHEDULES)[2] or "*"
    if action == "iam:PassRole":
        return str(resource["Fn::GetAtt"][0])
    if text.endswith("/index/gsi1"):
        return "index" if action in QUERIES else None
    return ""


def leading_keys(statement: dict[str, Any]) -> tuple[str, ...] | None:
    """The partition-key patterns a statement's ``dynamodb:LeadingKeys`` condition allows; None without one."""
    condition = statement.get("Condition", {}).get(LEADING_KEYS_OPERATOR, {})
    patterns = condition.get(LEADING_KEYS)
    return None if patterns is None else tuple(as_list(patterns))


def statements(template: dict[str, Any]) -> Iterator[tuple[str, str, Grant, tuple[str, ...] | None]]:
    """(function, statement id, granted (action, scope), its LeadingKeys patterns or None) for every grant of every
    function's inline policies."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in as_list(policy["Statement"]):
                assert statement["Effect"] == "Allow", f"{logical_id}: {statement.get('Sid')}"
                patterns = leading_keys(statement)
                for action in as_list(statement["Action"]):
                    for item in as_list(statement["Resource"]):
                        scope = scope_of(action, item)
                        if scope is not None:
                            yield logical_id, statement["Sid"], (action, scope), patterns


def grants(template: dict[str, Any]) -> dict[str, set[Grant]]:
    """Each function's granted (action, scope) pairs."""
    found: dict[str, set[Grant]] = {str(logical_id): set() for logical_id, _, _, _ in statements(template)}
    for logical_id, _, grant, _ in statements(template):
        found[logical_id].add(grant)
    return found


def covers(grant: Grant, call: Grant) -> bool:
    """Whether a granted (action, scope) allows a recorded call (action, schedule or role name, index)."""
    (granted, scope), (action, resource) = grant, call
    if granted != action:
        return False
    if action.startswith("scheduler:"):
        return fnmatchcase(resource, scope)
    if action == "iam:PassRole":
        return resource == f"{LOGICAL_NAME_PREFIX}-{scope}"
    return scope == resource


def missing(calls: dict[str, set[Grant]], granted: dict[str, set[Grant]]) -> list[str]:
    return sorted(
        f"{function}: {action} {resource}".rstrip()
        for function, made in calls.items()
        for action, resource in made
        if not any(covers(grant, (action, resource)) for grant in granted.get(function, set()))
    )


def unused(calls: dict[str, set[Grant]], template: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(function, statement id, action, scope) of every grant no call of its function needed."""
    return sorted(
        {
            (function, sid, *grant)
            for function, sid, grant, _ in statements(template)
            if not any(covers(grant, call) for call in calls.get(function, set()))
        }
    )


def justified(function: str, sid: str, action: str) -> bool:
    return any(
        key in UNREACHED for key in [(f, s, a) for f in (function, ANY) for s in (sid, ANY) for a in (action, ANY)]
    )


@pytest.fixture(scope="module")
def granted(template: dict[str, Any]) -> dict[str, set[Grant]]:
    return grants(template)


def test_the_flow_runs_every_function_of_the_template(calls: dict[str, set[Grant]], granted: dict[str, Any]) -> None:
    assert set(calls) == set(granted)


def test_every_call_a_function_makes_is_granted_to_its_role(
    calls: dict[str, set[Grant]], granted: dict[str, set[Grant]]
) -> None:
    assert missing(calls, granted) == []


def test_every_grant_is_used_by_its_function_or_says_why_not(
    calls: dict[str, set[Grant]], template: dict[str, Any]
) -> None:
    found = [
        f"{function}: {sid} {action} {scope}".rstrip()
        for function, sid, action, scope in unused(calls, template)
        if not justified(function, sid, action)
    ]
    assert found == []


def test_every_justified_grant_is_granted_and_still_unused(
    calls: dict[str, set[Grant]], template: dict[str, Any]
) -> None:
    """A reason for a grant that is gone, or that the flow now uses, is stale."""
    still = unused(calls, template)
    stale = [key for key in UNREACHED if not any(justified_by(key, grant) for grant in still)]
    assert stale == []


def justified_by(key: tuple[str, str, str], grant: tuple[str, str, str, str]) -> bool:
    return all(wanted in (ANY, found) for wanted, found in zip(key, grant[:3], strict=True))


def test_the_check_finds_a_call_without_its_grant(calls: dict[str, set[Grant]], granted: dict[str, set[Grant]]) -> None:
    """The comparison itself: one needed grant taken away is reported, by function, action and resource."""
    without = {function: set(pairs) for function, pairs in granted.items()}
    without["PublisherFunction"] = {grant for grant in without["PublisherFunction"] if grant[0] != "s3:PutObject"}
    narrowed = {("scheduler:CreateSchedule", "approval-*"), ("scheduler:GetSchedule", "approval-*")}
    without["IngestAlarmFunction"] = (without["IngestAlarmFunction"] - narrowed) | {
        ("scheduler:CreateSchedule", "report-*")
    }

    found = missing(calls, without)

    assert "PublisherFunction: s3:PutObject" in found
    assert any(item.startswith("IngestAlarmFunction: scheduler:CreateSchedule approval-") for item in found)
