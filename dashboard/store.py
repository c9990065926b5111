"""The directory of published datasets: versions, atomic publish, history, rollback, audit log.

<datasets dir>/<name>/
    metadata.yaml            title, license, sources, as-of date, demonstration flag (editable)
    CURRENT                  the number of the version readers see
    versions/0003/           one immutable folder per version:
        records.parquet        published records
        quarantine.csv         rejected rows with their reasons (no cell can run as a spreadsheet formula)
        changes.parquet        encounter ids added, changed (which fields) and removed, and why
                               (`reason`, e.g. "report R-000123"; versions before issue 18 lack it)
        manifest.json          counts, when, who, the input file's hash, each file's size and SHA-256
    audit.jsonl              every publish and rollback attempt: "started", then how it ended

A version is written into a temporary folder and renamed into place, then CURRENT is replaced
atomically; a reader sees the old version or the new one, never a mix, even if the writer is killed.
Every write goes through `fsio.ops` (tests/test_store_faults.py makes each one fail in turn). A damaged
version (a truncated or missing file) is reported as DamagedVersion, marked in `history`, and never
stops a publish or rollback from repairing the dataset. RELIABILITY.md says what this promises.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from dashboard import fsio
from dashboard.spreadsheet import is_formula, neutralise

METADATA_TEMPLATE = {
    "title": "",
    "description": "Edit this file to describe the dataset.",
    "license": "unknown",
    "sources": [],
    "coverage": "",
    "as_of": None,
    "demonstration": False,
}


class PublishBusy(RuntimeError):
    """Another publish or rollback of the same dataset is in progress."""


class StoreError(ValueError):
    """A dataset or version that does not exist, or a name that cannot be used."""


class VersionMoved(StoreError):
    """publish(if_current=...) found another version published meanwhile."""


class DamagedVersion(StoreError):
    """A published version whose files cannot be read whole (truncated, missing, not matching the manifest)."""

    def __init__(self, name: str, version: int, damage: str):
        self.name, self.version, self.damage = name, version, damage
        super().__init__(
            f'version {version} of "{name}" is damaged: {damage}. Publish a file over it, or roll back to an '
            f"earlier whole version (encounters history --dataset {name} marks the damaged ones)"
        )


class StoreWriteError(StoreError):
    """A publish that could not write its version (disk full, permissions, an I/O error): nothing changed."""

    def __init__(self, message: str, disk_full: bool = False, directory: str = ""):
        self.disk_full, self.directory = disk_full, directory
        super().__init__(message)


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: dict  # encounter_id -> tuple of field names

    def summary(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len(self.changed), "removed": len(self.removed)}

    def frame(self, reasons: dict | None = None) -> pd.DataFrame:
        """One row per record touched; `reason` says why, where the publisher said (encounter_id -> text)."""
        rows = [(i, "added", "") for i in self.added]
        rows += [(i, "changed", ", ".join(f)) for i, f in self.changed.items()]
        rows += [(i, "removed", "") for i in self.removed]
        frame = pd.DataFrame(rows, columns=["encounter_id", "change", "fields"])
        frame["reason"] = frame["encounter_id"].map(reasons or {}).fillna("").astype(str)
        return frame


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def check_name(name: str) -> str:
    if not name or not all(c.isalnum() or c in "-_" for c in name) or name.startswith(("-", "_")):
        raise StoreError(f'"{name}" is not a usable dataset name (letters, digits, - and _ only)')
    return name


def dataset_dir(root: Path, name: str) -> Path:
    return Path(root) / check_name(name)


def list_datasets(root: Path) -> list[str]:
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "CURRENT").is_file())


def current_version(root: Path, name: str) -> int | None:
    folder = dataset_dir(root, name)
    try:
        text = (folder / "CURRENT").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        text = ""
    try:
        return int(text.strip())
    except ValueError:
        # CURRENT is only ever replaced whole (a rename), so a value that is not a number was damaged from
        # outside: readers see the newest complete version, and a publish never clears the others.
        return max(_numbered_versions(folder), default=None)


def _numbered_versions(folder: Path) -> list[int]:
    versions = folder / "versions"
    if not versions.is_dir():
        return []
    return [int(p.name) for p in versions.glob("[0-9]" * 4) if (p / "manifest.json").is_file()]


def version_dir(root: Path, name: str, version: int) -> Path:
    return dataset_dir(root, name) / "versions" / f"{version:04d}"


# ---------------------------------------------------------------- reading a version, and its damage

VERSION_FILES = ("records.parquet", "quarantine.csv", "changes.parquet")


def _short(exc: BaseException) -> str:
    """An error in a few words: Arrow's messages repeat the whole path, which the caller has said already."""
    text = str(exc)
    if isinstance(exc, pa.ArrowException | ValueError) and "magic bytes" in text:
        return "not a whole Parquet file"
    return f"{type(exc).__name__}: {text[:160]}"


