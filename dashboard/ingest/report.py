"""A validation report a person can read, however many rows fail.

The problems table keeps every problem (the JSON report and the downloads have them all); the text
report summarises it per column: how many rows, each kind of reason with its count, the most common
values with their rows, and each column's allowed values once (never once per row). It stays well
under 100 KB: 50,000 bad rows give the same few screens as 50.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard.schema import Schema, load_schema

VALUES_PER_COLUMN = 8  # distinct (value, reason) lines per column
KINDS_PER_COLUMN = 10  # kinds of reason per column
ROWS_SHOWN = 5  # row numbers quoted per line
LINE_CHARS = 300  # a longer line is cut (a 2,000-character summary value, say)
_QUOTED = re.compile(r'"[^"]*"')


def allowed_values(column: str, schema: Schema | None = None) -> str:
    """The column's allowed values as one line ("" when any value is allowed)."""
    schema = schema or load_schema()
    if column not in schema.names or not schema.column(column).taxonomy:
        return ""
    values = schema.taxonomies[schema.column(column).taxonomy].values
    return ", ".join(f'"{x}"' for x in values)


def reason_kind(reason: str) -> str:
    """A reason with its quoted values taken out, so that 50,000 bad dates are one kind of problem."""
    kind = _QUOTED.sub("«…»", str(reason)).strip()
    return kind.split("; ")[0] if kind.startswith("«…»") else kind


def _cut(text: str, limit: int = LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _rows(rows: pd.Series) -> str:
    shown = ", ".join(map(str, rows.iloc[:ROWS_SHOWN]))
    return shown + (" ..." if len(rows) > ROWS_SHOWN else "")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


def column_summary(problems: pd.DataFrame, schema: Schema | None = None) -> list[str]:
    """Lines summarising the problems of every column, in the order the columns first fail."""
    schema = schema or load_schema()
    lines: list[str] = []
    for column, group in problems.groupby("column", sort=False):
        rows = group["row"].nunique()
        lines.append(f"{column}: {_plural(len(group), 'problem')} in {_plural(rows, 'row')}")
        if allowed := allowed_values(str(column), schema):
            lines.append(_cut(f"  allowed values: {allowed}", 1000))
        counts = group["reason"].astype(str).value_counts()  # each distinct reason once, not once per row
        kinds = counts.groupby(counts.index.map(reason_kind), sort=False).sum().sort_values(ascending=False)
        for kind, n in kinds.iloc[:KINDS_PER_COLUMN].items():
            lines.append(_cut(f"  - {kind} ({_plural(int(n), 'row')})"))
        if len(kinds) > KINDS_PER_COLUMN:
            lines.append(f"  - ... and {len(kinds) - KINDS_PER_COLUMN:,} more kinds of problem")
        keys = group["value"].astype(str) + "\x00" + group["reason"].astype(str)
        counted = keys.value_counts(sort=True)  # the rows of only the most common values are gathered
        for key, n in counted.iloc[:VALUES_PER_COLUMN].items():
            value, reason = key.split("\x00", 1)
            rows_text = _rows(group.loc[keys == key, "row"])
            lines.append(_cut(f'    "{value}" in {_plural(int(n), "row")} ({rows_text}): {reason}'))
        if len(counted) > VALUES_PER_COLUMN:
            rest = int(counted.iloc[VALUES_PER_COLUMN:].sum())
            lines.append(f"    ... and {len(counted) - VALUES_PER_COLUMN:,} more values ({_plural(rest, 'row')})")
    return lines


def text_report(problems: pd.DataFrame, source: str, row_lines: int | None = 50) -> list[str]:
    """The problems as text: by column first, then the first row_lines problems row by row (None: all)."""
    if problems.empty:
        return []
    lines = [
        f"Problems by column ({_plural(len(problems), 'problem')} in {_plural(problems['row'].nunique(), 'row')}):"
    ]
    lines += column_summary(problems)
    shown = problems if row_lines is None else problems.head(row_lines)
    lines.append("")
    lines.append(
        "Row by row" + ("" if row_lines is None or len(problems) <= row_lines else f" (the first {row_lines})") + ":"
    )
    for p in shown.itertuples(index=False):
        lines.append(
            _cut(f"{source}: row {p.row}, column {p.column}: {p.reason}", 10**6 if row_lines is None else LINE_CHARS)
        )
    if row_lines is not None and len(problems) > row_lines:
        lines.append(f"... and {len(problems) - row_lines:,} more (--all prints every one; --format json has them all)")
    return lines
