"""What the Contribute page does with an uploaded file, without Streamlit.

- `store_upload` keeps the bytes under `<datasets dir>/_uploads/<sha256><suffix>`: the name is
  generated from the content, never taken from the user, and the audit log's `input_sha256` points
  straight at the stored copy.
- `prepare_in_steps` is `pipeline.prepare` with a callback between its steps (read, map and validate;
  then clean), so a page can show progress on a large file. tests/contribute checks the two agree.
- `change_details`, `added_rows`, `removed_rows` turn a `store.Changes` into tables a person can read.
- `safe_csv` writes any table as CSV that a spreadsheet will not run as formulas.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from dashboard import fsio, store
from dashboard.explore.export import FORMULA_STARTS, neutralise
from dashboard.ingest.pipeline import Prepared, clean_valid, prepare
from dashboard.ingest.read import FileUnusable
from dashboard.upload_limits import not_stored

UPLOADS = "_uploads"  # a name store.check_name refuses, so it can never clash with a dataset
# The suffix of a stored upload is chosen from this list by the uploaded name's ending (the reader
# picks the format by suffix); nothing else of the user's file name reaches the file system.
SUFFIXES = (".csv.gz", ".tsv.gz", ".txt.gz", ".json.gz", ".csv", ".tsv", ".txt", ".psv", ".json", ".xlsx")
UPLOAD_TYPES = ["csv", "tsv", "txt", "psv", "json", "xlsx", "gz"]  # for st.file_uploader(type=...)


def upload_suffix(filename: str) -> str:
    lower = str(filename or "").lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    raise FileUnusable("this kind of file cannot be read; upload a CSV file or an Excel .xlsx sheet")


def uploads_dir(root: Path) -> Path:
    return Path(root) / UPLOADS


def store_upload(root: Path, data: bytes | BinaryIO, filename: str) -> Path:
    """Save an upload as `_uploads/<sha256 of the content><suffix>` (atomically) and return its path.
    Writes go through the store's seam (dashboard/fsio.py); a full disk or another write error raises
    UploadNotStored saying so, with nothing of the file left behind."""
    suffix = upload_suffix(filename)
    folder = uploads_dir(root)
    tmp = folder / f".tmp-{uuid.uuid4().hex}"
    stream = data if hasattr(data, "read") else io.BytesIO(data)
    stream.seek(0)
    try:
        fsio.ops.mkdir(folder, parents=True, exist_ok=True)
        written = fsio.write_file(tmp, lambda out: shutil.copyfileobj(stream, out, 1 << 20))
        dest = folder / f"{written['sha256']}{suffix}"
        fsio.ops.replace(tmp, dest)  # the same content twice gives the same file
    except OSError as exc:
        fsio.ops.remove(tmp)
        raise not_stored(exc) from exc
    return dest


def store_mapping_text(root: Path, text: str) -> Path:
    """Save a mapping typed or edited on the page as `_uploads/mappings/<sha256>/your-mapping.yaml` and return
    its path: messages then name "your-mapping.yaml", and the same text twice gives the same file, so a
    checked file is found again in the cache."""
    data = text.encode("utf-8")
    folder = uploads_dir(root) / "mappings" / hashlib.sha256(data).hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / "your-mapping.yaml"
    if not dest.is_file():
        tmp = folder / f".tmp-{uuid.uuid4().hex}"
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    return dest


def draft_for_upload(path: Path, source: str) -> str:
    """A drafted mapping of an uploaded file, naming the file as the contributor knows it."""
    from dashboard.ingest.draft import draft_mapping
    from dashboard.ingest.read import read_table

    try:
        raw, _ = read_table(path)
    except FileUnusable as exc:
        raise FileUnusable(str(exc).replace(path.name, source)) from None
    return draft_mapping(raw, source)


def preview_frames(prepared: Prepared, n: int) -> list[tuple[int, bool, pd.DataFrame, pd.DataFrame]]:
    """(row, valid, source fields, record fields) for the first n records of a mapped file, as two-column
    tables a page shows side by side; the source side never holds a column the mapping excludes."""
    from dashboard.ingest.preview import preview_pairs

    invalid = set(prepared.problems["row"].tolist())
    out = []
    for row, source, mapped in preview_pairs(prepared, n):
        left = pd.DataFrame({"source column": list(source), "value": list(source.values())}, dtype=object)
        right = pd.DataFrame({"record column": list(mapped), "value": list(mapped.values())}, dtype=object)
        out.append((row, row not in invalid, left, right))
    return out


def display_name(filename: str, limit: int = 120) -> str:
    """The user's file name as text to show and record (never used in a path): no folders, no controls."""
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())
    return (name[:limit] + "...") if len(name) > limit else (name or "upload")


def prepare_in_steps(
    path: Path,
    mapping: Path | None = None,
    source: str | None = None,
    step: Callable[[str], None] = lambda _text: None,
) -> Prepared:
    """`pipeline.prepare(path, mapping)` in two steps, calling `step(text)` before each, so a page can show
    progress: read, map and validate; then clean and enrich the valid rows. `source` names the file
    (the name the contributor knows, not the stored one) in the result and in a FileUnusable message."""
    path = Path(path)
    source = source or path.name
    step("Reading the file and checking every row" + (f" through the mapping {Path(mapping).name}" if mapping else ""))
    try:
        prepared = prepare(path, mapping=mapping, with_records=False)
    except FileUnusable as exc:
        raise FileUnusable(str(exc).replace(path.name, source)) from None
    step(f"Cleaning and enriching {int((~prepared.validation.invalid_rows).sum()):,} valid rows")
    clean_valid(prepared)
    return replace(prepared, source=source, report=replace(prepared.report, path=source))


