"""Downloads of the filtered records: CSV safe to open in a spreadsheet, and GeoJSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(records: pd.DataFrame) -> pd.DataFrame:
    out = records.copy()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.CategoricalDtype):
            col = out[c].astype(object)
            risky = col.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            if risky.any():
                out[c] = col.where(~risky, col[risky].map(neutralise))
    if "date" in out:
        out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    if "last_updated" in out:
        out["last_updated"] = pd.to_datetime(out["last_updated"]).dt.strftime("%Y-%m-%d")
    return out


def to_csv(records: pd.DataFrame) -> bytes:
    return safe_frame(records).to_csv(index=False).encode("utf-8")


def to_geojson(records: pd.DataFrame) -> bytes:
    """Records with coordinates as Point features; the rest with a null geometry (still included)."""
    frame = safe_frame(records)
    lat, lon = records["latitude"].to_numpy(dtype=float), records["longitude"].to_numpy(dtype=float)
    props = frame.drop(columns=["latitude", "longitude"]).astype(object)
    props = props.where(props.notna(), None)
    features = []
    for i, row in enumerate(props.to_dict("records")):
        geometry = None
        if not (np.isnan(lat[i]) or np.isnan(lon[i])):
            geometry = {"type": "Point", "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)]}
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    return json.dumps({"type": "FeatureCollection", "features": features}, default=str).encode("utf-8")
