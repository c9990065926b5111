"""File structures a police or FOIA export comes in, each through its mapping key (issue 15): flag
columns, one row per officer per subject (group_by), rows that are not encounters (leave_out), a point
inside text, State Plane X/Y, a date format that drifts from year to year, and personal columns.
Small synthetic files; expected values are worked out by hand or taken from published sources."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from support import BASE_MAPPING

from dashboard import cli, store
from dashboard.ingest.mapping import MappingError, load_mapping, map_rows
from dashboard.ingest.pipeline import prepare, publish_prepared
from dashboard.ingest.read import read_table


def mapping(tmp_path: Path, body: dict, name: str = "m.yaml") -> Path:
    doc = {"columns": dict(BASE_MAPPING["columns"]), "constants": dict(BASE_MAPPING["constants"])}
    for key, value in body.items():
        if key in ("columns", "constants"):
            doc[key].update(value)
        else:
            doc[key] = value
    for column in doc["columns"]:
        doc["constants"].pop(column, None)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def mapped(tmp_path: Path, content: str, body: dict, name: str = "data.csv"):
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    raw, _ = read_table(data)
    return map_rows(raw, load_mapping(mapping(tmp_path, body)), source=name)


# ---------------------------------------------------------------- flag columns

FLAGS = {
    "force_types": {"flags": {"Taser Used": "taser", "OC Spray": "chemical agent", "Gun Drawn": "weapon displayed"}}
}


def test_yes_no_columns_become_one_multi_valued_column(tmp_path):
    content = (
        "Case,Taser Used,OC Spray,Gun Drawn\n"
        "1,Yes,No,N\n"  # one yes
        "2,TRUE,1,x\n"  # three spellings of yes
        "3,No,,0\n"  # all no (a blank is no)
        "4,maybe,Y,No\n"  # "maybe" is neither
    )
    out = mapped(tmp_path, content, {"columns": FLAGS})
    assert out.frame["force_types"].tolist() == [
        "taser",
        "taser; chemical agent; weapon displayed",
        "",
        "chemical agent",
    ]
    problem = out.problems.to_dict("records")
    assert len(problem) == 1 and (problem[0]["row"], problem[0]["column"], problem[0]["value"]) == (
        5,
        "Taser Used",
        "maybe",
    )
    assert "flag_values" in problem[0]["reason"] and "columns.force_types.flags" in problem[0]["reason"]


def test_a_bad_flag_value_makes_its_row_invalid_with_the_reason(tmp_path):
    data = tmp_path / "uof.csv"
    data.write_text("Case,Taser Used,OC Spray,Gun Drawn\n1,Yes,No,No\n2,maybe,No,No\n")
    prepared = prepare(data, mapping=mapping(tmp_path, {"columns": FLAGS}), with_records=False)
    assert prepared.counts() == {"rows_in": 2, "rows_valid": 1, "rows_invalid": 1}
    assert prepared.problems["row"].tolist() == [3] and prepared.problems["column"].tolist() == ["Taser Used"]


def test_a_mapping_can_say_which_words_mean_yes(tmp_path):
    body = {"columns": FLAGS, "flag_values": {"true": ["Used", "Yes"], "false": ["Not used", "No"]}}
    out = mapped(tmp_path, "Taser Used,OC Spray,Gun Drawn\nUsed,Not used,No\nY,No,No\n", body)
    assert out.frame["force_types"].tolist() == ["taser", ""]  # "Y" is no longer a yes: the list was replaced
    assert out.problems["value"].tolist() == ["Y"]


def test_yes_in_a_value_map_matches_the_file_s_yes(tmp_path):
    """YAML 1.1 reads Yes as a boolean; the mapping loader keeps it the word the file has."""
    path = tmp_path / "m.yaml"
    base = yaml.safe_dump(BASE_MAPPING, sort_keys=False)
    path.write_text(base + "values:\n  targeted_groups: {Yes: US citizen, No: ''}\n", encoding="utf-8")
    text = path.read_text().replace("columns:\n", "columns:\n  targeted_groups: Citizen\n", 1)
    path.write_text(text)
    data = tmp_path / "d.csv"
    data.write_text("Citizen\nYes\nNo\n")
    raw, _ = read_table(data)
    assert map_rows(raw, load_mapping(path), "d.csv").frame["targeted_groups"].tolist() == ["US citizen", ""]


# ---------------------------------------------------------------- one row per officer per subject

GROUPED = {
    "group_by": {"key": ["IncidentNum"], "people_from": "SubjectID"},
    "columns": {
        "encounter_id": {"template": "SPD-{IncidentNum}"},
        "force_types": "Force",
        "city": "City",
    },
    "values": {"force_types": {"Bodily Force": "physical restraint", "Taser": "taser"}},
    "ignore": ["OfficerID"],
}


def officer_rows() -> str:
    """Incident A: 78 rows (13 officers x 6 subjects); B: 2 rows, one subject; C: 1 row."""
    lines = ["IncidentNum,SubjectID,OfficerID,Force,City"]
    for officer in range(13):
        for subject in range(6):
            force = "Taser" if officer == 12 and subject == 5 else "Bodily Force"
            lines.append(f"A,S{subject},O{officer},{force},Seattle")
    lines += ["B,S9,O1,Taser,Tacoma", "B,S9,O2,Taser,Tacoma", "C,S10,O1,Bodily Force,Everett"]
    return "\n".join(lines) + "\n"


def test_one_row_per_officer_per_subject_becomes_one_encounter_per_incident(tmp_path):
    out = mapped(tmp_path, officer_rows(), GROUPED)
    frame = out.frame
    assert frame["encounter_id"].tolist() == ["SPD-A", "SPD-B", "SPD-C"]
    assert frame["people_affected"].tolist() == ["6", "1", "1"]
    assert frame["force_types"].tolist() == ["physical restraint; taser", "taser", "physical restraint"]
    assert frame["_row"].tolist() == [2, 80, 82]  # each encounter is named by its first source row
    assert out.groups[2] == list(range(2, 80)) and out.groups[80] == [80, 81]
    assert any("81 rows in, 3 encounters out" in n and "78 rows" in n for n in out.notes)


def test_grouped_ids_do_not_depend_on_row_order(tmp_path):
    lines = officer_rows().splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    first = mapped(tmp_path, officer_rows(), GROUPED).frame.set_index("encounter_id")["people_affected"]
    again = mapped(tmp_path, shuffled, GROUPED, name="other.csv").frame.set_index("encounter_id")["people_affected"]
    assert first.sort_index().to_dict() == again.sort_index().to_dict() == {"SPD-A": "6", "SPD-B": "1", "SPD-C": "1"}


def test_grouped_sources_are_joined_as_a_source_list(tmp_path):
    body = {**GROUPED, "columns": {**GROUPED["columns"], "sources": "Report"}}
    content = (
        "IncidentNum,SubjectID,OfficerID,Force,City,Report\n"
        "A,S1,O1,Taser,Seattle,https://example.org/1\n"
        "A,S1,O2,Taser,Seattle,https://example.org/2 | https://example.org/1\n"
    )
    assert mapped(tmp_path, content, body).frame["sources"].tolist() == [
        "https://example.org/1 | https://example.org/2"
    ]


def test_rows_that_disagree_within_an_incident_are_reported_not_dropped(tmp_path):
    content = "IncidentNum,SubjectID,OfficerID,Force,City\nA,S1,O1,Taser,Seattle\nA,S1,O2,Taser,Tacoma\n"
    out = mapped(tmp_path, content, GROUPED)
    assert out.frame["city"].tolist() == ["Seattle"]
    assert any("disagree on city" in n and '"Seattle", "Tacoma"' in n for n in out.notes)


def test_grouped_file_accounting_and_publish(tmp_path):
    data = tmp_path / "uof.csv"
    data.write_text(officer_rows())
    prepared = prepare(data, mapping=mapping(tmp_path, GROUPED))
    assert prepared.counts() == {"rows_in": 81, "rows_valid": 3, "rows_invalid": 0, "encounters": 3}
    manifest = publish_prepared(prepared, tmp_path / "datasets", "uof")
    assert (manifest["rows_in"], manifest["rows_grouped"], manifest["rows_published"]) == (81, 81, 3)
    records = store.load_records(tmp_path / "datasets", "uof")
    assert records.set_index("encounter_id")["people_affected"].astype(int).to_dict() == {
        "SPD-A": 6,
        "SPD-B": 1,
        "SPD-C": 1,
    }


def test_an_invalid_grouped_encounter_is_quarantined_once_with_its_rows(tmp_path):
    data = tmp_path / "uof.csv"
    content = officer_rows().replace("C,S10,O1,Bodily Force,Everett", "C,S10,O1,Teleport,Everett")
    data.write_text(content + "C,S11,O2,Taser,Everett\n,S12,O3,Taser,Everett\n")
    prepared = prepare(data, mapping=mapping(tmp_path, GROUPED))
    quarantine = prepared.quarantine()
    assert quarantine["row"].tolist() == [82, 84]  # incident C (rows 82, 83), and the row with no incident number
    assert quarantine["grouped_rows"].tolist() == ["82, 83", "84"]
    assert "Teleport" in quarantine["problems"].iloc[0] and "encounter_id" in quarantine["problems"].iloc[1]
    assert prepared.counts() == {"rows_in": 83, "rows_valid": 2, "rows_invalid": 2, "encounters": 4}
    assert any("1 rows have no IncidentNum (rows 84)" in n for n in prepared.notes)


@pytest.mark.parametrize(
    "columns, message",
    [
        pytest.param({"encounter_id": {"template": "SPD-{row}"}}, "built from the key columns only", id="row-number"),
        pytest.param({"encounter_id": {"template": "SPD-{City}"}}, "City is not a key column", id="not-key"),
    ],
)
def test_a_grouped_id_must_come_from_the_key(tmp_path, columns, message):
    with pytest.raises(MappingError, match=message):
        load_mapping(mapping(tmp_path, {**GROUPED, "columns": {**GROUPED["columns"], **columns}}))


# ---------------------------------------------------------------- rows that are not encounters

LEAVE_OUT = {
    "columns": {"encounter_type": "Type"},
    "values": {"encounter_type": {"Arrest": "arrest", "Stop": "stop"}},
    "leave_out": [
        {"name": "shots at animals", "where": {"Type": ["Animal", "Dog*"]}},
        {"name": "accidental discharges", "where": {"Type": "accidental", "Injury": "no"}},
    ],
}
LEAVE_OUT_FILE = (
    "Type,Injury\nArrest,no\nANIMAL,no\nDog (aggressive),yes\nAccidental,no\nAccidental,yes\nStop,no\nTeleport,no\n"
)


def test_rows_left_out_by_rule_are_counted_per_rule(tmp_path):
    out = mapped(tmp_path, LEAVE_OUT_FILE, LEAVE_OUT)
    assert out.left_out == {"shots at animals": [3, 4], "accidental discharges": [5]}
    assert out.frame["_row"].tolist() == [2, 6, 7, 8]
    assert out.frame["encounter_type"].tolist() == ["arrest", "Accidental", "stop", "Teleport"]


def test_accounting_adds_up_with_rows_left_out(tmp_path, capsys):
    data = tmp_path / "uof.csv"
    data.write_text(LEAVE_OUT_FILE)
    m = mapping(tmp_path, LEAVE_OUT)
    prepared = prepare(data, mapping=m)
    counts = prepared.counts()
    assert counts == {
        "rows_in": 7,
        "rows_valid": 2,
        "rows_invalid": 2,
        "rows_left_out": {"shots at animals": 2, "accidental discharges": 1},
    }
    assert counts["rows_in"] == counts["rows_valid"] + counts["rows_invalid"] + sum(counts["rows_left_out"].values())
    assert prepared.quarantine()["row"].tolist() == [6, 8]  # the invalid rows, not the left-out ones
    manifest = publish_prepared(prepared, tmp_path / "datasets", "uof")
    assert manifest["rows_left_out"] == {"shots at animals": 2, "accidental discharges": 1}
    assert (manifest["rows_in"], manifest["rows_published"], manifest["rows_quarantined"]) == (7, 2, 2)
    assert cli.main(["validate", str(data), "--mapping", str(m)]) == cli.EXIT_INVALID_ROWS
    out = capsys.readouterr().out
    assert (
        'rows in: 7 = 2 valid + 2 invalid + 2 left out by rule "shots at animals" '
        '+ 1 left out by rule "accidental discharges"' in out
    )
    args = ["--data-dir", str(tmp_path / "cli"), "publish", str(data), "--dataset", "uof", "--mapping", str(m)]
    assert cli.main(args) == cli.EXIT_OK
    assert (
        'rows in 7 = published 2 + quarantined 2 + left out by rule "shots at animals" 2 '
        '+ left out by rule "accidental discharges" 1' in capsys.readouterr().out
    )


# ---------------------------------------------------------------- a point inside text

# Rows of the City of Chicago's crime export (Block, X/Y in Illinois East State Plane feet, and the
# city's own latitude, longitude and "(lat, lon)" location), as published: three independent pairs.
CHICAGO = [
    ("013XX S SAWYER AVE", 1154907, 1893681, 41.864073157, -87.706818608),
    ("045XX W VAN BUREN ST", 1146219, 1897639, 41.875103951, -87.738611562),
    ("053XX S CORNELL AVE", 1188158, 1870244, 41.799030006, -87.585505972),
]


def test_a_wkt_point_inside_text(tmp_path):
    body = {"coordinates": {"point": "Where", "format": "POINT (lon lat)", "in_text": True, "precision": "exact"}}
    out = mapped(tmp_path, 'Where\n"GPS: point (-93.2650 44.9778), per report"\n', body)
    assert (out.frame["latitude"].tolist(), out.frame["longitude"].tolist()) == (["44.9778"], ["-93.2650"])


def test_a_point_after_an_address_in_the_same_cell(tmp_path):
    lines = ["Address,n"] + [f'"{block} ({lat}, {lon})",1' for block, _, _, lat, lon in CHICAGO]
    lines += ['"1 Main St",2', ",3"]
    body = {"coordinates": {"point": "Address", "format": "(lat, lon)", "in_text": True, "precision": "block"}}
    out = mapped(tmp_path, "\n".join(lines) + "\n", body)
    assert out.frame["latitude"].tolist() == ["41.864073157", "41.875103951", "41.799030006", "", ""]
    assert out.frame["longitude"].tolist()[:3] == ["-87.706818608", "-87.738611562", "-87.585505972"]
    assert out.frame["location_precision"].tolist() == ["block"] * 3 + ["", ""]
    assert any('1 rows of "Address" hold no (lat, lon) point' in n and "rows 5" in n for n in out.notes)


# ---------------------------------------------------------------- State Plane X/Y


def metres_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on a sphere (haversine): independent of the code under test."""
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def test_state_plane_feet_become_the_published_latitude_and_longitude(tmp_path):
    content = "X_COORD,Y_COORD\n" + "".join(f"{x},{y}\n" for _, x, y, _, _ in CHICAGO)
    body = {"coordinates": {"x": "X_COORD", "y": "Y_COORD", "crs": "EPSG:3435", "precision": "block"}}
    out = mapped(tmp_path, content, body)
    assert out.problems.empty
    for (_, _, _, lat, lon), got_lat, got_lon in zip(
        CHICAGO, out.frame["latitude"], out.frame["longitude"], strict=True
    ):
        assert metres_apart(lat, lon, float(got_lat), float(got_lon)) < 2.0


