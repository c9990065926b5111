"""Explore: headline figures, map, timeline, breakdowns, the matching records and downloads.

The page only composes: every number comes from dashboard.explore (pure functions), held in small
caches keyed by (dataset, version, filters). The big frame is only ever reached through
common.get_dataset; no more than one page of records is sent to the browser.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import config, i18n
from dashboard.explore import aggregate, export, figures, mapfig, mappreview, mapview, record_text, summaries
from dashboard.explore import filters as flt
from dashboard.explore.data import MULTI_COLUMNS
from dashboard.explore.mapview import readable
from dashboard.explore.record_history import history_line, record_history
from dashboard.explore.summaries import tr
from dashboard.schema import load_schema
from dashboard.views import common, still_map
from dashboard.views.common import t

PAGE_SIZE = 50
MAP_MODES = {
    "points": tr("Points or hexagons"),
    "state": tr("States"),
    "county": tr("Counties"),
    "district": tr("Council districts"),
}
PERIODS = {"month": tr("Month"), "week": tr("Week")}
FORCE_DETAIL = {"bands": tr("5 bands"), "levels": tr("every level")}
BREAKDOWNS = (
    ("targeted_groups", tr("targeted group"), tr("Targeted groups")),
    ("agencies", tr("agency"), tr("Agencies")),
    ("encounter_type", tr("encounter type"), tr("Encounter types")),
    ("place_type", tr("place type"), tr("Place types")),
)
# Values a breakdown sets apart, first and in their own colour
APART = {"place_type": load_schema().taxonomies["place_types"].sensitive}
# Headers of the tables of numbers behind the charts (English column names; t() gives the reader's)
TABLE_HEADERS = (
    tr("force_level"),
    tr("location_precision"),
    tr("records"),
    tr("latitude"),
    tr("longitude"),
    tr("name"),
    tr("state"),
    tr("county_fips"),
    tr("district"),
    tr("period"),
    tr("total"),
    tr("value"),
)
STILL_RUNS = still_map.STILL_RUNS
CHART_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
MAP_CONFIG = {
    **CHART_CONFIG,
    "displayModeBar": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["autoScale2d", "toImage"],
}


# ---------------------------------------------------------------------------- cached summaries
# Called with keyword arguments: Streamlit names each positional argument of a cached call with
# inspect.signature (~60 µs an argument), which added ~5 ms to every rerun.


@st.cache_resource(max_entries=16, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _mask(name: str, version: int, filters: flt.Filters) -> np.ndarray:
    m = flt.mask(common.dataset_at(name, version), filters)
    m.setflags(write=False)  # shared by every session
    return m


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _headline(name: str, version: int, filters: flt.Filters) -> dict:
    return aggregate.headline(common.dataset_at(name, version), _mask(name=name, version=version, filters=filters))


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _map(name: str, version: int, filters: flt.Filters, mode: str, lang: str = "en", detail: str = "bands") -> dict:
    """The map figure, its sentence, its numbers, and what a selection needs to find records."""
    ds, m = common.dataset_at(name, version), _mask(name=name, version=version, filters=filters)
    return mapview.map_view(ds, m, mode, lang, detail)


@st.cache_resource(max_entries=16, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _map_preview(
    name: str, version: int, filters: flt.Filters, mode: str, lang: str = "en", detail: str = "bands"
) -> str:
    """The map as a still SVG picture, with the CSS that hides it once the interactive map is drawn."""
    spec = _map(name=name, version=version, filters=filters, mode=mode, lang=lang, detail=detail)["fig"].spec
    title = i18n.t("Map of the matching encounters", lang)
    picture = mappreview.preview_html(spec, title, "map-preview", entry_width=figures.LEGEND_ENTRY_WIDTH)
    return still_map.with_style(picture)


def _still_first_run() -> None:
    """The rest of the page comes with the next run, which the picture's script asks for."""
    st.button(t("Show the interactive map and charts"), key="x_charts")


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _timeline(
    name: str, version: int, filters: flt.Filters, freq: str, lang: str = "en", detail: str = "bands"
) -> dict:
    ds, m = common.dataset_at(name, version), _mask(name=name, version=version, filters=filters)
    tl = aggregate.timeline(ds, m, freq)
    operations = aggregate.operation_starts(ds, m, filters.operations)
    table = aggregate.timeline_table(tl, freq, figures.level_order(tl["force_level"]))
    if lang != "en":  # force levels are columns here: their labels become headers
        table = table.rename(
            columns={c: i18n.term(str(c), lang) for c in table.columns if c not in ("period", "total")}
        )
    return {
        "fig": figures.timeline_figure(tl, freq, lang, operations, ds.coverage, bands=detail == "bands"),
        "sentence": summaries.timeline_sentence(tl, freq, tl.attrs["too_coarse"], lang, operations, ds.coverage),
        "table": readable(table, lang),
        "too_coarse": tl.attrs["too_coarse"],
    }


