"""Text, HTML, SVG and PNG of a briefing: labelled as demonstration data, footnoted, and escaped."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest

from dashboard.briefing import area as areas
from dashboard.briefing import charts, output
from dashboard.briefing.compute import compute_briefing
from dashboard.briefing.document import to_html
from dashboard.briefing.period import make_periods
from dashboard.briefing.text import DEMO_LINE, permalink, to_text

PERIOD = ("2025-07-01", "2026-06-30")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> **bold** =HYPERLINK("http://evil")'


@pytest.fixture(scope="module")
def ward(demo):
    return compute_briefing(demo, areas.resolve_area(demo, "district", "Chicago Ward 42"), *make_periods(*PERIOD))


@pytest.fixture(scope="module")
def hostile(demo):
    """The demo dataset with hostile text in every record's summary, response and sources."""
    records = demo.records.copy()
    records["summary"] = HOSTILE
    records["official_response"] = HOSTILE
    records["sources"] = "javascript:alert(1) | https://example.org/a?b=1&c=<2>"
    ds = dataclasses.replace(demo, records=records)
    return compute_briefing(ds, areas.resolve_area(ds, "district", "Chicago Ward 42"), *make_periods(*PERIOD))


def test_text_is_labelled_footnoted_and_complete(ward):
    text = to_text(ward)
    assert text.startswith(DEMO_LINE) and text.rstrip().endswith(DEMO_LINE)
    assert "BRIEFING: Chicago Ward 42 (council district, Chicago wards)" in text
    assert "compared with 2024-07-01 to 2025-06-30" in text and "data as of 2026-11-28" in text and "CC0" in text
    assert "Filters in force: none besides the area and the dates" in text
    for f in ward.key:
        assert re.search(
            rf"^{re.escape(f.label)}\s+{f.now:,}\s+{f.before:,}\s+{re.escape(f.change_text())}$", text, re.M
        )
    for n, source in enumerate(ward.footnotes(), start=1):
        assert f"[{n}] {source}" in text
    first = ward.serious[0]
    assert "".join(f"[{n}]" for n in ward.footnote_numbers(first)) in text
    assert "Link to this briefing: ./briefing?dataset=demo&area_type=district&area=Chicago+Ward+42" in text


def test_permalink_uses_the_app_address_when_known(ward):
    link = permalink(ward, "https://encounters.example.org/briefing?old=1")
    assert link.startswith("https://encounters.example.org/briefing?dataset=demo&area_type=district")
    assert "from=2025-07-01&to=2026-06-30" in link and "old=1" not in link
    assert permalink(ward, "https://encounters.example.org").startswith("https://encounters.example.org/briefing?")


def test_html_escapes_record_text_and_links_only_web_addresses(hostile):
    html = to_html(hostile)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in html
    assert DEMO_LINE in html


def test_svg_charts_escape_labels_and_carry_numbers(hostile, ward):
    for svg in (charts.timeline_svg(ward), charts.breakdown_svg(ward, ward.breakdowns[0]), charts.map_svg(ward, None)):
        assert svg.startswith("<svg") and svg.endswith("</svg>")
    bars = charts.breakdown_svg(ward, ward.breakdowns[-1])
    for f in ward.breakdowns[-1].rows:
        assert f">{f.label}</text>" in bars and f">{f.now}</text>" in bars
    hostile_part = dataclasses.replace(
        ward.breakdowns[0], rows=(dataclasses.replace(ward.breakdowns[0].rows[0], label=HOSTILE),)
    )
    assert "<script>" not in charts.breakdown_svg(ward, hostile_part)


def test_standalone_charts_are_titled_as_demonstration_data(ward):
    svgs = output.chart_svgs(ward)
    assert set(svgs) == {
        "timeline",
        "map",
        "targeted_groups",
        "agencies",
        "encounter_type",
        "place_type",
        "verification",
    }
    for name, svg in svgs.items():
        assert "DEMONSTRATION DATA" in svg, name
        assert "Chicago Ward 42" in svg and "2025-07-01 to 2026-06-30" in svg and "as of 2026-11-28" in svg


def test_map_draws_the_ward_and_its_points(ward):
    shape = areas.outline(ward.area)
    svg = charts.map_svg(ward, shape, areas.context(ward.area, shape))
    assert svg.count("<path") >= 10  # the ward and its neighbours
    assert svg.count("<circle") >= len([p for p in ward.points if p[2] != "city"])


def test_png_per_chart_is_drawn_offline_with_the_label_in_red(ward, chromium):
    from PIL import Image

    pngs = output.chart_pngs(ward)
    assert set(pngs) == set(output.chart_svgs(ward))
    for name, png in pngs.items():
        image = Image.open(io.BytesIO(png)).convert("RGB")
        w, h = output._size(output.chart_svgs(ward)[name])
        assert image.size == (2 * w, 2 * h)
        top = image.crop((0, 0, image.width, 60))
        reds = sum(1 for r, g, b in top.getdata() if r > 150 and g < 60 and b < 80)
        assert reds > 200, f"{name}: no red demonstration label at the top"
        assert len(set(image.getdata())) > 20, f"{name}: the chart is blank"
