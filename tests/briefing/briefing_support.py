"""The briefing's figures computed independently, with pandas and geopandas, from the published records."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

# Severity order, written out here (not read from the taxonomy) so the expected figures are independent.
FORCE_ORDER = [
    "none",
    "verbal threat",
    "physical restraint",
    "property damage/seizure",
    "vehicle boxing/ramming",
    "weapon displayed",
    "chemical agent",
    "impact/less-lethal projectile",
    "taser",
    "firearm discharged",
    "death",
]
# The places DHS's withdrawn protected-areas policy named, written out here for the same reason.
SENSITIVE = {
    "school or school bus stop",
    "childcare",
    "place of worship",
    "hospital or clinic",
    "social services or shelter",
}
WEAPON_OR_WORSE = set(FORCE_ORDER[FORCE_ORDER.index("weapon displayed") :])
BREAKDOWN_COLUMNS = {
    "By targeted group": "targeted_groups",
    "By agency": "agencies",
    "By encounter type": "encounter_type",
    "By place type": "place_type",
    "By verification level": "verification",
}
# A box around downtown Minneapolis (North Loop, Downtown West and East): a reader's own "district".
DOWNTOWN = [[-93.30, 44.96], [-93.24, 44.96], [-93.24, 45.00], [-93.30, 45.00], [-93.30, 44.96]]


def in_dates(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return frame[(frame["date"] >= pd.Timestamp(start)) & (frame["date"] <= pd.Timestamp(end))]


def key_figures(frame: pd.DataFrame) -> dict[str, int]:
    return {
        "Encounters": len(frame),
        "People affected": int(frame["people_affected"].fillna(0).astype(int).sum()),
        "Weapon displayed or worse": int(frame["force_level"].isin(WEAPON_OR_WORSE).sum()),
        "At sensitive places": int(frame["place_type"].astype(str).isin(SENSITIVE).sum()),
        "Involving US citizens": int(
            frame["targeted_groups"]
            .astype(str)
            .str.split(";")
            .apply(lambda g: "US citizen" in [x.strip() for x in g])
            .sum()
        ),
    }


def breakdown(frame: pd.DataFrame, column: str) -> dict[str, int]:
    """Records per value; a multi-valued record counts once per value; empty values as "not recorded"."""
    values = frame[column].fillna("").astype(str)
    parts = values.str.split(";").explode().str.strip()
    counts = parts[parts != ""].value_counts().to_dict()
    empty = int((values.str.strip() == "").sum())
    if empty:
        counts["not recorded"] = empty
    return {k: int(v) for k, v in counts.items()}


def expected(frame: pd.DataFrame, period: tuple[str, str], compare: tuple[str, str]) -> dict:
    """{"key": {label: (now, before)}, "By ...": {value: (now, before)}} for the records of one area."""
    now, before = in_dates(frame, *period), in_dates(frame, *compare)
    out = {"key": {k: (v, key_figures(before)[k]) for k, v in key_figures(now).items()}}
    for title, column in BREAKDOWN_COLUMNS.items():
        a, b = breakdown(now, column), breakdown(before, column)
        out[title] = {v: (a.get(v, 0), b.get(v, 0)) for v in set(a) | set(b)}
    return out


def downtown_geojson(path: Path) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Downtown"},
                "geometry": {"type": "Polygon", "coordinates": [DOWNTOWN]},
            },
            {
                "type": "Feature",
                "properties": {"name": "Far away"},
                "geometry": {"type": "Polygon", "coordinates": [[[-80, 30], [-79, 30], [-79, 31], [-80, 30]]]},
            },
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def in_polygon(frame: pd.DataFrame, ring: list[list[float]]) -> pd.DataFrame:
    """Exact- or block-located records inside a polygon (geopandas, independently of the briefing code)."""
    import geopandas as gpd
    import shapely

    points = gpd.GeoSeries(gpd.points_from_xy(frame["longitude"], frame["latitude"]))
    inside = points.within(shapely.Polygon(ring)).to_numpy()
    return frame[inside & frame["location_precision"].isin(["exact", "block"]).to_numpy()]
