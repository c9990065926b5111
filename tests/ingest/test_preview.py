"""`encounters validate FILE --mapping M --preview N`: N mapped records beside their source rows."""

from __future__ import annotations

import json

import yaml

from dashboard.cli import main

MAPPING = {
    "columns": {
        "encounter_id": {"template": "T-{Case}"},
        "date": {"from": "When", "format": "%m/%d/%Y"},
        "force_types": "Force",
    },
    "constants": {"agencies": "ICE ERO", "encounter_type": "arrest", "verification": "documented", "sources": "Test"},
    "values": {"force_types": {"Gun Point Display": "weapon displayed"}},
    "exclude": ["Officer Name"],
}


def _files(tmp_path):
    data = tmp_path / "police.csv"
    data.write_text(
        "Case,When,Force,Officer Name\n"
        "21-1,01/09/2021,Gun Point Display,Jane Roe\n"
        "21-2,01/10/2021,Laser,John Doe\n"
        "21-3,01/11/2021,Gun Point Display,Jane Roe\n"
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    return str(data), str(mapping)


def test_preview_shows_each_record_beside_its_source_row(tmp_path, capsys):
    data, mapping = _files(tmp_path)
    assert main(["validate", data, "--mapping", mapping, "--preview", "2"]) == 1
    out = capsys.readouterr().out
    assert "Preview: 2 of 3 records, each beside the source row it came from" in out
    assert "--- row 2 (valid)" in out and "--- row 3 (invalid, see its problems above)" in out
    assert "--- row 4" not in out
    lines = out.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("--- row 2")))
    block = "\n".join(lines[start : start + 8])
    assert "Force: Gun Point Display" in block and "force_types: weapon displayed" in block
    assert "date: 2021-01-09" in block and "When: 01/09/2021" in block
    assert any("Case: 21-1" in x and "encounter_id: T-21-1" in x for x in lines)  # side by side, one line
    assert "Jane Roe" not in out and "Officer Name" not in out.split("Preview:")[1]  # excluded: never shown


def test_preview_in_json(tmp_path, capsys):
    data, mapping = _files(tmp_path)
    main(["validate", data, "--mapping", mapping, "--preview", "1", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["preview"] == [
        {
            "row": 2,
            "source": {"Case": "21-1", "When": "01/09/2021", "Force": "Gun Point Display"},
            "mapped": report["preview"][0]["mapped"],
        }
    ]
    assert report["preview"][0]["mapped"]["force_types"] == "weapon displayed"
