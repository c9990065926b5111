"""Downloads of the filtered records: CSV safe to open in a spreadsheet, and GeoJSON.

Both are built column by column (categorical columns are checked and encoded once per category) and
the CSV by Arrow's writer, so a million records take seconds, not minutes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from json.encoder import encode_basestring

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from dashboard.spreadsheet import FORMULA_STARTS, neutralise

__all__ = ["FORMULA_STARTS", "neutralise", "to_csv", "to_geojson"]

DATE_COLUMNS = ("date", "last_updated")


def _neutralised_text(col: pd.Series) -> pd.Series:
    """A text column with formula-like cells neutralised; as it is (still Arrow) when none is."""
    risky = col.astype("string").str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return col  # the published text stays in Arrow's memory, no Python strings made
    text = col.astype(object).copy()
    text[risky] = text[risky].map(neutralise)
    return text


def _iso_dates(col: pd.Series) -> pd.Series:
    days = pd.to_datetime(col).to_numpy(dtype="datetime64[D]")
    text = days.astype(str).astype(object)
    text[np.isnat(days)] = ""
    return pd.Series(text, index=col.index, name=col.name)


def _dated_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Records with dates written as YYYY-MM-DD, everything else as published."""
    out = {c: _iso_dates(records[c]) if c in DATE_COLUMNS else records[c] for c in records.columns}
    return pd.DataFrame(out, index=records.index)


def _arrow_column(name: str, col: pd.Series) -> pa.Array:
    """One column for Arrow's CSV writer, without a round trip through Python objects: dates as text
    YYYY-MM-DD, categories and text as Arrow strings, formula-like text neutralised."""
    if name in DATE_COLUMNS:
        days = pa.array(pd.to_datetime(col).to_numpy(dtype="datetime64[D]"), type=pa.date32(), from_pandas=True)
        return days.cast(pa.string()).fill_null("")
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.cat.rename_categories(lambda c: neutralise(c))  # each category checked once
        return pa.array(col, from_pandas=True).cast(pa.string())
    if pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
        col = _neutralised_text(col)
    return pa.array(col, from_pandas=True)


def to_csv(records: pd.DataFrame) -> bytes:
    """CSV text (UTF-8), written by Arrow's CSV writer. The columns go to Arrow as they are (the
    published text is Arrow already), so most of the work runs in Arrow's C++ without Python's lock:
    a visitor's download does not hold up the other visitors' pages on the same server."""
    arrays = [_arrow_column(c, records[c]) for c in records.columns]
    table = pa.Table.from_arrays(arrays, names=[str(c) for c in records.columns])
    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="needed"))
    return out.getvalue().to_pybytes()


def _json_values(col: pd.Series) -> np.ndarray:
    """Each value of a column as JSON text (categories are encoded once each)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        encoded = [encode_basestring(str(c)) for c in col.cat.categories] + ["null"]
        return np.array(encoded, dtype=object)[col.cat.codes.to_numpy()]  # code -1 (missing) -> "null"
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        out = np.full(len(values), "null", dtype=object)
        ok = np.isfinite(values)
        whole = ok & (values == np.round(values))
        out[whole] = values[whole].astype(np.int64).astype(str)
        out[ok & ~whole] = [repr(v) for v in values[ok & ~whole].tolist()]
        return out
    return np.array([encode_basestring(v) if isinstance(v, str) else "null" for v in col.astype(object)], dtype=object)


def to_geojson(records: pd.DataFrame) -> bytes:
    """Records with coordinates as Point features; the rest with a null geometry (still included).

    Values are kept exactly as published: no spreadsheet opens GeoJSON, so the CSV's apostrophe before
    formula-like text would only change the data."""
    frame = _dated_frame(records)
    lat, lon = records["latitude"].to_numpy(dtype=float), records["longitude"].to_numpy(dtype=float)
    props = [c for c in frame.columns if c not in ("latitude", "longitude")]
    placed = ~(np.isnan(lat) | np.isnan(lon))
    point = np.full(len(frame), "null", dtype=object)
    point[placed] = [
        f'{{"type":"Point","coordinates":[{round(x, 6)!r},{round(y, 6)!r}]}}'
        for x, y in zip(lon[placed].tolist(), lat[placed].tolist(), strict=True)
    ]
    fields = ",".join(encode_basestring(c).replace("%", "%%") + ":%s" for c in props)
    template = '{"type":"Feature","geometry":%s,"properties":{' + fields + "}}"
    columns = [point] + [_json_values(frame[c]) for c in props]
    features = ",".join([template % values for values in zip(*columns, strict=True)])
    return ('{"type":"FeatureCollection","features":[' + features + "]}").encode("utf-8")


class _Build:
    """A file being built for one key: visitors who ask meanwhile wait for it instead of building it too."""

    def __init__(self):
        self.done = threading.Event()
        self.data: bytes | None = None
        self.error: BaseException | None = None


class SharedFiles:
    """Downloads built recently, shared by every visitor: key -> bytes, the oldest dropped beyond a budget.

    When a story breaks, thousands of visitors open one shared link and many press Download CSV on the
    same view. The first press builds the file; presses of the same view while it is being built wait
    for that build (on a busy server seven visitors building the same 56 MB file at once took 4-9 s
    each, against one build of under a second); later presses get the same bytes. Files larger than
    `largest` are handed to the visitors waiting for them but not kept. Safe to use from several
    threads (downloads are built outside the script's thread).
    """

    def __init__(self, budget: int = 64 * 2**20, largest: int | None = None):
        self.budget, self.largest = budget, budget // 2 if largest is None else largest
        self._files: OrderedDict[Hashable, bytes] = OrderedDict()
        self._building: dict[Hashable, _Build] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            data = self._files.get(key)
            if data is not None:
                self._files.move_to_end(key)
                return data
            running = self._building.get(key)
            if running is None:
                running = self._building[key] = _Build()
                mine = True
            else:
                mine = False
        if not mine:
            running.done.wait()
            if running.error is not None:
                raise running.error
            return running.data
        try:
            running.data = data = build()  # outside the lock: other views' files are built meanwhile
        except BaseException as exc:
            running.error = exc
            raise
        finally:
            with self._lock:
                del self._building[key]
                if running.error is None and len(data) <= self.largest:
                    self._files[key] = data
                    self._files.move_to_end(key)
                    while sum(len(v) for v in self._files.values()) > self.budget:
                        self._files.popitem(last=False)
            running.done.set()
        return data

    def __len__(self) -> int:
        return len(self._files)
