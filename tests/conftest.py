"""Fixtures shared by all tests: published datasets in temporary directories, the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import CHROMIUM, CHROMIUM_ARGS, start_streamlit, stop_streamlit


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """The demonstration dataset, published once per test session."""
    from dashboard.shipped import build

    root = tmp_path_factory.mktemp("datasets")
    build(root, names=["demo"], quiet=True)
    return root


@pytest.fixture(scope="session")
def reported_root(tmp_path_factory) -> Path:
    """The curated dataset of reported 2025-2026 encounters (the default one), published as `make run` does."""
    from dashboard.shipped import build

    root = tmp_path_factory.mktemp("reported")
    build(root, names=["reported-2025-2026"], quiet=True)
    return root


@pytest.fixture
def reported_env(reported_root, monkeypatch):
    monkeypatch.setenv("ENCOUNTERS_DATA_DIR", str(reported_root))
    return reported_root


@pytest.fixture
def app_env(demo_root, monkeypatch):
    """Point the app (and every command) at the published demo dataset."""
    monkeypatch.setenv("ENCOUNTERS_DATA_DIR", str(demo_root))
    return demo_root


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed; browser tests skipped")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _serve(root: Path):
    proc, base = start_streamlit(root)
    yield base
    stop_streamlit(proc)


@pytest.fixture(scope="session")
def server(demo_root):
    """`streamlit run` on 127.0.0.1 serving the demo dataset."""
    yield from _serve(demo_root)


@pytest.fixture(scope="session")
def reported_server(reported_root):
    """`streamlit run` on 127.0.0.1 serving the curated dataset of reported encounters."""
    yield from _serve(reported_root)


@pytest.fixture
def page(browser):
    """A fresh browser page that records every request (to prove nothing leaves the machine)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.requested_urls = []
    pg.on("request", lambda r: pg.requested_urls.append(r.url))
    yield pg
    context.close()
