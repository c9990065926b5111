"""Small summaries of the matching records: the only things that reach figures and the browser."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.explore.data import MULTI_COLUMNS, Dataset
from dashboard.schema import load_schema

WEAPON_OR_WORSE = "weapon displayed"
CONFIRMED = ("corroborated", "documented")
POINT_PRECISIONS = ("exact", "block")
APPROXIMATE = ("city", "county", "region", "state", "")  # a map point that is not where it happened


def headline(dataset: Dataset, m: np.ndarray) -> dict:
    """The figures at the top of Explore and of a briefing."""
    records = dataset.records
    n = int(m.sum())
    people = records["people_affected"].to_numpy(dtype="float64", na_value=np.nan)[m]
    force_known = dataset.force_rank[m] >= 0
    weapon_rank = load_schema().taxonomies["force_types"].rank(WEAPON_OR_WORSE)
    weapon = int((dataset.force_rank[m] >= weapon_rank).sum())
    confirmed = int(dataset.category_lookup("verification", CONFIRMED)[m].sum())
    return {
        "encounters": n,
        "people_affected": int(np.nansum(people)),
        "people_unknown": int(np.isnan(people).sum()),
        "force_recorded": int(force_known.sum()),
        "weapon_or_worse": weapon,
        "weapon_share": weapon / force_known.sum() if force_known.sum() else None,
        "confirmed": confirmed,
        "confirmed_share": confirmed / n if n else None,
    }


def counts_by(dataset: Dataset, m: np.ndarray, column: str) -> pd.DataFrame:
    """Records per value of a column; a record with several values counts once for each."""
    col = dataset.records[column]
    codes = col.cat.codes.to_numpy()[m]
    per_cat = np.bincount(codes[codes >= 0], minlength=len(col.cat.categories))
    totals: dict[str, int] = {}
    for cat, count in zip(col.cat.categories, per_cat, strict=True):
        if not count:
            continue
        parts = [p.strip() for p in cat.split(";")] if column in MULTI_COLUMNS else [cat]
        for p in parts:
            if p:
                totals[p] = totals.get(p, 0) + int(count)
    missing = int((codes < 0).sum()) + int(per_cat[[i for i, c in enumerate(col.cat.categories) if c == ""]].sum())
    order = dataset.values(column)
    rows = sorted(totals.items(), key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else 0))
    out = pd.DataFrame(rows, columns=["value", "records"])
    out.attrs["not_recorded"] = missing
    return out


def timeline(dataset: Dataset, m: np.ndarray, freq: str = "month") -> pd.DataFrame:
    """Records per period and force level. A record whose date is less precise than the period is
    left out (and counted in attrs["too_coarse"]) rather than drawn as if its date were exact."""
    records = dataset.records
    allowed = {"month": ("day", "week", "month"), "week": ("day", "week")}[freq]
    precise = dataset.category_lookup("date_precision", allowed)
    keep = m & precise
    day = dataset.day[keep]
    if freq == "month":
        period = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    else:  # weeks start on Monday; 1970-01-01 was a Thursday
        period = day - (day + 3) % 7
    level = records["force_level"]
    names = np.array(["not recorded", *[c or "not recorded" for c in level.cat.categories]], dtype=object)
    codes = level.cat.codes.to_numpy()[keep].astype(np.int64) + 1  # 0: missing
    keys, counts = np.unique(period * len(names) + codes, return_counts=True)
    starts = (keys // len(names)).astype("datetime64[M]" if freq == "month" else "datetime64[D]")
    frame = pd.DataFrame(
        {"period": starts.astype("datetime64[ns]"), "force_level": names[keys % len(names)], "records": counts}
    )
    out = frame.groupby(["period", "force_level"], as_index=False, sort=True)["records"].sum()
    out["records"] = out["records"].astype(np.int64)
    out.attrs["too_coarse"] = int((m & ~precise).sum())
    return out


def _hex_axial(lon: np.ndarray, lat: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates (integers) of the pointy-top hexagons of circumradius `size` holding each point."""
    sqrt3 = np.sqrt(3.0)
    x = (sqrt3 / 3 * lon - lat / 3) / size
    z = (2 / 3 * lat) / size
    y = -x - z
    rx, ry, rz = np.round(x), np.round(y), np.round(z)
    dx, dy, dz = np.abs(rx - x), np.abs(ry - y), np.abs(rz - z)
    fix_x = (dx > dy) & (dx > dz)
    fix_y = ~fix_x & (dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
    return rx.astype(np.int64), rz.astype(np.int64)


def _hex_centre(rx: np.ndarray, rz: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    sqrt3 = np.sqrt(3.0)
    return size * (sqrt3 * rx + sqrt3 / 2 * rz), size * (1.5 * rz)


def _hex_bins(lon: np.ndarray, lat: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the pointy-top hexagons (of circumradius `size` degrees) holding each point."""
    return _hex_centre(*_hex_axial(lon, lat, size), size)


_HEX_GRIDS = 4  # hexagon grids kept per dataset (8 bytes a record each)


def _axial(dataset: Dataset, has: np.ndarray, size: float, x_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Hexagon coordinates of the rows in `has`. Those of every placed record are kept per grid (the
    national view always uses the same grid), so a filter that keeps many records costs a gather."""
    lat = dataset.records["latitude"].to_numpy()
    lon = dataset.records["longitude"].to_numpy()
    placed = ~np.isnan(lat) & ~np.isnan(lon)
    if has.sum() < placed.sum() // 4:  # a small part of the map: cheaper to compute directly
        return _hex_axial(lon[has] * x_scale, lat[has], size)
    memo, key = dataset.memo, ("hex", size, x_scale)
    if key not in memo:
        rx, rz = np.zeros(len(lat), dtype=np.int32), np.zeros(len(lat), dtype=np.int32)
        rx[placed], rz[placed] = _hex_axial(lon[placed] * x_scale, lat[placed], size)
        for old in [k for k in list(memo) if k[0] == "hex"][: -(_HEX_GRIDS - 1) or None]:
            memo.pop(old, None)
        memo[key] = (rx, rz)
    rx, rz = memo[key]
    return rx[has].astype(np.int64), rz[has].astype(np.int64)


def map_points(
    dataset: Dataset, m: np.ndarray, budget: int = 4000, hex_size: float = 0.6, x_scale: float = 1.0
) -> tuple[str, pd.DataFrame]:
    """('points', one row per record) up to the budget, else ('cells', counts per hexagon).

    Hexagons are regular in (longitude * x_scale, latitude): pass cos(latitude of the view) for hexagons
    that look regular on an equirectangular map. Cell centres are given back in longitude, latitude.
    """
    records = dataset.records
    lat = records["latitude"].to_numpy()
    lon = records["longitude"].to_numpy()
    has = m & ~np.isnan(lat) & ~np.isnan(lon)
    n = int(has.sum())
    if n <= budget:
        sub = records.loc[
            has, ["encounter_id", "date", "city", "state", "location_precision", "force_level", "encounter_type"]
        ]
        pts = sub.assign(latitude=lat[has], longitude=lon[has]).reset_index(drop=True)
        pts.attrs["unplaced"] = int(m.sum()) - n
        return "points", pts
    rx, rz = _axial(dataset, has, hex_size, x_scale)
    span = 1 << 31  # axial coordinates are small integers: one int64 key per cell
    # A hash factorize and bincounts, not np.unique's sort and np.maximum.at: ~3x less work at 1M rows
    inverse, keys = pd.factorize((rx << 32) + (rz + span))
    counts = np.bincount(inverse, minlength=len(keys))
    ranks = dataset.force_rank[has].astype(np.int64) + 1  # 0: not recorded
    width = int(ranks.max()) + 1
    per_rank = np.bincount(inverse * width + ranks, minlength=len(keys) * width).reshape(len(keys), width)
    worst = (width - 2 - np.argmax(per_rank[:, ::-1] > 0, axis=1)).astype(np.int16)
    approximate = dataset.category_lookup("location_precision", APPROXIMATE)[has]
    approx_per_cell = np.bincount(inverse, weights=approximate, minlength=len(keys)).astype(np.int64)
    cx, cy = _hex_centre(keys >> 32, (keys & 0xFFFFFFFF) - span, hex_size)
    cells = pd.DataFrame(
        {
            "longitude": np.round(cx / x_scale, 4),
            "latitude": np.round(cy, 4),
            "records": counts.astype(np.int64),
            "max_rank": worst,
            "approximate": approx_per_cell,
        }
    ).sort_values(["longitude", "latitude"], ignore_index=True)
    cells.attrs["unplaced"] = int(m.sum()) - n
    cells.attrs["approximate"] = int(approximate.sum())
    cells.attrs["hex_size"] = hex_size
    cells.attrs["x_scale"] = x_scale
    return "cells", cells


def records_in_cells(
    dataset: Dataset, m: np.ndarray, centres: list[tuple[float, float]], hex_size: float, x_scale: float = 1.0
) -> np.ndarray:
    """Which matching records fall in the hexagons with these centres (as map_points gave them)."""
    lat = dataset.records["latitude"].to_numpy()
    lon = dataset.records["longitude"].to_numpy()
    has = m & ~np.isnan(lat) & ~np.isnan(lon)
    out = np.zeros(len(m), dtype=bool)
    if not centres or not has.any():
        return out
    cx, cy = _hex_bins(lon[has] * x_scale, lat[has], hex_size)
    keys = pd.MultiIndex.from_arrays([np.round(cx / x_scale, 4), np.round(cy, 4)])
    inside = keys.isin([(round(float(x), 4), round(float(y), 4)) for x, y in centres])
    out[np.flatnonzero(has)[inside]] = True
    return out


def map_extent(dataset: Dataset, m: np.ndarray, conus=(-125.0, -66.5, 24.0, 49.5)) -> dict:
    """The view around the matching records that have coordinates: (lon0, lon1, lat0, lat1).

    National data opens on the contiguous states; records outside that view (Alaska, Hawaii,
    territories) are counted in "outside" so the page can say so. No coordinates: the CONUS view.
    """
    lat = dataset.records["latitude"].to_numpy()
    lon = dataset.records["longitude"].to_numpy()
    has = m & ~np.isnan(lat) & ~np.isnan(lon)
    x, y = lon[has], lat[has]
    if not len(x):
        return {"view": conus, "outside": 0, "placed": 0}
    inside = (x >= conus[0]) & (x <= conus[1]) & (y >= conus[2]) & (y <= conus[3])
    if inside.any():
        x, y = x[inside], y[inside]
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    pad_x, pad_y = max(0.3, (x1 - x0) * 0.12), max(0.25, (y1 - y0) * 0.12)
    view = (x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y)
    if inside.any() and (view[1] - view[0]) > 0.6 * (conus[1] - conus[0]):
        view = conus
    return {"view": view, "outside": int((~inside).sum()) if inside.any() else 0, "placed": int(has.sum())}


def area_mask(dataset: Dataset, m: np.ndarray, level: str, ids: list[str]) -> np.ndarray:
    """Which matching records lie in these states, counties or districts."""
    column = {"state": "state", "county": "county_fips", "district": "district"}[level]
    return m & dataset.records[column].isin(list(ids)).to_numpy()


def counts_by_area(dataset: Dataset, m: np.ndarray, level: str) -> pd.DataFrame:
    """Records per state, county or district, for a choropleth."""
    column = {"state": "state", "county": "county_fips", "district": "district"}[level]
    out = counts_by(dataset, m, column)
    return out.rename(columns={"value": column})


def newest_first(dataset: Dataset) -> np.ndarray:
    """Row positions of the whole dataset, newest date first (ties in file order). Compute once per
    dataset and pass to table_page, which then needs no sort per filter change."""
    return np.argsort(-dataset.day, kind="stable")


def table_page(
    dataset: Dataset, m: np.ndarray, page: int = 0, page_size: int = 50, order: np.ndarray | None = None
) -> tuple[pd.DataFrame, int]:
    """One page of matching records, newest first, and the number of pages."""
    if order is None:
        idx = np.flatnonzero(m)
        ranked = idx[np.argsort(-dataset.day[idx], kind="stable")]
    else:
        ranked = order[m[order]]
    pages = max(1, -(-len(ranked) // page_size))
    page = min(max(page, 0), pages - 1)
    chosen = ranked[page * page_size : (page + 1) * page_size]
    return dataset.records.iloc[chosen].reset_index(drop=True), pages


def compare(current: dict, previous: dict) -> dict:
    """Change between two headline dicts; a percentage only where the base is at least 10."""
    out = {}
    for key in ("encounters", "people_affected", "weapon_or_worse", "confirmed"):
        a, b = current[key], previous[key]
        out[key] = {"now": a, "before": b, "change": a - b, "pct": (a - b) / b if b >= 10 else None}
    return out
