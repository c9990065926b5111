"""`make cluster REPLICAS=2`: the app served through nginx, sticky sessions, and a publish that every
replica serves without a restart. Two real Streamlit processes on one data directory."""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest
from cluster_support import free_block, launcher, stop_group
from streamlit_session import run_page
from support import REPO

from dashboard import store

pytestmark = pytest.mark.xdist_group("cluster")  # one cluster per module, in one worker

DEMO_CSV = REPO / "data" / "sources" / "demo" / "encounters.csv"


def _get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read().decode("utf-8", "replace")


def test_make_cluster_serves_the_app_through_nginx(nginx_cluster):
    status, headers, body = _get(nginx_cluster.http + "/")
    assert status == 200 and "<title>" in body.lower() or "streamlit" in body.lower()
    route = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("encounters_route=")]
    assert route and "HttpOnly" in route[0], "nginx gives a visitor the affinity cookie"
    status, _, body = _get(nginx_cluster.http + "/_stcore/health")
    assert (status, body) == (200, "ok")
    # A visitor's session, over the websocket through nginx: the Explore page of the demo dataset.
    cookie = route[0].split(";")[0]
    run = run_page(nginx_cluster.ws, "dataset=demo", headers={"Cookie": cookie})
    assert run.finished and not run.exceptions, run.exceptions
    assert "Encounters: 2,000" in run.texts


def _session(url: str, cookie: str, resume: str | None = None) -> str:
    subprotocols = ["streamlit", "no-xsrf", resume] if resume else None
    run = run_page(url, "", page="methodology", headers={"Cookie": cookie}, subprotocols=subprotocols)
    assert run.finished, "the methodology page did not finish"
    return run.session_id


def _new_visitor(http: str) -> str:
    """The affinity cookie nginx gives a visitor with none, on the page's first request."""
    _, headers, _ = _get(http + "/")
    route = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("encounters_route=")]
    assert route, "nginx gave a new visitor no affinity cookie"
    return route[0].split(";")[0]


def test_sessions_stick_to_one_replica_and_visitors_spread_over_both(nginx_cluster):
    """A Streamlit session lives in one process: a visitor whose websocket drops reconnects and resumes
    it only on the replica that holds it. Resuming on the other replica starts a new session."""
    used = set()
    for _ in range(4):
        cookie = _new_visitor(nginx_cluster.http)
        first = _session(nginx_cluster.ws, cookie)
        assert _session(nginx_cluster.ws, cookie, resume=first) == first, "nginx sent the visitor elsewhere"
        # Which replica holds it: only that one resumes the session (the other starts a new one).
        held = [j for j in (0, 1) if _session(nginx_cluster.replica_ws(j), cookie, resume=first) == first]
        assert held == [nginx_cluster.replica_ports.index(int(cookie.split("=")[1]))], "the cookie names another"
        used.add(held[0])
    assert used == {0, 1}, "every visitor went to one replica"  # new visitors are dealt in turn


def test_a_cookie_naming_no_replica_is_replaced(nginx_cluster):
    _, headers, _ = _get(nginx_cluster.http + "/", cookie="encounters_route=visitor-1")
    route = [c.split(";")[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("encounters_route=")]
    assert route and int(route[0].split("=")[1]) in nginx_cluster.replica_ports


def test_streamlits_own_files_are_cached_and_compressed_by_nginx(nginx_cluster):
    """A spike's new visitors each fetch ~11 MB of Streamlit's scripts: the replicas serve each file once."""
    _, _, page = _get(nginx_cluster.http + "/")
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', page)[1]
    seen = []
    for _ in range(2):
        request = urllib.request.Request(f"{nginx_cluster.http}/{script}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as response:
            seen.append((response.headers["X-Cache-Status"], response.headers["Content-Encoding"]))
            body = gzip.decompress(response.read())
    assert seen[1] == ("HIT", "gzip"), seen
    with urllib.request.urlopen(f"http://127.0.0.1:{nginx_cluster.replica_ports[0]}/{script}", timeout=30) as direct:
        assert direct.read() == body


def _encounters(url: str) -> str:
    run = run_page(url, "dataset=demo")
    assert run.finished and not run.exceptions, run.exceptions
    return next(t for t in run.texts if t.startswith("Encounters: "))


def test_a_publish_from_the_command_line_is_served_by_every_replica(cluster, tmp_path):
    before = [_encounters(cluster.replica_ws(i)) for i in (0, 1)]
    assert before == ["Encounters: 2,000"] * 2  # both have loaded (and cached) version 1
    refresh = tmp_path / "refresh.csv"
    pd.read_csv(DEMO_CSV, dtype=str, keep_default_na=False).iloc[:1500].to_csv(refresh, index=False)
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--data-dir", str(cluster.root), "publish", str(refresh)]
        + ["--dataset", "demo", "--who", "cluster test", "--allow-removals"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert store.current_version(cluster.root, "demo") == 2
    after = [_encounters(cluster.replica_ws(i)) for i in (0, 1)]
    assert after == ["Encounters: 1,500"] * 2, "a replica still serves the version it had cached"


def test_sigterm_stops_nginx_and_every_replica(shared_root):
    """The foreground `make cluster` leaves nothing behind when stopped (here a cluster of its own)."""
    if launcher.find_nginx() is None:
        pytest.skip("nginx is not installed (apt-get install nginx): `make cluster` tests skipped")
    port = free_block(2, base=int(os.environ.get("CLUSTER_TEST_PORT", "8700")) + 20)
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "cluster.py"), "--replicas", "1", "--port", str(port)]
        + ["--data-dir", str(shared_root)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = "-"
        while line and not line.startswith("Serving"):  # printed once nginx and the replica answer
            line = proc.stdout.readline()
        assert line.startswith(f"Serving http://127.0.0.1:{port}"), line
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 2  # the replica and nginx's master
        run_dir = line.split("nginx configuration and logs: ")[1].split(". Ctrl-C")[0]
        proc.send_signal(signal.SIGTERM)  # to the launcher alone, as `kill PID` or a supervisor does
        assert proc.wait(60) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{c}") for c in children):
            time.sleep(0.2)
        assert not [c for c in children if os.path.exists(f"/proc/{c}")], "a child outlived the launcher"
        assert not os.path.exists(run_dir)
    finally:
        stop_group(proc)