def test_state_plane_values_outside_the_zone_are_row_problems(tmp_path):
    content = (
        "X_COORD,Y_COORD,n\n1154907,1893681,1\n1893681,1154907,2\nabc,12,3\n,,4\n"  # fine, swapped, not a number, none
    )
    body = {"coordinates": {"x": "X_COORD", "y": "Y_COORD", "crs": "EPSG:3435", "precision": "block"}}
    out = mapped(tmp_path, content, body)
    assert out.frame["latitude"].tolist()[1:] == ["", "", ""]
    problems = out.problems.set_index("row")
    assert problems.loc[3, "column"] == "X_COORD" and problems.loc[3, "value"] == "1893681, 1154907"
    assert "outside the area of EPSG:3435" in problems.loc[3, "reason"] and "swapped" in problems.loc[3, "reason"]
    assert "not a pair of numbers" in problems.loc[4, "reason"]
    assert list(problems.index) == [3, 4]


def test_an_unknown_coordinate_system_is_refused(tmp_path):
    with pytest.raises(MappingError, match='coordinates.crs "EPSG:99999999" is not a coordinate system'):
        load_mapping(mapping(tmp_path, {"coordinates": {"x": "X", "y": "Y", "crs": "EPSG:99999999"}}))


# ---------------------------------------------------------------- year-to-year drift of a date format

