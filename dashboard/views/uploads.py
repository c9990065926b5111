"""Streamlit's upload endpoint, guarded: no upload from a session that may not upload (issue 14).

Streamlit serves `PUT /_stcore/upload_file/<session>/<file>` for every open session and keeps each file
in memory until the session ends. Streamlit has no setting for who may upload, and our code first runs
inside a page, after the server has started, so `install` adjusts the live runtime once per process:

1. Before it reads a byte of the body, the handler asks `runtime.is_active_session(session)` (its only
   caller in Streamlit 1.67). Ours answers 403 for a session holding no permit, so a visitor who never
   signed in is refused at once and the server never receives the file.
   The route's size checks (Content-Length first, then a cap while the body streams in) then use the
   session's permit, not the server's maxUploadSize, so a file over the permit is refused before the
   server has read more than the permit allows.
2. The runtime's uploaded-file manager becomes `_DiskUploads`: it checks the permit again (and the
   permit's size and file count: 413 over the size), and keeps accepted files on disk in the data
   directory's `_uploads/_incoming/` instead of in memory.

Permits (dashboard/upload_limits.py): a signed-in contributor may upload up to `server.maxUploadSize`;
a visitor shown the Briefing page's boundary uploader may upload one file up to that uploader's limit;
nobody else may upload. tests/app/test_upload_guard.py runs a real server and checks both.
"""

from __future__ import annotations

import os
import socket
from contextvars import ContextVar
from pathlib import Path

import streamlit as st
from starlette.exceptions import HTTPException
from streamlit import config as st_config
from streamlit.runtime import Runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFileRec
from streamlit.web.server.starlette import starlette_routes

from dashboard.contributor_files import uploads_dir
from dashboard.upload_limits import Permit, UploadNotStored, UploadPermits, UploadSpool, disk_has_room

REFUSED = "Uploads are for signed-in contributors (and the Briefing page's boundary file)."
CONTRIBUTOR_FILES = 3  # the uploader takes one file; a few more cover a replaced file not yet deleted


# The permit of the session an upload request is for, set when the route asks whether the session may
# upload (before it reads the body) and read by the same request's size checks.
_REQUEST_LIMIT: ContextVar[int | None] = ContextVar("upload_request_limit", default=None)


class _PermitSizedConfig:
    """`streamlit.config` as Streamlit's upload route sees it: within an upload request,
    `server.maxUploadSize` is the smaller of the server's and the session's permit. The route refuses by
    Content-Length before reading the body, and stops reading the body past that size, so a visitor's
    25 MB boundary file is refused at 25 MB, not after 200 MB (the server's limit) were read."""

    def __init__(self, config):
        self._config = config

    def get_option(self, key: str):
        value = self._config.get_option(key)
        limit = _REQUEST_LIMIT.get()
        if key == "server.maxUploadSize" and limit is not None:
            return min(value, limit / (1024 * 1024))  # the route multiplies by 1024 * 1024 again
        return value

    def __getattr__(self, name: str):
        return getattr(self._config, name)


class _DiskUploads(MemoryUploadedFileManager):
    """The runtime's manager, with permits and a disk spool. `install` sets `permits`, `spool` and
    `index` (session -> {file id: (name, type)}) after switching the live object to this class."""

    permits: UploadPermits
    spool: UploadSpool
    index: dict[str, dict[str, tuple[str, str]]]

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        permit = self.permits.permit(session_id)
        if permit is None:
            raise HTTPException(status_code=403, detail=REFUSED)
        if len(file.data) > permit.max_bytes:
            raise HTTPException(status_code=413, detail="File too large")
        try:
            self.spool.put(session_id, file.file_id, file.data, permit.max_files)
        except UploadNotStored as exc:  # 507 Insufficient Storage: the uploader shows the words, not a 500
            raise HTTPException(status_code=507 if exc.disk_full else 503, detail=str(exc)) from exc
        with self._lock:
            self.index.setdefault(session_id, {})[file.file_id] = (file.name, file.type)

    def get_files(self, session_id: str, file_ids) -> list[UploadedFileRec]:
        with self._lock:
            known = dict(self.index.get(session_id, {}))
        out = []
        for file_id in file_ids:
            if file_id in known and (data := self.spool.read(session_id, file_id)) is not None:
                out.append(UploadedFileRec(file_id=file_id, name=known[file_id][0], type=known[file_id][1], data=data))
        return out

    def remove_file(self, session_id: str, file_id: str) -> None:
        with self._lock:
            self.index.get(session_id, {}).pop(file_id, None)
        self.spool.remove(session_id, file_id)

    def remove_session_files(self, session_id: str) -> None:
        with self._lock:
            self.index.pop(session_id, None)
        self.spool.remove_session(session_id)

    def get_stats(self, family_names=None) -> dict:
        return {}  # nothing in memory to report


