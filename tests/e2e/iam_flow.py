"""The sample flow's later steps for :mod:`tests.e2e.iam_calls`: what responders and a second alarm source do.

Each step is what a person or a monitoring system does, through the stack's own routes and the sample events of
``events/``; responders open their console from the link in their approval email (signed by the code that sent it)
and approve from theirs:

- :func:`alarm_again`: the sample CloudWatch alarm fires again an hour after its first incident resolved (a new
  incident); a responder moves it to monitoring while it fires; it recovers;
- :func:`declared_and_joined`: an incident declared by hand is declared again (409, the open one); Grafana's storage
  alerts fire and join it; moved to monitoring while they fire, then resolved by Grafana;
- :func:`webhook_incident`: Alertmanager fires on billing and later sends the group resolved; a responder sets the
  facts, moves the incident to monitoring and resolves it; the resolved message is approved; five days on the
  postmortem reminder drafts the postmortem, approved, and its publication closes the incident.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from incident_comms.local.server import LocalStack
from tests.conftest import REPO
from tests.faults_matrix.flow import MatrixStack, _http, _outbox_marks, _outbox_since
from tests.forms import FormReader

WEBHOOK = "alertmanager-firing.json"
RESOLVED = "alertmanager-resolved.json"
GRAFANA = "grafana-firing.json"
ALARM = "cloudwatch-eventbridge-alarm.json"
RECOVERY = "cloudwatch-eventbridge-ok.json"
APPROVAL_NEEDED = "aprobación necesaria"
APPROVAL_LINK = re.compile(r"https?://\S+/approvals/[A-Za-z0-9_.%-]+")
CONSOLE_LINK = re.compile(r"https?://\S+/console/[A-Za-z0-9_.%-]+")
SAMPLE_HOUR, AN_HOUR_LATER = "2026-11-22T10:", "2026-11-22T11:"
"""The sample alarm fired at 10:15 and recovered at 10:47: it fires again at 11:15 and recovers at 11:47."""
GRAFANA_ENDS = "2026-11-22T11:50:00+01:00"
"""When the Grafana sample's alerts (firing since 11:20, +01:00) are resolved."""
POSTMORTEM_DUE = timedelta(days=5, hours=1)
"""Past the plan's ``postmortem_deadline`` (5d) from the resolution: the reminder drafts the postmortem."""
WHY_AS_IS = "The postmortem facts are added by hand before it goes out."
"""What an approver says when approving a draft whose checks found something (the approval page asks)."""


def declared_and_joined(matrix: MatrixStack, stack: LocalStack, path: str, declaration: dict[str, str]) -> None:
    """Declared from the declare page, then declared again by someone else (409, the open one); Grafana's storage
    alerts fire and join it; a responder moves it to monitoring while they fire, and Grafana then sends them resolved
    (the quiet period starts with the last alert back to OK)."""
    seen = _outbox_marks(stack)
    body = urlencode(declaration).encode()
    post_form(stack, path, body)
    matrix._drain(stack)
    post_form(stack, path, body)
    console = _console_link(stack, seen)
    stack.handle_event((REPO / "events" / GRAFANA).read_bytes())
    matrix._drain(stack)
    _console(stack, console, "phase", {"phase": "monitoring"})
    stack.handle_event(_resolved(GRAFANA, GRAFANA_ENDS))
    matrix._drain(stack)


def alarm_again(matrix: MatrixStack, stack: LocalStack) -> None:
    """The sample CloudWatch alarm fires again after its incident resolved (a new incident); a responder moves the new
    one to monitoring while it fires, and it recovers."""
    seen = _outbox_marks(stack)
    stack.handle_event(_an_hour_later(ALARM))
    matrix._drain(stack)
    _console(stack, _console_link(stack, seen), "phase", {"phase": "monitoring"})
    stack.handle_event(_an_hour_later(RECOVERY))
    matrix._drain(stack)


