"""The validation report stays readable (and small) however many rows fail; JSON keeps every problem."""

from __future__ import annotations

import json

import pandas as pd
from support import CANONICAL_ROW, write_csv

from dashboard.cli import main
from dashboard.ingest.report import allowed_values, reason_kind

N = 50_000


def _bad_file(tmp_path):
    """50,000 rows, each bad in five columns: a bad date (1,000 spellings), an unknown force type (three spellings),
    an unknown state, a latitude out of range and no source."""
    frame = pd.DataFrame([CANONICAL_ROW] * N)
    frame["encounter_id"] = [f"E-{i}" for i in range(N)]
    frame["date"] = [f"sometime {i % 1000}" for i in range(N)]
    frame["force_types"] = [("laser", "sonic cannon", "harsh words")[i % 3] for i in range(N)]
    frame["state"] = "ZZ"
    frame["latitude"], frame["longitude"], frame["location_precision"] = "123.5", "-93.2", "exact"
    frame["sources"] = ""
    return write_csv(tmp_path / "bad.csv", frame)


def test_fifty_thousand_bad_rows_give_a_small_report_naming_every_column_and_reason(tmp_path, capsys):
    path = _bad_file(tmp_path)
    assert main(["validate", str(path)]) == 1
    text = capsys.readouterr().out
    assert len(text.encode()) < 100_000, len(text.encode())
    for column, reason in [
        ("date", "is not a date"),
        ("force_types", "is not a known force type"),
        ("state", "is not a known state code"),
        ("latitude", "is outside the allowed range"),
        ("sources", "is empty"),
    ]:
        assert f"\n{column}: {N:,} problems in {N:,} rows" in text, column
        assert f"  - «…» {reason}" in text or f"  - {reason}" in text, reason
    # each column's allowed values are printed once, not once per row
    assert text.count(allowed_values("force_types")) == 1
    assert text.count(allowed_values("state")) == 1
    assert f"rows in: {N:,}, valid: 0, invalid: {N:,}" in text

    assert main(["validate", str(path), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    problems = pd.DataFrame(report["problems"])
    assert problems.groupby("column")["row"].nunique().to_dict() == {
        c: N for c in ["date", "force_types", "state", "latitude", "sources"]
    }
    assert report["allowed_values"]["force_types"] == allowed_values("force_types")
    assert not problems["reason"].str.contains('"verbal threat"').any()  # no list in any row's reason


def test_reason_kind_takes_the_values_out():
    assert reason_kind('"12/1/2019 12:00:00 AM" is not a date; write it as YYYY-MM-DD') == "«…» is not a date"
    assert reason_kind("is empty; every record needs a value here") == "is empty; every record needs a value here"
