"""The Briefing page in Chromium: charts drawn, link state, the PDF download, nothing fetched from outside."""

from __future__ import annotations

import re
import subprocess
import time
from urllib.parse import parse_qs, urlparse

import pandas as pd
from support import screenshot, wait_for_app

QUERY = "area_type=district&area=Chicago+Ward+42&from=2025-07-01&to=2026-06-30"
# app.py's page icon (:material/map:) is fetched as a favicon from Google's font CDN; that is not the page's
# content, and nothing of the briefing may need a network.
FAVICON = "fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/map/"


def open_briefing(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60000)
    wait_for_app(page)


def ward_figures(demo_root) -> dict[str, str]:
    from dashboard.store import load_records

    rows = load_records(demo_root, "demo")
    rows = rows[(rows["district"].astype(str) == "Chicago Ward 42") & rows["date"].between("2025-07-01", "2026-06-30")]
    return {"Encounters": str(len(rows)), "People affected": str(int(rows["people_affected"].fillna(0).sum()))}


def test_briefing_draws_its_charts_and_keeps_its_link(server, page, demo_root):
    open_briefing(page, f"{server}/briefing?{QUERY}")
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    shown = dict(zip([x.strip() for x in labels], [v.strip() for v in values], strict=False))
    for label, value in ward_figures(demo_root).items():
        assert shown[label] == value, label
    images = page.locator('[data-testid="stImage"] img')
    assert images.count() == 7  # timeline, map and five breakdowns
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 100"), f"chart {i} not drawn"
    params = parse_qs(urlparse(page.url).query)
    assert params["area"] == ["Chicago Ward 42"] and params["from"] == ["2025-07-01"]
    page.get_by_text("Data and filters").scroll_into_view_if_needed()
    screenshot(page, "briefing-ward42", full_page=False)
    outside = [u for u in page.requested_urls if not u.startswith(server) and FAVICON not in u]
    assert not [u for u in outside if not u.startswith(("data:", "blob:"))], outside


def test_picking_another_area_rewrites_the_link(server, page):
    open_briefing(page, f"{server}/briefing?{QUERY}")
    page.locator('[data-testid="stButtonGroup"] button', has_text=re.compile("^State$")).click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('area_type') === 'state'", timeout=90000)
    wait_for_app(page)
    assert parse_qs(urlparse(page.url).query)["area"] == ["MN"]


def test_pdf_download_is_a_labelled_letter_briefing(server, page, tmp_path):
    open_briefing(page, f"{server}/briefing?{QUERY}")
    button = page.get_by_role("button", name=re.compile("PDF"))
    button.scroll_into_view_if_needed()
    started = time.perf_counter()
    with page.expect_download(timeout=90000) as info:
        button.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    elapsed = time.perf_counter() - started
    assert path.name.endswith(".pdf") and path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "DEMONSTRATION DATA" in text and "Briefing: Chicago Ward 42" in text
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "612 x 792" in pages
    print(f"PDF from the page in {elapsed:.1f} s")
    pd.Series([elapsed]).to_csv(tmp_path / "time.csv")
