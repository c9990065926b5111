"""The Report page's point picker: an offline map (the shipped state, county and district boundaries and
the gazetteer's place names; no tiles) covered with faint dots that a click picks. No Streamlit here.

Three views. The state view shows the whole state with coarse dots, and a big state's dots open an
area view (AREA_VIEW_M wide) with finer ones: a click on those only zooms in, since a dot kilometres
from its neighbours says nothing useful. The local view is a square LOCAL_VIEW_M wide around a place
(the city from the gazetteer, or where the visitor zoomed) whose dots are the grid every stored point
is rounded to (place_grid, reports.yaml point_grid_m): a click there picks a point, and that point is
stored exactly as picked. Each dot carries its action, position and the view it opens in customdata,
so a selection is turned back into what to do by clicked().
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from dashboard import geo
from dashboard.explore import mapfig, mapgeo
from dashboard.explore.figures import base_layout, esc, fast_figure
from dashboard.i18n import t
from dashboard.reports import place_grid
from dashboard.reports.rules import load_rules

LOCAL_VIEW_M = 20_000.0  # the local view: 20 km wide, 25 km tall, about 2,100 dots at 500 m (41 x 51)
AREA_VIEW_M = 100_000.0  # between a big state and the local view: 100 km wide, zoom dots 2.5 km apart
TALL = 1.25  # views are this much taller than wide: a phone's map (310 px wide) then fills its chart
AREA_DOTS_ACROSS = 40
STATE_DOTS = 2_000  # about this many zoom dots over a state's bounding box (fewer fall inside it)
IN_STATE_MARGIN = 0.02  # degrees (about 2 km): the boundaries are simplified at 1:20m, coasts included
NEAR_CITY_M = 20_000.0  # a point further than this from a newly named city is cleared
HEIGHT = 400
LABELS = 24  # place names shown in the local view, at most
LABEL_PX = 300  # the map's width on screen, about (a phone's and a laptop's alike): for names' sizes
PICK, ZOOM = "pick", "zoom"
DOT = "rgba(31, 119, 180, 0.28)"
MARK = "#c0392b"


def spacing_m() -> float:
    return load_rules().point_grid_m


def precision_words(lang: str = "en") -> str:
    """What the page says of the rounding: "about 500 m"."""
    return t("about {n} m", lang, n=f"{spacing_m():,.0f}")


# ---------------------------------------------------------------- places


@lru_cache(maxsize=64)
def _state_shape(state: str):
    """The state's polygon, with a margin, prepared for point tests; None for an unknown code."""
    geom = mapgeo.shapes("state").get(state)
    if geom is None:
        return None
    wide = geom.buffer(IN_STATE_MARGIN)
    shapely.prepare(wide)
    return wide


def in_state(state: str, latitude: float, longitude: float) -> bool:
    shape = _state_shape(state)
    return bool(shape is not None and shapely.contains_xy(shape, longitude, latitude))


def state_view(state: str) -> tuple[float, float, float, float] | None:
    """(lon0, lon1, lat0, lat1) around the state; Alaska's Aleutians across the antimeridian are left out."""
    geom = mapgeo.shapes("state").get(state)
    if geom is None:
        return None
    parts = [p for p in shapely.get_parts(geom) if p.centroid.x < 0] or list(shapely.get_parts(geom))
    x0, y0, x1, y1 = shapely.total_bounds(parts)
    pad_x, pad_y = (x1 - x0) * 0.03, (y1 - y0) * 0.03
    return float(x0 - pad_x), float(x1 + pad_x), float(y0 - pad_y), float(y1 + pad_y)


@lru_cache(maxsize=64)
def _places(state: str) -> pd.DataFrame:
    """The gazetteer's places of one state: city, key, latitude, longitude."""
    places = geo.places()
    return places.loc[places["state"] == state, ["city", "key", "latitude", "longitude"]].reset_index(drop=True)


def city_point(state: str, city: str) -> tuple[float, float] | None:
    """(latitude, longitude) of the city in the offline gazetteer, or None when it is not there."""
    if not state or not (city or "").strip():
        return None
    key = geo.place_key(pd.Series([city])).iloc[0]
    rows = _places(state)
    hit = rows.loc[rows["key"] == key]
    if hit.empty:
        return None
    return float(hit["latitude"].iloc[0]), float(hit["longitude"].iloc[0])


