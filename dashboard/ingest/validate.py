"""Validate canonical-format rows: every problem, by row and column, in one pass.

Input: a frame of strings with canonical column names (from the reader, or from a mapping), plus
`_row` (the spreadsheet row number) and optionally `_read_error`. Output: the parsed, typed values
and a table of problems (row, column, value, reason). A row with any problem is invalid; the
publish step quarantines it with its reasons instead of dropping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.ingest import values as v
from dashboard.ingest.read import FileUnusable
from dashboard.schema import Column, Schema, load_schema

PROBLEM_COLUMNS = ["row", "column", "value", "reason"]
# Coordinates outside these boxes are not in the United States or its territories.
_US_BOXES = ((13.0, 72.0, -180.0, -60.0), (13.0, 21.0, 144.0, 146.5), (-15.0, -10.0, -171.5, -168.0))


def header_key(name: str) -> str:
    """'Encounter ID ' -> 'encounter_id': how a header is matched to a schema column."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


@dataclass
class Validation:
    parsed: pd.DataFrame  # typed values, one row per input row (None where a value is invalid)
    problems: pd.DataFrame  # row, column, value, reason
    notes: list[str] = field(default_factory=list)  # file-level remarks (ignored columns ...)

    @property
    def invalid_rows(self) -> np.ndarray:
        return np.isin(self.parsed["_row"].to_numpy(), self.problems["row"].to_numpy())

    @property
    def rows_in(self) -> int:
        return len(self.parsed)

    @property
    def rows_invalid(self) -> int:
        return int(self.invalid_rows.sum())

    @property
    def rows_valid(self) -> int:
        return self.rows_in - self.rows_invalid

    def counts(self) -> dict[str, int]:
        return {"rows_in": self.rows_in, "rows_valid": self.rows_valid, "rows_invalid": self.rows_invalid}


def canonical_columns(frame: pd.DataFrame, schema: Schema, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Rename headers to schema names; refuse a file that lacks a required column (naming it)."""
    known = {header_key(c.name): c.name for c in schema.columns}
    renames, notes = {}, []
    for col in frame.columns:
        if col.startswith("_"):
            continue
        name = known.get(header_key(col))
        if name is None:
            notes.append(f'column "{col}" is not part of the encounter record and was ignored')
        elif name in renames.values():
            raise FileUnusable(f'{source}: two columns both mean "{name}"; keep one')
        else:
            renames[col] = name
    frame = frame.rename(columns=renames)
    missing = [c for c in schema.required if c not in frame.columns]
    if missing:
        names = ", ".join(missing)
        raise FileUnusable(f"{source}: missing required column{'s' if len(missing) > 1 else ''}: {names}")
    for c in schema.columns:
        if c.derived and c.name in frame.columns:
            notes.append(f'column "{c.name}" is derived when publishing; the values in the file were ignored')
    return frame, notes


def _parser(column: Column, schema: Schema):
    if column.kind in ("enum", "multi"):
        matcher = v.TermMatcher(schema.taxonomies[column.taxonomy])
        if column.kind == "enum":
            return matcher.match
        return lambda raw: v.parse_multi(raw, matcher, schema.multi_separator)
    return {
        "id": v.parse_id,
        "text": lambda raw: v.parse_text(raw, column),
        "int": lambda raw: v.parse_number(raw, column, integer=True),
        "float": lambda raw: v.parse_number(raw, column, integer=False),
        "fips": v.parse_fips,
        "sources": v.parse_sources,
    }[column.kind]


class _Collector:
    """Gathers problems as arrays (fast at a million rows) and builds one frame at the end."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column: str, values, reason) -> None:
        idx = np.flatnonzero(mask)
        if len(idx):
            vals = np.asarray(values, dtype=object)[idx] if not isinstance(values, str) else values
            rsn = np.asarray(reason, dtype=object)[idx] if not isinstance(reason, str) else reason
            self.parts.append(pd.DataFrame({"row": self.rows[idx], "column": column, "value": vals, "reason": rsn}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object) for c in PROBLEM_COLUMNS})
        return pd.concat(self.parts, ignore_index=True).sort_values(["row", "column"], kind="stable")


def _parse_column(raw: pd.Series, column: Column, schema: Schema, problems: _Collector) -> np.ndarray:
    """Parse each distinct value once, then spread results to rows by code."""
    codes, uniques = pd.factorize(raw.fillna(""), sort=False)
    taxonomy = schema.taxonomies.get(column.taxonomy) if column.taxonomy else None
    parse = _parser(column, schema)
    clean = np.empty(len(uniques), dtype=object)
    reasons = np.empty(len(uniques), dtype=object)
    missing = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        if v.is_missing(u, schema, taxonomy):
            missing[i] = True
            clean[i] = None
            continue
        clean[i], reasons[i] = parse(u)
    has_reason = np.array([r is not None for r in reasons], dtype=bool)
    row_values = raw.to_numpy(dtype=object)
    problems.add(has_reason[codes], column.name, row_values, reasons[codes])
    if column.nonempty:
        problems.add(missing[codes], column.name, row_values, "is empty; every record needs a value here")
    return clean[codes]


