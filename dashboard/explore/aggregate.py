"""Small summaries of the matching records: the only things that reach figures and the browser."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.explore.data import Dataset
from dashboard.schema import load_schema

WEAPON_OR_WORSE = "weapon displayed"
CONFIRMED = ("corroborated", "documented")
US_CITIZEN = "US citizen"
POINT_PRECISIONS = ("exact", "block")
APPROXIMATE = ("city", "county", "region", "state", "")  # a map point that is not where it happened
CONUS = (-125.0, -66.5, 24.0, 49.5)  # lon0, lon1, lat0, lat1 of the contiguous states


_last_rows: tuple[np.ndarray, np.ndarray] | None = None


def _rows(m: np.ndarray) -> np.ndarray:
    """Positions of the matching records. A page asks for them several times for one (read-only,
    cached) mask: the last answer is kept, keyed by the mask object itself."""
    global _last_rows
    last = _last_rows  # one read: other sessions' threads may replace it meanwhile
    if last is not None and last[0] is m:
        return last[1]
    rows = np.flatnonzero(m)
    if not m.flags.writeable:  # a mask that can change cannot be a key
        _last_rows = (m, rows)
    return rows


def headline(dataset: Dataset, m: np.ndarray) -> dict:
    """The figures at the top of Explore and of a briefing."""
    n = int(np.count_nonzero(m))
    # Boolean ANDs and counts over precomputed per-record flags: no gather of a million values.
    people_known = m & ~np.isnan(dataset.people)
    weapon_rank = load_schema().taxonomies["force_types"].rank(WEAPON_OR_WORSE)
    force_known = int(np.count_nonzero(m & (dataset.force_rank >= 0)))
    weapon = int(np.count_nonzero(m & (dataset.force_rank >= weapon_rank)))
    confirmed = int(np.count_nonzero(m & dataset.category_lookup("verification", CONFIRMED)))
    schema = load_schema()
    place_known = int(np.count_nonzero(m & ~dataset.category_lookup("place_type", ("",))))
    sensitive = int(np.count_nonzero(m & dataset.rows_with("place_type", schema.taxonomies["place_types"].sensitive)))
    citizens = int(np.count_nonzero(m & dataset.rows_with("targeted_groups", (US_CITIZEN,))))
    groups_known = int(np.count_nonzero(m & ~dataset.category_lookup("targeted_groups", ("",))))
    return {
        "encounters": n,
        "people_affected": int(np.sum(dataset.people, where=people_known)),
        "people_unknown": n - int(np.count_nonzero(people_known)),
        "force_recorded": force_known,
        "weapon_or_worse": weapon,
        "weapon_share": weapon / force_known if force_known else None,
        "confirmed": confirmed,
        "confirmed_share": confirmed / n if n else None,
        "place_recorded": place_known,
        "sensitive_places": sensitive,
        "sensitive_share": sensitive / place_known if place_known else None,
        "us_citizens": citizens,
        "us_citizen_share": citizens / n if n else None,
        "groups_recorded": groups_known,  # none: the dataset does not say who was involved (an official record)
    }


def counts_by(dataset: Dataset, m: np.ndarray, column: str) -> pd.DataFrame:
    """Records per value of a column; a record with several values counts once for each."""
    values, cat_of_pair, value_of_pair, blank = dataset.value_parts(column)
    codes = dataset.codes(column)[_rows(m)]
    per_cat = np.bincount(codes.astype(np.intp) + 1, minlength=len(blank) + 1)  # code -1 (missing): bin 0
    totals = np.bincount(value_of_pair, weights=per_cat[1:][cat_of_pair], minlength=len(values)).astype(np.int64)
    missing = int(per_cat[0]) + int(per_cat[1:][blank].sum())
    order = np.lexsort((np.arange(len(values)), -totals))  # most first; ties in taxonomy order
    order = order[totals[order] > 0]
    out = pd.DataFrame({"value": values[order].tolist(), "records": totals[order]})
    out.attrs["not_recorded"] = missing
    return out


def timeline(dataset: Dataset, m: np.ndarray, freq: str = "month") -> pd.DataFrame:
    """Records per period and force level. A record whose date is less precise than the period is
    left out (and counted in attrs["too_coarse"]) rather than drawn as if its date were exact."""
    starts, names, key, precise = _period_keys(dataset, freq)
    bins = len(starts) * len(names)
    counts = np.bincount(key[_rows(m)], minlength=bins + 1)[1:].reshape(len(starts), len(names))
    p, level = np.nonzero(counts)  # row-major: by period, then by level name (names are sorted)
    out = pd.DataFrame({"period": starts[p], "force_level": names[level], "records": counts[p, level].astype(np.int64)})
    out.attrs["too_coarse"] = int(np.count_nonzero(m & ~precise))
    return out


def operation_starts(dataset: Dataset, m: np.ndarray, chosen=(), at_least: int = 3) -> list[tuple[str, str]]:
    """(start date, name) of the named operations the timeline marks, by start, because a spike shown
    without its cause misleads: those with at least `at_least` matching records (one record is no
    spike, and a phone has room for a few labels), and any operation the reader chose."""
    if not dataset.values("operation"):
        return []
    counts = counts_by(dataset, m, "operation")
    shown = counts.loc[(counts["records"] >= at_least) | counts["value"].isin(chosen), "value"]
    tax = load_schema().taxonomies["operations"]
    return sorted((tax.term(v).start, v) for v in shown if v in tax.values and tax.term(v).start)


def timeline_table(tl: pd.DataFrame, freq: str, levels: list[str]) -> pd.DataFrame:
    """The timeline as a table: one row per period ("2025-03", or a week's Monday), a column per force
    level in `levels` order, and a total."""
    periods, row = np.unique(tl["period"].to_numpy(), return_inverse=True)
    grid = np.zeros((len(periods), len(levels)), dtype=np.int64)
    grid[row, pd.Index(levels).get_indexer(tl["force_level"])] = tl["records"].to_numpy()
    table = pd.DataFrame(grid, columns=levels)
    table.insert(0, "period", pd.DatetimeIndex(periods).strftime("%Y-%m" if freq == "month" else "%Y-%m-%d"))
    table["total"] = grid.sum(axis=1)
    return table


def _period_keys(dataset: Dataset, freq: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Once per dataset and period: period starts, force level names, one key per record
    (1 + period index * levels + level; 0 when the date is too coarse or missing), and which dates
    are precise enough. A filter change then costs one gather and one bincount."""
    memo_key = ("periods", freq)
    if memo_key not in dataset.memo:
        allowed = {"month": ("day", "week", "month"), "week": ("day", "week")}[freq]
        precise = dataset.category_lookup("date_precision", allowed)
        day = dataset.day
        usable = precise & (day != np.iinfo(np.int64).min)
        if freq == "month":
            period = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        else:  # weeks start on Monday; 1970-01-01 was a Thursday
            period = day - (day + 3) % 7
        first = int(period[usable].min()) if usable.any() else 0
        step = 1 if freq == "month" else 7
        index = np.where(usable, (period - first) // step, 0)
        n_periods = int(index.max()) + 1 if usable.any() else 0
        unit = "datetime64[M]" if freq == "month" else "datetime64[D]"
        starts = (first + step * np.arange(n_periods)).astype(unit).astype("datetime64[ns]")
        cats = list(dataset.records["force_level"].cat.categories)
        names = np.array(sorted({"not recorded", *[c for c in cats if c]}), dtype=object)
        # name index of each code + 1 (code -1, missing, and a blank category are both "not recorded")
        where = {name: i for i, name in enumerate(names)}
        name_of = np.array([where["not recorded"], *[where[c or "not recorded"] for c in cats]], dtype=np.int64)
        levels = name_of[dataset.codes("force_level").astype(np.int64) + 1]
        key = np.where(usable, 1 + index * len(names) + levels, 0).astype(np.int32)
        dataset.memo[memo_key] = (starts, names, key, precise)
    return dataset.memo[memo_key]


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


def _grid(dataset: Dataset, size: float, x_scale: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The cells of one hexagon grid holding every placed record, made once and kept (the national view
    always uses the same grid): the occupied cells' int64 keys, and per record one int64
    (cell index * width + approximate * levels + force rank + 1; -1 unplaced), width = 2 * levels."""
    memo, key = dataset.memo, ("hex", size, x_scale)
    if key not in memo:
        placed = dataset.placed
        rx, rz = _hex_axial(dataset.lon[placed] * x_scale, dataset.lat[placed], size)
        inverse, keys = pd.factorize(_cell_key(rx, rz))
        levels = _levels(dataset)
        approximate = dataset.category_lookup("location_precision", APPROXIMATE)[placed]
        per_record = np.full(len(placed), -1, dtype=np.int64)
        per_record[placed] = inverse * 2 * levels + approximate * levels + dataset.force_rank[placed] + 1
        for old in [k for k in list(memo) if k[0] == "hex"][: -(_HEX_GRIDS - 1) or None]:
            memo.pop(old, None)
        memo[key] = (np.asarray(keys), per_record, levels)
    return memo[key]


def _levels(dataset: Dataset) -> int:
    """Force rank bins: not recorded, then each rank up to the highest present."""
    if "levels" not in dataset.memo:
        dataset.memo["levels"] = int(dataset.force_rank.max(initial=-1)) + 2
    return dataset.memo["levels"]


_SPAN = 1 << 31  # axial coordinates are small integers: one int64 key per cell


def _cell_key(rx: np.ndarray, rz: np.ndarray) -> np.ndarray:
    return (rx << 32) + (rz + _SPAN)


def map_points(
    dataset: Dataset, m: np.ndarray, budget: int = 4000, hex_size: float = 0.6, x_scale: float = 1.0
) -> tuple[str, pd.DataFrame]:
    """('points', one row per record) up to the budget, else ('cells', counts per hexagon).

    Hexagons are regular in (longitude * x_scale, latitude): pass cos(latitude of the view) for hexagons
    that look regular on an equirectangular map. Cell centres are given back in longitude, latitude.
    """
    has = m & dataset.placed
    n = int(np.count_nonzero(has))
    if n <= budget:
        sub = dataset.records.loc[
            has, ["encounter_id", "date", "city", "state", "location_precision", "force_level", "encounter_type"]
        ]
        pts = sub.assign(latitude=dataset.lat[has], longitude=dataset.lon[has]).reset_index(drop=True)
        pts.attrs["unplaced"] = int(np.count_nonzero(m)) - n
        return "points", pts
    rows = np.flatnonzero(has)
    levels = _levels(dataset)
    if n < np.count_nonzero(dataset.placed) // 4 and ("hex", hex_size, x_scale) not in dataset.memo:
        # A small part of the map, on a grid not yet made: cheaper to bin these records alone
        rx, rz = _hex_axial(dataset.lon[rows] * x_scale, dataset.lat[rows], hex_size)
        cell, keys = pd.factorize(_cell_key(rx, rz))
        approximate = dataset.category_lookup("location_precision", APPROXIMATE)[rows]
        code = cell * 2 * levels + approximate * levels + dataset.force_rank[rows] + 1
        keys = np.asarray(keys)
    else:
        keys, per_record, levels = _grid(dataset, hex_size, x_scale)
        code = per_record[rows]
    # One bincount gives, per cell, the records by (approximate or not, force rank)
    table = np.bincount(code, minlength=len(keys) * 2 * levels).reshape(len(keys), 2, levels)
    per_cell = table.sum(axis=(1, 2))
    occupied = np.flatnonzero(per_cell)
    table, keys = table[occupied], keys[occupied]
    by_rank = table.sum(axis=1)
    worst = (levels - 2 - np.argmax(by_rank[:, ::-1] > 0, axis=1)).astype(np.int16)  # -1: none recorded
    cx, cy = _hex_centre(keys >> 32, (keys & 0xFFFFFFFF) - _SPAN, hex_size)
    approximate_per_cell = table[:, 1, :].sum(axis=1).astype(np.int64)
    cells = pd.DataFrame(
        {
            "longitude": np.round(cx / x_scale, 4),
            "latitude": np.round(cy, 4),
            "records": per_cell[occupied].astype(np.int64),
            "max_rank": worst,
            "approximate": approximate_per_cell,
        }
    ).sort_values(["longitude", "latitude"], ignore_index=True)
    cells.attrs["unplaced"] = int(np.count_nonzero(m)) - n
    cells.attrs["approximate"] = int(approximate_per_cell.sum())
    cells.attrs["hex_size"] = hex_size
    cells.attrs["x_scale"] = x_scale
    return "cells", cells


def records_in_cells(
    dataset: Dataset, m: np.ndarray, centres: list[tuple[float, float]], hex_size: float, x_scale: float = 1.0
) -> np.ndarray:
    """Which matching records fall in the hexagons with these centres (as map_points gave them)."""
    has = m & dataset.placed
    out = np.zeros(len(m), dtype=bool)
    if not centres or not has.any():
        return out
    cx, cy = _hex_bins(dataset.lon[has] * x_scale, dataset.lat[has], hex_size)
    keys = pd.MultiIndex.from_arrays([np.round(cx / x_scale, 4), np.round(cy, 4)])
    inside = keys.isin([(round(float(x), 4), round(float(y), 4)) for x, y in centres])
    out[np.flatnonzero(has)[inside]] = True
    return out


def map_extent(dataset: Dataset, m: np.ndarray, conus=CONUS) -> dict:
    """The view around the matching records that have coordinates: (lon0, lon1, lat0, lat1).

    National data opens on the contiguous states; records outside that view (Alaska, Hawaii,
    territories) are counted in "outside" so the page can say so. No coordinates: the CONUS view.
    """
    has = m & dataset.placed
    placed = int(np.count_nonzero(has))
    if not placed:
        return {"view": conus, "outside": 0, "placed": 0}
    inside = has & _in_view(dataset, conus)
    n_inside = int(np.count_nonzero(inside))
    rows = np.flatnonzero(inside if n_inside else has)
    x, y = dataset.lon[rows], dataset.lat[rows]
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    pad_x, pad_y = max(0.3, (x1 - x0) * 0.12), max(0.25, (y1 - y0) * 0.12)
    view = (x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y)
    if n_inside and (view[1] - view[0]) > 0.6 * (conus[1] - conus[0]):
        view = conus
    return {"view": view, "outside": placed - n_inside if n_inside else 0, "placed": placed}


def _in_view(dataset: Dataset, view: tuple[float, float, float, float]) -> np.ndarray:
    key = ("in view", view)
    if key not in dataset.memo:
        lon, lat = dataset.lon, dataset.lat
        with np.errstate(invalid="ignore"):
            dataset.memo[key] = (lon >= view[0]) & (lon <= view[1]) & (lat >= view[2]) & (lat <= view[3])
    return dataset.memo[key]


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
    dataset: Dataset,
    m: np.ndarray,
    page: int = 0,
    page_size: int = 50,
    order: np.ndarray | None = None,
    columns: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of matching records (all columns, or those named), newest first, and the number of pages."""
    total = int(np.count_nonzero(m))
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    if order is None:
        idx = np.flatnonzero(m)
        ranked = idx[np.argsort(-dataset.day[idx], kind="stable")]
    else:
        ranked = _first_matching(order, m, (page + 1) * page_size)
    chosen = ranked[page * page_size : (page + 1) * page_size]
    frame = dataset.records if columns is None else dataset.records[[c for c in columns if c in dataset.records]]
    return frame.iloc[chosen].reset_index(drop=True), pages


def _first_matching(order: np.ndarray, m: np.ndarray, wanted: int) -> np.ndarray:
    """The first `wanted` positions of `order` where m holds: read in growing slices, so an early page
    of a broad filter looks at a few thousand records, not a million."""
    found: list[np.ndarray] = []
    start, step, count = 0, max(4 * wanted, 4096), 0
    while start < len(order) and count < wanted:
        part = order[start : start + step]
        hits = part[m[part]]
        found.append(hits)
        count += len(hits)
        start, step = start + step, step * 4
    return np.concatenate(found)[:wanted] if found else np.zeros(0, dtype=np.intp)


def compare(current: dict, previous: dict) -> dict:
    """Change between two headline dicts; a percentage only where the base is at least 10."""
    out = {}
    for key in ("encounters", "people_affected", "weapon_or_worse", "confirmed"):
        a, b = current[key], previous[key]
        out[key] = {"now": a, "before": b, "change": a - b, "pct": (a - b) / b if b >= 10 else None}
    return out
