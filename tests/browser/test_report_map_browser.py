"""A visitor places a report on the Report page's offline map, in Chromium: the state's map, a click
that zooms in, a click that picks the point; the point is marked, the coordinates are filled, and the
stored report holds exactly those coordinates. Then the same with a city named first, on a phone.

The app runs on the demonstration data, its reports in a SQLite file of the test's own.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support import SHOTS, start_streamlit, stop_streamlit
from test_accessibility import axe_violations

from dashboard.reports import open_reports, place_grid

WAIT = 90000
MARK = "rgb(192, 57, 43)"  # point_map.MARK, as the browser writes it


@pytest.fixture
def app(demo_root, tmp_path):
    database = tmp_path / "reports.sqlite3"
    proc, base = start_streamlit(demo_root, {"ENCOUNTERS_DATABASE_URL": f"sqlite:///{database}"})
    yield base, database
    stop_streamlit(proc)


def _settled(pg) -> None:
    """The script run has finished: no running indicator, no element still loading."""
    pg.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidget"], [data-testid="stSkeleton"]\')',
        timeout=WAIT,
    )


def _choose_state(pg, name: str) -> None:
    pg.get_by_role("combobox", name="State").click()
    pg.keyboard.type(name)
    pg.keyboard.press("Enter")


def _chart_key(pg) -> str:
    """The key of the map chart on the page now: every click draws a new chart (report_map_<n>)."""
    chart = pg.locator('[class*="st-key-report_map_"]:has([data-testid="stPlotlyChart"] .nsewdrag)')
    chart.first.wait_for(timeout=WAIT)
    return re.search(r"st-key-report_map_\d+", chart.first.get_attribute("class")).group(0)


def _click_map(pg, fx: float, fy: float, says: str) -> None:
    """Point at a spot of the map (fx, fy: fractions of its width and height) until the dot's hover text
    that a person reads first shows ("Click to zoom in near ..."), click there, and wait for the map the
    click draws (the map changes: a closer view, or the point marked)."""
    before = _chart_key(pg)
    area = pg.locator(f".{before} .nsewdrag").first
    box = area.bounding_box()
    x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
    label = pg.locator(f".{before} .hoverlayer").get_by_text(re.compile(says)).first
    for step in range(20):  # a person moves the mouse a little until the label shows
        pg.mouse.move(x + step % 3, y)
        try:
            label.wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            if step == 19:
                raise
    pg.mouse.click(x + step % 3, y)
    pg.locator(f'[class*="st-key-report_map_"]:not(.{before}) .nsewdrag').first.wait_for(timeout=WAIT)
    _settled(pg)


def _marked(pg) -> None:
    """The picked point is drawn: a red marker on the map."""
    pg.locator(f'[data-testid="stPlotlyChart"] path.point[style*="{MARK}"]').wait_for(timeout=WAIT)


def _filled_point(pg) -> tuple[float, float]:
    """The coordinates the page shows, once filled (the caption under them says the same)."""
    caption = pg.get_by_text(re.compile(r"^The point: -?\d+\.\d{5}, -?\d+\.\d{5}, rounded to about 500 m\.$"))
    caption.wait_for(timeout=WAIT)
    lat = float(pg.get_by_role("spinbutton", name="Latitude").input_value())
    lon = float(pg.get_by_role("spinbutton", name="Longitude").input_value())
    assert caption.inner_text() == f"The point: {lat:.5f}, {lon:.5f}, rounded to about 500 m."
    return lat, lon


def _send(pg, what: str) -> str:
    pg.get_by_role("spinbutton", name="year, When start date").click()
    pg.keyboard.type("20250602")
    pg.get_by_role("textbox", name="What happened").fill(what)
    pg.get_by_role("button", name="Send the report").click()
    done = pg.get_by_text(re.compile(r"Its reference is R-\d{6}\."))
    done.wait_for(timeout=WAIT)
    return re.search(r"R-\d{6}", done.inner_text()).group(0)


def _stored(database, ref: str, monkeypatch) -> tuple[float, float]:
    monkeypatch.setenv("ENCOUNTERS_DATABASE_URL", f"sqlite:///{database}")
    reports = open_reports(database.parent)
    try:
        report = reports.get(ref)
    finally:
        reports.close()
    return report.latitude, report.longitude


def test_a_visitor_zooms_in_on_the_state_map_and_picks_the_point(browser, app, monkeypatch):
    base, database = app
    pg = browser.new_page(viewport={"width": 1280, "height": 1400})
    try:
        pg.goto(base + "/report")
        pg.get_by_role("button", name="Send the report").wait_for(timeout=WAIT)
        _choose_state(pg, "Minnesota")
        _settled(pg)
        # Minnesota's map: its dots zoom in (an area view), whose dots zoom in again (a 20 km view)
        _click_map(pg, 0.55, 0.75, "Click to zoom in near")
        pg.get_by_role("button", name="Show all of Minnesota").wait_for(timeout=WAIT)
        _click_map(pg, 0.5, 0.5, "Click to zoom in near")
        _click_map(pg, 0.45, 0.55, "Click to put the point here, near")
        _marked(pg)
        lat, lon = _filled_point(pg)
        assert place_grid.snap(lat, lon, 500) == (lat, lon)  # a point of the 500 m grid
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / "report-map-zoomed.png"))
        assert axe_violations(pg) == []  # no serious or critical accessibility problem with the map shown
        ref = _send(pg, "Agents stopped two men at a bus stop.")
    finally:
        pg.close()
    assert _stored(database, ref, monkeypatch) == (lat, lon)


def test_on_a_phone_the_city_opens_its_map_and_a_tap_picks_the_point(browser, app, monkeypatch):
    base, database = app
    context = browser.new_context(viewport={"width": 390, "height": 1600}, has_touch=True, is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto(base + "/report")
        pg.get_by_role("button", name="Send the report").wait_for(timeout=WAIT)
        _choose_state(pg, "Minnesota")
        city = pg.get_by_role("textbox", name="City or town")
        city.fill("Minneapolis")
        city.press("Enter")
        # the map of the city: its name is printed on it
        pg.locator('[data-testid="stPlotlyChart"] text', has_text="Minneapolis").wait_for(timeout=WAIT)
        _settled(pg)
        _click_map(pg, 0.4, 0.55, "Click to put the point here, near")
        _marked(pg)
        lat, lon = _filled_point(pg)
        assert place_grid.distance_m(lat, lon, 44.983473, -93.268251) < 15_000  # in the city's view
        pg.screenshot(path=str(SHOTS / "report-map-phone.png"))
        ref = _send(pg, "Agents questioned people outside a store.")
    finally:
        context.close()
    assert _stored(database, ref, monkeypatch) == (lat, lon)
