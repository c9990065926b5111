"""Under a mapping, each problem says which mapping key fixes it, and which source column it came from.

A contributor who brings a foreign file fixes problems in the mapping, not in the file: a value the
mapping does not translate goes under `values:`, a date in another format under the column's
`format:`, an empty constant under `constants:`. Coordinates name their source column(s) and show
the value as the file has it, because the canonical latitude may have come from a "(lat, lon)" text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dashboard.ingest.read import ROW_COL
from dashboard.schema import load_schema

_DATE_ADVICE = re.compile(r"; write it as YYYY-MM-DD.*$")
_DID_YOU_MEAN = re.compile(r'did you mean "([^"]+)"\?')
_COORDINATE_KEYS = {"latitude": ("latitude", "point", "y"), "longitude": ("longitude", "point", "x")}


def _sources(spec, column: str) -> list[str]:
    """The source columns a canonical column is read from, as the mapping names them."""
    coords = getattr(spec, "coordinates", {}) or {}
    if column in _COORDINATE_KEYS and coords:
        keys = ("latitude", "longitude", "point", "x", "y")
        return list(dict.fromkeys(str(coords[k]) for k in keys if k in coords))
    for c in spec.columns:
        if c.target == column:
            return list(getattr(c, "sources", ()) or ())
    return []


def _fix(spec, column: str, value: str, reason: str) -> str:
    """The mapping key that fixes one problem."""
    schema, name = load_schema(), spec.name
    col = schema.column(column) if column in schema.names else None
    if col is not None and col.kind == "date":
        return "" if "format" in reason else f"add the values' format to columns: {column}: format: in {name}"
    if column in spec.constants:
        return f"set constants: {column}: in {name}"
    if col is not None and col.taxonomy and value and "is not a known" in reason:
        guess = _DID_YOU_MEAN.search(reason)
        to = guess.group(1) if guess else f"<{schema.taxonomies[col.taxonomy].noun}>"
        return f'add it under values: {column}: "{value}": {to} in {name}'
    if col is not None and "is empty" in reason and not _sources(spec, column):
        return f"set columns: {column}: (a source column) or constants: {column}: in {name}"
    return ""


def annotate(problems: pd.DataFrame, spec, raw: pd.DataFrame) -> pd.DataFrame:
    """The problems with each reason naming the mapping key that fixes it and the source value it came from."""
    if problems.empty:
        return problems
    problems = problems.copy()
    raw_by_row = raw.set_index(ROW_COL) if ROW_COL in raw else raw
    reasons = problems["reason"].astype(str).to_numpy(dtype=object)
    columns = problems["column"].astype(str).to_numpy(dtype=object)
    values = problems["value"].fillna("").astype(str).to_numpy(dtype=object)
    rows = problems["row"].to_numpy()
    source_text = np.full(len(problems), "", dtype=object)
    for column in pd.unique(columns):
        at = columns == column
        sources = [s for s in _sources(spec, column) if s in raw_by_row.columns]
        if not sources:
            continue
        found = [raw_by_row[s].reindex(rows[at]).fillna("").astype(str).to_numpy(dtype=object) for s in sources]
        shown = [
            ", ".join(f'{s}: "{x}"' for s, x in zip(sources, parts, strict=True)) for parts in zip(*found, strict=True)
        ]
        label = "source column" if len(sources) == 1 else "source columns"
        text = np.array([f" ({label} {s})" for s in shown], dtype=object)
        if column not in _COORDINATE_KEYS:  # the value is the source's own text: say only where it came from
            same = np.array(
                [len(sources) == 1 and f[0] == v for f, v in zip(zip(*found, strict=True), values[at], strict=True)]
            )
            text[same] = f" (source column {sources[0]})"
        source_text[at] = text
    # Worked out once per distinct (column, value, reason, source text): most problems repeat one of a few.
    memo: dict[tuple, str] = {}
    out = []
    for key in zip(columns, values, reasons, source_text, strict=True):
        if (text := memo.get(key)) is None:
            column, value, reason, src = key
            fix = _fix(spec, column, value, reason)
            text = _DATE_ADVICE.sub("", reason) + src
            text = memo.setdefault(key, f"{text}; {fix}" if fix else text)
        out.append(text)
    problems["reason"] = out
    return problems
