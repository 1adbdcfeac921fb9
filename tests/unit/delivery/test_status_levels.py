"""Issue 18: outage levels customers know (per component, in words and AA colours), a banner that names what is
affected, a page per incident, 90 days of uptime, pages that stay fresh without script."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.levels import Span, uptime_days, uptime_percent
from incident_comms.incidents.facts import FactsError, IncidentFacts, set_facts
from incident_comms.plan.models import OutageLevel, Phase, Plan
from tests.unit.delivery.test_statuspage import (
    NOW,
    OPENED,
    Outline,
    components,
    document,
    incident,
    message,
    page,
    published,
    resolved_incident,
)

MADRID = ZoneInfo("Europe/Madrid")


def with_levels(plan: Plan, owner_id: str = "INC-1", severity: str = "SEV1", **levels: str) -> object:
    owner = incident(plan, incident_id=owner_id, severity=severity)
    facts = IncidentFacts(
        components=list(levels) or [], component_levels={c: OutageLevel(v) for c, v in levels.items()}
    )
    return owner.model_copy(update={"facts": facts})


@pytest.mark.parametrize(
    ("severity", "level", "words_es", "words_en"),
    [
        ("SEV1", "major_outage", "Interrupción grave", "Major outage"),
        ("SEV2", "partial_outage", "Interrupción parcial", "Partial outage"),
        ("SEV3", "degraded_performance", "Rendimiento degradado", "Degraded performance"),
    ],
)
def test_each_severity_puts_its_component_at_the_plans_level_in_words(
    plan: Plan, severity: str, level: str, words_es: str, words_en: str
) -> None:
    owner = incident(plan, severity=severity)
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), OPENED))], NOW)

    assert components(site)["api"]["level"] == level
    assert components(site, "api/v2/components.json")["api"]["status"] == level
    for path, words in (("index.html", words_es), ("en/index.html", words_en)):
        html = page(site, path)
        assert re.search(rf'<span class="status level-{level}"><a href="#incident-INC-1">{words}</a></span>', html)


def test_a_responder_sets_levels_per_component_and_the_banner_names_them_worst_level_first(plan: Plan) -> None:
    owner = with_levels(plan, api="partial_outage", invoicing="partial_outage", web="degraded_performance")
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), OPENED))], NOW)

    levels = {c: components(site)[c]["level"] for c in ("api", "invoicing", "storage", "web")}
    assert levels == {
        "api": "partial_outage",
        "invoicing": "partial_outage",
        "storage": "operational",
        "web": "degraded_performance",
    }
    assert (
        'class="banner level-partial_outage" role="status">Interrupción parcial: API pública, Facturación. '
        "Rendimiento degradado: Aplicación web.</p>" in page(site)
    )
    assert "Partial outage: Public API, Invoicing. Degraded performance: Web app." in page(site, "en/index.html")
    assert document(site, "api/v2/status.json")["status"]["indicator"] == "major"
    (shown,) = document(site, "api/v2/incidents/unresolved.json")["incidents"]
    assert shown["impact"] == "major"
    assert [c["id"] for c in shown["components"]] == ["api", "invoicing", "web"]


def test_a_component_set_operational_is_not_affected_and_the_worst_of_two_incidents_wins(plan: Plan) -> None:
    first = with_levels(plan, "INC-1", api="operational", storage="degraded_performance")
    second = with_levels(plan, "INC-2", "SEV2", storage="major_outage")
    site = build_site(
        plan,
        [
            published(first, (message(plan, first, "m-1"), OPENED)),
            published(second, (message(plan, second, "m-2"), OPENED)),
        ],
        NOW,
    )

    assert components(site)["api"]["level"] == "operational"
    assert (components(site)["storage"]["level"], components(site)["storage"]["incident_id"]) == (
        "major_outage",
        "INC-2",
    )


def test_a_resolved_incident_returns_its_components_to_operational(plan: Plan) -> None:
    site = build_site(plan, [resolved_incident(plan, "INC-old", NOW - timedelta(hours=1), component="web")], NOW)

    assert {c["level"] for c in components(site).values()} == {"operational"}
    assert document(site, "api/v2/status.json")["status"] == {
        "indicator": "none",
        "description": "Todos los sistemas funcionan con normalidad",
    }
    assert 'class="banner level-operational" role="status">Todos los servicios funcionan con normalidad.' in page(site)
    assert '<meta http-equiv="refresh"' not in page(site)


def test_facts_refuse_a_level_for_an_unknown_component_or_maintenance_and_change_nothing(plan: Plan) -> None:
    current = IncidentFacts()
    with pytest.raises(FactsError) as refused:
        set_facts(current, {"component_levels": {"nope": "major_outage", "api": "under_maintenance"}}, plan)

    assert "nope is not a component of the plan" in refused.value.problems
    assert any(
        problem.startswith("api: an incident cannot set under_maintenance") for problem in refused.value.problems
    )
    assert set_facts(current, {"component_levels": {"api": "partial_outage"}}, plan).component_levels == {
        "api": OutageLevel.PARTIAL_OUTAGE
    }


def test_a_severity_the_plan_sets_no_level_for_reads_its_rank(plan: Plan) -> None:
    severities = [s.model_copy(update={"outage_level": None}) for s in plan.definition.severities]
    definition = plan.definition.model_copy(update={"severities": severities})

    assert [definition.outage_level(s.id) for s in severities] == [
        OutageLevel.MAJOR_OUTAGE,
        OutageLevel.PARTIAL_OUTAGE,
        OutageLevel.DEGRADED_PERFORMANCE,
    ]
    assert definition.outage_level("SEV9") == OutageLevel.DEGRADED_PERFORMANCE


# --- colours ---------------------------------------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_level_colour_meets_contrast_aa_on_white_and_on_its_banner(plan: Plan) -> None:
    css = page(build_site(plan, [], NOW))
    for level in OutageLevel:
        text = re.search(
            rf"\.status\.level-{level.value}, \.banner\.level-{level.value} {{ color: (#[0-9a-f]{{6}}); }}", css
        )
        banner = re.search(rf"\.banner\.level-{level.value} {{ background: (#[0-9a-f]{{6}}); }}", css)
        assert text and banner, level
        assert contrast(text.group(1), "#ffffff") >= 4.5, level
        assert contrast(text.group(1), banner.group(1)) >= 4.5, level
    assert ".status a { color: inherit; }" in css  # the link colour never overrides the level's


# --- uptime ----------------------------------------------------------------------------------------------------------


def test_uptime_counts_a_major_minute_whole_a_partial_one_at_thirty_percent_and_overlaps_once() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    yesterday = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    spans = [
        Span(yesterday, yesterday + timedelta(hours=1), OutageLevel.MAJOR_OUTAGE),
        Span(yesterday + timedelta(minutes=30), yesterday + timedelta(hours=2), OutageLevel.PARTIAL_OUTAGE),
        Span(
            now - timedelta(days=3), now - timedelta(days=3) + timedelta(minutes=20), OutageLevel.DEGRADED_PERFORMANCE
        ),
    ]

    days = uptime_days(spans, now, MADRID)

    assert len(days) == 90
    assert days[-1].day == datetime(2026, 11, 22, tzinfo=MADRID)
    assert days[-2].minutes == {OutageLevel.MAJOR_OUTAGE: 60, OutageLevel.PARTIAL_OUTAGE: 60}
    assert days[-2].level == OutageLevel.MAJOR_OUTAGE
    assert days[-4].minutes == {OutageLevel.DEGRADED_PERFORMANCE: 20}
    total = (now - days[0].day).total_seconds() / 60
    assert uptime_percent(days, now) == pytest.approx(100 * (1 - (60 + 0.3 * 60) / total))


def test_a_day_that_changes_clocks_is_one_local_day() -> None:
    now = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    days = uptime_days([], now, MADRID, days=3)

    assert [d.day.isoformat() for d in days] == [
        "2026-10-24T00:00:00+02:00",
        "2026-10-25T00:00:00+02:00",
        "2026-10-26T00:00:00+01:00",
    ]


def test_the_uptime_bars_have_a_text_alternative_with_the_minutes_of_each_level(plan: Plan) -> None:
    site = build_site(plan, [resolved_incident(plan, "INC-old", NOW - timedelta(days=2), component="web")], NOW)
    html = page(site)
    bars = re.search(r'<li id="component-web">.*?</li>\n</ul>\n</details>', html, re.S)

    assert bars is not None
    assert bars.group(0).count('<span class="day ') == 90
    assert 'aria-hidden="true"' in bars.group(0)
    assert "20/11/2026: 60 min de interrupción grave" in bars.group(0)
    assert "99,95 % de disponibilidad" in bars.group(0)
    assert "2026-11-20: 60 min of major outage" in page(site, "en/index.html")


# --- freshness and times ---------------------------------------------------------------------------------------------


def test_an_open_incident_says_since_when_and_never_a_frozen_duration(plan: Plan) -> None:
    owner = incident(plan)
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), OPENED))], NOW)

    for path in ("index.html", "incidents/INC-1.html"):
        html = page(site, path)
        assert '<meta http-equiv="refresh" content="60">' in html
        assert not re.search(r"(?<![0-9])0 min", html)
        assert "desde el <time" in html and ", en curso" in html
    # the audience's zone, and UTC beside it
    assert "22 de noviembre, 11:15 CET (10:15 UTC)" in page(site)


# --- the incident's own page -----------------------------------------------------------------------------------------


def test_each_incident_has_its_own_page_in_each_locale_linked_from_the_index_and_the_json(plan: Plan) -> None:
    owner = incident(plan)
    first = message(plan, owner, "m-1", title="Nubeteca: Looking into it")
    second = message(plan, owner, "m-2", Phase.IDENTIFIED)
    site = build_site(plan, [published(owner, (first, OPENED), (second, OPENED + timedelta(minutes=30)))], NOW)

    html = page(site, "incidents/INC-1.html")
    title = re.search(r"<h1>(.*?)</h1>", html)
    assert title is not None
    assert (
        title.group(1)
        == "Las integraciones que usan la API de Nubeteca pueden recibir errores y dejar de sincronizar facturas y "
        "archivos"
    )
    assert "Nubeteca: Looking into it" not in html  # never an email subject
    assert html.index("Text of m-2 (es, status-page)") < html.index("Text of m-1 (es, status-page)")
    assert "Causa identificada" in html and "API pública: <span" in html
    links = {link["href"] for link in Outline(html).links}
    assert {"../index.html", "../en/incidents/INC-1.html"} <= links
    en = page(site, "en/incidents/INC-1.html")
    assert '<html lang="en">' in en and "../../incidents/INC-1.html" in en and "../index.html" in en
    assert page(site).count("Las integraciones que usan la API de Nubeteca pueden recibir errores") == 1
    assert 'href="incidents/INC-1.html"' in page(site)
    assert document(site)["incidents"][0]["url"] == "https://estado.nubeteca.example/incidents/INC-1.html"


def test_a_resolved_incidents_page_shows_the_window_the_postmortem_and_no_refresh(plan: Plan) -> None:
    record = resolved_incident(plan, "INC-old", NOW - timedelta(days=1), component="web")
    owner = record.incident
    postmortem = message(plan, owner, "INC-old-postmortem", Phase.POSTMORTEM, text="Root cause and actions")
    record = published(
        owner, *zip(record.messages, [p.requested_at for p in record.publications], strict=True), (postmortem, NOW)
    )
    site = build_site(plan, [record], NOW)

    html = page(site, "incidents/INC-old.html")
    assert '<meta http-equiv="refresh"' not in html
    assert "21 de noviembre, 12:15 CET (11:15 UTC)</time> – <time" in html and "(1 h 00 min)" in html
    assert html.index('id="postmortem"') < html.index('id="updates"')
    assert html.count("Root cause and actions (es, status-page)") == 1
    assert "Web app: " not in html and 'Aplicación web: <span class="status level-operational">Operativo' in html
    (shown,) = document(site, "api/v2/incidents.json")["incidents"]
    assert (shown["status"], shown["impact"]) == ("postmortem", "critical")
