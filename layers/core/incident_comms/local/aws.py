"""An embedded AWS: moto in server mode on loopback, holding every resource template.yaml declares.

Each request to moto runs alone (a lock around its WSGI app): moto's backends are not thread-safe, and AWS
makes each single request atomic anyway, so concurrent handlers still race exactly where AWS lets them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from incident_comms.local.cfn import Intrinsics, create_table_request, parameter_defaults
from incident_comms.local.ses_bulk import SesBulkEmail

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
LOGICAL_NAME_PREFIX = "local"


class _OneRequestAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


@dataclass
class EmbeddedAws:
    """moto server on 127.0.0.1 with a free port; :meth:`provision` creates the template's resources in it."""

    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None
    bulk_email: SesBulkEmail | None = None
    """moto lacks SES v2 SendBulkEmail; this middleware answers it (and counts the calls)."""
    intrinsics: Intrinsics = field(default_factory=lambda: Intrinsics({}, {}, {}))
    _clients: dict[str, Any] = field(default_factory=dict)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock)
    _session: boto3.session.Session | None = None

    @property
    def endpoint(self) -> str:
        assert self.server is not None, "start() first"
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> str:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.bulk_email = SesBulkEmail(DomainDispatcherApplication(create_backend_app))
        app = _OneRequestAtATime(self.bulk_email)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        server = self.server
        self.thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="moto", daemon=True
        )
        self.thread.start()
        return self.endpoint

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def client(self, service: str) -> Any:
        """One client per service, built once under a lock: boto3's default session is not thread-safe."""
        with self._clients_lock:
            if service not in self._clients:
                session = self._session or boto3.session.Session()
                self._session = session
                self._clients[service] = session.client(
                    service,  # type: ignore[call-overload]
                    endpoint_url=self.endpoint,
                    region_name=REGION,
                    aws_access_key_id="local",
                    aws_secret_access_key="local",  # noqa: S106 - moto takes any credentials
                )
            return self._clients[service]

    def provision(self, template: dict[str, Any], parameters: dict[str, str] | None = None) -> Intrinsics:
        """Create every resource the stack can play, in template order; answers how to resolve references."""
        params = {
            **parameter_defaults(template),
            **(parameters or {}),
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": LOGICAL_NAME_PREFIX,
        }
        self.intrinsics = Intrinsics(params, {}, {})
        self.intrinsics.evaluate_conditions(template)
        for logical_id, resource in template["Resources"].items():
            creator = _CREATORS.get(resource.get("Type", ""))
            if creator is not None and self.intrinsics.holds(resource):
                creator(self, logical_id, resource.get("Properties", {}))
        self._existing_contact_list(params.get("ExistingContactListName", ""))
        return self.intrinsics

    def _existing_contact_list(self, name: str) -> None:
        """``ExistingContactListName`` names a list the stack does not create: in an account the operator already
        has it, so the embedded account gets it too (once), and the stack runs with either setting."""
        if not name:
            return
        sesv2 = self.client("sesv2")
        if name not in {item["ContactListName"] for item in sesv2.list_contact_lists().get("ContactLists", [])}:
            sesv2.create_contact_list(ContactListName=name)

    def _name(self, logical_id: str) -> str:
        return f"{LOGICAL_NAME_PREFIX}-{logical_id}"

    def _remember(self, logical_id: str, ref: str, **attributes: str) -> None:
        self.intrinsics.refs[logical_id] = ref
        for attribute, value in attributes.items():
            self.intrinsics.attributes[f"{logical_id}.{attribute}"] = value

    def _table(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = properties.get("TableName") or self._name(logical_id)
        description = self.client("dynamodb").create_table(**create_table_request(properties, name))
        self._remember(logical_id, name, Arn=description["TableDescription"]["TableArn"])

    def _topic(self, logical_id: str, properties: dict[str, Any]) -> None:
        arn = self.client("sns").create_topic(Name=properties.get("TopicName") or self._name(logical_id))["TopicArn"]
        self._remember(logical_id, arn, TopicName=arn.rsplit(":", 1)[1], TopicArn=arn)

    def _queue(self, logical_id: str, properties: dict[str, Any]) -> None:
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=properties.get("QueueName") or self._name(logical_id))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._remember(logical_id, url, Arn=arn, QueueName=url.rsplit("/", 1)[1], QueueUrl=url)

    def _bucket(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = (properties.get("BucketName") or self._name(logical_id)).lower()
        self.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        self._remember(logical_id, name, Arn=f"arn:aws:s3:::{name}", DomainName=f"{name}.s3.amazonaws.com")

    def _distribution(self, logical_id: str, properties: dict[str, Any]) -> None:
        """CloudFront is not played: the local stack serves the status page itself under ``/status/`` and keeps the
        plan's ``status_page_url``; the distribution only answers its name for the template's references."""
        name = self._name(logical_id).lower()
        self._remember(logical_id, name, DomainName=f"{name}.cloudfront.net")

    def _secure_parameters(self, logical_id: str, properties: dict[str, Any]) -> None:
        """What the template's ``SecureParametersFunction`` does at deploy, by the same code: each parameter created
        as a SecureString, generated or with its starting value. Its reference lists their names, as the custom
        resource's ``Names`` attribute does."""
        from incident_comms.adapters.secure_parameters import ensure_parameters, parse_parameters

        parameters = parse_parameters({"Parameters": self.intrinsics.resolve(properties.get("Parameters"))})
        ensure_parameters(self.client("ssm"), parameters)
        self._remember(logical_id, ",".join(parameter.name for parameter in parameters))

    def _schedule_group(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = properties.get("Name") or self._name(logical_id)
        arn = self.client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
        self._remember(logical_id, name, Arn=arn)

    def _email_identity(self, logical_id: str, properties: dict[str, Any]) -> None:
        identity = self.intrinsics.resolve(properties["EmailIdentity"])
        ses = self.client("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        self._remember(logical_id, identity)

    def _contact_list(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = self.intrinsics.resolve(properties.get("ContactListName")) or self._name(logical_id)
        self.client("sesv2").create_contact_list(ContactListName=name, Topics=properties.get("Topics", []))
        self._remember(logical_id, name)

    def _configuration_set(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = self.intrinsics.resolve(properties.get("Name")) or self._name(logical_id)
        request: dict[str, Any] = {"ConfigurationSetName": name}
        if properties.get("SuppressionOptions"):
            request["SuppressionOptions"] = properties["SuppressionOptions"]
        self.client("sesv2").create_configuration_set(**request)
        self._remember(logical_id, name)

    def _event_destination(self, logical_id: str, properties: dict[str, Any]) -> None:
        """moto keeps no configuration set event destinations: the SendBulkEmail middleware publishes the events
        of the mailbox simulator's addresses to the SNS topic named here (see :mod:`incident_comms.local.ses_bulk`)."""
        destination = properties.get("EventDestination", {})
        topic = destination.get("SnsDestination", {}).get("TopicARN")
        if self.bulk_email is None or topic is None or destination.get("Enabled") is False:
            return
        self.bulk_email.add_event_destination(
            self.intrinsics.resolve(properties["ConfigurationSetName"]),
            self.intrinsics.resolve(topic),
            destination.get("MatchingEventTypes", []),
        )

    def _function(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = self.intrinsics.resolve(properties.get("FunctionName")) or self._name(logical_id)
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        self._remember(logical_id, name, Arn=arn)

    def _role(self, logical_id: str, properties: dict[str, Any]) -> None:
        name = self.intrinsics.resolve(properties.get("RoleName")) or self._name(logical_id)
        self._remember(logical_id, name, Arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}")

    def _http_api(self, logical_id: str, properties: dict[str, Any]) -> None:
        self._remember(logical_id, "local", ApiEndpoint="http://127.0.0.1")

    def verify_sender(self, address: str) -> None:
        """SES refuses unverified senders; the local stack plays an account whose sender is verified."""
        ses = self.client("ses")
        ses.verify_email_identity(EmailAddress=address)
        ses.verify_domain_identity(Domain=address.rsplit("@", 1)[-1])


_CREATORS: dict[str, Callable[[EmbeddedAws, str, dict[str, Any]], None]] = {
    "AWS::DynamoDB::Table": EmbeddedAws._table,
    "AWS::SNS::Topic": EmbeddedAws._topic,
    "AWS::SQS::Queue": EmbeddedAws._queue,
    "AWS::S3::Bucket": EmbeddedAws._bucket,
    "AWS::CloudFront::Distribution": EmbeddedAws._distribution,
    "Custom::SecureParameters": EmbeddedAws._secure_parameters,
    "AWS::Scheduler::ScheduleGroup": EmbeddedAws._schedule_group,
    "AWS::SES::EmailIdentity": EmbeddedAws._email_identity,
    "AWS::Serverless::Function": EmbeddedAws._function,
    "AWS::IAM::Role": EmbeddedAws._role,
    "AWS::SES::ContactList": EmbeddedAws._contact_list,
    "AWS::SES::ConfigurationSet": EmbeddedAws._configuration_set,
    "AWS::SES::ConfigurationSetEventDestination": EmbeddedAws._event_destination,
    "AWS::Serverless::HttpApi": EmbeddedAws._http_api,
}