DATES = {"columns": {"date": {"from": "Date", "format": ["%m/%d/%Y"]}}}


def test_next_year_s_date_format_is_named_once_per_column(tmp_path):
    data = tmp_path / "uof-2014.csv"
    rows = [f"{m:02d}/09/2014 12:00:00 AM" for m in range(1, 13)] * 3 + ["01/10/2014"]
    data.write_text("Date\n" + "\n".join(rows) + "\n")
    prepared = prepare(data, mapping=mapping(tmp_path, DATES), with_records=False)
    notes = [n for n in prepared.notes if n.startswith('column "Date"')]
    assert notes == [
        'column "Date": format %m/%d/%Y matched 1 of 37 values; 36 values match none, they look like '
        '"01/09/2014 12:00:00 AM", "02/09/2014 12:00:00 AM", "03/09/2014 12:00:00 AM"; '
        "add the format %m/%d/%Y %I:%M:%S %p to columns.date.format"
    ]
    reasons = set(prepared.problems.loc[prepared.problems["column"] == "date", "reason"])
    assert all("columns.date.format" in r and "YYYY-MM-DD" not in r for r in reasons)


def test_a_date_column_with_no_format_gets_one_proposed(tmp_path):
    data = tmp_path / "uof.csv"
    data.write_text("Date\n09-Jan-2014\n10-Jan-2014\n2014-01-11\n")
    prepared = prepare(data, mapping=mapping(tmp_path, {"columns": {"date": "Date"}}), with_records=False)
    assert prepared.problems["row"].tolist() == [2, 3]
    assert set(prepared.problems["reason"]) == {
        # (issue15-draft's hints add the source column each value came from)
        '"09-Jan-2014" is not a date as written; give its format in columns.date.format in m.yaml (source column Date)',
        '"10-Jan-2014" is not a date as written; give its format in columns.date.format in m.yaml (source column Date)',
    }
    assert (
        'column "Date": 2 values are not dates as written, they look like "09-Jan-2014", "10-Jan-2014"; '
        'write columns.date as {from: Date, format: "%d-%b-%Y"}' in prepared.notes
    )


