"""The directory of published datasets: versions, atomic publish, history, rollback, audit log.

<datasets dir>/<name>/
    metadata.yaml            title, license, sources, as-of date, demonstration flag (editable)
    CURRENT                  the number of the version readers see
    versions/0003/           one immutable folder per version:
        records.parquet        published records
        quarantine.csv         rejected rows with their reasons
        changes.parquet        encounter ids added, changed (which fields) and removed, and why
                               (`reason`, e.g. "report R-000123"; versions before issue 18 lack it)
        manifest.json          counts, when, who, the input file's hash
    audit.jsonl              every publish and rollback attempt, including refused ones

A version is written into a temporary folder and renamed into place, then CURRENT is replaced
atomically; a reader sees the old version or the new one, never a mix, even if the writer is killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

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
    try:
        return int((dataset_dir(root, name) / "CURRENT").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def version_dir(root: Path, name: str, version: int) -> Path:
    return dataset_dir(root, name) / "versions" / f"{version:04d}"


def load_records(root: Path, name: str, version: int | None = None) -> pd.DataFrame:
    version = version or current_version(root, name)
    if version is None:
        raise StoreError(f'dataset "{name}" has no published version in {root}')
    return pd.read_parquet(version_dir(root, name, version) / "records.parquet")


def published_ids(root: Path, name: str) -> pd.Series:
    """The current version's encounter ids (empty when nothing is published): read alone, not the records."""
    version = current_version(root, name)
    if version is None:
        return pd.Series([], dtype=object)
    return pd.read_parquet(version_dir(root, name, version) / "records.parquet", columns=["encounter_id"])[
        "encounter_id"
    ]


def read_metadata(root: Path, name: str) -> dict:
    path = dataset_dir(root, name) / "metadata.yaml"
    meta = dict(METADATA_TEMPLATE, title=name)
    if path.is_file():
        meta.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return meta


def write_metadata(root: Path, name: str, metadata: dict) -> None:
    """Replace a dataset's metadata (atomically: a reader never sees half a file)."""
    folder = dataset_dir(root, name)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".metadata.{uuid.uuid4().hex}"
    tmp.write_text(yaml.safe_dump({**METADATA_TEMPLATE, **metadata}, sort_keys=False, allow_unicode=True))
    os.replace(tmp, folder / "metadata.yaml")


def read_manifest(root: Path, name: str, version: int) -> dict:
    return json.loads((version_dir(root, name, version) / "manifest.json").read_text())


def history(root: Path, name: str) -> list[dict]:
    """Every complete version, oldest first, with its manifest and whether it is current."""
    current = current_version(root, name)
    out = []
    for folder in sorted((dataset_dir(root, name) / "versions").glob("[0-9]" * 4)):
        if (folder / "manifest.json").is_file() and int(folder.name) <= (current or 0):
            m = json.loads((folder / "manifest.json").read_text())
            out.append(dict(m, current=int(folder.name) == current))
    return out


def read_audit(root: Path, name: str) -> list[dict]:
    path = dataset_dir(root, name) / "audit.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_audit(root: Path, name: str, entry: dict) -> None:
    folder = dataset_dir(root, name)
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps(dict(entry, at=entry.get("at") or _now()), default=str) + "\n"
    with open(folder / "audit.jsonl", "a", encoding="utf-8") as f:
        # One write in append mode keeps lines of two processes apart on a local disk; the lock keeps
        # them apart on a network file system too (NFS does not make O_APPEND atomic across machines).
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def dataset_lock(root: Path, name: str, wait_seconds: float = 30.0):
    """One writer per dataset at a time; a second one waits, then is refused with PublishBusy."""
    folder = dataset_dir(root, name)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
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


