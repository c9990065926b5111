"""What Explore's map shows for a set of records: the figure, the sentence under it, its numbers, and
what a selection on it needs to find records again. Plain data; the page caches and draws it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard import i18n
from dashboard.explore import aggregate, mapfig, mapgeo, summaries
from dashboard.explore.data import Dataset

POINT_BUDGET = 3000  # records drawn one by one; above this, hexagon cells


def readable(table: pd.DataFrame, lang: str, values: tuple[str, ...] = ()) -> pa.Table:
    """A table of numbers for a reader: headers in the language, taxonomy values (in `values`) too.

    Given back as an Arrow table: st.dataframe converts a pandas frame on every rerun (~3 ms each,
    six tables a page), an Arrow table it only writes out."""
    if lang != "en":
        table = table.assign(**{c: table[c].astype(str).map(lambda v: i18n.term(v, lang)) for c in values})
        table = table.rename(columns={c: i18n.t(str(c), lang) for c in table.columns})
    return pa.Table.from_pandas(table, preserve_index=False)


def padded(box):
    pad = max(0.2, (box[1] - box[0]) * 0.06)
    return (box[0] - pad, box[1] + pad, box[2] - pad / 2, box[3] + pad / 2)


def map_view(ds: Dataset, m: np.ndarray, mode: str, lang: str = "en", detail: str = "bands") -> dict:
    """{fig, kind, sentence, table (Arrow), attrs}: points or hexagon cells ("points" mode), or counts
    per state, county or council district."""
    ext = aggregate.map_extent(ds, m)
    view, total = ext["view"], int(m.sum())
    if mode == "points":
        kind, frame = aggregate.map_points(ds, m, POINT_BUDGET, mapfig.hex_size_for(view), mapfig.x_scale(view))
        sentence = summaries.map_sentence(kind, frame, total, ext["outside"], lang)
        if kind == "points":
            fig = mapfig.points_figure(frame, view, lang, bands=detail == "bands")
            table = frame.assign(force_level=frame["force_level"].astype(str).replace("", "not recorded"))
            table = table.groupby(["force_level", "location_precision"], observed=True).size()
            table = table.rename("records").reset_index().sort_values("records", ascending=False)
            table = readable(table, lang, ("force_level", "location_precision"))
        else:
            fig = mapfig.cells_figure(frame, view, lang)
            table = frame.sort_values("records", ascending=False).head(200)[["latitude", "longitude", "records"]]
            table = readable(table, lang)
        return {"fig": fig, "kind": kind, "sentence": sentence, "table": table, "attrs": dict(frame.attrs)}
    counts = aggregate.counts_by_area(ds, m, mode)
    column = counts.columns[0]
    box = mapgeo.bounds(mode, counts[column].tolist())
    wide = box is None or mode == "state" or (box[1] - box[0]) > 0.6 * (mapgeo.CONUS[1] - mapgeo.CONUS[0])
    fig = mapfig.choropleth_figure(counts, mode, view if wide else padded(box), lang)
    table = counts.assign(name=[mapgeo.area_name(mode, i) for i in counts[column]])[["name", column, "records"]]
    sentence = summaries.area_sentence(counts, mode, total, lang)
    return {"fig": fig, "kind": mode, "sentence": sentence, "table": readable(table, lang)}
