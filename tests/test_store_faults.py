"""Fault injection, in the manner of SQLite's I/O-error tests: publish and rollback are run with an
OSError raised at each of their file operations in turn (every mkdir, open, write, fsync and rename the
store makes goes through `dashboard.fsio.ops`), then with the disk full from each point on; after every
one the store must be whole:
- the operation either raised StoreWriteError (saying the disk is full, and where, for ENOSPC) and the
  previous version is current, or it returned and the new version is current;
- every version is readable and matches the checksums written when it was published;
- nothing of a failed attempt stays (no .tmp-*, .CURRENT.*, .publish-* ...), and the next publish works
  and leaves no orphan;
- the audit log's last entry says what happened: "failed" with the reason, or "published".
The fault points are found by a recording run, not listed here: a new write in the store is covered
as soon as it goes through the seam.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dashboard import cli, fsio, store

SPACE_TAKING = ("mkdir", "open", "write", "fsync")  # what a full disk refuses (a rename needs no space)
ORPHAN = re.compile(r"^\.(tmp-|CURRENT\.|publish-|metadata\.)")


class FaultyOps(fsio.FileOps):
    """The real file operations, counted; the one at `fail_at` raises OSError(code). With `persistent`,
    every space-taking operation after it fails too (a disk that stays full)."""

    def __init__(self, root: Path, fail_at: int | None = None, code: int = errno.EIO, persistent: bool = False):
        self.root, self.fail_at, self.code, self.persistent = root, fail_at, code, persistent
        self.calls: list[tuple[str, str]] = []

    def _point(self, op: str, path) -> None:
        k = len(self.calls)
        name = re.sub(r"[0-9a-f]{12,}", "*", os.path.relpath(str(path), self.root))
        self.calls.append((op, name))
        if self.fail_at is not None and (
            k == self.fail_at or (self.persistent and k > self.fail_at and op in SPACE_TAKING)
        ):
            raise OSError(self.code, os.strerror(self.code), str(path))

    def mkdir(self, path, parents=False, exist_ok=False):
        self._point("mkdir", path)
        super().mkdir(path, parents=parents, exist_ok=exist_ok)

    def open(self, path, mode="wb"):
        self._point("open", path)
        return super().open(path, mode)

    def write(self, handle, data):
        self._point("write", handle.name)
        super().write(handle, data)

    # The point is counted, and may fail; the disk is not asked to sync: durability is not what this
    # suite checks, and 300 runs of real fsyncs on a shared machine take minutes.
    def fsync(self, handle):
        self._point("fsync", handle.name)
        handle.flush()

    def fsync_dir(self, path):
        self._point("fsync_dir", path)

    def rename(self, source, target):
        self._point("rename", target)
        super().rename(source, target)

    def replace(self, source, target):
        self._point("replace", target)
        super().replace(source, target)


def _records(prefix: str, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "encounter_id": [f"{prefix}-{i}" for i in range(n)],
            "city": [f"City {prefix}{i}" for i in range(n)],
            "date": pd.to_datetime(["2025-06-14"] * n),
            "people_affected": pd.array(range(n), dtype="Int64"),
        }
    )


QUARANTINE = pd.DataFrame({"row": ["7"], "problems": ["state: not a state"], "state": ["=1+2"]})
A, B, C, D = _records("A", 5), _records("B", 6), _records("C", 7), _records("D", 3)


def _publish(root, frame, who="fault suite"):
    return store.publish(root, "t", frame, QUARANTINE, {"published_by": who, "input_file": f"{frame.iloc[0, 0]}.csv"})


STARTS = {"two versions": (A, B), "no dataset yet": ()}
OPERATIONS = {
    # name: (run it, the store before it, the records it makes current)
    "publish": (lambda root: _publish(root, C), "two versions", C),
    "rollback": (lambda root: store.rollback(root, "t", 1, who="fault suite"), "two versions", A),
    "first publish": (lambda root: _publish(root, C), "no dataset yet", C),
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """A store for each starting point, built once and copied for every run."""
    out = {}
    for start, frames in STARTS.items():
        root = tmp_path_factory.mktemp("template") / "ds"
        root.mkdir()
        for frame in frames:
            _publish(root, frame, who="setup")
        out[start] = root
    return out


def _fresh(templates, start: str, tmp_path: Path, k: int) -> Path:
    root = tmp_path / f"run-{k}"
    shutil.copytree(templates[start], root)
    return root


def _ids(root: Path) -> list[str]:
    return sorted(store.load_records(root, "t")["encounter_id"])


def _orphans(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*") if ORPHAN.match(p.name)]


def _check_whole(root: Path, before: tuple, after: pd.DataFrame, error: BaseException | None, code: int) -> list[str]:
    """What is not whole about the store after one faulty run ([] when it is whole)."""
    wrong = []
    previous = len(before)
    if error is not None:
        if not isinstance(error, store.StoreWriteError):
            return [f"raised {type(error).__name__}: {error}"]
        if code == errno.ENOSPC and not (error.disk_full and "is full" in str(error) and str(root / "t") in str(error)):
            wrong.append(f"a full disk was not reported as one, with its directory: {error}")
        if store.current_version(root, "t") != (previous or None):
            wrong.append(f"current version is {store.current_version(root, 't')}, not {previous or None}")
        elif previous and _ids(root) != sorted(before[-1]["encounter_id"]):
            wrong.append("the previous version's records changed")
    else:
        if store.current_version(root, "t") != previous + 1 or _ids(root) != sorted(after["encounter_id"]):
            wrong.append("returned, but the new version is not current and whole")
    for h in store.history(root, "t", verify=True):
        if h["damage"]:
            wrong.append(f"version {h['version']} damaged: {h['damage']}")
    if _orphans(root):
        wrong.append(f"left behind: {_orphans(root)}")
    attempts = [e for e in store.read_audit(root, "t") if e.get("published_by") == "fault suite"]
    last = attempts[-1] if attempts else {}
    if error is None and last.get("result") != "published":
        wrong.append(f"audit log: {last.get('result')!r}, not 'published'")
    if error is not None:
        told = last.get("result") == "failed" and os.strerror(code) in last.get("reason", "")
        # A disk that stays full may refuse even the audit line of the end (or of the start).
        lost = code == errno.ENOSPC and (not last or last.get("result") in ("failed", "interrupted"))
        if not (told or lost):
            wrong.append(f"audit log does not tell the failure: {last}")
    # and the next publish works, leaving no orphan and every version whole
    try:
        _publish(root, D, who="next")
    except Exception as exc:  # noqa: BLE001 (reported as the failure it is)
        return [*wrong, f"the next publish failed: {exc!r}"]
    current = store.current_version(root, "t")
    if _ids(root) != sorted(D["encounter_id"]) or [h["version"] for h in store.history(root, "t")] != list(
        range(1, current + 1)
    ):
        wrong.append("after the next publish, the versions are not 1..current with D current")
    if _orphans(root):
        wrong.append(f"left behind after the next publish: {_orphans(root)}")
    if any(h["damage"] for h in store.history(root, "t", verify=True)):
        wrong.append("a version is damaged after the next publish")
    return wrong


def _runs(templates, tmp_path, monkeypatch):
    """Every injection: (operation, fault kind, point) -> what was not whole."""
    results = {}
    for op_name, (run, start, after) in OPERATIONS.items():
        before = STARTS[start]
        recording = FaultyOps(tmp_path)
        root = _fresh(templates, start, tmp_path, -1)
        recording.root = root
        monkeypatch.setattr(fsio, "ops", recording)
        run(root)
        monkeypatch.setattr(fsio, "ops", FaultyOps(root))
        shutil.rmtree(root)
        points = recording.calls
        assert len(points) > 20, points  # the recording saw the writes: the seam is in use
        kinds = [("EIO", errno.EIO, False), ("ENOSPC", errno.ENOSPC, False), ("disk stays full", errno.ENOSPC, True)]
        for kind, code, persistent in kinds:
            for k, (op, name) in enumerate(points):
                if persistent and op not in SPACE_TAKING:
                    continue
                root = _fresh(templates, start, tmp_path, len(results))
                faulty = FaultyOps(root, fail_at=k, code=code, persistent=persistent)
                monkeypatch.setattr(fsio, "ops", faulty)
                error = None
                try:
                    run(root)
                except Exception as exc:  # noqa: BLE001 (judged by _check_whole)
                    error = exc
                finally:
                    monkeypatch.setattr(fsio, "ops", FaultyOps(root))  # the disk is freed
                assert faulty.calls[k] == (op, name), f"{op_name} {kind} {k}\n{faulty.calls}\n{points}"
                results[(op_name, kind, k, op, name)] = _check_whole(root, before, after, error, code)
                shutil.rmtree(root)
    return results


def test_every_fault_point_leaves_the_store_whole(templates, tmp_path, monkeypatch, capsys):
    results = _runs(templates, tmp_path, monkeypatch)
    whole = sum(1 for wrong in results.values() if not wrong)
    with capsys.disabled():
        per_op = {o: sum(1 for key in results if key[0] == o) for o in OPERATIONS}
        print(f"\nfault suite: {whole} of {len(results)} injection points left the store whole ({per_op})")
    broken = {k: v for k, v in results.items() if v}
    assert not broken, "\n".join(f"{k}: {v}" for k, v in list(broken.items())[:20])
    assert len(results) > 100  # publish, rollback and first publish, each with three kinds of fault


# ---------------------------------------------------------------- a full disk, as a contributor meets it


class FullDisk(fsio.FileOps):
    """A disk with no space left in the dataset's folder (the audit log's folder included)."""

    def _full(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    def mkdir(self, path, parents=False, exist_ok=False):
        if not Path(path).exists():
            self._full(path)

    def open(self, path, mode="wb"):
        handle = super().open(path, mode)
        if "CURRENT" in str(path) or ".tmp-" in str(path):
            handle.close()
            self._full(path)
        return handle

    def write(self, handle, data):
        if "audit.jsonl" not in handle.name:
            self._full(handle.name)
        super().write(handle, data)


def test_a_full_disk_is_reported_as_such_with_its_directory(tmp_path, monkeypatch, capsys):
    root = tmp_path / "ds"
    _publish(root, A, who="setup")
    csv = tmp_path / "in.csv"
    from support import rows, write_csv

    write_csv(csv, rows({}, {}))
    monkeypatch.setattr(fsio, "ops", FullDisk())
    code = cli.main(["--data-dir", str(root), "publish", str(csv), "--dataset", "t", "--allow-removals"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_UNUSABLE
    assert "the disk holding" in err and str(root / "t") in err and "is full" in err, err
    assert "could not process the input" not in err
    assert not list((root / "t").glob(".CURRENT.*")) and not list((root / "t" / "versions").glob(".tmp-*"))
    assert store.current_version(root, "t") == 1
    last = store.read_audit(root, "t")[-1]
    assert last["result"] == "failed" and "is full" in last["reason"]


def test_current_files_left_by_an_earlier_failure_are_removed_by_the_next_publish(tmp_path):
    root = tmp_path / "ds"
    _publish(root, A, who="setup")
    (root / "t" / ".CURRENT.0123456789abcdef").write_text("9\n")  # as a full disk left them before
    _publish(root, B)
    assert not list((root / "t").glob(".CURRENT.*"))
    assert store.current_version(root, "t") == 2
