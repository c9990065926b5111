"""A visitor's report becomes a published record, then a correction changes it, in Chromium.

The visitor's text holds a <script> element and an <img onerror> attribute: no dialog may open on any
page of the test (each page of the browser context fails the test if one does). A contributor signs in,
accepts the report into the curated dataset, and Explore shows the record with its history; a
correction filed from the record's detail changes one field, and the history then names both reports.
The app runs on its own copy of the curated dataset, with its reports in that copy's SQLite file.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Error as PlaywrightError
from support import SHOTS, contributor_run_dir, start_streamlit, stop_streamlit

from dashboard import store
from dashboard.explore.record_history import record_history

PASSWORD = "correct horse battery"
DATASET = "reported-2025-2026"
HOSTILE = "Agents boxed in a car. <script>alert(1)</script> <img src=x onerror=alert(1)>"
LINK = "https://example.org/video/1"
WAIT = 90000


@pytest.fixture
def app(reported_root, tmp_path):
    root = tmp_path / "datasets"
    shutil.copytree(reported_root, root)
    cwd = contributor_run_dir(tmp_path, PASSWORD)
    proc, base = start_streamlit(root, {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}, cwd=cwd)
    yield root, base
    stop_streamlit(proc)


def _no_dialogs(context) -> list[str]:
    """Every page of the context, now and later (a link opened in a new tab), records any dialog."""
    opened: list[str] = []

    def watch(pg):
        pg.on("dialog", lambda d: (opened.append(f"{pg.url}: {d.message}"), d.dismiss()))

    for pg in context.pages:
        watch(pg)
    context.on("page", watch)
    return opened


def _settled(pg) -> None:
    """The script run has finished: no running indicator, no element still loading."""
    pg.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSkeleton"]\')',
        timeout=WAIT,
    )


def _scroll_to(pg, locator) -> None:
    """Scroll an element into view; Explore's second run may redraw the dialog meanwhile, then again."""
    for attempt in range(3):
        try:
            locator.scroll_into_view_if_needed(timeout=WAIT)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            _settled(pg)


def _file_report(pg, base: str) -> str:
    pg.goto(base + "/report")
    send = pg.get_by_role("button", name="Send the report")
    send.wait_for(timeout=WAIT)
    pg.get_by_role("spinbutton", name="year, When start date").click()
    pg.keyboard.type("20250602")  # the day: year, month and day, as a person types them
    pg.get_by_role("textbox", name="City or town").fill("Minneapolis")
    pg.get_by_role("combobox", name="State").click()
    pg.keyboard.type("Minnesota")
    pg.keyboard.press("Enter")
    pg.get_by_role("textbox", name="What happened").fill(HOSTILE)
    pg.get_by_role("textbox", name="Links to videos, photos or reports").fill(LINK)
    pg.get_by_role("textbox", name="Your contact (optional, never shown)").fill("witness@example.org")
    # the bots' field is on the page but neither seen nor announced
    assert pg.get_by_label("Leave this field empty").count() == 1
    assert not pg.get_by_label("Leave this field empty").is_visible()
    assert pg.get_by_role("textbox", name="Leave this field empty").count() == 0
    send.click()
    done = pg.get_by_text(re.compile(r"Its reference is R-\d{6}\."))
    done.wait_for(timeout=WAIT)
    return re.search(r"R-\d{6}", done.inner_text()).group(0)


def _sign_in(pg, base: str) -> None:
    pg.goto(base + "/contribute")
    pg.get_by_role("textbox", name="Username").fill("alice")
    pg.get_by_role("textbox", name="Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in").click()
    pg.get_by_text("Signed in as Alice Example (alice)").wait_for(timeout=WAIT)


def _queue(pg, ref: str) -> None:
    """Open the Reports tab with `ref` chosen (the newest open report is chosen first)."""
    pg.get_by_role("tab", name="Reports from visitors").click()
    pg.get_by_role("heading", name=re.compile(ref)).wait_for(timeout=WAIT)
    _settled(pg)


def _record(pg, base: str, record_id: str):
    pg.goto(f"{base}/?dataset={DATASET}&record={record_id}")
    # Explore's first run draws a still map, then the page runs again with the charts and redraws the
    # dialog: a reader acts on the dialog once the interactive map is there and the run has finished
    pg.locator('[data-testid="stPlotlyChart"]').first.wait_for(state="attached", timeout=WAIT)
    _settled(pg)
    dialog = pg.get_by_role("dialog")
    dialog.get_by_text("History", exact=True).wait_for(timeout=WAIT)
    return dialog


