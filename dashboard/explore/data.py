"""A published dataset loaded once per version, with what fast filtering needs precomputed.

The records frame is read-only and shared by every session (the page layer holds it in
st.cache_resource). Repeated text columns are categorical, so a filter is a lookup on category
codes: O(categories) Python work plus one vectorised gather over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import store
from dashboard.explore.coverage import Coverage
from dashboard.schema import Schema, load_schema

MULTI_COLUMNS = load_schema().of_kind("multi")  # agencies, targeted_groups, force_types


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

    @cached_property
    def coverage(self) -> Coverage:
        """What this version covers: as published (kept in its manifest), else as the metadata says now."""
        kept = self.manifest.get("coverage") or {}
        return Coverage.from_metadata({"as_of": self.metadata.get("as_of"), **(kept or self.metadata)})

    @property
    def as_of(self) -> str:
        return str(self.metadata.get("as_of") or self.manifest.get("published_at", "")[:10])

    @cached_property
    def memo(self) -> dict:
        """Per-dataset results worth keeping between reruns (owned by dashboard.explore.aggregate)."""
        return {}

    # Arrays every rerun needs, made once per dataset: converting a column costs milliseconds at 1M rows.
    @cached_property
    def lat(self) -> np.ndarray:
        return self.records["latitude"].to_numpy(dtype="float64", na_value=np.nan)

    @cached_property
    def lon(self) -> np.ndarray:
        return self.records["longitude"].to_numpy(dtype="float64", na_value=np.nan)

    @cached_property
    def placed(self) -> np.ndarray:
        """Records with a map point."""
        return ~np.isnan(self.lat) & ~np.isnan(self.lon)

    @cached_property
    def people(self) -> np.ndarray:
        """people_affected as floats, NaN where not given."""
        return self.records["people_affected"].to_numpy(dtype="float64", na_value=np.nan)

    def codes(self, column: str) -> np.ndarray:
        """The category codes of a categorical column (-1: missing), as one contiguous array."""
        key = ("codes", column)
        if key not in self.memo:
            self.memo[key] = self.records[column].cat.codes.to_numpy()
        return self.memo[key]

    def rows_equal(self, column: str, values) -> np.ndarray:
        """A boolean per row: is the column exactly one of `values` (missing: no)? Compares categories,
        not rows. For lookups asked for again and again, category_lookup keeps the answer."""
        col = self.records[column]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            return col.astype(str).isin(list(values)).to_numpy(dtype=bool)
        hit = np.append(np.asarray(col.cat.categories.isin(list(values)), dtype=bool), False)  # code -1: False
        return hit[self.codes(column)]

    def category_lookup(self, column: str, values) -> np.ndarray:
        """rows_equal, kept per dataset: for the handful of fixed lookups (confirmed, approximate, precise
        dates) that every rerun asks for. Not for values that vary, such as an area's id."""
        key = ("lookup", column, tuple(values))
        if key not in self.memo:
            self.memo[key] = self.rows_equal(column, values)
        return self.memo[key]

    def value_parts(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Once per column: its values (as values() gives them), (category, value) pairs saying which
        values each category stands for ("protester; US citizen" stands for two), and which categories
        are blank. Filters and counts then work on categories with numpy, never on a million rows in Python."""
        key = ("parts", column)
        if key not in self.memo:
            cats = list(self.records[column].cat.categories)
            values = self.values(column)
            where = {v: i for i, v in enumerate(values)}
            pairs = [
                (i, where[p])
                for i, cat in enumerate(cats)
                for p in ([p.strip() for p in cat.split(";")] if column in MULTI_COLUMNS else [cat])
                if p in where
            ]
            cat_of_pair = np.array([c for c, _ in pairs], dtype=np.intp)
            value_of_pair = np.array([v for _, v in pairs], dtype=np.intp)
            blank = np.array([c == "" for c in cats], dtype=bool)
            self.memo[key] = (np.array(values, dtype=object), cat_of_pair, value_of_pair, blank)
        return self.memo[key]

    def rows_with(self, column: str, wanted) -> np.ndarray:
        """A boolean per row: has the record one of `wanted` in this column (any of its values, for a
        multi-valued column)?"""
        values, cat_of_pair, value_of_pair, blank = self.value_parts(column)
        wanted_values = np.flatnonzero(np.isin(values, list(wanted)))
        hit = np.zeros(len(blank) + 1, dtype=bool)  # the extra last slot answers code -1 (missing): False
        hit[cat_of_pair[np.isin(value_of_pair, wanted_values)]] = True
        return hit[self.codes(column)]

    @cached_property
    def date_range(self) -> tuple[date, date] | None:
        """First and last date (None without dates): the sidebar's bounds, computed once, not on every rerun."""
        known = self.day[self.day != np.iinfo(np.int64).min]
        if not len(known):
            return None
        return known.min().astype("datetime64[D]").item(), known.max().astype("datetime64[D]").item()

    def values(self, column: str) -> list[str]:
        """Distinct values present in a column (multi-valued columns split), in taxonomy order.

        Computed once per column and dataset: the sidebar asks for four columns on every rerun."""
        key = ("values", column)
        if key not in self.memo:
            self.memo[key] = tuple(self._values(column))
        return list(self.memo[key])

    def _values(self, column: str) -> list[str]:
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
    # One contiguous Arrow buffer per column: a Parquet file read in row groups gives chunked string
    # columns, and taking 50 rows of a chunked column costs a pass over all of it (30-40 ms at 1M rows).
    # A damaged file raises store.DamagedVersion, which the pages show as a message of their own.
    records = store.read_records_table(root, name, version).combine_chunks().to_pandas()
    for c in load_schema().names:
        if c not in records.columns:  # a version published before the column existed: not recorded
            records[c] = pd.Series("", index=records.index, dtype="category")
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
