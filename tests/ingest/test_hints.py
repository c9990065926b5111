"""Under a mapping, every problem names the mapping key that fixes it and the source column it came from."""

from __future__ import annotations

import yaml

from dashboard.ingest.pipeline import prepare

BASE = {
    "columns": {"encounter_id": {"template": "T-{Id}"}, "date": {"from": "When", "format": "%m/%d/%Y"}},
    "constants": {"agencies": "ICE ERO", "encounter_type": "arrest", "verification": "documented", "sources": "Test"},
}


def _prepare(tmp_path, csv: str, **extra):
    data = tmp_path / "police.csv"
    data.write_text(csv)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump({**BASE, **extra}))
    return prepare(data, mapping=mapping, with_records=False)


def _reason(prepared, column: str) -> str:
    found = prepared.problems.loc[prepared.problems["column"] == column, "reason"].tolist()
    assert len(found) == 1, prepared.problems.to_dict("records")
    return found[0]


def test_a_date_in_another_format_points_at_the_mappings_format_not_at_the_file(tmp_path):
    prepared = _prepare(tmp_path, "Id,When\n1,01/09/2013\n2,01/09/2013 12:00:00 AM\n")
    reason = _reason(prepared, "date")
    assert "YYYY-MM-DD" not in reason
    assert reason.startswith('"01/09/2013 12:00:00 AM" ')
    assert "columns.date.format" in reason and "m.yaml" in reason
    assert "(source column When)" in reason


def test_an_empty_constant_names_the_constants_key(tmp_path):
    prepared = _prepare(tmp_path, "Id,When\n1,01/09/2013\n", constants={**BASE["constants"], "agencies": ""})
    assert _reason(prepared, "agencies").endswith("set constants: agencies: in m.yaml")


def test_a_point_outside_the_country_names_both_source_columns_and_their_values(tmp_path):
    prepared = _prepare(
        tmp_path,
        "Id,When,Lat,Lon\n1,01/09/2013,44.9,-93.2\n2,01/09/2013,48.9,2.35\n",
        coordinates={"latitude": "Lat", "longitude": "Lon", "precision": "block"},
    )
    reason = _reason(prepared, "latitude")
    assert "outside the United States" in reason
    assert 'source columns Lat: "48.9", Lon: "2.35"' in reason


def test_a_point_in_text_that_is_not_a_point_shows_the_source_cell(tmp_path):
    prepared = _prepare(
        tmp_path,
        'Id,When,Where\n1,01/09/2013,"(44.9, -93.2)"\n2,01/09/2013,"near the river"\n',
        coordinates={"point": "Where", "format": "(lat, lon)", "precision": "block"},
    )
    problems = prepared.problems[prepared.problems["row"] == 3]
    assert not problems.empty
    assert all('source column Where: "near the river"' in r for r in problems["reason"]), problems["reason"].tolist()


def test_an_unknown_value_gives_the_values_line_to_add_with_the_suggestion(tmp_path):
    prepared = _prepare(
        tmp_path,
        "Id,When,Force\n1,01/09/2013,gun drawn\n",
        columns={**BASE["columns"], "force_types": "Force"},
    )
    reason = _reason(prepared, "force_types")
    assert reason.endswith('add it under values: force_types: "gun drawn": weapon displayed in m.yaml')
