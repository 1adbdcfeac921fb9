"""Personal console and declare links: signed, scoped, expiring, never another kind of token."""

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, issue_token
from incident_comms.subscribers.tokens import unsubscribe_token
from incident_comms.team.console_links import (
    CONSOLE_LINK_LIFETIME,
    ConsoleLinkProblem,
    ConsoleLinkRejected,
    ConsoleScope,
    console_token,
    console_url,
    declare_token,
    declare_url,
    verify_console_token,
)

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
OPENED = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def test_a_console_link_names_its_person_and_incident_and_is_the_same_in_every_email() -> None:
    token = console_token(KEY, "inc-1", "ana@example.com", OPENED)
    assert token == console_token(KEY, "inc-1", "ana@example.com", OPENED)
    claims = verify_console_token(token, KEY, OPENED + timedelta(days=3), ConsoleScope.INCIDENT)
    assert (claims.incident_id, claims.recipient) == ("inc-1", "ana@example.com")
    assert console_url("https://x.example/", KEY, "inc-1", "ana@example.com", OPENED) == (
        f"https://x.example/console/{token}"
    )


def test_a_console_link_dies_at_its_expiry() -> None:
    token = console_token(KEY, "inc-1", "ana@example.com", OPENED)
    with pytest.raises(ConsoleLinkRejected) as rejected:
        verify_console_token(token, KEY, OPENED + CONSOLE_LINK_LIFETIME, ConsoleScope.INCIDENT)
    assert rejected.value.problem == ConsoleLinkProblem.EXPIRED


@pytest.mark.parametrize(
    "token",
    [
        console_token(OTHER_KEY, "inc-1", "ana@example.com", OPENED),
        declare_token(KEY, "ana@example.com", OPENED),
        unsubscribe_token("ana@example.com", KEY),
        issue_token(
            TokenClaims(
                incident_id="inc-1",
                message_id="m",
                message_version=1,
                recipient="ana@example.com",
                action=ApprovalAction.APPROVE,
                expires_at=OPENED + timedelta(days=1),
            ),
            KEY,
        ),
        "",
        "a.b",
        "x" * 5000,
        console_token(KEY, "inc-1", "ana@example.com", OPENED) + "A",
    ],
)
def test_anything_but_a_genuine_console_token_is_invalid(token: str) -> None:
    with pytest.raises(ConsoleLinkRejected) as rejected:
        verify_console_token(token, KEY, OPENED, ConsoleScope.INCIDENT)
    assert rejected.value.problem == ConsoleLinkProblem.INVALID
    assert "ana" not in str(rejected.value)


def test_a_declare_link_declares_only() -> None:
    token = declare_token(KEY, "ana@example.com", OPENED)
    claims = verify_console_token(token, KEY, OPENED + timedelta(days=300), ConsoleScope.DECLARE)
    assert claims.incident_id is None
    assert declare_url("https://x.example", KEY, "ana@example.com", OPENED).endswith(f"/declare/{token}")
    with pytest.raises(ConsoleLinkRejected):
        verify_console_token(console_token(KEY, "i", "ana@example.com", OPENED), KEY, OPENED, ConsoleScope.DECLARE)
