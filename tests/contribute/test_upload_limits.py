"""The plain parts of the upload guard (dashboard/upload_limits.py); tests/browser/test_upload_guard_browser.py
runs the whole guard on a real server."""

from __future__ import annotations

import errno
import os

import pytest

from dashboard import fsio
from dashboard.upload_limits import Permit, UploadNotStored, UploadPermits, UploadSpool


def test_only_granted_sessions_may_upload_and_revoking_takes_it_back():
    permits = UploadPermits()
    assert permits.permit("s1") is None
    permits.grant("s1", "contributor", 200 * 2**20, 3)
    assert permits.permit("s1") == Permit("contributor", 200 * 2**20, 3)
    permits.revoke("s1")
    assert permits.permit("s1") is None


def test_permits_are_bounded_oldest_first():
    permits = UploadPermits(size=3)
    for s in ("a", "b", "c", "d"):
        permits.grant(s, "visitor", 10)
    assert permits.permit("a") is None and permits.permit("d") is not None


def test_spool_keeps_files_on_disk_and_at_most_max_files_per_session(tmp_path):
    spool = UploadSpool(tmp_path / "incoming")
    spool.put("s1", "f1", b"first", max_files=1)
    spool.put("s1", "f2", b"second", max_files=1)  # a visitor's second file replaces the first
    assert spool.read("s1", "f1") is None and spool.read("s1", "f2") == b"second"
    assert spool.bytes_held() == len(b"second")
    spool.remove_session("s1")
    assert spool.read("s1", "f2") is None and spool.bytes_held() == 0


def test_ids_from_the_url_never_become_paths(tmp_path):
    spool = UploadSpool(tmp_path / "incoming")
    spool.put("../../s", "../../../escape", b"x", max_files=1)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].is_relative_to(tmp_path / "incoming")
    assert ".." not in str(written[0].relative_to(tmp_path))


class _DiskFullAfter(fsio.FileOps):
    """A disk with `room` bytes left: the write that passes it fails with ENOSPC, part of it on disk."""

    def __init__(self, room: int):
        self.room = room

    def write(self, handle, data):
        if len(data) > self.room:
            super().write(handle, data[: self.room])  # what a full disk leaves: a partial file
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), handle.name)
        self.room -= len(data)
        super().write(handle, data)


@pytest.mark.parametrize("room", [pytest.param(1000, id="fills-up-midway"), pytest.param(0, id="already-full")])
def test_a_full_disk_while_storing_an_upload_says_so_and_leaves_nothing(tmp_path, monkeypatch, room):
    spool = UploadSpool(tmp_path / "incoming")
    spool.put("s1", "kept", b"an earlier file", max_files=3)
    monkeypatch.setattr(fsio, "ops", _DiskFullAfter(room))
    with pytest.raises(UploadNotStored) as refused:
        spool.put("s1", "big", b"x" * 5000, max_files=3)
    assert refused.value.disk_full and "disk is full" in str(refused.value)
    assert "nothing of it was kept" in str(refused.value)
    left = sorted(p.name for p in (tmp_path / "incoming").rglob("*") if p.is_file())
    assert len(left) == 1  # no half-written file: only the earlier upload
    assert spool.read("s1", "big") is None and spool.read("s1", "kept") == b"an earlier file"


def test_another_write_error_while_storing_an_upload_names_it(tmp_path, monkeypatch):
    class Broken(fsio.FileOps):
        def replace(self, source, target):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(target))

    spool = UploadSpool(tmp_path / "incoming")
    monkeypatch.setattr(fsio, "ops", Broken())
    with pytest.raises(UploadNotStored, match=r"could not store the file \(Input/output error\)") as refused:
        spool.put("s1", "f", b"data", max_files=1)
    assert not refused.value.disk_full
    assert [p for p in (tmp_path / "incoming").rglob("*") if p.is_file()] == []


def test_the_upload_route_answers_a_full_disk_with_its_words(tmp_path, monkeypatch):
    """What the uploader shows: 507 with the sentence, not a 500 (the route's handler is _DiskUploads)."""
    from starlette.exceptions import HTTPException
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    from dashboard.views.uploads import _DiskUploads

    manager = _DiskUploads("/_stcore/upload_file")
    manager.permits, manager.spool, manager.index = UploadPermits(), UploadSpool(tmp_path / "incoming"), {}
    manager.permits.grant("s1", "contributor", 10_000, 3)
    monkeypatch.setattr(fsio, "ops", _DiskFullAfter(0))
    with pytest.raises(HTTPException) as answer:
        manager.add_file("s1", UploadedFileRec(file_id="f", name="a.csv", type="text/csv", data=b"a,b\n1,2\n"))
    assert answer.value.status_code == 507 and "disk is full" in answer.value.detail
    assert manager.get_files("s1", ["f"]) == []
