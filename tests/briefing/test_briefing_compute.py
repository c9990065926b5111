"""The briefing's numbers equal pandas computed independently from the published records."""

from __future__ import annotations

import shapely
from briefing_support import DOWNTOWN, FORCE_ORDER, expected, in_dates, in_polygon

from dashboard.briefing import area as areas
from dashboard.briefing.compute import Figure, compute_briefing
from dashboard.briefing.period import make_periods
from dashboard.explore.filters import Filters

PERIOD, BEFORE = ("2025-07-01", "2026-06-30"), ("2024-07-01", "2025-06-30")


def as_numbers(b) -> dict:
    out = {"key": {f.label: (f.now, f.before) for f in b.key}}
    for part in b.breakdowns:
        out[part.title] = {f.label: (f.now, f.before) for f in part.rows}
    return out


def briefing(demo, area, filters=None):
    return compute_briefing(demo, area, *make_periods(*PERIOD), filters)


def test_state_figures_equal_pandas(demo, records):
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"))
    assert as_numbers(b) == expected(records[records["state"] == "MN"], PERIOD, BEFORE)
    assert b.compare.label() == "2024-07-01 to 2025-06-30"


def test_council_district_figures_equal_pandas(demo, records):
    """Chicago Ward 42: the district assigned by spatial join at publish time."""
    b = briefing(demo, areas.resolve_area(demo, "district", "Chicago Ward 42"))
    want = expected(records[records["district"] == "Chicago Ward 42"], PERIOD, BEFORE)
    assert as_numbers(b) == want and want["key"]["Encounters"][0] > 0


def test_neighbourhood_and_city_and_county_equal_pandas(demo, records):
    cases = {
        ("district", "Minneapolis: North Loop"): records["district"] == "Minneapolis: North Loop",
        ("city", "Saint Paul, MN"): (records["city"] == "Saint Paul") & (records["state"] == "MN"),
        ("county", "27053"): records["county_fips"] == "27053",
    }
    for (kind, ident), rows in cases.items():
        b = briefing(demo, areas.resolve_area(demo, kind, ident))
        assert as_numbers(b) == expected(records[rows], PERIOD, BEFORE), ident


def test_drawn_area_figures_equal_geopandas(demo, records):
    area = areas.Area("upload", "Downtown", "Downtown", wkb=shapely.to_wkb(shapely.Polygon(DOWNTOWN)))
    b = briefing(demo, area)
    assert as_numbers(b) == expected(in_polygon(records, DOWNTOWN), PERIOD, BEFORE)
    assert any("exact address or block" in n for n in b.notes)


def test_other_filters_apply_to_both_periods(demo, records):
    filters = Filters(groups=("Black",), agencies=("ICE ERO", "Border Patrol"))
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"), filters)
    rows = records[
        (records["state"] == "MN")
        & records["targeted_groups"].str.split("; ").apply(lambda v: "Black" in v)
        & records["agencies"].str.split("; ").apply(lambda v: bool({"ICE ERO", "Border Patrol"} & set(v)))
    ]
    assert as_numbers(b)["key"] == expected(rows, PERIOD, BEFORE)["key"]
    assert b.filters == ("group: Black", "agency: ICE ERO, Border Patrol")
    assert b.query["group"] == ["Black"] and b.query["area"] == "MN" and b.query["from"] == PERIOD[0]


def test_dates_in_the_sidebar_filters_do_not_override_the_periods(demo, records):
    filters = Filters(date_from=PERIOD[0], date_to="2025-07-02")
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"), filters)
    assert b.figure("Encounters").now == len(in_dates(records[records["state"] == "MN"], *PERIOD))


def test_a_percentage_only_where_the_base_is_at_least_ten():
    assert Figure("x", 12, 9).pct is None and Figure("x", 12, 9).change_text() == "+3"
    assert Figure("x", 12, 10).pct == 0.2 and Figure("x", 12, 10).change_text() == "+2 (+20%)"
    assert Figure("x", 5, 0).change_text() == "+5"
    assert Figure("x", 7, 7).change_text() == "no change"
    assert Figure("x", 1200, 1500).change_text() == "-300 (-20%)"


def test_most_serious_records_are_highest_force_then_newest(demo, records):
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"))
    rank = {v: i for i, v in enumerate(FORCE_ORDER)}
    rows = in_dates(records[records["state"] == "MN"], *PERIOD).assign(
        rank=lambda f: f["force_level"].map(rank).fillna(-1)
    )
    want = rows.sort_values(["rank", "date", "encounter_id"], ascending=[False, False, True]).head(10)
    assert [r.encounter_id for r in b.serious] == list(want["encounter_id"])
    assert all(r.sources for r in b.serious)
    first = want.iloc[0]
    assert b.serious[0].sources == tuple(s.strip() for s in first["sources"].split(" | "))


def test_footnotes_number_the_dataset_then_each_source_once(demo):
    b = briefing(demo, areas.resolve_area(demo, "district", "Chicago Ward 42"))
    notes = b.footnotes()
    assert notes[0].startswith("Dataset: Demonstration data") and "CC0" in notes[0] and "2026-11-28" in notes[0]
    assert len(notes) == len(set(notes))
    for r in b.serious:
        assert [notes[n - 1] for n in b.footnote_numbers(r)] == list(r.sources)


def test_timeline_counts_add_up_to_the_figures_less_coarse_dates(demo):
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"))
    drawn_now = sum(n for _, n, _ in b.timeline)
    drawn_before = sum(m for _, _, m in b.timeline)
    enc = b.figure("Encounters")
    assert drawn_now + drawn_before + b.timeline_left_out == enc.now + enc.before
    assert b.timeline[0][0] == BEFORE[0] and b.timeline[-1][0] == "2026-06-01" and len(b.timeline) == 24


def test_an_area_with_no_records_gives_zeros_not_errors(demo):
    b = briefing(demo, areas.resolve_area(demo, "state", "WY"))
    assert [f.now for f in b.key] == [0, 0, 0, 0, 0] and b.serious == () and b.points == ()


def test_demonstration_flag_and_metadata_travel_with_the_numbers(demo):
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"))
    assert b.demonstration and b.as_of == "2026-11-28" and b.license.startswith("CC0")
    d = b.as_dict()
    assert d["area"] == {"kind": "state", "id": "MN", "label": "Minnesota", "source": ""}
    assert d["key"][0] == {
        "label": "Encounters",
        "now": b.key[0].now,
        "before": b.key[0].before,
        "coverage": ("full", "partial"),  # the demo starts on 2024-11-01, inside the comparison period
        "gap": "no data before 2024-11-01",
    }


def test_map_points_account_for_every_record_in_the_period(demo):
    b = briefing(demo, areas.resolve_area(demo, "state", "MN"))
    assert sum(p[4] for p in b.points) + b.not_mapped == b.figure("Encounters").now
    assert {p[2] for p in b.points} <= {"exact", "block", "city"}


def test_a_crowded_map_is_sampled_and_says_so(demo):
    import numpy as np

    from dashboard.briefing.listed import map_points

    points, _, note = map_points(demo, np.ones(len(demo.records), dtype=bool), limit=50)
    assert len(points) == 50 and "even sample of 50 of the" in note


def test_the_briefing_package_never_imports_streamlit():
    import ast
    from pathlib import Path

    import dashboard.briefing

    for path in Path(dashboard.briefing.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in names if m.split(".")[0] == "streamlit"], path.name
