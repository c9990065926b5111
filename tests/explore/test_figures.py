"""Figures: the offline SVG map (points, cells, choropleth), the timeline and the breakdown bars."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import plotly.io as pio
import pytest
from explore_support import make_dataset, synthetic

from dashboard.explore import aggregate, figures, mapfig

MAX_FIGURE_BYTES = 1_500_000
NATIONAL = (-125.0, -66.5, 24.0, 49.5)


@pytest.fixture(scope="module")
def big():
    """100,000 records over the contiguous states (the ICE FY2019 file has 131,904)."""
    return synthetic(100_000)


def all_of(ds):
    return np.ones(len(ds.records), dtype=bool)


def map_figure(ds, m, budget=3000, bands=False):
    view = aggregate.map_extent(ds, m)["view"]
    kind, frame = aggregate.map_points(ds, m, budget, mapfig.hex_size_for(view), mapfig.x_scale(view))
    fig = mapfig.points_figure(frame, view, bands=bands) if kind == "points" else mapfig.cells_figure(frame, view)
    return kind, frame, fig


def no_webgl_or_tiles(fig):
    types = {t.type for t in fig.data}
    assert types <= {"scatter"}, types  # SVG scatter only: no scattergl, scattermap, choropleth_map
    layout = fig.to_plotly_json()["layout"]
    assert "map" not in layout and "mapbox" not in layout and "geo" not in layout


@pytest.mark.parametrize("level", ["state", "county"])
def test_choropleth_of_100k_records_stays_small(big, level):
    counts = aggregate.counts_by_area(big, all_of(big), level)
    fig = mapfig.choropleth_figure(counts, level, NATIONAL)
    assert len(pio.to_json(fig)) < MAX_FIGURE_BYTES
    no_webgl_or_tiles(fig)
    fills = [t for t in fig.data if t.fill == "toself"]
    assert 1 <= len(fills) <= 6  # one trace per colour class, not one per area
    assert all(re.fullmatch(r"[\d,]+(–[\d,]+)?", t.name) for t in fills)  # the legend names each class
    assert fig.layout.legend.title.text == "Records per area"
    dots = [t for t in fig.data if t.mode == "markers"]
    assert len(dots) == 1 and len(dots[0].customdata) == len(counts)


def test_cells_of_100k_records_stay_small_and_sum_to_the_count(big):
    kind, cells, fig = map_figure(big, all_of(big))
    assert kind == "cells"
    assert len(pio.to_json(fig)) < MAX_FIGURE_BYTES
    no_webgl_or_tiles(fig)
    assert cells["records"].sum() == len(big.records)
    keys = [k for t in fig.data if t.mode == "markers" for k in t.customdata]
    assert len(keys) == len(cells)
    # a cell's key, as the browser sends it back, finds exactly that cell's records
    key = mapfig.selection_keys([{"customdata": keys[0]}], "cells")
    lon, lat = (float(v) for v in key[0].split(","))
    inside = aggregate.records_in_cells(big, all_of(big), [(lon, lat)], cells.attrs["hex_size"], cells.attrs["x_scale"])
    row = cells[(cells["longitude"] == lon) & (cells["latitude"] == lat)]
    assert inside.sum() == row["records"].iloc[0]


def test_cells_of_approximate_places_have_hollow_centres(big):
    coarse = big.records["location_precision"].astype(str).replace({"exact": "region", "block": "county"})
    records = big.records.assign(location_precision=coarse.astype("category"))
    approx = type(big)(big.name, 1, records, {}, {}, big.day, big.force_rank)
    _, cells, fig = map_figure(approx, all_of(approx))
    centres = [t for t in fig.data if t.mode == "markers"]
    assert [t.marker.symbol for t in centres] == ["circle-open"]  # every record is city, county or region
    assert len(centres[0].customdata) == len(cells) and "hollow" in centres[0].name
    _, cells, fig = map_figure(big, all_of(big))
    symbols = {t.marker.symbol: len(t.customdata) for t in fig.data if t.mode == "markers"}
    assert symbols.get("circle", 0) > 0  # half the records are exact or block: filled centres too


def test_points_at_the_budget_stay_small(big):
    m = np.zeros(len(big.records), dtype=bool)
    m[-3000:] = True
    kind, pts, fig = map_figure(big, m)
    assert kind == "points" and len(pts) == 3000
    assert len(pio.to_json(fig)) < MAX_FIGURE_BYTES
    no_webgl_or_tiles(fig)
    points = [t for t in fig.data if t.mode == "markers" and t.customdata is not None]
    assert sum(len(t.x) for t in points) == 3000


@pytest.fixture(scope="module")
def mixed():
    return make_dataset(
        {"location_precision": "exact", "force_types": "weapon displayed"},
        {"location_precision": "city", "force_types": "weapon displayed", "latitude": 44.9, "longitude": -93.1},
        {"location_precision": "region", "force_types": "", "latitude": 45.1, "longitude": -93.3},
        {"location_precision": "block", "force_types": "none", "city": "<b>Bold</b> & co", "latitude": 45.0},
    )


def test_points_are_styled_by_force_level_and_hollow_when_approximate(mixed):
    kind, _, fig = map_figure(mixed, all_of(mixed))
    assert kind == "points"
    points = [t for t in fig.data if t.mode == "markers" and t.customdata is not None]
    by_precision = {}
    for t in points:
        for row in t.customdata:
            by_precision[row[0]] = (t.name.replace("<br>", " "), t.marker.symbol)
    assert by_precision["T-1"][1] == "triangle-up" and by_precision["T-1"][0] == "weapon displayed"
    assert by_precision["T-2"] == ("weapon displayed", "triangle-up-open")  # same level, hollow: city only
    assert by_precision["T-3"][0] == "not recorded" and by_precision["T-3"][1].endswith("-open")
    assert not by_precision["T-4"][1].endswith("-open")
    legend = [t.name.replace("<br>", " ") for t in fig.data if t.showlegend is not False and t.name]
    assert "weapon displayed" in legend and "none" in legend and "not recorded" in legend
    assert any("hollow" in name for name in legend)  # the legend explains hollow markers
    hover = " ".join(t.hovertemplate for t in points)
    assert "force level: weapon displayed" in hover  # hover text names the level, not just a colour


def test_record_text_in_the_map_is_escaped(mixed):
    _, _, fig = map_figure(mixed, all_of(mixed))
    text = json.dumps([list(t.customdata[0]) for t in fig.data if t.customdata is not None])
    assert "<b>Bold</b>" not in text and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in text
    assert mapfig.selection_keys([{"customdata": ["a&amp;b", "", "", "", ""]}], "points") == ("a&b",)


def test_map_fits_the_view_with_equal_aspect(mixed):
    _, _, fig = map_figure(mixed, all_of(mixed))
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert x0 < -93.3 and x1 > -93.1 and y0 < 44.9 and y1 > 45.1 and (x1 - x0) < 5
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == pytest.approx(1 / np.cos(np.radians((y0 + y1) / 2)))
    assert fig.layout.xaxis.visible is False
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2  # state and county outlines for a view this small
    assert np.isnan(np.asarray(lines[0].x, dtype=float)).any()  # rings separated by gaps


def test_national_map_draws_state_outlines_only(big):
    _, _, fig = map_figure(big, all_of(big))
    lines = [t for t in fig.data if t.mode == "lines" and t.fill != "toself"]
    assert len(lines) == 1 and len(lines[0].x) > 1000


@pytest.mark.parametrize(
    ("points", "kind", "expected"),
    [
        pytest.param(
            [{"customdata": ["T-2", "d", "p", "t", "e"]}, {"customdata": ["T-1", "", "", "", ""]}],
            "points",
            ("T-1", "T-2"),
        ),
        pytest.param([{"x": 1, "y": 2}], "points", (), id="outline-without-customdata"),
        pytest.param([{"customdata": "-93.1,44.9"}], "cells", ("-93.1,44.9",)),
        pytest.param([{"customdata": "MN"}, {"customdata": "MN"}], "state", ("MN",)),
        pytest.param([{"customdata": "MN"}], "cells", (), id="stale-area-selection-on-cells"),
        pytest.param([{"customdata": ["T-1", "", "", "", ""]}], "state", (), id="stale-point-selection-on-areas"),
        pytest.param(None, "points", ()),
    ],
)
def test_selection_keys(points, kind, expected):
    assert mapfig.selection_keys(points, kind) == expected


@pytest.mark.parametrize(
    ("counts", "edges"),
    [
        ([1], [1]),
        ([3, 1, 2], [1, 2, 3]),
        (list(range(1, 1000)), [1, 160, 330, 500, 660, 830]),
    ],
)
def test_count_bins(counts, edges):
    assert figures.count_bins(counts) == edges


def test_count_bins_cover_every_value_in_at_most_six_classes():
    rng = np.random.default_rng(0)
    counts = rng.lognormal(3, 2, 500).astype(int) + 1
    edges = figures.count_bins(counts)
    assert len(edges) <= 6 and edges[0] == counts.min() and edges == sorted(set(edges))
    labels = figures.bin_labels(edges, int(counts.max()))
    assert labels[-1].endswith(f"{counts.max():,} records")


def test_points_are_coloured_by_band_by_default(mixed):
    _, _, fig = map_figure(mixed, all_of(mixed), bands=True)
    legend = [t.legendgroup for t in fig.data if t.customdata is not None]
    assert set(legend) == {"not recorded", "no force", "weapon displayed"}
    assert fig.layout.legend.title.text == "Force (grouped)"


def test_timeline_is_stacked_by_force_level_in_severity_order(mixed):
    tl = aggregate.timeline(mixed, all_of(mixed))
    fig = figures.timeline_figure(tl, bands=False)
    assert fig.layout.barmode == "stack"
    assert [t.legendgroup for t in fig.data] == ["not recorded", "none", "weapon displayed"]
    assert [t.name for t in fig.data] == ["not recorded", "none", "weapon<br>displayed"]  # wrapped for phones
    assert sum(sum(t.y) for t in fig.data) == 4


def test_bars_escape_and_wrap_labels():
    import pandas as pd

    counts = pd.DataFrame({"value": ["National Guard (federal orders)", "<i>x</i>"], "records": [5, 2]})
    fig = figures.bar_figure(counts, "agency")
    labels = list(fig.data[0].y)
    assert labels[0] == "National Guard<br>(federal orders)"
    assert labels[1] == "&lt;i&gt;x&lt;/i&gt;"
    assert fig.data[0].orientation == "h" and list(fig.data[0].text) == ["5", "2"]


def test_the_explore_core_does_not_import_streamlit():
    code = (
        "import sys; import dashboard.explore.figures, dashboard.explore.mapfig, dashboard.explore.summaries, "
        "dashboard.explore.record_text, dashboard.explore.export, dashboard.explore.aggregate; "
        "sys.exit(1 if 'streamlit' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_every_figure_is_valid_plotly(big, mixed):
    """The figures skip plotly's validation when built (for speed); here each kind is validated."""
    import plotly.graph_objects as go

    m = all_of(mixed)
    figs = [map_figure(mixed, m)[2], map_figure(big, all_of(big))[2]]
    for level in ("state", "county", "district"):
        figs.append(mapfig.choropleth_figure(aggregate.counts_by_area(big, all_of(big), level), level, NATIONAL))
    for freq in ("month", "week"):
        figs.append(figures.timeline_figure(aggregate.timeline(mixed, m, freq), freq))
    figs.append(figures.bar_figure(aggregate.counts_by(big, all_of(big), "agencies"), "agency"))
    for fig in figs:
        go.Figure(fig.to_dict())  # raises on an invalid property or value
