"""Both HTTP APIs write access logs (issue 15) without the request path: the approval, console and declare pages
carry their signed link in the path, and a log line holding it would be a credential in CloudWatch Logs."""

from __future__ import annotations

import json
from typing import Any

from incident_comms.local.cfn import resources_of_type


def test_every_http_api_logs_each_request_by_route_to_a_log_group_that_expires(template: dict[str, Any]) -> None:
    apis = resources_of_type(template, "AWS::Serverless::HttpApi")
    assert set(apis) == {"HttpApi", "ApprovalsApi"}
    for name, properties in apis.items():
        settings = properties["AccessLogSettings"]
        group = settings["DestinationArn"]["Fn::GetAtt"][0]
        assert template["Resources"][group]["Type"] == "AWS::Logs::LogGroup", name
        assert 0 < template["Resources"][group]["Properties"]["RetentionInDays"] <= 90, name
        fields = json.loads(settings["Format"])
        assert "$context.routeKey" in fields.values() and "$context.status" in fields.values(), name


def test_no_access_log_field_holds_the_path_or_anything_that_may(template: dict[str, Any]) -> None:
    for name, properties in resources_of_type(template, "AWS::Serverless::HttpApi").items():
        variables = " ".join(json.loads(properties["AccessLogSettings"]["Format"]).values())
        for leaky in ("$context.path", "$context.requestOverride", "$context.authorizer", "$context.identity.user"):
            assert leaky not in variables, f"{name} logs {leaky}"
