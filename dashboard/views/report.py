"""Report: anyone reports an encounter, or a correction to a record (?dataset=...&record=...).

Nothing sent here is published: it waits in the review queue (Contribute) until a contributor turns it
into a record. What a visitor typed is only ever shown back as text. The form carries a field that
people never see (hidden with display:none, so screen readers and the keyboard skip it too): bots
that fill every field fill it, and their report is refused.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from datetime import date

import streamlit as st

from dashboard import reports
from dashboard.explore import record_text
from dashboard.explore.record_history import FIELD_LABELS
from dashboard.explore.summaries import tr
from dashboard.geo import state_names
from dashboard.reports import place_grid, point_map
from dashboard.reports.db import DATABASE_URL_ENV
from dashboard.schema import load_schema
from dashboard.views import common
from dashboard.views.common import t, term

SENT = "_report_sent"  # (reference, kind) of the report this session just sent
FORM_PREFIX = "report_"
HONEYPOT_KEY = "report_hp"
HIDE_HONEYPOT = f"<style>.st-key-{HONEYPOT_KEY} {{ display: none !important; }}</style>"
# What a refusal calls each field (the names the reports package gives it), in the form's words
FIELD_NAMES = {
    "date": tr("When"),
    "city": tr("City or town"),
    "state": tr("State"),
    "what_happened": tr("What happened"),
    "links": tr("Links to videos, photos or reports"),
    "force_seen": tr("Force you saw"),
    "agencies": tr("Agencies, if you know them"),
    "contact": tr("Your contact"),
    "field": tr("Which field is wrong?"),
    "what_is_wrong": tr("What is wrong, and what is right?"),
    "source_url": tr("A source that shows it"),
    "source": tr("A source that shows it"),
}


@st.cache_resource(show_spinner=False)
def _reports(root: str, database_url: str) -> reports.Reports:
    """One connection pool per data directory and database, shared by the server's sessions."""
    return reports.open_reports(root)


def open_reports() -> reports.Reports:
    return _reports(common.data_root(), os.environ.get(DATABASE_URL_ENV, ""))


def client_key(address: str) -> str:
    """Who is filing, for the rate limit: a hash of the visitor's address (common.client_address), never
    the address itself."""
    return hashlib.sha256(f"address:{address}".encode()).hexdigest()[:40]


def refusal_text(exc: reports.ReportRefused) -> str:
    """The refusal in the page's language, naming fields as the form does."""
    params = dict(exc.params)
    if params.get("field") in FIELD_NAMES:
        params["field"] = t(FIELD_NAMES[params["field"]])
    elif "field" in params:
        params["field"] = t(FIELD_LABELS.get(params["field"], str(params["field"])))
    return t(exc.key, **params)


# ---------------------------------------------------------------- the forms


# ---------------------------------------------------------------- where: the point on the map
# The place is asked outside the form: a form sends nothing until its button is pressed, and the map must
# follow the state and city as they are chosen, and mark a point as soon as it is clicked.

CITY, STATE, LAT, LON = (FORM_PREFIX + k for k in ("city", "state", "lat", "lon"))
MAP_VIEW = FORM_PREFIX + "map_view"  # None: the whole state; else (lat, lon, size in metres) of the view
MAP_ROUND = FORM_PREFIX + "map_round"  # part of the chart's key: a new chart (no selection) after each click
MAP_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False, "scrollZoom": False}


def _point() -> tuple[float, float] | None:
    lat, lon = st.session_state.get(LAT), st.session_state.get(LON)
    return None if lat is None or lon is None else (float(lat), float(lon))


def _new_chart() -> None:
    st.session_state[MAP_ROUND] = st.session_state.get(MAP_ROUND, 0) + 1


