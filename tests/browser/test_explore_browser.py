"""Explore in Debian's Chromium: what only a browser shows (map drawn, URL state, downloads, phones)."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from explore.expected import expected_records
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support import SHOTS, screenshot, wait_for_app

from dashboard import store

pytestmark = pytest.mark.browser

FAVICON_HOST = "fonts.gstatic.com"


@pytest.fixture(scope="module")
def published(demo_root) -> pd.DataFrame:
    return store.load_records(demo_root, "demo")


def open_explore(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5", timeout=60000)
    page.wait_for_timeout(800)


def wait_for_markers(page, at_least: int) -> None:
    """plotly draws the markers after the chart frame appears: wait for them (a loaded CI machine is slow)."""
    script = "n => document.querySelector('.js-plotly-plot').querySelectorAll('.scatterlayer .points path').length >= n"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(script, arg=at_least, timeout=30000)


def map_chart(page):
    return page.locator(".js-plotly-plot").first


def encounters(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').first
    assert metric.locator('[data-testid="stMetricLabel"]').inner_text().strip() == "Encounters"
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def whole_page_screenshot(page, name: str):
    """Streamlit scrolls inside its main block: grow the viewport to the content to capture all of it."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(1200)
    path = screenshot(page, name)
    page.set_viewport_size(size)
    return path


def distinct_colours(path, box=None) -> int:
    from PIL import Image

    image = Image.open(path).convert("RGB")
    if box:
        image = image.crop(box)
    return len(set(image.getdata()))


def test_map_draws_points_and_boundaries(server, page):
    open_explore(page, server + "/?state=MN")
    chart = map_chart(page)
    wait_for_markers(page, 500)
    points = chart.locator(".scatterlayer .points path").count()
    lines = chart.locator(".scatterlayer .js-line").count()
    assert points >= 500, points  # Minnesota's placed demo records, one SVG path each
    assert lines >= 2  # state and county outlines
    chart.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "explore-map-points.png"
    chart.screenshot(path=str(path))
    assert distinct_colours(path) > 30  # not a blank canvas


def test_choropleth_draws_filled_areas(server, page):
    open_explore(page, server + "/?map=state")
    chart = map_chart(page)
    with contextlib.suppress(PlaywrightTimeout):  # the filled areas are drawn after the chart frame
        page.wait_for_function(
            "() => document.querySelector('.js-plotly-plot').querySelectorAll('.scatterlayer .js-fill').length >= 3",
            timeout=30000,
        )
    assert chart.locator(".scatterlayer .js-fill").count() >= 3  # colour classes of states
    assert chart.locator(".legend .traces").count() >= 3  # a legend of classes
    path = SHOTS / "explore-map-states.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(path))
    assert distinct_colours(path) > 20


def test_url_restores_filters_and_a_change_updates_the_url(server, page, published):
    open_explore(page, server + "/?state=MN&group=protester")
    state = page.locator('[data-testid="stMultiSelect"]').filter(has_text="State")
    assert "MN" in state.inner_text()
    group = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Targeted group")
    assert "protester" in group.inner_text()
    assert encounters(page) == f"{len(expected_records(published, state=['MN'], group=['protester'])):,}"

    group.locator("input").click()
    page.keyboard.type("worker")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('group=worker')", timeout=30000)
    wait_for_app(page)
    expected = expected_records(published, state=["MN"], group=["protester", "worker"])
    page.wait_for_function(
        "(n) => document.querySelector('[data-testid=stMetricValue]').innerText.trim() === n",
        arg=f"{len(expected):,}",
        timeout=30000,
    )
    assert query(page)["group"] == ["protester", "worker"] and query(page)["state"] == ["MN"]


def test_a_filter_in_a_sidebar_popover_filters_and_keeps_the_popover_open(server, page, published):
    """Agency sits in a popover (its widgets are drawn only when it opens): choosing one filters the
    page, goes into the URL, and the popover stays open for a second choice."""
    open_explore(page, server + "/?state=TX")
    page.get_by_text("Force type, agency, encounter type, verification").click()
    agency = page.locator('[data-testid="stPopoverBody"] [data-testid="stMultiSelect"]').filter(has_text="Agency")
    agency.locator("input").click()
    page.keyboard.type("Border Patrol")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('agency=Border')", timeout=30000)
    expected = expected_records(published, state=["TX"], agency=["Border Patrol"])
    page.wait_for_function(
        "(n) => document.querySelector('[data-testid=stMetricValue]').innerText.trim() === n",
        arg=f"{len(expected):,}",
        timeout=30000,
    )
    assert agency.is_visible()  # still open after the rerun
    assert query(page)["agency"] == ["Border Patrol"] and query(page)["state"] == ["TX"]


