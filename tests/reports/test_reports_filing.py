"""A visitor files a report of an encounter or of a correction; what is refused, and why; the contact kept apart."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from dashboard.reports import NewEncounter, Report, ReportRefused, load_rules, place_grid

pytestmark = pytest.mark.xdist_group("reports")

HOSTILE = "<script>alert(1)</script> agents <img src=x onerror=alert(2)> =cmd|' /C calc'!A0"


def encounter(**changes) -> NewEncounter:
    base = NewEncounter(
        date_from=date(2025, 6, 1),
        date_to=date(2025, 6, 3),
        city="Minneapolis",
        state="MN",
        what_happened=HOSTILE,
        force_seen=["weapon displayed", "physical restraint"],
        agencies=["ICE ERO"],
        links=["https://example.org/video/1", "http://example.net/story?id=2"],
        contact="witness@example.org",
    )
    return dataclasses.replace(base, **changes)


def test_a_new_encounter_is_stored_as_given_with_a_reference(reports):
    ref = reports.file_new(encounter(), client="visitor-1")
    assert ref == "R-000001"
    report = reports.get(ref)
    assert (report.kind, report.status) == ("new", "new")
    assert report.what_happened == HOSTILE  # stored as typed, never escaped, stripped or interpreted
    assert (report.date_from, report.date_to) == (date(2025, 6, 1), date(2025, 6, 3))
    assert (report.city, report.state) == ("Minneapolis", "MN")
    assert report.force_seen == ("weapon displayed", "physical restraint")
    assert report.agencies == ("ICE ERO",)
    assert report.links == ("https://example.org/video/1", "http://example.net/story?id=2")
    assert [(e.who, e.action) for e in report.history] == [("visitor", "filed")]
    assert report.created_at.tzinfo is not None
    assert reports.file_new(encounter(), client="visitor-1") == "R-000002"


def test_a_point_on_the_map_is_enough_as_the_place_and_is_stored_rounded(reports):
    typed = (44.981234, -93.271234)  # a doorstep, to a metre
    ref = reports.file_new(encounter(city="", state="", latitude=typed[0], longitude=typed[1]), client="c")
    report = reports.get(ref)
    stored = (report.latitude, report.longitude)
    assert report.state == ""
    # rounded to the 500 m grid (reports.yaml): near the typed point, never the doorstep itself
    assert 1 < place_grid.distance_m(*typed, *stored) <= 0.71 * 500
    assert place_grid.snap(*stored, 500) == stored
    # a point already on the grid (picked on the Report page's map) is stored exactly as picked
    ref = reports.file_new(encounter(city="", state="", latitude=stored[0], longitude=stored[1]), client="c")
    assert (reports.get(ref).latitude, reports.get(ref).longitude) == stored


def test_a_correction_names_its_record_field_and_source(reports):
    ref = reports.file_correction(
        "reported", "T-2", "date", "The raid was on the 13th, not the 12th.", "https://example.org/fix", "", "c"
    )
    report = reports.get(ref)
    assert (report.kind, report.dataset, report.encounter_id, report.field) == ("correction", "reported", "T-2", "date")
    assert report.what_is_wrong == "The raid was on the 13th, not the 12th."
    assert report.source_url == "https://example.org/fix"
    assert not report.has_contact


def test_the_contact_is_kept_apart_and_only_given_to_a_named_contributor(reports):
    ref = reports.file_new(encounter(), client="c")
    report = reports.get(ref)
    assert report.has_contact
    assert "witness@example.org" not in repr(report)  # not on the report: a page that shows a report cannot leak it
    assert not any(f.name == "contact" for f in dataclasses.fields(Report))
    assert reports.contact(ref, who="ana") == "witness@example.org"
    assert [(e.who, e.action) for e in reports.get(ref).history][-1] == ("ana", "contact_read")
    with pytest.raises(ValueError):
        reports.contact(ref, who="")  # a reading is always someone's


LONG = "x" * 2001
TODAY = date.today()


@pytest.mark.parametrize(
    "changes, reason",
    [
        pytest.param({"what_happened": "  "}, "required", id="nothing-said"),
        pytest.param({"date_from": None}, "required", id="no-date"),
        pytest.param({"what_happened": LONG}, "too_long", id="text-too-long"),
        pytest.param({"city": "c" * 121}, "too_long", id="city-too-long"),
        pytest.param({"contact": "c" * 301}, "too_long", id="contact-too-long"),
        pytest.param({"links": ["javascript:alert(1)"]}, "link_scheme", id="javascript-link"),
        pytest.param({"links": ["ftp://example.org/x"]}, "link_scheme", id="ftp-link"),
        pytest.param({"links": ["example.org/x"]}, "link_scheme", id="no-scheme"),
        pytest.param({"links": ["https://exa mple.org"]}, "link_invalid", id="space-in-link"),
        pytest.param({"links": ['https://example.org/"><script>']}, "link_invalid", id="quote-in-link"),
        pytest.param({"links": ["https://"]}, "link_invalid", id="no-host"),
        pytest.param({"links": ["https://example.org/" + "a" * 500]}, "too_long", id="link-too-long"),
        pytest.param({"links": [f"https://example.org/{i}" for i in range(11)]}, "too_many", id="too-many-links"),
        pytest.param({"force_seen": ["tickled"]}, "unknown_value", id="unknown-force"),
        pytest.param({"agencies": ["ICE"]}, "unknown_value", id="unknown-agency"),
        pytest.param({"state": "ZZ"}, "unknown_state", id="unknown-state"),
        pytest.param({"city": "", "state": ""}, "no_place", id="no-place"),
        pytest.param({"latitude": 44.9}, "bad_point", id="half-a-point"),
        pytest.param({"latitude": 95.0, "longitude": 10.0}, "bad_point", id="point-off-the-globe"),
        pytest.param({"date_from": TODAY + timedelta(days=2), "date_to": None}, "future_date", id="future"),
        pytest.param({"date_from": date(2025, 6, 3), "date_to": date(2025, 6, 1)}, "date_order", id="range-backwards"),
        pytest.param({"date_from": date(2024, 12, 1), "date_to": date(2025, 1, 5)}, "date_span", id="range-over-years"),
        pytest.param({"date_from": "14/06/2025"}, "bad_date", id="date-not-iso"),
        pytest.param({"what_happened": "a\x00b"}, "bad_character", id="null-character"),
        pytest.param({"contact": "x\ud800"}, "bad_character", id="lone-surrogate"),
        pytest.param({"honeypot": "http://spam.example"}, "honeypot", id="bot-filled-hidden-field"),
    ],
)
def test_a_report_that_breaks_a_rule_is_refused_with_a_message_and_not_stored(reports, changes, reason):
    with pytest.raises(ReportRefused) as refused:
        reports.file_new(encounter(**changes), client="c")
    assert refused.value.reason == reason
    assert refused.value.message("en") == str(refused.value)
    spanish = refused.value.message("es")  # the key translates it, the field's name too
    assert spanish != str(refused.value) and "{" not in spanish and "_" not in spanish.replace("R-", "")
    assert reports.list() == []
    assert reports.counts()["received"] == 0


def test_dates_may_come_as_text_or_datetimes(reports):
    from datetime import datetime

    ref = reports.file_new(encounter(date_from="2025-06-01", date_to=datetime(2025, 6, 30, 12)), client="c")
    assert (reports.get(ref).date_from, reports.get(ref).date_to) == (date(2025, 6, 1), date(2025, 6, 30))


def test_the_bot_is_refused_politely_without_being_told_why(reports):
    with pytest.raises(ReportRefused) as refused:
        reports.file_new(encounter(honeypot="x"), client="c")
    assert "hidden" not in str(refused.value).lower() and "bot" not in str(refused.value).lower()
    assert str(refused.value) == "Your report could not be sent. Please try again later."


@pytest.mark.parametrize(
    "args, reason",
    [
        pytest.param(
            ("reported", "T-1", "colour", "wrong", "https://example.org/s"), "unknown_field", id="no-such-field"
        ),
        pytest.param(
            ("reported", "T-1", "force_level", "wrong", "https://example.org/s"), "unknown_field", id="derived-field"
        ),
        pytest.param(
            ("reported", "T-1", "encounter_id", "wrong", "https://example.org/s"), "unknown_field", id="the-id"
        ),
        pytest.param(
            ("reported", "T-9", "date", "wrong", "https://example.org/s"), "unknown_record", id="no-such-record"
        ),
        pytest.param(("nope", "T-1", "date", "wrong", "https://example.org/s"), "unknown_record", id="no-such-dataset"),
        pytest.param(("reported", "T-1", "date", "", "https://example.org/s"), "required", id="no-explanation"),
        pytest.param(("reported", "T-1", "date", "wrong", ""), "required", id="no-source"),
        pytest.param(("reported", "T-1", "date", "wrong", "javascript:alert(1)"), "link_scheme", id="script-source"),
        pytest.param(("reported", "T-1", "date", LONG, "https://example.org/s"), "too_long", id="long-explanation"),
    ],
)
def test_a_correction_that_breaks_a_rule_is_refused(reports, args, reason):
    with pytest.raises(ReportRefused) as refused:
        reports.file_correction(*args, contact="", client="c")
    assert refused.value.reason == reason
    assert reports.list() == []


def test_a_refusal_names_the_field_in_words_in_both_languages(reports):
    with pytest.raises(ReportRefused) as refused:
        reports.file_new(encounter(what_happened="x" * 2001), client="c")
    assert refused.value.field == "what_happened"
    assert str(refused.value) == "What happened is 2001 characters long; at most 2000 fit. Please shorten it."
    assert (
        refused.value.message("es")
        == "Lo que ocurrió tiene 2001 caracteres; caben como máximo 2000. Acórtelo, por favor."
    )


def test_every_limit_comes_from_the_rules_file():
    rules = load_rules()
    assert rules.reports_per_window == 20 and rules.window_seconds == 3600
    assert rules.max_length["what_happened"] <= 2000  # it becomes the record's summary (schema: 2000)
    assert set(rules.link_schemes) == {"http", "https"}


def test_counts_say_received_open_accepted_and_rejected(reports, data_dir):
    refs = [reports.file_new(encounter(), client="c") for _ in range(4)]
    reports.start_review(refs[0], "ana")
    reports.reject(refs[1], "ana", "No source could be found.")
    reports.accept(refs[2], "ana", data_dir, "reported")
    assert reports.counts() == {"received": 4, "accepted": 1, "rejected": 1, "open": 2}
    assert [r.ref for r in reports.list("in_review")] == [refs[0]]
    assert [r.ref for r in reports.list("new")] == [refs[3]]
    assert [r.ref for r in reports.list()] == refs  # oldest first: a queue


def test_a_demonstration_record_cannot_be_corrected(reports, data_dir):
    from dashboard import store

    store.write_metadata(data_dir, "reported", {**store.read_metadata(data_dir, "reported"), "demonstration": True})
    with pytest.raises(ReportRefused) as refused:
        reports.file_correction("reported", "T-1", "city", "x", "https://example.org/s", "", "c")
    assert refused.value.reason == "demonstration"


def test_a_page_that_forgets_the_client_key_is_told(reports):
    with pytest.raises(ValueError, match="client"):
        reports.file_new(encounter(), client="")
