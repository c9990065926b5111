"""Aggregates: headline, counts, timeline, map points and cells, areas, table pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explore_support import make_dataset

from dashboard.explore import aggregate


def everything(ds):
    return np.ones(len(ds.records), dtype=bool)


def test_headline_counts_people_weapon_share_and_confirmed():
    ds = make_dataset(
        {"people_affected": 3, "force_types": "weapon displayed", "verification": "documented"},
        {"people_affected": None, "force_types": "verbal threat", "verification": "corroborated"},
        {"people_affected": 2, "force_types": "", "verification": "reported"},
        {"people_affected": 5, "force_types": "death", "verification": "disputed"},
    )
    h = aggregate.headline(ds, everything(ds))
    assert h["encounters"] == 4
    assert h["people_affected"] == 10 and h["people_unknown"] == 1
    assert h["force_recorded"] == 3 and h["weapon_or_worse"] == 2
    assert h["weapon_share"] == pytest.approx(2 / 3)  # of records where force was recorded
    assert h["confirmed"] == 2 and h["confirmed_share"] == pytest.approx(0.5)


def test_headline_of_nothing_has_no_shares():
    ds = make_dataset({})
    h = aggregate.headline(ds, np.zeros(1, dtype=bool))
    assert h["encounters"] == 0 and h["weapon_share"] is None and h["confirmed_share"] is None


def test_counts_by_multi_valued_counts_each_value_once_per_record():
    ds = make_dataset(
        {"targeted_groups": "protester; US citizen"},
        {"targeted_groups": "protester"},
        {"targeted_groups": ""},
        {"targeted_groups": "US citizen; worker; protester"},
    )
    counts = aggregate.counts_by(ds, everything(ds), "targeted_groups")
    assert dict(zip(counts["value"], counts["records"], strict=True)) == {"protester": 3, "US citizen": 2, "worker": 1}
    assert counts["value"].tolist()[0] == "protester"  # most frequent first
    assert counts.attrs["not_recorded"] == 1


def test_counts_by_respects_the_mask():
    ds = make_dataset({"encounter_type": "stop"}, {"encounter_type": "stop"}, {"encounter_type": "home raid"})
    counts = aggregate.counts_by(ds, np.array([True, False, True]), "encounter_type")
    assert dict(zip(counts["value"], counts["records"], strict=True)) == {"stop": 1, "home raid": 1}


@pytest.fixture(scope="module")
def dated():
    return make_dataset(
        {"date": "2025-03-03", "date_precision": "day", "force_types": "weapon displayed"},
        {"date": "2025-03-05", "date_precision": "day", "force_types": "weapon displayed"},
        {"date": "2025-03-10", "date_precision": "week"},
        {"date": "2025-03-01", "date_precision": "month", "force_types": "death"},
        {"date": "2025-01-01", "date_precision": "year"},
        {"date": "2025-04-20", "date_precision": "day", "force_types": "none"},
    )


def test_monthly_timeline_leaves_out_year_only_dates(dated):
    tl = aggregate.timeline(dated, everything(dated), "month")
    assert tl.attrs["too_coarse"] == 1
    march = tl[tl["period"] == pd.Timestamp("2025-03-01")]
    assert dict(zip(march["force_level"], march["records"], strict=True)) == {
        "weapon displayed": 2,
        "not recorded": 1,
        "death": 1,
    }
    assert tl["records"].sum() == 5
    assert pd.Timestamp("2025-01-01") not in set(tl["period"])  # the year-only record is not drawn in January


def test_weekly_timeline_leaves_out_month_and_year_dates(dated):
    tl = aggregate.timeline(dated, everything(dated), "week")
    assert tl.attrs["too_coarse"] == 2
    assert tl["records"].sum() == 4
    assert set(tl["period"]) == {pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-10"), pd.Timestamp("2025-04-14")}


def random_points(n: int, seed: int = 1, **extra) -> object:
    rng = np.random.default_rng(seed)
    lat = rng.uniform(30, 48, n).round(4)
    lon = rng.uniform(-120, -75, n).round(4)
    rows = [{"latitude": a, "longitude": b, **extra} for a, b in zip(lat, lon, strict=True)]
    rows += [{"latitude": None, "longitude": None}] * 3  # not placed
    return make_dataset(*rows)


def test_map_points_below_the_budget_are_points():
    ds = random_points(50)
    kind, pts = aggregate.map_points(ds, everything(ds), budget=100)
    assert kind == "points" and len(pts) == 50 and pts.attrs["unplaced"] == 3


@pytest.mark.parametrize("x_scale", [1.0, 0.79])
def test_hex_cells_sum_to_the_count(x_scale):
    ds = random_points(3000)
    m = everything(ds)
    kind, cells = aggregate.map_points(ds, m, budget=500, hex_size=1.0, x_scale=x_scale)
    assert kind == "cells"
    assert cells["records"].sum() == 3000 and cells.attrs["unplaced"] == 3
    assert not cells.duplicated(["longitude", "latitude"]).any()
    # every placed record is in exactly one cell, and a cell's records are the ones counted there
    everyone = list(zip(cells["longitude"], cells["latitude"], strict=True))
    inside = aggregate.records_in_cells(ds, m, everyone, 1.0, x_scale)
    assert inside.sum() == 3000 and not inside[-3:].any()
    busiest = cells.sort_values("records").iloc[-1]
    one = aggregate.records_in_cells(ds, m, [(busiest["longitude"], busiest["latitude"])], 1.0, x_scale)
    assert one.sum() == busiest["records"]


def test_cells_records_lie_near_their_centre():
    ds = random_points(2000, seed=3)
    m = everything(ds)
    _, cells = aggregate.map_points(ds, m, budget=10, hex_size=0.5)
    c = cells.iloc[0]
    inside = aggregate.records_in_cells(ds, m, [(c["longitude"], c["latitude"])], 0.5)
    lon = ds.records["longitude"].to_numpy()[inside]
    lat = ds.records["latitude"].to_numpy()[inside]
    assert np.all(np.hypot(lon - c["longitude"], lat - c["latitude"]) <= 0.5 + 1e-6)


def test_map_extent_fits_the_data_and_counts_what_lies_outside_conus():
    ds = make_dataset(
        {"latitude": 44.9, "longitude": -93.2},
        {"latitude": 46.8, "longitude": -92.1},
        {"latitude": 21.3, "longitude": -157.8},  # Honolulu
    )
    ext = aggregate.map_extent(ds, everything(ds))
    lon0, lon1, lat0, lat1 = ext["view"]
    assert lon0 < -93.2 and lon1 > -92.1 and lat0 < 44.9 and lat1 > 46.8
    assert lon1 - lon0 < 10  # fitted to Minnesota, not stretched to Hawaii
    assert ext["outside"] == 1 and ext["placed"] == 3


def test_map_extent_national_and_empty():
    ds = random_points(500)
    assert aggregate.map_extent(ds, everything(ds))["view"] == (-125.0, -66.5, 24.0, 49.5)
    assert aggregate.map_extent(ds, np.zeros(len(ds.records), bool))["view"] == (-125.0, -66.5, 24.0, 49.5)


def test_counts_by_area_and_area_mask():
    ds = make_dataset({"state": "MN"}, {"state": "MN"}, {"state": "IL", "county_fips": "17031"})
    counts = aggregate.counts_by_area(ds, everything(ds), "state")
    assert dict(zip(counts["state"], counts["records"], strict=True)) == {"MN": 2, "IL": 1}
    assert aggregate.area_mask(ds, everything(ds), "county", ["17031"]).tolist() == [False, False, True]
    assert aggregate.area_mask(ds, np.array([True, False, False]), "state", ["MN"]).tolist() == [True, False, False]


def test_table_page_is_newest_first_and_paged():
    ds = make_dataset(*({"date": f"2025-01-{d:02d}"} for d in (5, 20, 1, 31, 12)))
    page, pages = aggregate.table_page(ds, everything(ds), page=0, page_size=2)
    assert pages == 3 and page["encounter_id"].tolist() == ["T-4", "T-2"]
    last, _ = aggregate.table_page(ds, everything(ds), page=9, page_size=2)  # past the end: the last page
    assert last["encounter_id"].tolist() == ["T-3"]


def test_table_page_with_a_precomputed_order_gives_the_same_pages():
    ds = make_dataset(
        *({"date": f"2025-01-{d:02d}", "state": s} for d, s in zip((5, 20, 1, 31, 12, 20), "ABABAB", strict=True))
    )
    order = aggregate.newest_first(ds)
    m = ds.records["state"].astype(str).eq("B").to_numpy()
    for page in range(3):
        a, pa = aggregate.table_page(ds, m, page=page, page_size=2)
        b, pb = aggregate.table_page(ds, m, page=page, page_size=2, order=order)
        assert pa == pb and a["encounter_id"].tolist() == b["encounter_id"].tolist()
    first, _ = aggregate.table_page(ds, m, page=0, page_size=2, order=order)
    assert first["encounter_id"].tolist() == ["T-4", "T-2"]  # newest first; ties in file order


def test_timeline_has_one_not_recorded_row_per_period_whether_force_is_blank_or_missing():
    ds = make_dataset(
        {"date": "2025-03-03", "force_types": ""},
        {"date": "2025-03-04", "force_types": ""},
        {"date": "2025-03-05", "force_types": "weapon displayed"},
    )
    level = ds.records["force_level"].copy()
    level.iloc[0] = np.nan  # one missing, one blank: both are "not recorded"
    ds.records["force_level"] = level
    assert level.cat.codes.tolist()[:2] == [-1, level.cat.categories.get_loc("")]
    tl = aggregate.timeline(ds, everything(ds), "month")
    assert tl.duplicated(["period", "force_level"]).sum() == 0
    assert dict(zip(tl["force_level"], tl["records"], strict=True)) == {"not recorded": 2, "weapon displayed": 1}


def test_table_pages_of_a_sparse_filter_over_many_records_are_the_same_with_the_precomputed_order():
    """The precomputed order is read in growing slices: pages far into a sparse filter cross many slices."""
    days = pd.date_range("2020-01-01", periods=3000, freq="D")
    rows = [{"date": str(days[(i * 7919) % len(days)].date()), "state": "TX" if i % 13 else "MN"} for i in range(30000)]
    ds = make_dataset(*rows)
    m = (ds.records["state"] == "MN").to_numpy()
    order = aggregate.newest_first(ds)
    for page in (0, 3, 46):
        plain, pages = aggregate.table_page(ds, m, page=page, page_size=50)
        fast, same_pages = aggregate.table_page(ds, m, page=page, page_size=50, order=order)
        assert pages == same_pages == -(-int(m.sum()) // 50)
        assert fast["encounter_id"].tolist() == plain["encounter_id"].tolist()
        assert set(fast["state"]) == {"MN"}


def test_headline_says_when_place_and_people_are_not_recorded_at_all():
    """An official record (the FOIA arrests) says neither where nor who: Explore then shows "–", not 0."""
    ds = make_dataset({}, {})
    h = aggregate.headline(ds, np.ones(2, dtype=bool))
    assert h["place_recorded"] == 0 and h["groups_recorded"] == 0
    ds = make_dataset({"place_type": "school or school bus stop", "targeted_groups": "US citizen; student/minor"}, {})
    h = aggregate.headline(ds, np.ones(2, dtype=bool))
    assert (h["sensitive_places"], h["sensitive_share"], h["us_citizens"], h["us_citizen_share"]) == (1, 1.0, 1, 0.5)
    assert h["place_recorded"] == 1 and h["groups_recorded"] == 1