def test_a_plain_date_beside_the_mapping_s_format_is_one_date(tmp_path):
    """Rows of one incident with 06/08/2021 02:06:00 PM and 6/8/2021 agree on the date, and the note counts it."""
    body = {**GROUPED, "columns": {**GROUPED["columns"], "date": {"from": "Date", "format": "%m/%d/%Y %I:%M:%S %p"}}}
    content = (
        "IncidentNum,SubjectID,OfficerID,Force,City,Date\n"
        "A,S1,O1,Taser,Seattle,06/08/2021 02:06:00 PM\nA,S1,O2,Taser,Seattle,6/8/2021\n"
    )
    out = mapped(tmp_path, content, body)
    assert out.frame["date"].tolist() == ["2021-06-08"]
    assert not [n for n in out.notes if "disagree" in n]
    assert 'column "Date": format %m/%d/%Y %I:%M:%S %p matched 1 of 2 values; 1 read as plain dates' in out.notes


def test_the_proposed_format_reads_the_file(tmp_path):
    data = tmp_path / "uof-2014.csv"
    data.write_text("Date\n01/09/2014 12:00:00 AM\n01/10/2014\n")
    both = {"columns": {"date": {"from": "Date", "format": ["%m/%d/%Y", "%m/%d/%Y %I:%M:%S %p"]}}}
    prepared = prepare(data, mapping=mapping(tmp_path, both), with_records=False)
    assert prepared.counts()["rows_invalid"] == 0
    assert [n for n in prepared.notes if n.startswith('column "Date"')] == [
        'column "Date": format %m/%d/%Y matched 1 of 2 values; format %m/%d/%Y %I:%M:%S %p matched 1 of 2 values'
    ]


