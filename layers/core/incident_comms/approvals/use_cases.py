"""Use cases of the approval links: look at a draft (GET, HEAD) and decide on it (POST).

What this module guarantees:

- **Looking changes nothing.** :func:`review` only reads: mail scanners and link previews fetch every link in
  an email, so a GET or HEAD must never approve, spend a token or write a line of audit.
- **Deciding takes a person.** :func:`decide` acts only on a POST of the page's own form, whose submit button
  carries ``confirm=yes``; the page has no script that could submit it by itself.
- **A link works once, for one version, for the roles its person holds.** The store spends the token in the
  same transaction that replaces the message (on the condition that its revision did not move), so ten clicks
  save one decision and one publication; an edit bumps the version and every older link dies.
- **Superseded means dead; nothing older publishes.** A draft a newer message replaced answers 409 (REPLACED), and
  a decision that would publish a message older than one already published is refused (409, OUTDATED) inside the
  store's transaction, whatever the race (:mod:`incident_comms.incidents.ordering`); nothing is saved.
- **A refusal tells nothing.** Whoever holds a bad, stale or foreign link learns only the generic reason
  (:mod:`incident_comms.approvals.pages`).

Pure: the store, the key, the clock's ``now`` and the email sender come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from http import HTTPStatus

from incident_comms.approvals.forms import parse_form
from incident_comms.approvals.links import check_open, linked_message, verified_claims
from incident_comms.approvals.logic import Decision, Recorded, acting_roles, compute_decision
from incident_comms.approvals.pages import Outcome, Page, outcome_page, refusal_page, refused_outcome, render_form
from incident_comms.approvals.requests import ApprovalRequest, ApprovalRequests, request_approval
from incident_comms.approvals.tokens import TokenClaims, token_fingerprint
from incident_comms.delivery.publishing import PublishQueue, hand_off
from incident_comms.incidents.facts import missing_facts
from incident_comms.incidents.models import Incident
from incident_comms.incidents.store import DecisionSaved, IncidentStore
from incident_comms.plan.models import Plan
from incident_comms.team.console_links import console_url
from incident_comms.web import HttpRequest, LinkRefused, Refusal, RequestMeta

DECISION_ATTEMPTS = 5
"""Recomputing after another decision landed first: more than a handful in a row means something is wrong."""


def review(token: str, plan: Plan, store: IncidentStore, key: bytes, now: datetime, base_url: str = "") -> Page:
    """The page of an approval link (GET and HEAD): the draft, the incident, and one form for the link's action.

    Reads only. A link that cannot be acted on any more (used, superseded, decided, its person's roles all in)
    answers its 4xx page right away rather than a form that would fail on submit; a draft a newer message replaced
    links to the person's console under ``base_url`` (the token was verified, so its person is known).
    """
    fingerprint = token_fingerprint(token)
    claims: TokenClaims | None = None
    incident: Incident | None = None
    try:
        claims = verified_claims(token, key, now)
        incident, message = linked_message(store, claims)
        check_open(store, claims, incident, message, fingerprint)
        _, acting = acting_roles(plan, claims.recipient, message)
    except LinkRefused as refused:
        console = person_console(base_url, key, claims, incident)
        return refusal_page(plan, refused.refusal, refused.problem, fingerprint, refused.checks, console)
    html = render_form(plan, incident, message, token, claims, acting, key, now, base_url)
    return Page(
        status=int(HTTPStatus.OK),
        html=html,
        token_fingerprint=fingerprint,
        incident_id=incident.id,
        message_id=message.id,
        version=message.version,
        action=claims.action,
    )


def decide(
    token: str,
    form: Mapping[str, Sequence[str]],
    meta: RequestMeta,
    plan: Plan,
    store: IncidentStore,
    key: bytes,
    now: datetime,
    approvals: ApprovalRequests | None = None,
    publish_queue: PublishQueue | None = None,
) -> Outcome:
    """Act on a posted approval form: approve, edit and approve, or reject, once.

    The decision is computed from the stored message and saved with the token's single use in one conditional
    transaction. When another decision landed in between (another role approved, a newer draft superseded it), it
    is recomputed from the new revision, up to :data:`DECISION_ATTEMPTS` times; one the store refuses as older than
    a message already published answers OUTDATED. After an edit that leaves roles to approve, they are
    emailed fresh links for the new version (``approvals``); a send that fails is on the timeline, not raised.
    """
    fingerprint = token_fingerprint(token)
    claims: TokenClaims | None = None
    incident: Incident | None = None
    try:
        claims = verified_claims(token, key, now)
        for _ in range(DECISION_ATTEMPTS):
            incident, message = linked_message(store, claims)
            check_open(store, claims, incident, message, fingerprint)
            acting_roles(plan, claims.recipient, message)
            parsed = parse_form(form, claims.action, message)
            decision = compute_decision(
                plan,
                message,
                claims,
                parsed,
                meta,
                fingerprint,
                now,
                severity=incident.severity_id,
                missing=missing_facts(incident.facts, plan),
            )
            saved = store.save_decision(
                message, decision.after, fingerprint, claims.expires_at, decision.entries, decision.publication
            )
            if saved == DecisionSaved.TOKEN_USED:
                raise LinkRefused(Refusal.USED)
            if saved == DecisionSaved.OUTDATED:
                raise LinkRefused(Refusal.OUTDATED)
            if saved == DecisionSaved.SAVED:
                if decision.publication is not None and publish_queue is not None:
                    hand_off(store, publish_queue, decision.publication, now)
                return _decided(plan, store, approvals, incident, decision, fingerprint, now)
        raise LinkRefused(Refusal.BUSY)
    except LinkRefused as refused:
        console = person_console(approvals.base_url if approvals else "", key, claims, incident)
        return refused_outcome(plan, refused, fingerprint, console)


def submit(
    token: str,
    request: HttpRequest,
    plan: Plan,
    store: IncidentStore,
    key: bytes,
    now: datetime,
    approvals: ApprovalRequests | None = None,
    publish_queue: PublishQueue | None = None,
) -> Outcome:
    """A POST as it arrives: refuse another site's form (403) or an oversized or unreadable body (413, 400)
    before anything else, then :func:`decide`."""
    fingerprint = token_fingerprint(token)
    try:
        if request.is_cross_site():
            raise LinkRefused(Refusal.CROSS_SITE)
        form = request.form()
    except LinkRefused as refused:
        return refused_outcome(plan, refused, fingerprint)
    return decide(token, form, request.meta, plan, store, key, now, approvals, publish_queue)


def person_console(base_url: str, key: bytes, claims: TokenClaims | None, incident: Incident | None) -> str | None:
    """The console link of a verified approval link's person, once its incident was read; None before that."""
    if claims is None or incident is None:
        return None
    return console_url(base_url, key, incident.id, claims.recipient, incident.opened_at)


def _decided(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests | None,
    incident: Incident,
    decision: Decision,
    fingerprint: str,
    now: datetime,
) -> Outcome:
    after = decision.after
    failures: list[str] = []
    asked = True
    if decision.recorded == Recorded.EDITED and after.pending_roles:
        if approvals is None:
            asked = False
        else:
            # The timeout armed when the draft was first requested still stands; this function arms no other.
            request, error = request_approval(plan, store, replace(approvals, timeouts=None), incident, after, now)
            asked = request == ApprovalRequest.SENT
            failures = [error] if error else []
    return outcome_page(plan, incident, decision, fingerprint, asked, failures)
