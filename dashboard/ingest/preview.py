"""N mapped records beside the source rows they came from (`encounters validate --mapping M --preview N`).

A contributor finishing a mapping wants to see, for a few rows, what each source value became. The
source side never shows the columns the mapping excludes (personal data).
"""

from __future__ import annotations

import pandas as pd

from dashboard.ingest.read import ERROR_COL, ROW_COL

SOURCE_WIDTH = 44
VALUE_CHARS = 60


def preview_pairs(prepared, n: int) -> list[tuple[int, dict[str, str], dict[str, str]]]:
    """(row, source fields, mapped fields) for the first n records; empty fields are left out."""
    mapped = prepared.mapped if prepared.mapped is not None else prepared.raw
    raw = prepared.raw.set_index(ROW_COL) if ROW_COL in prepared.raw else prepared.raw
    out = []
    for record in mapped.head(max(0, n)).to_dict("records"):
        row = int(record.get(ROW_COL, 0))
        source = raw.loc[[row]].iloc[0].to_dict() if row in raw.index else {}
        source = {str(k): _text(x) for k, x in source.items() if k != ERROR_COL}
        fields = {str(k): _text(x) for k, x in record.items() if not str(k).startswith("_") and _text(x)}
        out.append((row, {k: x for k, x in source.items() if x}, fields))
    return out


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def preview_text(prepared, n: int) -> list[str]:
    """The preview as lines of text: the source row on the left, the record on the right."""
    pairs = preview_pairs(prepared, n)
    invalid = set(prepared.problems["row"].tolist())
    total = len(prepared.mapped) if prepared.mapped is not None else len(prepared.raw)
    lines = ["", f"Preview: {len(pairs)} of {total:,} records, each beside the source row it came from"]
    for row, source, mapped in pairs:
        state = "invalid, see its problems above" if row in invalid else "valid"
        lines.append(f"--- row {row} ({state}) " + "-" * 40)
        lines.append(f"  {'source':<{SOURCE_WIDTH}} | record")
        left = [_cut(f"{k}: {x}", SOURCE_WIDTH) for k, x in source.items()]
        right = [_cut(f"{k}: {x}", VALUE_CHARS + 20) for k, x in mapped.items()]
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            lines.append(f"  {a:<{SOURCE_WIDTH}} | {b}".rstrip())
    return lines
