"""The curated dataset of reported encounters as a visitor meets it: the default at `/`, no
demonstration banner, the compilation note, and the operation and place filters checked against pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from briefing.briefing_support import SENSITIVE
from explore.expected import expected_records, newest_first_ids
from support import new_app, page_app

from dashboard import store

NAME = "reported-2025-2026"


@pytest.fixture(scope="module")
def published(reported_root) -> pd.DataFrame:
    return store.load_records(reported_root, NAME)


def encounters(at) -> str:
    assert at.metric[0].label == "Encounters"
    return at.metric[0].value


def records_ids(at) -> list[str]:
    tables = [d.value for d in at.dataframe if {"id", "place", "date"} <= set(d.value.columns)]
    assert len(tables) == 1
    return tables[0]["id"].tolist()


def test_publishing_it_quarantines_nothing(reported_root, published):
    manifest = store.read_manifest(reported_root, NAME, store.current_version(reported_root, NAME))
    assert manifest["rows_quarantined"] == 0
    assert manifest["rows_published"] == manifest["rows_in"] == len(published)


def test_the_front_page_shows_it_without_the_demonstration_banner(reported_env, published):
    at = new_app().run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="dataset_choice").value == NAME
    assert encounters(at) == f"{len(published):,}"
    assert not [w for w in at.warning if "Demonstration data" in w.value]
    assert any("compilation of reported encounters" in c.value for c in at.caption)


def test_the_demo_is_still_one_link_away_with_its_banner(app_env, reported_root, monkeypatch):
    at = new_app(dataset="demo").run()
    assert not at.exception
    assert any("Demonstration data" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "query, wanted",
    [
        pytest.param({"operation": "Operation Metro Surge"}, {"operation": ["Operation Metro Surge"]}, id="one"),
        pytest.param(
            {"operation": ["Operation Midway Blitz", "Operation Charlotte's Web"]},
            {"operation": ["Operation Midway Blitz", "Operation Charlotte's Web"]},
            id="two",
        ),
        pytest.param(
            {"operation": "Operation Midway Blitz", "force": "chemical agent"},
            {"operation": ["Operation Midway Blitz"], "force": ["chemical agent"]},
            id="with-force",
        ),
        pytest.param({"place": "school or school bus stop"}, {"place": ["school or school bus stop"]}, id="place"),
    ],
)
def test_operation_and_place_in_the_url_filter_as_pandas_does(reported_env, published, query, wanted):
    at = page_app("explore", **query).run()
    assert not at.exception, at.exception
    expected = expected_records(published, **wanted)
    assert len(expected) > 0
    assert encounters(at) == f"{len(expected):,}"
    assert records_ids(at) == newest_first_ids(expected)
    assert not at.info


def test_choosing_an_operation_in_the_sidebar_filters_and_updates_the_link(reported_env, published):
    at = page_app("explore").run()
    at.multiselect(key="f_operations").set_value(["Operation Metro Surge"]).run()
    assert not at.exception
    expected = expected_records(published, operation=["Operation Metro Surge"])
    assert encounters(at) == f"{len(expected):,}"
    assert at.query_params["operation"] in ("Operation Metro Surge", ["Operation Metro Surge"])


def test_the_timeline_marks_the_start_of_each_operation_shown(reported_env, published):
    at = page_app("explore", operation=["Operation Midway Blitz", "Operation Metro Surge"]).run()
    assert not at.exception
    timeline = next(c for c in at.get("plotly_chart") if '"barmode":"stack"' in c.proto.spec.replace(" ", ""))
    spec = timeline.proto.spec
    assert "Midway Blitz" in spec and "Metro Surge" in spec
    sentence = " ".join(c.value for c in at.caption)
    assert "Dotted lines mark the start of named operations" in sentence


@pytest.mark.parametrize("query", [{}, {"state": "MN"}, {"operation": "Operation Midway Blitz"}], ids=str)
def test_sensitive_places_and_us_citizens_figures_equal_pandas(reported_env, published, query):
    at = page_app("explore", **query).run()
    assert not at.exception
    rows = expected_records(published, **{k: [v] for k, v in query.items()})
    places = rows["place_type"].astype(str)
    sensitive = int(places.isin(SENSITIVE).sum())
    citizens = int(
        rows["targeted_groups"].astype(str).str.split(";").apply(lambda g: "US citizen" in map(str.strip, g)).sum()
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["At sensitive places"] == f"{sensitive:,} ({sensitive / (places != '').sum():.0%})"
    assert metrics["Involving US citizens"] == f"{citizens:,} ({citizens / len(rows):.0%})"
