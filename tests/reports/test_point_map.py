"""The Report page's point picker (dashboard.reports.point_map) and the grid a point is rounded to
(dashboard.reports.place_grid): a click gives back the dot's position, the dots cover the state and the
city, every place of a state can be reached by zooming, and a point is never finer than the grid."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pytest
import shapely

from dashboard.explore import mapgeo
from dashboard.reports import place_grid, point_map
from dashboard.reports.model import Report
from dashboard.reports.publishing import draft_new
from dashboard.reports.rules import load_rules

SPACING = 500.0  # reports.yaml point_grid_m
MINNEAPOLIS = (44.983473, -93.268251)  # the gazetteer's point


def _dots_trace(fig) -> dict:
    return next(tr for tr in fig.spec["data"] if tr.get("name") == "dots")


def _click(trace: dict, i: int) -> list[dict]:
    """What Streamlit's selection holds after a click on dot i: plotly's point, with its customdata."""
    return [
        {
            "curve_number": 3,
            "point_index": i,
            "x": trace["x"][i],
            "y": trace["y"][i],
            "customdata": trace["customdata"][i],
        }
    ]


def test_the_grid_spacing_comes_from_the_rules():
    assert load_rules().point_grid_m == SPACING == point_map.spacing_m()
    assert point_map.precision_words("en") == "about 500 m"
    assert point_map.precision_words("es") == "unos 500 m"


@pytest.mark.parametrize(
    "lat", [18.2, 25.8, 44.98, 61.2, 64.84], ids=["PR", "Miami", "Minneapolis", "Anchorage", "Fairbanks"]
)
def test_a_point_is_rounded_to_a_grid_point_within_the_grid_spacing(lat):
    rng = np.random.default_rng(7)
    for dlat, dlon in rng.uniform(-0.05, 0.05, size=(200, 2)):
        p = (lat + dlat, -93.0 + dlon)
        q = place_grid.snap(*p, SPACING)
        assert place_grid.distance_m(*p, *q) <= SPACING * math.sqrt(2) / 2 + 2  # half a cell's diagonal
        assert place_grid.snap(*q, SPACING) == q  # a stored point stays where it is when filed again


@pytest.mark.parametrize("lat", [25.8, 44.98, 64.84])
def test_neighbouring_grid_points_are_the_spacing_apart_on_the_ground(lat):
    lon, lats = place_grid.grid(place_grid.window(lat, -93.0, 5_000), SPACING)
    row = lats == lats[len(lats) // 2]
    xs = np.sort(lon[row])
    east = place_grid.distance_m(lats[row][0], xs[0], lats[row][0], xs[1])
    north = place_grid.distance_m(lats.min(), -93.0, lats.min() + place_grid.lat_step(SPACING), -93.0)
    assert east == pytest.approx(SPACING, rel=0.01) and north == pytest.approx(SPACING, rel=0.01)
    # every point the map offers is a point the reports service keeps as it is
    assert all(place_grid.snap(y, x, SPACING) == (y, x) for x, y in zip(lon, lats, strict=True))


def test_a_click_on_a_dot_gives_back_its_latitude_and_longitude():
    fig = point_map.picker_figure("MN", point_map.local(*MINNEAPOLIS), None)
    dots = _dots_trace(fig)
    for i in (0, len(dots["x"]) // 2, len(dots["x"]) - 1):
        action, lat, lon, _ = point_map.clicked(_click(dots, i))
        assert action == point_map.PICK
        assert (lat, lon) == (dots["y"][i], dots["x"][i])  # the dot clicked is the point picked
        assert place_grid.snap(lat, lon, SPACING) == (lat, lon)  # and it is stored exactly so


@pytest.mark.parametrize(
    "points",
    [None, [], [{"customdata": "FEE-1"}], [{"customdata": ["pick", "north", 1, 0]}], [{"x": 1, "y": 2}]],
    ids=["none", "empty", "a record id", "not a number", "an outline"],
)
def test_a_click_on_nothing_or_a_stale_selection_picks_nothing(points):
    assert point_map.clicked(points) is None


def test_the_local_view_covers_the_city_with_the_storage_grid():
    lon, lat, action, _ = point_map.dots("MN", point_map.local(*MINNEAPOLIS))
    assert action == point_map.PICK and 1_000 < len(lon) <= 2_200  # 41 x 51 at most
    # the dots reach about 10 km from the city's centre every way (the view is 20 km square)
    for corner_lat, corner_lon in ((lat.max(), MINNEAPOLIS[1]), (lat.min(), MINNEAPOLIS[1])):
        assert place_grid.distance_m(*MINNEAPOLIS, corner_lat, corner_lon) > 9_500
    for edge in (lon.max(), lon.min()):
        assert place_grid.distance_m(*MINNEAPOLIS, MINNEAPOLIS[0], edge) > 9_500
    # and no dot is further from the centre than the grid allows: nearest dot within half a diagonal
    nearest = min(place_grid.distance_m(*MINNEAPOLIS, y, x) for x, y in zip(lon, lat, strict=True))
    assert nearest <= SPACING * math.sqrt(2) / 2 + 2


def test_the_local_view_offers_no_dot_outside_the_state():
    # Hudson, WI looks across the St. Croix at Minnesota: the view around it offers only Minnesota's side
    lon, lat, _, _ = point_map.dots("MN", point_map.local(44.975, -92.757))
    assert len(lon) > 100
    assert all(point_map.in_state("MN", y, x) for x, y in zip(lon, lat, strict=True))
    assert not point_map.in_state("MN", 44.975, -92.70)  # a few km into Wisconsin


@pytest.mark.parametrize("state", ["MN", "TX", "AK", "RI", "HI", "DC"])
def test_every_place_of_a_state_can_be_reached_by_zooming(state):
    """A random place inside the state lies in the view opened by its nearest zoom dot, and (for a big
    state) again in the local view opened by the nearest dot of that area view."""
    lon, lat, action, target = point_map.dots(state, None)
    assert action == point_map.ZOOM and 50 < len(lon) <= 2_500
    geom = mapgeo.shapes("state")[state]
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = point_map.state_view(state)[0], point_map.state_view(state)[2], *point_map.state_view(state)[1::2]
    places = []
    while len(places) < 40:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(geom, x, y):
            places.append((y, x))
    for y, x in places:
        centre, size = (lat, lon), target
        while True:
            d = [place_grid.distance_m(y, x, a, b) for a, b in zip(*centre, strict=True)]
            i = int(np.argmin(d))
            view = point_map.view_of(state, (centre[0][i], centre[1][i], size))
            assert view[0] <= x <= view[1] and view[2] <= y <= view[3], (state, y, x, size)
            lon2, lat2, action2, target2 = point_map.dots(state, (centre[0][i], centre[1][i], size))
            if action2 == point_map.PICK:
                break
            centre, size = (lat2, lon2), target2


def test_the_state_view_has_only_dots_inside_the_state_and_the_whole_state_in_view():
    lon, lat, _, _ = point_map.dots("MN", None)
    assert all(point_map.in_state("MN", y, x) for x, y in zip(lon, lat, strict=True))
    view = point_map.state_view("MN")
    x0, y0, x1, y1 = mapgeo.shapes("state")["MN"].bounds
    assert view[0] <= x0 and x1 <= view[1] and view[2] <= y0 and y1 <= view[3]


def test_alaska_is_shown_without_the_aleutians_across_the_antimeridian():
    view = point_map.state_view("AK")
    assert view[1] - view[0] < 60 and view[1] < 0


@pytest.mark.parametrize(
    "city, found", [("Minneapolis", True), ("St. Paul", True), ("saint paul", True), ("Atlantis", False), ("", False)]
)
def test_a_city_is_found_in_the_offline_gazetteer(city, found):
    assert (point_map.city_point("MN", city) is not None) == found


def test_the_picked_point_is_marked_on_the_map_and_clicks_go_through_it():
    point = place_grid.snap(44.97, -93.25, SPACING)
    fig = point_map.picker_figure("MN", point_map.local(*point), point)
    mark = next(tr for tr in fig.spec["data"] if tr.get("name") == "point")
    assert (mark["y"], mark["x"]) == ([point[0]], [point[1]])
    assert mark["hoverinfo"] == "skip"  # a click on the marker picks the dot under it
    assert "Minneapolis" in next(tr for tr in fig.spec["data"] if tr.get("mode") == "markers+text")["text"]


def test_the_map_is_drawn_from_the_offline_boundaries_and_names_places_in_spanish():
    fig = point_map.picker_figure("MN", None, None, lang="es")
    assert fig.layout.xaxis.range is not None  # a valid plotly figure (go.Figure validates it)
    assert "acercar" in _dots_trace(fig)["hovertemplate"]
    assert not any("map" in str(tr.get("type")) for tr in fig.spec["data"])  # no tile-based trace
    assert point_map.picker_figure("XX", None, None) is None


def test_an_accepted_point_drafts_the_record_with_an_honest_precision():
    report = Report(
        ref="R-000009",
        kind="new",
        status="in_review",
        created_at=datetime(2025, 6, 2),
        date_from=date(2025, 6, 1),
        state="MN",
        latitude=44.97395,
        longitude=-93.29416,
        what_happened="x",
    )
    row = draft_new(report, load_rules(), date(2025, 6, 5))
    assert (float(row["latitude"]), float(row["longitude"])) == (44.97395, -93.29416)
    # rounded to 500 m: coarser than a block, so the record says city (drawn hollow, "approximate")
    assert row["location_precision"] == "city"
    assert (
        draft_new(
            Report("R-1", "new", "new", datetime(2025, 6, 2), date(2025, 6, 1), state="MN"),
            load_rules(),
            date(2025, 6, 5),
        )["location_precision"]
        == ""
    )