def _nearest_names(state: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The nearest gazetteer place to each point (for "near Richfield" in the dots' hover)."""
    rows = _places(state)
    if rows.empty or not len(lon):
        return np.full(len(lon), "", dtype=object)
    px, py = rows["longitude"].to_numpy(), rows["latitude"].to_numpy()
    xs = math.cos(math.radians(float(np.mean(lat))))
    best = np.empty(len(lon), dtype=np.intp)
    for start in range(0, len(lon), 500):  # 500 x a state's ~2,000 places at a time: a few MB
        dx = (lon[start : start + 500, None] - px[None, :]) * xs
        dy = lat[start : start + 500, None] - py[None, :]
        best[start : start + 500] = np.argmin(dx * dx + dy * dy, axis=1)
    return rows["city"].to_numpy(dtype=object)[best]


def _labels(state: str, view) -> pd.DataFrame:
    """Place names to print in a zoomed view, the nearest to its centre first, each written beside its
    place towards the middle of the view (`side`: +1 to the right, -1 to the left); a name whose box
    would overlap one already kept, or leave the view, is left out."""
    rows = _places(state)
    inside = rows[rows["longitude"].between(view[0], view[1]) & rows["latitude"].between(view[2], view[3])]
    clat, clon = (view[2] + view[3]) / 2, (view[0] + view[1]) / 2
    order = inside.assign(
        d=[
            place_grid.distance_m(clat, clon, a, b)
            for a, b in zip(inside["latitude"], inside["longitude"], strict=True)
        ],
        side=np.where(inside["longitude"] < clon, 1, -1),
    ).sort_values("d")
    # boxes in degrees, from the size of the text on a map about LABEL_PX wide (a phone's or a laptop's)
    per_px = (view[1] - view[0]) / LABEL_PX
    char = 7 * per_px
    half_h = 9 * (view[3] - view[2]) / (LABEL_PX * TALL)
    kept: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    for i, row in zip(order.index, order.itertuples(), strict=True):
        if len(kept) == LABELS:
            break
        width = (len(row.city) + 1) * char
        x0, x1 = (row.longitude, row.longitude + width) if row.side > 0 else (row.longitude - width, row.longitude)
        box = (x0, x1, row.latitude - half_h, row.latitude + half_h)
        if box[0] < view[0] or box[1] > view[1] or box[2] < view[2] or box[3] > view[3]:
            continue
        if any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in boxes):
            continue
        kept.append(i)
        boxes.append(box)
    return order.loc[kept]


# ---------------------------------------------------------------- dots


def _state_step(state: str) -> tuple[float, float]:
    """(dot spacing, size of the view a dot zooms into) for the state view: about STATE_DOTS dots over the
    state's box, never further apart than half the view they open, so that every place can be reached."""
    view = state_view(state)
    width_m = (view[1] - view[0]) * place_grid.METRES_PER_DEGREE * mapfig.x_scale(view)
    height_m = (view[3] - view[2]) * place_grid.METRES_PER_DEGREE
    target = AREA_VIEW_M if max(width_m, height_m) > 1.5 * AREA_VIEW_M else LOCAL_VIEW_M
    step = math.ceil(math.sqrt(width_m * height_m / STATE_DOTS) / 1000) * 1000
    return float(min(max(step, 1000.0), target / 2)), target


def dots(state: str, centre: tuple[float, float, float] | None) -> tuple[np.ndarray, np.ndarray, str, float]:
    """(lon, lat, action, size of the view a click opens) of the dots of a view, inside the state (with
    its margin). The state view (centre None) and an area view zoom; the local view's dots pick, and they
    are the storage grid itself (place_grid with reports.yaml point_grid_m)."""
    shape = _state_shape(state)
    if centre is None:
        view = state_view(state)
        if view is None:
            return np.empty(0), np.empty(0), ZOOM, LOCAL_VIEW_M
        step, target = _state_step(state)
        action = ZOOM
    else:
        view = view_of(state, centre)
        if centre[2] > LOCAL_VIEW_M:
            step, target, action = centre[2] / AREA_DOTS_ACROSS, LOCAL_VIEW_M, ZOOM
        else:
            step, target, action = spacing_m(), 0.0, PICK
    lon, lat = place_grid.grid(view, step)
    if shape is not None:
        keep = shapely.contains_xy(shape, lon, lat)
        lon, lat = lon[keep], lat[keep]
    return lon, lat, action, target


def view_of(state: str, centre: tuple[float, float, float] | None):
    """(lon0, lon1, lat0, lat1) the figure shows."""
    if centre is None:
        return state_view(state)
    return place_grid.window(centre[0], centre[1], centre[2], centre[2] * TALL)


def local(latitude: float, longitude: float) -> tuple[float, float, float]:
    """The local view's centre around a point: (lat, lon, LOCAL_VIEW_M)."""
    return (latitude, longitude, LOCAL_VIEW_M)


# ---------------------------------------------------------------- the figure


def _layout(view) -> dict:
    # The view keeps its shape (the dots are a square grid): the axes shrink to fit the chart, the map at
    # its top left, so that on a phone the blank part is a strip under it, not a band above and below.
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True, "constrain": "domain"}
    return dict(
        **base_layout(HEIGHT),
        xaxis={**axis, "range": [view[0], view[1]], "constraintoward": "left"},
        # equirectangular, as Explore's map: a degree of latitude 1/cos(latitude) times a degree of longitude
        yaxis={
            **axis,
            "range": [view[2], view[3]],
            "scaleanchor": "x",
            "scaleratio": 1 / mapfig.x_scale(view),
            "constraintoward": "top",
        },
        dragmode=False,  # a finger on a phone scrolls the page; a click picks
        hovermode="closest",
        showlegend=False,
    )