def _place_changed() -> None:
    """A new state or city: the map moves there, and a point that is not in it is cleared."""
    state, city = st.session_state.get(STATE, ""), st.session_state.get(CITY, "")
    point, town = _point(), point_map.city_point(state, city)
    if point is not None and (
        not state
        or not point_map.in_state(state, *point)
        or (town is not None and place_grid.distance_m(*point, *town) > point_map.NEAR_CITY_M)
    ):
        st.session_state[LAT] = st.session_state[LON] = point = None
    where = point or town
    st.session_state[MAP_VIEW] = None if where is None else point_map.local(*where)
    _new_chart()


def _point_typed() -> None:
    """Typed coordinates are rounded to the grid at once (as they will be stored), and the map goes there."""
    point = _point()
    if point is None:
        return
    lat, lon = place_grid.snap(*point, point_map.spacing_m())
    st.session_state[LAT], st.session_state[LON] = lat, lon
    st.session_state[MAP_VIEW] = point_map.local(lat, lon)
    _new_chart()


def _map_clicked(key: str) -> None:
    """A dot was clicked: a zoom dot opens a closer view, a pick dot is the point."""
    event = st.session_state.get(key) or {}
    hit = point_map.clicked((event.get("selection") or {}).get("points"))
    if hit is None:
        return
    action, lat, lon, size = hit
    if action == point_map.PICK:
        st.session_state[LAT], st.session_state[LON] = lat, lon
    else:
        st.session_state[MAP_VIEW] = (lat, lon, size)
    _new_chart()


def _whole_state() -> None:
    st.session_state[MAP_VIEW] = None
    _new_chart()


def _remove_point() -> None:
    st.session_state[LAT] = st.session_state[LON] = None
    _new_chart()


def _place_section(schema) -> None:
    """City, state and the point: kept in session state, read when the form is sent."""
    names = state_names()
    c1, c2 = st.columns(2)
    city = c1.text_input(t("City or town"), key=CITY, max_chars=120, on_change=_place_changed)
    state = c2.selectbox(
        t("State"),
        ["", *schema.taxonomies["states"].values],
        key=STATE,
        format_func=lambda v: f"{names.get(v, v)} ({v})" if v else t("Choose a state"),
        on_change=_place_changed,
    )
    st.markdown(f"**{t('A point on the map (optional)')}**")
    point, view = _point(), st.session_state.get(MAP_VIEW)
    if state and city.strip() and view is None and point_map.city_point(state, city) is None:
        st.caption(
            t(
                "{city} is not in the list of places this site has offline: find it on the map of {state}.",
                city=common.md_escape(city.strip()),
                state=names.get(state, state),
            )
        )
    if state:
        st.caption(
            t(
                "Name the city to open its map, or click the map to zoom in; then click where it happened. The "
                "point is rounded to {precision}, so that no report pinpoints a home.",
                precision=point_map.precision_words(common.lang()),
            )
        )
    # the map, and beside it (under it on a phone) what it sets: the buttons and the coordinates
    left, right = st.columns(2, gap="medium")
    with left:
        if not state:
            st.caption(t("Choose a state to place the point on its map, or type its latitude and longitude."))
        else:
            key = f"report_map_{st.session_state.get(MAP_ROUND, 0)}"
            st.plotly_chart(
                point_map.picker_figure(state, view, point, common.lang()),
                key=key,
                on_select=functools.partial(_map_clicked, key),
                selection_mode="points",
                width="stretch",
                config=MAP_CONFIG,
                alt=t("Map of {state} to pick where it happened", state=names.get(state, state)),
            )
    with right:
        right.number_input(
            t("Latitude"), min_value=-90.0, max_value=90.0, value=None, format="%.5f", key=LAT, on_change=_point_typed
        )
        right.number_input(
            t("Longitude"),
            min_value=-180.0,
            max_value=180.0,
            value=None,
            format="%.5f",
            key=LON,
            on_change=_point_typed,
        )
        if point is not None and state and not point_map.in_state(state, *point):
            st.warning(
                t("This point is not in {state}: please check the state or the point.", state=names.get(state, state)),
                icon=":material/wrong_location:",
            )
        if point is not None:
            st.caption(
                t(
                    "The point: {lat}, {lon}, rounded to {precision}.",
                    lat=f"{point[0]:.5f}",
                    lon=f"{point[1]:.5f}",
                    precision=point_map.precision_words(common.lang()),
                )
            )
            st.button(
                t("Remove the point"),
                on_click=_remove_point,
                icon=":material/wrong_location:",
                key=FORM_PREFIX + "remove_point",
            )
        if state and view is not None:
            st.button(
                t("Show all of {state}", state=names.get(state, state)),
                on_click=_whole_state,
                icon=":material/zoom_out_map:",
                key=FORM_PREFIX + "whole_state",
            )


