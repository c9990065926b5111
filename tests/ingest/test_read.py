"""Tests for dashboard.ingest.read: small inline files for each fault, plus the real contributor files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.ingest import read as read_module
from dashboard.ingest.read import FileUnusable, ReadReport, SkippedLine, read_table

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def real_file(relative: str) -> Path:
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"real data file {path} is not available (the shared/data sibling of the repo is absent)")
    return path


def values(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.drop(columns=["_row", "_read_error"]).to_dict("records")


# ---------------------------------------------------------------- small delimited files that read fine

READABLE = [
    pytest.param(
        "bom.csv",
        b"\xef\xbb\xbfname,county\nAna,Cook\n",
        {"encoding": "utf-8-sig", "delimiter": ","},
        [{"name": "Ana", "county": "Cook"}],
        [2],
        id="utf8-bom",
    ),
    pytest.param(
        "latin1.csv",
        "name,county\nJos\u00e9,Do\u00f1a Ana\n".encode("latin-1"),
        {"encoding": "cp1252"},
        [{"name": "Jos\u00e9", "county": "Do\u00f1a Ana"}],
        [2],
        id="latin1-dona-ana",
    ),
    pytest.param(
        "pipe.csv",
        "aor|office|state\nATL|Atlanta|GA\nBAL|Baltimore, MD|MD\n",
        {"delimiter": "|"},
        [
            {"aor": "ATL", "office": "Atlanta", "state": "GA"},
            {"aor": "BAL", "office": "Baltimore, MD", "state": "MD"},
        ],
        [2, 3],
        id="pipe",
    ),
    pytest.param(
        "semi.csv",
        "city;rate\nParis;1,5\nLyon;2,25\n",
        {"delimiter": ";"},
        [{"city": "Paris", "rate": "1,5"}, {"city": "Lyon", "rate": "2,25"}],
        [2, 3],
        id="semicolon-with-decimal-commas",
    ),
    pytest.param(
        "tab.tsv",
        "a\tb\tc\n1\t2\t3\n",
        {"delimiter": "\t"},
        [{"a": "1", "b": "2", "c": "3"}],
        [2],
        id="tab",
    ),
    pytest.param(
        "preamble.csv",
        "Agency statistics unit\nFOUO,,\n\nname,date,count\nA,1/2/2019,3\nB,1/3/2019,4\n",
        {"header_row": 4, "preamble_rows": 3},
        [
            {"name": "A", "date": "1/2/2019", "count": "3"},
            {"name": "B", "date": "1/3/2019", "count": "4"},
        ],
        [5, 6],
        id="preamble",
    ),
    pytest.param(
        "spaces.csv",
        "  Area  of   Responsibility ,Apprehension\tDate\nNYC,10/1/2018\n",
        {"delimiter": ","},
        [{"Area of Responsibility": "NYC", "Apprehension Date": "10/1/2018"}],
        [2],
        id="doubled-space-headers",
    ),
    pytest.param(
        "quoted-spaces.csv",
        '"office_name", "state_name", "notes"\n"Atlanta", "Georgia", ""\n"Buffalo", "New York", "Upstate, NY"\n',
        {"delimiter": ","},
        [
            {"office_name": "Atlanta", "state_name": "Georgia", "notes": ""},
            {
                "office_name": "Buffalo",
                "state_name": "New York",
                "notes": "Upstate, NY",
            },
        ],
        [2, 3],
        id="space-after-comma-quoted",
    ),
    pytest.param(
        "newline.csv",
        'id,note\n1,"first line\nsecond line"\n2,plain\n',
        {},
        [{"id": "1", "note": "first line\nsecond line"}, {"id": "2", "note": "plain"}],
        [2, 3],  # the record after the two-line value is still spreadsheet row 3
        id="quoted-newline",
    ),
    pytest.param(
        "crlf.csv",
        b"id,note\r\n1,x\r\n\r\n2,y\r\n",
        {},
        [{"id": "1", "note": "x"}, {"id": "2", "note": "y"}],
        [2, 4],  # the blank line is ignored but still occupies row 3
        id="crlf-and-blank-line",
    ),
    pytest.param(
        "untouched.csv",
        "name,age,race\n  padded  ,NA,\n",
        {},
        [{"name": "  padded  ", "age": "NA", "race": ""}],
        [2],
        id="values-untouched",
    ),
    pytest.param(
        "trailing.csv",
        "a,b\n1,2,\n3,4,\n",
        {},
        [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}],
        [2, 3],
        id="trailing-delimiter-only-on-data-rows",
    ),
    pytest.param(
        "index.csv",
        ",city\n1,Reno\n",
        {},
        [{"Unnamed: 0": "1", "city": "Reno"}],
        [2],
        id="blank-header-cell",
    ),
]


@pytest.mark.parametrize(("name", "content", "report_fields", "expected", "rows"), READABLE)
def test_reads_small_files(tmp_path, name, content, report_fields, expected, rows):
    frame, report = read_table(write(tmp_path, name, content))
    assert values(frame) == expected
    assert frame["_row"].tolist() == rows
    assert (frame["_read_error"] == "").all()
    assert report.format == "csv" and report.rows_read == len(expected) and report.skipped == ()
    for field, value in report_fields.items():
        assert getattr(report, field) == value, field
    assert all(frame[c].dtype == object for c in frame.columns if c != "_row")
    assert frame["_row"].dtype == "int64"


def test_repeated_header_is_skipped_and_reported(tmp_path):
    content = "id,name\n1,a\n2,b\nid, name \n3,c\n"
    frame, report = read_table(write(tmp_path, "twice.csv", content))
    assert frame["id"].tolist() == ["1", "2", "3"]
    assert frame["_row"].tolist() == [2, 3, 5]
    assert report.skipped == (SkippedLine(4, "repeated header row"),)
    assert "skipped 1 repeated header row (row 4)" in report.describe()


@pytest.mark.parametrize(
    ("content", "bad_row", "message_parts"),
    [
        pytest.param(
            "a|b|c\n1|2|3\n4|5\n6|7|8\n",
            3,
            ["2 values", "3 columns"],
            id="too-few-fields",
        ),
        pytest.param(
            "a|b|c\n1|2|3\n4|5|6|extra\n6|7|8\n",
            3,
            ["4 values", "'extra'"],
            id="too-many-fields",
        ),
        pytest.param(
            'a,b,c\n1,"2,3\n4,5,6\n7,8,9\n',
            2,
            ["2 values", "quote mark may be missing"],
            id="unclosed-quote",
        ),
    ],
)
def test_ragged_rows_are_kept_with_a_reason(tmp_path, content, bad_row, message_parts):
    frame, _ = read_table(write(tmp_path, "ragged.csv", content))
    flagged = frame[frame["_read_error"] != ""]
    assert flagged["_row"].tolist() == [bad_row]
    assert all(part in flagged["_read_error"].iloc[0] for part in message_parts)
    assert list(frame.columns[:3]) == ["a", "b", "c"]
    assert not frame.isna().any().any()


# ---------------------------------------------------------------- files that cannot be used


@pytest.mark.parametrize(
    ("name", "content", "message_part"),
    [
        pytest.param("empty.csv", b"", "empty", id="empty"),
        pytest.param("blank.csv", b"\xef\xbb\xbf \n\n", "empty", id="only-bom-and-blank-lines"),
        pytest.param(
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20,
            "not a text file",
            id="binary-nul",
        ),
        pytest.param(
            "book.csv",
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(100),
            ".xlsx",
            id="xlsx-renamed-csv",
        ),
        pytest.param(
            "noise.csv",
            bytes(range(1, 32)) * 30,
            "not a text file",
            id="control-characters",
        ),
        pytest.param(
            "bad.json",
            '[{"a": 1},\n {"a": 2,}]',
            "not valid JSON (line 2",
            id="invalid-json",
        ),
        pytest.param(
            "dict.json",
            '{"Texas": {"arrests": 5}, "Ohio": {"arrests": 2}}',
            "no list of records",
            id="json-no-list",
        ),
        pytest.param("scalar.json", "42", "no list of records", id="json-scalar"),
        pytest.param("none.json", "[]", "empty", id="json-empty-list"),
        pytest.param(
            "two.json",
            '{"a": [{"x": 1}], "b": [{"y": 2}]}',
            "'a', 'b'",
            id="json-two-lists",
        ),
        pytest.param(
            "dupes.csv",
            "Area  Code,Area Code\n1,2\n",
            "'Area Code'",
            id="duplicate-after-normalising",
        ),
        pytest.param("reserved.csv", "_row,b\n1,2\n", "'_row'", id="reserved-column-name"),
    ],
)
def test_unusable_files_raise_plain_message(tmp_path, name, content, message_part):
    with pytest.raises(FileUnusable) as caught:
        read_table(write(tmp_path, name, content))
    assert str(caught.value).startswith(f"{name}: ")
    assert message_part in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileUnusable, match=r"^nope\.csv: the file does not exist$"):
        read_table(tmp_path / "nope.csv")


def test_unexpected_parser_errors_become_file_unusable(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("parser exploded")

    monkeypatch.setattr(read_module, "_read_delimited", boom)
    with pytest.raises(FileUnusable, match=r"^x\.csv: .*parser exploded"):
        read_table(write(tmp_path, "x.csv", "a,b\n1,2\n"))


# ---------------------------------------------------------------- JSON


def test_json_nested_values_are_flattened(tmp_path):
    records = [
        {
            "id": "T1",
            "linked": ["A", "B"],
            "breakdown": {"children": 2, "adults": {"men": 1}},
            "ok": True,
        },
        {"id": "T2", "linked": [], "note": None, "lat": 34.05},
    ]
    frame, report = read_table(
        write(
            tmp_path,
            "nested.json",
            json.dumps({"meta": {"v": 1}, "incidents": records}),
        )
    )
    assert list(frame.columns) == [
        "id",
        "linked",
        "breakdown.children",
        "breakdown.adults.men",
        "ok",
        "note",
        "lat",
        "_row",
        "_read_error",
    ]
    assert values(frame) == [
        {
            "id": "T1",
            "linked": "A; B",
            "breakdown.children": "2",
            "breakdown.adults.men": "1",
            "ok": "true",
            "note": "",
            "lat": "",
        },
        {
            "id": "T2",
            "linked": "",
            "breakdown.children": "",
            "breakdown.adults.men": "",
            "ok": "",
            "note": "",
            "lat": "34.05",
        },
    ]
    assert frame["_row"].tolist() == [1, 2]
    assert (report.format, report.delimiter, report.header_row, report.rows_read) == (
        "json",
        None,
        0,
        2,
    )


def test_json_item_that_is_not_a_record_is_flagged(tmp_path):
    frame, _ = read_table(write(tmp_path, "mixed.json", '[{"a": "x"}, 5, {"a": "y"}]'))
    assert frame["a"].tolist() == ["x", "", "y"]
    assert frame["_read_error"].tolist()[0] == "" and "not a record" in frame["_read_error"].tolist()[1]


# ---------------------------------------------------------------- Excel and the report text


def test_xlsx_without_openpyxl_is_unusable(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "find_spec", lambda name: None)
    with pytest.raises(FileUnusable, match=r"^sheet\.xlsx: .*openpyxl"):
        read_table(write(tmp_path, "sheet.xlsx", b"PK\x03\x04"))


def test_xlsx_with_preamble(tmp_path):
    pytest.importorskip(
        "openpyxl",
        reason="openpyxl is not installed, so .xlsx files cannot be written or read",
    )
    path = tmp_path / "sheet.xlsx"
    rows = [["Title", ""], ["", ""], ["name", "count"], ["A", "1"], ["B", "2"]]
    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    frame, report = read_table(path)
    assert values(frame) == [{"name": "A", "count": "1"}, {"name": "B", "count": "2"}]
    assert frame["_row"].tolist() == [4, 5]
    assert (report.format, report.header_row, report.preamble_rows) == ("xlsx", 3, 2)


def test_describe_is_one_plain_line():
    report = ReadReport(
        "data/x.csv",
        "csv",
        "cp1252",
        "|",
        6,
        5,
        131904,
        (SkippedLine(40, "repeated header row"),),
    )
    assert report.describe() == (
        "read x.csv as CSV, cp1252, delimiter '|', header on row 6 after 5 preamble rows; 131,904 rows; "
        "skipped 1 repeated header row (row 40)"
    )


# ---------------------------------------------------------------- gzip-compressed files


@pytest.mark.parametrize(
    "name, content, expected",
    [
        pytest.param(
            "arrests.csv.gz",
            '"Title"||\n"aor"|"date"\n"SEA"|10/1/2018\n',
            {"aor": "SEA", "date": "10/1/2018"},
            id="csv",
        ),
        pytest.param("incidents.json.gz", '[{"id": "T1", "lat": 44.9}]', {"id": "T1", "lat": "44.9"}, id="json"),
        pytest.param(
            "latin1.csv.gz",
            "name,county\nJos\u00e9,Do\u00f1a Ana\n".encode("latin-1"),
            {"name": "Jos\u00e9", "county": "Do\u00f1a Ana"},
            id="latin1",
        ),
    ],
)
def test_gzip_files_are_decompressed_then_read_as_usual(tmp_path, name, content, expected):
    raw = content.encode("utf-8") if isinstance(content, str) else content
    frame, report = read_table(write(tmp_path, name, gzip.compress(raw)))
    plain, plain_report = read_table(write(tmp_path, name[:-3], raw))
    assert values(frame) == values(plain) == [expected]
    assert frame["_row"].tolist() == plain["_row"].tolist()
    assert report.compression == "gzip" and plain_report.compression == ""
    assert report.describe().startswith(f"read {name} as {report.format.upper()} (gzip-compressed), ")
    assert report.describe().split(", ", 1)[1] == plain_report.describe().split(", ", 1)[1]


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(b"this is not gzip at all", "could not be decompressed", id="not-gzip"),
        pytest.param(gzip.compress(b"a,b\n1,2\n")[:-12], "could not be decompressed", id="truncated"),
        pytest.param(gzip.compress(b""), "the file is empty", id="empty-inside"),
    ],
)
def test_broken_gzip_is_unusable(tmp_path, content, message):
    with pytest.raises(FileUnusable, match=rf"^data\.csv\.gz: .*{message}"):
        read_table(write(tmp_path, "data.csv.gz", content))


def test_shipped_ero_gzip_is_the_released_file():
    shipped = Path(__file__).resolve().parents[2] / "data" / "sources" / "ice-ero-fy2019" / "EROArrests_FY2019.csv.gz"
    if not shipped.exists():
        pytest.skip("the shipped ICE ERO file is not in this checkout")
    assert gzip.decompress(shipped.read_bytes()) == real_file("ice-arrests-uwchr/EROArrests_FY2019.csv").read_bytes()


# ---------------------------------------------------------------- the real contributor files


def test_ero_arrests_file():
    path = real_file("ice-arrests-uwchr/EROArrests_FY2019.csv")
    started = time.perf_counter()
    frame, report = read_table(path)
    elapsed = time.perf_counter() - started
    assert len(frame) == report.rows_read == 131_904
    assert (report.delimiter, report.header_row, report.preamble_rows) == ("|", 6, 5)
    assert frame["Area of Responsibility"].iloc[0] == "New York City Area of Responsibility"
    assert frame["_row"].iloc[0] == 7 and frame["_row"].iloc[-1] == 131_910
    assert frame["Birth Date"].iloc[0] == "(B)(6);(B)(7)(C) "  # values keep their trailing space
    assert (frame["_read_error"] == "").all()
    assert elapsed < 10, f"reading the ERO file took {elapsed:.1f}s"


def test_areas_of_responsibility_headers_lose_quotes_and_spaces():
    frame, _ = read_table(real_file("ice-deportationdata/ice-areas-of-responsibility.csv"))
    assert list(frame.columns[:4]) == [
        "office_name",
        "state_name",
        "county_name",
        "notes",
    ]
    assert len(frame) == 426 and frame["state_name"].iloc[0] == "Georgia"


def test_field_offices_ragged_rows_are_flagged():
    frame, report = read_table(real_file("ice-aor-crosswalk/ice_ero_field_offices.csv"))
    flagged = frame[frame["_read_error"] != ""]
    assert report.delimiter == "|" and len(frame) == 215  # nothing dropped
    assert set(flagged["_row"]) == {29, 169, *range(148, 153), *range(173, 185)}
    assert "7 values" in flagged.loc[flagged["_row"] == 148, "_read_error"].iloc[0]


def test_latin1_county_file():
    frame, report = read_table(real_file("geo-us-counties/co-est2019-fips-2.csv"))
    assert report.encoding == "cp1252"
    assert "Do\u00f1a Ana County" in set(frame["CTYNAME"])


def test_minneapolis_use_of_force_json():
    frame, report = read_table(real_file("uof-minneapolis/mpls_police_use_of_force_2021_properties.json"))
    assert report.rows_read == len(frame) == 2398
    assert frame["SubjectInjury"].eq("").all()  # JSON null becomes "", never NaN
    assert frame["Problem"].iloc[0] == "Domestic Abuse-In Progress "


def test_sentinel_tier4_json():
    frame, _ = read_table(real_file("ice-incidents-sentinel/tier4_incidents.json"))
    assert len(frame) == 243
    assert "affected_breakdown.protesters_arrested" in frame.columns
    assert frame["related_incidents"].iloc[0].startswith("T3-001; T3-002")


# ---------------------------------------------------------------- the fast path reads what the careful reader reads

_CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n;é1-')), max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    header=st.lists(st.sampled_from(["id", "city", "date", "notes", "agency"]), min_size=1, max_size=4, unique=True),
    cells=st.lists(st.lists(_CELL, min_size=4, max_size=4), max_size=6),
)
def test_arrow_fast_path_reads_the_same_as_the_row_by_row_reader(tmp_path_factory, header, cells):
    """Contributors' rows must come out identical (values and row numbers) whichever reader takes the file."""
    rows = [row[: len(header)] for row in cells]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    path = write(tmp_path_factory.mktemp("fast"), "f.csv", buffer.getvalue())
    fast_frame, fast_report = read_table(path)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(read_module, "_read_regular", lambda *a: None)
        slow_frame, slow_report = read_table(path)
    assert fast_report == slow_report
    pd.testing.assert_frame_equal(fast_frame.reset_index(drop=True), slow_frame.reset_index(drop=True))


