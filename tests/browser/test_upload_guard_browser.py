"""Streamlit's upload endpoint on a real server: only a session allowed to upload can send it a file
(issue 14: eight 100 MB PUTs from a session that never signed in took the server from 399 MB to 1.22 GB).

The session id a browser tab holds comes from the server's first message on the websocket; the test
reads it there and PUTs to `/_stcore/upload_file/<session>/<file>` as an attacker with that tab would
(with the tab's XSRF cookie and header, so only our guard can refuse).
"""

from __future__ import annotations

import select
import shutil
import socket
import time
import uuid
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from support import contributor_run_dir, start_streamlit, stop_streamlit, wait_for_app

PASSWORD = "correct horse battery"
MB = 1024 * 1024


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def server(demo_root, tmp_path):
    root = tmp_path / "datasets"
    shutil.copytree(demo_root, root)
    cwd = contributor_run_dir(tmp_path, PASSWORD)
    proc, base = start_streamlit(root, cwd=cwd)
    yield proc, base, root
    stop_streamlit(proc)


def _spooled(root: Path) -> list[Path]:
    return [p for p in root.glob("_uploads/**/*") if p.is_file()]


def _watch_session_id(page) -> list[str]:
    """The ids the server gives this tab (one per websocket connection), as they arrive."""
    ids: list[str] = []

    def on_frame(payload) -> None:
        if isinstance(payload, bytes | bytearray):
            try:
                msg = ForwardMsg.FromString(bytes(payload))
            except Exception:
                return
            if msg.WhichOneof("type") == "new_session" and msg.new_session.initialize.session_id:
                ids.append(msg.new_session.initialize.session_id)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return ids


def _put(page, base: str, session_id: str, size: int) -> int:
    xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf")
    response = page.request.put(
        f"{base}/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        multipart={"file": {"name": "big.csv", "mimeType": "text/csv", "buffer": b"a,b\n" + b"x" * size}},
        headers={"X-Xsrftoken": xsrf},
        timeout=120_000,
    )
    return response.status


def test_a_session_that_never_signed_in_cannot_upload(server, page):
    proc, base, root = server
    ids = _watch_session_id(page)
    page.goto(base)
    wait_for_app(page)
    assert ids, "the server sent no session id"
    before = _rss_mb(proc.pid)
    statuses = [_put(page, base, ids[-1], 20 * MB) for _ in range(3)]
    grown = _rss_mb(proc.pid) - before
    assert statuses == [403, 403, 403]  # before the guard: 204 each, and 60 MB held until the session ended
    assert grown < 20, f"the server grew by {grown:.0f} MB for refused uploads"
    assert _spooled(root) == []


def test_a_signed_in_contributor_uploads_to_disk_not_memory(server, page):
    proc, base, root = server
    ids = _watch_session_id(page)
    page.goto(base + "/contribute")
    page.get_by_role("textbox", name="Username").fill("alice")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as Alice Example (alice)").wait_for(timeout=30000)
    wait_for_app(page)
    before = _rss_mb(proc.pid)
    assert _put(page, base, ids[-1], 20 * MB) == 204
    grown = _rss_mb(proc.pid) - before
    assert [p.stat().st_size for p in _spooled(root)] == [20 * MB + 4]  # the file waits on disk
    assert grown < 20, f"the server grew by {grown:.0f} MB holding a file it keeps on disk"
    # Signing out takes the permit and the file away.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Username").wait_for(timeout=30000)
    wait_for_app(page)
    assert _spooled(root) == []
    assert _put(page, base, ids[-1], MB) == 403


def _put_headers_only(base: str, page, session_id: str, declared: int) -> tuple[int | None, float]:
    """Send a PUT's headers declaring `declared` bytes and the first 64 KB of the body, no more: (the status
    the server answers with, within 20 s, or None; seconds it took). A server that reads the body before
    judging its size never answers."""
    xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf")
    host, port = base.removeprefix("http://").split(":")
    head = (
        f"PUT /_stcore/upload_file/{session_id}/{uuid.uuid4()} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Cookie: _streamlit_xsrf={xsrf}\r\nX-Xsrftoken: {xsrf}\r\n"
        f"Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: {declared}\r\n\r\n"
        '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="big.geojson"\r\n\r\n'
    ).encode()
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=20) as conn:
        conn.sendall(head + b"x" * 65536)
        try:
            answer = conn.recv(200)
        except TimeoutError:
            return None, time.monotonic() - started
    status = answer.split(b" ")[1] if answer.startswith(b"HTTP/") else b""
    return (int(status) if status.isdigit() else None), time.monotonic() - started


def _put_chunked(base: str, page, session_id: str, most: int) -> tuple[int | None, int]:
    """Send a PUT with no declared size (chunked, 1 MB a chunk) until the server answers or `most` bytes
    are sent: (the status, or None; bytes sent when the answer came)."""
    xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf")
    host, port = base.removeprefix("http://").split(":")
    head = (
        f"PUT /_stcore/upload_file/{session_id}/{uuid.uuid4()} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Cookie: _streamlit_xsrf={xsrf}\r\nX-Xsrftoken: {xsrf}\r\n"
        "Content-Type: multipart/form-data; boundary=XYZ\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    first = b'--XYZ\r\nContent-Disposition: form-data; name="file"; filename="big.geojson"\r\n\r\n'
    chunk = b"%x\r\n" % MB + b"x" * MB + b"\r\n"
    sent = 0
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(head + b"%x\r\n" % len(first) + first + b"\r\n")
        try:
            while sent < most and not select.select([conn], [], [], 0)[0]:  # until an answer is waiting
                conn.sendall(chunk)
                sent += MB
        except OSError:  # the server closed the connection
            pass
        conn.settimeout(20)
        try:
            answer = conn.recv(200)
        except OSError:
            answer = b""
    status = answer.split(b" ")[1] if answer.startswith(b"HTTP/") else b""
    return (int(status) if status.isdigit() else None), sent


def test_a_visitors_boundary_file_over_its_limit_is_refused_before_it_is_read(server, page):
    """The Briefing page lets a visitor send one boundary file of 25 MB; the server's limit (200 MB) is for
    contributors. Refused by its declared size, before the body arrives; a 1 MB file is still taken."""
    proc, base, root = server
    ids = _watch_session_id(page)
    page.goto(base + "/briefing?area_type=upload")
    page.get_by_text("Boundary file").first.wait_for(timeout=60000)
    wait_for_app(page)
    status, seconds = _put_headers_only(base, page, ids[-1], 150 * MB)
    # before: no answer (the server waited for all 150 MB, then refused them with 413)
    assert status == 413, f"answered {status} after {seconds:.1f} s"
    # With no declared size, the server stops reading just past the permit (before: all of it, up to 200 MB).
    status, sent = _put_chunked(base, page, ids[-1], 80 * MB)
    assert status == 413 and sent < 40 * MB, f"answered {status} after {sent / MB:.0f} MB"
    # As a browser sends it: refused, and the server does not hold it on the way.
    before = _rss_mb(proc.pid)
    assert _put(page, base, ids[-1], 40 * MB) == 413
    assert _rss_mb(proc.pid) - before < 30
    assert _spooled(root) == []
    assert _put(page, base, ids[-1], MB) == 204
    assert [p.stat().st_size for p in _spooled(root)] == [MB + 4]
