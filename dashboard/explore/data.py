"""A published dataset loaded once per version, with what fast filtering needs precomputed.

The records frame is read-only and shared by every session (the page layer holds it in
st.cache_resource). Repeated text columns are categorical, so a filter is a lookup on category
codes: O(categories) Python work plus one vectorised gather over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import store
from dashboard.schema import Schema, load_schema

MULTI_COLUMNS = ("agencies", "targeted_groups", "force_types")


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    version: int
    records: pd.DataFrame
    metadata: dict
    manifest: dict
    day: np.ndarray = field(repr=False)  # date as int64 days since 1970 (for fast range filters)
    force_rank: np.ndarray = field(repr=False)  # force_level as its severity rank, -1 where not recorded

    @property
    def is_demo(self) -> bool:
        return bool(self.metadata.get("demonstration"))

    @property
    def as_of(self) -> str:
        return str(self.metadata.get("as_of") or self.manifest.get("published_at", "")[:10])

    def values(self, column: str) -> list[str]:
        """Distinct values present in a column (multi-valued columns split), in taxonomy order."""
        col = self.records[column]
        cats = [c for c in col.cat.categories if c] if isinstance(col.dtype, pd.CategoricalDtype) else []
        if column in MULTI_COLUMNS:
            cats = sorted({p.strip() for c in cats for p in c.split(";") if p.strip()})
        schema = load_schema()
        spec = schema.column(column) if column in schema.names else None
        if spec and spec.taxonomy:
            order = schema.taxonomies[spec.taxonomy].values
            return sorted(cats, key=lambda v: order.index(v) if v in order else len(order))
        return sorted(cats)


def prepare_records(records: pd.DataFrame, schema: Schema | None = None) -> tuple[np.ndarray, np.ndarray]:
    schema = schema or load_schema()
    day = records["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    order = {v: i for i, v in enumerate(schema.taxonomies["force_types"].values)}
    level = records["force_level"]
    rank_of_cat = np.array([order.get(c, -1) for c in level.cat.categories], dtype=np.int16)
    codes = level.cat.codes.to_numpy()
    force_rank = np.where(codes >= 0, rank_of_cat[codes] if len(rank_of_cat) else -1, -1).astype(np.int16)
    return day, force_rank


def load_dataset(root: Path, name: str, version: int | None = None) -> Dataset:
    version = version or store.current_version(root, name)
    if version is None:
        raise store.StoreError(f'dataset "{name}" has no published version')
    records = store.load_records(root, name, version)
    for c in records.columns:
        if records[c].dtype == object and c not in ("encounter_id", "summary", "official_response", "sources"):
            records[c] = records[c].astype("category")
    day, force_rank = prepare_records(records)
    records.flags.allows_duplicate_labels = True
    return Dataset(
        name=name,
        version=version,
        records=records,
        metadata=store.read_metadata(root, name),
        manifest=store.read_manifest(root, name, version),
        day=day,
        force_rank=force_rank,
    )