def webhook_incident(matrix: MatrixStack, stack: LocalStack) -> None:
    """Alertmanager fires and later sends the whole group resolved; a responder sets the facts, moves the incident to
    monitoring and resolves it from the console; the resolved message is approved, and the postmortem its reminder
    drafts five days on is approved, whose publication closes the incident."""
    seen = _outbox_marks(stack)
    stack.handle_event((REPO / "events" / WEBHOOK).read_bytes())
    matrix._drain(stack)
    console = _console_link(stack, seen)
    incident_id = _approval_emails(stack, seen)[0]["headers"]["X-Incident-Id"]
    ends = json.loads((REPO / "events" / RESOLVED).read_text(encoding="utf-8"))["alerts"][0]["endsAt"]
    stack.handle_event(_resolved(WEBHOOK, ends))
    matrix._drain(stack)
    seen = _outbox_marks(stack)
    _console(stack, console, "facts", {"data_loss": "none", "tell_customers": "yes"})
    _console(stack, console, "phase", {"phase": "monitoring"})
    _console(stack, console, "resolve", {})
    matrix._drain(stack)
    approve_since(matrix, stack, seen, incident_id)
    seen = _outbox_marks(stack)
    stack.move(POSTMORTEM_DUE)
    matrix._drain(stack)
    approve_since(matrix, stack, seen, incident_id)


MAINTENANCE_REQUEST = "Aprobar mantenimiento"
MAINTENANCE_LINK = re.compile(r"https?://\S+/maintenance/[A-Za-z0-9_.%-]+")
MAINTENANCE_AHEAD = timedelta(days=4)
SOON = timedelta(hours=2)
MAINTENANCE_ID = re.compile(r"MNT-[0-9]{8}-[0-9]{4}-[0-9a-f]{6}")


def maintenance_windows(matrix: MatrixStack, stack: LocalStack, declare_path: str) -> None:
    """Two windows scheduled from the form of a declare link and approved from the approval email. The first, days
    ahead, is announced, started and completed as the clock moves past it; the second, two hours ahead, is announced at
    once (its lead times have passed), then cancelled through ``POST /maintenances/{id}/cancel`` (what
    ``incident-comms maintenance cancel`` calls), which tells those it was announced to."""
    scheduled = [schedule_window(matrix, stack, declare_path, ahead) for ahead in (MAINTENANCE_AHEAD, SOON)]
    stack.move(timedelta(minutes=5))
    matrix._drain(stack)
    _http(stack, "GET", "/maintenances")
    _http(stack, "POST", f"/maintenances/{scheduled[-1]}/cancel", b"{}")
    matrix._drain(stack)
    stack.move(MAINTENANCE_AHEAD + timedelta(hours=3))
    matrix._drain(stack)


def schedule_window(matrix: MatrixStack, stack: LocalStack, declare_path: str, ahead: timedelta) -> str:
    """A window of two hours starting ``ahead`` of now, scheduled from the form and approved; its id."""
    from zoneinfo import ZoneInfo

    seen = _outbox_marks(stack)
    start = (stack.clock.now() + ahead).astimezone(ZoneInfo("Europe/Madrid"))
    fields = {
        **FormReader(_http(stack, "GET", f"{declare_path}/maintenance")[1]).fields,
        "component": "invoicing",
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "title_es": "Actualización de la base de datos",
        "title_en": "Database upgrade",
    }
    page = _http(stack, "POST", f"{declare_path}/maintenance", urlencode(fields, doseq=True).encode())[1]
    matrix._drain(stack)
    requests = [item for item in _outbox_since(stack, seen) if MAINTENANCE_REQUEST in item.get("subject", "")]
    path = urlsplit(MAINTENANCE_LINK.findall(requests[0]["text"])[0]).path
    _http(stack, "GET", path)
    post_form(stack, path, b"confirm=yes")
    matrix._drain(stack)
    (maintenance_id,) = MAINTENANCE_ID.findall(page.decode())
    return maintenance_id


