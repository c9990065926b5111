"""Place enrichment of canonical encounter records: geocode cities, then assign counties and districts.

Each function returns a new frame and leaves its input alone. They are vectorised over distinct
values: a million records name a few thousand cities and share far fewer points than rows (every
record geocoded to a city sits on that city's point), so lookups and spatial joins run once per
distinct city or coordinate pair and the answers are broadcast back to the rows.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.geo import counties_frame, fips_to_state, place_key, places

# Precisions fine enough to say which county or district a point is in. A county, region or state
# point is a stand-in (a centroid), so it must never be joined to a polygon: an ICE area's centroid
# would otherwise land every record of that area in one arbitrary county.
POINT_PRECISIONS = ("exact", "block", "city")
# A county is implied by these (a county-level record names its county, so it also names its state).
COUNTY_PRECISIONS = (*POINT_PRECISIONS, "county")
# The shipped county polygons are generalised (1:20m, then simplified): points on small islands or a
# little offshore fall outside every county, so they take the nearest county within this distance.
NEAREST_COUNTY_DEGREES = 0.02


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped strings, "" for missing (and for an absent column)."""
    if column not in df:
        return pd.Series("", index=df.index, dtype=object)
    col = df[column]
    return col.astype(object).where(col.notna(), "").astype(str).str.strip()


