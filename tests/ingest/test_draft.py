"""`encounters mapping draft`: a starting mapping from a file's headers and contents, that loads as it is."""

from __future__ import annotations

import csv

import pytest
import yaml

from dashboard.cli import main
from dashboard.ingest.draft import draft_file
from dashboard.ingest.mapping import load_mapping
from dashboard.ingest.personal import personal_kind
from dashboard.ingest.pipeline import prepare

FORCE_FILE = [
    ["IncidentNum", "Occurred", "Location", "Taser Used", "OC Spray", "Subject Race", "Officer Badge", "SubjectID", "Age", "Shift"],
    ["A-1", "01/09/2013 12:00:00 AM", "100 Main St (44.9801, -93.2702)", "Yes", "No", "Black", "B17", "S1", "34", "Day"],
    ["A-1", "01/09/2013 12:00:00 AM", "100 Main St (44.9801, -93.2702)", "No", "Yes", "Black", "B22", "S1", "34", "Day"],
    ["A-2", "01/10/2013 03:15:00 PM", "5 Lake St (44.9480, -93.2900)", "Yes", "Yes", "W", "B17", "S2", "51", "Night"],
    ["A-3", "01/11/2013 09:00:00 AM", "9 Oak Av (44.9600, -93.2500)", "No", "No", "Hispanic", "B30", "S3", "19", "Day"],
    ["A-4", "01/12/2013 10:30:00 AM", "unknown", "No", "No", "Unicorn", "B31", "S4", "22", "Night"],
]  # fmt: skip


def _write(path, table):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(table)
    return path


def _fill_constants(text: str, tmp_path, name="m.yaml"):
    """What a contributor does first: fill in the file-wide constants, nothing else."""
    doc = yaml.safe_load(text)
    fill = {
        "agencies": "unknown federal",
        "verification": "documented",
        "sources": "Test police department | https://example.org/uof",
    }
    fill["encounter_type"] = "other"
    doc["constants"] = {**doc["constants"], **{k: x for k, x in fill.items() if doc["constants"].get(k) == ""}}
    out = tmp_path / name
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


@pytest.fixture
def force_file(tmp_path):
    return _write(tmp_path / "uof.csv", FORCE_FILE)


def test_the_draft_loads_as_it_is_and_accounts_for_every_column(force_file, tmp_path):
    text = draft_file(force_file)
    (tmp_path / "draft.yaml").write_text(text)
    spec = load_mapping(tmp_path / "draft.yaml")  # loads as drafted, FILL INs and all
    doc = yaml.safe_load(text)
    named = (
        set(doc["exclude"]) | set(doc["ignore"]) | {"Occurred", "Location", "Taser Used", "OC Spray", "Subject Race"}
    )
    assert named == set(FORCE_FILE[0]) - {"IncidentNum"} | ({"IncidentNum"} & named)
    assert set(doc["exclude"]) == {"Officer Badge", "SubjectID", "Age"}  # every personal-looking column
    assert "Shift" in doc["ignore"]
    assert spec.name == "draft.yaml"


def test_the_draft_proposes_columns_from_contents(force_file):
    text = draft_file(force_file)
    doc = yaml.safe_load(text)
    assert doc["columns"]["date"] == {"from": "Occurred", "format": "%m/%d/%Y %I:%M:%S %p"}
    assert doc["columns"]["force_types"] == {"flags": {"Taser Used": "taser", "OC Spray": "chemical agent"}}
    assert doc["coordinates"]["point"] == "Location" and doc["coordinates"]["format"] == "(lat, lon)"
    assert doc["coordinates"]["in_text"] is True
    assert doc["columns"]["targeted_groups"] == "Subject Race"
    # every distinct value with the rows it covers; best guesses filled in, the rest empty with a comment
    assert doc["values"]["targeted_groups"] == {
        "Black": "Black",
        "W": "White",
        "Hispanic": "Latino/Hispanic",
        "Unicorn": "",
    }
    assert '"Black": "Black"   # 2 rows' in text
    assert '"Unicorn": ""   # 1 row; not matched: FILL IN' in text
    # the incident number repeats: grouping is suggested, as a comment
    assert "# group_by: {key: [IncidentNum], people_from: SubjectID}" in text or "IncidentNum repeats" in text


