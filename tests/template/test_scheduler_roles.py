"""The roles EventBridge Scheduler assumes: each may invoke only the functions its schedules target.

Issue 6 asks that the role behind the update reminders (``update-<id>``, ``overdue-<id>``) invoke only the update
prompter: a stolen or misconfigured reminder schedule must not be able to fire anything else. Those schedules get
their own role, ``UpdatePrompterSchedulerRole``; the shared ``SchedulerRole`` no longer reaches the prompter.

The role's permissions live in a separate ``AWS::IAM::RolePolicy``: the functions that arm reminders name the
role in their environment (and may pass it), and the role's policy names the prompter, so inline policies on the
role itself would make role and functions wait for each other — a circular dependency CloudFormation refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from incident_comms.local.cfn import resources_of_type

ROLE = "UpdatePrompterSchedulerRole"
PROMPTER = "UpdatePrompterFunction"
ROLE_SETTING = "UPDATE_SCHEDULER_ROLE_ARN"


def arn_of(logical_id: str) -> dict[str, Any]:
    """``!GetAtt X.Arn`` as the template loader reads it."""
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return list(found if isinstance(found, list) else [found])


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement granted to ``role``: its inline policies and the RolePolicy/Policy resources naming it."""
    resources = template["Resources"]
    found = [
        statement
        for policy in resources[role]["Properties"].get("Policies", [])
        for statement in statements_of(policy["PolicyDocument"])
    ]
    for properties in resources_of_type(template, "AWS::IAM::RolePolicy").values():
        if properties["RoleName"] == {"Ref": role}:
            found += statements_of(properties["PolicyDocument"])
    for properties in resources_of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in properties.get("Roles", []):
            found += statements_of(properties["PolicyDocument"])
    return found


def invoked_functions(template: dict[str, Any], role: str) -> set[str]:
    """The logical ids of the functions ``role`` may invoke (every one named by ``!GetAtt X.Arn``)."""
    invoked: set[str] = set()
    for statement in role_statements(template, role):
        if "lambda:InvokeFunction" not in as_list(statement["Action"]):
            continue
        for resource in as_list(statement["Resource"]):
            assert isinstance(resource, dict) and "Fn::GetAtt" in resource, f"{role}: invoke target {resource!r}"
            invoked |= references(resource, set(template["Resources"]))
    return invoked


def test_the_update_reminder_role_may_invoke_exactly_the_prompter_and_send_dead_letters(
    template: dict[str, Any],
) -> None:
    assert invoked_functions(template, ROLE) == {PROMPTER}
    granted = {
        (action, str(resource))
        for statement in role_statements(template, ROLE)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }
    assert granted == {
        ("lambda:InvokeFunction", str(arn_of(PROMPTER))),
        ("sqs:SendMessage", str(arn_of("SchedulerDeadLetterQueue"))),
    }


