"""The status site's not-found page: one per locale, in its language, accessible (``lang``, a title), without any
script, saying nothing about incidents, and with links that work from whatever path it is answered at."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.serving import NOT_FOUND_PAGE
from incident_comms.plan.models import Plan
from tests.factories import OPENED
from tests.unit.delivery.test_statuspage import Outline, incident, message, page, published

NOW = OPENED + timedelta(hours=2)


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [
        ("404.html", "es", "Página no encontrada · Estado de Nubeteca"),
        ("en/404.html", "en", "Page not found · Nubeteca status"),
    ],
)
def test_each_locale_has_its_own_not_found_page_in_its_language(
    plan: Plan, path: str, language: str, title: str
) -> None:
    html = page(build_site(plan, [], NOW), path)
    outline = Outline(html)

    assert outline.html_lang == language
    assert f"<title>{title}</title>" in html
    assert "script" not in outline.tags
    assert not any(name.startswith("on") for link in outline.links for name in link)
    assert {"name": "robots", "content": "noindex"} in outline.meta


def test_its_links_are_absolute_so_they_work_from_any_missing_path(plan: Plan) -> None:
    site = build_site(plan, [], NOW)

    main = [link for link in Outline(page(site, NOT_FOUND_PAGE)).links if link["tag"] == "a"]
    english = [link for link in Outline(page(site, "en/404.html")).links if link["tag"] == "a"]

    assert [(link["href"], link.get("lang")) for link in main] == [
        ("https://estado.nubeteca.example/", None),
        ("https://estado.nubeteca.example/en/", "en"),
    ]
    assert [(link["href"], link.get("lang")) for link in english] == [
        ("https://estado.nubeteca.example/en/", None),
        ("https://estado.nubeteca.example/", "es"),
    ]


def test_without_a_status_page_url_its_links_start_at_the_sites_root(plan: Plan) -> None:
    organisation = plan.definition.organisation.model_copy(update={"status_page_url": None})
    bare = plan.model_copy(update={"definition": plan.definition.model_copy(update={"organisation": organisation})})

    links = Outline(page(build_site(bare, [], NOW), "en/404.html")).links

    assert [link["href"] for link in links if link["tag"] == "a"] == ["/en/", "/"]


def test_it_says_nothing_about_incidents_and_stays_the_same_bytes(plan: Plan) -> None:
    owner = incident(plan)
    busy = build_site(plan, [published(owner, (message(plan, owner, "m-1"), OPENED))], NOW)
    quiet = build_site(plan, [], NOW + timedelta(days=3))

    assert busy[NOT_FOUND_PAGE] == quiet[NOT_FOUND_PAGE]
    assert busy["en/404.html"] == quiet["en/404.html"]
    assert busy["index.html"] != quiet["index.html"]