def _parse_dates(raw: pd.Series, column: Column, schema: Schema, problems: _Collector):
    codes, uniques = pd.factorize(raw.fillna(""), sort=False)
    parsed = [(None, None, None) if v.is_missing(u, schema) else v.parse_date(u) for u in uniques]
    dates = pd.to_datetime(pd.Series([p[0] for p in parsed], dtype=object), errors="coerce").to_numpy()
    implied = np.array([p[1] or "" for p in parsed], dtype=object)
    reasons = np.array([p[2] for p in parsed], dtype=object)
    row_values = raw.to_numpy(dtype=object)
    has_reason = np.array([r is not None for r in reasons], dtype=bool)
    problems.add(has_reason[codes], column.name, row_values, reasons[codes])
    if column.nonempty:
        is_missing = np.array([p == (None, None, None) for p in parsed], dtype=bool)
        problems.add(is_missing[codes], column.name, row_values, "is empty; every record needs a date")
    out = dates[codes] if len(codes) else np.array([], dtype="datetime64[ns]")
    tomorrow = np.datetime64(pd.Timestamp.today().normalize() + pd.Timedelta(days=1))
    problems.add(out > tomorrow, column.name, row_values, "is in the future")
    return out, implied[codes]


def validate(
    frame: pd.DataFrame, source: str = "input", schema: Schema | None = None, hints: dict[str, str] | None = None
) -> Validation:
    """Check every row and column of a canonical-format frame of strings.

    hints: column -> a sentence appended to that column's problems (a mapping says how to extend it).
    """
    schema = schema or load_schema()
    frame, notes = canonical_columns(frame, schema, source)
    rows = frame["_row"].to_numpy() if "_row" in frame else np.arange(2, len(frame) + 2)
    problems = _Collector(rows)
    out: dict[str, object] = {"_row": rows}
    implied_precision = None
    for column in schema.input_columns:
        raw = frame[column.name] if column.name in frame else pd.Series([""] * len(frame), dtype=object)
        if column.kind == "date":
            out[column.name], implied = _parse_dates(raw, column, schema, problems)
            if column.name == "date":
                implied_precision = implied
        else:
            out[column.name] = _parse_column(raw, column, schema, problems)
    parsed = pd.DataFrame(out, index=frame.index)
    if "_read_error" in frame:
        err = frame["_read_error"].fillna("").to_numpy(dtype=object)
        problems.add(err != "", "(whole row)", "", err)
    _check_rows(parsed, frame, implied_precision, problems, schema)
    found = problems.frame()
    for column, hint in (hints or {}).items():
        at = found["column"] == column
        found.loc[at, "reason"] = found.loc[at, "reason"] + "; " + hint
    return Validation(parsed=parsed.reset_index(drop=True), problems=found, notes=notes)


def _check_rows(parsed: pd.DataFrame, frame: pd.DataFrame, implied, problems: _Collector, schema: Schema) -> None:
    """Checks that involve more than one column."""
    ids = parsed["encounter_id"]
    dup = ids.notna() & ids.duplicated(keep="first")
    if dup.any():
        first_row = parsed.loc[ids.notna()].drop_duplicates("encounter_id").set_index("encounter_id")["_row"]
        reason = np.full(len(ids), None, dtype=object)
        reason[dup.to_numpy()] = [f"the same encounter_id is already used on row {first_row[i]}" for i in ids[dup]]
        problems.add(dup.to_numpy(), "encounter_id", ids.to_numpy(), reason)
    lat = pd.to_numeric(parsed["latitude"], errors="coerce")
    lon = pd.to_numeric(parsed["longitude"], errors="coerce")
    # "given" means the file has a value, valid or not: an invalid latitude is reported once, by its parser.
    lat_given = lat.notna() | _given(frame, "latitude", schema)
    lon_given = lon.notna() | _given(frame, "longitude", schema)
    problems.add((~lat_given & lon_given).to_numpy(), "latitude", "", "is missing while longitude is given")
    problems.add((~lon_given & lat_given).to_numpy(), "longitude", "", "is missing while latitude is given")
    both = lat.notna() & lon.notna()
    inside = np.zeros(len(parsed), dtype=bool)
    for lat0, lat1, lon0, lon1 in _US_BOXES:
        inside |= (lat.between(lat0, lat1) & lon.between(lon0, lon1)).to_numpy()
    problems.add(
        both.to_numpy() & ~inside,
        "latitude",
        lat.astype(str) + ", " + lon.astype(str),
        "the point lies outside the United States and its territories (are latitude and longitude swapped?)",
    )
    no_precision = both & parsed["location_precision"].isna()
    problems.add(
        no_precision.to_numpy(),
        "location_precision",
        "",
        "is empty but coordinates are given; say how precise they are (exact, block, city, county, region, state)",
    )
    # '2025-03' in the date column means the month is known, unless the precision says otherwise.
    given = parsed["date_precision"].astype(object)
    if implied is not None:
        given = given.where(given.notna(), pd.Series(implied, index=parsed.index, dtype=object).replace("", None))
    parsed["date_precision"] = given.where(given.notna(), "day")


def _given(frame: pd.DataFrame, column: str, schema: Schema) -> pd.Series:
    """True where the file has something other than a missing-value token in this column."""
    if column not in frame:
        return pd.Series(False, index=frame.index)
    codes, uniques = pd.factorize(frame[column].fillna(""))
    present = np.array([not v.is_missing(u, schema) for u in uniques], dtype=bool)
    return pd.Series(present[codes] if len(codes) else [], index=frame.index, dtype=bool)
