"""The status page served (issue 15, part 2): a CloudFront distribution reads the private bucket through origin
access control, only it may read, viewers only over HTTPS, index paths rewritten by a CloudFront Function whose
code is the repository's file, and a custom domain only when one is given with its certificate."""

from __future__ import annotations

from typing import Any

import pytest

from incident_comms.delivery.status_page.serving import NOT_FOUND_PAGE, VIEWER_REQUEST_JS
from incident_comms.local.cfn import resources_of_type

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
"""CloudFront's managed cache policy that takes each object's Cache-Control (TTL 1 s to a year, default a day)."""


def resource(template: dict[str, Any], logical_id: str, resource_type: str) -> dict[str, Any]:
    found = template["Resources"][logical_id]
    assert found["Type"] == resource_type
    properties: dict[str, Any] = found["Properties"]
    return properties


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    (properties,) = resources_of_type(template, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = properties["DistributionConfig"]
    return config


def test_the_distribution_reads_the_bucket_through_origin_access_control_not_a_legacy_identity(
    template: dict[str, Any],
) -> None:
    (origin,) = distribution(template)["Origins"]

    assert origin["DomainName"] == {"Fn::GetAtt": ["StatusPageBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["StatusPageOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert not resources_of_type(template, "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    control = resource(template, "StatusPageOriginAccessControl", "AWS::CloudFront::OriginAccessControl")
    config = control["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningProtocol"], config["SigningBehavior"]) == (
        "s3",
        "sigv4",
        "always",
    )


def test_the_bucket_stays_private_and_serves_no_website(template: dict[str, Any]) -> None:
    bucket = resource(template, "StatusPageBucket", "AWS::S3::Bucket")

    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket
    assert "AccessControl" not in bucket


def test_only_this_distribution_may_read_and_only_objects(template: dict[str, Any]) -> None:
    policy = resource(template, "StatusPageBucketPolicy", "AWS::S3::BucketPolicy")
    statements = policy["PolicyDocument"]["Statement"]
    (allowed,) = [statement for statement in statements if statement["Effect"] == "Allow"]

    assert policy["Bucket"] == {"Ref": "StatusPageBucket"}
    assert allowed["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allowed["Action"] == "s3:GetObject"
    assert allowed["Resource"] == {"Fn::Sub": "${StatusPageBucket.Arn}/*"}
    assert allowed["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${StatusPageDistribution}"
            }
        }
    }
    (denied,) = [statement for statement in statements if statement["Effect"] == "Deny"]
    assert denied["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_viewers_reach_it_only_over_https_and_only_to_read(template: dict[str, Any]) -> None:
    config = distribution(template)
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]

    assert config["Enabled"] is True
    assert {behavior["ViewerProtocolPolicy"] for behavior in behaviors} == {"redirect-to-https"}
    assert {tuple(behavior["AllowedMethods"]) for behavior in behaviors} == {("GET", "HEAD")}
    with_certificate = config["ViewerCertificate"]["Fn::If"][1]
    assert with_certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert with_certificate["SslSupportMethod"] == "sni-only"


def test_the_cache_takes_each_objects_own_cache_control(template: dict[str, Any]) -> None:
    behavior = distribution(template)["DefaultCacheBehavior"]

    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
    assert "ForwardedValues" not in behavior and "DefaultTTL" not in behavior
    assert behavior["Compress"] is True


def test_the_index_function_is_the_repositorys_file_run_on_every_viewer_request(template: dict[str, Any]) -> None:
    function = resource(template, "StatusPageIndexFunction", "AWS::CloudFront::Function")
    (association,) = distribution(template)["DefaultCacheBehavior"]["FunctionAssociations"]

    assert function["FunctionCode"] == VIEWER_REQUEST_JS.read_text(encoding="utf-8")
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": ["StatusPageIndexFunction", "FunctionMetadata.FunctionARN"]},
    }
    assert distribution(template)["DefaultRootObject"] == "index.html"


def test_a_custom_domain_and_certificate_are_used_only_when_given(template: dict[str, Any]) -> None:
    config = distribution(template)
    parameters = template["Parameters"]

    assert parameters["StatusPageDomain"]["Default"] == parameters["StatusPageCertificateArn"]["Default"] == ""
    assert parameters["StatusPagePriceClass"]["Default"] == "PriceClass_100"
    assert config["PriceClass"] == {"Ref": "StatusPagePriceClass"}
    assert template["Conditions"]["HasStatusPageDomain"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "StatusPageDomain"}, ""]}]
    }
    assert template["Conditions"]["HasStatusPageCertificate"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "StatusPageCertificateArn"}, ""]}]
    }
    assert config["Aliases"] == {
        "Fn::If": ["HasStatusPageDomain", [{"Ref": "StatusPageDomain"}], {"Ref": "AWS::NoValue"}]
    }
    assert config["ViewerCertificate"] == {
        "Fn::If": [
            "HasStatusPageCertificate",
            {
                "AcmCertificateArn": {"Ref": "StatusPageCertificateArn"},
                "SslSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
            {"CloudFrontDefaultCertificate": True},
        ]
    }


def _evaluate(expression: Any, parameters: dict[str, str]) -> Any:
    """Just enough of CloudFormation's rule functions to run the template's assertions."""
    if not isinstance(expression, dict):
        return expression
    ((name, argument),) = expression.items()
    if name == "Ref":
        return parameters[argument]
    values = [_evaluate(item, parameters) for item in argument]
    functions = {
        "Fn::Equals": lambda: values[0] == values[1],
        "Fn::Not": lambda: not values[0],
        "Fn::And": lambda: all(values),
        "Fn::Or": lambda: any(values),
    }
    return functions[name]()


@pytest.mark.parametrize(
    ("domain", "certificate", "accepted"),
    [
        ("", "", True),
        ("status.example.com", "arn:aws:acm:us-east-1:123456789012:certificate/abc", True),
        ("status.example.com", "", False),
        ("", "arn:aws:acm:us-east-1:123456789012:certificate/abc", False),
    ],
)
def test_a_domain_without_its_certificate_or_the_reverse_is_refused_before_anything_is_created(
    template: dict[str, Any], domain: str, certificate: str, accepted: bool
) -> None:
    (assertion,) = template["Rules"]["StatusPageDomainComesWithItsCertificate"]["Assertions"]
    parameters = {"StatusPageDomain": domain, "StatusPageCertificateArn": certificate}

    assert _evaluate(assertion["Assert"], parameters) is accepted


def test_every_function_links_the_status_page_where_the_stack_serves_it(template: dict[str, Any]) -> None:
    """The output and every function's ``STATUS_PAGE_URL`` are one address: no second deploy to copy it into the
    plan, and no function overriding it with another."""
    served = template["Globals"]["Function"]["Environment"]["Variables"]["STATUS_PAGE_URL"]

    assert served == template["Outputs"]["StatusPageUrl"]["Value"]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert all("STATUS_PAGE_URL" not in f.get("Environment", {}).get("Variables", {}) for f in functions.values())
    assert template["Outputs"]["StatusPageUrl"]["Value"] == {
        "Fn::If": [
            "HasStatusPageDomain",
            {"Fn::Sub": "https://${StatusPageDomain}/"},
            {"Fn::Sub": "https://${StatusPageDistribution.DomainName}/"},
        ]
    }


def test_a_missing_path_gets_the_publishers_not_found_page_with_404_not_s3s_access_denied(
    template: dict[str, Any],
) -> None:
    responses = distribution(template)["CustomErrorResponses"]

    # No s3:ListBucket for CloudFront: S3 answers a missing object 403, so 403 must become the page too.
    assert sorted(response["ErrorCode"] for response in responses) == [403, 404]
    for response in responses:
        assert response["ResponseCode"] == 404
        assert response["ResponsePagePath"] == "/" + NOT_FOUND_PAGE
        assert 0 < response["ErrorCachingMinTTL"] <= 300  # a page published a moment later is not hidden for long
    assert "s3:ListBucket" not in str(template["Resources"]["StatusPageBucketPolicy"])
