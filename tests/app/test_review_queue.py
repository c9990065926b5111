"""Contribute's review queue in AppTest: a signed-in contributor opens a visitor's report, reads the
contact, accepts it into a dataset (a new record with its history), or rejects it with a reason; a
correction changes the one field of its record. Each test has its own copy of the curated dataset (a report
never goes into the fictional demonstration data).
"""

from __future__ import annotations

from datetime import date

import pytest
from support import page_app, sign_in, writable_copy

from dashboard import auth, store
from dashboard.explore.record_history import record_history
from dashboard.reports import NewEncounter, open_reports

PASSWORD = "correct horse battery"
CONTRIBUTORS = {"alice": {"name": "Alice Example", "password_hash": auth.hash_password(PASSWORD, n=2**10)}}
DATASET, RECORD = "reported-2025-2026", "FEE-CHI-002"  # a Chicago record
SCRIPT = "<script>alert(1)</script> agents blocked the street <img src=x onerror=alert(1)>"


@pytest.fixture
def root(reported_root, tmp_path, monkeypatch):
    copy = writable_copy(reported_root, tmp_path, monkeypatch)
    monkeypatch.setenv("ENCOUNTERS_DATABASE_URL", f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    return copy


@pytest.fixture
def queue(root):
    reports = open_reports(root)
    yield reports
    reports.close()


def signed_in():
    at = page_app("contribute", browser=False)
    at.secrets["contributors"] = CONTRIBUTORS
    at.run()
    sign_in(at, "alice", PASSWORD)
    assert at.title[0].value == "Contribute"
    return at


def click(at, key):
    at.button(key=key).click()
    return at.run()


def test_accepting_a_report_publishes_a_record_with_its_history(root, queue):
    new = NewEncounter(date(2025, 6, 2), city="Minneapolis", state="MN", what_happened=SCRIPT, contact="me@example.org")
    new.links = ["https://example.org/video/1"]
    ref = queue.file_new(new, client="c1")
    at = signed_in()
    assert not at.exception
    assert any(ref in str(df.value.values) for df in at.dataframe)  # listed
    assert any(t.value == SCRIPT for t in at.text)  # what the visitor wrote, as text
    at = click(at, "contribute_rq_show_contact")
    assert any(t.value == "Contact (never public): me@example.org" for t in at.text)
    at = click(at, "contribute_rq_start")
    assert queue.get(ref).status == "in_review"
    at.selectbox(key="contribute_rq_dataset").set_value(DATASET)
    at.run()
    assert not at.button(key="contribute_rq_accept").disabled
    at = click(at, "contribute_rq_accept")
    assert not at.exception
    flash = at.success[0].value.replace("\\", "")  # escaped: shown as its literal characters
    assert (
        flash == f"Accepted R-000001: published as version 2 of {DATASET} (record R-000001). Every page shows it now."
    )
    assert queue.get(ref).status == "accepted" and queue.contact(ref, who="alice") is None  # contact deleted
    record = store.load_records(root, DATASET).set_index("encounter_id").loc[ref]
    assert (record["summary"], record["verification"]) == (SCRIPT, "reported")
    h = record_history(root, DATASET, ref)
    assert [(e["version"], e["change"], e["reason"]) for e in h] == [(2, "added", f"report {ref}")]


def test_a_point_on_the_map_is_shown_and_becomes_the_records_place(root, queue):
    new = NewEncounter(date(2025, 6, 2), city="Minneapolis", state="MN", what_happened="Agents stopped a van.")
    new.latitude, new.longitude, new.links = 44.97395, -93.29416, ["https://example.org/video/2"]
    ref = queue.file_new(new, client="c1")
    at = signed_in()
    assert any(
        t.value.endswith("Where: Minneapolis, MN (point 44.97395, -93.29416, rounded to about 500 m)") for t in at.text
    )
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and "44.97395" in charts[0].proto.spec  # the point, on a map of its place
    at = click(at, "contribute_rq_start")
    at.selectbox(key="contribute_rq_dataset").set_value(DATASET)
    at = click(at.run(), "contribute_rq_accept")
    assert not at.exception
    record = store.load_records(root, DATASET).set_index("encounter_id").loc[ref]
    assert (record["latitude"], record["longitude"]) == (44.97395, -93.29416)
    assert record["location_precision"] == "city"  # rounded to 500 m: coarser than a block
    assert record["county_fips"] == "27053"  # Hennepin County, from the point


def test_an_invalid_correction_shows_its_problems_and_publishes_nothing(root, queue):
    ref = queue.file_correction(DATASET, RECORD, "state", "Wrong state.", "https://example.org/n/2", "", "c1")
    at = signed_in()
    at.text_input(key=f"contribute_rq_value_{ref}").input("ZZ")
    at.run()
    assert not at.exception
    assert any("would not pass validation" in w.value for w in at.warning)
    problems = next(df.value for df in at.dataframe if "problem" in df.value.columns)
    assert list(problems["column"]) == ["state"] and list(problems["value"]) == ["ZZ"]
    assert at.button(key="contribute_rq_accept").disabled
    assert store.current_version(root, DATASET) == 1 and queue.get(ref).status == "new"


def test_rejecting_needs_a_reason_and_keeps_it(root, queue):
    ref = queue.file_new(NewEncounter(date(2025, 6, 2), state="MN", what_happened="seen"), client="c1")
    at = signed_in()
    assert at.button(key="contribute_rq_reject").disabled
    at.text_area(key=f"contribute_rq_reason_{ref}").input("No source describes it.")
    at.run()
    at = click(at, "contribute_rq_reject")
    assert queue.get(ref).status == "rejected" and queue.get(ref).rejection_reason == "No source describes it."
    assert store.current_version(root, DATASET) == 1
    at.segmented_control(key="contribute_rq_view").set_value("rejected").run()
    assert any(ref in str(df.value.values) for df in at.dataframe)


def test_a_correction_changes_its_field_and_the_history_says_so(root, queue):
    ref = queue.file_correction(
        DATASET, RECORD, "people_affected", "Seventeen people were held.", "https://example.org/n/1", "", client="c1"
    )
    at = signed_in()
    at.text_input(key=f"contribute_rq_value_{ref}").input("17")
    at.run()
    at = click(at, "contribute_rq_accept")
    assert not at.exception, at.exception
    record = store.load_records(root, DATASET).set_index("encounter_id").loc[RECORD]
    assert record["people_affected"] == 17 and "https://example.org/n/1" in record["sources"]
    last = record_history(root, DATASET, RECORD)[-1]
    assert (last["version"], last["change"], last["reason"]) == (2, "changed", f"report {ref}")
    assert "people_affected" in last["fields"]
