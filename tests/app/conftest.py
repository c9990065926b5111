"""Fixtures of the page tests."""

from __future__ import annotations

import pytest
from support import writable_copy


@pytest.fixture
def root(demo_root, tmp_path, monkeypatch):
    """The demo datasets in a folder this test may publish into (the app's data directory)."""
    return writable_copy(demo_root, tmp_path, monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_page_caches():
    """Explore's cached figures are keyed by (dataset, version, filters): a server serves one data
    directory, so that names one content. Page tests give each test its own directory in one process,
    where version 2 of demo is another file in each: they must not see the previous test's figures."""
    yield
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