def read_records_table(root: Path, name: str, version: int | None = None, columns=None) -> pa.Table:
    """A version's records as an Arrow table; DamagedVersion when its file cannot be read whole."""
    version = version or current_version(root, name)
    if version is None:
        raise StoreError(f'dataset "{name}" has no published version in {root}')
    folder = version_dir(root, name, version)
    try:
        table = pq.read_table(folder / "records.parquet", columns=columns)
    except (OSError, pa.ArrowException, ValueError) as exc:
        found = [p for p in verify_version(root, name, version) if p.startswith("records.parquet")]
        raise DamagedVersion(
            name, version, found[0] if found else f"records.parquet cannot be read ({_short(exc)})"
        ) from None
    try:
        expected = json.loads((folder / "manifest.json").read_text()).get("rows_published")
    except (OSError, ValueError):
        expected = None
    if expected is not None and table.num_rows != expected:
        raise DamagedVersion(
            name, version, f"records.parquet holds {table.num_rows:,} rows, {expected:,} were published"
        )
    return table


def load_records(root: Path, name: str, version: int | None = None) -> pd.DataFrame:
    return read_records_table(root, name, version).to_pandas()


def published_ids(root: Path, name: str) -> pd.Series:
    """The current version's encounter ids (empty when nothing is published): read alone, not the records."""
    if current_version(root, name) is None:
        return pd.Series([], dtype=object)
    return read_records_table(root, name, columns=["encounter_id"]).to_pandas()["encounter_id"]


def verify_version(root: Path, name: str, version: int, deep: bool = False) -> list[str]:
    """What is wrong with a version's files ([] when it is whole). Always: each file is there with the size
    its manifest gives, and records.parquet opens and holds the published number of rows. `deep`: each
    file's SHA-256 matches the one written at publish (versions published before checksums: sizes unknown)."""
    folder = version_dir(root, name, version)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        return ["manifest.json is missing"]
    except (OSError, ValueError) as exc:
        return [f"manifest.json cannot be read ({_short(exc)})"]
    problems = []
    written = manifest.get("files") or dict.fromkeys(VERSION_FILES)
    for file_name, expected in written.items():
        path = folder / file_name
        if not path.is_file():
            problems.append(f"{file_name} is missing")
        elif expected and path.stat().st_size < expected["bytes"]:
            problems.append(
                f"{file_name} is truncated: {path.stat().st_size:,} of its {expected['bytes']:,} bytes are left"
            )
        elif expected and path.stat().st_size != expected["bytes"]:
            problems.append(f"{file_name} has {path.stat().st_size:,} bytes where {expected['bytes']:,} were written")
        elif expected and deep and fsio.file_digest(path)["sha256"] != expected["sha256"]:
            problems.append(f"{file_name} does not match the checksum written when it was published")
    if not any(p.startswith("records.parquet") for p in problems):
        try:
            rows = pq.ParquetFile(folder / "records.parquet").metadata.num_rows
        except (OSError, pa.ArrowException, ValueError) as exc:
            problems.append(f"records.parquet cannot be read ({_short(exc)})")
        else:
            if rows != manifest.get("rows_published"):
                problems.append(
                    f"records.parquet holds {rows:,} rows where {manifest.get('rows_published')} were published"
                )
    return problems


def read_metadata(root: Path, name: str) -> dict:
    path = dataset_dir(root, name) / "metadata.yaml"
    meta = dict(METADATA_TEMPLATE, title=name)
    if path.is_file():
        meta.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return meta


def write_metadata(root: Path, name: str, metadata: dict) -> None:
    """Replace a dataset's metadata (atomically: a reader never sees half a file)."""
    folder = dataset_dir(root, name)
    fsio.ops.mkdir(folder, parents=True, exist_ok=True)
    tmp = folder / f".metadata.{uuid.uuid4().hex}"
    text = yaml.safe_dump({**METADATA_TEMPLATE, **metadata}, sort_keys=False, allow_unicode=True)
    try:
        fsio.write_bytes(tmp, text.encode("utf-8"))
        fsio.ops.replace(tmp, folder / "metadata.yaml")
    finally:
        fsio.ops.remove(tmp)  # gone already when the rename happened


