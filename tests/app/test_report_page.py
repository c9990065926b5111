"""The Report page in AppTest: a visitor's report and its reference, a correction to a record, and each
refusal said in words (missing text, a link that is not a web address, the hidden field, the rate limit).

Reports go to a SQLite file of the test's own (ENCOUNTERS_DATABASE_URL), never into the shared demo data.
"""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from support import page_app

from dashboard import auth
from dashboard.reports import NewEncounter, open_reports, place_grid
from dashboard.views.report import client_key


@pytest.fixture
def db(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("ENCOUNTERS_DATABASE_URL", f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    reports = open_reports(app_env)
    yield reports
    reports.close()


def report_app(**query):
    return page_app("report", browser=False, **query).run()


def fill_new(at, what="Agents stopped a car outside the school and drew weapons.", **extra):
    """Fill the new-encounter form as a visitor would (extra: links, honeypot)."""
    at.date_input(key="report_dates").set_value((date(2025, 6, 1), date(2025, 6, 3)))
    at.text_input(key="report_city").input("Minneapolis")
    at.selectbox(key="report_state").set_value("MN")
    at.text_area(key="report_what").input(what)
    at.multiselect(key="report_force").set_value(["weapon displayed"])
    at.text_area(key="report_links").input(extra.get("links", "https://example.org/video/1"))
    at.text_input(key="report_contact").input("witness@example.org")
    if "honeypot" in extra:
        at.text_input(key="report_website").input(extra["honeypot"])
    return at


def send(at, label="Send the report"):
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_a_report_gets_a_reference_and_is_stored_as_typed(db):
    at = send(fill_new(report_app()))
    assert not at.exception
    assert [s.value for s in at.success] == ["Thank you. Your report was received. Its reference is R-000001."]
    stored = db.get("R-000001")
    assert (stored.kind, stored.status, stored.city, stored.state) == ("new", "new", "Minneapolis", "MN")
    assert (stored.date_from, stored.date_to) == (date(2025, 6, 1), date(2025, 6, 3))
    assert stored.what_happened == "Agents stopped a car outside the school and drew weapons."
    assert stored.links == ("https://example.org/video/1",) and stored.force_seen == ("weapon displayed",)
    assert db.contact("R-000001", who="test") == "witness@example.org"
    # the form is gone; "Send another report" brings back an empty one
    assert not any(b.label == "Send the report" for b in at.button)
    at.button(key="report_again").click().run()
    assert at.text_area(key="report_what").value == ""


@pytest.mark.parametrize(
    "typed, message",
    [
        pytest.param({"what": "  "}, "Please fill in: What happened.", id="nothing-said"),
        pytest.param(
            {"links": "javascript:alert(1)"},
            "javascript:alert(1) is not a web address; links must start with http:// or https://.",
            id="not-a-web-address",
        ),
    ],
)
def test_refusals_say_what_to_change_and_keep_what_was_typed(db, typed, message):
    at = send(fill_new(report_app(), **typed))
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [message]  # escaped: it may quote the visitor
    assert db.list() == []
    assert at.text_input(key="report_city").value == "Minneapolis"  # nothing typed is lost


def test_the_hidden_field_refuses_a_bot_politely(db):
    at = send(fill_new(report_app(), honeypot="http://spam.example"))
    assert [e.value for e in at.error] == ["Your report could not be sent\\. Please try again later\\."]
    assert db.list() == []


def test_the_twenty_first_report_within_an_hour_is_refused(db):
    me = client_key(auth.client_address(None))  # AppTest: a loopback visitor
    for _ in range(20):
        db.file_new(NewEncounter(date(2025, 6, 1), state="MN", what_happened="x"), client=me)
    at = send(fill_new(report_app()))
    assert len(at.error) == 1 and "You have sent 20 reports within the last hour" in at.error[0].value
    assert len(db.list()) == 20
    db.file_new(NewEncounter(date(2025, 6, 1), state="MN", what_happened="x"), client="someone else")  # others may


def test_a_correction_names_the_record_and_field(db, reported_env):
    at = report_app(dataset="reported-2025-2026", record="FEE-CHI-002")
    assert not at.exception
    assert any(t.value == "Record FEE-CHI-002 of reported-2025-2026:" for t in at.text)
    at.selectbox(key="report_field").set_value("date")
    at.text_area(key="report_wrong").input("The report says 3 October, not 30 September.")
    at.text_input(key="report_source").input("https://example.org/news/2")
    at = send(at, "Send the correction")
    assert [s.value for s in at.success] == ["Thank you. Your report was received. Its reference is R-000001."]
    stored = db.get("R-000001")
    assert (stored.kind, stored.dataset, stored.encounter_id, stored.field) == (
        "correction",
        "reported-2025-2026",
        "FEE-CHI-002",
        "date",
    )
    assert stored.source_url == "https://example.org/news/2"


def test_a_fictional_record_has_nothing_to_correct(db):
    at = report_app(dataset="demo", record="DEMO-00001")
    assert not at.exception
    assert [i.value for i in at.info] == ["This record is fictional (demonstration data): there is nothing to correct."]
    assert not any(b.label == "Send the correction" for b in at.button)


def test_an_unknown_record_offers_a_new_report(db):
    at = report_app(dataset="demo", record="<img src=x onerror=alert(1)>")
    assert not at.exception
    assert "No record" in at.warning[0].value and "\\<img" in at.warning[0].value  # escaped, shown as text
    assert any(b.label == "Send the report" for b in at.button)


def test_the_page_and_its_refusals_in_spanish(db):
    at = report_app(lang="es")
    assert at.title[0].value == "Reportar un encuentro o una corrección"
    at = send(fill_new(at, what=""), "Enviar el reporte")
    assert [e.value.replace("\\", "") for e in at.error] == ["Complete: Qué pasó."]


def test_the_rate_limit_key_is_a_hash_of_the_visitors_address():
    # the address itself comes from auth.client_address, as for the sign-in throttle (tests/contribute)
    assert client_key("1.2.3.4") == client_key("1.2.3.4") != client_key("1.2.3.5")
    assert "1.2.3.4" not in client_key("1.2.3.4")


def test_methodology_counts_reports_received_accepted_rejected(db):
    for _ in range(3):
        db.file_new(NewEncounter(date(2025, 6, 1), state="MN", what_happened="x"), client="c")
    db.reject("R-000002", who="alice", reason="No source.")
    at = page_app("methodology", browser=False).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Reports received": "3", "Accepted": "0", "Rejected": "1", "Waiting for review": "2"}
    es = page_app("methodology", browser=False, lang="es").run()
    assert {m.label: m.value for m in es.metric}["Reportes recibidos"] == "3"


def test_a_database_that_cannot_be_reached_is_said_in_words(app_env, monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database's folder should be")
    monkeypatch.setenv("ENCOUNTERS_DATABASE_URL", f"sqlite:///{blocked / 'reports.sqlite3'}")
    at = send(fill_new(report_app()))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Your report could not be stored just now. Nothing was sent; please try again in a while."
    ]


# ---------------------------------------------------------------- the point on the map


def _map(at):
    """The Report map's chart element and its figure (as sent to the browser)."""
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return charts[0], json.loads(charts[0].proto.spec)


def _dots(fig) -> dict:
    return next(tr for tr in fig["data"] if tr.get("name") == "dots")


def _values(array) -> list:
    """A figure array as the browser reads it: a list, or plotly's typed-array encoding."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def click_dot(at, i: int):
    """A visitor's click on dot i, as the browser reports it: the chart's selection, sent with the other
    widgets' values (AppTest has no plotly widget of its own, so the message is built here)."""
    chart, fig = _map(at)
    dots = _dots(fig)
    point = {
        "x": _values(dots["x"])[i],
        "y": _values(dots["y"])[i],
        "curve_number": fig["data"].index(dots),
        "point_number": i,
        "point_index": i,
        "customdata": dots["customdata"][i],
    }
    selection = {"selection": {"points": [point], "point_indices": [i], "box": [], "lasso": []}}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=chart.proto.id, string_value=json.dumps(selection)))
    return at._run(states), point


