"""Filters: a frozen, hashable value that round-trips through the page URL and becomes a row mask.

Within one filter, values are alternatives (any of them); different filters all apply (and).
Multi-valued columns match a record that has any of the chosen values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, make_dataclass, replace
from datetime import date

import numpy as np

from dashboard.explore.data import Dataset
from dashboard.schema import load_schema


def tr(text: str) -> str:
    """Mark a label for the catalog (tests/test_i18n.py checks it has a translation)."""
    return text


@dataclass(frozen=True)
class FilterSpec:
    """One list filter, declared once: the URL round trip, the mask, the sidebar and the sentences
    that describe a view all read this table."""

    param: str  # URL parameter: part of the public interface (shared links)
    attr: str  # Filters field
    column: str  # records column
    label: str  # sidebar label and the name in "Filters: ..." sentences (English; the catalog translates)
    place: str  # where the sidebar shows it: "main" (in view), "where" or "more" (popovers)


LIST_FILTERS = (
    FilterSpec("state", "states", "state", tr("State"), "main"),
    FilterSpec("operation", "operations", "operation", tr("Operation"), "main"),
    FilterSpec("group", "groups", "targeted_groups", tr("Targeted group"), "main"),
    FilterSpec("county", "counties", "county_fips", tr("County"), "where"),
    FilterSpec("city", "cities", "city", tr("City"), "where"),
    FilterSpec("district", "districts", "district", tr("Council district"), "where"),
    FilterSpec("place", "places", "place_type", tr("Place type"), "where"),
    FilterSpec("force", "forces", "force_types", tr("Force type"), "more"),
    FilterSpec("agency", "agencies", "agencies", tr("Agency"), "more"),
    FilterSpec("type", "types", "encounter_type", tr("Encounter type"), "more"),
    FilterSpec("verification", "verification", "verification", tr("Verification"), "more"),
)
# URL parameter -> (Filters field, records column)
LIST_PARAMS = {f.param: (f.attr, f.column) for f in LIST_FILTERS}
# A link is read within these bounds (issue 14: a 50 KB link of unknown cities made 8,520 notes and a
# 9 MB page). No shared view needs more values of one filter; no value of a list filter is this long.
MAX_LINK_VALUES = 200  # values read per parameter, after removing repeats
MAX_VALUE_CHARS = 200  # a longer value is quoted shortened in its note
MAX_NOTES = 10  # notes shown about one link; the rest are counted in one last line


class _FilterMethods:
    """What every Filters value can do; its fields come from LIST_FILTERS (see Filters below)."""

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)  # type: ignore[type-var]

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self) if f.name != "dataset")

    def to_query(self) -> dict[str, str | list[str]]:
        """Query parameters for a shareable URL (lists as repeated parameters)."""
        q: dict[str, str | list[str]] = {}
        if self.dataset:
            q["dataset"] = self.dataset
        if self.date_from:
            q["from"] = self.date_from.isoformat()
        if self.date_to:
            q["to"] = self.date_to.isoformat()
        for param, (attr, _) in LIST_PARAMS.items():
            if getattr(self, attr):
                q[param] = list(getattr(self, attr))
        if self.min_force:
            q["min_force"] = self.min_force
        return q


# The filters of one view: a frozen, hashable value. Its list fields are LIST_FILTERS' attrs, so adding a
# filter is a row in that table (and a column in the schema, if it is new), nothing else.
Filters = make_dataclass(
    "Filters",
    [
        ("dataset", str, field(default="")),
        ("date_from", date | None, field(default=None)),
        ("date_to", date | None, field(default=None)),
        *((f.attr, tuple[str, ...], field(default=())) for f in LIST_FILTERS),
        ("min_force", str | None, field(default=None)),
        ("ids", tuple[str, ...], field(default=())),  # a selection on the map: these records only (not in the URL)
    ],
    bases=(_FilterMethods,),
    frozen=True,
)
Filters.__module__ = __name__  # pickling and reprs name this module


def _split(raw) -> list[str]:
    """Repeated parameters and comma-separated values both work: ?state=MN&state=IL or ?state=MN,IL."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [p.strip() for item in items for p in str(item).split(",") if p.strip()]


