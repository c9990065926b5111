"""Reference geometry for the offline map: simplified outlines and area polygons as coordinate arrays.

The map is an SVG cartesian figure (x = longitude, y = latitude), so every layer is a pair of
coordinate arrays with NaN between rings. Coordinates are simplified for the scale of the view and
sent as float32, so the figure stays small; results are cached per (layer, tolerance) and shared between
callers: treat them as read-only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import shape

from dashboard import geo

CONUS = (-125.0, -66.5, 24.0, 49.5)  # lon0, lon1, lat0, lat1: the default national view
LEVEL_COLUMN = {"state": "state", "county": "county_fips", "district": "district"}


def tolerance_for(width_degrees: float) -> float:
    """Simplification tolerance for a view this many degrees wide (about a pixel at 1,000 px)."""
    return float(min(0.05, max(0.0005, width_degrees / 1000)))


def _rings(geom) -> list:
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    out = []
    for p in polys:
        out.append(p.exterior.coords)
        out.extend(r.coords for r in p.interiors)
    return out


def _xy(geoms: list, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Rings of the geometries, simplified, as float32 x and y arrays with NaN between rings.

    float32 keeps about a metre of precision and lets plotly send the arrays as compact binary.
    """
    parts = []
    for g in geoms:
        g = shapely.simplify(g, tolerance, preserve_topology=True)
        if g.is_empty:
            continue
        for ring in _rings(g):
            parts.append(np.asarray(ring, dtype=np.float32)[:, :2])
            parts.append(np.full((1, 2), np.nan, dtype=np.float32))
    if not parts:
        return np.empty(0, np.float32), np.empty(0, np.float32)
    xy = np.concatenate(parts)
    xy.setflags(write=False)  # shared through the caches
    return xy[:, 0], xy[:, 1]


@lru_cache(maxsize=1)
def _state_shapes() -> dict:
    return {f["id"]: shape(f["geometry"]) for f in geo.states_geojson()["features"]}


@lru_cache(maxsize=1)
def _county_shapes() -> dict:
    return {f["id"]: (f["properties"]["state"], shape(f["geometry"])) for f in geo.counties_geojson()["features"]}


@lru_cache(maxsize=1)
def _district_shapes() -> dict:
    """District label (as stored in records' `district`) -> polygon, from the deployment's layers."""
    from dashboard.config import district_layers

    out = {}
    try:
        layers = district_layers()
    except Exception:  # a broken deployment file must not break the map
        return out
    for label, frame in layers:
        id_col = frame.columns[0]
        for ident, geom in zip(frame[id_col], frame.geometry, strict=True):
            out[label.format(**{id_col: ident})] = geom
    return out


def warm() -> None:
    """Build the boundary tables now (~0.2 s, mostly the counties): the page layer runs this in the
    background when a dataset loads, so the first visitor to zoom in on a state does not wait for it."""
    _state_shapes()
    _county_shapes()
    _county_names()


def shapes(level: str) -> dict:
    """Area id -> polygon for a choropleth level (state USPS code, county FIPS, district label)."""
    if level == "state":
        return _state_shapes()
    if level == "county":
        return {k: g for k, (_, g) in _county_shapes().items()}
    return _district_shapes()


@lru_cache(maxsize=16)
def state_outlines(tolerance: float) -> tuple[list, list]:
    return _xy(list(_state_shapes().values()), tolerance)


@lru_cache(maxsize=32)
def county_outlines(states: tuple[str, ...], tolerance: float) -> tuple[list, list]:
    """County outlines of the given states (USPS codes)."""
    wanted = set(states)
    return _xy([g for st, g in _county_shapes().values() if st in wanted], tolerance)


@lru_cache(maxsize=64)
def area_xy(level: str, ids: tuple[str, ...], tolerance: float) -> tuple[list, list]:
    """Filled-polygon coordinates for these areas (ids without a shape are skipped)."""
    table = shapes(level)
    return _xy([table[i] for i in ids if i in table], tolerance)


@lru_cache(maxsize=4)
def centroids(level: str) -> dict[str, tuple[float, float]]:
    """Area id -> a point inside the area (lon, lat), for hover and selection markers."""
    out = {}
    for ident, geom in shapes(level).items():
        p = geom.representative_point()
        out[ident] = (round(p.x, 4), round(p.y, 4))
    return out


def bounds(level: str, ids: list[str]) -> tuple[float, float, float, float] | None:
    """(lon0, lon1, lat0, lat1) around these areas, or None if none has a shape."""
    table = shapes(level)
    geoms = [table[i] for i in ids if i in table]
    if not geoms:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return float(x0), float(x1), float(y0), float(y1)


def area_name(level: str, ident: str) -> str:
    """A readable name: "Minnesota", "Hennepin County, MN", or the district label itself."""
    if level == "state":
        return geo.state_names().get(ident, ident)
    if level == "county":
        return _county_names().get(ident, ident)
    return ident


@lru_cache(maxsize=1)
def _county_names() -> dict[str, str]:
    return {
        f["id"]: f"{f['properties']['name']}, {f['properties']['state']}" for f in geo.counties_geojson()["features"]
    }


def states_in(view: tuple[float, float, float, float]) -> tuple[str, ...]:
    """USPS codes of the states whose outline meets the view rectangle."""
    return ids_in("state", view)


def ids_in(level: str, view: tuple[float, float, float, float]) -> tuple[str, ...]:
    """Ids of the areas of a level whose shape meets the view rectangle."""
    box = shapely.box(view[0], view[2], view[1], view[3])
    return tuple(sorted(k for k, g in shapes(level).items() if g.intersects(box)))
