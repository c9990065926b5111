"""`encounters reports list|show|review|accept|reject`: the review queue on the command line."""

from __future__ import annotations

from datetime import date

import pytest
from reports_support import DATASET

from dashboard import store
from dashboard.cli import EXIT_INVALID_ROWS, EXIT_OK, EXIT_UNUSABLE, main
from dashboard.reports import NewEncounter

pytestmark = pytest.mark.xdist_group("reports")


def run(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "reports", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def file(reports, **changes) -> str:
    values = dict(
        date_from=date(2025, 6, 1),
        city="Minneapolis",
        state="MN",
        what_happened="Agents \x1b]0;owned\x07 drew guns \x1b[2J here.",
        links=["https://example.org/v"],
        contact="witness@example.org",
    )
    return reports.file_new(NewEncounter(**{**values, **changes}), client="c")


def test_list_shows_the_queue_and_the_counts(capsys, reports, data_dir):
    a, b = file(reports), file(reports, what_happened="second one")
    reports.reject(b, "ana", "no source")
    code, out, _ = run(capsys, data_dir, "list")
    assert code == EXIT_OK
    assert a in out and b in out
    assert "2 received, 1 open, 0 accepted, 1 rejected" in out
    code, out, _ = run(capsys, data_dir, "list", "--status", "rejected")
    assert b in out and a not in out


def test_show_escapes_control_characters_and_hides_the_contact_unless_asked(capsys, reports, data_dir):
    ref = file(reports)
    code, out, _ = run(capsys, data_dir, "show", ref)
    assert code == EXIT_OK
    assert "\x1b" not in out and "\\x1b]0;owned\\x07" in out  # an escape sequence cannot retitle the terminal
    assert "witness@example.org" not in out
    code, out, _ = run(capsys, data_dir, "show", ref, "--with-contact", "--who", "ana")
    assert "contact: witness@example.org" in out
    assert "ana: contact_read" in run(capsys, data_dir, "show", ref)[1]


def test_show_gives_the_point_and_how_it_was_rounded(capsys, reports, data_dir):
    ref = file(reports, latitude=44.981234, longitude=-93.271234)
    stored = reports.get(ref)
    code, out, _ = run(capsys, data_dir, "show", ref)
    assert code == EXIT_OK
    assert f"  where: Minneapolis, MN ({stored.latitude:.5f}, {stored.longitude:.5f}, rounded to about 500 m)" in out
    assert "44.981234" not in out  # what was typed is not kept


def test_accept_publishes_and_says_where(capsys, reports, data_dir):
    ref = file(reports)
    code, out, _ = run(
        capsys, data_dir, "accept", ref, "--dataset", DATASET, "--who", "ana", "--set", "encounter_type=stop"
    )
    assert code == EXIT_OK
    assert f"{ref} accepted: {DATASET} / {ref} added, published as version 2" in out
    records = store.load_records(data_dir, DATASET).set_index("encounter_id")
    assert records.loc[ref, "encounter_type"] == "stop"
    assert store.history(data_dir, DATASET)[-1]["published_by"] == "ana"


def test_accept_of_an_invalid_draft_lists_its_problems_and_publishes_nothing(capsys, reports, data_dir):
    ref = file(reports, links=[])
    code, out, err = run(capsys, data_dir, "accept", ref, "--dataset", DATASET, "--who", "ana")
    assert code == EXIT_INVALID_ROWS
    assert "sources: is empty" in out
    assert "--set" in err
    assert store.current_version(data_dir, DATASET) == 1
    code, *_ = run(
        capsys, data_dir, "accept", ref, "--dataset", DATASET, "--who", "ana", "--set", "sources=https://a.org/1"
    )
    assert code == EXIT_OK


def test_a_correction_is_accepted_with_its_corrected_value(capsys, reports, data_dir):
    ref = reports.file_correction(DATASET, "T-1", "city", "It was St. Paul.", "https://example.org/s", "", "c")
    assert "published now: city = Minneapolis" in run(capsys, data_dir, "show", ref)[1]
    code, _, err = run(capsys, data_dir, "accept", ref, "--who", "bo")
    assert code == EXIT_UNUSABLE and "--set city=" in err
    code, out, _ = run(capsys, data_dir, "accept", ref, "--who", "bo", "--set", "city=St. Paul")
    assert code == EXIT_OK and "T-1 changed (city" in out
    assert store.load_records(data_dir, DATASET).set_index("encounter_id").loc["T-1", "city"] == "St. Paul"


def test_reject_and_review(capsys, reports, data_dir):
    ref = file(reports)
    assert run(capsys, data_dir, "review", ref, "--who", "ana")[0] == EXIT_OK
    assert reports.get(ref).status == "in_review"
    code, out, _ = run(capsys, data_dir, "reject", ref, "--reason", "Could not be confirmed.", "--who", "ana")
    assert code == EXIT_OK and "rejected: Could not be confirmed." in out
    code, _, err = run(capsys, data_dir, "reject", ref, "--reason", "again", "--who", "ana")
    assert code == EXIT_UNUSABLE and "already rejected" in err


def test_unknown_reference_is_a_plain_error(capsys, reports, data_dir):
    code, out, err = run(capsys, data_dir, "show", "R-424242")
    assert code == EXIT_UNUSABLE
    assert 'there is no report "R-424242"' in err and "Traceback" not in err + out


def test_the_data_directory_comes_from_the_environment_too(capsys, reports, data_dir, monkeypatch):
    ref = file(reports)
    monkeypatch.setenv("ENCOUNTERS_DATA_DIR", str(data_dir))
    assert main(["reports", "list"]) == EXIT_OK
    assert ref in capsys.readouterr().out


def test_migrate_says_which_database_and_revision(capsys, data_dir, database):
    from dashboard.reports.db import head_revision

    code, out, _ = run(capsys, data_dir, "migrate")
    assert code == EXIT_OK
    assert f"at revision {head_revision()}" in out
    assert ("reports.sqlite3" in out) == (database == "sqlite")
