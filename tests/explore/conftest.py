"""Fixtures for the explore unit tests (helpers live in explore_support.py)."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.explore.data import Dataset


@pytest.fixture
def ids():
    """The ids of the records a mask selects, as a sorted list."""

    def pick(dataset: Dataset, m: np.ndarray) -> list[str]:
        return sorted(dataset.records["encounter_id"].to_numpy()[m].tolist())

    return pick
