"""Fixtures of the briefing tests: the published demo records, as a plain frame and as a Dataset."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def records(demo_root) -> pd.DataFrame:
    from dashboard.store import load_records

    frame = load_records(demo_root, "demo")
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(str)
    return frame


@pytest.fixture(scope="session")
def demo(demo_root):
    from dashboard.explore.data import load_dataset

    return load_dataset(demo_root, "demo")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium that draws PDF and PNG files (tests that need it are skipped without it)."""
    from dashboard.briefing.output import RenderError
    from dashboard.briefing.output import chromium as find

    try:
        return find()
    except RenderError as exc:
        pytest.skip(str(exc))