def _quoted(value: str) -> str:
    return f'"{value[:60]}..." ({len(value):,} characters)' if len(value) > MAX_VALUE_CHARS else f'"{value}"'


def _bounded(notes: list[str]) -> list[str]:
    """The first MAX_NOTES notes, then one line counting the others."""
    if len(notes) <= MAX_NOTES:
        return notes
    rest = len(notes) - MAX_NOTES
    return [*notes[:MAX_NOTES], f"and {rest:,} more note{'' if rest == 1 else 's'} about this link (not shown)"]


def _parse_date(raw) -> date | None:
    try:
        return date.fromisoformat(_split(raw)[0])
    except (ValueError, IndexError):
        return None


def from_query(params: Mapping, dataset: Dataset | None, known_datasets: list[str] | None = None):
    """(Filters, notes) from URL parameters; an unknown value is dropped with a note, never an error."""
    notes: list[str] = []
    get = params.get_all if hasattr(params, "get_all") else (lambda k: params.get(k, []))
    name = (_split(get("dataset")) or [""])[0]
    if known_datasets is not None and name and name not in known_datasets:
        notes.append(f"dataset {_quoted(name)} is not published here; showing the default dataset")
        name = ""
    values: dict = {"dataset": name}
    for key, attr in (("from", "date_from"), ("to", "date_to")):
        raw = _split(get(key))
        if raw:
            values[attr] = _parse_date(raw)
            if values[attr] is None:
                notes.append(f"{_quoted(raw[0])} is not a date (use YYYY-MM-DD); the {key} date was ignored")
    for param, (attr, column) in LIST_PARAMS.items():
        wanted = list(dict.fromkeys(_split(get(param))))
        if not wanted:
            continue
        allowed = _allowed(dataset, column)
        lookup = {a.lower(): a for a in allowed} if allowed is not None else None
        kept = []
        for w in wanted[:MAX_LINK_VALUES]:
            if lookup is None or w.lower() in lookup:
                kept.append(lookup[w.lower()] if lookup else w)
            else:
                notes.append(f"{param} {_quoted(w)} matches no record in this dataset and was ignored")
        if len(wanted) > MAX_LINK_VALUES:
            extra = len(wanted) - MAX_LINK_VALUES
            notes.append(f"{param}: only the first {MAX_LINK_VALUES} values were read; {extra:,} more were ignored")
        values[attr] = tuple(dict.fromkeys(kept))
    min_force = _split(get("min_force"))
    if min_force:
        levels = load_schema().taxonomies["force_types"].values
        if min_force[0] in levels:
            values["min_force"] = min_force[0]
        else:
            notes.append(f"min_force {_quoted(min_force[0])} is not a force type and was ignored")
    return Filters(**values), _bounded(notes)


def _allowed(dataset: Dataset | None, column: str) -> list[str] | None:
    if dataset is None:
        return None
    schema = load_schema()
    spec = schema.column(column)
    if spec.taxonomy:  # every taxonomy value is a valid choice, even if no record has it yet
        return list(schema.taxonomies[spec.taxonomy].values)
    return dataset.values(column)


def mask(dataset: Dataset, filters: Filters) -> np.ndarray:
    """Which records match the filters."""
    records = dataset.records
    m = np.ones(len(records), dtype=bool)
    if filters.date_from:
        m &= dataset.day >= np.datetime64(filters.date_from, "D").astype(np.int64)
    if filters.date_to:
        m &= dataset.day <= np.datetime64(filters.date_to, "D").astype(np.int64)
    for _param, (attr, column) in LIST_PARAMS.items():
        wanted = getattr(filters, attr)
        if wanted:
            m &= dataset.rows_with(column, wanted)
    if filters.min_force:
        rank = load_schema().taxonomies["force_types"].rank(filters.min_force)
        m &= dataset.force_rank >= rank
    if filters.ids:
        m &= records["encounter_id"].isin(filters.ids).to_numpy()
    return m
