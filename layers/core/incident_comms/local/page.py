"""``GET /local/``: one page for people — incidents with their timelines, the outbox, the clock."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("incident_comms.local", "templates"), autoescape=select_autoescape(default=True)
    )
    return environment.get_template("page.html.j2")


def render_page(now: datetime, incidents: list[dict[str, Any]], outbox: list[dict[str, Any]]) -> str:
    """Everything escaped: alarm names and drafts are untrusted text; emails show in a sandboxed frame."""
    emails = [item for item in outbox if item.get("kind") == "email"]
    published = [item for item in outbox if item.get("kind") != "email"]
    return _template().render(now=now, incidents=incidents, emails=emails, published=published)
