"""A contributor accepts a report (a record is published through validate, diff and publish, and the version's
changes name the report), or rejects it; who did what is in the audit log; contacts go when a report closes."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest
from reports_support import DATASET

from dashboard import store
from dashboard.reports import DraftInvalid, NewEncounter, ReportError

pytestmark = pytest.mark.xdist_group("reports")


def encounter(**changes) -> NewEncounter:
    base = NewEncounter(
        date_from=date(2025, 6, 1),
        date_to=date(2025, 6, 3),
        city="Minneapolis",
        state="MN",
        what_happened="<script>alert(1)</script> Agents boxed in a car and drew guns.",
        force_seen=["weapon displayed", "vehicle boxing/ramming"],
        links=["https://example.org/video/1"],
        contact="witness@example.org",
    )
    return dataclasses.replace(base, **changes)


def changes_of(root, version: int) -> pd.DataFrame:
    return pd.read_parquet(store.version_dir(root, DATASET, version) / "changes.parquet")


def record(root, encounter_id: str) -> pd.Series:
    records = store.load_records(root, DATASET)
    return records.set_index("encounter_id").loc[encounter_id]


def test_accepting_a_new_encounter_publishes_a_reported_record_naming_the_report(reports, data_dir):
    ref = reports.file_new(encounter(), client="c")
    done = reports.accept(ref, "ana", data_dir, DATASET)
    assert (done.dataset, done.version, done.fields) == (DATASET, 2, ("added",))
    assert store.current_version(data_dir, DATASET) == 2
    rec = record(data_dir, done.encounter_id)
    assert rec["verification"] == "reported"
    assert rec["summary"] == "<script>alert(1)</script> Agents boxed in a car and drew guns."  # text, as given
    assert rec["sources"] == "https://example.org/video/1"
    assert (rec["city"], rec["state"], rec["date"]) == ("Minneapolis", "MN", pd.Timestamp("2025-06-01"))
    assert rec["date_precision"] == "week"  # 1 to 3 June
    assert rec["force_level"] == "weapon displayed"  # derived, as for any published record
    assert rec["agencies"] == "unknown federal"  # the report named none
    # the version's changes say why the record came: the UI's record history reads this
    changes = changes_of(data_dir, 2)
    assert changes.to_dict("records") == [
        {"encounter_id": done.encounter_id, "change": "added", "fields": "", "reason": f"report {ref}"}
    ]
    # the three published records are untouched
    assert len(store.load_records(data_dir, DATASET)) == 4
    audit = store.read_audit(data_dir, DATASET)[-1]
    assert (audit["action"], audit["published_by"], audit["report"], audit["result"]) == (
        "accept report",
        "ana",
        ref,
        "published",
    )
    report = reports.get(ref)
    assert (report.status, report.dataset, report.encounter_id, report.published_version) == (
        "accepted",
        DATASET,
        done.encounter_id,
        2,
    )
    assert [(e.who, e.action) for e in report.history] == [("visitor", "filed"), ("ana", "accepted")]
    assert report.resolution == f"{DATASET} / {done.encounter_id} (version 2)"


def test_accepting_or_rejecting_deletes_the_contact(reports, data_dir):
    a = reports.file_new(encounter(), client="c")
    b = reports.file_new(encounter(), client="c")
    reports.accept(a, "ana", data_dir, DATASET)
    reports.reject(b, "ana", "Duplicate of an existing record.")
    for ref in (a, b):
        assert reports.contact(ref, "ana") is None
        assert not reports.get(ref).has_contact


def test_a_draft_that_fails_validation_publishes_nothing_and_says_what_to_set(reports, data_dir):
    ref = reports.file_new(encounter(links=[]), client="c")  # no source: a record needs one
    with pytest.raises(DraftInvalid) as invalid:
        reports.accept(ref, "ana", data_dir, DATASET)
    assert [p[0] for p in invalid.value.problems] == ["sources"]
    assert "sources" in str(invalid.value)
    assert store.current_version(data_dir, DATASET) == 1
    assert reports.get(ref).status == "new"  # still open, and not left claimed:
    done = reports.accept(ref, "ana", data_dir, DATASET, overrides={"sources": "https://example.org/found-one"})
    assert record(data_dir, done.encounter_id)["sources"] == "https://example.org/found-one"


def test_the_contributor_can_set_any_column_and_sees_the_draft_first(reports, data_dir):
    ref = reports.file_new(encounter(), client="c")
    draft = reports.draft(ref, data_dir, DATASET, {"encounter_type": "vehicle stop", "summary": "Our own words."})
    assert draft.problems == ()
    assert draft.row["encounter_type"] == "vehicle stop"
    bad = reports.draft(ref, data_dir, DATASET, {"encounter_type": "picnic"})
    assert [p[0] for p in bad.problems] == ["encounter_type"]
    with pytest.raises(ReportError):
        reports.accept(ref, "ana", data_dir, DATASET, overrides={"force_level": "death"})  # derived: never typed
    done = reports.accept(ref, "ana", data_dir, DATASET, overrides={"encounter_type": "vehicle stop"})
    assert record(data_dir, done.encounter_id)["encounter_type"] == "vehicle stop"


def test_accepting_a_correction_edits_the_field_and_names_the_report(reports, data_dir):
    before = record(data_dir, "T-2")
    ref = reports.file_correction(DATASET, "T-2", "date", "It was the 13th.", "https://example.org/fix", "me@x", "c")
    with pytest.raises(ReportError, match="--set date="):
        reports.accept(ref, "bo", data_dir)  # the corrected value is the contributor's to give
    done = reports.accept(ref, "bo", data_dir, overrides={"date": "2025-09-13"})
    assert (done.encounter_id, done.version) == ("T-2", 2)
    after = record(data_dir, "T-2")
    assert after["date"] == pd.Timestamp("2025-09-13") != before["date"]
    assert after["sources"] == before["sources"] + " | https://example.org/fix"  # the correction's source joins
    assert after["city"] == before["city"]
    assert "date" in done.fields
    changes = changes_of(data_dir, 2)
    assert list(changes["encounter_id"]) == ["T-2"]
    assert changes.loc[0, "reason"] == f"report {ref}"
    assert "date" in changes.loc[0, "fields"].split(", ")
    # no other record moved
    others = store.load_records(data_dir, DATASET, 1).query("encounter_id != 'T-2'").reset_index(drop=True)
    now = store.load_records(data_dir, DATASET, 2).query("encounter_id != 'T-2'").reset_index(drop=True)
    pd.testing.assert_frame_equal(others, now)
    assert store.read_audit(data_dir, DATASET)[-1]["action"] == "accept correction"
    assert reports.contact(ref, "bo") is None


def test_history_shows_a_report_then_its_correction(reports, data_dir):
    new = reports.file_new(encounter(), client="c")
    added = reports.accept(new, "ana", data_dir, DATASET)
    fix = reports.file_correction(
        DATASET, added.encounter_id, "city", "It was St. Paul.", "https://example.org/b", "", "c"
    )
    reports.accept(fix, "bo", data_dir, overrides={"city": "St. Paul"})
    reasons = [changes_of(data_dir, v).set_index("encounter_id").loc[added.encounter_id] for v in (2, 3)]
    assert [(c["change"], c["reason"]) for c in reasons] == [("added", f"report {new}"), ("changed", f"report {fix}")]
    assert "city" in reasons[1]["fields"]


def test_rejecting_keeps_the_reason_and_publishes_nothing(reports, data_dir):
    ref = reports.file_correction(DATASET, "T-1", "city", "wrong city", "https://example.org/s", "", "c")
    reports.start_review(ref, "ana")
    report = reports.reject(ref, "ana", "The source says Minneapolis too.")
    assert (report.status, report.rejection_reason, report.resolution) == (
        "rejected",
        "The source says Minneapolis too.",
        "The source says Minneapolis too.",
    )
    assert [(e.who, e.action) for e in report.history] == [
        ("visitor", "filed"),
        ("ana", "in_review"),
        ("ana", "rejected"),
    ]
    assert store.current_version(data_dir, DATASET) == 1
    audit = store.read_audit(data_dir, DATASET)[-1]
    assert (audit["action"], audit["report"], audit["who"]) == ("reject report", ref, "ana")
    with pytest.raises(ReportError, match="reason"):
        reports.reject(reports.file_new(encounter(), client="c"), "ana", " ")


def test_a_closed_report_cannot_be_accepted_or_rejected_again(reports, data_dir):
    ref = reports.file_new(encounter(), client="c")
    reports.accept(ref, "ana", data_dir, DATASET)
    for action in (
        lambda: reports.accept(ref, "bo", data_dir, DATASET),
        lambda: reports.reject(ref, "bo", "late"),
        lambda: reports.start_review(ref, "bo"),
    ):
        with pytest.raises(ReportError, match="already accepted"):
            action()
    assert store.current_version(data_dir, DATASET) == 2  # published once


def test_unknown_references_and_datasets_are_refused_plainly(reports, data_dir):
    for ref in ("R-999999", "bogus", ""):
        with pytest.raises(ReportError, match="no report"):
            reports.get(ref)
    ref = reports.file_new(encounter(), client="c")
    with pytest.raises(ReportError, match="which dataset"):
        reports.accept(ref, "ana", data_dir)
    with pytest.raises(ReportError, match="no published version"):
        reports.accept(ref, "ana", data_dir, "no-such-dataset")
    assert reports.get(ref).status == "new"


def test_a_report_is_never_published_into_a_demonstration_dataset(reports, data_dir):
    ref = reports.file_new(encounter(), client="c")
    store.write_metadata(data_dir, DATASET, {**store.read_metadata(data_dir, DATASET), "demonstration": True})
    with pytest.raises(ReportError, match="fictional"):
        reports.accept(ref, "ana", data_dir, DATASET)  # a real report would pass for a fictional one
    assert store.current_version(data_dir, DATASET) == 1
    assert reports.get(ref).status == "new"


def test_a_deleted_contact_is_gone_from_the_sqlite_file_too(reports, data_dir, database):
    if database != "sqlite":
        pytest.skip("a file on disk: SQLite only (PostgreSQL's autovacuum reclaims deleted rows)")
    ref = reports.file_new(encounter(contact="unique-witness-7731@example.org"), client="c")
    assert b"unique-witness-7731" in (data_dir / "reports.sqlite3").read_bytes()
    reports.reject(ref, "ana", "Not an encounter with federal agents.")
    reports.close()
    assert b"unique-witness-7731" not in (data_dir / "reports.sqlite3").read_bytes()


def test_a_correction_that_would_change_nothing_publishes_no_empty_version(reports, data_dir):
    ref = reports.file_correction(DATASET, "T-1", "city", "wrong", "https://example.org/test/1", "", "c")
    # the source is already the record's, and the value given is the one published
    with pytest.raises(ReportError, match="would change nothing"):
        reports.accept(ref, "ana", data_dir, overrides={"city": "Minneapolis", "last_updated": "2025-06-20"})
    assert store.current_version(data_dir, DATASET) == 1
    assert reports.get(ref).status == "new"


def test_a_correction_may_move_another_records_duplicate_flag(reports, data_dir):
    # T-1 corrected to T-3's day: the two now look like one encounter, so publishing flags T-3 (the later
    # record) as a possible duplicate of T-1. That follows from the correction and must not block it.
    ref = reports.file_correction(DATASET, "T-1", "date", "It was 1 October.", "https://example.org/fix", "", "c")
    done = reports.accept(ref, "bo", data_dir, overrides={"date": "2025-10-01"})
    flagged = store.load_records(data_dir, DATASET).set_index("encounter_id")["possible_duplicate_of"].fillna("")
    assert (flagged["T-1"], flagged["T-3"]) in {("T-3", ""), ("", "T-1")}
    changes = changes_of(data_dir, done.version).set_index("encounter_id")
    assert changes.loc["T-1", "reason"] == f"report {ref}"
    assert "T-2" not in changes.index  # only the corrected record and the one whose flag followed it
