"""Tiny in-memory datasets for the explore unit tests: inline rows in, a Dataset out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.explore.data import Dataset, prepare_records
from dashboard.schema import load_schema

BASE = {
    "encounter_id": "",
    "date": "2025-06-14",
    "date_precision": "day",
    "state": "MN",
    "county_fips": "27053",
    "city": "Minneapolis",
    "district": "",
    "region": "",
    "latitude": 44.98,
    "longitude": -93.27,
    "location_precision": "exact",
    "agencies": "ICE ERO",
    "encounter_type": "vehicle stop",
    "place_type": "",
    "operation": "",
    "targeted_groups": "",
    "force_types": "",
    "people_affected": 1,
    "outcome": "released",
    "summary": "Test record.",
    "verification": "reported",
    "official_response": "",
    "sources": "https://example.org/1",
    "last_updated": "2025-06-20",
    "possible_duplicate_of": "",
}
TEXT = ("encounter_id", "summary", "official_response", "sources")


def force_level(force_types: str) -> str:
    order = load_schema().taxonomies["force_types"].values
    parts = [p.strip() for p in force_types.split(";") if p.strip()]
    return max(parts, key=order.index) if parts else ""


def make_dataset(*overrides: dict, name: str = "t") -> Dataset:
    """A Dataset built the way load_dataset builds one (categorical columns, day and force rank)."""
    rows = [{**BASE, "encounter_id": f"T-{i + 1}", **o} for i, o in enumerate(overrides)]
    frame = pd.DataFrame(rows)
    frame["force_level"] = [force_level(f) for f in frame["force_types"]]
    frame["date"] = pd.to_datetime(frame["date"])
    frame["last_updated"] = pd.to_datetime(frame["last_updated"])
    frame["latitude"] = pd.to_numeric(frame["latitude"]).astype(float)
    frame["longitude"] = pd.to_numeric(frame["longitude"]).astype(float)
    frame["people_affected"] = frame["people_affected"].astype("Int32")
    for c in frame.columns:
        if c not in TEXT and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)):
            frame[c] = frame[c].astype(str).astype("category")
    day, rank = prepare_records(frame)
    return Dataset(name=name, version=1, records=frame, metadata={}, manifest={}, day=day, force_rank=rank)


def synthetic(n: int, seed: int = 7) -> Dataset:
    """n records spread over the contiguous states (a third clustered in cities), every county used."""
    from dashboard import geo

    rng = np.random.default_rng(seed)
    schema = load_schema()
    levels = list(schema.taxonomies["force_types"].values)
    fips = [f["id"] for f in geo.counties_geojson()["features"]]
    lat = rng.uniform(25, 49, n)
    lon = rng.uniform(-124, -67, n)
    k = n // 3
    lat[:k] = 41.88 + rng.normal(0, 0.05, k)
    lon[:k] = -87.63 + rng.normal(0, 0.05, k)
    force = rng.choice(["", *levels], n)
    frame = pd.DataFrame(
        {
            "encounter_id": [f"S-{i:07d}" for i in range(n)],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "date_precision": rng.choice(["day", "week", "month", "year"], n, p=[0.85, 0.05, 0.07, 0.03]),
            "state": rng.choice(["MN", "IL", "TX", "CA", "NY"], n),
            "county_fips": rng.choice(fips, n),
            "city": "Somewhere",
            "district": "",
            "region": "",
            "latitude": lat.round(5),
            "longitude": lon.round(5),
            "location_precision": rng.choice(["exact", "block", "city", "region"], n),
            "agencies": rng.choice(["ICE ERO", "CBP OFO; Border Patrol", "FBI"], n),
            "encounter_type": rng.choice(list(schema.taxonomies["encounter_types"].values), n),
            "place_type": rng.choice(["school or school bus stop", "home", ""], n),
            "operation": "",
            "targeted_groups": rng.choice(["protester", "US citizen; worker", ""], n),
            "force_types": force,
            "force_level": force,
            "people_affected": pd.array(rng.integers(1, 5, n), dtype="Int32"),
            "verification": rng.choice(list(schema.taxonomies["verification"].values), n),
            "summary": "Synthetic.",
            "official_response": "",
            "sources": "https://example.org/s",
        }
    )
    for c in frame.columns:
        if c not in TEXT and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)):
            frame[c] = frame[c].astype(str).astype("category")
    day, rank = prepare_records(frame)
    return Dataset(name="synthetic", version=1, records=frame, metadata={}, manifest={}, day=day, force_rank=rank)
