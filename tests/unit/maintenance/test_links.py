"""A maintenance's approval links: signed for one person and one window (or one step's email), under a context of
their own, expiring when the window starts (a window's) or a week on (a step's)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_comms.maintenance.links import LINK_CONTEXT, MaintenanceLinkExpired, approval_link, verify_link
from incident_comms.maintenance.models import MaintenanceStep
from incident_comms.plan.models import Plan
from incident_comms.signing import SignatureRejected, sign_claims
from tests.unit.maintenance.test_maintenance import NOW, START, declared

KEY = b"k" * 32
MARTA = "marta.ibanez@nubeteca.example"


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_a_window_link_names_its_person_and_expires_when_the_window_starts(plan: Plan) -> None:
    maintenance = declared(plan)
    token = token_of(approval_link("https://a.example/", KEY, maintenance, MARTA, NOW))

    claims = verify_link(token, KEY, START - timedelta(seconds=1))

    assert (claims.maintenance_id, claims.recipient, claims.step) == (maintenance.id, MARTA, None)
    with pytest.raises(MaintenanceLinkExpired):
        verify_link(token, KEY, START)


def test_a_step_link_names_its_step_and_outlives_the_start(plan: Plan) -> None:
    maintenance = declared(plan)
    token = token_of(approval_link("https://a.example", KEY, maintenance, MARTA, START, MaintenanceStep.START))

    assert verify_link(token, KEY, START + timedelta(days=6)).step == MaintenanceStep.START
    with pytest.raises(MaintenanceLinkExpired):
        verify_link(token, KEY, START + timedelta(days=7))


@pytest.mark.parametrize(
    "claims",
    [
        {"m": "MNT-1", "r": MARTA, "exp": 4_000_000_000, "s": "cancel"},
        {"m": "MNT-1", "r": MARTA},
        {"m": 7, "r": MARTA, "exp": 4_000_000_000},
    ],
)
def test_a_link_whose_claims_are_not_a_maintenance_links_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(SignatureRejected):
        verify_link(sign_claims(claims, KEY, LINK_CONTEXT), KEY, NOW)


def test_a_link_signed_for_another_purpose_or_key_is_refused(plan: Plan) -> None:
    claims = {"m": "MNT-1", "r": MARTA, "exp": 4_000_000_000}
    token = token_of(approval_link("https://a.example", KEY, declared(plan), MARTA, NOW))

    with pytest.raises(SignatureRejected):
        verify_link(sign_claims(claims, KEY, b"incident-comms/console/v1"), KEY, NOW)
    with pytest.raises(SignatureRejected):
        verify_link(token, b"o" * 32, NOW)