def _spool_folder(root: Path) -> Path:
    """`_uploads/_incoming/<host>-<pid>`: one folder per server process. Folders of ended processes of
    this machine are removed; another machine's (a data directory shared by replicas) are left alone."""
    incoming = uploads_dir(root) / "_incoming"
    host = socket.gethostname()
    if incoming.is_dir():
        for old in incoming.iterdir():
            name, _, pid = old.name.rpartition("-")
            if name == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                UploadSpool(old).clear()
    return incoming / f"{host}-{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@st.cache_resource(show_spinner=False)
def _install(root: str) -> UploadPermits | None:
    """Once per server process. None when there is no server runtime (AppTest, bare mode)."""
    if not Runtime.exists():
        return None
    runtime = Runtime.instance()
    manager = runtime.uploaded_file_mgr
    if not isinstance(manager, MemoryUploadedFileManager):
        return None
    permits = UploadPermits()
    if not isinstance(manager, _DiskUploads):
        spool = UploadSpool(_spool_folder(Path(root)))
        spool.clear()
        with manager._lock:  # anything accepted before the first page run was nobody's permitted upload
            manager.file_storage.clear()
            manager._total_bytes = manager._file_count = 0
            manager.__class__ = _DiskUploads
            manager.permits, manager.spool, manager.index = permits, spool, {}
        is_active = runtime.is_active_session

        def is_active_and_may_upload(session_id: str) -> bool:
            if not is_active(session_id):
                return False
            permit = manager.permits.permit(session_id)
            if permit is None:
                raise HTTPException(status_code=403, detail=REFUSED)
            _REQUEST_LIMIT.set(permit.max_bytes)  # this request's context: see _PermitSizedConfig
            return True

        runtime.is_active_session = is_active_and_may_upload
        if not isinstance(starlette_routes.config, _PermitSizedConfig):
            starlette_routes.config = _PermitSizedConfig(starlette_routes.config)
    return manager.permits


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def contributor_may_upload(root: Path, signed_in: bool) -> None:
    """On every run of the app: a signed-in contributor's session may upload; any other loses the
    contributor's permit (and its files) the moment it is signed out."""
    permits, session = _install(str(root)), _session_id()
    if permits is None or session is None:
        return
    permit = permits.permit(session)
    if signed_in:
        limit = contributor_upload_limit()
        if permit is None or permit != Permit("contributor", limit, CONTRIBUTOR_FILES):
            permits.grant(session, "contributor", limit, CONTRIBUTOR_FILES)
    elif permit is not None and permit.kind == "contributor":
        permits.revoke(session)
        Runtime.instance().uploaded_file_mgr.remove_session_files(session)


def visitor_may_upload(root: Path, max_mb: float) -> None:
    """A page showing a visitor an uploader (the Briefing's boundary file): one file of `max_mb` at most."""
    permits, session = _install(str(root)), _session_id()
    if permits is None or session is None:
        return
    permit = permits.permit(session)
    if permit is None:
        permits.grant(session, "visitor", int(max_mb * 1024 * 1024), 1)


FULL_DISK = "The server's disk is full, so files cannot be uploaded now. Try again later."


def room_for_upload(root: Path, max_bytes: int) -> bool:
    """Whether the disk that holds uploads (the data directory's `_uploads`) has room for one of `max_bytes`."""
    return disk_has_room(uploads_dir(root), max_bytes)


def contributor_upload_limit() -> int:
    return int(st_config.get_option("server.maxUploadSize")) * 1024 * 1024
