"""Property: whatever text a visitor types, the report is stored exactly as typed or refused with a
ReportRefused (never another error), on both databases."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.reports import MESSAGES, NewEncounter, ReportRefused

pytestmark = pytest.mark.xdist_group("reports")

any_text = st.text(max_size=300)  # every code point: control characters, NUL, lone surrogates, RTL marks
links = st.lists(
    st.one_of(st.text(max_size=60), st.text(max_size=40).map(lambda s: "https://example.org/" + s)), max_size=3
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(what=any_text, city=st.text(max_size=130), contact=any_text, link_list=links)
def test_any_text_is_stored_as_typed_or_refused_plainly(reports, what, city, contact, link_list):
    report = NewEncounter(
        date_from=date(2025, 6, 1), state="MN", city=city, what_happened=what, contact=contact, links=link_list
    )
    try:
        ref = reports.file_new(report, client=uuid.uuid4().hex)
    except ReportRefused as exc:
        assert exc.reason in MESSAGES and str(exc) and exc.message("es")
        return
    stored = reports.get(ref)
    assert (stored.what_happened, stored.city) == (what, city)
    assert stored.links == tuple(x.strip() for x in link_list if x.strip())
    assert reports.contact(ref, "ana") == (contact if contact.strip() else None)
