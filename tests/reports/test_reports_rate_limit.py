"""The rate limit (20 reports per client per rolling hour) holds in the database, across processes; two
processes filing at once lose no report."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from reports_support import run_at_once

from dashboard.reports import NewEncounter, ReportRefused, open_reports
from dashboard.reports.tables import filing_log

pytestmark = pytest.mark.xdist_group("reports")


def report(n: int = 0) -> NewEncounter:
    return NewEncounter(date_from=date(2025, 6, 1), state="MN", what_happened=f"report number {n}")


def test_the_21st_report_from_one_client_within_an_hour_is_refused(reports):
    refs = [reports.file_new(report(i), client="203.0.113.7-hash") for i in range(20)]
    assert len(set(refs)) == 20
    with pytest.raises(ReportRefused) as refused:
        reports.file_new(report(21), client="203.0.113.7-hash")
    assert refused.value.reason == "rate_limit"
    assert "20 reports within the last hour" in str(refused.value)
    assert "wait" in str(refused.value)
    with pytest.raises(ReportRefused):  # corrections count too
        reports.file_correction("reported", "T-1", "city", "x", "https://example.org/s", "", "203.0.113.7-hash")
    assert reports.counts()["received"] == 20
    assert reports.file_new(report(22), client="another-visitor")  # others are not held back


def test_the_limit_holds_across_two_openings_of_the_database(reports, data_dir):
    other = open_reports(data_dir)  # another replica of the app, say
    try:
        for i in range(10):
            reports.file_new(report(i), client="c")
            other.file_new(report(i), client="c")
        with pytest.raises(ReportRefused):
            other.file_new(report(99), client="c")
    finally:
        other.close()


def test_filings_older_than_an_hour_no_longer_count_and_are_forgotten(reports):
    old = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1, minutes=1)
    with reports.engine.begin() as conn:
        conn.execute(sa.insert(filing_log), [{"client": "c", "at": old} for _ in range(20)])
    assert reports.file_new(report(), client="c")
    with reports.engine.connect() as conn:
        kept = conn.execute(sa.select(filing_log.c.at).where(filing_log.c.client == "c")).scalars().all()
    assert len(kept) == 1  # the client's old filings were deleted, not only ignored


def _file_many(data_dir, database_url, client_of, count, barrier, out):
    """In a separate process: open the database and file `count` reports, as fast as possible."""
    if database_url:
        os.environ["ENCOUNTERS_DATABASE_URL"] = database_url
    reports = open_reports(data_dir)
    barrier.wait()
    refs, refused = [], 0
    for i in range(count):
        try:
            refs.append(reports.file_new(report(i), client=client_of(i)))
        except ReportRefused as exc:
            assert exc.reason == "rate_limit", exc
            refused += 1
    reports.close()
    out.put((refs, refused))


def _same_client(_i):
    return "one-visitor"


def _own_clients(i):
    return f"visitor-{os.getpid()}-{i}"


def _run_two(data_dir, client_of, count):
    url = os.environ.get("ENCOUNTERS_DATABASE_URL", "")
    return run_at_once(_file_many, [(data_dir, url, client_of, count)] * 2)


def test_two_processes_filing_at_once_lose_no_report(reports, data_dir):
    results = _run_two(data_dir, _own_clients, 15)
    refs = [ref for r, _ in results for ref in r]
    assert len(refs) == 30 and len(set(refs)) == 30
    assert sorted(r.ref for r in reports.list()) == sorted(refs)
    assert {r.what_happened for r in reports.list()} == {f"report number {i}" for i in range(15)}


def test_two_processes_filing_for_one_client_together_get_exactly_the_limit(reports, data_dir):
    results = _run_two(data_dir, _same_client, 15)
    stored = sum(len(r) for r, _ in results)
    refused = sum(n for _, n in results)
    assert (stored, refused) == (20, 10)  # count-then-insert never interleaves between processes
    assert reports.counts()["received"] == 20