class LRU:
    """A small thread-safe least-recently-used map (prepared files and previews shared by sessions)."""

    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


# ---------------------------------------------------------------- the change preview as tables

PREVIEW_COLUMNS = ["encounter_id", "date", "city", "state", "agencies", "encounter_type", "force_level", "verification"]


def as_text(value: object) -> str:
    """A published value as a person reads it: dates as YYYY-MM-DD, missing as empty."""
    if value is None or (not isinstance(value, str | list | tuple | np.ndarray) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return str(value)


def change_details(old: pd.DataFrame | None, new: pd.DataFrame, changes: store.Changes, limit: int | None = None):
    """One row per changed field: encounter_id, field, before, after (the first `limit` records)."""
    ids = list(changes.changed)[:limit] if limit else list(changes.changed)
    if not ids or old is None:
        return pd.DataFrame(columns=["encounter_id", "field", "before", "after"])
    a = old.set_index("encounter_id").loc[ids]
    b = new.set_index("encounter_id").loc[ids]
    rows = [(i, f, as_text(a.at[i, f]), as_text(b.at[i, f])) for i in ids for f in changes.changed[i]]
    return pd.DataFrame(rows, columns=["encounter_id", "field", "before", "after"])


def _rows(frame: pd.DataFrame | None, ids: tuple, limit: int | None) -> pd.DataFrame:
    cols = [c for c in PREVIEW_COLUMNS if frame is not None and c in frame.columns]
    if frame is None or not ids:
        return pd.DataFrame(columns=cols or PREVIEW_COLUMNS)
    wanted = pd.Index(ids[:limit] if limit else ids)
    out = frame.loc[frame["encounter_id"].isin(wanted), cols]
    return out.assign(**{c: out[c].astype(object).map(as_text) for c in cols if c != "encounter_id"}).reset_index(
        drop=True
    )


def added_rows(new: pd.DataFrame, changes: store.Changes, limit: int | None = None) -> pd.DataFrame:
    return _rows(new, changes.added, limit)


def removed_rows(old: pd.DataFrame | None, changes: store.Changes, limit: int | None = None) -> pd.DataFrame:
    return _rows(old, changes.removed, limit)


# ---------------------------------------------------------------- downloads


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV of any table (headers included) where no cell starts a spreadsheet formula."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
            risky = col.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            if risky.any():
                out[c] = col.where(~risky, col[risky].map(neutralise))
    # CRLF line ends make the csv writer quote any cell holding a CR or LF, so no cell breaks a row.
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def audit_frame(entries: list[dict]) -> pd.DataFrame:
    """The audit log as a table, newest first, with the change counts spelled out."""
    if not entries:
        return pd.DataFrame(columns=["at", "action", "result", "published_by", "version", "input_file"])
    rows = []
    for e in reversed(entries):
        ch = e.get("changes") or {}
        rows.append(
            {
                "at": e.get("at") or e.get("published_at"),
                "action": e.get("action", "publish"),
                "result": e.get("result", ""),
                "published_by": e.get("published_by") or "",
                "version": e.get("version"),
                "rolled_back_to": e.get("rolled_back_to"),
                "input_file": e.get("input_file") or "",
                "input_sha256": e.get("input_sha256") or "",
                "mapping": e.get("mapping") or "",
                "rows_in": e.get("rows_in"),
                "rows_published": e.get("rows_published"),
                "rows_quarantined": e.get("rows_quarantined"),
                "added": ch.get("added"),
                "changed": ch.get("changed"),
                "removed": ch.get("removed"),
                "reason": e.get("reason") or "",
            }
        )
    out = pd.DataFrame(rows)
    for c in (
        "version",
        "rolled_back_to",
        "rows_in",
        "rows_published",
        "rows_quarantined",
        "added",
        "changed",
        "removed",
    ):
        out[c] = pd.array(out[c], dtype="Int64")
    return out


def history_frame(versions: list[dict]) -> pd.DataFrame:
    """store.history as a table, newest first."""
    rows = []
    for h in reversed(versions):
        ch = h.get("changes") or {}
        what = h.get("action", "publish")
        if h.get("rolled_back_to"):
            what += f" to version {h['rolled_back_to']}"
        rows.append(
            {
                "version": h["version"],
                "current": "current" if h.get("current") else "",
                "damage": "; ".join(h.get("damage") or []),
                "published_at": h.get("published_at"),
                "what": what,
                "published_by": h.get("published_by") or "",
                "input_file": h.get("input_file") or "",
                "records": h.get("rows_published"),
                "quarantined": h.get("rows_quarantined"),
                "added": ch.get("added", 0),
                "changed": ch.get("changed", 0),
                "removed": ch.get("removed", 0),
            }
        )
    return pd.DataFrame(rows)