def _new_form(schema) -> reports.NewEncounter | None:
    """The report of an encounter; the NewEncounter when sent, else None."""
    with st.container(border=True, key=FORM_PREFIX + "place_box"):
        when = st.date_input(
            t("When"),
            value=[],
            max_value=date.today(),
            min_value=date(2000, 1, 1),
            key=FORM_PREFIX + "dates",
            format="YYYY-MM-DD",
            help=t("Pick the day. If you are not sure of the day, pick the first and the last day it could be."),
        )
        _place_section(schema)
    with st.form("report_new", enter_to_submit=False):
        what = st.text_area(
            t("What happened"),
            key=FORM_PREFIX + "what",
            max_chars=2000,
            height=160,
            help=t("What you saw or know, in a few sentences. Please do not name private people."),
        )
        force_choices = list(schema.taxonomies["force_types"].values)
        force = st.multiselect(
            t("Force you saw"),
            force_choices,
            key=FORM_PREFIX + "force",
            format_func=term,
            placeholder=t("Choose options"),
        )
        agencies = st.multiselect(
            t("Agencies, if you know them"),
            list(schema.taxonomies["agencies"].values),
            key=FORM_PREFIX + "agencies",
            format_func=term,
            placeholder=t("Choose options"),
        )
        links = st.text_area(
            t("Links to videos, photos or reports"),
            key=FORM_PREFIX + "links",
            height=90,
            help=t("One web address (https://...) a line. Please do not upload files: link to them."),
        )
        contact, honeypot = _contact_and_honeypot()
        sent = st.form_submit_button(t("Send the report"), type="primary", icon=":material/send:")
    if not sent:
        return None
    days = tuple(when) if isinstance(when, (list, tuple)) else ((when,) if when else ())
    point = _point()
    return reports.NewEncounter(
        date_from=days[0] if days else None,
        date_to=days[1] if len(days) > 1 else None,
        city=st.session_state.get(CITY, ""),
        state=st.session_state.get(STATE, ""),
        latitude=point[0] if point else st.session_state.get(LAT),
        longitude=point[1] if point else st.session_state.get(LON),
        what_happened=what,
        force_seen=force,
        agencies=agencies,
        links=[line for line in links.splitlines() if line.strip()],
        contact=contact,
        honeypot=honeypot,
    )


def _contact_and_honeypot() -> tuple[str, str]:
    contact = st.text_input(
        t("Your contact (optional, never shown)"),
        key=FORM_PREFIX + "contact",
        max_chars=300,
        help=t(
            "An e-mail address or phone number, if you agree to be asked about your report. Only the contributors "
            "who review reports can read it, and it is deleted when the report is closed."
        ),
    )
    with st.container(key=HONEYPOT_KEY):
        honeypot = st.text_input(t("Leave this field empty"), key=FORM_PREFIX + "website", autocomplete="off")
    return contact, honeypot


def _record(dataset_name: str, record_id: str) -> dict | None:
    if dataset_name not in common.available():
        return None
    records = common.get_dataset(dataset_name).records
    rows = records.loc[records["encounter_id"] == record_id]
    return None if rows.empty else rows.iloc[0].to_dict()


