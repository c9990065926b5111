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