# ---------------------------------------------------------------- one bad cell costs one row, not the file (issue 14)


@pytest.mark.parametrize("fast_path", [True, False], ids=["arrow", "row-by-row"])
def test_a_nul_byte_in_one_cell_costs_only_its_row(tmp_path, fast_path):
    rows = "".join(f"T{i},Minneapolis,2025-01-0{i % 9 + 1}\n" for i in range(1, 40))
    content = ("id,city,date\n" + rows).replace("T7,Minneapolis", "T7,Minne\x00apolis").encode()
    with pytest.MonkeyPatch.context() as m:
        if not fast_path:
            m.setattr(read_module, "_read_regular", lambda *a: None)
        frame, report = read_table(write(tmp_path, "nul.csv", content))
    assert report.rows_read == 39
    errors = frame.set_index("_row")["_read_error"]
    assert errors[8] == 'the value in column "city" holds a NUL character (binary data), shown as \ufffd'
    assert (errors.drop(8) == "").all()
    assert frame.loc[frame["_row"] == 8, "city"].item() == "Minne\ufffdapolis"  # no NUL reaches the quarantine


def test_a_huge_cell_costs_only_its_row(tmp_path):
    huge = "x" * (5 * 1024 * 1024)  # 5 MB in one quoted field
    content = f'id,summary,date\nT1,fine,2025-01-01\nT2,"{huge}",2025-01-02\nT3,also fine,2025-01-03\n'
    frame, report = read_table(write(tmp_path, "big.csv", content))
    assert report.rows_read == 3 and frame["id"].tolist() == ["T1", "T2", "T3"]
    errors = frame.set_index("_row")["_read_error"]
    assert errors[3].startswith('the value in column "summary" is 5,242,880 characters long, more than the 1,000,000')
    assert errors[2] == errors[4] == ""
    assert len(frame.loc[frame["_row"] == 3, "summary"].item()) < 1_000  # the cell is cut short, not held