def _correction_form(dataset_name: str, record: dict) -> dict | None:
    """The correction of one record; its values when sent, else None."""
    d = record_text.detail(record, common.lang())
    st.subheader(t("Report a correction"))
    st.text(t("Record {id} of {dataset}:", id=d["id"], dataset=dataset_name))
    st.text(d["title"])
    with st.expander(t("What the record says now")):
        for label, value in d["facts"].items():
            st.text(f"{t(label)}: {value}")
        st.text(f"{t('Summary')}: {d['summary'] or t('No summary.')}")
    fields = reports.correctable_fields(reports.load_rules())
    with st.form("report_correction", enter_to_submit=False):
        field = st.selectbox(
            t("Which field is wrong?"),
            fields,
            key=FORM_PREFIX + "field",
            format_func=lambda f: t(FIELD_LABELS.get(f, f)),
        )
        wrong = st.text_area(t("What is wrong, and what is right?"), key=FORM_PREFIX + "wrong", max_chars=2000)
        source = st.text_input(
            t("A source that shows it"), key=FORM_PREFIX + "source", max_chars=500, placeholder="https://..."
        )
        contact, honeypot = _contact_and_honeypot()
        sent = st.form_submit_button(t("Send the correction"), type="primary", icon=":material/send:")
    if not sent:
        return None
    return {"field": field, "what_is_wrong": wrong, "source_url": source, "contact": contact, "honeypot": honeypot}


# ---------------------------------------------------------------- the page


def _confirmation(ref: str) -> None:
    st.success(
        t("Thank you. Your report was received. Its reference is {ref}.", ref=ref), icon=":material/check_circle:"
    )
    st.markdown(
        t(
            "Keep the reference if you want to ask about your report. Nothing is published until a contributor "
            "has checked it; if it becomes a record or corrects one, that record's history names the reference."
        )
    )
    if st.button(t("Send another report"), key="report_again"):
        for key in [k for k in st.session_state if str(k).startswith(FORM_PREFIX) or k == SENT]:
            del st.session_state[key]
        st.query_params.pop("record", None)
        st.rerun()


def _send(file) -> None:
    """File a report (`file` does it, given the client key): the confirmation, or why it was refused."""
    try:
        ref = file(client_key(common.client_address()))
    except reports.ReportRefused as exc:
        st.error(common.md_escape(refusal_text(exc)), icon=":material/block:")  # it may quote what was typed
        return
    except Exception:  # the database cannot be reached (a replica losing PostgreSQL): never a traceback
        logging.getLogger(__name__).exception("a report could not be stored")  # the operator's log has it
        st.error(t("Your report could not be stored just now. Nothing was sent; please try again in a while."))
        return
    st.session_state[SENT] = ref
    st.rerun()


def render() -> None:
    st.html(HIDE_HONEYPOT)
    st.title(t("Report an encounter or a correction"))
    if SENT in st.session_state:
        _confirmation(st.session_state[SENT])
        return
    st.markdown(
        t(
            "Tell us about an encounter with federal agents that you saw or know of, or about a mistake in a "
            "record. Nothing you send is published as it is: contributors check every report against its "
            "sources first. Please do not name private people."
        )
    )
    dataset_name = st.query_params.get("dataset", "")
    record_id = st.query_params.get("record", "")
    if record_id:
        record = _record(dataset_name, record_id)
        if record is not None and common.get_dataset(dataset_name).is_demo:
            st.info(t(reports.MESSAGES["demonstration"]), icon=":material/science:")
            return
        if record is not None:
            sent = _correction_form(dataset_name, record)
            if sent is not None:
                _send(lambda client: open_reports().file_correction(dataset_name, record_id, client=client, **sent))
            return
        st.warning(
            t(
                "No record {id} in {dataset}: you can report a new encounter below.",
                id=common.md_escape(record_id),
                dataset=common.md_escape(dataset_name),
            ),
            icon=":material/search_off:",
        )
    st.subheader(t("Report an encounter"))
    report = _new_form(load_schema())
    if report is not None:
        _send(lambda client: open_reports().file_new(report, client=client))