def choose_place(at, state="MN", city=""):
    at.selectbox(key="report_state").set_value(state).run()
    if city:
        at.text_input(key="report_city").input(city).run()
    return at


def test_no_map_until_a_state_is_chosen_then_the_state_then_the_city(db):
    at = report_app()
    assert not at.get("plotly_chart") and any("Choose a state to place the point" in c.value for c in at.caption)
    choose_place(at)
    _, fig = _map(at)
    assert _dots(fig)["customdata"][0][0] == "zoom"  # the whole state: a click zooms in
    choose_place(at, city="Minneapolis")
    _, fig = _map(at)
    lon0, lon1 = fig["layout"]["xaxis"]["range"]
    lat0, lat1 = fig["layout"]["yaxis"]["range"]
    assert lon0 < -93.268 < lon1 and lat0 < 44.983 < lat1 and lon1 - lon0 < 0.3  # around the city, 20 km
    assert _dots(fig)["customdata"][0][0] == "pick"
    assert any("rounded to about 500 m" in c.value for c in at.caption)


def test_a_click_on_the_map_marks_the_point_fills_the_coordinates_and_files_them(db):
    at = choose_place(report_app(), city="Minneapolis")  # the map around the city
    at, clicked = click_dot(at, 700)
    assert not at.exception
    lat, lon = clicked["y"], clicked["x"]
    assert (at.number_input(key="report_lat").value, at.number_input(key="report_lon").value) == (lat, lon)
    _, fig = _map(at)
    mark = next(tr for tr in fig["data"] if tr.get("name") == "point")
    assert (_values(mark["y"]), _values(mark["x"])) == ([lat], [lon])
    assert any(c.value == f"The point: {lat:.5f}, {lon:.5f}, rounded to about 500 m." for c in at.caption)
    at = send(fill_new(at))  # the same city and state: the point stays
    assert [s.value for s in at.success] == ["Thank you. Your report was received. Its reference is R-000001."]
    assert (db.get("R-000001").latitude, db.get("R-000001").longitude) == (lat, lon)
    at.button(key="report_again").click().run()  # another report starts with no place and no point
    assert not at.exception and not at.get("plotly_chart")
    assert at.number_input(key="report_lat").value is None and at.selectbox(key="report_state").value == ""


