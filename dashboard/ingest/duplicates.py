"""Flag likely duplicate encounters without deleting any.

Two records are likely duplicates when their dates are within a day, they share an agency, and
either both are exact or block points within 1 km of each other, or both name the same city in the
same state. Records placed only to a county, region or state are never flagged: thousands of
distinct ICE arrests share one area-of-responsibility point and one date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_CELL_DEG = 0.01  # about 1.1 km of latitude: neighbours within 1 km fall in adjacent cells
_EARTH_KM = 6371.0


def _agency_bits(agencies: pd.Series) -> np.ndarray:
    """Each distinct agency gets one bit, so 'an agency in common' is a bitwise and."""
    codes, uniques = pd.factorize(agencies.fillna(""))
    names = sorted({a.strip() for u in uniques for a in u.split(";") if a.strip()})
    bit = {n: 1 << i for i, n in enumerate(names[:63])}
    masks = np.array([sum(bit.get(a.strip(), 0) for a in set(u.split(";"))) for u in uniques], dtype=np.int64)
    return masks[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _pairs(keys: pd.DataFrame, on: list[str], day: np.ndarray) -> pd.DataFrame:
    """Index pairs (i < j) sharing `on` keys with dates at most one day apart."""
    left = keys.assign(_i=np.arange(len(keys)), _day=day)
    out = []
    for shift in (0, 1):
        right = left.assign(_day=left["_day"] + shift).rename(columns={"_i": "_j"})
        m = left.merge(right, on=on + ["_day"])
        out.append(m.loc[m["_i"] < m["_j"], ["_i", "_j"]] if shift == 0 else m[["_i", "_j"]])
    return pd.concat(out, ignore_index=True)


def flag_duplicates(df: pd.DataFrame) -> pd.Series:
    """The id of an earlier-listed likely duplicate for each record, or None."""
    n = len(df)
    result = np.full(n, None, dtype=object)
    if n < 2:
        return pd.Series(result, index=df.index)
    day = pd.to_datetime(df["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    bits = _agency_bits(df["agencies"])
    precision = df["location_precision"].astype(object).fillna("").to_numpy()
    candidates = []

    city_ok = np.isin(precision, ["exact", "block", "city"]) & (df["city"].fillna("").to_numpy() != "")
    if city_ok.any():
        sub = pd.DataFrame({"state": df["state"].astype(object).fillna(""), "city": df["city"].str.lower()})[city_ok]
        p = _pairs(sub.reset_index(drop=True), ["state", "city"], day[city_ok])
        idx = np.flatnonzero(city_ok)
        candidates.append(np.column_stack([idx[p["_i"]], idx[p["_j"]]]))

    lat, lon = df["latitude"].to_numpy(dtype=float), df["longitude"].to_numpy(dtype=float)
    point_ok = np.isin(precision, ["exact", "block"]) & ~np.isnan(lat) & ~np.isnan(lon)
    if point_ok.any():
        idx = np.flatnonzero(point_ok)
        cy, cx = np.floor(lat[idx] / _CELL_DEG).astype(np.int64), np.floor(lon[idx] / _CELL_DEG).astype(np.int64)
        base = pd.DataFrame({"cy": cy, "cx": cx})
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                # Pair each point with points in the neighbouring cell (dy, dx).
                left = base.assign(_i=np.arange(len(idx)), _day=day[idx])
                right = base.assign(cy=cy - dy, cx=cx - dx, _j=np.arange(len(idx)), _day=day[idx])
                for shift in (-1, 0, 1):
                    m = left.merge(right.assign(_day=right["_day"] + shift), on=["cy", "cx", "_day"])
                    m = m[m["_i"] < m["_j"]]
                    candidates.append(np.column_stack([idx[m["_i"]], idx[m["_j"]]]))
        # keep only pairs really within 1 km (checked below for point pairs only)

    if not candidates:
        return pd.Series(result, index=df.index)
    pairs = np.sort(np.concatenate(candidates).astype(np.int64), axis=1)  # (earlier row, later row)
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    i, j = pairs[:, 0], pairs[:, 1]
    keep = (bits[i] & bits[j]) != 0
    both_points = point_ok[i] & point_ok[j]
    same_city = city_ok[i] & city_ok[j]
    if both_points.any():
        dist = _haversine_km(lat[i], lon[i], lat[j], lon[j])
        near = both_points & (dist <= 1.0)
        keep &= near | (same_city & _same_city(df, i, j))
    else:
        keep &= _same_city(df, i, j)
    i, j = i[keep], j[keep]
    ids = df["encounter_id"].to_numpy(dtype=object)
    # Each later record points at the earliest record it matches.
    order = np.lexsort((i, j))
    i, j = i[order], j[order]
    first = np.unique(j, return_index=True)
    result[first[0]] = ids[i[first[1]]]
    return pd.Series(result, index=df.index)


def _same_city(df: pd.DataFrame, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    city = df["city"].fillna("").str.lower().to_numpy(dtype=object)
    state = df["state"].astype(object).fillna("").to_numpy(dtype=object)
    precision = df["location_precision"].astype(object).fillna("").to_numpy()
    ok = np.isin(precision, ["exact", "block", "city"])
    return (city[i] == city[j]) & (state[i] == state[j]) & (city[i] != "") & ok[i] & ok[j]


def _haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
