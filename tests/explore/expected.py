"""What the Explore page should show, computed from the published records with plain pandas.

Deliberately independent of dashboard.explore.filters: string operations on the parquet columns.
"""

from __future__ import annotations

import pandas as pd

from dashboard.explore.filters import LIST_FILTERS
from dashboard.schema import load_schema


def any_of(column: pd.Series, wanted: set[str]) -> pd.Series:
    """A multi-valued ';'-separated column has at least one of the wanted values."""
    return column.astype(str).str.split(";").apply(lambda parts: any(p.strip() in wanted for p in parts))


def expected_records(r: pd.DataFrame, **f) -> pd.DataFrame:
    """The records that URL parameters `f` (as a link writes them) select. Which column a parameter
    filters comes from the one filter table; how it matches is plain pandas, written here."""
    keep = pd.Series(True, index=r.index)
    multi = load_schema().of_kind("multi")
    for spec in LIST_FILTERS:
        if spec.param in f:
            column = r[spec.column]
            keep &= (
                any_of(column, set(f[spec.param])) if spec.column in multi else column.astype(str).isin(f[spec.param])
            )
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
