"""The record table, the detail of one record, and the sentence under each chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explore_support import make_dataset

from dashboard.explore import aggregate, record_text, summaries


@pytest.mark.parametrize(
    ("date", "precision", "expected"),
    [
        ("2025-06-14", "day", "2025-06-14"),
        ("2025-06-09", "week", "week of 2025-06-09"),
        ("2025-06-01", "month", "2025-06"),
        ("2025-01-01", "year", "2025"),
        ("2025-06-14", "", "2025-06-14"),
    ],
)
def test_date_text_never_shows_more_precision_than_known(date, precision, expected):
    assert record_text.date_text(pd.Timestamp(date), precision) == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"city": "Minneapolis", "state": "MN"}, "Minneapolis, MN"),
        ({"city": "", "state": "MN", "county_fips": "27053"}, "Hennepin County, MN"),
        ({"city": "", "state": "TX", "county_fips": "", "region": "San Antonio AOR"}, "San Antonio AOR"),
        ({"city": "", "state": "MN", "county_fips": "", "region": ""}, "Minnesota"),
    ],
)
def test_place_text(row, expected):
    assert record_text.place_text(row) == expected


def test_table_frame_has_the_reading_columns_and_only_http_links():
    ds = make_dataset(
        {"sources": "Court filing 25-cv-1 | https://example.org/a | http://example.org/b"},
        {"sources": "javascript:alert(1) | Police report"},
        {"force_types": "", "date": "2025-03-01", "date_precision": "month"},
    )
    frame = record_text.table_frame(ds.records)
    assert list(frame.columns) == list(record_text.TABLE_COLUMNS)
    assert frame["source"][0] == "https://example.org/a" and pd.isna(frame["source"][1])
    assert frame["force"][2] == "not recorded" and frame["date"][2] == "2025-03"


def test_table_frame_cells_cannot_run_as_formulas():
    ds = make_dataset({"city": "=HYPERLINK(1)", "encounter_id": "@x", "agencies": "-FBI"})
    row = record_text.table_frame(ds.records).iloc[0]
    assert row["place"] == "'=HYPERLINK(1), MN" and row["id"] == "'@x" and row["agencies"] == "'-FBI"


def test_detail_has_every_source_the_response_and_precision_notes():
    ds = make_dataset(
        {
            "sources": "https://example.org/a | Court filing 25-cv-1 | javascript:alert(1)",
            "official_response": "DHS said it could not verify the claims",
            "location_precision": "city",
            "date_precision": "month",
            "date": "2025-06-01",
            "summary": "<script>alert(1)</script> **bold**",
            "possible_duplicate_of": "T-9",
        }
    )
    d = record_text.detail(ds.records.iloc[0].to_dict())
    assert d["id"] == "T-1"
    assert d["sources"] == [
        ("https://example.org/a", True),
        ("Court filing 25-cv-1", False),
        ("javascript:alert(1)", False),  # shown as text, never as a link
    ]
    assert d["official_response"] == "DHS said it could not verify the claims"
    assert d["summary"] == "<script>alert(1)</script> **bold**"  # kept verbatim; the page shows it as plain text
    notes = " ".join(d["notes"])
    assert "only to the month" in notes and "only to the city" in notes and "T-9" in notes
    assert d["facts"]["Date"] == "2025-06" and d["facts"]["Force used"] == "not recorded"


def test_timeline_sentence_names_the_busiest_period_and_the_left_out():
    ds = make_dataset(
        {"date": "2025-03-03"},
        {"date": "2025-03-20"},
        {"date": "2025-04-02"},
        {"date": "2025-01-01", "date_precision": "year"},
    )
    tl = aggregate.timeline(ds, np.ones(4, dtype=bool), "month")
    text = summaries.timeline_sentence(tl, "month", tl.attrs["too_coarse"])
    assert "busiest month was March 2025 with 2 encounters" in text
    assert "1 record dated only to the year is left out" in text


def test_breakdown_and_area_sentences():
    ds = make_dataset(
        {"targeted_groups": "protester; worker", "state": "MN"},
        {"targeted_groups": "protester", "state": "MN"},
        {"targeted_groups": "", "state": "IL"},
    )
    m = np.ones(3, dtype=bool)
    text = summaries.breakdown_sentence(aggregate.counts_by(ds, m, "targeted_groups"), "targeted group", 3, True)
    assert text.startswith("The most frequent targeted group is protester (2 records of 3), followed by worker (1)")
    assert text.endswith("1 record has no targeted group recorded.")
    area = summaries.area_sentence(aggregate.counts_by_area(ds, m, "state"), "state", 3)
    assert area.startswith("Minnesota has the most records (2 of 3), followed by Illinois (1)")


def test_map_sentence_says_what_is_approximate_and_unplaced():
    ds = make_dataset(
        {"location_precision": "city"},
        {"location_precision": "exact"},
        {"latitude": None, "longitude": None, "location_precision": "state"},
    )
    kind, pts = aggregate.map_points(ds, np.ones(3, dtype=bool))
    text = summaries.map_sentence(kind, pts, 3, outside=0)
    assert "2 records of the 3 matching as points; 1 of them is placed only to a city" in text
    assert "1 record has no coordinates and is not on the map" in text
