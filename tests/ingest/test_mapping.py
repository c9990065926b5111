"""Tests for dashboard.ingest.mapping: small inline files and mappings, one feature of the format each."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from support import BASE_MAPPING

from dashboard import cli
from dashboard.ingest import mapping as mapping_module
from dashboard.ingest.mapping import MappingError, apply_mapping, load_mapping
from dashboard.ingest.pipeline import prepare
from dashboard.ingest.read import FileUnusable, read_table


def write_mapping(tmp_path: Path, body: dict | str, name: str = "test-map.yaml") -> Path:
    path = tmp_path / name
    if isinstance(body, str):
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path
    doc = {k: dict(x) if isinstance(x, dict) else x for k, x in BASE_MAPPING.items()}
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key].update(value)
        else:
            doc[key] = value
    for column in doc.get("columns", {}):  # a test column replaces the base constant of the same name
        doc["constants"].pop(column, None)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(tmp_path: Path, content: str, body: dict, name: str = "data.csv"):
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    raw, _ = read_table(data)
    out, notes = apply_mapping(raw, load_mapping(write_mapping(tmp_path, body)), source=name)
    assert len(out) == len(raw) and out["_row"].tolist() == raw["_row"].tolist()  # no row dropped or added
    return out, notes


CASES = [
    pytest.param("Town\nDuluth\n", {"columns": {"city": "Town"}}, {"city": ["Duluth"]}, id="rename"),
    pytest.param(
        "Town\nDuluth\nEly\n",
        {"constants": {"agencies": ["ICE ERO", "Border Patrol"], "people_affected": 2}},
        {"agencies": ["ICE ERO; Border Patrol"] * 2, "people_affected": ["2", "2"]},
        id="constant",
    ),
    pytest.param(  # "Taser" is already a force type (spelled "taser"): it needs no entry
        "ForceType\n  gun   POINT display \nChemical Irritant\nN/A\nTaser\n",
        {
            "columns": {"force_types": "ForceType"},
            "values": {
                "force_types": {
                    "Gun Point Display": "weapon displayed",
                    "Chemical Irritant": ["chemical agent", "physical restraint"],
                    "N/A": "",
                }
            },
        },
        {"force_types": ["weapon displayed", "chemical agent; physical restraint", "", "taser"]},
        id="value-map-multi-and-missing",
    ),
    pytest.param(
        "Race,Role\nBlack,WITNESS\nNative American,ARRESTEE\nnot recorded,\n",
        {
            "columns": {"targeted_groups": {"from": ["Race", "Role"]}},
            "values": {"targeted_groups": {"Native American": "Indigenous", "WITNESS": "bystander", "ARRESTEE": ""}},
        },
        {"targeted_groups": ["Black; bystander", "Indigenous", ""]},
        id="combine-columns",
    ),
    pytest.param(  # a foreign file's location words become place types
        "Location\nElementary School\nChurch\nParking lot\n",
        {
            "columns": {"place_type": "Location"},
            "values": {
                "place_type": {
                    "Elementary School": "school or school bus stop",
                    "Church": "place of worship",
                    "Parking lot": "street or public space",
                }
            },
        },
        {"place_type": ["school or school bus stop", "place of worship", "street or public space"]},
        id="place-type",
    ),
    pytest.param(
        'Groups\n"Black, Latino"\nWHITE\n',
        {
            "separator": ",",
            "columns": {"targeted_groups": "Groups"},
            "values": {"targeted_groups": {"Latino": "Latino/Hispanic"}},
        },
        {"targeted_groups": ["Black; Latino/Hispanic", "White"]},
        id="source-separator",
    ),
    pytest.param(
        "Date,Time\n6/14/2025,23:10\n6/15/2025,\n",
        {"columns": {"date": {"from": ["Date", "Time"], "format": ["%m/%d/%Y %H:%M", "%m/%d/%Y"]}}},
        {"date": ["2025-06-14", "2025-06-15"]},
        id="date-and-time-columns",
    ),
    pytest.param(
        "When\n2021-01-02T00:06:19Z\nyesterday\n",
        {"columns": {"date": {"from": "When", "format": "%Y-%m-%dT%H:%M:%SZ"}}},
        {"date": ["2021-01-02", "yesterday"]},  # not a date: left for validation to report
        id="iso-date-with-z",
    ),
    pytest.param(
        "Lat,Lon\n44.9,-93.2\n0,0\n",
        {
            "missing_by_column": {"Lat": ["0"], "Lon": ["0"]},
            "coordinates": {"latitude": "Lat", "longitude": "Lon", "precision": "block"},
        },
        {"latitude": ["44.9", ""], "longitude": ["-93.2", ""], "location_precision": ["block", ""]},
        id="coordinates-lat-lon-columns",
    ),
    pytest.param(
        'Location,n\n"(47.6062, -122.3321)",1\n,2\n"not a point",3\n',
        {"coordinates": {"point": "Location", "format": "(lat, lon)", "precision": "exact"}},
        {
            "latitude": ["47.6062", "", "not a point"],
            "longitude": ["-122.3321", "", ""],
            "location_precision": ["exact", "", ""],
        },
        id="coordinates-lat-lon-string",
    ),
    pytest.param(
        'Geom\n"POINT (-93.2650 44.9778)"\n',
        {"coordinates": {"point": "Geom", "format": "POINT (lon lat)", "precision": "city"}},
        {"latitude": ["44.9778"], "longitude": ["-93.2650"], "location_precision": ["city"]},
        id="coordinates-wkt-point",
    ),
    pytest.param(
        "Nationality|Operation\n(B)(6);(B)(7)(C) |(B)(7)(E) \nNULL|.\nMEXICO|Not Specified\n",
        {
            "missing": ["(B)(6);(B)(7)(C)", "(B)(7)(E)", "NULL", ".", "Not Specified"],
            "columns": {"citizenship": "Nationality", "summary": "Operation"},
        },
        {"citizenship": ["", "", "MEXICO"], "summary": ["", "", ""]},
        id="missing-tokens-and-redactions",
    ),
    pytest.param(
        "Case\n21-7\n21-9\n",
        {
            "columns": {
                "encounter_id": {"template": "ERO-FY2019-{row:06d}"},
                "official_response": {"template": "C{Case}"},
            }
        },
        {"encounter_id": ["ERO-FY2019-000002", "ERO-FY2019-000003"], "official_response": ["C21-7", "C21-9"]},
        id="id-template-row-and-column",
    ),
    pytest.param(
        "Method,AOR\nLocated,Seattle AOR\nLocated,\n",
        {"columns": {"summary": {"template": ["Arrest ({Method}) in the {AOR}.", "Arrest ({Method})."]}}},
        {"summary": ["Arrest (Located) in the Seattle AOR.", "Arrest (Located)."]},
        id="template-fallback",
    ),
    pytest.param(
        "agency,n\nICE (off-duty agent Somebody),1\n,2\nCBP Border Patrol,3\n",
        {
            "columns": {"agencies": {"from": "agency", "default": "unknown federal"}},
            "values": {"agencies": {"ICE (off-duty agent*": "ICE ERO", "CBP Border Patrol": "Border Patrol"}},
        },
        {"agencies": ["ICE ERO", "unknown federal", "Border Patrol"]},
        id="wildcard-value-and-default",
    ),
    pytest.param(
        "Town\nDuluth\n",
        {"columns": {"agencies": {"from": "agency", "optional": True, "default": "unknown federal"}}},
        {"agencies": ["unknown federal"]},
        id="optional-column-absent",
    ),
]


@pytest.mark.parametrize("content, body, expected", CASES)
def test_mapping_features(tmp_path, content, body, expected):
    out, _ = run(tmp_path, content, body)
    for column, values in expected.items():
        assert out[column].tolist() == values, column


def test_unnamed_column_is_never_carried(tmp_path):
    out, notes = run(
        tmp_path,
        "Town,Full Name,Birth Date,Secret\nDuluth,Ana Lopez,1/1/1990,x\n",
        {"columns": {"city": "Town"}, "exclude": ["Birth Date"]},
    )
    assert "Ana Lopez" not in out.to_string() and "Secret" not in out.columns and "Full Name" not in out.columns
    assert any(n.startswith("columns not used (never carried into the records): Full Name, Secret;") for n in notes)
    assert any("excluded" in n and "Birth Date" in n for n in notes)


def test_redacted_names_never_reach_the_output(tmp_path):
    content = 'victim_name,notes\nAna Lopez,"Ana Lopez was detained. ANA LOPEZ filmed it."\n"Jo Kim + Li Park (8)",Li Park was hurt.\n'
    body = {"columns": {"summary": "notes"}, "redact": {"names_from": ["victim_name", "agent_name"], "in": ["summary"]}}
    out, notes = run(tmp_path, content, body)
    assert out["summary"].tolist() == [
        "[name withheld] was detained. [name withheld] filmed it.",
        "[name withheld] was hurt.",
    ]
    assert "victim_name" not in out.columns and any("victim_name" in n for n in notes)


def test_lookup_joins_a_reference_table(tmp_path, monkeypatch):
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "aor.csv").write_text("name,lat,lon\nSeattle Area of Responsibility,47.6,-122.3\n")
    monkeypatch.setattr(mapping_module, "REPO_DATA_DIR", tmp_path)
    body = {
        "columns": {"region": "AOR"},
        "lookups": [
            {
                "table": "ref/aor.csv",
                "match": {"AOR": "name"},
                "set": {"latitude": "lat", "longitude": "lon"},
                "found": {"location_precision": "region"},
            }
        ],
    }
    out, notes = run(tmp_path, "AOR,n\nseattle area of  responsibility,1\n,2\nMars AOR,3\n", body)
    assert out["latitude"].tolist() == ["47.6", "", ""]
    assert out["location_precision"].tolist() == ["region", "", ""]
    assert any('"Mars AOR" (1)' in n and "aor.csv" in n for n in notes)


def test_unmapped_value_is_left_for_validation_with_a_note(tmp_path):
    out, notes = run(
        tmp_path,
        "Method\nLocated\nTeleported\nTeleported\n",
        {"columns": {"encounter_type": "Method"}, "values": {"encounter_type": {"Located": "arrest"}}},
    )
    assert out["encounter_type"].tolist() == ["arrest", "Teleported", "Teleported"]
    assert (
        'values.encounter_type does not cover "Teleported" (2 rows: 3, 4); add it to values.encounter_type in test-map.yaml'
        in notes
    )


def test_mapping_naming_a_missing_column(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("Area of Responsibility,Citizenship\nSeattle,MEXICO\n")
    raw, _ = read_table(data)
    spec = load_mapping(write_mapping(tmp_path, {"columns": {"date": "Apprehension Date"}}, "ice-ero-fy2019.yaml"))
    with pytest.raises(MappingError) as err:
        apply_mapping(raw, spec, source="data.csv")
    assert str(err.value) == (
        'mapping ice-ero-fy2019.yaml names column "Apprehension Date", which data.csv does not have; '
        'its columns are: "Area of Responsibility", "Citizenship"'
    )
    assert isinstance(err.value, FileUnusable)


INVALID = [
    pytest.param("columns: [a, b\n", "not valid YAML (line", id="yaml-syntax"),
    pytest.param("- just\n- a list\n", "holds no mapping", id="not-a-mapping"),
    pytest.param({"colums": {"city": "Town"}}, "unknown key colums", id="unknown-top-key"),
    pytest.param({"columns": {"town": "Town"}}, '"town", which is not a column of the record', id="unknown-canonical"),
    pytest.param({"columns": {"force_level": "F"}}, '"force_level", which is derived', id="derived-column"),
    pytest.param({"columns": {"city": {"form": "Town"}}}, "columns.city must be a source column", id="bad-column-spec"),
    pytest.param(
        {"constants": {"agencies": "ICE ERO"}, "values": {"agencies": {"x": "ICE"}}},
        'values.agencies "x": "ICE" is not a known agency',
        id="value-not-canonical",
    ),
    pytest.param(
        {"values": {"encounter_type": {"x": ["arrest", "stop"]}}}, "several values", id="several-values-for-enum"
    ),
    pytest.param(
        {"values": {"encounter_type": ["arrest"]}}, "values.encounter_type must list", id="value-map-not-a-map"
    ),
    pytest.param({"missing": "NULL"}, "missing must be a list", id="bad-type"),
    pytest.param(
        {"coordinates": {"point": "P", "format": "lat lon"}}, "coordinates.format must be one of", id="bad-point-format"
    ),
    pytest.param(
        {"columns": {"summary": "victim_name"}, "exclude": ["victim_name"]}, "would leak", id="excluded-but-used"
    ),
    pytest.param("constants: {agencies: ICE ERO}\n", "required column encounter_id, date", id="required-not-set"),
    pytest.param(
        {"lookups": [{"table": "nowhere.csv", "match": {"a": "b"}, "set": {}}]},
        "does not exist under data/",
        id="lookup-table-missing",
    ),
]


@pytest.mark.parametrize("body, message", INVALID)
def test_invalid_mapping_is_refused_with_a_plain_message(tmp_path, body, message):
    with pytest.raises(MappingError) as err:
        load_mapping(write_mapping(tmp_path, body))
    assert str(err.value).startswith("mapping test-map.yaml: ")
    assert message in str(err.value)


def test_missing_mapping_file(tmp_path):
    with pytest.raises(MappingError, match="nope.yaml: the file could not be opened"):
        load_mapping(tmp_path / "nope.yaml")


def test_shipped_mappings_load():
    for path in sorted((Path(mapping_module.MAPPINGS_DIR)).glob("*.yaml")):
        assert load_mapping(path).name == path.name
    assert load_mapping("ice-ero-fy2019.yaml").path.parent == mapping_module.MAPPINGS_DIR  # bare name


def test_prepare_hints_where_to_extend_the_mapping(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("Method\nLocated\nTeleported\n")
    m = write_mapping(
        tmp_path, {"columns": {"encounter_type": "Method"}, "values": {"encounter_type": {"Located": "arrest"}}}
    )
    prepared = prepare(data, mapping=m, with_records=False)
    reasons = prepared.problems["reason"].tolist()
    assert prepared.counts() == {"rows_in": 2, "rows_valid": 1, "rows_invalid": 1}
    # the fix is a mapping key, with the value as the file spells it and the source column it came from
    assert reasons == [
        '"Teleported" is not a known encounter type; see the allowed values of this column (source column Method); '
        'add it under values: encounter_type: "Teleported": <encounter type> in test-map.yaml'
    ]


def test_cli_validate_reports_unmapped_values_with_count_and_rows(tmp_path, capsys):
    data = tmp_path / "arrests.csv"
    data.write_text("Method\nLocated\nTeleported\nLocated\nTeleported\nTeleported\n")
    m = write_mapping(
        tmp_path, {"columns": {"encounter_type": "Method"}, "values": {"encounter_type": {"Located": "arrest"}}}
    )
    code = cli.main(["validate", str(data), "--mapping", str(m)])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_INVALID_ROWS
    assert '"Teleported" in 3 rows (3, 5, 6): ' in out
    assert 'add it under values: encounter_type: "Teleported": <encounter type> in test-map.yaml' in out
    assert "edit the file" not in out and "in the file" not in out
    assert "rows in: 5, valid: 2, invalid: 3" in out
    assert "Traceback" not in out + err


def test_cli_validate_with_a_broken_mapping_exits_2(tmp_path, capsys):
    data = tmp_path / "arrests.csv"
    data.write_text("Method\nLocated\n")
    m = write_mapping(tmp_path, "columns: {town: Method}\n")
    assert cli.main(["validate", str(data), "--mapping", str(m)]) == cli.EXIT_UNUSABLE
    out, err = capsys.readouterr()
    assert err.startswith("error: mapping test-map.yaml: ") and "Traceback" not in out + err


def test_cli_validate_file_in_an_unknown_encoding_exits_2(tmp_path, capsys):
    data = tmp_path / "arrests.csv"
    data.write_bytes("Method,Date\nLocated,6/14/2025\n".encode("utf-32-be"))
    m = write_mapping(tmp_path, {"columns": {"encounter_type": "Method"}})
    assert cli.main(["validate", str(data), "--mapping", str(m)]) == cli.EXIT_UNUSABLE
    out, err = capsys.readouterr()
    assert err.startswith("error: arrests.csv: this is not a text file") and "Traceback" not in out + err
