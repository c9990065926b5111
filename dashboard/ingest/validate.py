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
        hint = ""
        if len(missing) == len(schema.required):  # none of the record's columns: a file in another format
            hint = f"; if it is in another format (police open data, a FOIA release), `encounters mapping draft {source}` drafts a mapping"
        raise FileUnusable(f"{source}: missing required column{'s' if len(missing) > 1 else ''}: {names}{hint}")
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


# Free text, ids and source lists are mostly distinct per row: parsing each distinct value in
# Python is a million calls. Whole-column string operations settle the usual case; only values
# they cannot settle go through the per-value parser (which writes the message).
_FAST_KINDS = ("id", "text", "sources", "int", "float")
_CONTROL_RE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_URL_LIST_RE = r"https?://[^\s|<>\"]+(?: \| https?://[^\s|<>\"]+)*"


def _fast_path(raw: pd.Series, column: Column, schema: Schema) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(clean values, settled mask, missing mask) from vectorised string operations (pyarrow)."""
    s = raw.fillna("").astype("string[pyarrow]")
    if column.kind in ("int", "float"):
        text = s.str.strip()
        number = pd.to_numeric(text.str.replace(",", "") if column.kind == "int" else text, errors="coerce")
        number = number.astype("float64")
        settled = number.notna() & number.between(column.min, column.max)
        if column.kind == "int":
            settled &= number.round() == number
        missing = text.str.lower().isin(schema.missing_tokens).to_numpy(dtype=bool)
        values = number.astype(object).where(settled, None)
        if column.kind == "int":
            values = values.map(lambda x: None if x is None else int(x))
        return values, settled.to_numpy(dtype=bool) & ~missing, missing
    if column.kind == "id":
        clean = s.str.strip()
        settled = ~clean.str.contains(r"[\s\x00-\x1f\x7f]", regex=True) & (clean.str.len() <= 120)
    else:
        clean = s.str.strip()
        # Rewriting whitespace is slow on long text, and most cells need none: only touch those that do.
        messy = clean.str.contains(r"[\x00-\x1f\x7f]|  ", regex=True).to_numpy(dtype=bool, na_value=False)
        if messy.any():
            fixed = clean[messy].str.replace(_CONTROL_RE, " ", regex=True).str.replace(r"\s+", " ", regex=True)
            clean = clean.mask(messy, fixed.str.strip())
        if column.kind == "sources":
            settled = clean.str.fullmatch(_URL_LIST_RE)
        else:
            settled = clean.str.len() <= (column.max_length or 10**9)
    missing = clean.str.lower().isin(schema.missing_tokens).to_numpy(dtype=bool)
    return _shared_strings(raw, s, clean), (settled.to_numpy(dtype=bool, na_value=False) & ~missing), missing


def _shared_strings(raw: pd.Series, text: pd.Series, clean: pd.Series) -> pd.Series:
    """`clean` as Python objects, one str per distinct value (a million cells of a column that repeats
    a few values then cost 8 bytes each, not a new string each), and that str the reader's own where
    the cleaning left the value as it was: ids and links are distinct on every row, and a second str
    each would be a second copy of the column while the rows as read are still held (issue 14: memory)."""
    codes, distinct = pd.factorize(clean, use_na_sentinel=False)
    _, first = np.unique(codes, return_index=True)  # the first row of each distinct value
    objects = np.empty(len(distinct), dtype=object)
    as_read = raw.to_numpy(dtype=object)
    kept = np.zeros(len(distinct), dtype=bool)
    if pd.api.types.infer_dtype(as_read, skipna=True) == "string":
        kept = (clean == text).to_numpy(dtype=bool, na_value=False)[first] & raw.notna().to_numpy()[first]
        objects[kept] = as_read[first[kept]]
    objects[~kept] = np.asarray(distinct[~kept], dtype=object)
    return pd.Series(objects[codes], index=clean.index, dtype=object)


def _parse_column(raw: pd.Series, column: Column, schema: Schema, problems: _Collector) -> np.ndarray:
    """Parse each distinct value once, then spread results to rows by code."""
    row_values = raw.to_numpy(dtype=object)
    out = np.empty(len(raw), dtype=object)
    todo = np.ones(len(raw), dtype=bool)
    missing_rows = np.zeros(len(raw), dtype=bool)
    if column.kind in _FAST_KINDS:
        clean, settled, missing_rows = _fast_path(raw, column, schema)
        out[settled] = clean.to_numpy(dtype=object)[settled]
        todo = ~settled & ~missing_rows
    codes, uniques = pd.factorize(raw[todo].fillna(""), sort=False)
    taxonomy = schema.taxonomies.get(column.taxonomy) if column.taxonomy else None
    parse = _parser(column, schema)
    clean_u = np.empty(len(uniques), dtype=object)
    reasons = np.empty(len(uniques), dtype=object)
    missing = np.zeros(len(uniques), dtype=bool)
    for i, u in enumerate(uniques):
        if v.is_missing(u, schema, taxonomy):
            missing[i] = True
            continue
        clean_u[i], reasons[i] = parse(u)
    has_reason = np.array([r is not None for r in reasons], dtype=bool)
    idx = np.flatnonzero(todo)
    out[idx] = clean_u[codes]
    bad = np.zeros(len(raw), dtype=bool)
    bad[idx] = has_reason[codes]
    why = np.full(len(raw), None, dtype=object)
    why[idx] = reasons[codes]
    problems.add(bad, column.name, row_values, why)
    missing_rows = missing_rows.copy()
    missing_rows[idx] = missing[codes]
    if column.nonempty:
        problems.add(missing_rows, column.name, row_values, "is empty; every record needs a value here")
    return out


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
    # Text stays Python objects, one str per distinct value (shared with the reader's where unchanged):
    # pandas 3 would otherwise copy every text column into Arrow strings, a second copy of the file's
    # text that cleaning then turns back into objects (issue 14: memory).
    parsed = pd.DataFrame(
        {k: pd.Series(a, index=frame.index, dtype=object) if _is_objects(a) else a for k, a in out.items()},
        index=frame.index,
    )
    if "_read_error" in frame:
        err = frame["_read_error"].fillna("").to_numpy(dtype=object)
        problems.add(err != "", "(whole row)", "", err)
    _check_rows(parsed, frame, implied_precision, problems, schema)
    found = problems.frame()
    for column, hint in (hints or {}).items():
        at = found["column"] == column
        found.loc[at, "reason"] = found.loc[at, "reason"] + "; " + hint
    return Validation(parsed=parsed.reset_index(drop=True), problems=found, notes=notes)


def _is_objects(values) -> bool:
    return isinstance(values, np.ndarray) and values.dtype == object


def _check_rows(parsed: pd.DataFrame, frame: pd.DataFrame, implied, problems: _Collector, schema: Schema) -> None:
    """Checks that involve more than one column."""
    for name in schema.unique:  # the schema's `unique: true` columns (encounter_id)
        ids = parsed[name]
        dup = ids.notna() & ids.duplicated(keep="first")
        if dup.any():
            first_row = parsed.loc[ids.notna()].drop_duplicates(name).set_index(name)["_row"]
            reason = np.full(len(ids), None, dtype=object)
            reason[dup.to_numpy()] = [f"the same {name} is already used on row {first_row[i]}" for i in ids[dup]]
            problems.add(dup.to_numpy(), name, ids.to_numpy(), reason)
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
    text = frame[column].fillna("").astype("string[pyarrow]").str.strip().str.lower()
    return pd.Series(~text.isin(schema.missing_tokens).to_numpy(dtype=bool), index=frame.index)
