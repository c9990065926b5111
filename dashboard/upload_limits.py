"""Who may send this server files, how much, and where the bytes wait: without Streamlit.

Streamlit's own upload endpoint (`PUT /_stcore/upload_file/<session>/<file>`) takes a file from any
open session and holds it in memory until the session ends (issue 14: eight 100 MB PUTs from a
session that never signed in took the server from 399 MB to 1.22 GB). dashboard/views/uploads.py
puts these two plain objects in front of it:

- `UploadPermits`: which sessions may upload. A signed-in contributor, up to the server's limit; a
  visitor shown an uploader meant for visitors (the Briefing page's boundary file), up to that
  uploader's limit and one file at a time; every other session nothing, refused before its body is read.
- `UploadSpool`: the bytes of accepted uploads on disk, one folder per session, removed when the file
  or the session goes; nothing is held in memory between runs of the page.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from dashboard import fsio


@dataclass(frozen=True)
class Permit:
    kind: str  # "contributor" or "visitor"
    max_bytes: int
    max_files: int  # files kept per session; an upload past this replaces the session's oldest file


class UploadPermits:
    """Session id -> Permit. Thread-safe (the upload handler runs on the server's event loop, pages in
    script threads) and bounded: past `size` sessions the least recently granted permit goes first
    (a session that lost its permit gets it back on its next run of the page)."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._permits: OrderedDict[str, Permit] = OrderedDict()
        self._lock = threading.Lock()

    def grant(self, session_id: str, kind: str, max_bytes: int, max_files: int = 1) -> None:
        with self._lock:
            self._permits[session_id] = Permit(kind, int(max_bytes), int(max_files))
            self._permits.move_to_end(session_id)
            while len(self._permits) > self.size:
                self._permits.popitem(last=False)

    def revoke(self, session_id: str) -> None:
        with self._lock:
            self._permits.pop(session_id, None)

    def permit(self, session_id: str) -> Permit | None:
        """None: this session may not upload anything."""
        with self._lock:
            return self._permits.get(session_id)


class UploadNotStored(Exception):
    """An accepted upload could not be written to the spool (the disk is full, or another write error).
    Its message is for the person uploading; nothing of the file is left on disk."""

    def __init__(self, message: str, disk_full: bool = False):
        super().__init__(message)
        self.disk_full = disk_full


class UploadSpool:
    """Uploaded files on disk under `folder/<session>/`, named by a hash of the file id (ids come from
    the request's URL, so they never reach the file system as they are)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()

    def _session_dir(self, session_id: str) -> Path:
        return self.folder / hashlib.sha256(session_id.encode()).hexdigest()[:32]

    def _path(self, session_id: str, file_id: str) -> Path:
        return self._session_dir(session_id) / hashlib.sha256(file_id.encode()).hexdigest()[:32]

    def put(self, session_id: str, file_id: str, data: bytes, max_files: int) -> None:
        """Write the file (atomically), then drop the session's oldest files past `max_files`."""
        folder = self._session_dir(session_id)
        tmp = folder / f".tmp-{uuid.uuid4().hex}"
        try:  # through the store's write seam (dashboard/fsio.py), so the fault tests reach it too
            fsio.ops.mkdir(folder, parents=True, exist_ok=True)
            fsio.write_bytes(tmp, data)
            fsio.ops.replace(tmp, self._path(session_id, file_id))
        except OSError as exc:
            fsio.ops.remove(tmp)  # nothing half-written stays behind
            raise not_stored(exc) from exc
        with self._lock:
            files = sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
            for old in files[: max(0, len(files) - max_files)]:
                old.unlink(missing_ok=True)

    def read(self, session_id: str, file_id: str) -> bytes | None:
        try:
            return self._path(session_id, file_id).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, session_id: str, file_id: str) -> None:
        self._path(session_id, file_id).unlink(missing_ok=True)

    def remove_session(self, session_id: str) -> None:
        shutil.rmtree(self._session_dir(session_id), ignore_errors=True)

    def clear(self) -> None:
        """Remove everything (a new server process: the sessions that uploaded these are gone)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def bytes_held(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file()) if self.folder.exists() else 0


def not_stored(exc: OSError) -> UploadNotStored:
    """The words for a write of an upload that failed (a full disk named as such)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UploadNotStored(
            "The server's disk is full, so the file could not be stored and nothing of it was kept. "
            "Try again later, and tell the site's maintainers.",
            disk_full=True,
        )
    return UploadNotStored(
        f"The server could not store the file ({exc.strerror or exc}); nothing of it was kept. Try again later."
    )


def disk_has_room(folder: Path, nbytes: int) -> bool:
    """Whether the disk holding `folder` (or its nearest existing parent) has `nbytes` free. A page offers
    an uploader only then, so a full disk is said before a file is sent, not after (the uploader itself
    can show only a status code)."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free >= nbytes
    except OSError:
        return True  # cannot tell: let the upload try (a write that fails still says so)