def test_a_report_becomes_a_record_and_a_correction_changes_it(browser, app):
    root, base = app
    visitor = browser.new_context(viewport={"width": 1280, "height": 1100})
    contributor = browser.new_context(viewport={"width": 1280, "height": 1400})
    dialogs = _no_dialogs(visitor)
    contributor_dialogs = _no_dialogs(contributor)
    pg, staff = visitor.new_page(), contributor.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        ref = _file_report(pg, base)

        _sign_in(staff, base)
        _queue(staff, ref)
        assert staff.get_by_test_id("stText").get_by_text(HOSTILE, exact=True).count() == 1  # the words, as text
        assert staff.locator('img[src="x"]').count() == 0
        assert staff.locator("script", has_text="alert(1)").count() == 0
        staff.get_by_role("button", name="Show the reporter's contact").click()
        staff.get_by_text("Contact (never public): witness@example.org").wait_for(timeout=WAIT)
        _settled(staff)
        staff.screenshot(path=str(SHOTS / "report-queue.png"), timeout=WAIT)
        publish = staff.get_by_role("button", name=f"Publish a new record in {DATASET}")
        publish.click()
        staff.get_by_text(f"Accepted {ref}: published as version 2 of {DATASET}").wait_for(timeout=WAIT)

        dialog = _record(pg, base, ref)
        assert dialog.get_by_test_id("stText").get_by_text(HOSTILE, exact=True).count() == 1
        added = dialog.get_by_text(re.compile(rf"^Added in version 2 \(\d{{4}}-\d\d-\d\d\) after report {ref}$"))
        assert added.count() == 1

        # The correction, from the record's detail: its form opens in a new tab, prefilled with the record.
        with visitor.expect_page() as opened:
            dialog.get_by_role("link", name="Report a correction").click()
        form = opened.value
        form.get_by_text(f"Record {ref} of {DATASET}:").wait_for(timeout=WAIT)
        form.get_by_role("combobox", name="Which field is wrong?").click()
        form.keyboard.type("people affected")
        form.keyboard.press("Enter")
        form.get_by_role("textbox", name="What is wrong, and what is right?").fill("Three people were held <b>x</b>.")
        form.get_by_role("textbox", name="A source that shows it").fill("https://example.org/news/2")
        form.get_by_role("button", name="Send the correction").click()
        sent = form.get_by_text(re.compile(r"Its reference is R-\d{6}\."))
        sent.wait_for(timeout=WAIT)
        correction = re.search(r"R-\d{6}", sent.inner_text()).group(0)

        staff.get_by_role("link", name="Contribute").click()  # the page again, in the same signed-in session
        _queue(staff, correction)
        staff.get_by_test_id("stText").get_by_text("Three people were held <b>x</b>.", exact=True).wait_for(
            timeout=WAIT
        )
        value = staff.get_by_role("textbox", name="Corrected people affected")
        value.fill("3")
        value.press("Enter")
        staff.get_by_role("button", name=f"Publish the corrected people affected of {ref} in {DATASET}").click()
        staff.get_by_text(f"Accepted {correction}: published as version 3 of {DATASET}").wait_for(timeout=WAIT)

        dialog = _record(pg, base, ref)
        dialog.get_by_text(
            re.compile(rf"^Changed in version 3 \(\d{{4}}-\d\d-\d\d\) after report {correction}: .*people affected")
        ).wait_for(timeout=WAIT)
        assert dialog.get_by_text(re.compile(rf"^Added in version 2 .* after report {ref}$")).count() == 1
        _settled(pg)
        dialog.get_by_text(re.compile(rf"^Changed in version 3 .*{correction}")).wait_for(timeout=WAIT)
        _scroll_to(pg, dialog.get_by_role("link", name="Report a correction"))
        pg.screenshot(path=str(SHOTS / "report-record-history.png"), timeout=WAIT)  # what a reader sees
    finally:
        visitor.close()
        contributor.close()

    assert [e["change"] for e in record_history(root, DATASET, ref)] == ["added", "changed"]
    assert store.load_records(root, DATASET).set_index("encounter_id").loc[ref, "people_affected"] == 3
    assert dialogs == [] and contributor_dialogs == []
