"""The app loads in a real browser and shows its first figure."""

from __future__ import annotations

from support import screenshot, wait_for_app


def test_explore_loads_in_chromium(server, page):
    page.goto(server + "/explore?state=MN")
    wait_for_app(page)
    # Streamlit draws elements one by one (and redraws them on a rerun): wait for the finished row.
    first_label = "() => document.querySelector('[data-testid=\"stMetricLabel\"]')?.innerText.trim() === 'Encounters'"
    page.wait_for_function(first_label, timeout=60000)
    assert page.locator('[data-testid="stMetricLabel"]').first.inner_text().strip() == "Encounters"
    screenshot(page, "smoke-explore")
