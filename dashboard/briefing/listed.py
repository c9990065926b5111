"""The records a briefing lists (the most serious ones, with their sources) and the points it maps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.briefing.area import POINT_PRECISIONS
from dashboard.explore.data import Dataset
from dashboard.i18n import num, t
from dashboard.schema import load_schema

NOT_RECORDED = "not recorded"
MAX_POINTS = 4000  # rows drawn on a map; an SVG of many more is slow to print and to send


@dataclass(frozen=True)
class Record:
    encounter_id: str
    date: str
    date_precision: str
    place: str
    location_precision: str
    force_level: str
    encounter_type: str
    agencies: str
    targeted_groups: str
    people_affected: int | None
    verification: str
    summary: str
    official_response: str
    sources: tuple[str, ...]
    place_type: str = ""


def _sources(text: str) -> tuple[str, ...]:
    sep = load_schema().sources_separator.strip()
    return tuple(s.strip() for s in str(text or "").split(sep) if s.strip())


def most_serious(dataset: Dataset, m: np.ndarray, limit: int) -> tuple[Record, ...]:
    """The `limit` records of highest force level, then newest, then by id (so the choice is stable)."""
    idx = np.flatnonzero(m)
    rank, day = dataset.force_rank[idx], dataset.day[idx]
    order = np.lexsort((-day, -rank))
    if len(order) > limit:  # keep every record tied with the last one, then break ties by id
        last = order[limit - 1]
        tied = np.flatnonzero((rank == rank[last]) & (day == day[last]))
        order = np.union1d(order[:limit], tied)
    ids = dataset.records["encounter_id"].iloc[idx[order]].astype(str).to_numpy()
    order = order[np.lexsort((ids, -day[order], -rank[order]))][:limit]
    return _as_records(dataset, idx[order])


def newest(dataset: Dataset, m: np.ndarray, limit: int) -> tuple[Record, ...]:
    """The `limit` newest records of `m` (ties by id)."""
    idx = np.flatnonzero(m)
    ids = dataset.records["encounter_id"].iloc[idx].astype(str).to_numpy()
    return _as_records(dataset, idx[np.lexsort((ids, -dataset.day[idx]))][:limit])


def _as_records(dataset: Dataset, positions: np.ndarray) -> tuple[Record, ...]:
    rows = dataset.records.iloc[positions]
    out = []
    for r in rows.to_dict("records"):
        place = ", ".join(str(r[c]) for c in ("city", "state") if str(r.get(c) or "") not in ("", "nan"))
        people = r.get("people_affected")
        out.append(
            Record(
                encounter_id=str(r["encounter_id"]),
                date=pd.Timestamp(r["date"]).date().isoformat(),
                date_precision=str(r["date_precision"]),
                place=place + (f" ({r['district']})" if str(r.get("district") or "") else ""),
                location_precision=str(r["location_precision"]),
                force_level=str(r["force_level"] or "") or NOT_RECORDED,
                encounter_type=str(r["encounter_type"]),
                agencies=str(r["agencies"]),
                targeted_groups=str(r["targeted_groups"]),
                people_affected=None if pd.isna(people) else int(people),
                verification=str(r["verification"]),
                summary=str(r.get("summary") or ""),
                official_response=str(r.get("official_response") or ""),
                sources=_sources(r.get("sources")),
                place_type=str(r.get("place_type") or ""),
            )
        )
    return tuple(out)


def _codes_as_text(col: pd.Series, keep: np.ndarray) -> np.ndarray:
    """The values of a categorical column at `keep`, without converting the whole column."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.to_numpy()[keep].astype(str)
    cats = np.array([str(c) for c in col.cat.categories] + [""], dtype=object)
    return cats[col.cat.codes.to_numpy()[keep]]


def map_points(dataset: Dataset, m: np.ndarray, limit: int = MAX_POINTS, lang: str = "en") -> tuple[tuple, int, str]:
    """((lon, lat, precision, force rank, records), records not drawable, note) for the records in `m`.

    Records sharing a point, precision and force level are one row (every city-level record of a city
    shares its point). Past `limit` rows, an even sample is kept, and the note says so.
    """
    rec = dataset.records
    drawable = dataset.category_lookup("location_precision", (*POINT_PRECISIONS, "city"))
    lat = rec["latitude"].to_numpy(dtype=float, na_value=np.nan)
    lon = rec["longitude"].to_numpy(dtype=float, na_value=np.nan)
    keep = m & drawable & ~np.isnan(lat) & ~np.isnan(lon)
    frame = pd.DataFrame(
        {
            "lon": np.round(lon[keep], 5),
            "lat": np.round(lat[keep], 5),
            "precision": _codes_as_text(rec["location_precision"], keep),
            "rank": dataset.force_rank[keep],
        }
    )
    rows = frame.groupby(["lon", "lat", "precision", "rank"], sort=True).size().reset_index(name="n")
    note = ""
    if len(rows) > limit:
        note = t(
            "The map shows an even sample of {n} of the {total} located points.",
            lang,
            n=num(limit, lang),
            total=num(len(rows), lang),
        )
        rows = rows.iloc[np.linspace(0, len(rows) - 1, limit).astype(int)]
    points = tuple(
        (float(x), float(y), str(p), int(r), int(n)) for x, y, p, r, n in rows.itertuples(index=False, name=None)
    )
    return points, int((m & ~keep).sum()), note
