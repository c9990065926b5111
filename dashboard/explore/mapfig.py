"""The offline map as an SVG cartesian plotly figure (no tiles, no WebGL).

x = longitude, y = latitude, with y scaled by 1/cos(latitude) (equirectangular), state outlines (and
county outlines when the view is small) drawn as line traces. Three figures share that frame:
points coloured and shaped by force level, hexagon cells binned by count, and a choropleth of
counts per area. Selectable things (points, cell centres, area centres) carry their key in
customdata, so a box or lasso selection can be turned back into records.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.explore import mapgeo
from dashboard.explore.aggregate import APPROXIMATE
from dashboard.explore.figures import (
    LEGEND_ENTRY_WIDTH,
    NOT_RECORDED,
    band_of,
    band_style,
    base_layout,
    bin_colours,
    bin_labels,
    count_bins,
    esc,
    fast_figure,
    force_levels,
    force_style,
    level_order,
    wrap_label,
)
from dashboard.explore.summaries import tr
from dashboard.i18n import num, t, term

MAP_HEIGHT = 520
APPROX_NOTE = tr("hollow: place known only to city, county or region")  # wrapped: four short legend lines


def x_scale(view) -> float:
    """cos(middle latitude of the view): degrees of longitude per degree of latitude on screen."""
    return math.cos(math.radians((view[2] + view[3]) / 2))


def hex_size_for(view) -> float:
    """Hexagon circumradius (in scaled degrees) that gives about 60 cells across the view."""
    return round(max(0.01, (view[1] - view[0]) * x_scale(view) / 60), 4)


def outlines(view) -> dict:
    """Boundary layers for a view: states always, counties once the view is a few states wide."""
    width = view[1] - view[0]
    tol = mapgeo.tolerance_for(width)
    out = {"states": mapgeo.state_outlines(tol), "counties": None}
    if width <= 14:
        out["counties"] = mapgeo.county_outlines(mapgeo.states_in(view), tol)
    return out


def _scatter(traces: list[dict], **trace) -> None:
    traces.append({"type": "scatter", **trace})


def _filled(traces: list[dict], px, py, colour: str, label: str, edge: str) -> None:
    """One legend entry of filled shapes (hexagons or areas of one count bin), outlines joined by gaps."""
    _scatter(
        traces,
        x=px,
        y=py,
        mode="lines",
        fill="toself",
        fillcolor=colour,
        line={"color": edge, "width": 0.5},
        name=label,
        hoverinfo="skip",
    )


def _start(view, layers: dict, legend_title: str) -> tuple[list[dict], dict]:
    """The map's layout (view fitted, axes hidden, latitude stretched by 1/cos(latitude):
    equirectangular) and the boundary-layer traces, drawn first so the data sits on top."""
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    layout = dict(
        **base_layout(MAP_HEIGHT),
        xaxis={**axis, "range": [view[0], view[1]]},
        yaxis={**axis, "range": [view[2], view[3]], "scaleanchor": "x", "scaleratio": 1 / x_scale(view)},
        dragmode="select",
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.01,
            "x": 0,
            "title": {"text": legend_title, "side": "top"},
            "entrywidth": LEGEND_ENTRY_WIDTH,
            "font": {"size": 12},
        },
        uirevision=str(tuple(round(v, 3) for v in view)),
    )
    traces: list[dict] = []
    for key, colour, width in (("counties", "#d9d9d9", 0.5), ("districts", "#c4c4c4", 0.5), ("states", "#8f8f8f", 0.8)):
        if layers.get(key) is not None and len(layers[key][0]):
            xs, ys = layers[key]
            _scatter(
                traces,
                x=xs,
                y=ys,
                mode="lines",
                line={"color": colour, "width": width},
                hoverinfo="skip",
                showlegend=False,
            )
    return traces, layout


def _hover_place(row, lang: str = "en") -> str:
    place = ", ".join(p for p in (str(row.city), str(row.state)) if p and p != "nan")
    return place or t("place not named", lang)


def _records(n: int, lang: str) -> str:
    return t(tr("{n} record") if n == 1 else tr("{n} records"), lang, n=num(int(n), lang))


GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
STACK_SPACING_PX = 9  # about one marker apart on a laptop's map
MAP_PX = 900
STACK_MAX = 30  # records a stack spreads one marker apart; a bigger one packs into the same disc


def spread_stacks(x: np.ndarray, y: np.ndarray, severity: np.ndarray, view) -> tuple[np.ndarray, np.ndarray]:
    """Records that share one point (every city-level record of a city) drawn as a small sunflower around
    it, most severe in the middle, so a cluster shows its mix of force instead of only its worst record
    on top. Offsets are in screen terms (round on the equirectangular map); lone points do not move."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    key = pd.Series(list(zip(x.round(5), y.round(5), strict=True)))
    rank = pd.DataFrame({"key": key, "sev": -severity.astype(np.int64)}).sort_values(["key", "sev"], kind="stable")
    k = rank.groupby("key", sort=False).cumcount().reindex(key.index).to_numpy()
    n = key.map(key.value_counts()).to_numpy()
    # a big stack keeps the size of one of STACK_MAX: its markers overlap, its mix of colours still shows
    step = (view[1] - view[0]) / MAP_PX * STACK_SPACING_PX * np.sqrt(np.minimum(1.0, STACK_MAX / n))
    radius, angle = step * np.sqrt(k), k * GOLDEN_ANGLE
    return x + radius * np.cos(angle), y + radius * np.sin(angle) * x_scale(view)


