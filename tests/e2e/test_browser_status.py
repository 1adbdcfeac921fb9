"""Issue 18 in a real browser: the status page's levels, colours, banner, incident page and uptime bars as headless
Chromium lays them out at phone and desktop widths, with axe-core finding no violation (WCAG 2.1 A/AA and best
practice).

The pages forbid every script (their Content-Security-Policy), so each is audited as a copy without that policy
and its refresh, with axe-core and a probe inlined; the probe reads what the browser computed (colours, widths,
overflow) and writes it into the page, which ``--dump-dom`` returns. A phone is a 360 px wide frame (headless
Chromium opens no window narrower than 500 px), whose probe posts its findings to the page around it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from incident_comms.delivery.status_page.build import build_site
from incident_comms.plan.models import Plan
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack
from tests.e2e.test_browser import CHROMIUM_FLAGS
from tests.unit.delivery.test_status_levels import contrast
from tests.unit.delivery.test_statuspage_contract import busy_site

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
"""Installed by ``scripts/test.sh`` (npm, pinned)."""

PHONE, DESKTOP = 360, 1280

PROBE = """
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
.then(function (results) {
  function look(element) {
    var style = getComputedStyle(element);
    return {text: element.textContent.trim(), color: style.color, background: style.backgroundColor,
            classes: element.className};
  }
  var banner = document.querySelector('.banner');
  var found = {
    violations: results.violations.map(function (v) {
      return {id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })};
    }),
    width: window.innerWidth,
    overflow: document.documentElement.scrollWidth > window.innerWidth,
    statuses: Array.from(document.querySelectorAll('.status')).map(look),
    banner: banner ? look(banner) : null,
    bars: Array.from(document.querySelectorAll('.uptime .bars')).map(function (bars) {
      var days = Array.from(bars.children);
      return {days: days.length, narrowest: Math.min.apply(null, days.map(function (d) {
                return d.getBoundingClientRect().width; })),
              colours: days.map(function (d) { return getComputedStyle(d).backgroundColor; })};
    })
  };
  var text = JSON.stringify(found);
  if (window.parent !== window) { window.parent.postMessage(text, '*'); }
  var out = document.createElement('pre');
  out.id = 'probe-result';
  out.textContent = text;
  document.body.appendChild(out);
});
"""

PHONE_FRAME = f"""<!DOCTYPE html><html lang="en"><head><title>phone</title></head><body>
<iframe src="page.html" width="{PHONE}" height="780" title="page"></iframe>
<script>window.addEventListener('message', function (event) {{
  var out = document.createElement('pre'); out.id = 'probe-result'; out.textContent = event.data;
  document.body.appendChild(out); }});</script></body></html>"""

LEVEL_COLOURS = {
    "operational": "#166534",
    "under_maintenance": "#1e40af",
    "degraded_performance": "#854d0e",
    "partial_outage": "#9a3412",
    "major_outage": "#991b1b",
}


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.exists():
        if os.environ.get("INCIDENT_COMMS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"axe-core is required here but missing at {AXE} (python scripts/fetch_axe.py fetches it)")
        pytest.skip("axe-core not installed (scripts/test.sh fetches it: python scripts/fetch_axe.py)")
    return AXE.read_text(encoding="utf-8")


def probed(chromium: str, axe: str, html: str, width: int, folder: Path) -> dict[str, Any]:
    """What the browser computed of ``html`` at ``width`` px, and what axe-core found."""
    folder.mkdir(parents=True, exist_ok=True)
    audited = re.sub(r'<meta http-equiv="(Content-Security-Policy|refresh)"[^>]*>\n?', "", html)
    assert "Content-Security-Policy" not in audited
    (folder / "page.html").write_text(
        audited.replace("</body>", f"<script>{axe}</script><script>{PROBE}</script></body>"), encoding="utf-8"
    )
    (folder / "phone.html").write_text(PHONE_FRAME, encoding="utf-8")
    target = folder / ("phone.html" if width == PHONE else "page.html")
    result = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            "--allow-file-access-from-files",
            f"--window-size={DESKTOP},900",
            "--virtual-time-budget=30000",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', result.stdout, re.S)
    assert found is not None, result.stdout[-2000:]
    data: dict[str, Any] = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert data["width"] == width
    return data


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))


def to_hex(css: str) -> str:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def assert_readable(found: dict[str, Any]) -> None:
    assert found["violations"] == []
    assert found["overflow"] is False
    for status in found["statuses"]:
        level = re.search(r"level-(\w+)", status["classes"])
        assert level is not None
        assert status["color"] == rgb(LEVEL_COLOURS[level.group(1)]), status
        assert contrast(to_hex(status["color"]), "#ffffff") >= 4.5
    banner = found["banner"]
    assert contrast(to_hex(banner["color"]), to_hex(banner["background"])) >= 4.5


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_published_sample_reads_as_a_major_outage_of_the_api_at_every_width(
    chromium: str, axe: str, approved_sample_stack: RunningStack, tmp_path: Path, width: int
) -> None:
    index = approved_sample_stack.request("GET", "/status/").body.decode()
    (incident_page,) = set(re.findall(r'href="(incidents/INC-[\w-]+\.html)"', index))

    found = probed(chromium, axe, index, width, tmp_path / "index")
    assert_readable(found)
    assert found["banner"]["text"] == "Interrupción grave: API pública."
    assert [(s["text"], s["classes"]) for s in found["statuses"][:2]] == [
        ("Interrupción grave", "status level-major_outage"),
        ("Operativo", "status level-operational"),
    ]
    assert [bars["days"] for bars in found["bars"]] == [90, 90, 90, 90]
    assert all(bars["narrowest"] > 0 for bars in found["bars"])
    assert found["bars"][0]["colours"][-1] == "rgb(220, 38, 38)"  # today, down
    assert found["bars"][1]["colours"][-1] == "rgb(22, 163, 74)"

    page = approved_sample_stack.request("GET", f"/status/{incident_page}").body.decode()
    shown = probed(chromium, axe, page, width, tmp_path / "incident")
    assert_readable(shown)
    assert shown["banner"]["text"] == "Investigando · Interrupción grave"

    english = approved_sample_stack.request("GET", "/status/en/").body.decode()
    assert probed(chromium, axe, english, width, tmp_path / "en")["banner"]["text"] == "Major outage: Public API."


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_a_busy_page_with_history_and_levels_set_by_hand_reads_right_at_every_width(
    chromium: str, axe: str, plan: Plan, tmp_path: Path, width: int
) -> None:
    site = busy_site(plan)

    found = probed(chromium, axe, site["index.html"][0].decode(), width, tmp_path / "index")
    assert_readable(found)
    assert found["banner"]["text"] == "Interrupción grave: API pública. Rendimiento degradado: Facturación, Archivos."
    levels = {s["text"] for s in found["statuses"]}
    assert {"Interrupción grave", "Rendimiento degradado", "Operativo"} <= levels
    web = found["bars"][3]["colours"]
    assert web.count("rgb(220, 38, 38)") == 1 and web.count("rgb(22, 163, 74)") == 89  # one bad day in 90

    closed = probed(chromium, axe, site["incidents/INC-old.html"][0].decode(), width, tmp_path / "closed")
    assert_readable(closed)
    assert closed["banner"]["classes"] == "banner level-operational"


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_a_running_and_an_upcoming_maintenance_read_right_at_every_width(
    chromium: str, axe: str, plan: Plan, tmp_path: Path, width: int
) -> None:
    from datetime import timedelta

    from tests.unit.delivery.test_status_maintenance import approved
    from tests.unit.delivery.test_statuspage import NOW

    running = approved(plan, -timedelta(minutes=30)).model_copy(update={"components": ["storage"]})
    site = build_site(plan, [], NOW, maintenances=[running, approved(plan, timedelta(days=2))])

    found = probed(chromium, axe, site["index.html"][0].decode(), width, tmp_path / "index")
    assert_readable(found)
    assert found["banner"]["text"] == "En mantenimiento: Archivos."
    assert found["banner"]["classes"] == "banner level-under_maintenance"
    assert [s["text"] for s in found["statuses"]].count("En mantenimiento") == 1
    assert {"En curso", "Programado"} <= {s["text"] for s in found["statuses"]}
    assert found["bars"][2]["colours"][-1] == "rgb(37, 99, 235)"  # today, maintenance: blue, not downtime
