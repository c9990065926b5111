"""The Briefing page in AppTest: opens cleanly, shows figures equal to pandas, reads and writes its link."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pandas as pd
import pytest
from briefing.briefing_support import in_dates, key_figures
from support import page_app

PERIOD = {"from": "2025-07-01", "to": "2026-06-30"}
BOX = [[-93.30, 44.96], [-93.24, 44.96], [-93.24, 45.00], [-93.30, 45.00], [-93.30, 44.96]]
BOW_TIE = [[-93.30, 44.96], [-93.24, 45.00], [-93.24, 44.96], [-93.30, 45.00], [-93.30, 44.96]]


@pytest.fixture(scope="module")
def records(demo_root) -> pd.DataFrame:
    from dashboard.store import load_records

    frame = load_records(demo_root, "demo")
    return frame.assign(**{c: frame[c].astype(str) for c in ("state", "district", "force_level", "location_precision")})


def expected(rows: pd.DataFrame, start: str, end: str) -> dict[str, str]:
    return {label: f"{n:,}" for label, n in key_figures(in_dates(rows, start, end)).items()}


def unescape(markdown: str) -> str:
    """The text of a message the page escaped for Markdown."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_opens_on_the_last_three_months_of_the_busiest_state(app_env, records):
    at = page_app("briefing").run()
    assert not at.exception, at.exception
    assert at.query_params["from"] == "2026-08-01" and at.query_params["to"] == "2026-10-31"
    assert at.query_params["area_type"] == "state" and at.query_params["area"] == "MN"
    assert metrics(at) == expected(records[records["state"] == "MN"], "2026-08-01", "2026-10-31")


def test_picking_a_state_shows_key_figures_equal_to_pandas(app_env, records):
    at = page_app("briefing", **PERIOD).run()
    at.selectbox(key="b_area_state").set_value("IL").run()
    assert not at.exception, at.exception
    assert metrics(at) == expected(records[records["state"] == "IL"], *PERIOD.values())
    assert at.query_params["area"] == "IL"
    deltas = [m.delta for m in at.metric]
    assert all("before:" in d for d in deltas)


def test_a_permalink_reopens_a_council_district(app_env, records):
    at = page_app("briefing", area_type="district", area="Chicago Ward 42", **PERIOD).run()
    assert not at.exception, at.exception
    assert metrics(at) == expected(records[records["district"] == "Chicago Ward 42"], *PERIOD.values())
    link = [c.value for c in at.code if "briefing?" in c.value][0]
    assert "area_type=district&area=Chicago+Ward+42&from=2025-07-01&to=2026-06-30" in link
    assert any("DEMONSTRATION DATA" in c.value for c in at.code)  # the memo text


def test_sidebar_filters_and_a_chosen_comparison_period_come_from_the_link(app_env, records):
    at = page_app(
        "briefing",
        area_type="state",
        area="MN",
        group="Black",
        compare_from="2024-01-01",
        compare_to="2024-12-31",
        **PERIOD,
    ).run()
    assert not at.exception, at.exception
    rows = records[(records["state"] == "MN") & records["targeted_groups"].str.contains("Black", regex=False)]
    assert metrics(at) == expected(rows, *PERIOD.values())
    before = expected(rows, "2024-01-01", "2024-12-31")["Encounters"]
    assert f"(before: {before})" in at.metric[0].delta
    assert at.query_params["compare_from"] == "2024-01-01" and at.query_params["group"] == "Black"


def test_a_bad_area_in_the_link_is_a_note_not_an_error(app_env):
    at = page_app("briefing", area_type="state", area="ZZ", **PERIOD).run()
    assert not at.exception, at.exception
    assert any('no state "ZZ"' in unescape(i.value) for i in at.info)
    assert at.metric[0].label == "Encounters"


def upload(at, name: str, data: bytes):
    at.segmented_control(key="b_area_type").set_value("upload").run()
    at.file_uploader(key="b_upload").upload(name, data).run()
    assert not at.exception, at.exception
    return at


def geojson(ring, geometry="Polygon") -> bytes:
    coords = [ring] if geometry == "Polygon" else ring[0]
    feature = {"type": "Feature", "properties": {"name": "Mine"}, "geometry": {"type": geometry, "coordinates": coords}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def test_an_uploaded_area_counts_exact_and_block_points_inside(app_env, records):
    import geopandas as gpd
    import shapely

    at = upload(page_app("briefing", **PERIOD).run(), "downtown.geojson", geojson(BOX))
    points = gpd.GeoSeries(gpd.points_from_xy(records["longitude"], records["latitude"]))
    inside = points.within(shapely.Polygon(BOX)).to_numpy() & records["location_precision"].isin(["exact", "block"])
    assert metrics(at) == expected(records[inside.to_numpy()], *PERIOD.values())
    assert at.query_params["area_type"] == "upload"


def test_a_bow_tie_upload_is_repaired_with_a_note(app_env):
    at = upload(page_app("briefing", **PERIOD).run(), "bow.geojson", geojson(BOW_TIE))
    assert any("invalid geometry" in unescape(i.value) and "repaired" in i.value for i in at.info)
    assert at.metric[0].label == "Encounters"


def shapefile_zip_without_prj(tmp_path) -> bytes:
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame(
        {"WARD": [1]}, geometry=[shapely.box(478_000, 4_978_000, 482_000, 4_982_000)], crs="EPSG:26915"
    ).to_file(tmp_path / "w.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(tmp_path / f"w.{ext}", f"w.{ext}")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        pytest.param("records.csv", lambda tmp: b"a,b\n1,2\n", "is a table (.csv)", id="csv"),
        pytest.param("points.geojson", lambda tmp: geojson([BOX[0]], "Point"), "has no polygons", id="points"),
        pytest.param("wards.zip", shapefile_zip_without_prj, "does not say which coordinate system", id="no-crs"),
        pytest.param("huge.geojson", lambda tmp: b" " * 100_000_001, "is 100 MB", id="100-mb"),
    ],
)
def test_unusable_uploads_get_a_clear_message(app_env, tmp_path, name, make, message):
    at = upload(page_app("briefing", **PERIOD).run(), name, make(tmp_path))
    errors = [unescape(e.value) for e in at.error]
    assert any(message in e for e in errors), errors
    assert not at.metric  # no figures for an area that could not be read
