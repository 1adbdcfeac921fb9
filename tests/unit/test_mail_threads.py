"""One mail thread per incident and readers: the root id every email of it references, whatever SES does with ids."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from incident_comms.adapters.ses import to_mime
from incident_comms.mail_threads import (
    CUSTOMERS,
    FALLBACK_DOMAIN,
    TEAM,
    sender_domain,
    thread_headers,
    thread_key,
    thread_root_id,
)
from incident_comms.team.emails import Email

SENDER = "Nubeteca <incidentes@nubeteca.example>"
INCIDENT = "INC-20261130-1500-3fa9c2"
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MSG_ID = re.compile(rf"^<{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*>$")
"""RFC 5322 ``msg-id`` with dot-atom text on both sides (what every mail client parses)."""


def test_every_email_of_one_incident_to_customers_names_the_same_root() -> None:
    """Phase, recipient and sending process do not enter the derivation: only the incident, readers and domain."""
    first = thread_headers(thread_key(INCIDENT, CUSTOMERS), SENDER)
    again = thread_headers(thread_key(INCIDENT, CUSTOMERS), "incidentes@nubeteca.example")

    assert first == again
    assert dict(first)["In-Reply-To"] == dict(first)["References"] == thread_root_id(f"{INCIDENT}/customers", SENDER)


def test_other_incidents_readers_and_domains_are_other_threads() -> None:
    roots = {
        thread_root_id(thread_key(INCIDENT, CUSTOMERS), SENDER),
        thread_root_id(thread_key(INCIDENT, TEAM), SENDER),
        thread_root_id(thread_key("INC-20261130-1500-3fa9c3", CUSTOMERS), SENDER),
        thread_root_id(thread_key("MNT-20261201-0200-aa11bb", CUSTOMERS), SENDER),
        thread_root_id(thread_key(INCIDENT, CUSTOMERS), "avisos@otra.example"),
    }
    assert len(roots) == 5


def test_keys_that_read_alike_still_differ() -> None:
    """The readable part keeps letters, digits and hyphens only; the digest of the exact key keeps them apart."""
    assert thread_root_id("INC 1/customers", SENDER) != thread_root_id("INC-1/customers", SENDER)


@pytest.mark.parametrize(
    "key", [f"{INCIDENT}/customers", "MNT-1/team", 'odd id <with> "quotes"@and spaces/customers', "/", "ñ/á"]
)
def test_the_root_is_an_rfc_5322_message_id_in_printable_ascii(key: str) -> None:
    root = thread_root_id(key, SENDER)

    assert MSG_ID.match(root), root
    assert root.isascii() and root.isprintable() and len(root) <= 870  # SES v2 header value limits


def test_the_root_is_readable_and_names_the_senders_domain() -> None:
    root = thread_root_id(thread_key(INCIDENT, CUSTOMERS), SENDER)

    assert root.startswith(f"<{INCIDENT}.customers.") and root.endswith("@nubeteca.example>")


@pytest.mark.parametrize(
    ("sender", "domain"),
    [
        ("incidentes@Nubeteca.Example", "nubeteca.example"),
        ("Nubeteca <incidentes@nubeteca.example>", "nubeteca.example"),
        ("no-address", FALLBACK_DOMAIN),
        ("a@localhost", FALLBACK_DOMAIN),
        ("a@bad_domain.example", FALLBACK_DOMAIN),
    ],
)
def test_the_domain_comes_from_the_sender_address(sender: str, domain: str) -> None:
    assert sender_domain(sender) == domain


def test_a_team_email_of_a_thread_carries_its_headers_and_no_message_id_of_ours() -> None:
    """SES replaces any Message-ID a caller gives: we give none, and the thread holds by References alone."""
    email = Email(to=["elena@nubeteca.example"], subject="s", text="t", html="<p>t</p>", thread=f"{INCIDENT}/team")

    parsed = message_from_bytes(to_mime(email, SENDER), policy=policy.default)

    root = thread_root_id(f"{INCIDENT}/team", SENDER)
    assert (str(parsed["In-Reply-To"]), str(parsed["References"])) == (root, root)
    assert parsed["Message-ID"] is None


def test_an_email_of_no_thread_has_no_threading_headers() -> None:
    email = Email(to=["elena@nubeteca.example"], subject="s", text="t", html="<p>t</p>")

    parsed = message_from_bytes(to_mime(email, SENDER), policy=policy.default)

    assert parsed["In-Reply-To"] is None and parsed["References"] is None