@st.cache_resource(max_entries=128, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _breakdown(name: str, version: int, filters: flt.Filters, column: str, noun: str, lang: str = "en") -> dict:
    ds, m = common.dataset_at(name, version), _mask(name=name, version=version, filters=filters)
    counts = aggregate.counts_by(ds, m, column)
    multi = column in MULTI_COLUMNS
    return {
        "fig": figures.bar_figure(counts, noun, lang, APART.get(column, ())) if len(counts) else None,
        "sentence": summaries.breakdown_sentence(counts, noun, int(m.sum()), multi, lang),
        "table": readable(counts.rename(columns={"value": noun}), lang, (noun,)),
    }


@st.cache_resource(max_entries=4, show_spinner=False)
def _order(name: str, version: int) -> np.ndarray:
    order = aggregate.newest_first(common.dataset_at(name, version))
    order.setflags(write=False)
    return order


@st.cache_resource(max_entries=256, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _table(name: str, version: int, filters: flt.Filters, page: int, lang: str = "en") -> dict:
    """One page of the records table, ready to show: an Arrow table with the reader's headers, the
    ids of its rows (for a row selection), the number of pages and of matching records."""
    ds, m = common.dataset_at(name, version), _mask(name=name, version=version, filters=filters)
    order = _order(name=name, version=version)
    rows, pages = aggregate.table_page(ds, m, page, PAGE_SIZE, order, columns=record_text.TABLE_SOURCE_COLUMNS)
    frame = record_text.table_frame(rows, lang)
    labels = {c: record_text.column_label(c, lang) for c in frame.columns} if lang != "en" else {}
    return {
        "table": pa.Table.from_pandas(frame.rename(columns=labels), preserve_index=False),
        "ids": tuple(frame["id"]),
        "source": labels.get("source", "source"),
        "id": labels.get("id", "id"),
        "pages": pages,
        "total": int(np.count_nonzero(m)),
    }


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _selected_ids(name: str, version: int, filters: flt.Filters, kind: str, keys: tuple, attrs: tuple) -> tuple:
    """The ids of the records a map selection stands for (points, hexagon cells or areas)."""
    ds, m = common.dataset_at(name, version), _mask(name=name, version=version, filters=filters)
    if kind == "points":
        return tuple(sorted(keys))
    if kind == "cells":
        size, xs = dict(attrs)["hex_size"], dict(attrs).get("x_scale", 1.0)
        centres = [tuple(float(v) for v in k.split(",")) for k in keys]
        chosen = aggregate.records_in_cells(ds, m, centres, size, xs)
    else:
        chosen = aggregate.area_mask(ds, m, kind, list(keys))
    return tuple(ds.records["encounter_id"].to_numpy()[chosen])


@st.cache_resource(show_spinner=False)
def _shared_downloads() -> export.SharedFiles:
    """One store of recent downloads for the whole server: visitors of one link share one file."""
    return export.SharedFiles(budget=config.download_cache_bytes())


def _export(name: str, version: int, filters: flt.Filters, fmt: str):
    """A callable that builds the download only when it is clicked (a big CSV costs seconds), or hands
    over the same file built for an earlier visitor of the same view (dataset, version, filters)."""
    shared, key = _shared_downloads(), (common.data_root(), name, version, repr(filters), fmt)

    def build() -> bytes:
        ds = common.dataset_at(name, version)
        subset = ds.records.loc[flt.mask(ds, filters)]
        return export.to_csv(subset) if fmt == "csv" else export.to_geojson(subset)

    return functools.partial(shared.get, key, build)


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
    if "x_force" not in st.session_state:
        st.session_state["x_force"] = _url_choice("force_detail", FORCE_DETAIL, "bands")
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


def _numbers(label: str, table: pa.Table) -> None:
    """The numbers behind a chart; `label` is already in the page's language."""
    with st.expander(t("{label} as a table", label=label)):
        st.dataframe(table, hide_index=True, width="stretch")


def _headline_figures(h: dict) -> None:
    lang = common.lang()
    cols = st.columns(4)
    cols[0].metric(t("Encounters"), i18n.num(h["encounters"], lang), help=t("Records matching the filters."))
    cols[1].metric(
        t("People affected"),
        i18n.num(h["people_affected"], lang),
        help=t(
            "Sum over the matching records; {n} records do not give a number.",
            n=i18n.num(h["people_unknown"], lang),
        ),
    )
    cols[2].metric(
        t("Weapon displayed or worse"),
        common.fmt_share(h["weapon_share"]),  # es_US writes shares as en_US does (45%), rounded the same way
        help=t("Share of the {n} matching records where force was recorded.", n=i18n.num(h["force_recorded"], lang)),
    )
    cols[3].metric(
        t("Corroborated or documented"),
        common.fmt_share(h["confirmed_share"]),
        help=t(
            "Share of the matching records confirmed by two or more sources, or by video, court or official records."
        ),
    )
    cols = st.columns(4)
    _count_and_share(
        cols[0],
        t("At sensitive places"),
        h["sensitive_places"],
        h["sensitive_share"],
        t(
            "Matching records at a school or school bus stop, childcare, a place of worship, a hospital or clinic, "
            "or a social service or shelter: the places DHS's withdrawn protected-areas policy named. The share is "
            "of the {n} matching records whose reports say what kind of place it was.",
            n=i18n.num(h["place_recorded"], lang),
        ),
        recorded=h["place_recorded"] > 0,
    )
    _count_and_share(
        cols[1],
        t("Involving US citizens"),
        h["us_citizens"],
        h["us_citizen_share"],
        t(
            "Matching records whose reports say a US citizen was among the people stopped, held or hurt; the share "
            "is of all matching records. Others may have involved citizens without a report saying so."
        ),
        recorded=h["groups_recorded"] > 0,
    )


def _count_and_share(col, label: str, n: int, share: float | None, help_text: str, recorded: bool = True) -> None:
    """A headline figure written "20 (7%)"; "–" where the matching records do not record it at all
    (a zero there would read as "none"). `label` and `help_text` are already in the page's language."""
    value = t("{n} ({share})", n=i18n.num(n, common.lang()), share=common.fmt_share(share)) if recorded else "–"
    col.metric(label, value, help=help_text)


def _map_section(dataset, filters: flt.Filters, run: int) -> tuple[str, ...] | None:
    """Draw the map; return the ids of the records selected on it (None: no selection).
    `run` counts the session's Explore runs (0: the first, which draws only a still picture)."""
    st.subheader(t("Map"))
    mode = _choice(st, t("Show"), MAP_MODES, "x_map")
    detail = st.session_state["x_force"]  # the timeline's "Force shown as" choice colours the map too
    where = {"name": dataset.name, "version": dataset.version, "filters": filters, "mode": mode}
    data = _map(**where, lang=common.lang(), detail=detail)
    event = None
    with st.container(key="x_map_box"):
        if run < STILL_RUNS:
            picture = _map_preview(**where, lang=common.lang(), detail=detail)
            script = still_map.PRESS_WHEN_DRAWN if run == 0 else ""
            st.html(picture + script, unsafe_allow_javascript=bool(script))
        if run:
            event = st.plotly_chart(
                data["fig"],
                key=f"x_map_chart_{st.session_state['x_map_round']}",
                on_select="rerun",
                selection_mode=("points", "box", "lasso"),
                width="stretch",
                config=MAP_CONFIG,
                alt=t("Map of the matching encounters"),
            )
    st.caption(common.md_escape(data["sentence"]))
    if data["kind"] == "points":
        st.caption(t("Records that share a place (a city's centre) are spread around it, most severe in the middle."))
    _reporting_note(dataset)
    st.caption(
        t(
            "Drag a box (or pick the lasso in the toolbar) over points, cells or area dots to list those records "
            "below; double-click the map to clear. Boundaries: US Census states and counties. No map tiles are "
            "loaded, so the map works offline."
        )
    )
    if run:
        _numbers(t("Map numbers"), data["table"])
    points = event.get("selection", {}).get("points", []) if event else []
    keys = mapfig.selection_keys(points, data["kind"])
    if not keys:
        return None
    attrs = tuple(sorted((k, v) for k, v in data.get("attrs", {}).items() if k in ("hex_size", "x_scale")))
    ids = _selected_ids(
        name=dataset.name, version=dataset.version, filters=filters, kind=data["kind"], keys=keys, attrs=attrs
    )
    return ids or None  # a stale selection that matches nothing is no selection


def _reporting_note(dataset) -> None:
    """Under every chart of a compiled dataset: its counts are of what was reported."""
    if dataset.metadata.get("compilation"):
        st.caption(t("Counts of reported encounters, not of all encounters ([why](methodology))."))


def _choice(container, label: str, options: dict, key: str) -> str:
    """A row of radio buttons for a page control kept in the URL (options: value -> English label)."""
    return container.radio(
        label, list(options), format_func=common.label_in_page_language(options), key=key, horizontal=True
    )


def _timeline_section(dataset, filters: flt.Filters) -> None:
    st.subheader(t("Over time"))
    left, right = st.columns(2)
    freq = _choice(left, t("Count by"), PERIODS, "x_period")
    detail = _choice(right, t("Force shown as"), FORCE_DETAIL, "x_force")
    data = _timeline(
        name=dataset.name, version=dataset.version, filters=filters, freq=freq, lang=common.lang(), detail=detail
    )
    if len(data["table"]):
        st.plotly_chart(
            data["fig"], width="stretch", config=CHART_CONFIG, alt=t("Encounters per period by force level")
        )
    st.caption(common.md_escape(data["sentence"]))
    _reporting_note(dataset)
    _numbers(t("Timeline numbers"), data["table"])


def _breakdown_section(dataset, filters: flt.Filters) -> None:
    st.subheader(t("Who, which agency, what kind, where"))
    lang = common.lang()
    for col, (column, noun, title) in zip([*st.columns(2), *st.columns(2)], BREAKDOWNS, strict=True):
        with col:
            data = _breakdown(
                name=dataset.name, version=dataset.version, filters=filters, column=column, noun=noun, lang=lang
            )
            st.markdown(f"**{t(title)}**")
            if data["fig"] is not None:
                alt = t("Records per {noun}", noun=t(noun))
                st.plotly_chart(data["fig"], width="stretch", config=CHART_CONFIG, alt=alt)
            st.caption(common.md_escape(data["sentence"]))
            _reporting_note(dataset)
            if column in APART and data["fig"] is not None:
                st.caption(
                    t(
                        "Orange bars, listed first: sensitive places (schools, childcare, places of worship, health care, social services)."
                    )
                )
            _numbers(t(title), data["table"])


def _records_section(dataset, filters: flt.Filters, selected: tuple[str, ...] | None) -> None:
    lang = common.lang()
    st.subheader(t("Records"))
    shown = filters if selected is None else filters.with_(ids=selected)
    if selected is not None:
        c1, c2 = st.columns([3, 1])
        c1.info(
            t("Showing the {n} records selected on the map.", n=i18n.num(len(selected), lang)), icon=":material/select:"
        )
        c2.button(t("Clear map selection"), on_click=_clear_map_selection, icon=":material/close:")
    if st.session_state.get("_x_page_for") != shown:  # new filters or selection: back to the first page
        st.session_state["_x_page_for"] = shown
        st.session_state.pop("x_page", None)  # the widget starts again at its default, page 1
    page = st.session_state.get("x_page", 1)
    shown_page = _table(name=dataset.name, version=dataset.version, filters=shown, page=page - 1, lang=lang)
    if page > shown_page["pages"]:  # fewer pages than before (the filters changed): back to the first
        page = 1
        st.session_state.pop("x_page", None)
        shown_page = _table(name=dataset.name, version=dataset.version, filters=shown, page=0, lang=lang)
    pages, total, rows = shown_page["pages"], shown_page["total"], len(shown_page["ids"])
    first = (page - 1) * PAGE_SIZE + 1
    if total:
        st.caption(
            t(
                "Records {first}–{last} of {total}, newest first. Select a row for details.",
                first=i18n.num(first, lang),
                last=i18n.num(first + rows - 1, lang),
                total=i18n.num(total, lang),
            )
        )
    else:
        st.caption(t("No record matches these filters."))
    table_key = f"x_table_{abs(hash((shown, page))) % 10**9}"
    st.dataframe(
        shown_page["table"],
        hide_index=True,
        width="stretch",
        key=table_key,
        on_select=functools.partial(_open_record, table_key, shown_page["ids"]),
        selection_mode="single-row",
        column_config={
            shown_page["source"]: st.column_config.LinkColumn(
                record_text.column_label("source", lang), display_text=t("open ↗"), validate=r"^https?://"
            ),
            shown_page["id"]: st.column_config.TextColumn("id"),
        },
    )
    if pages > 1:
        st.pagination(pages, key="x_page", max_visible_pages=7)
    _downloads(dataset, shown, total)


def _downloads(dataset, filters: flt.Filters, total: int) -> None:
    n = i18n.num(total, common.lang())
    c1, c2 = st.columns(2)
    stem = f"{dataset.name}-v{dataset.version}-filtered"
    for col, fmt, label in (
        (c1, "csv", t("Download CSV ({n} records)", n=n)),
        (c2, "geojson", t("Download GeoJSON ({n} records)", n=n)),
    ):
        data = _export(dataset.name, dataset.version, filters, fmt)
        common.download(col, label, data, f"{stem}.{fmt}", f"x_{fmt}")
    st.caption(
        t(
            "Downloads hold the records in the table (all pages). Cells that a spreadsheet would run as a formula "
            "start with an apostrophe."
        )
    )


def _record_detail(dataset, record_id: str) -> None:
    rows = dataset.records.loc[dataset.records["encounter_id"] == record_id]
    if rows.empty:
        st.warning(
            t("No record with id {id} in this dataset.", id=common.md_escape(record_id)), icon=":material/search_off:"
        )
        return
    # The dialog's title is in the page's language, so the dialog is made here rather than at import
    dialog = st.dialog(t("Record"), width="large", on_dismiss=_close_record)(_record_dialog)
    dialog(record_text.detail(rows.iloc[0].to_dict(), common.lang()), dataset.name, dataset.version)


@st.cache_data(max_entries=256, show_spinner=False)
def _history(root: str, name: str, version: int, record_id: str) -> list[dict]:
    """A record's history as of a version (a new version is a new key: its history may have grown)."""
    return record_history(root, name, record_id)


def _record_history(dataset_name: str, version: int, record_id: str) -> None:
    st.markdown(f"**{t('History')}**")
    entries = _history(root=common.data_root(), name=dataset_name, version=version, record_id=record_id)
    for entry in entries:
        st.text(history_line(entry, common.lang()))  # text: a reason may be a contributor's own words
    if not entries:
        st.text(t("No published change of this record is on file."))


def _record_dialog(d: dict, dataset_name: str, version: int) -> None:
    st.subheader(common.md_escape(d["title"]))  # escaped: record text is never Markdown
    st.text(d["id"])
    st.text(d["summary"] or t("No summary."))
    facts = pd.DataFrame({t("field"): [t(k) for k in d["facts"]], t("value"): list(d["facts"].values())})
    st.dataframe(facts, hide_index=True, width="stretch", height=35 * (len(facts) + 1) + 3)
    st.markdown(f"**{t('Sources')}**")
    for i, (source, link) in enumerate(d["sources"], start=1):
        if link:  # http(s) only; anything else (a citation, a javascript: address) stays text
            st.link_button(t("Source {n}", n=i), source, icon=":material/open_in_new:")
        st.text(source)
    st.markdown(f"**{t('Official response')}**")
    st.text(d["official_response"] or t("None recorded."))
    if d["notes"]:
        st.markdown(f"**{t('Precision notes')}**")
        for note in d["notes"]:
            st.text(note)
    _record_history(dataset_name, version, d["id"])
    query = {"dataset": dataset_name, "record": d["id"]}
    if "lang" in st.query_params:  # the link opens the record in the language it was shared in
        query["lang"] = common.lang()
    # The Report page, in a new tab, with this record's correction form (the view here stays as it is)
    st.link_button(t("Report a correction"), common.permalink(query, "report"), icon=":material/edit_note:")
    st.markdown(f"**{t('Permalink')}**")
    st.code(_permalink(query), language=None)
    if st.button(t("Close")):
        _close_record()
        st.rerun()  # a dialog closes only when a rerun is asked from inside it; a callback's rerun leaves it open


def _permalink(query: dict) -> str:
    """The full address when the browser told us where the app is, else a relative link."""
    relative = common.permalink(query)
    try:
        base = st.context.url
    except Exception:  # no browser session (tests, bare mode)
        base = None
    return f"{base.rstrip('/')}/{relative[2:]}" if base else relative


# ---------------------------------------------------------------------------- page


def _as_of(dataset, lang: str) -> str:
    """The dataset's "as of" date as written in the language (English keeps the ISO date)."""
    try:
        return dataset.as_of if lang == "en" else i18n.day(date.fromisoformat(str(dataset.as_of)), lang, "long")
    except ValueError:
        return str(dataset.as_of)


def render() -> None:
    _init_state()
    extra = {
        "map": None if st.session_state["x_map"] == "points" else st.session_state["x_map"],
        "period": None if st.session_state["x_period"] == "month" else st.session_state["x_period"],
        "force_detail": None if st.session_state["x_force"] == "bands" else st.session_state["x_force"],
    }
    dataset, filters = common.sidebar_filters(extra)
    if dataset is None:
        return
    common.demo_banner(dataset)
    lang = common.lang()
    st.title(t("Federal enforcement encounters"))
    described = "; ".join(summaries.describe_filters(filters, lang)) or t("no filters")
    title = t(str(dataset.metadata.get("title", dataset.name)))  # the shipped datasets' titles are in the catalog
    line = t("{title} · data as of {date} · {filters}", title=title, date=_as_of(dataset, lang), filters=described)
    st.caption(common.md_escape(line))
    if dataset.metadata.get("compilation"):
        st.caption(
            t(
                "A compilation of reported encounters, not a count of all of them: coverage follows where "
                "reporters and cameras were. [How it is compiled](methodology)"
            )
        )
    _headline_figures(_headline(name=dataset.name, version=dataset.version, filters=filters))
    record_id = (st.query_params.get_all("record") or [""])[0]
    if record_id:
        _record_detail(dataset, record_id)
    run = st.session_state["x_runs"] = st.session_state.get("x_runs", -1) + 1
    selected = _map_section(dataset, filters, run)
    if run == 0:
        _still_first_run()
        return
    _timeline_section(dataset, filters)
    _breakdown_section(dataset, filters)
    _records_section(dataset, filters, selected)
