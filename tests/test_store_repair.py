"""A damaged version is found, reported plainly, and repaired by a publish or a rollback; the audit log
tells every attempt, including one that never ended; quarantine.csv cannot run formulas; the diff of a
publish is computed outside the dataset's lock."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from support import rows, write_csv

from dashboard import cli, contributor_files, store


def _records(prefix: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"encounter_id": [f"{prefix}-{i}" for i in range(n)], "city": [f"C{i}" for i in range(n)]})


EMPTY = pd.DataFrame({"row": [], "problems": []})


def _publish(root, frame, **info):
    return store.publish(root, "t", frame, EMPTY, {"published_by": "test", **info})


def _truncate(root, version: int, file_name: str = "records.parquet", keep: int = 100) -> None:
    path = store.version_dir(root, "t", version) / file_name
    path.write_bytes(path.read_bytes()[:keep])


@pytest.fixture
def damaged(tmp_path):
    """Versions 1 and 2 published; the current one (2) has its records file truncated."""
    root = tmp_path / "ds"
    _publish(root, _records("A", 5))
    _publish(root, _records("B", 4))
    _truncate(root, 2)
    return root


def test_history_marks_the_damaged_version(damaged):
    first, second = store.history(damaged, "t")
    assert first["damage"] == [] and not first["current"]
    assert second["current"] and len(second["damage"]) == 1
    assert second["damage"][0].startswith("records.parquet is truncated: 100 of its ")


def test_checksums_find_damage_that_keeps_the_size(tmp_path):
    root = tmp_path / "ds"
    _publish(root, _records("A", 5))
    path = store.version_dir(root, "t", 1) / "quarantine.csv"
    data = bytearray(path.read_bytes())
    data[0] ^= 1  # one flipped bit, same size
    path.write_bytes(bytes(data))
    assert store.history(root, "t")[0]["damage"] == []  # the quick check reads sizes and the records' footer
    assert store.history(root, "t", verify=True)[0]["damage"] == [
        "quarantine.csv does not match the checksum written when it was published"
    ]


def test_reading_a_damaged_version_says_which_and_what(damaged):
    with pytest.raises(store.DamagedVersion, match=r'version 2 of "t" is damaged: records.parquet is truncated') as e:
        store.load_records(damaged, "t")
    assert e.value.version == 2
    with pytest.raises(store.DamagedVersion):
        store.published_ids(damaged, "t")


def test_publish_over_a_damaged_version_repairs_the_dataset(damaged):
    manifest = _publish(damaged, _records("C", 3))
    assert manifest["version"] == 3 and store.current_version(damaged, "t") == 3
    assert manifest["note"].startswith("compared with nothing: the current version 2 is damaged")
    assert manifest["changes"] == {"added": 3, "changed": 0, "removed": 0}
    assert store.read_audit(damaged, "t")[-1]["note"] == manifest["note"]  # said in the audit log too
    assert list(store.load_records(damaged, "t")["encounter_id"]) == ["C-0", "C-1", "C-2"]


def test_rollback_from_a_damaged_version_to_a_whole_one(damaged):
    manifest = store.rollback(damaged, "t", 1, who="test")
    assert manifest["version"] == 3
    assert list(store.load_records(damaged, "t")["encounter_id"]) == [f"A-{i}" for i in range(5)]


def test_rollback_to_a_damaged_version_is_refused_plainly(damaged):
    _publish(damaged, _records("C", 3))
    with pytest.raises(store.DamagedVersion, match="version 2 of"):
        store.rollback(damaged, "t", 2)
    assert store.current_version(damaged, "t") == 3


def test_a_current_pointer_damaged_from_outside_never_loses_versions(tmp_path):
    root = tmp_path / "ds"
    _publish(root, _records("A", 5))
    _publish(root, _records("B", 4))
    (root / "t" / "CURRENT").write_text("")  # emptied by someone's editor or a full disk of another program
    assert store.current_version(root, "t") == 2  # the newest complete version
    _publish(root, _records("C", 3))
    assert [h["version"] for h in store.history(root, "t")] == [1, 2, 3]


def _cli(root, *args):
    return cli.main(["--data-dir", str(root), *args])


def test_cli_history_diff_codebook_publish_rollback_on_a_damaged_version(damaged, tmp_path, capsys):
    assert _cli(damaged, "history", "--dataset", "t") == cli.EXIT_INVALID_ROWS
    out = capsys.readouterr().out
    assert "DAMAGED: records.parquet is truncated" in out and "the current version is damaged" in out
    assert "roll back to a whole version (1)" in out

    csv = write_csv(tmp_path / "new.csv", rows({}, {}))
    assert _cli(damaged, "diff", str(csv), "--dataset", "t") == cli.EXIT_UNUSABLE
    err = capsys.readouterr().err
    assert err.startswith('error: version 2 of "t" is damaged: records.parquet is truncated') and "Traceback" not in err
    assert _cli(damaged, "codebook", "--dataset", "t") == cli.EXIT_UNUSABLE
    assert 'version 2 of "t" is damaged' in capsys.readouterr().err

    assert _cli(damaged, "rollback", "--dataset", "t", "--to", "1") == cli.EXIT_OK
    _truncate(damaged, 3)  # damaged again: now a publish repairs it
    assert _cli(damaged, "publish", str(csv), "--dataset", "t") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "note: compared with nothing: the current version 3 is damaged" in out
    assert "published t version 4" in out
    assert _cli(damaged, "history", "--dataset", "t") == cli.EXIT_INVALID_ROWS  # 2 and 3 stay damaged
    assert "damaged version(s) 2, 3 cannot be restored; the current version is whole" in capsys.readouterr().out


def test_contribute_history_table_marks_damage(damaged):
    table = contributor_files.history_frame(store.history(damaged, "t"))
    assert table.set_index("version")["damage"].to_dict() == {
        2: store.history(damaged, "t")[1]["damage"][0],
        1: "",
    }


# ---------------------------------------------------------------- the audit log


def test_an_attempt_that_never_ended_is_shown_as_interrupted_and_one_at_work_as_running(tmp_path):
    root = tmp_path / "ds"
    _publish(root, _records("A", 5))
    folder = store.dataset_dir(root, "t")
    with store._attempt_marker(folder, "feedc0ffee"):  # a publish at work (its process holds the marker)
        store.append_audit(root, "t", {"action": "publish", "publish_id": "feedc0ffee", "result": "started"})
        assert store.read_audit(root, "t")[-1]["result"] == "running"
    # the process is gone (killed: its marker is no longer locked), and it never wrote its end
    last = store.read_audit(root, "t")[-1]
    assert last["result"] == "interrupted" and last["publish_id"] == "feedc0ffee"
    assert "never ended" in last["reason"]
    assert [e["result"] for e in store.read_audit(root, "t")] == ["published", "interrupted"]
    assert [e["result"] for e in store.read_audit_lines(root, "t")] == ["started", "published", "started"]


def test_failed_and_interrupted_attempts_are_listed_by_history(tmp_path, capsys):
    root = tmp_path / "ds"
    _publish(root, _records("A", 5))
    store.append_audit(root, "t", {"action": "publish", "publish_id": "0badc0de", "result": "started"})
    assert _cli(root, "history", "--dataset", "t") == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "attempts that published nothing" in out and "interrupted" in out


# ---------------------------------------------------------------- quarantine.csv and the diff


def test_quarantine_csv_cannot_run_formulas(tmp_path):
    root = tmp_path / "ds"
    quarantine = pd.DataFrame(
        {
            "row": ["2", "3", "4"],
            "problems": ["state: x", "state: x", "state: x"],
            "state": ['=HYPERLINK("http://x")', "\uff1dcmd", "MN"],
            "=header": ["+1", "@SUM(A1)", "-2"],
        }
    )
    store.publish(root, "t", _records("A", 2), quarantine, {})
    back = pd.read_csv(store.version_dir(root, "t", 1) / "quarantine.csv", dtype=str, keep_default_na=False)
    assert list(back["state"]) == ['\'=HYPERLINK("http://x")', "'\uff1dcmd", "MN"]
    assert list(back["'=header"]) == ["'+1", "'@SUM(A1)", "'-2"]
    store.rollback(root, "t", 1)  # republished as it was read: the apostrophe is not doubled
    again = pd.read_csv(store.version_dir(root, "t", 2) / "quarantine.csv", dtype=str, keep_default_na=False)
    assert list(again["state"]) == list(back["state"])


def test_diff_names_each_changed_field_and_treats_missing_as_equal():
    old = pd.DataFrame(
        {
            "encounter_id": ["a", "b", "c", "d", "e"],
            "city": ["X", "Y", None, "W", "V"],
            "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "gone": [1, 2, 3, 4, 5],
        }
    )
    new = pd.DataFrame(
        {
            "encounter_id": ["e", "d", "c", "b", "f"],
            "city": ["V", "Q", None, "Y", "Z"],
            "n": pd.array([5, 7, 3, 2, 1], dtype="Int64"),
        }
    )
    changes = store.diff_records(old, new)
    assert changes.added == ("f",) and changes.removed == ("a",)
    assert changes.changed == {"d": ("city", "n"), "b": ("n",)}


def test_the_diff_is_computed_outside_the_lock_and_checked_under_it(tmp_path, monkeypatch):
    """A large diff must not hold the lock (another publish would be refused meanwhile); and if another
    publish lands while it is computed, the changes are computed again against that one."""
    root = tmp_path / "ds"
    _publish(root, _records("A", 5))
    compared = threading.Event()
    real = store._compare_with_current
    calls = []

    def compare(root_, name, records):
        basis = real(root_, name, records)
        calls.append(basis.version)
        compared.set()
        return basis

    monkeypatch.setattr(store, "_compare_with_current", compare)
    result = {}
    with store.dataset_lock(root, "t"):  # someone else is publishing
        worker = threading.Thread(target=lambda: result.update(m=_publish(root, _records("B", 4))))
        worker.start()
        assert compared.wait(20), "the diff waited for the lock"
        # meanwhile the other publish lands (under the lock we hold)
        monkeypatch.setattr(store, "_compare_with_current", real)
        version = store.version_dir(root, "t", 2)
        store._write_version(
            version, _records("A", 3), EMPTY, store.diff_records(None, _records("A", 3)), {"rows_published": 3}
        )
        store._set_current(store.dataset_dir(root, "t"), 2, {})
        monkeypatch.setattr(store, "_compare_with_current", compare)
    worker.join(30)
    assert calls == [1, 2]  # compared with version 1 outside the lock, then again with version 2 under it
    assert result["m"]["version"] == 3
    assert result["m"]["changes"] == {"added": 4, "changed": 0, "removed": 3}
