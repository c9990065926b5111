"""The Explore page under AppTest: filters from the URL, figures and table checked against pandas.

Expected numbers are computed here from the published parquet with plain pandas string operations,
independently of dashboard.explore.filters.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from explore.expected import expected_records, newest_first_ids
from support import page_app

from dashboard import store


@pytest.fixture(scope="module")
def published(demo_root) -> pd.DataFrame:
    return store.load_records(demo_root, "demo")


def records_table(at) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if {"id", "place", "date"} <= set(d.value.columns)]
    assert len(tables) == 1
    return tables[0]


def encounters(at) -> str:
    metric = at.metric[0]
    assert metric.label == "Encounters"
    return metric.value


CASES = [
    pytest.param({"state": "MN"}, {"state": ["MN"]}, id="one-state"),
    pytest.param({"state": ["MN", "IL"]}, {"state": ["MN", "IL"]}, id="repeated-parameters"),
    pytest.param({"state": "MN,IL"}, {"state": ["MN", "IL"]}, id="comma-separated"),
    pytest.param(
        {"state": "MN", "group": "protester,journalist/observer"},
        {"state": ["MN"], "group": ["protester", "journalist/observer"]},
        id="state-and-groups",
    ),
    pytest.param(
        {"force": ["weapon displayed", "taser"], "min_force": "chemical agent"},
        {"force": ["weapon displayed", "taser"], "min_force": "chemical agent"},
        id="force-and-minimum",
    ),
    pytest.param({"from": "2025-03-01", "to": "2025-08-31"}, {"from": "2025-03-01", "to": "2025-08-31"}, id="dates"),
    pytest.param(
        {"agency": "ICE ERO", "type": "home raid,vehicle stop", "verification": "documented"},
        {"agency": ["ICE ERO"], "type": ["home raid", "vehicle stop"], "verification": ["documented"]},
        id="agency-type-verification",
    ),
]


@pytest.mark.parametrize(("query", "wanted"), CASES)
def test_url_filters_give_the_pandas_count_and_table(app_env, published, query, wanted):
    at = page_app("explore", **query).run()
    assert not at.exception, at.exception
    expected = expected_records(published, **wanted)
    assert len(expected) > 0  # the case means something
    assert encounters(at) == f"{len(expected):,}"
    table = records_table(at)
    assert table["id"].tolist() == newest_first_ids(expected)
    assert any(c.value.startswith(f"Records 1–{min(50, len(expected))} of {len(expected):,}") for c in at.caption)
    assert not at.info  # every value in these URLs is known: no note


def test_unknown_value_is_ignored_with_a_visible_note(app_env, published):
    at = page_app("explore", state="MN,ZZ", group="protester,martians").run()
    assert not at.exception
    notes = " ".join(i.value for i in at.info)
    assert 'state \\"ZZ\\"' in notes or "ZZ" in notes
    assert "martians" in notes
    assert encounters(at) == f"{len(expected_records(published, state=['MN'], group=['protester'])):,}"


def test_a_50_kb_link_of_unknown_cities_shows_a_few_notes(app_env, published):
    """Issue 14: such a link made 8,520 notes and a 9 MB page."""
    at = page_app("explore", city=",".join(f"Nowhere{i}" for i in range(8_000))).run()
    assert not at.exception
    links = [i.value for i in at.info if "Nowhere" in i.value or "about this link" in i.value]
    assert len(links) == 11 and "more notes about this link" in links[-1]
    assert encounters(at) == f"{len(published):,}"  # every unknown city ignored: the whole dataset


def test_url_text_in_a_note_cannot_become_markdown(app_env):
    at = page_app("explore", group="![x](https://tracker.example/pixel.png)").run()
    assert not at.exception
    note = " ".join(i.value for i in at.info)
    assert "tracker" in note and "![x](" not in note  # escaped: shown as text, never fetched as an image


def test_changing_a_filter_updates_the_figures_and_the_url(app_env, published):
    at = page_app("explore", state="MN").run()
    at.multiselect(key="f_states").set_value(["IL", "TX"]).run()
    assert not at.exception
    assert encounters(at) == f"{len(expected_records(published, state=['IL', 'TX'])):,}"
    assert at.query_params["state"] == ["IL", "TX"]
    at.selectbox(key="f_min_force").set_value("weapon displayed").run()
    expected = expected_records(published, state=["IL", "TX"], min_force="weapon displayed")
    assert encounters(at) == f"{len(expected):,}"
    assert records_table(at)["id"].tolist() == newest_first_ids(expected)
    assert at.query_params["min_force"] in ("weapon displayed", ["weapon displayed"])


def test_second_page_of_records(app_env, published):
    at = page_app("explore", state="MN").run()
    at.get("pagination")[0].set_value(2).run()
    assert not at.exception
    expected = newest_first_ids(expected_records(published, state=["MN"]), 100)[50:]
    assert records_table(at)["id"].tolist() == expected


def test_a_filter_change_goes_back_to_the_first_page(app_env, published):
    at = page_app("explore", state="MN").run()
    at.get("pagination")[0].set_value(3).run()
    at.multiselect(key="f_states").set_value(["MN", "IL"]).run()
    assert not at.exception
    assert records_table(at)["id"].tolist() == newest_first_ids(expected_records(published, state=["MN", "IL"]))


def test_permalink_opens_the_record_with_plain_text(app_env, published):
    rec = published.iloc[10]
    at = page_app("explore", record=str(rec["encounter_id"])).run()
    assert not at.exception
    texts = [t.value for t in at.text]
    assert str(rec["encounter_id"]) in texts
    assert str(rec["summary"]) in texts  # st.text: never Markdown or HTML
    for source in str(rec["sources"]).split(" | "):
        assert source.strip() in texts
    assert any(b.url == str(rec["sources"]).split(" | ")[0] for b in at.get("link_button"))
    assert any(f"record={rec['encounter_id']}" in c.value for c in at.code)


def test_unknown_record_says_so(app_env):
    at = page_app("explore", record="NOPE-1").run()
    assert not at.exception
    assert any("NOPE" in w.value for w in at.warning)


def test_demo_banner_and_charts_with_their_sentences(app_env):
    at = page_app("explore").run()
    assert not at.exception
    assert "Demonstration data" in at.warning[0].value
    charts = at.get("plotly_chart")
    assert len(charts) == 6  # map, timeline, four breakdowns
    spec = json.loads(charts[0].proto.spec)
    assert {t["type"] for t in spec["data"]} == {"scatter"}  # SVG, no WebGL, no tiles
    assert len(charts[0].proto.spec) < 1_500_000
    captions = " ".join(c.value for c in at.caption)
    fragments = ("The map shows", "busiest month was", "most frequent targeted group", "most frequent agency")
    for fragment in (*fragments, "most frequent place type"):
        assert fragment in captions.replace("\\", "")
    labels = [e.label for e in at.expander]
    assert "Map numbers as a table" in labels and "Timeline numbers as a table" in labels


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        pytest.param({"map": "state"}, "Minnesota has the most records", id="states"),
        pytest.param({"map": "county"}, "Hennepin County, MN has the most records", id="counties"),
        pytest.param({"map": "district", "state": "IL"}, "Chicago Ward", id="districts"),
        pytest.param({"period": "week"}, "busiest week was the week of", id="weekly"),
    ],
)
def test_map_and_timeline_views_come_from_the_url(app_env, query, fragment):
    at = page_app("explore", **query).run()
    assert not at.exception
    assert fragment in " ".join(c.value for c in at.caption).replace("\\", "")
    for key, value in query.items():
        assert at.query_params[key] in (value, [value])  # kept in the URL, so the view can be shared


def test_filters_in_the_sidebar_popovers_filter_and_say_how_many_are_chosen(app_env, published):
    """County, city, district and force, agency, type, verification sit in two popovers: choosing in
    them filters like any other widget, and the closed popover tells how many values it holds."""
    at = page_app("explore").run()
    assert not [c.value for c in at.sidebar.caption if "chosen" in c.value]
    at.multiselect(key="f_agencies").set_value(["Border Patrol"]).run()
    at.multiselect(key="f_verification").set_value(["corroborated", "documented"]).run()
    assert not at.exception
    expected = expected_records(published, agency=["Border Patrol"], verification=["corroborated", "documented"])
    assert encounters(at) == f"{len(expected):,}"
    assert [c.value for c in at.sidebar.caption if "chosen" in c.value] == ["3 chosen"]
    assert at.query_params["agency"] in ("Border Patrol", ["Border Patrol"])


def test_a_new_visitor_gets_the_map_as_a_picture_first_then_the_whole_page(app_env, published):
    """The first run sends headline figures and a still map only (a browser draws it before plotly.js
    has loaded); the picture's script then presses the hidden charts button, which sends the rest."""
    at = page_app("explore", browser=False, state="MN").run()
    assert not at.exception
    assert encounters(at) == f"{len(expected_records(published, state=['MN'])):,}"
    assert not at.get("plotly_chart") and not at.dataframe  # no chart or table code to wait for
    still = [h.proto.body for h in at.get("html") if "map-preview" in h.proto.body]
    assert len(still) == 1 and "data:image/svg+xml;base64," in still[0]
    assert "<script>" in still[0] and ".st-key-x_charts button" in still[0]  # it presses the button
    assert at.button(key="x_charts")

    at.button(key="x_charts").click().run()  # what the picture's script does once it is on screen
    assert len(at.get("plotly_chart")) == 6
    assert len(records_table(at)) > 0
    still = [h.proto.body for h in at.get("html") if "map-preview" in h.proto.body]
    assert len(still) == 1 and "<script>" not in still[0]  # kept until the interactive map has drawn
    assert not [b for b in at.button if b.key == "x_charts"]

    at.multiselect(key="f_states").set_value(["MN", "IL"]).run()  # any later run: no picture
    assert not [h for h in at.get("html") if "map-preview" in h.proto.body]
    assert len(at.get("plotly_chart")) == 6
