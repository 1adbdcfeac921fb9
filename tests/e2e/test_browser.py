"""The page for people, opened in headless Chromium (Debian's ``chromium``), shows the waiting approval email."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.steps import state
from tests.e2e.test_approvals import published

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def rendered_dom(chromium: str, url: str, profile: Path) -> str:
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_local_page_shows_the_approval_email_in_a_browser(
    chromium: str, sample_stack: RunningStack, tmp_path: Path
) -> None:
    dom = rendered_dom(chromium, sample_stack.url + "/local/", tmp_path / "profile")

    subjects = re.findall(r'<h3 class="subject">(.*?)</h3>', dom)
    approvals = [subject for subject in subjects if "aprobación necesaria" in subject]
    assert approvals, dom[:2000]
    assert all("[SEV1]" in subject for subject in approvals)
    assert "<iframe" in dom and "sandbox" in dom, "the email body shows in a sandboxed frame"


def test_a_browser_opening_an_approval_link_sees_the_form_and_approves_nothing(
    chromium: str, sample_stack: RunningStack, tmp_path: Path
) -> None:
    outbox = sample_stack.request("GET", "/local/outbox").json()
    (email, *_) = [item for item in outbox if "aprobación necesaria" in item.get("subject", "")]
    approve = re.findall(r"https?://\S+/approvals/[A-Za-z0-9_.%-]+", email["text"])[0]
    before = sample_stack.request("GET", "/local/incidents").json()

    dom = rendered_dom(chromium, approve, tmp_path / "profile")

    assert '<form method="post"' in dom
    assert 'name="decision" value="approve"' in dom
    assert "<script" not in dom
    assert sample_stack.request("GET", "/local/incidents").json() == before


def published_title(stack: RunningStack) -> str:
    """The opening line of the sample incident's approved status page update, once it is published (the page shows
    an update as its phase, time and text; the incident's title is the impact, never a draft's subject)."""
    (incident,) = state(stack)
    after = published(stack, incident["id"])
    (message,) = [message for message in after["messages"] if message["status"] == "approved"]
    return str(next(draft["text"] for draft in message["drafts"] if draft["kind"] == "status_page")).split("\n")[0]


def test_the_status_page_renders_the_published_update_in_a_browser(
    chromium: str, approved_sample_stack: RunningStack, tmp_path: Path
) -> None:
    title = published_title(approved_sample_stack)

    dom = rendered_dom(chromium, approved_sample_stack.url + "/status/", tmp_path / "profile")

    assert title in dom
    assert "<script" not in dom
    assert 'name="viewport"' in dom


def test_the_history_by_month_is_reached_from_the_status_page_in_a_browser(
    chromium: str, approved_sample_stack: RunningStack, tmp_path: Path
) -> None:
    title = published_title(approved_sample_stack)
    status = approved_sample_stack.url + "/status/"

    page = rendered_dom(chromium, status, tmp_path / "profile")
    (listing,) = re.findall(r'href="(history/index\.html)"', page)
    months = rendered_dom(chromium, status + listing, tmp_path / "profile")
    (month,) = re.findall(r'href="(\d{4}-\d{2}\.html)"', months)
    archived = rendered_dom(chromium, status + "history/" + month, tmp_path / "profile")

    assert title in archived and "<script" not in archived
    assert 'href="../index.html"' in archived
