"""Briefing: figures for one area and period, compared with the period before, ready to print or paste.

The page only composes: dashboard.briefing computes the numbers (the same function as `encounters brief`)
and renders the charts, the text, the PDF and the PNG files.
"""

from __future__ import annotations

import hashlib
import html
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.briefing import BriefingError, charts, output, text
from dashboard.briefing import area as areas
from dashboard.briefing.boundary_file import ALL_AREAS, MAX_UPLOAD_MB, UploadedBoundaries, read_boundary_upload
from dashboard.briefing.compute import Briefing, compute_briefing
from dashboard.briefing.period import Period, default_period, parse_date
from dashboard.explore import filters as flt
from dashboard.explore.data import Dataset
from dashboard.explore.summaries import tr
from dashboard.geo import BoundaryError
from dashboard.i18n import num
from dashboard.views import common, uploads
from dashboard.views.common import t

MARKDOWN_CHARS = set("\\`*_{}[]()#+-.!|<>~$:")
PICK = {
    "state": tr("Pick a state to see its briefing."),
    "county": tr("Pick a county to see its briefing."),
    "city": tr("Pick a city to see its briefing."),
    "district": tr("Pick a council district to see its briefing."),
}


def _plain(value: str) -> str:
    """Text from a file or record shown through Markdown, with every Markdown and HTML character escaped."""
    return "".join(f"\\{c}" if c in MARKDOWN_CHARS else c for c in str(value))


@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=common.HASH_FILTERS)
def _briefing(
    name: str, version: int, area: areas.Area, period: Period, compare: Period, filters, lang: str = "en"
) -> Briefing:
    return compute_briefing(common.get_dataset(name), area, period, compare, filters, lang=lang)


@st.cache_data(max_entries=16, show_spinner=False)
def _read_upload(name: str, digest: str, data: bytes, id_property: str | None, lang: str = "en") -> UploadedBoundaries:
    return read_boundary_upload(name, data, id_property, lang=lang)


@st.cache_data(max_entries=64, show_spinner=False)
def _choices(name: str, version: int, kind: str) -> dict[str, str]:
    return areas.area_choices(common.get_dataset(name), kind)


def _default_dates() -> None:
    """A briefing opens on the last three calendar months of data, unless the link or the sidebar gives dates."""
    if st.session_state.get("b_opened"):
        return
    st.session_state["b_opened"] = True
    names = common.available()
    if not names or "from" in st.query_params or "to" in st.query_params:
        return
    wanted = st.query_params.get("dataset", "")
    dataset = common.get_dataset(wanted if wanted in names else common.default_dataset(names))
    if not len(dataset.records):
        return
    lo, hi = dataset.records["date"].min().date(), dataset.records["date"].max().date()
    p = default_period(hi)
    if "_filters_for" not in st.session_state:  # the sidebar is about to read its dates from the URL
        st.query_params["from"], st.query_params["to"] = p.start.isoformat(), p.end.isoformat()
    elif tuple(st.session_state.get(common.WIDGET_PREFIX + "dates", ())) == (lo, hi):
        st.session_state[common.WIDGET_PREFIX + "dates"] = (p.start, p.end)


def _pick_area(dataset: Dataset) -> tuple[areas.Area | None, tuple[str, ...]]:
    kinds = list(areas.AREA_TYPES)
    if "b_area_type" not in st.session_state:
        wanted = st.query_params.get("area_type", "state")
        st.session_state["b_area_type"] = wanted if wanted in kinds else "state"
        st.session_state["b_area_wanted"] = st.query_params.get("area", "")
    lang = common.lang()
    kind = st.segmented_control(
        t("Area"),
        kinds,
        key="b_area_type",
        format_func=common.label_in_page_language(areas.AREA_TYPES),
        selection_mode="single",
    )
    kind = kind or "state"
    if kind == "upload":
        return _pick_upload()
    choices = _choices(dataset.name, dataset.version, kind)
    key = f"b_area_{kind}"
    if st.session_state.get(key) not in choices:  # first visit, or another dataset without this area
        wanted = st.session_state.pop("b_area_wanted", "") if st.query_params.get("area_type") == kind else ""
        try:
            st.session_state[key] = areas.resolve_area(dataset, kind, wanted, lang).id if wanted else None
        except BriefingError as exc:
            st.info(
                _plain(t("Link: {problem}; showing the area with the most records instead.", problem=exc)),
                icon=":material/link_off:",
            )
        if not st.session_state.get(key):
            st.session_state[key] = areas.default_area_id(dataset, kind, choices)
    ident = st.selectbox(t(areas.AREA_TYPES[kind]), list(choices), key=key, format_func=lambda k: choices.get(k, k))
    if not ident:
        st.info(t(PICK[kind]))
        return None, ()
    return areas.resolve_area(dataset, kind, ident, lang), ()