# ---------------------------------------------------------------- personal data


@pytest.mark.parametrize(
    "body, key, column",
    [
        pytest.param({"columns": {"summary": {"template": "Badge {Badge No}."}}}, "columns.summary.template", "Badge No", id="template"),
        pytest.param({"columns": {"official_response": "Officer Hire Date"}}, "columns.official_response.from", "Officer Hire Date", id="from"),
        pytest.param({"columns": {"targeted_groups": {"flags": {"Subject_Gender": "bystander"}}}}, "columns.targeted_groups.flags", "Subject_Gender", id="flags"),
        pytest.param({"columns": {"summary": {"template": "Officer ({Officer Race})."}}}, "columns.summary.template", "Officer Race", id="officer-race"),
        pytest.param({"coordinates": {"point": "Home Address", "format": "(lat, lon)"}, "columns": {"city": "Sex"}}, "columns.city.from", "Sex", id="sex"),
        pytest.param({"group_by": {"key": "SubjectID"}, "columns": {"encounter_id": {"template": "X-{SubjectID}"}}}, "", "SubjectID", id="group-key"),
    ],
)  # fmt: skip
def test_a_personal_column_used_in_a_mapping_is_refused(tmp_path, body, key, column):
    with pytest.raises(MappingError) as err:
        load_mapping(mapping(tmp_path, body))
    message = str(err.value)
    assert f'uses "{column}", which looks like' in message and key in message and "allow_personal" in message