def test_a_bad_cell_on_a_ragged_row_gives_both_reasons(tmp_path):
    frame, _ = read_table(write(tmp_path, "r.csv", "id,city\nT1,Ames\nT2,A\x00mes,extra\n"))
    error = frame.set_index("_row").loc[3, "_read_error"]
    assert "3 values but the header has 2 columns" in error and 'column "city" holds a NUL' in error


def test_a_file_mostly_of_nul_bytes_is_still_not_text(tmp_path):
    with pytest.raises(FileUnusable, match=r"^z\.csv: this is not a text file"):
        read_table(write(tmp_path, "z.csv", b"a,b\n" + bytes(5000)))


# ---------------------------------------------------------------- gzip: streamed, with a cap on the decompressed size


def test_gzip_expanding_past_the_cap_is_refused_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "max_decompressed_bytes", lambda: 2_000_000)
    body = b"id,city\n" + b"T1,Ames\n" * 400_000  # 3.2 MB of text, a few KB of gzip
    path = write(tmp_path, "bomb.csv.gz", gzip.compress(body))
    with pytest.raises(
        FileUnusable, match=r"^bomb\.csv\.gz: this \.gz file expands to more than 2 MB.*max_decompressed_mb"
    ):
        read_table(path)
    monkeypatch.setattr(read_module, "max_decompressed_bytes", lambda: 4_000_000)
    frame, report = read_table(path)  # under the cap it reads as usual
    assert report.rows_read == 400_000 and report.compression == "gzip"