def _pick_upload() -> tuple[areas.Area | None, tuple[str, ...]]:
    lang = common.lang()
    st.caption(
        t(
            "Upload the outline of your area as GeoJSON or a zipped shapefile (any coordinate system). It is used "
            "for this session only and never stored. Records are chosen by their coordinates, and only those "
            "located to the exact address or block can be placed inside a drawn area."
        )
    )
    if not uploads.room_for_upload(Path(common.data_root()), MAX_UPLOAD_MB * 1024 * 1024):
        st.warning(
            t("The server's disk is full, so files cannot be uploaded now. Try again later."), icon=":material/storage:"
        )
        return None, ()
    uploads.visitor_may_upload(Path(common.data_root()), MAX_UPLOAD_MB)  # this one file, for this session
    file = st.file_uploader(t("Boundary file"), key="b_upload", max_upload_size=MAX_UPLOAD_MB)
    if file is None:
        if st.query_params.get("area_type") == "upload":
            st.info(t("This link was made with an uploaded boundary file: upload it again to see the same area."))
        return None, ()
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        uploaded = _read_upload(file.name, digest, data, None, lang)  # guesses which property names the areas
        chosen = st.session_state.get("b_id_property")
        if chosen in uploaded.properties and chosen != uploaded.id_property:
            uploaded = _read_upload(file.name, digest, data, chosen, lang)
        st.session_state["b_id_property"] = uploaded.id_property
    except BoundaryError as exc:
        st.error(_plain(exc), icon=":material/error:")
        return None, ()
    except Exception as exc:  # never a traceback: the file is the likely cause
        st.error(
            _plain(
                t("{name} could not be used as a boundary file ({error}).", name=file.name, error=type(exc).__name__)
            )
        )
        return None, ()
    cols = st.columns(2)
    if len(uploaded.properties) > 1:
        cols[0].selectbox(t("Property naming each area"), uploaded.properties, key="b_id_property")
    ids = [ALL_AREAS, *uploaded.ids] if len(uploaded.ids) > 1 else list(uploaded.ids)
    wanted = st.query_params.get("area", "")
    if "b_upload_area" not in st.session_state or st.session_state["b_upload_area"] not in ids:
        st.session_state["b_upload_area"] = wanted if wanted in ids else ids[0]
    ident = cols[1].selectbox(
        t("Area"),
        ids,
        key="b_upload_area",
        format_func=lambda i: t("all {n} areas", n=num(len(uploaded.ids), lang)) if i == ALL_AREAS else i,
    )
    return uploaded.area(ident, lang), uploaded.notes


def _periods(dataset: Dataset, filters: flt.Filters) -> tuple[Period, Period]:
    lo, hi = dataset.records["date"].min().date(), dataset.records["date"].max().date()
    period = Period(filters.date_from or lo, filters.date_to or hi)
    if "b_custom_compare" not in st.session_state:
        st.session_state["b_custom_compare"] = "compare_from" in st.query_params
        try:
            start = parse_date(st.query_params.get("compare_from", ""), "comparison start")
            end = parse_date(st.query_params.get("compare_to", ""), "comparison end")
            if end < start:
                raise BriefingError("the comparison period ends before it starts")
            st.session_state["b_compare"] = (start, end)
        except BriefingError:
            st.session_state["b_compare"] = (period.previous().start, period.previous().end)
    custom = st.toggle(t("Choose the comparison period"), key="b_custom_compare")
    if custom:
        chosen = st.date_input(t("Comparison period"), key="b_compare", min_value=date(1990, 1, 1))
        if isinstance(chosen, tuple | list) and len(chosen) == 2:
            return period, Period(chosen[0], chosen[1])
    return period, period.previous()


def _figure_frame(rows, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "": [text.figure_label(f, lang) for f in rows],
            t("this period"): [f.now for f in rows],
            t("period before"): [f.before_text(lang) for f in rows],
            t("change"): [f.change_text(lang) for f in rows],
        }
    )


def _chart(svg: str) -> None:
    """An SVG chart drawn as an image (st.html would strip the SVG); its numbers are also in the tables."""
    title = svg.split("<title>", 1)[1].split("</title>", 1)[0] if "<title>" in svg else t("chart")
    st.image(svg, width="stretch", alt=html.unescape(title))


