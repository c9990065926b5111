"""Contributors accepting at the same time: two reports accepted at once both stay published (neither
publish undoes the other), and one report accepted twice at once is published once."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from reports_support import DATASET, run_at_once

from dashboard import store
from dashboard.reports import NewEncounter, ReportError, open_reports
from dashboard.reports.tables import reports as reports_table

pytestmark = pytest.mark.xdist_group("reports")


def _file(reports, n: int) -> str:
    new = NewEncounter(date_from=date(2025, 6, n), state="MN", what_happened=f"n{n}", links=[f"https://e.org/{n}"])
    return reports.file_new(new, client="c")


def _accept(data_dir, url, ref, barrier, out):
    if url:
        os.environ["ENCOUNTERS_DATABASE_URL"] = url
    reports = open_reports(data_dir)
    barrier.wait()
    done = reports.accept(ref, f"contributor-{ref}", data_dir, DATASET)
    reports.close()
    out.put((ref, done.version))


def test_two_reports_accepted_at_once_are_both_published(reports, data_dir):
    refs = [_file(reports, 1), _file(reports, 2)]
    url = os.environ.get("ENCOUNTERS_DATABASE_URL", "")
    versions = sorted(v for _, v in run_at_once(_accept, [(data_dir, url, ref) for ref in refs]))
    assert versions == [2, 3]
    ids = set(store.load_records(data_dir, DATASET)["encounter_id"])
    assert set(refs) <= ids and {"T-1", "T-2", "T-3"} <= ids  # the later publish kept the earlier one's record
    assert [r.status for r in reports.list()] == ["accepted", "accepted"]


def test_one_report_accepted_twice_at_once_is_published_once(reports, data_dir):
    ref = _file(reports, 1)
    results, start = [], threading.Barrier(2)

    def accept(who):
        start.wait(10)
        try:
            results.append(reports.accept(ref, who, data_dir, DATASET).version)
        except ReportError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=accept, args=(who,)) for who in ("ana", "bo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    published = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, str)]
    assert published == [2]
    assert len(refused) == 1 and ("being accepted by" in refused[0] or "already accepted" in refused[0])
    assert store.current_version(data_dir, DATASET) == 2
    assert sum(e.action == "accepted" for e in reports.get(ref).history) == 1


def test_an_accept_that_died_midway_stops_blocking_after_ten_minutes(reports, data_dir):
    ref = _file(reports, 1)
    with reports.engine.begin() as conn:
        conn.execute(
            sa.update(reports_table).values(claimed_by="ana", claimed_at=datetime.now(UTC).replace(tzinfo=None))
        )
    with pytest.raises(ReportError, match="being accepted by ana"):
        reports.accept(ref, "bo", data_dir, DATASET)
    with reports.engine.begin() as conn:
        conn.execute(
            sa.update(reports_table).values(claimed_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=11))
        )
    assert reports.accept(ref, "bo", data_dir, DATASET).version == 2
