"""Accepting a report writes the published records back as text and runs them through validate and clean
again: that must give back exactly the published records, or an accept would change records it never named."""

from __future__ import annotations

import pytest

from dashboard import store
from dashboard.config import district_layers
from dashboard.ingest.clean import clean
from dashboard.ingest.validate import validate
from dashboard.reports.publishing import records_as_text
from dashboard.schema import load_schema


@pytest.mark.parametrize("root_fixture, name", [("demo_root", "demo"), ("reported_root", "reported-2025-2026")])
def test_published_records_survive_being_written_back_and_published_again(request, root_fixture, name):
    root = request.getfixturevalue(root_fixture)
    published = store.load_records(root, name)
    validation = validate(records_as_text(published, load_schema()))
    assert validation.problems.empty, validation.problems.head()
    again = clean(validation.parsed, district_layers=district_layers())
    assert store.diff_records(published, again).summary() == {"added": 0, "changed": 0, "removed": 0}
    assert list(again.columns) == list(published.columns)
    assert dict(again.dtypes.astype(str)) == dict(published.dtypes.astype(str))