def diff_records(old: pd.DataFrame | None, new: pd.DataFrame) -> Changes:
    """Which encounter ids a new version adds, removes and changes (and which fields)."""
    if old is None or old.empty:
        return Changes(tuple(new["encounter_id"]), (), {})
    old_ids, new_ids = pd.Index(old["encounter_id"]), pd.Index(new["encounter_id"])
    added = tuple(new_ids.difference(old_ids, sort=False))
    removed = tuple(old_ids.difference(new_ids, sort=False))
    common = new_ids.intersection(old_ids, sort=False)
    a = old.set_index("encounter_id").loc[common]
    b = new.set_index("encounter_id").loc[common]
    fields = [c for c in b.columns if c in a.columns]
    differs = {}
    for c in fields:
        x, y = a[c].astype(object).to_numpy(), b[c].astype(object).to_numpy()
        # Compare only where both have a value: `pd.NA == 2` is NA, which has no truth value.
        x_na, y_na = pd.isna(x), pd.isna(y)
        both = ~(x_na | y_na)
        same = x_na & y_na
        same[both] = np.asarray(x[both] == y[both], dtype=bool)
        differs[c] = ~same
    mask = pd.DataFrame(differs, index=common)
    any_change = mask.any(axis=1)
    changed = {i: tuple(c for c in fields if mask.at[i, c]) for i in mask.index[any_change]}
    return Changes(added, removed, changed)


# Changelogs are sorted by id in row groups this small: reading one record's history (record_history)
# skips every group whose min/max ids cannot hold it, so a million-id changelog costs milliseconds
CHANGES_ROW_GROUP = 16_384


def _write_version(folder: Path, records: pd.DataFrame, quarantine: pd.DataFrame, changes: Changes, manifest: dict):
    tmp = folder.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    records.to_parquet(tmp / "records.parquet", index=False, compression="zstd")
    quarantine.to_csv(tmp / "quarantine.csv", index=False)
    changelog = changes.frame(manifest.get("record_reasons")).sort_values("encounter_id", kind="stable")
    changelog.to_parquet(tmp / "changes.parquet", index=False, row_group_size=CHANGES_ROW_GROUP)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    for f in tmp.iterdir():
        with open(f, "rb") as handle:
            os.fsync(handle.fileno())
    os.rename(tmp, folder)


def _set_current(folder: Path, version: int) -> None:
    tmp = folder / f".CURRENT.{uuid.uuid4().hex}"
    tmp.write_text(f"{version}\n")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, folder / "CURRENT")


def _clear_interrupted(folder: Path, current: int | None) -> None:
    """Remove what a killed publish left: temporary folders and versions never made current."""
    versions = folder / "versions"
    if not versions.is_dir():
        return
    for p in versions.iterdir():
        if p.name.startswith(".tmp-") or (p.name.isdigit() and int(p.name) > (current or 0)):
            shutil.rmtree(p, ignore_errors=True)


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
    """
    root = Path(root)
    folder = dataset_dir(root, name)
    try:
        with dataset_lock(root, name, wait_seconds):
            current = current_version(root, name)
            if if_current is not None and current != if_current:
                raise VersionMoved(
                    f'"{name}" moved from version {if_current} to {current} meanwhile; nothing was changed'
                )
            _clear_interrupted(folder, current)
            if not (folder / "metadata.yaml").is_file():
                meta = {**METADATA_TEMPLATE, "title": name, **(metadata or {})}
                (folder / "metadata.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
            old = load_records(root, name, current) if current else None
            changes = diff_records(old, records)
            version = (current or 0) + 1
            # the version keeps the coverage it was published with: a later edit of the metadata must not
            # change what an earlier version's comparisons and timelines say about it
            kept = {k: v for k, v in read_metadata(root, name).items() if k in COVERAGE_KEYS}
            manifest = dict(
                info,
                dataset=name,
                version=version,
                published_at=_now(),
                coverage=json.loads(json.dumps(kept, default=str)),
                rows_published=len(records),
                rows_quarantined=len(quarantine),
                changes=changes.summary(),
            )
            _write_version(version_dir(root, name, version), records, quarantine, changes, manifest)
            _set_current(folder, version)
    except PublishBusy as exc:
        append_audit(root, name, dict(info, action=info.get("action", "publish"), result="refused", reason=str(exc)))
        raise
    append_audit(root, name, dict(manifest, action=info.get("action", "publish"), result="published"))
    return manifest


def rollback(root: Path, name: str, to_version: int, who: str = "") -> dict:
    """Publish an old version's records again as a new version (history stays append-only)."""
    known = [h["version"] for h in history(root, name)]
    if to_version not in known:
        raise StoreError(f'dataset "{name}" has no version {to_version}; versions: {known}')
    records = load_records(root, name, to_version)
    quarantine = pd.read_csv(version_dir(root, name, to_version) / "quarantine.csv", dtype=str)
    info = {"action": "rollback", "rolled_back_to": to_version, "published_by": who}
    return publish(root, name, records, quarantine, info)