def test_file_wide_constants_are_marked_fill_in_and_refuse_every_row_until_filled(force_file, tmp_path):
    text = draft_file(force_file)
    for name in ("agencies", "verification", "sources"):
        assert f'  {name}: ""   # FILL IN' in text
    raw = tmp_path / "raw.yaml"
    raw.write_text(text)
    assert prepare(force_file, mapping=raw, with_records=False).counts()["rows_valid"] == 0
    filled = prepare(force_file, mapping=_fill_constants(text, tmp_path), with_records=False)
    assert filled.counts()["rows_valid"] >= 3, filled.problems.to_dict("records")


def test_wkt_points_are_read_longitude_first(tmp_path):
    path = _write(
        tmp_path / "wkt.csv",
        [
            ["Id", "Date", "Geom"],
            ["1", "2021-03-01", "POINT (-93.27 44.98)"],
            ["2", "2021-03-02", "POINT (-93.20 44.90)"],
        ],
    )
    doc = yaml.safe_load(draft_file(path))
    assert doc["coordinates"]["point"] == "Geom" and doc["coordinates"]["format"] == "POINT (lon lat)"


def test_state_plane_feet_get_a_crs_to_confirm(tmp_path, capsys):
    from pyproj import Transformer

    to_feet = Transformer.from_crs("EPSG:4326", "EPSG:2285", always_xy=True)  # Washington North, US feet
    table = [["CaseNo", "Date", "X_Coord", "Y_Coord"]]
    for i, (lon, lat) in enumerate([(-122.33, 47.61), (-122.30, 47.65), (-122.35, 47.58)]):
        x, y = to_feet.transform(lon, lat)
        table.append([f"C{i}", "2020-01-02", f"{x:.1f}", f"{y:.1f}"])
    path = _write(tmp_path / "sp.csv", table)
    assert main(["mapping", "draft", str(path), "--state", "WA", "--out", str(tmp_path / "sp.yaml")]) == 0
    text = (tmp_path / "sp.yaml").read_text()
    assert yaml.safe_load(text)["coordinates"] == {
        "x": "X_Coord",
        "y": "Y_Coord",
        "crs": "EPSG:2285",
        "precision": "exact",
    }
    assert "CONFIRM the EPSG code" in text
    load_mapping(tmp_path / "sp.yaml")
    unknown_state = draft_file(path)  # no state: the zone cannot be told, so the key waits, commented out
    assert "FILL IN the EPSG code" in unknown_state and "coordinates" not in yaml.safe_load(unknown_state)


def test_cli_refuses_to_overwrite_a_mapping(force_file, tmp_path, capsys):
    out = tmp_path / "m.yaml"
    out.write_text("keep me")
    assert main(["mapping", "draft", str(force_file), "--out", str(out)]) == 2
    assert out.read_text() == "keep me"
    assert "exists" in capsys.readouterr().err


# ---------------------------------------------------------------- police exports no shipped mapping covers

UNSEEN = ["uof-seattle/Use_Of_Force.csv", "police-shootings-wapo/fatal-police-shootings-data.csv"]


@pytest.mark.parametrize("relative", UNSEEN)
def test_a_drafted_mapping_with_only_its_constants_filled_makes_half_the_rows_valid(relative, tmp_path):
    from support import shared_file

    path = shared_file(relative)
    text = draft_file(path)
    mapping = _fill_constants(text, tmp_path)
    spec = load_mapping(mapping)
    used = {column for _, column in spec.uses()}
    assert not [c for c in used if personal_kind(c)], used
    counts = prepare(path, mapping=mapping, with_records=False).counts()
    assert counts["rows_valid"] >= counts["rows_in"] / 2, counts


@pytest.mark.parametrize(
    "value, target, expected",
    [
        pytest.param("shot and Tasered", "force_types", ["taser", "firearm discharged"], id="two-force-types"),
        pytest.param("Gun Point Display", "force_types", ["weapon displayed"], id="police-spelling"),
        pytest.param("Expedited Removal (I-860)", "outcome", ["deported"], id="word-inside"),
        pytest.param("Not in Custody", "outcome", [], id="negated"),
        pytest.param("Level 1 - Use of Force", "force_types", [], id="no-match"),
    ],
)
def test_guess_value(value, target, expected):
    from dashboard.ingest.draft import _spellings, guess_value, load_hints
    from dashboard.schema import load_schema

    spellings = _spellings(target, load_schema(), load_hints(), short=False)
    assert guess_value(value, target, spellings, multi=target == "force_types") == expected


def test_validating_a_foreign_file_without_a_mapping_points_at_the_draft(force_file, capsys):
    assert main(["validate", str(force_file)]) == 2
    assert "`encounters mapping draft uof.csv` drafts a mapping" in capsys.readouterr().err
