"""Clean and enrich valid rows into published records: defaults, derived fields, places, duplicates.

Input: the typed values of valid rows (from validate). Output: a frame with every schema column in
schema order, categorical where values repeat (small to store, fast to filter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.ingest import enrich
from dashboard.ingest.duplicates import flag_duplicates
from dashboard.schema import Schema, load_schema

_TEXT_KINDS = ("text", "id", "sources", "fips", "enum", "multi")
DISTRICT_PRECISIONS = ("exact", "block")


def derive_force_level(force_types: pd.Series, schema: Schema) -> pd.Series:
    """The most severe force type recorded (the highest on the schema's `ordered` scale); missing when
    force was not recorded."""
    (scale,) = [c for c in schema.columns if c.ordered]
    order = schema.taxonomy_of(scale.name).values
    codes, uniques = pd.factorize(force_types.astype(object).fillna(""))
    levels = np.array(
        [max((p.strip() for p in u.split(";") if p.strip()), key=order.index, default=None) for u in uniques],
        dtype=object,
    )
    return pd.Series(levels[codes] if len(codes) else [], index=force_types.index, dtype=object)


def period_start(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """A date known only to the month (year) is stored as the first day of that month (year)."""
    out = dates.where(precision != "month", dates.dt.to_period("M").dt.start_time)
    return out.where(precision != "year", dates.dt.to_period("Y").dt.start_time)


def default_location_precision(df: pd.DataFrame) -> pd.Series:
    """Where no precision is given (and so no coordinates), the finest place named sets it."""
    given = df["location_precision"].astype(object)
    out = given.copy()
    for column, level in (("state", "state"), ("region", "region"), ("county_fips", "county"), ("city", "city")):
        named = df[column].astype(object).fillna("").astype(str) != ""
        out = out.where(given.notna() | ~named, level)
    return out


def _objects(column: pd.Series) -> pd.Series:
    """The column as Python objects with one str per distinct value. pandas keeps a column of text as
    Arrow strings; a plain astype(object) would make a new str for every cell (issue 14: memory)."""
    if not isinstance(column.dtype, pd.StringDtype):
        return column.astype(object)
    codes, distinct = pd.factorize(column)  # a missing value gets code -1: the None appended last
    values = np.append(np.asarray(distinct, dtype=object), None)
    return pd.Series(values[codes], index=column.index, dtype=object)


def clean(parsed: pd.DataFrame, schema: Schema | None = None, district_layers=()) -> pd.DataFrame:
    """Published records from the parsed values of valid rows.

    district_layers: (label_format, GeoDataFrame) pairs; a record inside a boundary gets
    district = label_format.format(district=<id>), e.g. "Chicago Ward 42".
    """
    schema = schema or load_schema()
    df = parsed.copy(deep=False)  # copy-on-write (pandas 3): columns are copied only when replaced
    for c in schema.input_columns:
        if c.default:
            df[c.name] = df[c.name].where(df[c.name].notna(), c.default)
        if c.kind in _TEXT_KINDS:
            df[c.name] = _objects(df[c.name]).where(df[c.name].notna(), "")
    df["date"] = period_start(pd.to_datetime(df["date"]), df["date_precision"])
    df["latitude"] = pd.to_numeric(df["latitude"], errors="coerce").astype(float)
    df["longitude"] = pd.to_numeric(df["longitude"], errors="coerce").astype(float)
    df["location_precision"] = default_location_precision(df.replace({"location_precision": {"": None}})).fillna("")

    df = enrich.geocode_cities(df)
    df = enrich.assign_counties(df)
    df["district"] = ""
    # Only points known to the block or better get a district: a city-centre point would put
    # every "somewhere in Minneapolis" record into whichever neighbourhood holds the centre.
    pointlike = df["location_precision"].isin(DISTRICT_PRECISIONS)
    for label_format, boundaries in district_layers:
        if not pointlike.any():
            break
        found = enrich.assign_districts(df.loc[pointlike].assign(district=""), boundaries)["district"]
        found = found.reindex(df.index, fill_value="")
        inside = (found != "") & (df["district"] == "")
        df.loc[inside, "district"] = [label_format.format(district=d) for d in found[inside]]

    df["force_level"] = derive_force_level(df["force_types"], schema).fillna("")
    df["people_affected"] = pd.array(pd.to_numeric(df["people_affected"], errors="coerce"), dtype="Int32")
    df["possible_duplicate_of"] = flag_duplicates(df).fillna("")
    return to_published_types(df, schema)


def to_published_types(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Schema columns in schema order; repeated text as categories; ids and free text as strings."""
    out = {}
    for c in schema.columns:
        col = df[c.name] if c.name in df else pd.Series("", index=df.index)
        if c.kind == "date":
            out[c.name] = pd.to_datetime(col, errors="coerce").astype("datetime64[ns]")
        elif c.kind in ("float",):
            out[c.name] = col.astype(float)
        elif c.kind == "int":
            out[c.name] = pd.array(col, dtype="Int32")
        elif c.name in ("encounter_id", "summary", "official_response", "possible_duplicate_of", "sources"):
            out[c.name] = col.astype(object).fillna("").astype(str)
        else:
            out[c.name] = col.astype(object).fillna("").astype(str).astype("category")
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)