@lru_cache(maxsize=256)
def _outline_xy(level: str, view: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The boundaries of one layer (state, county, district) that cross the view, clipped to it and
    simplified for its scale, as x, y arrays with NaN between rings (what one line trace draws)."""
    pad_x, pad_y = (view[1] - view[0]) * 0.05, (view[3] - view[2]) * 0.05
    box = (view[0] - pad_x, view[2] - pad_y, view[1] + pad_x, view[3] + pad_y)
    tol = mapgeo.tolerance_for(view[1] - view[0])
    parts = []
    for ident in mapgeo.ids_in(level, (box[0], box[2], box[1], box[3])):
        geom = shapely.clip_by_rect(mapgeo.shapes(level)[ident].boundary, *box)
        geom = shapely.simplify(geom, tol)
        for line in shapely.get_parts(geom):
            if line.is_empty:
                continue
            parts.append(np.asarray(line.coords)[:, :2])
            parts.append(np.full((1, 2), np.nan))
    if not parts:
        return np.empty(0), np.empty(0)
    xy = np.round(np.concatenate(parts), 4)  # about 10 m: finer than a pixel of the local view
    return xy[:, 0], xy[:, 1]


def _outlines(view) -> list[dict]:
    """County, council district and state lines, faint to strong; counties only once the view is a few
    states wide (as on Explore's map)."""
    view = tuple(round(v, 4) for v in view)
    levels = [("county", "#cfcfcf", 0.8)] if view[1] - view[0] <= 14 else []
    levels += [("district", "#b9b9b9", 0.8), ("state", "#6f6f6f", 1.4)]
    traces = []
    for level, colour, width in levels:
        xs, ys = _outline_xy(level, view)
        if len(xs):
            line = {"color": colour, "width": width}
            traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": line, "hoverinfo": "skip"})
    return traces


def picker_figure(
    state: str,
    centre: tuple[float, float, float] | None,
    point: tuple[float, float] | None,
    lang: str = "en",
):
    """The map for a state: its state view (centre None), or the square view centre = (lat, lon, size in
    metres) with its dots, and the picked point (lat, lon), if any, marked. None for an unknown state."""
    view = view_of(state, centre)
    if view is None:
        return None
    lon, lat, action, target = dots(state, centre)
    if action == PICK:
        hover, size = t("Click to put the point here, near {place}", lang, place="%{text}"), 6
    else:
        hover, size = t("Click to zoom in near {place}", lang, place="%{text}"), 5
    traces = _outlines(view)
    if centre is not None:
        traces.append(_label_trace(_labels(state, view)))
    traces.append(
        {
            "type": "scatter",
            "x": lon.astype(np.float64),
            "y": lat.astype(np.float64),
            "mode": "markers",
            "marker": {"size": size, "color": DOT},
            # plotly dims the dots it did not select; the picked point is drawn apart, so keep them all alike
            "unselected": {"marker": {"opacity": 1}},
            "selected": {"marker": {"opacity": 1}},
            "customdata": [[action, float(a), float(b), target] for a, b in zip(lat, lon, strict=True)],
            "text": [esc(n) for n in _nearest_names(state, lon, lat)],
            "hovertemplate": hover + "<extra></extra>",
            "name": "dots",
        }
    )
    if point is not None:
        traces.append(_mark(*point))
    return fast_figure(traces, _layout(view))


def _label_trace(labels: pd.DataFrame) -> dict:
    """Place names, each beside a small dot at the place, written towards the middle of the view so that
    none runs off its edge."""
    return {
        "type": "scatter",
        "x": labels["longitude"].to_numpy(),
        "y": labels["latitude"].to_numpy(),
        "mode": "markers+text",
        "marker": {"size": 4, "color": "#444444"},
        "text": [esc(c) for c in labels["city"]],
        "textposition": ["middle right" if side > 0 else "middle left" for side in labels["side"]],
        "textfont": {"size": 12, "color": "#333333"},
        "hoverinfo": "skip",
    }


def _mark(latitude: float, longitude: float) -> dict:
    return {
        "type": "scatter",
        "x": [longitude],
        "y": [latitude],
        "mode": "markers",
        "marker": {"size": 16, "color": MARK, "symbol": "circle", "line": {"color": "white", "width": 2}},
        "hoverinfo": "skip",  # clicks go through to the dots
        "name": "point",
    }


def review_figure(latitude: float, longitude: float, state: str = ""):
    """A contributor's look at a report's point: the local view around it, the point marked, no dots."""
    view = view_of(state, local(latitude, longitude))
    traces = _outlines(view)
    if state:
        traces.append(_label_trace(_labels(state, view)))
    traces.append(_mark(latitude, longitude))
    return fast_figure(traces, {**_layout(view), "height": 320})


def clicked(points: list[dict] | None) -> tuple[str, float, float, float] | None:
    """(action, latitude, longitude, size of the view to open) of the dot a selection holds, else None
    (a click on nothing, or a stale selection from another figure)."""
    for p in points or []:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)) and len(cd) == 4 and cd[0] in (PICK, ZOOM):
            try:
                return str(cd[0]), float(cd[1]), float(cd[2]), float(cd[3])
            except (TypeError, ValueError):
                continue
    return None
