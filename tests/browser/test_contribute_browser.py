"""The contributor's whole flow in Chromium: sign in, upload, read the report, preview, publish.

The app runs from a temporary directory holding `.streamlit/secrets.toml` (a contributor) and the
repo's `.streamlit/config.toml`, on its own copy of the demo dataset. A second server on the same
data directory, started before the publish, shows the new version without a restart.
"""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd
import pytest
from support import REPO, contributor_run_dir, screenshot, start_streamlit, stop_streamlit, wait_for_app

from dashboard import store

PASSWORD = "correct horse battery"
DEMO_CSV = REPO / "data" / "sources" / "demo" / "encounters.csv"


@pytest.fixture
def setup(demo_root, tmp_path):
    root = tmp_path / "datasets"
    shutil.copytree(demo_root, root)
    cwd = contributor_run_dir(tmp_path, PASSWORD)
    # No file watcher: an edit to the source during the test would put a "File change" prompt in the
    # status widget, which wait_for_app reads as "still running".
    quiet = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    contributor, base = start_streamlit(root, quiet, cwd=cwd)
    visitor, other = start_streamlit(root, quiet)  # a second process, without secrets: a visitor's server
    yield root, base, other
    stop_streamlit(contributor)
    stop_streamlit(visitor)


def _files(tmp_path):
    src = pd.read_csv(DEMO_CSV, dtype=str, keep_default_na=False)
    broken = src.head(6).copy()
    broken.loc[0, "date"] = "2025-13-45"
    broken.loc[1, "state"] = "=1+2"  # a formula: the downloaded report must neutralise it
    broken.loc[3, "agencies"] = "Space Force"
    refresh = src[~src["encounter_id"].isin(["DEMO-00001", "DEMO-00002"])].copy()
    refresh.loc[refresh["encounter_id"] == "DEMO-00010", "city"] = "Duluth"
    extra = refresh.iloc[100:103].copy()
    extra["encounter_id"] = ["DEMO-09001", "DEMO-09002", "DEMO-09003"]
    refresh = pd.concat([refresh, extra])
    paths = {"broken": tmp_path / "broken.csv", "refresh": tmp_path / "refresh.csv"}
    broken.to_csv(paths["broken"], index=False)
    refresh.to_csv(paths["refresh"], index=False)
    return paths


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True))
    return box.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def _wait_metric(page, label: str, value: str, timeout: int = 90000) -> None:
    """Wait until the metric `label` shows `value` (a rerun replaces stale elements one by one)."""
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m =>
            m.querySelector('[data-testid=stMetricLabel]')?.innerText.trim() === label &&
            m.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === value)""",
        arg=[label, value],
        timeout=timeout,
    )


def _tall_screenshot(page, name: str, height: int = 2400) -> None:
    """Streamlit scrolls inside its main block, so a full-page screenshot is the viewport: make it tall."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(700)
    screenshot(page, name, full_page=False)
    page.set_viewport_size(size)


def _explore_count(page, base: str) -> str:
    page.goto(base + "/explore")
    wait_for_app(page)
    return _metric(page, "Encounters")


def test_contributor_flow_in_chromium(setup, page, tmp_path):
    try:
        _flow(setup, page, tmp_path)
    except Exception as exc:
        screenshot(page, "contribute-failure")  # what the page showed when the test failed
        raise AssertionError(f"failed on {page.url}") from exc


def _flow(setup, page, tmp_path):
    root, base, other = setup
    files = _files(tmp_path)
    assert _explore_count(page, other) == "2,000"  # the second server has loaded version 1

    # Signed out, the page's URL shows the sign-in and nothing that uploads.
    page.goto(base + "/contribute")
    page.get_by_role("textbox", name="Username").wait_for(timeout=60000)
    wait_for_app(page)
    assert page.locator('input[type="file"]').count() == 0
    screenshot(page, "contribute-1-sign-in")

    page.get_by_role("textbox", name="Username").fill("alice")
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Wrong username or password.").wait_for(timeout=30000)
    page.get_by_role("textbox", name="Username").fill("alice")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as Alice Example (alice)").wait_for(timeout=30000)
    wait_for_app(page)
    assert page.url.endswith("/contribute")
    assert page.get_by_role("heading", name="Contribute").count() >= 1

    # An invalid file: its report, filterable and downloadable.
    page.locator('input[type="file"]').set_input_files(str(files["broken"]))
    _wait_metric(page, "Rows in", "6")
    _wait_metric(page, "Removed", "1,997")
    wait_for_app(page)
    assert (_metric(page, "Valid"), _metric(page, "Invalid")) == ("3", "3")
    _tall_screenshot(page, "contribute-2-report")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download these problems (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8"), newline="")))
    assert {(r["row"], r["column"]) for r in rows} == {("2", "date"), ("3", "state"), ("5", "agencies")}
    assert next(r["value"] for r in rows if r["column"] == "state") == "'=1+2"

    # A valid refresh: the preview, then publish.
    page.locator('input[type="file"]').set_input_files(str(files["refresh"]))
    _wait_metric(page, "Rows in", "2,001")
    _wait_metric(page, "Removed", "2")
    wait_for_app(page)
    assert (_metric(page, "Added"), _metric(page, "Invalid")) == ("3", "0")
    page.get_by_text("Records changed (").first.wait_for()
    page.get_by_text("Records removed (2)").wait_for()
    _tall_screenshot(page, "contribute-3-preview")
    page.get_by_text("I have read the report and the preview").click()
    wait_for_app(page)
    page.get_by_role("button", name="Publish version 2 of demo").click()
    page.get_by_text("Published version 2 of demo").wait_for(timeout=60000)
    wait_for_app(page)
    _tall_screenshot(page, "contribute-4-published")
    page.get_by_role("tab", name="History and rollback").click()
    page.wait_for_timeout(500)
    _tall_screenshot(page, "contribute-5-history", 1300)
    page.get_by_role("tab", name="Audit log").click()
    page.wait_for_timeout(500)
    _tall_screenshot(page, "contribute-6-audit", 1300)
    page.get_by_role("tab", name="Upload and publish").click()

    entry = store.read_audit(root, "demo")[-1]
    assert (entry["result"], entry["published_by"], entry["input_file"]) == ("published", "alice", "refresh.csv")

    # The other server, never restarted, shows the new version (in another tab: this one keeps its session).
    visitor = page.context.new_page()
    assert _explore_count(visitor, other) == "2,001"
    screenshot(visitor, "contribute-7-second-server-explore", full_page=False)
    visitor.close()

    # Through the navigation (same session): Explore shows it too, then back to Contribute and sign out.
    page.get_by_role("link", name="Explore").first.click()
    _wait_metric(page, "Encounters", "2,001")
    page.get_by_role("link", name="Contribute").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Username").wait_for(timeout=30000)
    wait_for_app(page)
    assert page.url.endswith("/contribute")
    assert page.locator('input[type="file"]').count() == 0
    assert page.get_by_role("link", name="Contribute").count() == 0
