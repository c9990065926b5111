"""The still picture of the map (dashboard.explore.mappreview): what a new visitor sees first."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from explore_support import make_dataset, synthetic

from dashboard.explore import aggregate, mapfig, mappreview

SVG = "{http://www.w3.org/2000/svg}"
VIEW = (-100.0, -90.0, 40.0, 45.0)  # 10 degrees of longitude by 5 of latitude


def layout(view=VIEW, ratio=1.0, **extra) -> dict:
    return {
        "height": 520,
        "xaxis": {"range": [view[0], view[1]]},
        "yaxis": {"range": [view[2], view[3]], "scaleanchor": "x", "scaleratio": ratio},
        **extra,
    }


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # also proves the picture is well-formed XML (a browser draws nothing if not)


def corners(view, ratio=1.0):
    """Where the view's north-west and south-east corners land in the picture."""
    x = [view[0], view[1]]
    spec = {
        "data": [{"type": "scatter", "mode": "markers", "x": x, "y": [view[3], view[2]]}],
        "layout": layout(view, ratio),
    }
    root = parse(mappreview.svg(spec, "Map"))
    assert float(root.get("width")) / float(root.get("height")) == pytest.approx(mappreview.BOX_ASPECT, rel=0.01)
    return [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(SVG + "circle")]


@pytest.mark.parametrize(
    ("view", "ratio"),
    [
        pytest.param(VIEW, 1.0, id="wider-than-tall"),
        pytest.param((-91.5, -87.5, 37.0, 42.5), 1 / np.cos(np.radians(39.75)), id="a-tall-state-stretched"),
        pytest.param((-125.0, -66.5, 35.0, 37.0), 1.25, id="a-thin-band"),
    ],
)
def test_north_is_up_in_plotly_proportions_and_the_view_is_centred(view, ratio):
    (x0, y0), (x1, y1) = corners(view, ratio)
    assert x0 < x1 and y0 < y1  # west on the left, north at the top
    assert (y1 - y0) / (x1 - x0) == pytest.approx(ratio * (view[3] - view[2]) / (view[1] - view[0]), rel=0.02)
    width, height = mappreview.CANVAS, mappreview.CANVAS / mappreview.BOX_ASPECT
    assert x0 + x1 == pytest.approx(width, abs=1.5) and y0 + y1 == pytest.approx(height, abs=1.5)  # centred
    assert min(x0, y0) >= -0.5 and x1 <= width + 0.5 and y1 <= height + 0.5  # all of the view is in the picture
    assert x0 < 0.5 or y0 < 0.5  # and it fills the picture one way (plotly widens the other)


def test_filled_rings_lines_and_dots_keep_their_trace_style():
    ring = [-99.0, -98.0, -98.0, -99.0]
    spec = {
        "data": [
            {"type": "scatter", "mode": "lines", "x": [-100.0, -95.0], "y": [42.0, 42.0], "line": {"color": "#8f8f8f"}},
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": "#123456",
                # two rings, separated as plotly separates them (None in a list, NaN in an array)
                "x": np.array([*ring, np.nan, *[v + 5 for v in ring]], dtype=np.float32),
                "y": np.array([41.0, 41.0, 42.0, 42.0, np.nan, 41.0, 41.0, 42.0, 42.0], dtype=np.float32),
            },
            {"type": "scatter", "mode": "markers", "x": [-97.0, None], "y": [43.0, None], "marker": {"color": "red"}},
        ],
        "layout": layout(),
    }
    paths = list(parse(mappreview.svg(spec, "Map")).iter(SVG + "path"))
    outline, cells = paths
    assert outline.get("fill") == "none" and outline.get("stroke") == "#8f8f8f"
    assert cells.get("fill") == "#123456"
    assert cells.get("d").count("M") == 2 and cells.get("d").count("Z") == 2  # one closed ring each
    circles = list(parse(mappreview.svg(spec, "Map")).iter(SVG + "circle"))
    assert len(circles) == 1  # the missing point is not drawn at the corner


def test_text_in_the_picture_and_its_legend_is_escaped():
    name = "<script>alert(1)</script> &amp; co<br>second line"
    spec = {
        "data": [
            {"type": "scatter", "mode": "markers", "x": [-95.0], "y": [42.0], "name": name, "marker": {"color": "#000"}}
        ],
        "layout": layout(legend={"title": {"text": "Records <i>per</i> cell"}}),
    }
    box = mappreview.preview_html(spec, 'Map "of" <records>', "map-preview")
    assert "<script>" not in box and "&lt;script&gt;" in box
    assert "& co<br>second line" not in box and "&amp; co<br>second line" in box  # plotly's <br> stays a break
    picture = base64.b64decode(re.search(r'base64,([^"]+)"', box).group(1)).decode()
    assert parse(picture).find(SVG + "title").text == 'Map "of" <records>'
    assert 'alt="Map &quot;of&quot; &lt;records&gt;"' in box


def test_legend_lists_what_plotly_lists_in_its_order():
    spec = {
        "data": [
            {"type": "scatter", "mode": "lines", "x": [-99.0], "y": [41.0], "showlegend": False},  # outlines
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": "#aaa",
                "x": [-99.0],
                "y": [41.0],
                "name": "1–9",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [-99.0],
                "y": [41.0],
                "name": "cell centre",
                "showlegend": False,
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [-99.0],
                "y": [41.0],
                "name": "hollow dot",
                "legendrank": 1,
                "marker": {"symbol": "circle-open", "color": "#444"},
            },
        ],
        "layout": layout(),
    }
    assert mappreview.legend(spec) == [("hollow", "#444", ["hollow dot"]), ("fill", "#aaa", ["1–9"])]


@pytest.mark.parametrize("kind", ["cells", "points"])
def test_pictures_of_real_map_figures_draw_every_cell_and_point(kind):
    ds = synthetic(20_000) if kind == "cells" else make_dataset({"latitude": 44.9, "longitude": -93.2}, {})
    m = np.ones(len(ds.records), dtype=bool)
    view = aggregate.map_extent(ds, m)["view"]
    got, frame = aggregate.map_points(ds, m, 3000, mapfig.hex_size_for(view), mapfig.x_scale(view))
    assert got == kind
    fig = mapfig.cells_figure(frame, view) if kind == "cells" else mapfig.points_figure(frame, view)
    root = parse(mappreview.svg(fig.spec, "Map"))
    circles = len(list(root.iter(SVG + "circle")))
    assert circles == len(frame)  # a dot per cell centre, or per record
    if kind == "cells":
        rings = sum(p.get("d").count("Z") for p in root.iter(SVG + "path"))
        assert rings == len(frame)  # every hexagon drawn, closed
    assert len(mappreview.svg(fig.spec, "Map")) < 400_000  # it travels on the first page load
