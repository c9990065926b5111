"""A record's history, read from the store's changelog: added, changed (which fields, why), removed."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard import store
from dashboard.explore.record_history import history_line, record_history

EMPTY = pd.DataFrame(columns=["row"])


def _records(**changed) -> pd.DataFrame:
    base = pd.DataFrame(
        {
            "encounter_id": ["A-1", "A-2", "A-3"],
            "date": pd.to_datetime(["2025-06-01", "2025-06-02", "2025-06-03"]),
            "verification": ["reported", "reported", "documented"],
            "summary": ["one", "two", "three"],
        }
    )
    for column, value in changed.items():
        base.loc[base["encounter_id"] == "A-2", column] = value
    return base


@pytest.fixture
def three_versions(tmp_path):
    """v1 publishes A-1..A-3; v2 corrects A-2's verification and date after a report; v3 removes A-2."""
    store.publish(tmp_path, "t", _records(), EMPTY, {"action": "publish"})
    corrected = _records(verification="corroborated", date=pd.Timestamp("2025-06-05"))
    store.publish(tmp_path, "t", corrected, EMPTY, {"action": "publish", "record_reasons": {"A-2": "report R-000123"}})
    store.publish(tmp_path, "t", corrected[corrected["encounter_id"] != "A-2"], EMPTY, {"action": "publish"})
    return tmp_path


def test_history_says_added_changed_with_reason_then_removed(three_versions):
    h = record_history(three_versions, "t", "A-2")
    assert [(e["version"], e["change"]) for e in h] == [(1, "added"), (2, "changed"), (3, "removed")]
    assert sorted(h[1]["fields"]) == ["date", "verification"]
    assert h[1]["reason"] == "report R-000123"
    assert h[0]["reason"] is None and h[2]["reason"] is None
    assert (h[1]["before"]["verification"], h[1]["after"]["verification"]) == ("reported", "corroborated")
    day = h[0]["published_at"][:10]
    assert history_line(h[0]) == f"Added in version 1 ({day})"
    assert history_line(h[1]).startswith(f"Changed in version 2 ({day}) after report R-000123: ")
    assert "verification reported → corroborated" in history_line(h[1])
    assert "date 2025-06-02 → 2025-06-05" in history_line(h[1])
    assert history_line(h[2]) == f"Removed in version 3 ({day})"


def test_a_record_nothing_touched_after_it_was_added(three_versions):
    assert [e["change"] for e in record_history(three_versions, "t", "A-1")] == ["added"]
    assert record_history(three_versions, "t", "no-such-id") == []


def test_history_in_spanish(three_versions):
    h = record_history(three_versions, "t", "A-2")
    line = history_line(h[1], "es")
    assert line.startswith("Cambios en la versión 2 (")
    assert "tras el reporte R-000123" in line
    assert "verificación reportado → corroborado" in line


def test_a_rollback_is_named(three_versions):
    store.rollback(three_versions, "t", 2)
    last = record_history(three_versions, "t", "A-2")[-1]
    assert (last["version"], last["change"], last["rolled_back_to"]) == (4, "added", 2)
    assert "(restoring version 2)" in history_line(last)


def test_older_changelogs_without_reason_column_still_read(three_versions):
    """Versions published before reasons were recorded have no `reason` column."""
    path = store.version_dir(three_versions, "t", 2) / "changes.parquet"
    pq.write_table(pq.read_table(path).drop(["reason"]), path)
    h = record_history(three_versions, "t", "A-2")
    assert (h[1]["change"], h[1]["reason"]) == ("changed", None)
    assert "after report" not in history_line(h[1])


def test_a_contributors_own_reason_is_quoted():
    entry = {"version": 5, "published_at": "2026-02-01T10:00:00+00:00", "change": "changed", "fields": ["summary"]}
    entry |= {"reason": "typo in the city", "before": {}, "after": {}, "rolled_back_to": None}
    assert history_line(entry) == "Changed in version 5 (2026-02-01) (reason: typo in the city): summary"


def test_values_before_and_after_follow_the_field_across_versions(tmp_path):
    """v2 corroborates A-2, v3 rewords its summary, v4 documents it: each change quotes its own values."""
    store.publish(tmp_path, "t", _records(), EMPTY, {"action": "publish"})
    for changed in (
        {"verification": "corroborated"},
        {"verification": "corroborated", "summary": "reworded"},
        {"verification": "documented", "summary": "reworded"},
    ):
        store.publish(tmp_path, "t", _records(**changed), EMPTY, {"action": "publish"})
    h = record_history(tmp_path, "t", "A-2")
    assert [(e["version"], e["fields"]) for e in h] == [
        (1, []),
        (2, ["verification"]),
        (3, ["summary"]),
        (4, ["verification"]),
    ]
    assert [(e["before"], e["after"]) for e in h[1:]] == [
        ({"verification": "reported"}, {"verification": "corroborated"}),
        ({}, {}),  # a summary is named, not quoted
        ({"verification": "corroborated"}, {"verification": "documented"}),
    ]
