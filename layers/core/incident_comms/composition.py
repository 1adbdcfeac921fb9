"""The one place that builds AWS clients and services: lazily, once per container, never at import time.

Handlers call :func:`services`; tests and the local stack call :func:`use_services` to swap in their own
clock or settings. boto3 honours ``AWS_ENDPOINT_URL``, which is how the local stack points handlers at moto.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from incident_comms.clock import Clock, SystemClock

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_scheduler.client import EventBridgeSchedulerClient
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_ssm.client import SSMClient

    from incident_comms.adapters.dynamodb_alarms import DynamoAlarmBatches
    from incident_comms.adapters.dynamodb_status_view import DynamoStatusView
    from incident_comms.adapters.email_ledgers import DynamoBounceLedger
    from incident_comms.adapters.scheduler import FunctionSchedules
    from incident_comms.approvals.requests import ApprovalRequests, ApprovalTimeouts
    from incident_comms.cadence.keeping import UpdateSchedules
    from incident_comms.delivery.email.batches.store import BatchLedger
    from incident_comms.delivery.email.batches.use_cases import EmailBatchSender
    from incident_comms.delivery.email.feedback import EmailFeedback
    from incident_comms.delivery.publishing import ChannelPublisher, PublishQueue
    from incident_comms.delivery.report.store import ReportLedger, ReportSchedules
    from incident_comms.delivery.status_page.channel import StatusPageChannel
    from incident_comms.delivery.sweeps import SweepSchedule
    from incident_comms.incidents.operators import OperatorAlerts
    from incident_comms.incidents.store import IncidentStore
    from incident_comms.intake.webhooks import WebhookBodies, WebhookQueue
    from incident_comms.lifecycle.store import LifecycleTimers
    from incident_comms.lifecycle.transitions import IncidentLifecycle
    from incident_comms.maintenance.store import MaintenanceStore
    from incident_comms.plan.models import ChannelKind, Plan
    from incident_comms.scheduled_maintenance.use_cases import Maintenances
    from incident_comms.subscribers.directory import SubscriberDirectory
    from incident_comms.subscribers.manage import UndoLedger
    from incident_comms.subscribers.subscribe import ConfirmationLimiter
    from incident_comms.team.emails import EmailSender


DEFAULT_SENDER_ADDRESS = "incidents@example.com"
TRACED_MODULES = ("botocore",)
"""What each handler's Tracer patches: the AWS calls, the only I/O the functions do. Patching every library the X-Ray
SDK knows imports each one that is installed on every cold start."""

_Schedules = TypeVar("_Schedules", bound="FunctionSchedules")


@dataclass(frozen=True)
class Settings:
    table_name: str
    plan_dir: Path
    sender_address: str = DEFAULT_SENDER_ADDRESS
    approvals_base_url: str = ""
    webhook_token_parameter: str = ""
    """The SecureString parameter holding the alert webhooks' bearer token (``SecureParameters``)."""
    approval_key_parameter: str = ""
    """The SecureString parameter holding the key approval links are signed with."""
    approval_timeout_function_arn: str = ""
    scheduler_role_arn: str = ""
    schedule_group: str = "default"
    scheduler_dead_letter_arn: str = ""
    publish_queue_url: str = ""
    customer_topic_arn: str = ""
    status_page_bucket: str = ""
    chat_webhooks_parameter: str = ""
    """The SecureString parameter holding the chat webhooks' URLs, a JSON object of channel id to URL."""
    email_batch_queue_url: str = ""
    contact_list: str = ""
    ses_send_rate: float = 14.0
    email_senders: int = 2
    configuration_set: str = ""
    delivery_report_function_arn: str = ""
    report_delay: timedelta = timedelta(minutes=15)
    update_prompter_function_arn: str = ""
    sweeper_function_arn: str = ""
    """The publication sweeper, run on demand by one-time schedules (:mod:`incident_comms.delivery.sweeps`)."""
    lifecycle_timer_function_arn: str = ""
    update_scheduler_role_arn: str = ""
    """The role the update reminders' schedules fire the prompter as: it may invoke only the prompter, so the shared
    ``scheduler_role_arn`` need not (least privilege, issue 6)."""
    operators_topic_arn: str = ""
    """Where failures our retries could not fix are told (``OperatorsTopic``); empty: told to nobody."""
    status_page_url: str = ""
    """Where the stack serves the status page (``StatusPageUrl``); it replaces the plan's when set."""
    webhook_bucket: str = ""
    """Where accepted alert webhooks' bodies wait for the worker (``WebhookIntakeBucket``)."""
    webhook_queue_url: str = ""
    """Where accepted alert webhooks are handed to the worker (``WebhookIntakeQueue``)."""
    maintenance_timer_function_arn: str = ""
    """What a maintenance's one-time schedules invoke (announcements, start, end)."""

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings template.yaml gives every function; a missing one is a deployment error."""
        try:
            table_name = os.environ["TABLE_NAME"]
        except KeyError as error:
            raise RuntimeError("TABLE_NAME is not set: the function runs outside its template") from error
        return cls(
            table_name=table_name,
            plan_dir=Path(os.environ.get("INCIDENT_COMMS_PLAN_DIR", "/opt")),
            sender_address=os.environ.get("SENDER_ADDRESS") or DEFAULT_SENDER_ADDRESS,
            approvals_base_url=os.environ.get("APPROVALS_BASE_URL") or os.environ.get("APPROVALS_API_URL", ""),
            webhook_token_parameter=os.environ.get("WEBHOOK_TOKEN_PARAMETER", ""),
            approval_key_parameter=os.environ.get("APPROVAL_KEY_PARAMETER", ""),
            approval_timeout_function_arn=os.environ.get("APPROVAL_TIMEOUT_FUNCTION_ARN", ""),
            scheduler_role_arn=os.environ.get("SCHEDULER_ROLE_ARN", ""),
            schedule_group=os.environ.get("SCHEDULE_GROUP_NAME") or "default",
            scheduler_dead_letter_arn=os.environ.get("SCHEDULER_DEAD_LETTER_ARN", ""),
            publish_queue_url=os.environ.get("PUBLISH_QUEUE_URL", ""),
            customer_topic_arn=os.environ.get("CUSTOMER_TOPIC_ARN", ""),
            status_page_bucket=os.environ.get("STATUS_PAGE_BUCKET", ""),
            chat_webhooks_parameter=os.environ.get("CHAT_WEBHOOKS_PARAMETER", ""),
            email_batch_queue_url=os.environ.get("EMAIL_BATCH_QUEUE_URL", ""),
            contact_list=os.environ.get("CONTACT_LIST_NAME", ""),
            ses_send_rate=float(os.environ.get("SES_SEND_RATE") or 14),
            email_senders=int(os.environ.get("EMAIL_SENDERS") or 2),
            configuration_set=os.environ.get("CONFIGURATION_SET_NAME", ""),
            delivery_report_function_arn=os.environ.get("DELIVERY_REPORT_FUNCTION_ARN", ""),
            report_delay=_duration(os.environ.get("REPORT_DELAY") or "15m", "REPORT_DELAY"),
            update_prompter_function_arn=os.environ.get("UPDATE_PROMPTER_FUNCTION_ARN", ""),
            sweeper_function_arn=os.environ.get("SWEEPER_FUNCTION_ARN", ""),
            lifecycle_timer_function_arn=os.environ.get("LIFECYCLE_TIMER_FUNCTION_ARN", ""),
            update_scheduler_role_arn=os.environ.get("UPDATE_SCHEDULER_ROLE_ARN", ""),
            operators_topic_arn=os.environ.get("OPERATORS_TOPIC_ARN", ""),
            webhook_bucket=os.environ.get("WEBHOOK_BUCKET", ""),
            webhook_queue_url=os.environ.get("WEBHOOK_QUEUE_URL", ""),
            status_page_url=os.environ.get("STATUS_PAGE_URL", ""),
            maintenance_timer_function_arn=os.environ.get("MAINTENANCE_TIMER_FUNCTION_ARN", ""),
        )


@dataclass
class Services:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = time.sleep
    """How our own retries wait between tries (schedules, sends, email batches, operator alerts); tests and the fault
    matrix pass one that does not wait. The email pacer keeps real time: it paces, it does not retry."""

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        import boto3

        return boto3.client("dynamodb")

    @cached_property
    def store(self) -> IncidentStore:
        from incident_comms.adapters.dynamodb import DynamoIncidentStore

        return DynamoIncidentStore(self.dynamodb, self.settings.table_name)

    @cached_property
    def status_view(self) -> DynamoStatusView:
        """The status page's materialised view: a publication reads it in one query, whatever the table holds."""
        from incident_comms.adapters.dynamodb_status_view import DynamoStatusView

        return DynamoStatusView(self.dynamodb, self.settings.table_name)

    @cached_property
    def alarm_batches(self) -> DynamoAlarmBatches:
        """Many alarm changes of one component written onto its open incident in a few transactions."""
        from incident_comms.adapters.dynamodb_alarms import DynamoAlarmBatches

        return DynamoAlarmBatches(self.dynamodb, self.settings.table_name)

    @cached_property
    def webhook_bodies(self) -> WebhookBodies:
        """The accepted alert webhooks' raw bodies, in the template's intake bucket."""
        from incident_comms.adapters.webhook_intake import S3WebhookBodies

        if not self.settings.webhook_bucket:
            raise RuntimeError("WEBHOOK_BUCKET is not set: the function runs outside its template")
        return S3WebhookBodies(self.s3, self.settings.webhook_bucket)

    @cached_property
    def webhook_queue(self) -> WebhookQueue:
        """The queue that hands accepted alert webhooks to the worker."""
        from incident_comms.adapters.webhook_intake import SqsWebhookQueue

        if not self.settings.webhook_queue_url:
            raise RuntimeError("WEBHOOK_QUEUE_URL is not set: the function runs outside its template")
        return SqsWebhookQueue(self.sqs, self.settings.webhook_queue_url)

    @cached_property
    def sesv2(self) -> SESV2Client:
        """SES for sending, with SDK retries off: a send whose answer was lost must not go out twice (issue 14);
        :mod:`incident_comms.adapters.retries` retries what certainly was not sent."""
        import boto3

        return boto3.client("sesv2", config=_sends_config())

    @cached_property
    def sesv2_lists(self) -> SESV2Client:
        """SES for the contact list (reads, subscriptions): calls safe to repeat keep the SDK's retries."""
        import boto3

        return boto3.client("sesv2")

    @cached_property
    def email_sender(self) -> EmailSender:
        """Team emails through SES: what certainly did not go is tried again; a lost answer is not resent (the email
        most likely went), it is reported as "maybe sent" on the timeline and to the operators, as customer sends are.
        A SEV1 whose approval request may not have arrived still has its approval timeout."""
        from incident_comms.adapters.ses import SesEmailSender

        return SesEmailSender(self.sesv2, self.settings.sender_address, self.sleep)

    @cached_property
    def scheduler(self) -> EventBridgeSchedulerClient:
        import boto3

        return boto3.client("scheduler")

    @cached_property
    def sqs(self) -> SQSClient:
        import boto3

        return boto3.client("sqs")

    @cached_property
    def sns(self) -> SNSClient:
        """SNS for publishing to customers and operators, with SDK retries off (see :attr:`sesv2`)."""
        import boto3

        return boto3.client("sns", config=_sends_config())

    @cached_property
    def s3(self) -> S3Client:
        import boto3

        return boto3.client("s3")

    @cached_property
    def operators(self) -> OperatorAlerts:
        """How operators hear of failures retries did not fix: the operators' topic, or nobody outside the template."""
        if not self.settings.operators_topic_arn:
            from incident_comms.incidents.operators import NoOperators

            return NoOperators()
        from incident_comms.adapters.operators import SnsOperatorAlerts

        return SnsOperatorAlerts(self.sns, self.settings.operators_topic_arn, self.sleep)

    @cached_property
    def publish_queue(self) -> PublishQueue | None:
        """Where approvals hand publications to the publisher; None outside a template that has the queue."""
        if not self.settings.publish_queue_url:
            return None
        from incident_comms.adapters.sqs import SqsPublishQueue

        queue = SqsPublishQueue(self.sqs, self.settings.publish_queue_url)
        if self.sweeps is None:
            return queue
        from incident_comms.delivery.sweeps import SweptPublishQueue

        return SweptPublishQueue(queue, self.sweeps, self.clock)

    @cached_property
    def sweeps(self) -> SweepSchedule | None:
        """One-time Scheduler schedules that run the publication sweeper when work may need it; None outside a
        template that has the sweeper."""
        settings = self.settings
        if not (settings.sweeper_function_arn and settings.scheduler_role_arn):
            return None
        from incident_comms.adapters.scheduler import SchedulerSweeps

        return self._schedules(SchedulerSweeps, settings.sweeper_function_arn, settings.scheduler_role_arn)

    @cached_property
    def channel_publishers(self) -> dict[ChannelKind, ChannelPublisher]:
        """One publisher per channel kind, each built on the clients it needs (and only when publishing)."""
        from incident_comms.adapters.sns import SnsChannel
        from incident_comms.adapters.webhooks import WebhookChannel
        from incident_comms.delivery.email.fanout import EmailFanOutChannel
        from incident_comms.delivery.manual import ManualChannel
        from incident_comms.plan.models import ChannelKind

        settings = self.settings
        return {
            ChannelKind.EMAIL: EmailFanOutChannel(self.subscribers, self.sqs, settings.email_batch_queue_url),
            ChannelKind.SNS: SnsChannel(self.sns, settings.customer_topic_arn, self.sleep),
            ChannelKind.WEBHOOK: WebhookChannel(lambda: self.chat_webhook_urls),
            ChannelKind.STATUS_PAGE: self.status_page,
            ChannelKind.MANUAL: ManualChannel(self.email_sender),
        }

    @cached_property
    def status_page(self) -> StatusPageChannel:
        """The status page channel: incidents from the view, maintenances from their store."""
        from incident_comms.delivery.status_page.channel import StatusPageChannel
        from incident_comms.scheduled_maintenance.use_cases import listed

        settings = self.settings
        return StatusPageChannel(
            self.store,
            self.s3,
            settings.status_page_bucket,
            subscribe_base_url=settings.approvals_base_url,
            view=self.status_view,
            maintenances=lambda now: listed(self.maintenance_store, now),
        )

    @cached_property
    def maintenance_store(self) -> MaintenanceStore:
        from incident_comms.adapters.dynamodb_maintenance import DynamoMaintenanceStore

        return DynamoMaintenanceStore(self.dynamodb, self.settings.table_name)

    @cached_property
    def maintenances(self) -> Maintenances:
        """A maintenance's flow: its store, the approvers' emails and links, its schedules (None outside a template
        that has the maintenance timer), the status page, the subscribers and the email batch queue."""
        from incident_comms.adapters.maintenance_schedules import SchedulerMaintenanceSteps
        from incident_comms.adapters.sqs import SqsEmailBatches
        from incident_comms.scheduled_maintenance.use_cases import Maintenances

        settings = self.settings
        schedules = None
        if settings.maintenance_timer_function_arn and settings.scheduler_role_arn:
            schedules = self._schedules(
                SchedulerMaintenanceSteps, settings.maintenance_timer_function_arn, settings.scheduler_role_arn
            )
        return Maintenances(
            plan=self.plan,
            store=self.maintenance_store,
            team_sender=self.email_sender,
            link_key=lambda: self.approval_key,
            base_url=settings.approvals_base_url,
            schedules=schedules,
            page=self.status_page if settings.status_page_bucket else None,
            subscribers=self.subscribers if settings.contact_list else None,
            emails=(
                SqsEmailBatches(self.sqs, settings.email_batch_queue_url) if settings.email_batch_queue_url else None
            ),
            operators=self.operators,
        )

    @cached_property
    def subscribers(self) -> SubscriberDirectory:
        """The customers subscribed to incident updates: the template's SES contact list, one topic per component."""
        from incident_comms.adapters.contacts import SesContactDirectory

        return SesContactDirectory(self.sesv2_lists, self.settings.contact_list)

    @cached_property
    def confirmation_limiter(self) -> ConfirmationLimiter:
        """One subscribe confirmation email per address per interval, claimed on the incidents table."""
        from incident_comms.adapters.subscriptions import DynamoConfirmationLimiter

        return DynamoConfirmationLimiter(self.dynamodb, self.settings.table_name)

    @cached_property
    def undo_ledger(self) -> UndoLedger:
        """Which unsubscribe-undo links were used (one undo each), on the incidents table."""
        from incident_comms.adapters.subscriptions import DynamoUndoLedger

        return DynamoUndoLedger(self.dynamodb, self.settings.table_name)

    @cached_property
    def email_batch_sender(self) -> EmailBatchSender:
        """Sends email batches through SES SendBulkEmail, once each, paced per container under the SES send rate
        shared by the senders that may run at once (the queue's maximum concurrency)."""
        from incident_comms.adapters.email_ledgers import DynamoBatchLedger
        from incident_comms.adapters.ses_bulk import SesBulkEmailSender
        from incident_comms.delivery.email.batches.pacing import Pacer
        from incident_comms.delivery.email.batches.use_cases import EmailBatchSender
        from incident_comms.scheduled_maintenance.emails import batch_draft

        settings = self.settings
        return EmailBatchSender(
            store=self.store,
            ledger=DynamoBatchLedger(self.dynamodb, settings.table_name),
            ses=SesBulkEmailSender(self.sesv2, settings.sender_address, settings.configuration_set or None),
            unsubscribe_key=lambda: self.approval_key,
            base_url=settings.approvals_base_url,
            pacer=Pacer(settings.ses_send_rate / max(1, settings.email_senders)),
            operators=self.operators,
            sleep=self.sleep,
            other_drafts=lambda batch: batch_draft(
                self.plan, self.maintenance_store, batch.incident_id, batch.message_id, batch.channel_id
            ),
        )

    @cached_property
    def bounce_ledger(self) -> DynamoBounceLedger:
        """Bounces and complaints per recipient and message version, on the incidents table (read by the delivery
        report, written by the email feedback function)."""
        from incident_comms.adapters.email_ledgers import DynamoBounceLedger

        return DynamoBounceLedger(self.dynamodb, self.settings.table_name)

    @cached_property
    def email_feedback(self) -> EmailFeedback:
        """Applies SES bounce and complaint notifications: recorded once, the address suppressed in the contact
        list, one timeline entry per message channel."""
        from incident_comms.delivery.email.feedback import EmailFeedback

        return EmailFeedback(self.store, self.bounce_ledger, self.subscribers)

    @cached_property
    def chat_webhook_urls(self) -> dict[str, str]:
        """Channel id -> incoming-webhook URL, from its SecureString parameter once per container (URLs are
        credentials)."""
        import json

        urls = json.loads(self._secure_parameter(self.settings.chat_webhooks_parameter, "CHAT_WEBHOOKS_PARAMETER"))
        if not isinstance(urls, dict):
            raise RuntimeError("the chat webhooks parameter must be a JSON object of channel id -> URL")
        return {str(key): str(value) for key, value in urls.items()}

    @cached_property
    def ssm(self) -> SSMClient:
        import boto3

        return boto3.client("ssm")

    def _schedules(self, adapter: type[_Schedules], target_arn: str, role_arn: str) -> _Schedules:
        """A one-time schedule adapter of ``adapter``'s kind in the template's schedule group, with its dead letters."""
        return adapter(
            self.scheduler,
            group=self.settings.schedule_group,
            target_arn=target_arn,
            role_arn=role_arn,
            dead_letter_arn=self.settings.scheduler_dead_letter_arn or None,
            clock=self.clock,
            sleep=self.sleep,
        )

    @cached_property
    def approval_timeouts(self) -> ApprovalTimeouts | None:
        """One-time Scheduler schedules that fire the approval timeout; None outside a template that has them."""
        settings = self.settings
        if not (settings.approval_timeout_function_arn and settings.scheduler_role_arn):
            return None
        from incident_comms.adapters.scheduler import SchedulerApprovalTimeouts

        return self._schedules(
            SchedulerApprovalTimeouts, settings.approval_timeout_function_arn, settings.scheduler_role_arn
        )

    @cached_property
    def delivery_report_schedules(self) -> ReportSchedules | None:
        """One-time Scheduler schedules that fire each published message version's delivery report; None outside a
        template that has the delivery report function."""
        settings = self.settings
        if not (settings.delivery_report_function_arn and settings.scheduler_role_arn):
            return None
        from incident_comms.adapters.scheduler import SchedulerDeliveryReports

        return self._schedules(
            SchedulerDeliveryReports, settings.delivery_report_function_arn, settings.scheduler_role_arn
        )

    @cached_property
    def update_schedules(self) -> UpdateSchedules | None:
        """The promise's reminders: per incident one-time Scheduler schedules that fire the update prompter at the
        promised time and at the end of the grace period, as the role that may invoke only the prompter; None
        outside a template that has the prompter and that role."""
        return self.update_schedules_for(self.settings.update_prompter_function_arn)

    def update_schedules_for(self, prompter_arn: str) -> UpdateSchedules | None:
        """:attr:`update_schedules` targeting ``prompter_arn``: the prompter itself passes its own ARN (from its
        Lambda context), which its template cannot give it without a circular reference."""
        settings = self.settings
        if not (prompter_arn and settings.update_scheduler_role_arn):
            return None
        from incident_comms.adapters.scheduler import SchedulerUpdateSchedules

        return self._schedules(SchedulerUpdateSchedules, prompter_arn, settings.update_scheduler_role_arn)

    @cached_property
    def lifecycle(self) -> IncidentLifecycle:
        """The incident state machine applied to stored incidents: drafts through the approval requests, timers as
        Scheduler schedules firing the lifecycle timer function, the update schedules stopped on resolution."""
        return self.lifecycle_for(self.settings.lifecycle_timer_function_arn)

    def lifecycle_for(self, timer_function_arn: str) -> IncidentLifecycle:
        """:attr:`lifecycle` with timers targeting ``timer_function_arn``: the lifecycle timer function passes its
        own ARN (from its Lambda context), which its template cannot give it without a circular reference."""
        from incident_comms.lifecycle.transitions import IncidentLifecycle

        return IncidentLifecycle(
            self.plan,
            self.store,
            self.approval_requests,
            timers=self.lifecycle_timers_for(timer_function_arn),
            cadence=self.update_schedules,
            operators=self.operators,
        )

    def lifecycle_timers_for(self, timer_function_arn: str) -> LifecycleTimers | None:
        """One-time Scheduler schedules for the state machine's timers; None outside a template that has them."""
        settings = self.settings
        if not (timer_function_arn and settings.scheduler_role_arn):
            return None
        from incident_comms.adapters.scheduler import SchedulerLifecycleTimers

        return self._schedules(SchedulerLifecycleTimers, timer_function_arn, settings.scheduler_role_arn)

    @cached_property
    def batch_ledger(self) -> BatchLedger:
        """The email sender's batch records (what SES accepted per batch), read by the delivery report."""
        from incident_comms.adapters.email_ledgers import DynamoBatchLedger

        return DynamoBatchLedger(self.dynamodb, self.settings.table_name)

    @cached_property
    def report_ledger(self) -> ReportLedger:
        """The delivery report claims (one report per message version), on the incidents table."""
        from incident_comms.adapters.delivery_reports import DynamoReportLedger

        return DynamoReportLedger(self.dynamodb, self.settings.table_name)

    @cached_property
    def approval_requests(self) -> ApprovalRequests:
        """The approval request emails: sent from the configured sender, with signed links to the approvals pages."""
        from incident_comms.approvals.requests import ApprovalRequests

        return ApprovalRequests(
            self.email_sender,
            token_key=lambda: self.approval_key,
            base_url=self.settings.approvals_base_url,
            timeouts=self.approval_timeouts,
            operators=self.operators,
        )

    def _secure_parameter(self, name: str, variable: str, min_length: int = 1) -> str:
        from incident_comms.adapters.secure_parameters import read_secure_parameter

        if not name:
            raise RuntimeError(f"{variable} is not set: the function runs outside its template")
        value = read_secure_parameter(self.ssm, name)
        if len(value) < min_length:
            raise RuntimeError(
                f"the parameter {variable} names holds no usable value (at least {min_length} characters)"
            )
        return value

    @cached_property
    def webhook_token(self) -> str:
        """The alert webhooks' bearer token, read from its SecureString parameter once per container."""
        return self._secure_parameter(self.settings.webhook_token_parameter, "WEBHOOK_TOKEN_PARAMETER", 16)

    @cached_property
    def approval_key(self) -> bytes:
        """The key approval links are signed with, read from its SecureString parameter once per container (never
        logged)."""
        from incident_comms.approvals.tokens import MIN_KEY_BYTES

        value = self._secure_parameter(self.settings.approval_key_parameter, "APPROVAL_KEY_PARAMETER", MIN_KEY_BYTES)
        return value.encode("utf-8")

    @cached_property
    def plan(self) -> Plan:
        """The plan layer's checked snapshot (:mod:`incident_comms.plan.snapshot`) when it matches the plan's files;
        otherwise the plan checked here, which imports the renderer and the draft checks and takes far longer."""
        from incident_comms.plan.snapshot import read_snapshot

        plan = read_snapshot(self.settings.plan_dir)
        if plan is None:
            from incident_comms.lint.plan_texts import load_checked_plan

            plan = load_checked_plan(self.settings.plan_dir)
        return plan.served_at(self.settings.status_page_url)


def _duration(text: str, variable: str) -> timedelta:
    """A duration setting (``15m``, ``PT15M``); a wrong one is a deployment error that names the variable."""
    from incident_comms.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise RuntimeError(f"{variable}: {error}") from error


def _sends_config() -> Config:
    """The client config of senders: one try per call, our code retries (:mod:`incident_comms.adapters.retries`)."""
    from botocore.config import Config

    return Config(retries={"total_max_attempts": 1})


_current: Services | None = None


def services() -> Services:
    """The container's services, built on first use."""
    global _current
    if _current is None:
        _current = Services(Settings.from_env())
    return _current


def use_services(replacement: Services | None) -> None:
    """Swap the services (tests, local stack); None goes back to building them from the environment."""
    global _current
    _current = replacement
