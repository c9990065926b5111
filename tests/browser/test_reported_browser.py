"""The curated dataset of reported encounters in Debian's Chromium: the front page a visitor opens
first, and the timeline's labelled lines at the start of each named operation."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from support import screenshot, wait_for_app

from dashboard import store

pytestmark = pytest.mark.browser

NAME = "reported-2025-2026"
TIMELINE = "Encounters per period by force level"  # the chart's alt text (its aria-label)


def timeline_drawn(page, labels: int) -> None:
    """Wait until plotly has drawn the timeline's bars and `labels` operation labels."""
    page.wait_for_function(
        """n => [...document.querySelectorAll('.js-plotly-plot')].some(p =>
               p.querySelectorAll('.barlayer .point').length > 0
               && p.querySelectorAll('.annotation-text').length >= n)""",
        arg=labels,
        timeout=90000,
    )


def test_front_page_is_the_curated_dataset_without_a_demo_banner(reported_server, reported_root, page):
    page.goto(reported_server + "/")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetricValue"]')
    total = len(store.load_records(reported_root, NAME))
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == f"{total:,}"
    assert "Demonstration data" not in page.locator('[data-testid="stMain"]').inner_text()
    assert "compilation of reported encounters" in page.locator('[data-testid="stMain"]').inner_text()


def test_timeline_marks_each_operation_with_a_labelled_line(reported_server, page):
    wanted = ["Operation Midway Blitz", "Operation Charlotte's Web", "Operation Metro Surge"]
    query = urlencode([("operation", w) for w in wanted])
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(reported_server + "/?" + query)
    wait_for_app(page)
    timeline_drawn(page, len(wanted))
    chart = page.locator(".js-plotly-plot").filter(has=page.locator(".barlayer .point")).first
    chart.scroll_into_view_if_needed()
    labels = chart.locator(".annotation-text").all_text_contents()  # SVG text: no innerText
    assert {w.removeprefix("Operation ") for w in wanted} <= set(labels)
    assert "coverage changes" in labels  # the dataset's break of 13 February 2026 falls in this range
    dotted = chart.locator('.shapelayer path[style*="stroke-dasharray"]')
    assert dotted.count() >= len(wanted)  # a dotted line per operation (and a dash-dot one per coverage break)
    path = screenshot(page, "reported-timeline-operations", full_page=False)
    chart.screenshot(path=str(path.with_name("reported-timeline-chart.png")))
