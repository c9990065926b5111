"""What the Explore page should show, computed from the published records with plain pandas.

Deliberately independent of dashboard.explore.filters: string operations on the parquet columns.
"""

from __future__ import annotations

import pandas as pd

from dashboard.schema import load_schema


def any_of(column: pd.Series, wanted: set[str]) -> pd.Series:
    """A multi-valued ';'-separated column has at least one of the wanted values."""
    return column.astype(str).str.split(";").apply(lambda parts: any(p.strip() in wanted for p in parts))


def expected_records(r: pd.DataFrame, **f) -> pd.DataFrame:
    keep = pd.Series(True, index=r.index)
    if "state" in f:
        keep &= r["state"].astype(str).isin(f["state"])
    if "group" in f:
        keep &= any_of(r["targeted_groups"], set(f["group"]))
    if "force" in f:
        keep &= any_of(r["force_types"], set(f["force"]))
    if "agency" in f:
        keep &= any_of(r["agencies"], set(f["agency"]))
    if "type" in f:
        keep &= r["encounter_type"].astype(str).isin(f["type"])
    if "operation" in f:
        keep &= r["operation"].astype(str).isin(f["operation"])
    if "place" in f:
        keep &= r["place_type"].astype(str).isin(f["place"])
    if "verification" in f:
        keep &= r["verification"].astype(str).isin(f["verification"])
    if "min_force" in f:
        order = list(load_schema().taxonomies["force_types"].values)
        rank = r["force_level"].astype(str).map(lambda v: order.index(v) if v in order else -1)
        keep &= rank >= order.index(f["min_force"])
    if "from" in f:
        keep &= r["date"] >= pd.Timestamp(f["from"])
    if "to" in f:
        keep &= r["date"] <= pd.Timestamp(f["to"])
    return r[keep]


def newest_first_ids(frame: pd.DataFrame, n: int = 50) -> list[str]:
    return frame.sort_values("date", ascending=False, kind="stable")["encounter_id"].astype(str).head(n).tolist()