def points_figure(pts: pd.DataFrame, view, lang: str = "en", bands: bool = True) -> go.Figure:
    """One point per record: colour and symbol by force band (or by every level); hollow where the place
    is approximate."""
    traces, layout = _start(view, outlines(view), t("Force (grouped)" if bands else "Force level", lang))
    style = band_style() if bands else force_style()
    level = pts["force_level"].astype(str).replace("", NOT_RECORDED)
    if bands:
        level = level.map(band_of())
    approx = pts["location_precision"].astype(str).isin(APPROXIMATE).to_numpy()
    precision = pts["location_precision"].astype(str).replace("", "unknown")
    places = [esc(_hover_place(r, lang)) for r in pts[["city", "state"]].itertuples()]
    approximate = t("{precision} (approximate)", lang, precision="{}")
    types = pts["encounter_type"].astype(str)
    # one row per point: [id, date, place, type, precision]; the hover template lays them out, so the
    # figure carries no markup per point. The id (customdata[0]) is what a selection gives back.
    data = np.column_stack(
        [
            [esc(i) for i in pts["encounter_id"].astype(str)],
            pd.to_datetime(pts["date"]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
            places,
            [esc(term(v, lang)) for v in types] if lang != "en" else [esc(v) for v in types],
            [
                esc(approximate.format(term(p, lang)) if a else term(p, lang))
                for p, a in zip(precision, approx, strict=True)
            ],
        ]
    ).astype(object)
    lv_arr = level.to_numpy()
    order = {lv: i for i, lv in enumerate(level_order(set(lv_arr)))}
    x, y = spread_stacks(pts["longitude"].to_numpy(), pts["latitude"].to_numpy(), level.map(order).to_numpy(), view)
    x, y = x.astype(np.float32), y.astype(np.float32)
    for lv in level_order(set(lv_arr)):
        colour, symbol = style[lv]
        for hollow in (False, True):
            sel = (lv_arr == lv) & (approx == hollow)
            if not sel.any():
                continue
            _scatter(
                traces,
                x=x[sel],
                y=y[sel],
                mode="markers",
                name=wrap_label(term(lv, lang), 14),
                legendgroup=lv,
                showlegend=not hollow or not ((lv_arr == lv) & ~approx).any(),
                marker={
                    "color": colour,
                    "symbol": symbol + ("-open" if hollow else ""),
                    "size": 9 if hollow else 8,
                    "line": {"color": colour if hollow else "#333333", "width": 1.6 if hollow else 0.6},
                    "opacity": 0.9,
                },
                customdata=data[sel],
                hovertemplate="<b>%{customdata[0]}</b> · %{customdata[1]}<br>%{customdata[2]}<br>"
                f"%{{customdata[3]}}<br>{t('force level: {level}', lang, level=esc(term(lv, lang)))}<br>"
                f"{t('place known to: {precision}', lang, precision='%{customdata[4]}')}<extra></extra>",
            )
    if approx.any():  # a legend entry that explains hollow markers
        _scatter(
            traces,
            x=[None],
            y=[None],
            mode="markers",
            name=wrap_label(t(APPROX_NOTE, lang), 14),
            legendrank=1,  # first in the legend, so a phone shows it without scrolling the legend
            marker={"symbol": "circle-open", "color": "#444444", "size": 9, "line": {"width": 1.6}},
            hoverinfo="skip",
        )
    return fast_figure(traces, layout)


def _hexagons(lon: np.ndarray, lat: np.ndarray, size: float, xs: float) -> tuple[np.ndarray, np.ndarray]:
    """Closed hexagon rings around the centres, NaN between them, as flat float32 arrays."""
    angles = np.radians([-30, 30, 90, 150, 210, 270, -30])
    px = lon[:, None] + size * np.cos(angles)[None, :] / xs
    py = lat[:, None] + size * np.sin(angles)[None, :]
    gap = np.full((len(lon), 1), np.nan)
    return (
        np.hstack([px, gap]).ravel().astype(np.float32),
        np.hstack([py, gap]).ravel().astype(np.float32),
    )


def cells_figure(cells: pd.DataFrame, view, lang: str = "en") -> go.Figure:
    """Hexagons filled by record count (one trace per count class), with a selectable dot at each centre."""
    traces, layout = _start(view, outlines(view), t("Records per cell", lang))
    size, xs = cells.attrs["hex_size"], cells.attrs.get("x_scale", 1.0)
    counts = cells["records"].to_numpy()
    edges = count_bins(counts)
    labels = bin_labels(edges, int(counts.max()), noun=None)  # the legend title says "Records per cell"
    colours = bin_colours(len(edges))
    which = np.searchsorted(edges, counts, side="right") - 1
    for b, (label, colour) in enumerate(zip(labels, colours, strict=True)):
        part = cells[which == b]
        if part.empty:
            continue
        px, py = _hexagons(part["longitude"].to_numpy(), part["latitude"].to_numpy(), size, xs)
        _filled(traces, px, py, colour, label, edge="rgba(255,255,255,0.6)")
    approx = cells["approximate"].to_numpy() if "approximate" in cells else np.zeros(len(cells), dtype=int)
    hollow = approx * 2 > counts  # most of the cell's records are placed only to a city, county or region
    keys = np.array([f"{float(x)!r},{float(y)!r}" for x, y in zip(cells["longitude"], cells["latitude"], strict=True)])
    # Hover texts: translate each phrase once, not once per cell (a national map has ~1,500 cells)
    worst = np.array(
        [t("most severe force: {level}", lang, level=esc(term(w, lang))) for w in (NOT_RECORDED, *force_levels())],
        dtype=object,
    )[cells["max_rank"].to_numpy().astype(np.intp) + 1]
    placed_only = t("{n} placed only to a city, county or region", lang, n="\0")
    text = np.array(
        [
            f"{_records(n, lang)}<br>{w}" + ("<br>" + placed_only.replace("\0", num(int(a), lang)) if a else "")
            for n, w, a in zip(counts, worst, approx, strict=True)
        ],
        dtype=object,
    )
    for is_hollow in (False, True):
        sel = hollow == is_hollow
        if not sel.any():
            continue
        _scatter(
            traces,
            x=cells["longitude"].to_numpy()[sel],
            y=cells["latitude"].to_numpy()[sel],
            mode="markers",
            marker={
                "size": 7 if is_hollow else 5,
                "color": "rgba(30,30,30,0.75)" if is_hollow else "rgba(30,30,30,0.45)",
                "symbol": "circle-open" if is_hollow else "circle",
                "line": {"width": 1.5},
            },
            customdata=keys[sel],
            text=text[sel],
            hovertemplate="%{text}<extra></extra>",
            name=wrap_label(t("hollow dot: mostly city, county, region", lang), 14)
            if is_hollow
            else t("cell centre", lang),
            showlegend=bool(is_hollow),
            legendrank=1,
        )
    return fast_figure(traces, layout)


def choropleth_figure(counts: pd.DataFrame, level: str, view, lang: str = "en") -> go.Figure:
    """Areas filled by record count, ~6 classes with a legend; a selectable dot inside each area."""
    layers = outlines(view)
    if level == "county":
        layers = {**layers, "counties": None}
    if level == "district":  # every district of the shipped layers in view, for context
        tol = mapgeo.tolerance_for(view[1] - view[0])
        layers = {**layers, "districts": mapgeo.area_xy("district", mapgeo.ids_in("district", view), tol)}
    traces, layout = _start(view, layers, t("Records per area", lang))
    column = mapgeo.LEVEL_COLUMN[level]
    counts = counts[counts[column].isin(list(mapgeo.shapes(level)))]
    tol = mapgeo.tolerance_for(view[1] - view[0])
    if not counts.empty:
        values = counts["records"].to_numpy()
        edges = count_bins(values)
        labels = bin_labels(edges, int(values.max()), noun=None)
        which = np.searchsorted(edges, values, side="right") - 1
        for b, (label, colour) in enumerate(zip(labels, bin_colours(len(edges)), strict=True)):
            ids = tuple(sorted(counts.loc[which == b, column]))
            if not ids:
                continue
            px, py = mapgeo.area_xy(level, ids, tol)
            _filled(traces, px, py, colour, label, edge="#666666")
        cents = mapgeo.centroids(level)
        ids = counts[column].tolist()
        _scatter(
            traces,
            x=[cents[i][0] for i in ids],
            y=[cents[i][1] for i in ids],
            mode="markers",
            marker={"size": 6, "color": "rgba(30,30,30,0.5)"},
            customdata=ids,
            text=[
                t("{area}: {records}", lang, area=esc(mapgeo.area_name(level, i)), records=_records(n, lang))
                for i, n in zip(ids, values, strict=True)
            ],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
        )
    return fast_figure(traces, layout)


def selection_keys(points: list[dict], kind: str) -> tuple[str, ...]:
    """What a map selection picked, from the customdata the figures above attach: record ids
    (points), "lon,lat" cell centres (cells) or area ids (choropleths). Anything else is ignored
    (outline traces carry no customdata; a stale selection from another figure does not match)."""
    keys = set()
    for p in points or []:
        cd = p.get("customdata")
        if kind == "points":
            if isinstance(cd, list) and len(cd) == 5:
                keys.add(html.unescape(str(cd[0])))
        elif isinstance(cd, str) and (kind != "cells" or cd.count(",") == 1):
            keys.add(cd)
    return tuple(sorted(keys))
