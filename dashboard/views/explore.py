"""Explore: headline figures, map, timeline, breakdowns, the matching records and downloads.

The page only composes: every number comes from dashboard.explore (pure functions), held in small
caches keyed by (dataset, version, filters). The big frame is only ever reached through
common.get_dataset; no more than one page of records is sent to the browser.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.explore import aggregate, export, figures, mapfig, mapgeo, records, summaries
from dashboard.explore import filters as flt
from dashboard.views import common

POINT_BUDGET = 3000
PAGE_SIZE = 50
MAP_MODES = {"points": "Points or hexagons", "state": "States", "county": "Counties", "district": "Council districts"}
PERIODS = {"month": "Month", "week": "Week"}
BREAKDOWNS = (
    ("targeted_groups", "targeted group", "Targeted groups"),
    ("agencies", "agency", "Agencies"),
    ("encounter_type", "encounter type", "Encounter types"),
)
CHART_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
MAP_CONFIG = {
    **CHART_CONFIG,
    "displayModeBar": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["autoScale2d", "toImage"],
}


# ---------------------------------------------------------------------------- cached summaries


@st.cache_resource(max_entries=16, show_spinner=False)
def _mask(name: str, version: int, filters: flt.Filters) -> np.ndarray:
    m = flt.mask(common.get_dataset(name), filters)
    m.setflags(write=False)  # shared by every session
    return m


@st.cache_data(max_entries=256, show_spinner=False)
def _headline(name: str, version: int, filters: flt.Filters) -> dict:
    return aggregate.headline(common.get_dataset(name), _mask(name, version, filters))


@st.cache_resource(max_entries=64, show_spinner=False)
def _map(name: str, version: int, filters: flt.Filters, mode: str) -> dict:
    """The map figure, its sentence, its numbers, and what a selection needs to find records."""
    ds, m = common.get_dataset(name), _mask(name, version, filters)
    ext = aggregate.map_extent(ds, m)
    view, total = ext["view"], int(m.sum())
    if mode == "points":
        xs = mapfig.x_scale(view)
        kind, frame = aggregate.map_points(ds, m, POINT_BUDGET, mapfig.hex_size_for(view), xs)
        fig = mapfig.points_figure(frame, view) if kind == "points" else mapfig.cells_figure(frame, view)
        sentence = summaries.map_sentence(kind, frame, total, ext["outside"])
        if kind == "points":
            table = frame.assign(force_level=frame["force_level"].astype(str).replace("", "not recorded"))
            table = table.groupby(["force_level", "location_precision"], observed=True).size()
            table = table.rename("records").reset_index().sort_values("records", ascending=False)
        else:
            table = frame.sort_values("records", ascending=False).head(200)[["latitude", "longitude", "records"]]
        return {"fig": fig, "kind": kind, "sentence": sentence, "table": table, "attrs": dict(frame.attrs)}
    counts = aggregate.counts_by_area(ds, m, mode)
    column = counts.columns[0]
    box = mapgeo.bounds(mode, counts[column].tolist())
    wide = box is None or mode == "state" or (box[1] - box[0]) > 0.6 * (mapgeo.CONUS[1] - mapgeo.CONUS[0])
    area_view = view if wide else _padded(box)
    fig = mapfig.choropleth_figure(counts, mode, area_view)
    table = counts.assign(name=[mapgeo.area_name(mode, i) for i in counts[column]])[["name", column, "records"]]
    return {"fig": fig, "kind": mode, "sentence": summaries.area_sentence(counts, mode, total), "table": table}


def _padded(box):
    pad = max(0.2, (box[1] - box[0]) * 0.06)
    return (box[0] - pad, box[1] + pad, box[2] - pad / 2, box[3] + pad / 2)


@st.cache_resource(max_entries=64, show_spinner=False)
def _timeline(name: str, version: int, filters: flt.Filters, freq: str) -> dict:
    tl = aggregate.timeline(common.get_dataset(name), _mask(name, version, filters), freq)
    table = tl.pivot_table(index="period", columns="force_level", values="records", aggfunc="sum", fill_value=0)
    table = table[figures.level_order(table.columns)]
    table.index = table.index.strftime("%Y-%m" if freq == "month" else "%Y-%m-%d")
    return {
        "fig": figures.timeline_figure(tl, freq),
        "sentence": summaries.timeline_sentence(tl, freq, tl.attrs["too_coarse"]),
        "table": table.assign(total=table.sum(axis=1)).reset_index(),
        "too_coarse": tl.attrs["too_coarse"],
    }


@st.cache_resource(max_entries=128, show_spinner=False)
def _breakdown(name: str, version: int, filters: flt.Filters, column: str, noun: str) -> dict:
    ds, m = common.get_dataset(name), _mask(name, version, filters)
    counts = aggregate.counts_by(ds, m, column)
    multi = column in ("targeted_groups", "agencies", "force_types")
    return {
        "fig": figures.bar_figure(counts, noun) if len(counts) else None,
        "sentence": summaries.breakdown_sentence(counts, noun, int(m.sum()), multi),
        "table": counts.rename(columns={"value": noun}),
    }


@st.cache_resource(max_entries=4, show_spinner=False)
def _order(name: str, version: int) -> np.ndarray:
    order = aggregate.newest_first(common.get_dataset(name))
    order.setflags(write=False)
    return order


@st.cache_data(max_entries=256, show_spinner=False)
def _table(name: str, version: int, filters: flt.Filters, page: int) -> tuple[pd.DataFrame, int, int]:
    ds, m = common.get_dataset(name), _mask(name, version, filters)
    rows, pages = aggregate.table_page(ds, m, page=page, page_size=PAGE_SIZE, order=_order(name, version))
    return records.table_frame(rows), pages, int(m.sum())


@st.cache_data(max_entries=64, show_spinner=False)
def _selected_ids(name: str, version: int, filters: flt.Filters, kind: str, keys: tuple, attrs: tuple) -> tuple:
    """The ids of the records a map selection stands for (points, hexagon cells or areas)."""
    ds, m = common.get_dataset(name), _mask(name, version, filters)
    if kind == "points":
        return tuple(sorted(keys))
    if kind == "cells":
        size, xs = dict(attrs)["hex_size"], dict(attrs).get("x_scale", 1.0)
        centres = [tuple(float(v) for v in k.split(",")) for k in keys]
        chosen = aggregate.records_in_cells(ds, m, centres, size, xs)
    else:
        chosen = aggregate.area_mask(ds, m, kind, list(keys))
    return tuple(ds.records["encounter_id"].to_numpy()[chosen])


def _export(name: str, filters: flt.Filters, fmt: str):
    """A callable that builds the download only when it is clicked (a big CSV costs seconds)."""

    def build() -> bytes:
        ds = common.get_dataset(name)
        subset = ds.records.loc[flt.mask(ds, filters)]
        return export.to_csv(subset) if fmt == "csv" else export.to_geojson(subset)

    return build


# ---------------------------------------------------------------------------- page state


def _url_choice(param: str, options: dict, default: str) -> str:
    value = (st.query_params.get_all(param) or [default])[0]
    return value if value in options else default


def _init_state() -> None:
    """Page controls start from the URL the first time they are drawn in a session."""
    if "x_map" not in st.session_state:
        st.session_state["x_map"] = _url_choice("map", MAP_MODES, "points")
    if "x_period" not in st.session_state:
        st.session_state["x_period"] = _url_choice("period", PERIODS, "month")
    st.session_state.setdefault("x_map_round", 0)


def _open_record(table_key: str, ids: tuple[str, ...]) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.query_params["record"] = ids[rows[0]]


def _close_record() -> None:
    st.query_params.pop("record", None)


def _clear_map_selection() -> None:
    st.session_state["x_map_round"] += 1


# ---------------------------------------------------------------------------- sections


def _numbers(label: str, table: pd.DataFrame) -> None:
    with st.expander(f"{label} as a table"):
        st.dataframe(table, hide_index=True, width="stretch")


def _headline_figures(h: dict) -> None:
    cols = st.columns(4)
    cols[0].metric("Encounters", common.fmt_int(h["encounters"]), help="Records matching the filters.")
    cols[1].metric(
        "People affected",
        common.fmt_int(h["people_affected"]),
        help=f"Sum over the matching records; {h['people_unknown']:,} records do not give a number.",
    )
    cols[2].metric(
        "Weapon displayed or worse",
        common.fmt_share(h["weapon_share"]),
        help=f"Share of the {h['force_recorded']:,} matching records where force was recorded.",
    )
    cols[3].metric(
        "Corroborated or documented",
        common.fmt_share(h["confirmed_share"]),
        help="Share of the matching records confirmed by two or more sources, or by video, court or official records.",
    )


def _map_section(dataset, filters: flt.Filters) -> tuple[str, ...] | None:
    """Draw the map; return the ids of the records selected on it (None: no selection)."""
    st.subheader("Map")
    mode = st.radio("Show", list(MAP_MODES), format_func=MAP_MODES.get, key="x_map", horizontal=True)
    data = _map(dataset.name, dataset.version, filters, mode)
    event = st.plotly_chart(
        data["fig"],
        key=f"x_map_chart_{st.session_state['x_map_round']}",
        on_select="rerun",
        selection_mode=("points", "box", "lasso"),
        width="stretch",
        config=MAP_CONFIG,
        alt="Map of the matching encounters",
    )
    st.caption(common.md_escape(data["sentence"]))
    st.caption(
        "Drag a box (or pick the lasso in the toolbar) over points, cells or area dots to list those records "
        "below; double-click the map to clear. Boundaries: US Census states and counties. No map tiles are "
        "loaded, so the map works offline."
    )
    _numbers("Map numbers", data["table"])
    points = event.get("selection", {}).get("points", []) if event else []
    keys = mapfig.selection_keys(points, data["kind"])
    if not keys:
        return None
    attrs = tuple(sorted((k, v) for k, v in data.get("attrs", {}).items() if k in ("hex_size", "x_scale")))
    ids = _selected_ids(dataset.name, dataset.version, filters, data["kind"], keys, attrs)
    return ids or None  # a stale selection that matches nothing is no selection


def _timeline_section(dataset, filters: flt.Filters) -> None:
    st.subheader("Over time")
    freq = st.radio("Count by", list(PERIODS), format_func=PERIODS.get, key="x_period", horizontal=True)
    data = _timeline(dataset.name, dataset.version, filters, freq)
    if len(data["table"]):
        st.plotly_chart(data["fig"], width="stretch", config=CHART_CONFIG, alt="Encounters per period by force level")
    st.caption(common.md_escape(data["sentence"]))
    _numbers("Timeline numbers", data["table"])


def _breakdown_section(dataset, filters: flt.Filters) -> None:
    st.subheader("Who, which agency, what kind")
    for col, (column, noun, title) in zip(st.columns(3), BREAKDOWNS, strict=True):
        with col:
            data = _breakdown(dataset.name, dataset.version, filters, column, noun)
            st.markdown(f"**{title}**")
            if data["fig"] is not None:
                st.plotly_chart(data["fig"], width="stretch", config=CHART_CONFIG, alt=f"Records per {noun}")
            st.caption(common.md_escape(data["sentence"]))
            _numbers(f"{title}", data["table"])


def _records_section(dataset, filters: flt.Filters, selected: tuple[str, ...] | None) -> None:
    st.subheader("Records")
    shown = filters if selected is None else filters.with_(ids=selected)
    if selected is not None:
        c1, c2 = st.columns([3, 1])
        c1.info(f"Showing the {len(selected):,} records selected on the map.", icon=":material/select:")
        c2.button("Clear map selection", on_click=_clear_map_selection, icon=":material/close:")
    if st.session_state.get("_x_page_for") != shown:  # new filters or selection: back to the first page
        st.session_state["_x_page_for"] = shown
        st.session_state.pop("x_page", None)  # the widget starts again at its default, page 1
    page = st.session_state.get("x_page", 1)
    frame, pages, total = _table(dataset.name, dataset.version, shown, page - 1)
    if page > pages:  # fewer pages than before (the filters changed): back to the first
        page = 1
        st.session_state.pop("x_page", None)
        frame, pages, total = _table(dataset.name, dataset.version, shown, 0)
    first = (page - 1) * PAGE_SIZE + 1
    if total:
        st.caption(
            f"Records {first:,}–{first + len(frame) - 1:,} of {total:,}, newest first. Select a row for details."
        )
    else:
        st.caption("No record matches these filters.")
    table_key = f"x_table_{abs(hash((shown, page))) % 10**9}"
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=table_key,
        on_select=functools.partial(_open_record, table_key, tuple(frame["id"])),
        selection_mode="single-row",
        column_config={
            "source": st.column_config.LinkColumn("first source", display_text="open ↗", validate=r"^https?://"),
            "id": st.column_config.TextColumn("id"),
        },
    )
    if pages > 1:
        st.pagination(pages, key="x_page", max_visible_pages=7)
    _downloads(dataset, shown, total)


def _downloads(dataset, filters: flt.Filters, total: int) -> None:
    c1, c2 = st.columns(2)
    stem = f"{dataset.name}-v{dataset.version}-filtered"
    c1.download_button(
        f"Download CSV ({total:,} records)",
        data=_export(dataset.name, filters, "csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="x_csv",
    )
    c2.download_button(
        f"Download GeoJSON ({total:,} records)",
        data=_export(dataset.name, filters, "geojson"),
        file_name=f"{stem}.geojson",
        mime="application/geo+json",
        on_click="ignore",
        icon=":material/download:",
        key="x_geojson",
    )
    st.caption(
        "Downloads hold the records in the table (all pages). Cells that a spreadsheet would run as a formula "
        "start with an apostrophe."
    )


def _record_detail(dataset, record_id: str) -> None:
    rows = dataset.records.loc[dataset.records["encounter_id"] == record_id]
    if rows.empty:
        st.warning(f"No record with id {common.md_escape(record_id)} in this dataset.", icon=":material/search_off:")
        return
    _record_dialog(records.detail(rows.iloc[0].to_dict()), dataset.name)


@st.dialog("Record", width="large", on_dismiss=_close_record)
def _record_dialog(d: dict, dataset_name: str) -> None:
    st.subheader(common.md_escape(d["title"]))  # escaped: record text is never Markdown
    st.text(d["id"])
    st.text(d["summary"] or "No summary.")
    facts = pd.DataFrame({"field": list(d["facts"]), "value": list(d["facts"].values())})
    st.dataframe(facts, hide_index=True, width="stretch", height=35 * (len(facts) + 1) + 3)
    st.markdown("**Sources**")
    for i, (source, link) in enumerate(d["sources"], start=1):
        if link:  # http(s) only; anything else (a citation, a javascript: address) stays text
            st.link_button(f"Source {i}", source, icon=":material/open_in_new:")
        st.text(source)
    st.markdown("**Official response**")
    st.text(d["official_response"] or "None recorded.")
    if d["notes"]:
        st.markdown("**Precision notes**")
        for note in d["notes"]:
            st.text(note)
    st.markdown("**Permalink**")
    st.code(_permalink({"dataset": dataset_name, "record": d["id"]}), language=None)
    st.button("Close", on_click=_close_record)


def _permalink(query: dict) -> str:
    """The full address when the browser told us where the app is, else a relative link."""
    relative = common.permalink(query)
    try:
        base = st.context.url
    except Exception:  # no browser session (tests, bare mode)
        base = None
    return f"{base.rstrip('/')}/{relative[2:]}" if base else relative


# ---------------------------------------------------------------------------- page


def render() -> None:
    _init_state()
    extra = {
        "map": None if st.session_state["x_map"] == "points" else st.session_state["x_map"],
        "period": None if st.session_state["x_period"] == "month" else st.session_state["x_period"],
    }
    dataset, filters = common.sidebar_filters(extra)
    if dataset is None:
        return
    common.demo_banner(dataset)
    st.title("Federal enforcement encounters")
    described = "; ".join(filters.describe()) or "no filters"
    title = dataset.metadata.get("title", dataset.name)
    st.caption(common.md_escape(f"{title} · data as of {dataset.as_of} · {described}"))
    _headline_figures(_headline(dataset.name, dataset.version, filters))
    record_id = (st.query_params.get_all("record") or [""])[0]
    if record_id:
        _record_detail(dataset, record_id)
    selected = _map_section(dataset, filters)
    _timeline_section(dataset, filters)
    _breakdown_section(dataset, filters)
    _records_section(dataset, filters, selected)
