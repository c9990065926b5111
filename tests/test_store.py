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


def test_publish_killed_midway_leaves_old_version_whole(tmp_path):
    ds = tmp_path / "ds"
    small = write_csv(tmp_path / "small.csv", rows(*[{"encounter_id": f"A-{i}"} for i in range(5)]))
    subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--data-dir", str(ds), "publish", str(small), "--dataset", "t"],
        check=True,
        cwd=REPO,
    )
    big = write_csv(tmp_path / "big.csv", rows(*[{"encounter_id": f"B-{i}"} for i in range(60000)]))
    # Kill the second publish at several moments; each time the first version must load, whole.
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard.cli", "--data-dir", str(ds), "publish", str(big), "--dataset", "t"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        version = store.current_version(ds, "t")
        records = store.load_records(ds, "t")
        if version == 1:
            assert sorted(records["encounter_id"]) == [f"A-{i}" for i in range(5)]
        else:  # the publish finished before the kill: then the new version is whole
            assert len(records) == 60000
    # and a later publish still works, cleaning up what the killed ones left
    store_versions = ds / "t" / "versions"
    subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--data-dir", str(ds), "publish", str(small), "--dataset", "t"],
        check=True,
        cwd=REPO,
    )
    assert not [p for p in store_versions.iterdir() if p.name.startswith(".tmp-")]


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
