"""Flag likely duplicate encounters without deleting any.

Two records are likely duplicates when their dates are within a day, they share an agency, and
either both are exact or block points within 1 km of each other, or both name the same city in the
same state. Records placed only to a county, region or state are never flagged: thousands of
distinct ICE arrests share one area-of-responsibility point and one date. A placeholder agency
("unknown federal", data/reference/duplicates.yaml) is no agency in common.

A record with an incident key (the source's own incident number, column incident_key) is flagged
only as a duplicate of the earliest record with the same key: the source has said which of its rows
are one incident, so its other rows on the same day and street are not.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import yaml

from dashboard.paths import REFERENCE_DIR

_CELL_DEG = 0.01  # about 1.1 km of latitude: neighbours within 1 km fall in adjacent cells
_EARTH_KM = 6371.0


@lru_cache(maxsize=1)
def placeholder_agencies() -> frozenset[str]:
    doc = yaml.safe_load((REFERENCE_DIR / "duplicates.yaml").read_text(encoding="utf-8"))
    return frozenset(map(str, doc.get("placeholder_agencies") or ()))


def _named(uniques) -> list[str]:
    """The agencies named in these cells, placeholders left out (they are no agency in common)."""
    return sorted({a.strip() for u in uniques for a in str(u).split(";") if a.strip()} - placeholder_agencies())


def _agency_bits(agencies: pd.Series) -> np.ndarray:
    """Each distinct agency gets one bit, so 'an agency in common' is a bitwise and."""
    codes, uniques = pd.factorize(agencies.fillna(""))
    names = _named(uniques)
    bit = {n: 1 << i for i, n in enumerate(names[:63])}
    masks = np.array([sum(bit.get(a.strip(), 0) for a in set(u.split(";"))) for u in uniques], dtype=np.int64)
    return masks[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _agency_members(agencies: pd.Series) -> dict[str, np.ndarray]:
    """For each agency named anywhere, which records name it."""
    codes, uniques = pd.factorize(agencies.astype(object).fillna(""))
    names = _named(uniques)
    out = {}
    for name in names:
        has = np.array([name in {a.strip() for a in u.split(";")} for u in uniques], dtype=bool)
        out[name] = has[codes] if len(codes) else np.zeros(0, dtype=bool)
    return out


def _earliest_in_same_city(df: pd.DataFrame, city_ok: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each record, the lowest row index i < j of a record in the same state and city, dated
    within a day, sharing an agency; len(df) where there is none.

    Computed from group minima per (agency, place, day), never from pairs: a big city with a
    hundred records a day would otherwise make millions of pairs.
    """
    n = len(df)
    best = np.full(n, n, dtype=np.int64)
    if not city_ok.any():
        return best
    place = (
        df["state"].astype(object).fillna("").astype(str)
        + "|"
        + df["city"].astype(object).fillna("").astype(str).str.lower()
    )
    place_code = pd.factorize(place)[0]
    for has in _agency_members(df["agencies"]).values():
        rows = np.flatnonzero(has & city_ok)
        if len(rows) < 2:
            continue
        key, d = place_code[rows], day[rows]
        group_min = pd.DataFrame({"k": key, "d": d, "i": rows}).groupby(["k", "d"])["i"].min()
        for shift in (-1, 0, 1):
            looked = group_min.reindex(pd.MultiIndex.from_arrays([key, d + shift])).to_numpy()
            earlier = np.where(np.isnan(looked), n, looked).astype(np.int64)
            ok = earlier < rows  # the group's first record, if it comes before this one
            best[rows[ok]] = np.minimum(best[rows[ok]], earlier[ok])
    return best


def flag_duplicates(df: pd.DataFrame) -> pd.Series:
    """The id of the earliest-listed likely duplicate for each record, or None."""
    n = len(df)
    result = np.full(n, None, dtype=object)
    if n < 2:
        return pd.Series(result, index=df.index)
    day = pd.to_datetime(df["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    precision = df["location_precision"].astype(object).fillna("").to_numpy()
    city_ok = np.isin(precision, ["exact", "block", "city"]) & (df["city"].astype(object).fillna("").to_numpy() != "")
    best = _earliest_in_same_city(df, city_ok, day)

    lat, lon = df["latitude"].to_numpy(dtype=float), df["longitude"].to_numpy(dtype=float)
    point_ok = np.isin(precision, ["exact", "block"]) & ~np.isnan(lat) & ~np.isnan(lon)
    if point_ok.sum() > 1:
        idx = np.flatnonzero(point_ok)
        cy, cx = np.floor(lat[idx] / _CELL_DEG).astype(np.int64), np.floor(lon[idx] / _CELL_DEG).astype(np.int64)
        # (cell row, cell column, day) packed into one integer, with a margin of one on every side, so
        # "the neighbouring cell, a day either side" is a fixed offset between keys.
        d = day[idx] - day[idx].min() + 1
        cy, cx = cy - cy.min() + 1, cx - cx.min() + 1
        width, span = int(cx.max()) + 2, int(d.max()) + 2
        keys = (cy * width + cx) * span + d
        # Half of the 27 neighbours: the other half finds the same pairs the other way round.
        offsets = {(dy * width + dx) * span + ds for dy in (-1, 0, 1) for dx in (-1, 0, 1) for ds in (-1, 0, 1)}
        i, j = _equal_pairs(keys, sorted(o for o in offsets if o >= 0))
        i, j = np.minimum(idx[i], idx[j]), np.maximum(idx[i], idx[j])  # (earlier row, later row)
        bits = _agency_bits(df["agencies"])
        keep = ((bits[i] & bits[j]) != 0) & (_haversine_km(lat[i], lon[i], lat[j], lon[j]) <= 1.0)
        np.minimum.at(best, j[keep], i[keep])

    if "incident_key" in df:
        _by_incident_key(df["incident_key"], best)
    found = best < n
    result[found] = df["encounter_id"].to_numpy(dtype=object)[best[found]]
    return pd.Series(result, index=df.index)


def _by_incident_key(keys: pd.Series, best: np.ndarray) -> None:
    """A keyed record: the earliest record with its key, or nothing (not the place-and-date rule's guess)."""
    text = keys.astype(object).fillna("").astype(str).str.strip().to_numpy(dtype=object)
    keyed = text != ""
    best[keyed] = len(best)
    if keyed.any():
        rows = np.flatnonzero(keyed)
        first = pd.Series(rows).groupby(text[rows]).transform("min").to_numpy()
        later = first < rows
        best[rows[later]] = first[later]


def _equal_pairs(keys: np.ndarray, offsets) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with keys[j] == keys[i] + offset, for each offset (offset 0: only i < j).

    One sort, then two binary searches of the sorted keys per offset: no hash join, no DataFrame
    per offset, and each pair comes out once, so no np.unique over millions of pairs either.
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    out_i, out_j = [], []
    for offset in offsets:
        lo = np.searchsorted(ordered, ordered + offset, "left")
        hi = np.searchsorted(ordered, ordered + (offset + 1), "left")  # integer keys: right of k is left of k + 1
        count = hi - lo
        total = int(count.sum())
        if not total:
            continue
        i = np.repeat(order, count)
        j = order[np.repeat(lo - np.cumsum(count) + count, count) + np.arange(total)]
        if offset == 0:
            i, j = i[i < j], j[i < j]
        out_i.append(i)
        out_j.append(j)
    if not out_i:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


def _haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
