"""Publishing is atomic: a killed publish leaves the old version whole and loadable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
from support import REPO, rows, write_csv

from dashboard import store


def _publish(ds, path, **kwargs):
    args = [sys.executable, "-m", "dashboard.cli", "--data-dir", str(ds), "publish", str(path), "--dataset", "t"]
    args.append("--allow-removals")  # each file here replaces the other's records on purpose
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def _writing(versions, before: set) -> bool:
    """A new version's files are being written: a temporary version folder (not one of `before`, left
    by an earlier kill) holds a file already."""
    return versions.is_dir() and any(
        p.name.startswith(".tmp-") and p.name not in before and any(p.iterdir()) for p in versions.iterdir()
    )


def test_publish_killed_midway_leaves_old_version_whole(tmp_path):
    ds = tmp_path / "ds"
    small = write_csv(tmp_path / "small.csv", rows(*[{"encounter_id": f"A-{i}"} for i in range(5)]))
    assert _publish(ds, small).wait() == 0
    versions = ds / "t" / "versions"
    big = write_csv(tmp_path / "big.csv", rows(*[{"encounter_id": f"B-{i}"} for i in range(200000)]))
    # Kill the second publish the moment it has begun writing its version (not at a guessed time), twice.
    for _ in range(2):
        before = {p.name for p in versions.iterdir()}
        proc = _publish(ds, big)
        deadline = time.monotonic() + 240
        while not _writing(versions, before) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL  # it was still running: the kill landed
        assert _writing(versions, before)  # ...while it wrote the new version, which it left half done
        assert store.current_version(ds, "t") == 1
        assert sorted(store.load_records(ds, "t")["encounter_id"]) == [f"A-{i}" for i in range(5)]
    # and a later publish still works, cleaning up what the killed ones left
    assert _publish(ds, small).wait() == 0
    assert not [p for p in versions.iterdir() if p.name.startswith(".tmp-")]
    assert store.current_version(ds, "t") == 2


def test_changes_record_added_changed_removed_fields():
    old = pd.DataFrame({"encounter_id": ["a", "b", "c"], "city": ["X", "Y", "Z"], "state": ["MN", "MN", "MN"]})
    new = pd.DataFrame({"encounter_id": ["a", "b", "d"], "city": ["X", "Q", "Z"], "state": ["MN", "IL", "MN"]})
    changes = store.diff_records(old, new)
    assert changes.added == ("d",)
    assert changes.removed == ("c",)
    assert changes.changed == {"b": ("city", "state")}


def test_second_writer_is_refused_after_waiting(tmp_path):
    import pytest

    with (
        store.dataset_lock(tmp_path, "t"),
        pytest.raises(store.PublishBusy, match="another publish"),
        store.dataset_lock(tmp_path, "t", wait_seconds=0.3),
    ):
        pass


def test_bad_dataset_name_is_refused(tmp_path):
    import pytest

    with pytest.raises(store.StoreError):
        store.dataset_dir(tmp_path, "../etc")


def _frame(ids, city="X"):
    return pd.DataFrame({"encounter_id": list(ids), "city": [city] * len(ids)})


def test_a_version_says_why_each_record_changed_where_the_publisher_said(tmp_path):
    empty = pd.DataFrame()
    store.publish(tmp_path, "t", _frame(["a", "b"]), empty, {})
    records = _frame(["a", "b", "c"])
    records.loc[0, "city"] = "Y"
    reasons = {"a": "report R-000002", "c": "report R-000001"}
    store.publish(tmp_path, "t", records, empty, {"record_reasons": reasons, "published_by": "ana"})
    changes = pd.read_parquet(store.version_dir(tmp_path, "t", 2) / "changes.parquet")
    assert sorted(changes[["encounter_id", "change", "reason"]].itertuples(index=False, name=None)) == [
        ("a", "changed", "report R-000002"),
        ("c", "added", "report R-000001"),
    ]
    first = pd.read_parquet(store.version_dir(tmp_path, "t", 1) / "changes.parquet")
    assert set(first["reason"]) == {""}  # a publish that gives no reason says none


def test_publish_if_current_refuses_when_another_version_came_in_between(tmp_path):
    import pytest

    empty = pd.DataFrame()
    store.publish(tmp_path, "t", _frame(["a"]), empty, {})
    store.publish(tmp_path, "t", _frame(["a", "b"]), empty, {})  # someone else's publish
    with pytest.raises(store.VersionMoved, match="from version 1 to 2"):
        store.publish(tmp_path, "t", _frame(["a", "c"]), empty, {}, if_current=1)  # built on version 1
    assert store.current_version(tmp_path, "t") == 2
    assert store.publish(tmp_path, "t", _frame(["a", "b", "c"]), empty, {}, if_current=2)["version"] == 3
