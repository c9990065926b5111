"""Each validation rule, and each message a contributor reads, on small inline frames."""

from __future__ import annotations

import pytest
from support import rows

from dashboard.ingest.read import FileUnusable
from dashboard.ingest.validate import validate


def problems_of(*overrides):
    return validate(rows(*overrides), source="t.csv").problems


def test_a_valid_row_has_no_problem():
    result = validate(rows({}), source="t.csv")
    assert result.problems.empty
    assert result.counts() == {"rows_in": 1, "rows_valid": 1, "rows_invalid": 0}


@pytest.mark.parametrize(
    "override, column, reason_part",
    [
        pytest.param(
            {"force_types": "gun drawn"},
            "force_types",
            'not a known force type; did you mean "weapon displayed"?',
            id="force-synonym",
        ),
        pytest.param({"agencies": "ICE EOR"}, "agencies", 'did you mean "ICE ERO"?', id="agency-typo"),
        pytest.param({"agencies": "Space Force"}, "agencies", "is not a known agency", id="agency-unknown"),
        pytest.param({"agencies": ""}, "agencies", "is empty", id="agency-empty"),
        pytest.param({"encounter_type": "picnic"}, "encounter_type", "not a known encounter type", id="type-unknown"),
        pytest.param({"verification": "rumour"}, "verification", "not a known verification level", id="verification"),
        pytest.param({"date": "14/31/2025"}, "date", "is not a date", id="date-bad"),
        pytest.param({"date": "2099-01-01"}, "date", "is in the future", id="date-future"),
        pytest.param({"date": ""}, "date", "is empty", id="date-empty"),
        pytest.param({"state": "XX"}, "state", "not a known state code", id="state"),
        pytest.param({"county_fips": "123"}, "county_fips", "not a 5-digit county FIPS", id="fips"),
        pytest.param({"people_affected": "two"}, "people_affected", "is not a whole number", id="people-text"),
        pytest.param({"people_affected": "-3"}, "people_affected", "outside the allowed range", id="people-negative"),
        pytest.param(
            {"latitude": "44.97", "longitude": "", "location_precision": "exact"},
            "longitude",
            "missing while latitude",
            id="lon-missing",
        ),
        pytest.param(
            {"latitude": "44.97", "longitude": "-93.26"},
            "location_precision",
            "coordinates are given",
            id="precision-needed",
        ),
        pytest.param(
            {"latitude": "-93.26", "longitude": "44.97", "location_precision": "exact"},
            "latitude",
            "swapped",
            id="swapped",
        ),
        pytest.param({"sources": ""}, "sources", "is empty", id="sources-empty"),
        pytest.param({"sources": "javascript:alert(1)"}, "sources", "only http and https", id="sources-js"),
        pytest.param({"sources": "https://"}, "sources", "not a valid web address", id="sources-bad-url"),
        pytest.param({"force_types": "none; taser"}, "force_types", '"none" cannot be combined', id="none-plus"),
        pytest.param({"summary": "x" * 2001}, "summary", "at most 2,000", id="summary-long"),
        pytest.param({"encounter_id": "has space"}, "encounter_id", "not a usable id", id="id-space"),
    ],
)
def test_each_rule_names_row_column_and_reason(override, column, reason_part):
    problems = problems_of({}, override)  # row 2 valid, row 3 has the problem
    assert list(problems["row"].unique()) == [3]
    assert column in set(problems["column"])
    assert any(reason_part in r for r in problems["reason"]), problems["reason"].tolist()


def test_message_quotes_the_offending_value():
    p = problems_of({"force_types": "gun drawn"}).iloc[0]
    assert p["value"] == "gun drawn"
    assert p["reason"] == '"gun drawn" is not a known force type; did you mean "weapon displayed"?'


def test_every_problem_is_reported_in_one_pass():
    problems = problems_of({"agencies": "Space Force", "date": "not a date", "verification": "x"}, {"state": "ZZ"})
    assert set(map(tuple, problems[["row", "column"]].to_numpy())) == {
        (2, "agencies"),
        (2, "date"),
        (2, "verification"),
        (3, "state"),
    }


def test_duplicate_id_points_at_the_first_row():
    problems = problems_of({"encounter_id": "A"}, {"encounter_id": "A"})
    assert problems["row"].tolist() == [3]
    assert "already used on row 2" in problems["reason"].iloc[0]


