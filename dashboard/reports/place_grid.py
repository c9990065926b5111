"""The grid a visitor's point is rounded to: rows a fixed distance apart, points along each row the same
distance apart on the ground (so fewer degrees of longitude apart near the equator than in the north).

snap() is what the reports service applies to every point it stores, typed or picked on the Report
page's map; grid() lists the same points over an area, for the map to offer as clickable dots, so a
point picked on the map is stored exactly as picked. Plain numpy, no Streamlit.
"""

from __future__ import annotations

import math

import numpy as np

METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator (WGS84, to 0.3%)
DECIMALS = 5  # stored points are written to 5 decimals (about 1 m): the grid point, not noise


def lat_step(spacing_m: float) -> float:
    return spacing_m / METRES_PER_DEGREE


def lon_step(latitude: float, spacing_m: float) -> float:
    """Degrees of longitude that make spacing_m on the ground at this latitude (capped near the poles)."""
    return spacing_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))


def snap(latitude: float, longitude: float, spacing_m: float) -> tuple[float, float]:
    """The grid point nearest to (latitude, longitude): at most about 0.7 x spacing_m away (half the
    diagonal of a cell), and snap(snap(p)) == snap(p)."""
    row = round(latitude / lat_step(spacing_m))
    lat = row * lat_step(spacing_m)
    col = round(longitude / lon_step(lat, spacing_m))
    lon = col * lon_step(lat, spacing_m)
    return round(min(90.0, max(-90.0, lat)), DECIMALS), round(min(180.0, max(-180.0, lon)), DECIMALS)


def grid(view: tuple[float, float, float, float], spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(longitudes, latitudes) of the grid points inside view = (lon0, lon1, lat0, lat1), as snap() gives
    them. The caller keeps the view small enough: a 20 km square at 500 m is about 1,700 points."""
    dlat = lat_step(spacing_m)
    rows = np.arange(math.ceil(view[2] / dlat), math.floor(view[3] / dlat) + 1)
    lons, lats = [], []
    for row in rows:
        lat = row * dlat
        dlon = lon_step(lat, spacing_m)
        cols = np.arange(math.ceil(view[0] / dlon), math.floor(view[1] / dlon) + 1)
        lons.append(cols * dlon)
        lats.append(np.full(len(cols), lat))
    if not lons:
        return np.empty(0), np.empty(0)
    return np.round(np.concatenate(lons), DECIMALS), np.round(np.concatenate(lats), DECIMALS)


def window(latitude: float, longitude: float, size_m: float, height_m: float | None = None):
    """(lon0, lon1, lat0, lat1) of a rectangle size_m wide (and height_m, else size_m, tall) centred on
    the point."""
    half_lat = (height_m or size_m) / 2 / METRES_PER_DEGREE
    half_lon = size_m / 2 / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return longitude - half_lon, longitude + half_lon, latitude - half_lat, latitude + half_lat


def distance_m(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    """Great-circle distance in metres (haversine): for tests and for "is the point near the city"."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp, dl = p1 - p0, math.radians(lon1 - lon0)
    a = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))