def test_only_eventbridge_scheduler_of_this_account_may_assume_the_update_reminder_role(
    template: dict[str, Any],
) -> None:
    (trust,) = statements_of(template["Resources"][ROLE]["Properties"]["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_the_shared_scheduler_role_no_longer_reaches_the_prompter(template: dict[str, Any]) -> None:
    invoked = invoked_functions(template, "SchedulerRole")
    assert PROMPTER not in invoked
    assert invoked == {
        "ApprovalTimeoutFunction",
        "DeliveryReportFunction",
        "LifecycleTimerFunction",
        "PublicationSweeperFunction",
        "MaintenanceTimerFunction",
    }


def functions_with_update_schedules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The functions that build the update reminders: those told the prompter's ARN, and the prompter itself."""
    return {
        logical_id: properties
        for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items()
        if logical_id == PROMPTER or "UPDATE_PROMPTER_FUNCTION_ARN" in variables(properties)
    }


def variables(properties: dict[str, Any]) -> dict[str, Any]:
    return dict(properties.get("Environment", {}).get("Variables", {}))


def function_statements(properties: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in properties.get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            yield from statements_of(policy)


def creates_update_schedules(properties: dict[str, Any]) -> bool:
    """Whether the function may create or update an ``update-*`` or ``overdue-*`` schedule (arm a reminder)."""
    for statement in function_statements(properties):
        actions = set(as_list(statement["Action"]))
        if not actions & {"scheduler:CreateSchedule", "scheduler:UpdateSchedule"}:
            continue
        if any(re.search(r"/(update|overdue)-\*", str(resource)) for resource in as_list(statement["Resource"])):
            return True
    return False


def passed_roles(properties: dict[str, Any]) -> set[str]:
    return {
        str(resource)
        for statement in function_statements(properties)
        if "iam:PassRole" in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def test_every_function_that_builds_update_reminders_is_told_the_reminder_role(template: dict[str, Any]) -> None:
    found = functions_with_update_schedules(template)
    assert {"PublisherFunction", PROMPTER, "ApprovalsApiFunction", "LifecycleTimerFunction"} <= set(found)
    for logical_id, properties in found.items():
        assert variables(properties).get(ROLE_SETTING) == arn_of(ROLE), logical_id


def test_only_the_functions_that_arm_reminders_may_pass_the_reminder_role(template: dict[str, Any]) -> None:
    reminder_role = str(arn_of(ROLE))
    passing = {
        logical_id
        for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items()
        if reminder_role in passed_roles(properties)
    }
    arming = {
        logical_id
        for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items()
        if creates_update_schedules(properties)
    }
    assert arming == {"PublisherFunction", PROMPTER}
    assert passing == arming
    for logical_id in passing:
        (statement,) = [
            statement
            for statement in function_statements(template["Resources"][logical_id]["Properties"])
            if "iam:PassRole" in as_list(statement["Action"])
            and reminder_role in map(str, as_list(statement["Resource"]))
        ]
        assert as_list(statement["Resource"]) == [arn_of(ROLE)], "that role only"
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


# --- dependency cycles ---------------------------------------------------------------------------------------------

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def references(node: Any, known: set[str]) -> set[str]:
    """The logical ids ``node`` refers to (Ref, GetAtt, names inside Sub strings)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value.split(".")[0] if isinstance(value, str) else value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found.update(_SUB_NAME.findall(text))
                if not isinstance(value, str):
                    found.update(references(value[1], known))
            else:
                found.update(references(value, known))
    elif isinstance(node, list):
        for item in node:
            found.update(references(item, known))
    return found & known


def dependencies(template: dict[str, Any]) -> dict[str, set[str]]:
    """Which resource waits for which, as CloudFormation sees the template once SAM has expanded it: a function
    waits for whatever its properties (environment, its generated role's policies) name; an HTTP API waits for the
    functions its routes integrate; event sources and permissions are separate resources that wait for the
    function, so a function's ``Events`` add no edge of its own."""
    resources = template["Resources"]
    known = set(resources)
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        properties = {key: value for key, value in resource.get("Properties", {}).items() if key != "Events"}
        graph.setdefault(logical_id, set()).update(references(properties, known))
        graph[logical_id].update(as_list(resource.get("DependsOn", [])))
        if resource.get("Type") == "AWS::Serverless::Function":
            for event in resource.get("Properties", {}).get("Events", {}).values():
                if event.get("Type") == "HttpApi":
                    for api in references(event.get("Properties", {}).get("ApiId"), known):
                        graph.setdefault(api, set()).add(logical_id)
    return graph


def cycles_through(graph: dict[str, set[str]], start: str) -> list[list[str]]:
    """Every simple dependency path from ``start`` back to itself (depth-first; the template is small)."""
    found: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for following in sorted(graph.get(node, set())):
            if following == start:
                found.append([*path, start])
            elif following not in path:
                walk(following, [*path, following])

    walk(start, [start])
    return found


@pytest.mark.parametrize("resource", [ROLE, "UpdatePrompterSchedulerPolicy"])
def test_the_update_reminder_role_closes_no_dependency_cycle(template: dict[str, Any], resource: str) -> None:
    """cfn-lint does not see through the SAM transform here (no samtranslator), so the cycle check is ours: the role
    and its policy must be creatable in some order with the functions that name them."""
    assert cycles_through(dependencies(template), resource) == []


def test_the_dependency_graph_sees_a_cycle_when_there_is_one(template: dict[str, Any]) -> None:
    """The check above can fail: put the prompter back on the role itself and the role and the prompter wait for
    each other through the prompter's environment."""
    broken = {**template, "Resources": dict(template["Resources"])}
    role = broken["Resources"][ROLE]
    policy = broken["Resources"]["UpdatePrompterSchedulerPolicy"]["Properties"]
    broken["Resources"][ROLE] = {
        **role,
        "Properties": {
            **role["Properties"],
            "Policies": [{"PolicyName": "x", "PolicyDocument": policy["PolicyDocument"]}],
        },
    }
    assert [ROLE, PROMPTER, ROLE] in cycles_through(dependencies(broken), ROLE)


def test_the_template_has_no_dependency_cycle(template: dict[str, Any]) -> None:
    graph = dependencies(template)
    assert {resource: cycles_through(graph, resource) for resource in graph if cycles_through(graph, resource)} == {}


ASYNC_FUNCTIONS = (
    "ApprovalTimeoutFunction",
    "LifecycleTimerFunction",
    "DeliveryReportFunction",
    "UpdatePrompterFunction",
    "PublicationSweeperFunction",
)


@pytest.mark.parametrize("function", ASYNC_FUNCTIONS)
def test_every_function_invoked_asynchronously_keeps_what_failed_for_good(
    template: dict[str, Any], function: str
) -> None:
    """Scheduler and rate() invoke these asynchronously: after Lambda's own retries a failed event must land
    somewhere an operator can see and replay it, never vanish (issue 14)."""
    config = template["Resources"][function]["Properties"]["EventInvokeConfig"]
    failure = config["DestinationConfig"]["OnFailure"]

    assert (failure["Type"], failure["Destination"]) == ("SQS", {"Fn::GetAtt": ["AsyncFailureQueue", "Arn"]})
    assert config["MaximumRetryAttempts"] == 2
    assert template["Resources"]["AsyncFailureQueue"]["Properties"]["SqsManagedSseEnabled"] is True