def test_allow_personal_with_a_reason_lets_a_column_through(tmp_path):
    body = {"columns": {"summary": {"template": "Badge {Badge No}."}}}
    with pytest.raises(MappingError, match="needs the reason"):
        load_mapping(mapping(tmp_path, {**body, "allow_personal": {"Badge No": ""}}))
    spec = load_mapping(mapping(tmp_path, {**body, "allow_personal": {"Badge No": "public officer badge, by policy"}}))
    assert spec.allow_personal == {"Badge No": "public officer badge, by policy"}


def test_counting_subjects_and_matching_rules_need_no_allowance(tmp_path):
    """people_from is only counted and leave_out only compared: neither carries the value."""
    body = {**GROUPED, "leave_out": [{"name": "minors", "where": {"Age": ["1?", "?"]}}]}
    content = "IncidentNum,SubjectID,OfficerID,Force,City,Age\nA,S1,O1,Taser,Seattle,34\nA,S2,O1,Taser,Seattle,15\n"
    out = mapped(tmp_path, content, body)
    assert out.frame["people_affected"].tolist() == ["1"] and out.left_out == {"minors": [3]}
    assert "S1" not in out.frame.to_string() and "34" not in out.frame.drop(columns=["_row"]).to_string()


def test_every_source_column_is_accounted_for_in_one_notice(tmp_path):
    content = "Town,Officer Name,Case No,Birth Date\nDuluth,Jo Doe,21-1,1/1/1990\n"
    out = mapped(tmp_path, content, {"columns": {"city": "Town"}, "exclude": ["Birth Date"]})
    unaccounted = [n for n in out.notes if n.startswith("columns not used")]
    assert len(unaccounted) == 1 and "Officer Name, Case No;" in unaccounted[0]
    assert "these look personal: Officer Name (a name)" in unaccounted[0]
    out = mapped(
        tmp_path, content, {"columns": {"city": "Town"}, "exclude": ["Birth Date", "Officer Name"], "ignore": ["Case*"]}
    )
    assert not [n for n in out.notes if n.startswith("columns not used")]