def test_csv_download_holds_exactly_the_filtered_records(server, page, published):
    open_explore(page, server + "/?state=IL&group=protester,worker")
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="Download CSV").click()
    data = pd.read_csv(info.value.path(), dtype=str, keep_default_na=False)
    expected = expected_records(published, state=["IL"], group=["protester", "worker"])
    assert len(data) == len(expected) > 0
    assert sorted(data["encounter_id"]) == sorted(expected["encounter_id"].astype(str))


def test_no_request_leaves_the_machine(server, page):
    open_explore(page, server + "/?state=MN")
    page.get_by_text("States", exact=True).click()  # the choropleth too
    wait_for_app(page)
    page.wait_for_timeout(1500)
    hosts = {urlparse(u).netloc for u in page.requested_urls if not u.startswith(("data:", "blob:"))}
    local = urlparse(server).netloc
    assert hosts == {local}, hosts


def test_favicon_does_not_leave_the_machine(server, page):
    """A ':material/...' page_icon makes Streamlit's frontend fetch the icon from fonts.gstatic.com."""
    open_explore(page, server + "/")
    assert not [u for u in page.requested_urls if FAVICON_HOST in u]


def test_map_box_selection_filters_the_table(server, page, published):
    open_explore(page, server + "/?state=IL")
    chart = map_chart(page)
    il = expected_records(published, state=["IL"])
    placed = il.dropna(subset=["latitude", "longitude"])
    wait_for_markers(page, 1)
    selected = page.get_by_text(f"Showing the {len(placed):,} records selected on the map")
    for attempt in range(2):  # a drag that lands while the page still settles is retried once
        page.evaluate("document.querySelector('.js-plotly-plot').scrollIntoView({block: 'center'})")
        page.wait_for_timeout(800)
        box = chart.locator(".nsewdrag").first.bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.03, box["y"] + box["height"] * 0.03
        x1, y1 = box["x"] + box["width"] * 0.97, box["y"] + box["height"] * 0.97
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()
        try:
            selected.wait_for(timeout=20000)
            break
        except PlaywrightTimeout:
            if attempt:
                raise
    wait_for_app(page)
    assert len(placed) < len(il)  # the selection is narrower than the filters
    caption = page.get_by_text(f"of {len(placed):,}, newest first")
    assert caption.count() == 1


def test_record_permalink_opens_the_detail(server, page, published):
    rec = published.iloc[10]
    open_explore(page, server + f"/?record={rec['encounter_id']}")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30000)
    text = dialog.inner_text()
    assert str(rec["encounter_id"]) in text and str(rec["summary"]) in text
    assert "Official response" in text and "Permalink" in text
    first_source = str(rec["sources"]).split(" | ")[0]
    link = dialog.locator(f'a[href="{first_source}"]')
    link.wait_for(timeout=30000)  # a link to the source, opened in a new tab
    assert link.get_attribute("target") == "_blank"
    screenshot(page, "explore-record", full_page=False)
    dialog.locator('button[aria-label="Close"]').click()  # the dialog's own ×: dismissing it drops ?record
    page.wait_for_function("() => !location.search.includes('record=')", timeout=30000)


def test_the_close_button_at_the_foot_of_a_record_closes_it(server, page, published):
    """The text button under the permalink closes the dialog (it used to drop ?record and stay open,
    leaving the page behind it unusable)."""
    rec = published.iloc[11]
    open_explore(page, server + f"/?record={rec['encounter_id']}")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30000)
    dialog.locator('[data-testid="stBaseButton-secondary"]').filter(has_text="Close").click()
    dialog.wait_for(state="detached", timeout=30000)
    page.wait_for_function("() => !location.search.includes('record=')", timeout=30000)
    page.get_by_role("button", name="Download CSV").click(trial=True)  # the page is usable again


