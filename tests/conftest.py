"""Shared fixtures: small canonical frames, and where the real data files are."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

CANONICAL_ROW = {
    "encounter_id": "T-1",
    "date": "2025-06-14",
    "date_precision": "day",
    "state": "MN",
    "county_fips": "",
    "city": "Minneapolis",
    "latitude": "",
    "longitude": "",
    "location_precision": "",
    "agencies": "ICE ERO",
    "encounter_type": "vehicle stop",
    "targeted_groups": "local law enforcement officer",
    "force_types": "vehicle boxing/ramming; property damage/seizure; weapon displayed",
    "people_affected": "1",
    "outcome": "released",
    "summary": "Test record.",
    "verification": "reported",
    "official_response": "DHS said it could not verify the claims",
    "sources": "https://example.org/test/1",
    "last_updated": "2025-06-20",
}


def rows(*overrides: dict) -> pd.DataFrame:
    """A frame of canonical rows as strings, each the base row with some values replaced."""
    out = []
    for i, o in enumerate(overrides):
        out.append({**CANONICAL_ROW, "encounter_id": f"T-{i + 1}", **o})
    frame = pd.DataFrame(out).astype(str)
    frame["_row"] = range(2, len(frame) + 2)
    return frame


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data file {relative} is not available at {SHARED_DATA}")
    return path


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.drop(columns=[c for c in frame.columns if c.startswith("_")]).to_csv(path, index=False)
    return path
