"""`encounters brief`: the PDF's figures, read back with pdftotext, equal pandas on the published records."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest
from briefing_support import BREAKDOWN_COLUMNS, DOWNTOWN, downtown_geojson, expected, in_polygon

from dashboard.cli import main

PERIOD, BEFORE = ("2025-07-01", "2026-06-30"), ("2024-07-01", "2025-06-30")
HEADINGS = (*BREAKDOWN_COLUMNS, "Most serious records in the period")


def brief(demo_root, out, *args) -> int:
    argv = ["--data-dir", str(demo_root), "brief", "--dataset", "demo", "--from", PERIOD[0], "--to", PERIOD[1]]
    return main([*argv, *args, "--out", str(out)])


def pdf_text(path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    ends = [text.find(h, start + len(heading)) for h in HEADINGS]
    return text[start : min([e for e in ends if e > start] or [len(text)])]


def row(text: str, label: str) -> tuple[int, int]:
    """(period, before) from a figures table line: "label   12   9   +3"."""
    # The label starts a line or follows a gap (a map label may share the line); numbers stay on that line.
    # The change may wrap onto the lines around ("+3 (partly / covered)"), so the numbers may end the line.
    m = re.search(rf"(?:^[ \t]*|[ \t]{{2}}){re.escape(label)}[ \t]+([\d,]+)[ \t]+([\d,]+)(?:[ \t]+|$)", text, re.M)
    assert m, f"no row for {label!r}"
    return int(m[1].replace(",", "")), int(m[2].replace(",", ""))


def check_pdf(text: str, want: dict) -> None:
    for label, numbers in want["key"].items():
        assert row(text, label) == numbers, label
    for heading in BREAKDOWN_COLUMNS:
        part = section(text, heading)
        for label, numbers in want[heading].items():
            assert row(part, label) == numbers, f"{heading}: {label}"


def check_labels(text: str) -> None:
    assert "DEMONSTRATION DATA: every record in this briefing is fictional" in text
    assert "data as of 2026-11-28" in text and "CC0 1.0" in text
    assert f"{PERIOD[0]} to {PERIOD[1]}, compared with {BEFORE[0]}" in text
    assert re.search(r"^\s*1\.\s+Dataset: Demonstration data", text, re.M)  # footnote 1
    assert re.search(r"^\s*2\.\s+https://example\.org/demo/", text, re.M)  # footnotes for the record sources
    assert "[2]" in text


def test_state_pdf_with_filters_matches_pandas(demo_root, records, tmp_path, chromium, capsys):
    out = tmp_path / "mn.pdf"
    started = time.perf_counter()
    assert brief(demo_root, out, "--area-type", "state", "--area", "MN", "--filter", "group=Black") == 0
    elapsed = time.perf_counter() - started
    rows = records[
        (records["state"] == "MN") & records["targeted_groups"].str.split("; ").apply(lambda v: "Black" in v)
    ]
    text = pdf_text(out)
    check_pdf(text, expected(rows, PERIOD, BEFORE))
    check_labels(text)
    assert "Filters in force: group: Black" in " ".join(text.split())
    assert (
        out.read_bytes()[:5] == b"%PDF-"
        and "612 x 792" in subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    )  # letter size
    assert f"wrote {out}" in capsys.readouterr().out
    print(f"PDF for Minnesota made in {elapsed:.1f} s")
    assert elapsed < 60


def test_council_district_pdf_matches_pandas(demo_root, records, tmp_path, chromium):
    out = tmp_path / "ward42.pdf"
    assert brief(demo_root, out, "--area-type", "district", "--area", "Chicago Ward 42") == 0
    text = pdf_text(out)
    check_pdf(text, expected(records[records["district"] == "Chicago Ward 42"], PERIOD, BEFORE))
    check_labels(text)
    assert "Only records located to the exact address or block are placed in a council district" in " ".join(
        text.split()
    )
    first_page_has_charts(out)


def first_page_has_charts(pdf) -> None:
    """Page 1 drawn at 80 dpi (kept in test-artifacts to look at): the timeline's bars and the map are there."""
    from PIL import Image
    from support import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    stem = SHOTS / "briefing-pdf-ward42"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)], check=True
    )
    image = Image.open(f"{stem}.png").convert("RGB")
    assert image.size == (680, 880)  # letter at 80 dpi
    pixels = list(image.getdata())
    dark_blue = sum(1 for r, g, b in pixels if abs(r - 0x1F) < 25 and abs(g - 0x4E) < 25 and abs(b - 0x79) < 25)
    light_blue = sum(1 for r, g, b in pixels if abs(r - 0xA9) < 20 and abs(g - 0xBF) < 20 and abs(b - 0xD6) < 20)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 40 and b < 60)
    assert dark_blue > 2000 and light_blue > 1000, "the charts on page 1 look empty"
    assert red > 5000, "no demonstration banner on page 1"