def test_a_click_on_the_state_map_zooms_in_and_picks_nothing(db):
    at = choose_place(report_app())
    at, clicked = click_dot(at, 10)
    assert at.number_input(key="report_lat").value is None
    _, fig = _map(at)
    lon0, lon1 = fig["layout"]["xaxis"]["range"]
    assert lon0 < clicked["x"] < lon1 and lon1 - lon0 < 2  # a 100 km view around the dot clicked


def test_typed_coordinates_are_rounded_and_cleared_when_the_state_changes(db):
    at = choose_place(report_app(), city="Minneapolis")
    at.number_input(key="report_lat").set_value(44.981234).run()
    at.number_input(key="report_lon").set_value(-93.271234).run()
    lat, lon = at.number_input(key="report_lat").value, at.number_input(key="report_lon").value
    assert (lat, lon) == place_grid.snap(44.981234, -93.271234, 500) != (44.981234, -93.271234)
    assert not at.warning
    at.number_input(key="report_lon").set_value(-92.5).run()  # across the St. Croix, in Wisconsin
    assert [w.value for w in at.warning] == ["This point is not in Minnesota: please check the state or the point."]
    at.number_input(key="report_lon").set_value(-93.271234).run()
    lat, lon = at.number_input(key="report_lat").value, at.number_input(key="report_lon").value
    choose_place(at, state="MN", city="Saint Paul")  # 14 km away: the point may be in it, it stays
    assert at.number_input(key="report_lat").value == lat
    choose_place(at, state="WI")  # not in Wisconsin: cleared
    assert at.number_input(key="report_lat").value is None and at.number_input(key="report_lon").value is None
    assert not any(c.value.startswith("The point:") for c in at.caption)


def test_the_map_and_its_words_in_spanish(db):
    at = choose_place(report_app(lang="es"), city="Minneapolis")
    assert not at.exception
    assert any("El punto se redondea a unos 500 m" in c.value for c in at.caption)
    _, fig = _map(at)
    assert "Haga clic para poner el punto aquí" in _dots(fig)["hovertemplate"]
