"""A briefing lists the encounters at sensitive places in its area and period: the table a council aide
copies into a memo. Checked against pandas in the PDF's text, the memo text and the key figures."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from briefing_support import SENSITIVE, in_dates

from dashboard.briefing import area as areas
from dashboard.briefing.compute import SENSITIVE_LIMIT, compute_briefing
from dashboard.briefing.period import make_periods
from dashboard.briefing.text import to_text

PERIOD = ("2025-07-01", "2025-12-31")
STATE = "MN"


@pytest.fixture(scope="module")
def briefing(demo):
    return compute_briefing(demo, areas.resolve_area(demo, "state", STATE), *make_periods(*PERIOD))


@pytest.fixture(scope="module")
def expected(records) -> pd.DataFrame:
    """The state's records at sensitive places in the period, newest first (pandas, not the briefing code)."""
    rows = in_dates(records[records["state"] == STATE], *PERIOD)
    rows = rows[rows["place_type"].isin(SENSITIVE)]
    return rows.sort_values(["date", "encounter_id"], ascending=[False, True])


def test_the_fixture_has_more_rows_than_the_table_shows(expected):
    assert len(expected) > SENSITIVE_LIMIT  # so the "and N more" line is exercised too


def test_key_figure_and_table_match_pandas(briefing, expected):
    assert briefing.figure("At sensitive places").now == len(expected)
    assert briefing.sensitive_total == len(expected)
    assert [r.encounter_id for r in briefing.sensitive] == expected["encounter_id"].head(SENSITIVE_LIMIT).tolist()


def test_memo_text_holds_the_table_without_names(briefing, expected):
    text = to_text(briefing)
    section = text.split("ENCOUNTERS AT SENSITIVE PLACES IN THE PERIOD")[1].split("MOST SERIOUS RECORDS")[0]
    for r in expected.head(SENSITIVE_LIMIT).itertuples():
        line = next(line for line in section.splitlines() if line.endswith(r.encounter_id))
        assert line.startswith(r.date.date().isoformat()) and r.place_type in line and r.verification in line
    assert f"and {len(expected) - SENSITIVE_LIMIT:,} more" in section
    assert "[DEMO]" not in section  # the table carries no record text, so no name can ride along


def test_pdf_text_holds_the_table(briefing, expected, chromium):
    from pypdf import PdfReader

    from dashboard.briefing.output import briefing_pdf

    pdf = PdfReader(io.BytesIO(briefing_pdf(briefing)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "Encounters at sensitive places" in text
    for r in expected.head(SENSITIVE_LIMIT).itertuples():
        assert r.encounter_id in text
    assert f"and {len(expected) - SENSITIVE_LIMIT:,} more" in text