def test_desktop_and_phone_screenshots_without_horizontal_scrolling(server, page, browser):
    open_explore(page, server + "/")
    whole_page_screenshot(page, "explore-desktop")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        pg = phone.new_page()
        open_explore(pg, server + "/?state=MN")
        widths = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
        main = pg.evaluate(
            "(() => { const m = document.querySelector('[data-testid=stMain]'); return [m.scrollWidth, m.clientWidth]; })()"
        )
        assert main[0] <= main[1], main
        whole_page_screenshot(pg, "explore-phone")
    finally:
        phone.close()


def test_whole_page_renders_every_section(server, page):
    open_explore(page, server + "/?state=MN")
    for heading in ("Map", "Over time", "Who, which agency, what kind", "Records"):
        assert page.get_by_role("heading", name=heading).count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Demonstration data" in text and "busiest month was" in text


STILL_MAP_DRAWN = """() => { const img = document.querySelector('.map-preview img');
    return !!img && img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().height > 300 }"""


def test_map_is_drawn_without_plotly_and_the_rest_of_the_page_follows(server, browser):
    """A new visitor sees the map before plotly.js (4.7 MB) has loaded: here it never loads."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/PlotlyChart*.js", lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(server + "/?state=IL")
        page.wait_for_function(STILL_MAP_DRAWN, timeout=60000)
        # the picture's script pressed the hidden button: the next run sent the records table and the rest
        page.get_by_text("Records 1–50 of", exact=False).first.wait_for(timeout=60000)
        assert page.evaluate(STILL_MAP_DRAWN)  # no interactive map to take its place: the picture stays
        assert not page.locator(".st-key-x_charts").is_visible()  # the button is never shown
        screenshot(page, "explore-still-map", full_page=False)
    finally:
        context.close()


def test_interactive_map_takes_the_place_of_the_picture(server, page):
    page.goto(server + "/?state=IL")
    size = """() => { const r = document.querySelector('.map-preview').getBoundingClientRect();
        return {width: r.width, height: r.height} }"""
    picture = page.wait_for_function(f"() => ({STILL_MAP_DRAWN})() && ({size})()", timeout=60000).json_value()
    page.wait_for_function(
        "() => !!document.querySelector('.st-key-x_map_box .js-plotly-plot .scatterlayer .trace')", timeout=60000
    )
    page.wait_for_timeout(300)
    assert not page.locator(".map-preview").is_visible()
    chart = page.locator(".st-key-x_map_box .js-plotly-plot")
    assert chart.is_visible()
    box = page.locator(".st-key-x_map_box").bounding_box()
    assert abs(box["height"] - chart.bounding_box()["height"]) < 2  # nothing else left in the map's place
    assert abs(picture["height"] - box["height"]) < 2 and abs(picture["width"] - box["width"]) < 2  # no jump


CLICK_A_LINK_AS_THE_PICTURE_APPEARS = """(attrs) => new MutationObserver((_, observer) => {
    if (!document.querySelector('.map-preview img') || !document.querySelector('.st-key-x_charts button')) return;
    observer.disconnect();
    const a = Object.assign(document.createElement('a'), attrs);
    a.addEventListener('click', (e) => e.preventDefault());  // the click is seen, the browser stays
    document.body.append(a);
    a.click();  // before the picture's script can press its button
}).observe(document, {subtree: true, childList: true})"""


@pytest.mark.parametrize(
    ("link", "pressed"),
    [
        pytest.param({"href": "/methodology"}, False, id="to-another-page"),
        pytest.param({"href": "https://example.org/report", "target": "_blank"}, True, id="to-a-new-tab"),
    ],
)
def test_following_a_link_to_another_page_stops_the_press(server, page, link, pressed):
    """The picture's script must not press its button after the visitor has followed a link to another
    page of the app: that press can still carry Explore's id and take them back to Explore. A link that
    opens a new tab leaves them here, so the rest of the page must still come."""
    page.add_init_script(f"({CLICK_A_LINK_AS_THE_PICTURE_APPEARS})({json.dumps(link)})")
    page.goto(server + "/")
    page.wait_for_function(STILL_MAP_DRAWN, timeout=60000)
    records = page.get_by_text("Records 1–50 of", exact=False).first
    if pressed:  # the rest of the page comes
        records.wait_for(timeout=60000)
        assert page.locator(".st-key-x_charts").count() == 0
    else:
        page.wait_for_timeout(4000)  # long enough for a press and the run it asks for
        assert page.locator(".st-key-x_charts").count() == 1 and not records.is_visible()
