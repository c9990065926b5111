"""The app loads in a real browser and shows its first figure."""

from __future__ import annotations

from support import screenshot, wait_for_app


def test_explore_loads_in_chromium(server, page):
    page.goto(server + "/explore?state=MN")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetricLabel"]', timeout=60000)  # the title can come first
    assert page.locator('[data-testid="stMetricLabel"]').first.inner_text().strip() == "Encounters"
    screenshot(page, "smoke-explore")