def test_the_decompressed_copy_is_removed_after_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    read_table(write(tmp_path, "a.csv.gz", gzip.compress(b"id,city\nT1,Ames\n")))
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_decompressed_size_cap_is_a_documented_setting():
    from dashboard.config import max_decompressed_bytes

    deployment = (Path(__file__).resolve().parents[2] / "data" / "deployment.yaml").read_text()
    assert "max_decompressed_mb:" in deployment
    assert max_decompressed_bytes() == 1_000_000_000


# ---------------------------------------------------------------- JSON: parsed whole, so capped by size


@pytest.mark.parametrize(
    "name, pack",
    [
        pytest.param("big.json", lambda b: b, id="json"),
        pytest.param("big.geojson.gz", gzip.compress, id="gzip-geojson"),
        pytest.param("big.export", lambda b: b, id="json-without-its-name"),
    ],
)
def test_json_past_its_cap_is_refused_before_it_is_read(tmp_path, monkeypatch, name, pack):
    monkeypatch.setattr(read_module, "max_json_bytes", lambda: 1_000_000)
    parsed = []
    monkeypatch.setattr(read_module.json, "loads", lambda text: parsed.append(len(text)))
    records = json.dumps([{"id": f"T{i}", "city": "Ames"} for i in range(60_000)]).encode()  # 1.9 MB
    stem = name.split(".")[0]
    with pytest.raises(
        FileUnusable, match=rf"^{stem}\.\S+: this JSON holds 2 MB of text, more than the 1 MB.*max_json_mb"
    ):
        read_table(write(tmp_path, name, pack(records)))
    assert parsed == []  # refused before the text was parsed (before: read and parsed whole)


def test_json_under_its_cap_reads_as_usual(tmp_path, monkeypatch):
    monkeypatch.setattr(read_module, "max_json_bytes", lambda: 1_000_000)
    frame, report = read_table(write(tmp_path, "a.json", json.dumps([{"id": f"T{i}"} for i in range(1000)])))
    assert report.format == "json" and frame["id"].tolist()[:2] == ["T0", "T1"]


def test_the_json_cap_is_a_documented_setting():
    from dashboard.config import max_json_bytes

    deployment = (Path(__file__).resolve().parents[2] / "data" / "deployment.yaml").read_text()
    assert "max_json_mb:" in deployment
    assert max_json_bytes() == 100_000_000
