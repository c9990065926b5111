"""The codebook, generated from the schema: for the CLI (Markdown) and the Methodology page (tables)."""

from __future__ import annotations

import pandas as pd

from dashboard.schema import Schema, load_schema

KIND_WORDS = {
    "id": "identifier",
    "text": "text",
    "date": "date (YYYY-MM-DD)",
    "enum": "one value from a list",
    "multi": "one or more values from a list, separated by ';'",
    "int": "whole number",
    "float": "number",
    "fips": "5-digit county FIPS code",
    "sources": "web addresses or citations, separated by ' | '",
}


def missing_share(records: pd.DataFrame, schema: Schema | None = None) -> pd.Series:
    """Share of records with no value, per schema column (empty text counts as missing)."""
    schema = schema or load_schema()
    out = {}
    for c in schema.names:
        if c not in records:
            out[c] = 1.0
            continue
        col = records[c]
        empty = col.isna()
        # Text of any dtype (object, pandas' str and string, categorical): an empty or blank cell is missing.
        if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(col.dtype)):
            empty |= col.astype(object).fillna("").astype(str).str.strip().eq("")
        out[c] = float(empty.mean()) if len(col) else 0.0
    return pd.Series(out, name="missing")


def columns_table(schema: Schema | None = None, records: pd.DataFrame | None = None) -> pd.DataFrame:
    schema = schema or load_schema()
    rows = []
    for c in schema.columns:
        notes = []
        if c.required:
            notes.append("required column")
        if c.nonempty:
            notes.append("every row needs a value")
        if c.derived:
            notes.append("derived when publishing")
        rows.append({"column": c.name, "type": KIND_WORDS[c.kind], "rules": ", ".join(notes), "meaning": c.description})
    table = pd.DataFrame(rows)
    if records is not None:
        share = missing_share(records, schema)
        table["missing"] = table["column"].map(share).map(lambda s: f"{s:.1%}")
    return table


def taxonomy_table(name: str, schema: Schema | None = None) -> pd.DataFrame:
    schema = schema or load_schema()
    tax = schema.taxonomies[name]
    rows = [
        {
            "value": t.value,
            "group": t.group,
            "meaning": t.description,
            "sensitive": "yes" if t.sensitive else "",
            "place": t.place,
            "agencies": "; ".join(t.agencies),
            "start": t.start,
            "end": t.end,
            "sources": " | ".join(t.sources),
        }
        for t in tax.terms
    ]
    return pd.DataFrame(rows).loc[:, lambda d: [c for c in d.columns if d[c].astype(bool).any() or c == "value"]]


def _md_table(frame: pd.DataFrame) -> str:
    def cell(x) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(x) for x in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def codebook_markdown(records: pd.DataFrame | None = None, dataset: str | None = None) -> str:
    schema = load_schema()
    parts = ["# Codebook: the encounter record", ""]
    parts.append("One row per encounter (one event; several people may be involved).")
    if dataset is not None and records is not None:
        parts.append(f"Missing values are the share of the {len(records):,} records of dataset `{dataset}`.")
    parts += ["", "## Columns", "", _md_table(columns_table(schema, records)), ""]
    for c in schema.columns:
        if c.taxonomy and c.name != "force_level":
            tax = schema.taxonomies[c.taxonomy]
            parts += [f"## `{c.name}`: allowed values", "", tax.description, ""]
            if c.taxonomy == "states":
                parts += [", ".join(tax.values), ""]
            else:
                parts += [_md_table(taxonomy_table(c.taxonomy, schema)), ""]
    return "\n".join(parts)
