"""Every page opens without an exception, in the app's navigation and on its own."""

from __future__ import annotations

import pytest
from support import PAGES, new_app, page_app


def test_app_opens_on_explore(app_env):
    at = new_app().run()
    assert not at.exception
    assert at.metric[0].label == "Encounters"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_opens(app_env, page):
    at = page_app(page).run()
    assert not at.exception, at.exception


def test_the_server_process_hands_pythons_lock_over_as_configured(app_env, tmp_path, monkeypatch):
    """Every visitor's script is a thread of one process: the deployment's switch interval (not
    Python's 5 ms) decides how often the lock changes hands between them."""
    import sys

    settings = tmp_path / "deployment.yaml"
    settings.write_text("switch_interval_ms: 40\n", encoding="utf-8")
    monkeypatch.setenv("ENCOUNTERS_CONFIG", str(settings))
    before = sys.getswitchinterval()
    try:
        at = new_app().run()
        assert not at.exception
        assert sys.getswitchinterval() == 0.04
    finally:
        sys.setswitchinterval(before)
