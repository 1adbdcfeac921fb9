"""``ChannelPublisher`` on Amazon SNS: ONE publish per update to the customer topic, every protocol served from it.

The publish uses ``MessageStructure="json"`` so each kind of subscriber gets the text it can use: SMS subscribers a
short text (:func:`sms_text`, at most :data:`SMS_TEXT_MAX` characters), email subscribers and everything else
(SQS, Lambda, HTTP: ``default``) the full approved text. The subject (email subscribers' subject line) is one line
under 100 characters, as SNS requires. Message attributes (component, severity, phase, locale, channel) let each
subscription filter with a filter policy, so a customer can follow only the components they use.

SMS length, honestly: a single SMS holds 160 GSM-7 characters, but one character outside the GSM-7 alphabet
(Spanish á, í, ó, ú, ¿ are outside it; é, ñ, ü, ¡ are inside) sends the whole text as UCS-2, where one SMS holds
70 characters and a longer text travels in segments of 67. We keep every SMS at most 160 characters, which is one
GSM-7 segment or up to three UCS-2 segments (:func:`sms_segments` says which), and we do not strip accents: a
message customers misread costs more than two segments. When a cut is needed and the text is otherwise GSM-7,
it is marked with "..." rather than "…" (which is not GSM-7 and alone would triple the cost).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from incident_comms.adapters.retries import Verdict, verdict, with_retries
from incident_comms.delivery.manual import fit_text, printable
from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.drafting.models import SNS_SUBJECT_MAX
from incident_comms.plan.models import Phase, Plan, localized
from incident_comms.plan.phase_labels import phase_label
from incident_comms.sms import is_gsm7, sms_encoding
from incident_comms.text import one_line, truncate

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient

SMS_TEXT_MAX = 160
"""The SMS text's limit in characters: one GSM-7 segment, or at most three UCS-2 segments (see the module doc)."""

FULL_TEXT_MAX = 20_000
"""The full text's limit in characters. It is sent twice (``default`` and ``email``) beside the SMS text, and SNS
takes at most 256 KB per publish: 2 x 20,000 characters of at most 4 UTF-8 bytes each, plus the rest, stay under."""

ERROR_TEXT_MAX = 500


class SnsChannel:
    """Publishes each update once to ``topic_arn`` (the template's CustomerTopic).

    The client has SDK retries off: a publish that could not connect, or was throttled, is tried again here
    (:func:`~incident_comms.adapters.retries.with_retries`); one whose answer was lost is never resent (SNS may have
    delivered it) and is answered as ``unknown``. The customer topic is a standard topic: SNS's own idempotency
    (``MessageDeduplicationId``) exists only on FIFO topics, which cannot deliver SMS, so there is none to lean on.
    A refusal for good (topic gone, not authorised) is one failed delivery with the reason; the caller puts what
    failed on the incident timeline and tells the operators.
    """

    def __init__(self, client: SNSClient, topic_arn: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._topic_arn = topic_arn
        self._sleep = sleep

    def publish(self, job: ChannelJob) -> ChannelResult:
        if not self._topic_arn:
            return ChannelResult(
                attempted=1, failed=1, detail="no customer topic is configured (CUSTOMER_TOPIC_ARN is not set)"
            )
        if not one_line(printable(job.draft.text)):
            return ChannelResult(attempted=1, failed=1, detail=f"the {job.channel.id} draft has no text to publish")
        request = publish_request(job, self._topic_arn)
        try:
            response = with_retries(lambda: self._client.publish(**request), sleep=self._sleep)
        except (ClientError, BotoCoreError) as error:
            if verdict(error) == Verdict.UNKNOWN:
                reason = f"SNS did not answer ({type(error).__name__}); maybe delivered, not resent"
                return ChannelResult(attempted=1, unknown=1, detail=truncate(one_line(reason), ERROR_TEXT_MAX))
            if isinstance(error, ClientError):
                code = error.response.get("Error", {}).get("Code", "ClientError")
                reason = error.response.get("Error", {}).get("Message", str(error))
                return _failed(f"SNS refused the publish: {code}: {reason}")
            return _failed(f"SNS could not be reached: {type(error).__name__}: {error}")
        sms = json.loads(request["Message"])["sms"]
        encoding, segments = sms_segments(sms)
        return ChannelResult(
            attempted=1,
            delivered=1,
            detail=f"SNS message {response.get('MessageId', '?')}; SMS {len(sms)} characters, "
            f"{segments} {encoding} segment(s)",
        )


def publish_request(job: ChannelJob, topic_arn: str) -> dict[str, Any]:
    """The ``sns.publish`` arguments for one update: JSON message per protocol, subject, filterable attributes."""
    draft = job.draft
    full = truncate(printable(draft.text).strip(), FULL_TEXT_MAX)
    short = sms_text(draft.text, SMS_TEXT_MAX, url=job.plan.definition.organisation.status_page_url)
    message = {"default": full, "sms": short, "email": full}
    attributes = {
        "component": job.incident.component_id,
        "severity": job.incident.severity_id,
        "phase": job.message.phase.value,
        "locale": draft.locale,
        "channel": job.channel.id,
    }
    return {
        "TopicArn": topic_arn,
        "MessageStructure": "json",
        "Message": json.dumps(message, ensure_ascii=False),
        "Subject": sns_subject(draft.subject, job.plan, job.incident.component_id, job.message.phase, draft.locale),
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
        },
    }


def sns_subject(subject: str | None, plan: Plan, component_id: str, phase: Phase, locale: str) -> str:
    """The draft's subject, else ``Nubeteca · API pública: Investigando``; one line, under 100 characters.

    SNS refuses a subject with line breaks or control characters, or of 100 characters or more, and email
    subscribers read it as the subject line, so it is never empty either.
    """
    line = one_line(printable(subject or ""))
    if not line:
        organisation = one_line(plan.definition.organisation.name)
        component = next((c for c in plan.definition.components if c.id == component_id), None)
        component_name = localized(component.name, locale, plan.main_locale) if component else component_id
        phase_name = phase_label(phase, locale)
        line = one_line(printable(f"{organisation} · {component_name}: {phase_name}"))
    return fit_text(line, SNS_SUBJECT_MAX)


def sms_text(text: str, limit: int = SMS_TEXT_MAX, *, url: str | None = None) -> str:
    """``text`` as one SMS line of at most ``limit`` characters, cut on a word boundary, the status page link kept.

    See :func:`incident_comms.delivery.manual.fit_text` for the cut; the mark is "..." when the text is otherwise GSM-7
    (see the module doc), "…" when it is UCS-2 anyway.
    """
    ellipsis = "..." if is_gsm7(one_line(printable(text))) else "…"
    return fit_text(text, limit, url=url, ellipsis=ellipsis)


def sms_segments(text: str) -> tuple[str, int]:
    """How ``text`` travels as SMS: ``("GSM-7", n)`` or ``("UCS-2", n)`` billed parts (:mod:`incident_comms.sms`)."""
    encoding = sms_encoding(text)
    return encoding.encoding, encoding.parts


def _failed(reason: str) -> ChannelResult:
    return ChannelResult(attempted=1, failed=1, detail=truncate(one_line(reason), ERROR_TEXT_MAX))
