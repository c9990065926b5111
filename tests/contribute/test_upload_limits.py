"""The plain parts of the upload guard (dashboard/upload_limits.py); tests/browser/test_upload_guard_browser.py
runs the whole guard on a real server."""

from __future__ import annotations

from dashboard.upload_limits import Permit, UploadPermits, UploadSpool


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