def _number(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df:
        return np.full(len(df), np.nan)
    # A copy: under copy-on-write to_numpy() can hand back a read-only view of the input.
    return np.array(pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def _pair_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct (a, b) pairs, and for each distinct pair the position of one row holding it."""
    codes_a, _ = pd.factorize(a)
    codes_b, uniq_b = pd.factorize(b)
    codes, uniq = pd.factorize(codes_a.astype(np.int64) * max(len(uniq_b), 1) + codes_b)
    first = np.empty(len(uniq), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write wins: the first occurrence
    return codes, first


def _points_in(lat: np.ndarray, lon: np.ndarray, polygons: gpd.GeoDataFrame, column: str, nearest=None) -> np.ndarray:
    """For each point, `column` of the polygon it lies within ("" for none), joining distinct points only.

    Where polygons overlap the first one in the file wins, so the answer does not depend on join order.
    nearest: degrees; points within no polygon take the nearest polygon within that distance.
    """
    codes, first = _pair_codes(lat, lon)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon[first], lat[first]), crs="EPSG:4326")
    polygons = polygons[[column, "geometry"]].reset_index(drop=True)
    values = np.full(len(first), "", dtype=object)
    hits = gpd.sjoin(points, polygons, how="inner", predicate="within")
    point_pos, poly_pos = hits.index.to_numpy(), hits["index_right"].to_numpy()
    order = np.lexsort((poly_pos, point_pos))
    point_pos, keep = np.unique(point_pos[order], return_index=True)
    values[point_pos] = polygons[column].to_numpy(dtype=object)[poly_pos[order][keep]]
    missed = np.flatnonzero(values == "")
    if nearest and len(missed):
        with warnings.catch_warnings():  # distance in degrees is fine for a ~2 km tolerance
            warnings.filterwarnings("ignore", message="Geometry is in a geographic CRS")
            near = gpd.sjoin_nearest(points.iloc[missed], polygons, how="inner", max_distance=nearest)
        near = near[~near.index.duplicated(keep="first")]
        values[near.index.to_numpy()] = near[column].to_numpy(dtype=object)
    return values[codes]


def geocode_cities(df: pd.DataFrame) -> pd.DataFrame:
    """Give records without coordinates the point of their city (from the shipped gazetteer).

    Rows with both coordinates are left alone. Where latitude or longitude is missing and city and
    state are given, a gazetteer match sets latitude, longitude and location_precision = "city".
    `_geocode_failed` is True where that lookup was tried and found no place; those rows are unchanged.
    """
    out = df.copy(deep=False)  # copy-on-write: only the columns set below are new
    lat, lon = _number(out, "latitude"), _number(out, "longitude")
    state, city = _text(out, "state").str.upper(), _text(out, "city")
    tried = np.flatnonzero((np.isnan(lat) | np.isnan(lon)) & (state != "").to_numpy() & (city != "").to_numpy())
    failed = np.zeros(len(out), dtype=bool)
    if len(tried):
        st, ct = state.to_numpy(dtype=object)[tried], city.to_numpy(dtype=object)[tried]
        codes, first = _pair_codes(st, ct)
        keys = pd.MultiIndex.from_arrays([st[first], place_key(pd.Series(ct[first], dtype=object)).to_numpy()])
        gaz = places()
        pos = pd.MultiIndex.from_arrays([gaz["state"], gaz["key"]]).get_indexer(keys)[codes]
        hit = pos >= 0
        rows = tried[hit]
        lat[rows] = gaz["latitude"].to_numpy()[pos[hit]]
        lon[rows] = gaz["longitude"].to_numpy()[pos[hit]]
        precision = np.array(_text(out, "location_precision").to_numpy(dtype=object))
        precision[rows] = "city"
        out["location_precision"] = precision
        failed[tried[~hit]] = True
    out["latitude"], out["longitude"] = lat, lon
    out["_geocode_failed"] = failed
    return out


def assign_counties(df: pd.DataFrame) -> pd.DataFrame:
    """Fill empty county_fips from the coordinates, and empty state from the county.

    Only points known to the city or better (exact, block, city) are joined to the county polygons.
    An empty state is filled from county_fips for exact, block, city and county records.
    """
    out = df.copy(deep=False)  # copy-on-write: only the columns set below are new
    lat, lon = _number(out, "latitude"), _number(out, "longitude")
    precision = _text(out, "location_precision").str.lower()
    fips = np.array(_text(out, "county_fips").to_numpy(dtype=object))
    given_state = np.array(_text(out, "state").to_numpy(dtype=object))
    state = np.array(_text(out, "state").str.upper().to_numpy(dtype=object))
    need = np.flatnonzero((fips == "") & ~np.isnan(lat) & ~np.isnan(lon) & precision.isin(POINT_PRECISIONS).to_numpy())
    if len(need):
        counties = counties_frame()
        found = _points_in(lat[need], lon[need], counties, "fips", nearest=NEAREST_COUNTY_DEGREES)
        # A point a little across a state line from the state the record names (a border town's
        # gazetteer point, a river border generalised away) takes the nearest county of the named
        # state, or none: the record's state is not overruled and its county never contradicts it.
        found_state = pd.Series(found, dtype=object).str[:2].map(fips_to_state()).fillna("").to_numpy()
        clash = np.flatnonzero((found != "") & (state[need] != "") & (found_state != state[need]))
        for st in np.unique(state[need][clash]):
            rows = clash[state[need][clash] == st]
            in_state = counties[counties["state"] == st]
            found[rows] = (
                _points_in(lat[need][rows], lon[need][rows], in_state, "fips", NEAREST_COUNTY_DEGREES)
                if len(in_state)
                else ""
            )
        fips[need] = found
    out["county_fips"] = fips

    fill = np.flatnonzero((state == "") & (fips != "") & precision.isin(COUNTY_PRECISIONS).to_numpy())
    if len(fill):
        from_county = pd.Series(fips[fill], dtype=object).str[:2].map(fips_to_state()).fillna("")
        given_state[fill] = from_county.to_numpy(dtype=object)
    out["state"] = given_state
    return out


def assign_districts(df: pd.DataFrame, boundaries: gpd.GeoDataFrame, id_property: str = "district") -> pd.DataFrame:
    """Set `district` (text) to the id of the boundary polygon each exact, block or city point lies in.

    Such points outside every polygon get "". Rows with no point, or a coarser one, keep the district
    they came with ("" if none): a district cannot be worked out for them.
    """
    out = df.copy(deep=False)  # copy-on-write: only the columns set below are new
    if boundaries.crs is not None and boundaries.crs != "EPSG:4326":
        boundaries = boundaries.to_crs("EPSG:4326")
    boundaries = boundaries.assign(**{id_property: boundaries[id_property].astype(str)})
    lat, lon = _number(out, "latitude"), _number(out, "longitude")
    precision = _text(out, "location_precision").str.lower().isin(POINT_PRECISIONS).to_numpy()
    district = np.array(_text(out, "district").to_numpy(dtype=object))
    rows = np.flatnonzero(precision & ~np.isnan(lat) & ~np.isnan(lon))
    if len(rows):
        district[rows] = _points_in(lat[rows], lon[rows], boundaries, id_property)
    out["district"] = district
    return out