def approve_since(matrix: MatrixStack, stack: LocalStack, seen: tuple[int, int], incident_id: str = "") -> None:
    """Each approver approves from the approval emails they got since ``seen`` (about ``incident_id`` only, when
    given), newest first: a link of a draft superseded since, or approved by a colleague of the same role already,
    answers an error page and is left."""
    for email in reversed(_approval_emails(stack, seen)):
        if incident_id and email["headers"].get("X-Incident-Id") != incident_id:
            continue
        path = urlsplit(APPROVAL_LINK.findall(email["text"])[0]).path
        status, page = _http(stack, "GET", path)
        if status != 200:
            continue
        fields = FormReader(page).fields
        if "reason" in fields:
            fields["reason"] = WHY_AS_IS
        _http(stack, "POST", path, urlencode(fields).encode())
        matrix._drain(stack)


def _resolved(name: str, ends: str) -> bytes:
    """A sample webhook's group as its sender posts it once every alert in it is resolved (at ``ends``)."""
    firing = json.loads((REPO / "events" / name).read_text(encoding="utf-8"))
    alerts = [{**alert, "status": "resolved", "endsAt": ends} for alert in firing["alerts"]]
    return json.dumps({**firing, "status": "resolved", "alerts": alerts}).encode()


def _an_hour_later(name: str) -> bytes:
    """A sample CloudWatch state change as EventBridge delivers the same change of the same alarm an hour later."""
    event = json.loads((REPO / "events" / name).read_text(encoding="utf-8"))
    event["id"] = f"{event['id'][:-4]}0001"
    event["time"] = event["time"].replace(SAMPLE_HOUR, AN_HOUR_LATER)
    event["detail"]["state"]["timestamp"] = event["detail"]["state"]["timestamp"].replace(SAMPLE_HOUR, AN_HOUR_LATER)
    return json.dumps(event).encode()


def _console_link(stack: LocalStack, seen: tuple[int, int]) -> str:
    """The path of the console link in the first approval email since ``seen`` (its recipient's own)."""
    return urlsplit(CONSOLE_LINK.findall(_approval_emails(stack, seen)[0]["text"])[0]).path


def _console(stack: LocalStack, path: str, action: str, changes: dict[str, str]) -> None:
    """Fill in the console's ``action`` form as the page stands and send it from its button."""
    forms = FormReader(_http(stack, "GET", path)[1]).form_fields
    (fields,) = [form for form in forms if form.get("action") == action]
    post_form(stack, path, urlencode({**fields, **changes}).encode())


def _approval_emails(stack: LocalStack, seen: tuple[int, int]) -> list[dict[str, Any]]:
    return [
        item
        for item in _outbox_since(stack, seen)
        if item.get("kind") == "email" and APPROVAL_NEEDED in item["subject"]
    ]


def post_form(stack: LocalStack, path: str, body: bytes) -> int:
    """A form posted from the stack's own pages, as a browser does it (with its Origin)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": stack.url}
    try:
        with urlopen(Request(stack.url + path, data=body, method="POST", headers=headers), timeout=60) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


def custom_resource(stack: LocalStack, request_type: str) -> None:
    """CloudFormation asking ``SecureParametersFunction`` to create (at deploy) or delete (with the stack) the stack's
    parameters, its answer PUT to a stand-in for the pre-signed URL. The local stack made them when it started, by the
    same code, so a create finds them there."""
    from contextlib import nullcontext
    from unittest import mock

    event = json.loads((REPO / "events" / "cloudformation" / "secure-parameters-create.json").read_text("utf-8"))
    names = {name.rsplit("/", 1)[1]: name for name in stack.resources["SecureParameters"].split(",")}
    parameters = [
        {**item, "Name": names[item["Name"].rsplit("/", 1)[1]]} for item in event["ResourceProperties"]["Parameters"]
    ]
    event = {
        **event,
        "RequestType": request_type,
        "PhysicalResourceId": f"{event['StackId']}/secure-parameters",
        "ResourceProperties": {**event["ResourceProperties"], "Parameters": parameters},
    }
    answers: list[dict[str, Any]] = []

    def answered(request: Request, timeout: float) -> Any:
        answers.append(json.loads(request.data or b"{}"))  # type: ignore[arg-type]
        return nullcontext()

    with mock.patch("urllib.request.urlopen", answered):
        stack.functions["SecureParametersFunction"].invoke(event)
    assert [answer["Status"] for answer in answers] == ["SUCCESS"], answers
