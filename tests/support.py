"""Helpers shared by the tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from dashboard.chromium import OFFLINE_FLAGS, find

REPO = Path(__file__).resolve().parents[1]
# The real files sit beside the repo; a git worktree elsewhere points at them with ENCOUNTERS_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("ENCOUNTERS_SHARED_DATA") or REPO.parent / "shared" / "data")
APP = str(REPO / "dashboard" / "app.py")
PAGES = ("explore", "briefing", "methodology", "about", "contribute", "report")
SHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = find() or "/usr/bin/chromium"
CHROMIUM_ARGS = list(OFFLINE_FLAGS)

CANONICAL_ROW = {
    "encounter_id": "T-1",
    "date": "2025-06-14",
    "date_precision": "day",
    "state": "MN",
    "county_fips": "",
    "city": "Minneapolis",
    "latitude": "",
    "longitude": "",
    "location_precision": "",
    "agencies": "ICE ERO",
    "encounter_type": "vehicle stop",
    "targeted_groups": "local law enforcement officer",
    "force_types": "vehicle boxing/ramming; property damage/seizure; weapon displayed",
    "people_affected": "1",
    "outcome": "released",
    "summary": "Test record.",
    "verification": "reported",
    "official_response": "DHS said it could not verify the claims",
    "sources": "https://example.org/test/1",
    "last_updated": "2025-06-20",
}


def rows(*overrides: dict) -> pd.DataFrame:
    """A frame of canonical rows as strings, each the base row with some values replaced."""
    out = []
    for i, o in enumerate(overrides):
        out.append({**CANONICAL_ROW, "encounter_id": f"T-{i + 1}", **o})
    frame = pd.DataFrame(out).astype(str)
    frame["_row"] = range(2, len(frame) + 2)
    return frame


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data file {relative} is not available at {SHARED_DATA}")
    return path


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.drop(columns=[c for c in frame.columns if c.startswith("_")]).to_csv(path, index=False)
    return path


def _with_query(at, query):
    for k, v in query.items():
        at.query_params[k] = v
    return at


CHARTS_BUTTON = "x_charts"  # Explore's first run draws a still map; the browser then presses this


def _as_browser(at):
    """at.run() then does what a browser does next: Explore's first run of a session sends the map as a
    still picture and a hidden button, which the picture's script presses once it is on screen (see
    dashboard/views/explore.py); the run that follows sends the whole page."""
    plain_run = at.run

    def run(*args, **kwargs):
        plain_run(*args, **kwargs)
        if any(b.key == CHARTS_BUTTON for b in at.button):
            at.button(key=CHARTS_BUTTON).click()
            plain_run(*args, **kwargs)
        return at

    at.run = run
    return at


def new_app(browser: bool = True, **query):
    """The whole app (navigation included), opened on its default page. browser=False: at.run() does only
    the script run, without the browser's press of the charts button."""
    from streamlit.testing.v1 import AppTest

    at = _with_query(AppTest.from_file(APP, default_timeout=60), query)
    return _as_browser(at) if browser else at


def page_app(page: str, browser: bool = True, **query):
    """One page rendered on its own, as the navigation would run it (browser: as in new_app)."""
    from streamlit.testing.v1 import AppTest

    script = f"from dashboard.views import {page}\n{page}.render()\n"
    at = _with_query(AppTest.from_string(script, default_timeout=60), query)
    return _as_browser(at) if browser else at


def _free_port() -> int:
    """Any free port; within $ENCOUNTERS_TEST_PORTS (e.g. "8650-8659") when set, for a shared machine."""
    span = os.environ.get("ENCOUNTERS_TEST_PORTS", "")
    candidates = range(int(span.split("-")[0]), int(span.split("-")[1]) + 1) if "-" in span else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in {span}")


def stop_streamlit(proc) -> None:
    """Stop what start_streamlit started: asked first, killed if it has not ended within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def contributor_run_dir(tmp_path: Path, password: str) -> Path:
    """A directory for `start_streamlit(cwd=...)`: the project's config.toml and a secrets.toml that
    names one contributor, alice, with this password."""
    from dashboard import auth

    cwd = tmp_path / "run"
    (cwd / ".streamlit").mkdir(parents=True)
    shutil.copy(REPO / ".streamlit" / "config.toml", cwd / ".streamlit" / "config.toml")
    (cwd / ".streamlit" / "secrets.toml").write_text(
        f'[contributors.alice]\nname = "Alice Example"\npassword_hash = "{auth.hash_password(password)}"\n'
    )
    return cwd


def start_streamlit(data_root: Path, extra_env: dict | None = None, cwd: Path | None = None):
    """Start the app on a free port; returns (process, base URL). The caller stops it.

    `cwd` is the directory Streamlit runs in (default: the repo); it reads `.streamlit/secrets.toml`
    and `.streamlit/config.toml` from there, so a test can give the app its own secrets."""
    port = _free_port()
    env = dict(os.environ, ENCOUNTERS_DATA_DIR=str(data_root), **(extra_env or {}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            # An edit to a source file during a run must not pop a "file changed, rerun?" prompt.
            "--server.fileWatcherType",
            "none",
        ],
        cwd=cwd or REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start: " + proc.stderr.read().decode()[-2000:])


def screenshot(pg, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for_app(pg, timeout_ms: int = 60000) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator) and a metric shows."""
    pg.wait_for_selector('[data-testid="stMetric"], [data-testid="stAlert"], h1', timeout=timeout_ms)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
    pg.wait_for_timeout(500)


# What every test mapping needs for the record's required columns, unless the test sets them itself.
BASE_MAPPING = {
    "columns": {"encounter_id": {"template": "T-{row}"}},
    "constants": {
        "date": "2025-06-14",
        "agencies": "ICE ERO",
        "encounter_type": "arrest",
        "verification": "reported",
        "sources": "https://example.org/report",
    },
}


def writable_copy(published: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of published datasets that a test may change, made the app's data directory."""
    copy = tmp_path / "datasets"
    shutil.copytree(published, copy)
    monkeypatch.setenv("ENCOUNTERS_DATA_DIR", str(copy))
    return copy


def sign_in(at, username: str, password: str):
    """Type a contributor's name and password into the Contribute page's form and press Sign in."""
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()