def test_user_boundary_file_pdf_matches_geopandas(demo_root, records, tmp_path, chromium):
    out = tmp_path / "downtown.pdf"
    geo = downtown_geojson(tmp_path / "my-districts.geojson")
    args = ["--area-type", "district", "--boundaries", str(geo), "--id-property", "name", "--area", "Downtown"]
    assert brief(demo_root, out, *args) == 0
    want = expected(in_polygon(records, DOWNTOWN), PERIOD, BEFORE)
    assert want["key"]["Encounters"][0] >= 10
    text = pdf_text(out)
    check_pdf(text, want)
    assert "Briefing: Downtown" in text and "my-districts.geojson" in text


def test_text_and_json_give_the_same_numbers_as_the_pdf(demo_root, records, tmp_path):
    import json

    assert brief(demo_root, tmp_path / "b.json", "--area-type", "city", "--area", "Saint Paul, MN") == 0
    assert brief(demo_root, tmp_path / "b.txt", "--area-type", "city", "--area", "Saint Paul, MN") == 0
    data = json.loads((tmp_path / "b.json").read_text())
    want = expected(records[(records["city"] == "Saint Paul") & (records["state"] == "MN")], PERIOD, BEFORE)
    assert {f["label"]: (f["now"], f["before"]) for f in data["key"]} == want["key"]
    text = (tmp_path / "b.txt").read_text()
    for label, numbers in want["key"].items():
        assert row(text, label) == numbers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--area-type", "state", "--area", "ZZ"], 'no state "ZZ"', id="bad-state"),
        pytest.param(["--area-type", "district", "--area", "Chicago Ward 99"], "no council district", id="bad-ward"),
        pytest.param(["--area-type", "city", "--area", "Atlantis"], 'no city "Atlantis"', id="bad-city"),
        pytest.param(["--area-type", "state", "--area", "MN", "--from", "2026-02-30"], "is not a date", id="bad-date"),
        pytest.param(["--area-type", "state", "--area", "MN", "--to", "2020-01-01"], "before it starts", id="reversed"),
        pytest.param(
            ["--area-type", "state", "--area", "MN", "--filter", "group=Martians"], 'group "Martians"', id="filter"
        ),
        pytest.param(["--area-type", "state", "--area", "MN", "--dataset", "nope"], 'dataset "nope"', id="dataset"),
    ],
)
def test_bad_input_exits_2_with_a_plain_message(demo_root, tmp_path, capsys, args, message):
    out = tmp_path / "x.pdf"
    argv = ["--data-dir", str(demo_root), "brief", "--dataset", "demo", "--from", PERIOD[0], "--to", PERIOD[1]]
    assert main([*argv, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "id_property", "area", "message"),
    [
        pytest.param(b"a,b\n1,2\n", "name", "Downtown", "is a table (.csv)", id="csv"),
        pytest.param(None, "ward", "Downtown", 'no "ward" property', id="wrong-id-property"),
        pytest.param(None, "name", "Uptown", 'no area whose "name" is "Uptown"', id="wrong-area"),
    ],
)
def test_bad_boundary_file_exits_2(demo_root, tmp_path, capsys, content, id_property, area, message):
    path = tmp_path / ("bad.csv" if content else "mine.geojson")
    if content:
        path.write_bytes(content)
    else:
        downtown_geojson(path)
    args = ["--area-type", "district", "--boundaries", str(path), "--id-property", id_property, "--area", area]
    assert brief(demo_root, tmp_path / "x.pdf", *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_boundaries_need_the_district_area_type(demo_root, tmp_path, capsys):
    geo = downtown_geojson(tmp_path / "d.geojson")
    assert brief(demo_root, tmp_path / "x.pdf", "--area-type", "state", "--area", "MN", "--boundaries", str(geo)) == 2
    assert "--area-type district" in capsys.readouterr().err


def test_the_command_runs_as_a_program(demo_root, tmp_path):
    """The installed entry point, in a fresh process: exit status and message, no traceback."""
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--data-dir", str(demo_root), "brief", "--dataset", "demo"]
        + ["--area-type", "county", "--area", "Nowhere, XX", "--from", "2026-01-01", "--to", "2026-03-31"]
        + ["--out", str(tmp_path / "x.txt")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "error: there is no county" in done.stderr and "Traceback" not in done.stderr
