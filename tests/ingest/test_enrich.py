"""Place enrichment: geocoding cities, assigning counties and council districts (dashboard/ingest/enrich.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import config, geo
from dashboard.ingest import enrich

NAN = np.nan
WARD_42_POINT = (41.8878, -87.6305)  # lat, lon: River North, well inside ward 42


def frame(*records: dict, index=None) -> pd.DataFrame:
    """Canonical place columns, each record overriding the empty defaults."""
    base = {"state": "", "city": "", "latitude": NAN, "longitude": NAN, "location_precision": "", "county_fips": ""}
    return pd.DataFrame([{**base, **r} for r in records], index=index)


@pytest.fixture(scope="module")
def wards():
    (frame,) = [frame for (label, frame) in config.district_layers() if label.startswith("Chicago Ward")]
    return frame


# --------------------------------------------------------------------------- geocode_cities


@pytest.mark.parametrize(
    ("state", "city", "county_fips", "near"),
    [
        pytest.param("MN", "Minneapolis", "27053", (44.98, -93.27), id="minneapolis-hennepin"),
        pytest.param("MN", "St. Paul", "27123", (44.97, -93.08), id="st-paul-ramsey"),
        pytest.param("mn", "ST PAUL", "27123", (44.97, -93.08), id="st-paul-shouting"),
        pytest.param("MN", "Saint Paul", "27123", (44.97, -93.08), id="saint-paul"),
        pytest.param("LA", "New Orleans", "22071", (29.96, -90.08), id="new-orleans-orleans-parish"),
    ],
)
def test_city_geocodes_to_its_county(state, city, county_fips, near):
    out = enrich.assign_counties(enrich.geocode_cities(frame({"state": state, "city": city})))
    row = out.iloc[0]
    assert (row.latitude, row.longitude) == pytest.approx(near, abs=0.02)
    assert row.location_precision == "city" and not row._geocode_failed
    assert row.county_fips == county_fips


def test_unknown_city_is_reported_and_left_alone():
    df = frame(
        {"state": "MN", "city": "Nowhere Junction"},
        {"state": "", "city": "Minneapolis"},  # no state: not attempted
        {"state": "MN", "city": "Minneapolis", "latitude": 45.5, "longitude": -94.0, "location_precision": "exact"},
    )
    out = enrich.geocode_cities(df)
    assert out._geocode_failed.tolist() == [True, False, False]
    assert out.latitude.isna().tolist() == [True, True, False]
    assert out.location_precision.tolist() == ["", "", "exact"]
    assert (out.latitude[2], out.longitude[2]) == (45.5, -94.0)  # given coordinates are never replaced


def test_enrichment_does_not_touch_its_input_and_keeps_the_index():
    df = frame({"state": "MN", "city": "Minneapolis"}, {"state": "IL", "city": "Chicago"}, index=[30, 10])
    before = df.copy()
    out = enrich.assign_counties(enrich.geocode_cities(df))
    pd.testing.assert_frame_equal(df, before)
    assert out.index.tolist() == [30, 10]
    assert out.county_fips.tolist() == ["27053", "17031"]


# --------------------------------------------------------------------------- assign_counties


@pytest.mark.parametrize(
    ("precision", "county_fips", "state"),
    [
        pytest.param("exact", "27053", "MN", id="exact"),
        pytest.param("block", "27053", "MN", id="block"),
        pytest.param("city", "27053", "MN", id="city"),
        pytest.param("county", "", "", id="county-point-is-a-stand-in"),
        pytest.param("region", "", "", id="region-point-never-gets-a-county"),
        pytest.param("state", "", "", id="state-point"),
        pytest.param("", "", "", id="no-precision"),
    ],
)
def test_only_fine_points_are_given_a_county(precision, county_fips, state):
    df = frame({"latitude": 44.98, "longitude": -93.27, "location_precision": precision})
    out = enrich.assign_counties(df)
    assert out.county_fips.tolist() == [county_fips]
    assert out.state.tolist() == [state]


def test_region_centroid_of_an_ice_area_gets_no_county():
    spm = geo.ice_aor().set_index("aor").loc["SPM"]
    df = frame({"latitude": spm.latitude, "longitude": spm.longitude, "location_precision": "region"})
    assert enrich.assign_counties(df).county_fips.tolist() == [""]


def test_given_county_is_kept_and_fills_the_state():
    df = frame(
        {"county_fips": "17031", "latitude": 44.98, "longitude": -93.27, "location_precision": "exact"},
        {"county_fips": "27123", "location_precision": "county"},
        {"county_fips": "27123", "location_precision": "region"},
    )
    out = enrich.assign_counties(df)
    assert out.county_fips.tolist() == ["17031", "27123", "27123"]
    assert out.state.tolist() == ["IL", "MN", ""]


def test_border_point_takes_a_county_in_the_records_own_state():
    # The gazetteer point for Bellevue KY lies across the Ohio River, in Hamilton County OH.
    df = frame(
        {"state": "KY", "latitude": 39.102431, "longitude": -84.478746, "location_precision": "city"},
        {"state": "", "latitude": 39.102431, "longitude": -84.478746, "location_precision": "city"},
    )
    out = enrich.assign_counties(df)
    assert out.county_fips.tolist() == ["21037", "39061"]
    assert out.state.tolist() == ["KY", "OH"]


def test_points_outside_the_us_get_no_county():
    df = frame({"latitude": 19.43, "longitude": -99.13, "location_precision": "exact"})  # Mexico City
    out = enrich.assign_counties(df)
    assert out.county_fips.tolist() == [""] and out.state.tolist() == [""]


def test_many_records_sharing_points_all_get_their_county():
    points = [(44.98, -93.27, "27053"), (41.88, -87.63, "17031"), (47.61, -122.33, "53033")] * 400
    df = frame(*({"latitude": a, "longitude": b, "location_precision": "exact"} for a, b, _ in points))
    assert enrich.assign_counties(df).county_fips.tolist() == [f for _, _, f in points]


# --------------------------------------------------------------------------- assign_districts


def test_point_inside_ward_42_gets_district_42(wards):
    lat, lon = WARD_42_POINT
    df = frame(
        {"latitude": lat, "longitude": lon, "location_precision": "exact"},
        {"latitude": 44.98, "longitude": -93.27, "location_precision": "exact"},  # Minneapolis
        {"latitude": lat, "longitude": lon, "location_precision": "region"},
        {"location_precision": "city"},  # no coordinates
    )
    out = enrich.assign_districts(df, wards)
    assert out.district.tolist() == ["42", "", "", ""]


def test_coarse_points_keep_the_district_they_came_with(wards):
    lat, lon = WARD_42_POINT
    df = frame(
        {"latitude": lat, "longitude": lon, "location_precision": "county", "district": "from source"},
        {"latitude": lat, "longitude": lon, "location_precision": "block", "district": "stale"},
    )
    assert enrich.assign_districts(df, wards).district.tolist() == ["from source", "42"]


def test_boundaries_in_another_crs_and_other_id_names_work(wards):
    lat, lon = WARD_42_POINT
    projected = wards.rename(columns={"district": "ward"}).to_crs("EPSG:3857")
    df = frame({"latitude": lat, "longitude": lon, "location_precision": "city"})
    assert enrich.assign_districts(df, projected, id_property="ward").district.tolist() == ["42"]
