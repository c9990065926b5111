"""The contributor's command line on real-world files: exit codes, messages, row accounting."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from support import rows, write_csv

from dashboard import store
from dashboard.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


CITIES = [("Minneapolis", "MN"), ("Chicago", "IL"), ("Denver", "CO"), ("Phoenix", "AZ"), ("Houston", "TX")]


def canonical_file(tmp_path, n=3, name="in.csv", **overrides):
    # distinct cities, so no record is a likely duplicate of another (that flag is tested elsewhere)
    frame = rows(
        *[
            {"encounter_id": f"E-{i:04d}", "city": CITIES[i % 5][0], "state": CITIES[i % 5][1], **overrides}
            for i in range(n)
        ]
    )
    return write_csv(tmp_path / name, frame)


def test_valid_file_exits_0(tmp_path, capsys):
    code, out, _ = run(capsys, "validate", str(canonical_file(tmp_path)))
    assert code == 0
    assert "rows in: 3, valid: 3, invalid: 0" in out


def test_invalid_rows_exit_1_with_spreadsheet_row_numbers(tmp_path, capsys):
    frame = rows({}, {"force_types": "gun drawn"}, {})
    path = write_csv(tmp_path / "bad.csv", frame)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    # the header is row 1, so the second record is row 3
    assert (
        'bad.csv: row 3, column force_types: "gun drawn" is not a known force type; did you mean "weapon displayed"?'
        in out
    )


def test_json_format_lists_problems_and_counts(tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", rows({}, {"state": "ZZ"}))
    code, out, _ = run(capsys, "validate", str(path), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert {k: report[k] for k in ("rows_in", "rows_valid", "rows_invalid")} == {
        "rows_in": 2,
        "rows_valid": 1,
        "rows_invalid": 1,
    }
    assert report["problems"] == [
        {"file": "bad.csv", "row": 3, "column": "state", "value": "ZZ", "reason": report["problems"][0]["reason"]}
    ]
    assert "ZZ" in report["problems"][0]["reason"]


def test_utf8_bom_file(tmp_path, capsys):
    path = canonical_file(tmp_path, city="Saint Paul")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0, out


def test_latin1_file(tmp_path, capsys):
    path = canonical_file(tmp_path, city="Doña Ana", state="NM")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "ds"), "publish", str(path), "--dataset", "t")
    assert code == 0, out
    published = store.load_records(tmp_path / "ds", "t")
    assert set(published["city"]) == {"Doña Ana"}


def test_missing_required_column_exits_2_naming_it(tmp_path, capsys):
    path = tmp_path / "cols.csv"
    rows({}).drop(columns=["sources", "_row"]).to_csv(path, index=False)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2
    assert "missing required column: sources" in err


@pytest.mark.parametrize(
    "content, reason",
    [
        pytest.param(b"", "empty", id="empty-file"),
        pytest.param(bytes(range(256)) * 40, "binary", id="binary-renamed-csv"),
    ],
)
def test_unusable_files_exit_2(tmp_path, capsys, content, reason):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2
    assert "data.csv" in err and reason in err.lower()


def test_ten_invalid_rows_of_1000_are_quarantined_and_990_published(tmp_path, capsys):
    bad_at = set(range(5, 1000, 100))  # 10 rows
    frame = rows(
        *[{"encounter_id": f"E-{i:04d}", "verification": "rumour" if i in bad_at else "reported"} for i in range(1000)]
    )
    path = write_csv(tmp_path / "big.csv", frame)
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "ds"), "publish", str(path), "--dataset", "t")
    assert code == 0
    assert "rows in 1,000 = published 990 + quarantined 10" in out
    published = store.load_records(tmp_path / "ds", "t")
    quarantine = pd.read_csv(store.version_dir(tmp_path / "ds", "t", 1) / "quarantine.csv", dtype=str)
    assert len(published) == 990
    assert sorted(quarantine["encounter_id"]) == sorted(f"E-{i:04d}" for i in bad_at)
    assert quarantine["problems"].str.contains("rumour").all()
    # spreadsheet rows: header is row 1, record i is row i + 2
    assert sorted(quarantine["row"].astype(int)) == sorted(i + 2 for i in bad_at)


def test_diff_history_rollback(tmp_path, capsys):
    ds = str(tmp_path / "ds")
    first = canonical_file(tmp_path, n=3, name="v1.csv")
    run(capsys, "--data-dir", ds, "publish", str(first), "--dataset", "t")
    frame = rows(
        {"encounter_id": "E-0000", "city": "Duluth", "state": "MN"},
        {"encounter_id": "E-0001", "city": "Chicago", "state": "IL"},
        {"encounter_id": "E-0009", "city": "Phoenix", "state": "AZ"},
    )
    second = write_csv(tmp_path / "v2.csv", frame)
    code, out, _ = run(capsys, "--data-dir", ds, "diff", str(second), "--dataset", "t")
    assert code == 0
    assert "1 added, 1 changed, 1 removed" in out
    assert "~ E-0000: county_fips, city, latitude, longitude" in out  # re-geocoded with the city
    assert "- E-0002" in out and "+ E-0009" in out
    assert store.current_version(ds, "t") == 1  # diff publishes nothing
    run(capsys, "--data-dir", ds, "publish", str(second), "--dataset", "t")
    code, out, _ = run(capsys, "--data-dir", ds, "rollback", "--dataset", "t", "--to", "1")
    assert code == 0
    assert sorted(store.load_records(ds, "t")["encounter_id"]) == ["E-0000", "E-0001", "E-0002"]
    code, out, _ = run(capsys, "--data-dir", ds, "history", "--dataset", "t")
    assert [line.split()[0 if line[0] == " " else 1] for line in out.splitlines()] == ["v1", "v2", "v3"]
    assert "* v3" in out and "rollback to 1" in out


def test_data_dir_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ENCOUNTERS_DATA_DIR", str(tmp_path / "env-ds"))
    run(capsys, "publish", str(canonical_file(tmp_path)), "--dataset", "t")
    assert store.current_version(tmp_path / "env-ds", "t") == 1


def test_codebook_lists_every_column_and_missing_shares(tmp_path, capsys):
    ds = str(tmp_path / "ds")
    run(capsys, "--data-dir", ds, "publish", str(canonical_file(tmp_path, targeted_groups="")), "--dataset", "t")
    code, out, _ = run(capsys, "--data-dir", ds, "codebook", "--dataset", "t")
    assert code == 0
    from dashboard.schema import load_schema

    for column in load_schema().names:
        assert f"| {column} |" in out
    targeted = next(line for line in out.splitlines() if line.startswith("| targeted_groups |"))
    assert targeted.rstrip().endswith("| 100.0% |")
    assert '"weapon displayed"' in out or "| weapon displayed |" in out


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("header", id="header-only"),
        pytest.param("all-invalid", id="every-row-invalid"),
        pytest.param("other-ids", id="most-records-removed"),
    ],
)
def test_a_publish_that_would_empty_or_gut_a_dataset_is_refused_without_the_flag(tmp_path, capsys, content):
    ds = str(tmp_path / "ds")
    assert run(capsys, "--data-dir", ds, "publish", str(canonical_file(tmp_path, n=5)), "--dataset", "t")[0] == 0
    good = pd.read_csv(canonical_file(tmp_path, n=5), dtype=str)
    if content == "header":
        bad = good.head(0)
    elif content == "all-invalid":
        bad = good.assign(date="not a date")
    else:
        bad = pd.concat([good.head(1), good.head(1).assign(encounter_id="NEW-1")])
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    code, _, err = run(capsys, "--data-dir", ds, "publish", str(path), "--dataset", "t")
    assert code == 2 and "refused" in err and "--allow-removals" in err
    assert store.current_version(tmp_path / "ds", "t") == 1 and len(store.load_records(tmp_path / "ds", "t")) == 5
    code, _, _ = run(capsys, "--data-dir", ds, "publish", str(path), "--dataset", "t", "--allow-removals")
    assert code == 0 and store.current_version(tmp_path / "ds", "t") == 2


def test_a_publish_that_removes_a_few_records_needs_no_flag(tmp_path, capsys):
    ds = str(tmp_path / "ds")
    assert run(capsys, "--data-dir", ds, "publish", str(canonical_file(tmp_path, n=5)), "--dataset", "t")[0] == 0
    four = canonical_file(tmp_path, n=4, name="four.csv")
    assert run(capsys, "--data-dir", ds, "publish", str(four), "--dataset", "t")[0] == 0
    assert len(store.load_records(tmp_path / "ds", "t")) == 4


def test_terminal_escape_sequences_in_a_file_are_shown_not_obeyed(tmp_path, capsys):
    """A cell holding ESC ]0;title BEL (retitle the window) or ESC [2J (clear the screen) is printed as text."""
    frame = rows({"encounter_id": "E-1", "date": "\x1b]0;pwned\x07"}, {"encounter_id": "E-2", "state": "\x1b[2JMN"})
    code, out, err = run(capsys, "validate", str(write_csv(tmp_path / "esc.csv", frame)))
    assert code == 1
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[2JMN" in out
