"""Two publishes of one dataset at once never interleave: each version is whole, and both are audited."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
from support import REPO

from dashboard import store
from dashboard.ingest.pipeline import prepare

DEMO_CSV = REPO / "data" / "sources" / "demo" / "encounters.csv"


@pytest.fixture
def root(demo_root, tmp_path):
    copy = tmp_path / "datasets"
    shutil.copytree(demo_root, copy)
    return copy


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory):
    """Two different refreshes of the demo dataset: A drops the last 500 records, B the first 500 and edits one."""
    folder = tmp_path_factory.mktemp("inputs")
    src = pd.read_csv(DEMO_CSV, dtype=str, keep_default_na=False)
    a = src.iloc[:1500]
    b = src.iloc[500:].copy()
    b.iloc[0, b.columns.get_loc("city")] = "Duluth"
    a.to_csv(folder / "a.csv", index=False)
    b.to_csv(folder / "b.csv", index=False)
    return {"a": folder / "a.csv", "b": folder / "b.csv"}


def _cli(root, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "--data-dir", str(root), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _equal(records: pd.DataFrame, expected: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(records.reset_index(drop=True), expected.reset_index(drop=True))
    except AssertionError:
        return False
    return True


def test_two_concurrent_cli_publishes_each_publish_a_whole_version(root, two_inputs):
    expected = {k: prepare(p).records for k, p in two_inputs.items()}
    procs = {
        k: _cli(root, "publish", str(p), "--dataset", "demo", "--who", f"process-{k}") for k, p in two_inputs.items()
    }
    for k, proc in procs.items():
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"{k}: {out}\n{err}"

    # The data visitors see is exactly one of the two inputs, whole.
    current = store.load_records(root, "demo")
    matches = [k for k, e in expected.items() if _equal(current, e)]
    assert len(matches) == 1, "the published records are a mix of the two inputs"

    # Each new version is one whole input, the two different, and the later one is current.
    history = store.history(root, "demo")
    assert [h["version"] for h in history] == [1, 2, 3]
    by_version = {v: [k for k, e in expected.items() if _equal(store.load_records(root, "demo", v), e)] for v in (2, 3)}
    assert sorted(by_version[2] + by_version[3]) == ["a", "b"]
    assert by_version[3] == matches
    # The later version's change counts were computed against the earlier one, inside the lock.
    later, earlier = by_version[3][0], by_version[2][0]
    changes = store.diff_records(expected[earlier], expected[later]).summary()
    assert history[2]["changes"] == changes

    audit = store.read_audit(root, "demo")[1:]  # after the demo's own first publish
    assert len(audit) == 2
    assert {e["published_by"] for e in audit} == {"process-a", "process-b"}
    assert all(e["result"] == "published" for e in audit)
    assert sorted(e["version"] for e in audit) == [2, 3]
    assert {e["input_sha256"] for e in audit} == {prepare(p).file_hash for p in two_inputs.values()}


def test_a_publish_waits_for_the_lock_then_publishes(root, two_inputs):
    with store.dataset_lock(root, "demo"):
        proc = _cli(root, "publish", str(two_inputs["a"]), "--dataset", "demo", "--who", "waiting")
        deadline = time.monotonic() + 10  # long enough to read and check the file, then wait
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
        assert proc.poll() is None, "the publish did not wait for the lock: " + proc.communicate()[1]
        assert store.current_version(root, "demo") == 1
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert store.current_version(root, "demo") == 2


def _publish_with_short_wait(root, path, result):
    records = prepare(path).records
    try:
        store.publish(root, "demo", records, records.head(0), {"published_by": "impatient"}, wait_seconds=0.5)
        result.put("published")
    except store.PublishBusy as exc:
        result.put(f"busy: {exc}")


def test_a_publish_that_cannot_wait_is_refused_and_audited(root, two_inputs):
    ctx = multiprocessing.get_context("spawn")
    result = ctx.Queue()
    with store.dataset_lock(root, "demo"):
        proc = ctx.Process(target=_publish_with_short_wait, args=(root, two_inputs["b"], result))
        proc.start()
        outcome = result.get(timeout=120)
        proc.join(30)
    assert outcome.startswith('busy: another publish of "demo" is still running; nothing was changed')
    assert store.current_version(root, "demo") == 1
    last = store.read_audit(root, "demo")[-1]
    assert last["result"] == "refused" and last["published_by"] == "impatient"


def _publish_as_the_contribute_page(root, path, start, result):
    """Another replica: the Contribute page's publish (pipeline.publish_prepared), released with the CLI's."""
    from dashboard.ingest.pipeline import publish_prepared

    prepared = prepare(path)
    start.wait()
    result.put(publish_prepared(prepared, root, "demo", who="page on another replica")["version"])


def test_a_page_publish_on_one_replica_and_a_cli_rollback_on_another_never_interleave(root, two_inputs):
    """Two server processes on one data directory: the dataset lock is a file lock, so it holds across them."""
    b = prepare(two_inputs["b"]).records
    store.publish(root, "demo", b, b.head(0), {"published_by": "setup"})  # version 2, so that 1 is a rollback
    ctx = multiprocessing.get_context("spawn")
    start, result = ctx.Event(), ctx.Queue()
    page = ctx.Process(target=_publish_as_the_contribute_page, args=(root, two_inputs["a"], start, result))
    page.start()
    start.set()  # the page's publish starts once its file is checked; the CLI's rollback starts now
    rollback = _cli(root, "rollback", "--dataset", "demo", "--to", "1", "--who", "cli on this replica")
    out, err = rollback.communicate(timeout=180)
    assert rollback.returncode == 0, err
    page_version = result.get(timeout=180)
    page.join(30)

    versions = {h["version"]: h for h in store.history(root, "demo")}
    assert sorted(versions) == [1, 2, 3, 4]
    rolled = next(v for v, h in versions.items() if h.get("rolled_back_to") == 1)
    assert {rolled, page_version} == {3, 4}
    demo_v1 = store.load_records(root, "demo", 1)
    assert _equal(store.load_records(root, "demo", rolled), demo_v1)  # the rollback: version 1, whole
    assert _equal(store.load_records(root, "demo", page_version), prepare(two_inputs["a"]).records)
    audit = [e for e in store.read_audit(root, "demo") if e["result"] == "published"]
    assert sorted(e["version"] for e in audit[-2:]) == [3, 4]
    assert {e["published_by"] for e in audit[-2:]} == {"page on another replica", "cli on this replica"}