def _show(b: Briefing, base_url: str) -> None:
    lang = b.lang
    st.subheader(_plain(b.area.describe(lang)))
    st.text(
        t(
            "{period}, compared with {compare} (the period before)",
            period=b.period.label(lang),
            compare=b.compare.label(lang),
        )
    )
    for note in b.coverage_notes:
        st.warning(note, icon=":material/event_busy:")
    cols = st.columns(len(b.key))
    for col, f in zip(cols, b.key, strict=True):
        delta = t("{change} (before: {before})", change=f.change_text(lang), before=f.before_text(lang))
        col.metric(text.figure_label(f, lang), num(f.now, lang), delta=delta, delta_color="off")
    if not b.compare.end < b.period.start:
        st.warning(t("The comparison period overlaps the period: pick dates that end before the period starts."))
    _exports(b, base_url)
    shape = areas.outline(b.area)
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('Over time')}**")
        _chart(charts.timeline_svg(b, width=700, height=260))
    with right:
        st.markdown(f"**{t('Map of the area')}**")
        _chart(charts.map_svg(b, shape, areas.context(b.area, shape), width=420, height=340))
    st.markdown(f"#### {t('Key figures and breakdowns')}")
    st.dataframe(_figure_frame(b.key, lang), hide_index=True, width="stretch")
    for i in range(0, len(b.breakdowns), 2):
        for col, part in zip(st.columns(2), b.breakdowns[i : i + 2], strict=False):
            with col:
                st.markdown(f"**{t(part.title)}**")
                _chart(charts.breakdown_svg(b, part, width=460))
                st.dataframe(_figure_frame(part.rows, lang), hide_index=True, width="stretch")
    _sensitive(b)
    _records(b)
    st.markdown(f"#### {t('How to read these figures')}")
    for note in b.notes:
        st.text(f"• {note}")
    st.markdown(f"#### {t('Data and filters')}")
    st.text(b.dataset_note())
    st.text(t("Filters in force: {filters}", filters=text.filters_text(b)))


def _sensitive(b: Briefing) -> None:
    st.markdown(f"#### {t('Encounters at sensitive places')}")
    st.caption(t("Schools, childcare, places of worship, health care and social services, newest first."))
    rows = text.sensitive_rows(b)
    if not rows:
        st.text(t("No encounters at sensitive places in the period."))
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if text.sensitive_more(b):
        st.caption(text.sensitive_more(b))


def _records(b: Briefing) -> None:
    st.markdown(f"#### {t('Most serious records in the period')}")
    st.caption(t("Highest force level first, then newest. The numbers in brackets are the footnotes below."))
    if not b.serious:
        st.text(t("No records in the period."))
        return
    st.dataframe(pd.DataFrame(text.record_rows(b)), hide_index=True, width="stretch")
    st.markdown(f"**{t('Sources')}**")
    st.text("\n".join(f"[{n}] {s}" for n, s in enumerate(b.footnotes(), start=1)))


def _exports(b: Briefing, base_url: str) -> None:
    stem = text.file_stem(b)
    memo = text.to_text(b, base_url)
    cols = st.columns([1, 1, 1, 3])
    pdf = lambda: output.briefing_pdf(b, base_url)  # noqa: E731  (made only when the button is pressed)
    common.download(cols[0], t("PDF (letter)"), pdf, f"{stem}.pdf", "b_pdf", icon=":material/picture_as_pdf:")
    common.download(cols[1], t("Text for a memo"), memo, f"{stem}.txt", "b_txt", icon=None)
    with cols[2].popover(t("Charts (PNG)")):
        st.caption(t("Each chart on its own, titled with the area, dates and dataset."))
        for part in ["timeline", "map", *(p.column for p in b.breakdowns)]:
            png = lambda n=part: output.chart_pngs(b, [n])[n]  # noqa: E731
            common.download(st, charts.chart_title(part, b), png, f"{stem}-{part}.png", f"b_png_{part}", icon=None)
    with st.expander(t("Link to this briefing, and text to copy into a memo")):
        st.caption(t("This link reopens the same briefing (area, dates and filters):"))
        st.code(text.permalink(b, base_url), language=None)
        st.code(memo, language=None)


def render() -> None:
    _default_dates()
    dataset, filters = common.sidebar_filters()
    if dataset is None:
        return
    common.demo_banner(dataset)
    st.title(t("Briefing"))
    st.caption(
        t(
            "What happened in one area and period, compared with the period before. The dates and other filters "
            "are in the sidebar; the comparison period is the same length, just before, unless you choose one."
        )
    )
    if not len(dataset.records):
        st.info(t("This dataset has no records yet."))
        return
    area, notes = _pick_area(dataset)
    period, compare = _periods(dataset, filters)
    extra = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if area is None:
        common.sync_url(filters, extra)
        return
    extra |= {"area_type": area.kind, "area": area.id}
    custom = compare != period.previous()
    extra |= {"compare_from": compare.start.isoformat() if custom else None}
    extra |= {"compare_to": compare.end.isoformat() if custom else None}
    common.sync_url(filters, extra)
    for note in notes:
        st.info(_plain(note), icon=":material/info:")
    b = _briefing(
        dataset.name,
        dataset.version,
        area,
        period,
        compare,
        filters.with_(date_from=None, date_to=None),
        common.lang(),
    )
    if notes:
        from dataclasses import replace

        b = replace(b, notes=(*notes, *b.notes))
    _show(b, str(st.context.url or ""))