@pytest.mark.parametrize(
    "column, raw, expected",
    [
        pytest.param("agencies", "  ice ero ;  Border   Patrol ", "ICE ERO; Border Patrol", id="case-and-spaces"),
        pytest.param("agencies", "Border Patrol; ICE ERO; ICE ERO", "ICE ERO; Border Patrol", id="dedupe-and-order"),
        pytest.param(
            "force_types", "weapon displayed; verbal threat", "verbal threat; weapon displayed", id="severity-order"
        ),
        pytest.param("state", "Minnesota", "MN", id="state-name"),
        pytest.param("state", "mn", "MN", id="state-lower"),
        pytest.param("county_fips", "1001", "01001", id="fips-lost-zero"),
        pytest.param("city", "  Saint   Paul ", "Saint Paul", id="collapse-spaces"),
        pytest.param("outcome", "Unknown", "unknown", id="unknown-is-a-value"),
        pytest.param("targeted_groups", "N/A", None, id="na-is-missing"),
        pytest.param("people_affected", "1,200", 1200, id="thousands"),
        pytest.param(
            "sources",
            "https://a.example/x |https://b.example/y",
            "https://a.example/x | https://b.example/y",
            id="sources",
        ),
    ],
)
def test_cleaning_normalises_values(column, raw, expected):
    result = validate(rows({column: raw}), source="t.csv")
    assert result.problems.empty, result.problems
    assert result.parsed.loc[0, column] == expected


@pytest.mark.parametrize(
    "raw, expected_date, precision",
    [
        pytest.param("2025-06-14", "2025-06-14", "day", id="iso"),
        pytest.param("6/14/2025", "2025-06-14", "day", id="us"),
        pytest.param("June 14, 2025", "2025-06-14", "day", id="long"),
        pytest.param("2025-06-14T08:30:00Z", "2025-06-14", "day", id="iso-time"),
        pytest.param("2025-06", "2025-06-01", "month", id="month-only"),
    ],
)
def test_dates_iso_and_us(raw, expected_date, precision):
    result = validate(rows({"date": raw, "date_precision": ""}), source="t.csv")
    assert result.problems.empty, result.problems
    assert str(result.parsed.loc[0, "date"])[:10] == expected_date
    assert result.parsed.loc[0, "date_precision"] == precision


def test_missing_required_column_names_it():
    frame = rows({}).drop(columns=["verification", "sources"])
    with pytest.raises(FileUnusable, match="missing required columns: verification, sources"):
        validate(frame, source="t.csv")


def test_headers_match_loosely_and_unknown_columns_are_noted():
    frame = rows({}).rename(columns={"encounter_id": "Encounter ID"}).assign(extra="x")
    result = validate(frame, source="t.csv")
    assert result.problems.empty
    assert any('"extra"' in n for n in result.notes)


def test_read_error_rejects_the_row_with_its_reason():
    frame = rows({}, {}).assign(_read_error=["", "row has 12 fields; the header has 10"])
    problems = validate(frame, source="t.csv").problems
    assert problems["row"].tolist() == [3]
    assert "12 fields" in problems["reason"].iloc[0]


@pytest.mark.parametrize("raw", ["1492-10-12", "1600", "2262-04-12", "3/4/1066"])
def test_a_date_outside_the_years_a_record_holds_costs_its_row_only(raw):
    from dashboard.ingest.values import parse_date

    found, _, reason = parse_date(raw)
    assert found is None and "outside the years 1900 to 2100" in reason


def test_a_file_with_a_date_before_1677_publishes_its_other_rows(tmp_path):
    from support import rows, write_csv

    from dashboard.ingest.pipeline import prepare, publish_prepared

    path = write_csv(tmp_path / "old.csv", rows({"encounter_id": "A-1", "date": "1492-10-12"}, {"encounter_id": "A-2"}))
    prepared = prepare(path)
    manifest = publish_prepared(prepared, tmp_path / "ds", "t")
    assert (manifest["rows_published"], manifest["rows_quarantined"]) == (1, 1)


@pytest.mark.parametrize(
    "source",
    ['https://x.org/a"><script>alert(1)</script>', "https://x.org/a<b>", "https://x.org/a`b", "https://x.org/{a}"],
)
def test_a_source_address_with_markup_characters_is_refused(source):
    from dashboard.ingest.values import parse_sources

    value, reason = parse_sources(source)
    assert value is None and "is not a valid web address" in reason
    assert parse_sources("https://example.org/report?a=1&b=%22x%22")[0] == "https://example.org/report?a=1&b=%22x%22"