def read_manifest(root: Path, name: str, version: int) -> dict:
    try:
        return json.loads((version_dir(root, name, version) / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise DamagedVersion(name, version, f"manifest.json cannot be read ({_short(exc)})") from None


def history(root: Path, name: str, verify: bool = False) -> list[dict]:
    """Every version up to the current one, oldest first, with its manifest, whether it is current and
    `damage`: what is wrong with its files ([] when whole; `verify` also compares checksums)."""
    current = current_version(root, name)
    out = []
    for folder in sorted((dataset_dir(root, name) / "versions").glob("[0-9]" * 4)):
        number = int(folder.name)
        if number > (current or 0):
            continue  # left by an interrupted publish, never made current
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            manifest = {}
        damage = verify_version(root, name, number, deep=verify)
        out.append(
            {"published_at": "", "rows_published": None, **manifest}
            | {"version": number, "current": number == current, "damage": damage}
        )
    return out


# ---------------------------------------------------------------- the audit log


def read_audit_lines(root: Path, name: str) -> list[dict]:
    """The audit log as written: a "started" line for each attempt, then its end (one line may be torn
    by a crash; it is skipped)."""
    path = dataset_dir(root, name) / "audit.jsonl"
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            if line.strip():
                out.append(json.loads(line))
    return out


INTERRUPTED = (
    "it started and never ended (the process was stopped or the machine went down); nothing of it was published"
)


def read_audit(root: Path, name: str) -> list[dict]:
    """One entry per publish or rollback attempt, oldest first: published, refused, failed (with the
    reason), or "interrupted" when it started and never ended ("running" while its process is at it)."""
    lines = read_audit_lines(root, name)
    ended = {e.get("publish_id") for e in lines if e.get("publish_id") and e.get("result") != "started"}
    folder = dataset_dir(root, name)
    manifests = None
    out = []
    for entry in lines:
        if entry.get("result") != "started":
            out.append(entry)
            continue
        publish_id = entry.get("publish_id")
        if publish_id in ended:
            continue
        if manifests is None:
            manifests = _manifests_by_publish_id(folder)
        if publish_id in manifests:  # published, but the line saying so could not be written
            out.append(dict(manifests[publish_id], at=entry.get("at"), result="published"))
        elif _attempt_running(folder, publish_id):
            out.append(dict(entry, result="running"))
        else:
            out.append(dict(entry, result="interrupted", reason=INTERRUPTED))
    return out


def _manifests_by_publish_id(folder: Path) -> dict[str, dict]:
    found = {}
    for path in (folder / "versions").glob("[0-9]" * 4 + "/manifest.json"):
        with contextlib.suppress(OSError, ValueError):
            manifest = json.loads(path.read_text())
            if manifest.get("publish_id"):
                found[manifest["publish_id"]] = manifest
    return found


def append_audit(root: Path, name: str, entry: dict) -> None:
    folder = dataset_dir(root, name)
    fsio.ops.mkdir(folder, parents=True, exist_ok=True)
    fsio.append_line(folder / "audit.jsonl", json.dumps(dict(entry, at=entry.get("at") or _now()), default=str) + "\n")


def _log_end(root: Path, name: str, entry: dict) -> bool:
    """Write an attempt's end; False if even that could not be written (read_audit then tells it from
    the version's manifest, or as interrupted)."""
    try:
        append_audit(root, name, entry)
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- locks


@contextlib.contextmanager
def dataset_lock(root: Path, name: str, wait_seconds: float = 30.0):
    """One writer per dataset at a time; a second one waits, then is refused with PublishBusy."""
    folder = dataset_dir(root, name)
    fsio.ops.mkdir(folder, parents=True, exist_ok=True)
    handle = fsio.ops.open(folder / ".lock", "ab")
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishBusy(
                        f'another publish of "{name}" is still running; nothing was changed, try again shortly'
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


@contextlib.contextmanager
def _attempt_marker(folder: Path, publish_id: str):
    """A file locked for as long as this attempt runs: a reader of the audit log can then tell a
    publish still at work from one that was killed."""
    path = folder / f".publish-{publish_id}"
    handle = fsio.ops.open(path, "wb")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        fsio.ops.remove(path)
        handle.close()


def _attempt_running(folder: Path, publish_id: str | None) -> bool:
    try:
        with open(folder / f".publish-{publish_id}", "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


# ---------------------------------------------------------------- comparing versions


def _differs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row: do two arrays of values differ? Missing equals missing; `pd.NA == 2` is never compared."""
    x_na, y_na = pd.isna(x), pd.isna(y)
    both = ~(x_na | y_na)
    same = x_na & y_na
    same[both] = np.asarray(x[both] == y[both], dtype=bool)
    return ~same


def _rows(values, at: np.ndarray | None):
    return values if at is None else values[at]


def _column_differs(x: pd.Series, y: pd.Series, at_x: np.ndarray | None, at_y: np.ndarray | None) -> np.ndarray:
    """_differs on rows `at_x` of x and `at_y` of y (None: all, in order), compared in their own type when
    both have the same (numbers, dates, text: whole-array operations), else as Python objects."""
    if x.dtype == y.dtype and isinstance(x.dtype, np.dtype) and x.dtype.kind in "biufmM":
        a, b = _rows(x.to_numpy(), at_x), _rows(y.to_numpy(), at_y)
        if a.dtype.kind in "mM":
            a, b = a.view("i8"), b.view("i8")  # NaT is one integer, equal to itself
        ne = a != b
        if a.dtype.kind == "f":
            ne &= ~(np.isnan(a) & np.isnan(b))
        return ne
    if x.dtype == y.dtype and not isinstance(x.dtype, np.dtype | pd.CategoricalDtype):  # Int64, string, boolean
        a, b = _rows(x.array, at_x), _rows(y.array, at_y)
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            equal = a == b  # a masked array (NA where either is missing), or plain booleans
            equal = np.asarray(equal.fillna(False) if hasattr(equal, "fillna") else equal, dtype=bool)
            return ~(equal | (np.asarray(a.isna()) & np.asarray(b.isna())))
    return _differs(_rows(x.to_numpy(dtype=object), at_x), _rows(y.to_numpy(dtype=object), at_y))


def _patterns(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix, and which of them each row is (as np.unique(axis=0))."""
    if mask.shape[1] <= 62:  # each row's bits as one integer: a sort of integers, not of rows
        keys = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
        _, first, which = np.unique(keys, return_index=True, return_inverse=True)
        return mask[first], which
    patterns, which = np.unique(mask, axis=0, return_inverse=True)
    return patterns, np.asarray(which).reshape(-1)


def diff_records(old: pd.DataFrame | None, new: pd.DataFrame) -> Changes:
    """Which encounter ids a new version adds, removes and changes (and which fields).

    Column by column over whole arrays; the changed fields of each record come from the distinct
    patterns of changes (a handful), not from a Python loop over records and fields: see
    benchmarks/diff.py for 200,000 changed records."""
    if old is None or old.empty:
        return Changes(tuple(new["encounter_id"]), (), {})
    old_ids, new_ids = pd.Index(old["encounter_id"]), pd.Index(new["encounter_id"])
    if not (old_ids.is_unique and new_ids.is_unique):  # ids are unique in a published version; be safe anyway
        old, new = old.drop_duplicates("encounter_id"), new.drop_duplicates("encounter_id")
        old_ids, new_ids = pd.Index(old["encounter_id"]), pd.Index(new["encounter_id"])
    # One hash lookup of the new ids among the old (difference, intersection and get_indexer would be four)
    where_old = old_ids.get_indexer(new_ids)
    found = where_old >= 0
    added = tuple(new_ids[~found])
    at_new, at_old = np.flatnonzero(found), where_old[found]
    kept = np.zeros(len(old_ids), dtype=bool)
    kept[at_old] = True
    removed = tuple(old_ids[~kept])
    common = new_ids[at_new]
    fields = [c for c in new.columns if c in old.columns and c != "encounter_id"]
    mask = np.zeros((len(common), len(fields)), dtype=bool)
    # rows already where they are wanted are not copied (a refresh usually keeps its records' order)
    take_old = None if np.array_equal(at_old, np.arange(len(old_ids))) else at_old
    take_new = None if len(at_new) == len(new_ids) else at_new
    for j, c in enumerate(fields):
        mask[:, j] = _column_differs(old[c], new[c], take_old, take_new)
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return Changes(added, removed, {})
    patterns, which = _patterns(mask[rows])
    names = [tuple(f for f, hit in zip(fields, p, strict=True) if hit) for p in patterns]
    changed = dict(zip(common[rows].tolist(), [names[k] for k in which.tolist()], strict=True))
    return Changes(added, removed, changed)


# Changelogs are sorted by id in row groups this small: reading one record's history (record_history)
# skips every group whose min/max ids cannot hold it, so a million-id changelog costs milliseconds
CHANGES_ROW_GROUP = 16_384


@dataclass(frozen=True)
class _Basis:
    """What a new version is compared with: the version read, the changes, and a note if it was damaged."""

    version: int | None
    changes: Changes
    note: str = ""


def _compare_with_current(root: Path, name: str, records: pd.DataFrame) -> _Basis:
    version = current_version(root, name)
    if version is None:
        return _Basis(None, diff_records(None, records))
    try:
        old = load_records(root, name, version)
    except DamagedVersion as exc:
        # A damaged version must not stop its own repair: compare with nothing, and say so.
        note = f"compared with nothing: the current version {version} is damaged ({exc.damage})"
        return _Basis(version, diff_records(None, records), note)
    return _Basis(version, diff_records(old, records))


# ---------------------------------------------------------------- writing a version


def _write_csv(frame: pd.DataFrame, out) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    frame.to_csv(text, index=False)
    text.flush()
    text.detach()


def _spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """quarantine.csv is opened in spreadsheets to fix rows: no cell (or header) may run as a formula."""
    out = frame.rename(columns=lambda c: neutralise(str(c)))
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            risky = col.map(is_formula).to_numpy(dtype=bool)
            if risky.any():
                out[c] = col.astype(object).where(~risky, col[risky].map(neutralise))
    return out


def _write_version(folder: Path, records: pd.DataFrame, quarantine: pd.DataFrame, changes: Changes, manifest: dict):
    """Write every file into a temporary folder, then rename it into place: a version is whole or absent.
    The manifest, written last, keeps each file's size and SHA-256 (history --verify compares them)."""
    tmp = folder.parent / f".tmp-{uuid.uuid4().hex}"
    fsio.ops.mkdir(tmp, parents=True)
    files = {
        "records.parquet": fsio.write_file(
            tmp / "records.parquet", lambda out: records.to_parquet(out, index=False, compression="zstd")
        ),
        "quarantine.csv": fsio.write_file(
            tmp / "quarantine.csv", lambda out: _write_csv(_spreadsheet_safe(quarantine), out)
        ),
        "changes.parquet": fsio.write_file(
            tmp / "changes.parquet",
            lambda out: (
                changes.frame(manifest.get("record_reasons"))
                .sort_values("encounter_id", kind="stable")
                .to_parquet(out, index=False, row_group_size=CHANGES_ROW_GROUP)
            ),
        ),
    }
    manifest["files"] = files
    fsio.write_bytes(tmp / "manifest.json", json.dumps(manifest, indent=2, default=str).encode("utf-8"))
    fsio.ops.fsync_dir(tmp)
    fsio.ops.rename(tmp, folder)
    fsio.ops.fsync_dir(folder.parent)


def _set_current(folder: Path, version: int, state: dict) -> None:
    tmp = folder / f".CURRENT.{uuid.uuid4().hex}"
    fsio.write_bytes(tmp, f"{version}\n".encode())
    fsio.ops.replace(tmp, folder / "CURRENT")
    state["committed"] = True  # from here on, readers see the new version
    fsio.ops.fsync_dir(folder)


def _clear_interrupted(folder: Path, current: int | None) -> None:
    """Remove what a killed or failed publish left: temporary folders and files, and versions never made
    current. Called only by the holder of the dataset's lock."""
    for p in folder.glob(".CURRENT.*"):
        fsio.ops.remove(p)
    for p in folder.glob(".publish-*"):
        if not _attempt_running(folder, p.name.removeprefix(".publish-")):
            fsio.ops.remove(p)
    versions = folder / "versions"
    if not versions.is_dir():
        return
    for p in versions.iterdir():
        if p.name.startswith(".tmp-") or (p.name.isdigit() and int(p.name) > (current or 0)):
            fsio.ops.remove(p)


def _write_failure(exc: OSError, folder: Path, name: str) -> StoreWriteError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreWriteError(
            f"the disk holding {folder} is full ({exc.strerror or exc}): nothing was published and {name} is "
            "as it was. Free some space there and publish again.",
            disk_full=True,
            directory=str(folder),
        )
    where = exc.filename or folder
    return StoreWriteError(
        f"could not write {where} ({exc.strerror or exc}): nothing was published and {name} is as it was.",
        directory=str(folder),
    )


COVERAGE_KEYS = ("coverage", "coverage_start", "coverage_end", "coverage_breaks")


def publish(
    root: Path,
    name: str,
    records: pd.DataFrame,
    quarantine: pd.DataFrame,
    info: dict,
    metadata: dict | None = None,
    wait_seconds: float = 30.0,
    if_current: int | None = None,
) -> dict:
    """Make `records` the new current version. Returns its manifest (with the change counts).

    info["record_reasons"] (encounter_id -> why, e.g. "report R-000123") is written into the version's
    changes. if_current: publish only if this is still the current version (records built from it
    must not undo a publish that came in between); otherwise raise VersionMoved and change nothing.

    The audit log gets a "started" line first (with a publish id), then "published", "refused" or
    "failed" with the reason. A write that fails (disk full, I/O error) raises StoreWriteError and leaves
    the dataset as it was, with nothing of the attempt left behind."""
    root = Path(root)
    folder = dataset_dir(root, name)
    entry = dict(info, action=info.get("action", "publish"), publish_id=uuid.uuid4().hex[:16])
    state = {"committed": False}
    try:
        fsio.ops.mkdir(folder, parents=True, exist_ok=True)
        append_audit(root, name, dict(entry, result="started"))
        with _attempt_marker(folder, entry["publish_id"]):
            manifest = _publish_new_version(
                root, name, records, quarantine, entry, metadata, wait_seconds, state, if_current
            )
    except (PublishBusy, VersionMoved) as exc:
        _log_end(root, name, dict(entry, result="refused", reason=str(exc)))
        raise
    except Exception as exc:
        if not state["committed"]:
            error = _write_failure(exc, folder, name) if isinstance(exc, OSError) else exc
            reason = str(error) if error is not exc else f"{type(exc).__name__}: {exc}"
            _log_end(root, name, dict(entry, result="failed", reason=reason))
            if error is exc:
                raise
            raise error from exc
        # The new version is current already (only the last fsync failed): the publish stands.
        manifest = state["manifest"]
        manifest["warning"] = f"published, but the disk did not confirm the last write ({exc})"
    if not _log_end(root, name, dict(manifest, action=entry["action"], result="published")):
        manifest["warning"] = "published, but the audit log could not be written (its version's manifest tells it)"
    return manifest


def _publish_new_version(root, name, records, quarantine, entry, metadata, wait_seconds, state, if_current) -> dict:
    folder = dataset_dir(root, name)
    # Compare outside the lock (a large diff must not make other publishes wait), then check under the
    # lock that the version compared with is still the current one; compare again if not.
    basis = _compare_with_current(root, name, records)
    with dataset_lock(root, name, wait_seconds):
        current = current_version(root, name)
        if if_current is not None and current != if_current:
            raise VersionMoved(f'"{name}" moved from version {if_current} to {current} meanwhile; nothing was changed')
        try:
            if current != basis.version:
                basis = _compare_with_current(root, name, records)
            _clear_interrupted(folder, current)
            if not (folder / "metadata.yaml").is_file():
                write_metadata(root, name, {"title": name, **(metadata or {})})
            version = (current or 0) + 1
            # the version keeps the coverage it was published with: a later edit of the metadata must not
            # change what an earlier version's comparisons and timelines say about it
            kept = {k: v for k, v in read_metadata(root, name).items() if k in COVERAGE_KEYS}
            manifest = dict(
                entry,
                dataset=name,
                version=version,
                published_at=_now(),
                coverage=json.loads(json.dumps(kept, default=str)),
                rows_published=len(records),
                rows_quarantined=len(quarantine),
                changes=basis.changes.summary(),
            )
            if basis.note:
                manifest["note"] = basis.note
            _write_version(version_dir(root, name, version), records, quarantine, basis.changes, manifest)
            state["manifest"] = manifest
            _set_current(folder, version, state)
        except BaseException:
            _clear_interrupted(folder, current_version(root, name))  # nothing of this attempt stays behind
            raise
    return manifest


def rollback(root: Path, name: str, to_version: int, who: str = "") -> dict:
    """Publish an old version's records again as a new version (history stays append-only). Works
    whatever state the current version is in; the version restored must be whole."""
    known = [h["version"] for h in history(root, name)]
    if to_version not in known:
        raise StoreError(f'dataset "{name}" has no version {to_version}; versions: {known}')
    damage = verify_version(root, name, to_version, deep=True)
    if damage:
        raise DamagedVersion(name, to_version, "; ".join(damage))
    records = load_records(root, name, to_version)
    quarantine = pd.read_csv(version_dir(root, name, to_version) / "quarantine.csv", dtype=str)
    info = {"action": "rollback", "rolled_back_to": to_version, "published_by": who}
    return publish(root, name, records, quarantine, info)
