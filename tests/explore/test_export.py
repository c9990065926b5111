"""Downloads: CSV that a spreadsheet cannot run, GeoJSON with every record."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from explore_support import make_dataset

from dashboard.explore import export


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', id="equals"),
        pytest.param("+1+1", "'+1+1", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("\uff1dHYPERLINK(x)", "'\uff1dHYPERLINK(x)", id="full-width-equals"),
        pytest.param("\uff0b1", "'\uff0b1", id="full-width-plus"),
        pytest.param("\uff0d1", "'\uff0d1", id="full-width-minus"),
        pytest.param("\uff20SUM(A1)", "'\uff20SUM(A1)", id="full-width-at"),
        pytest.param("\ufe66cmd", "'\ufe66cmd", id="small-equals"),
        pytest.param("\u22121", "'\u22121", id="minus-sign"),
        pytest.param("Minneapolis", "Minneapolis", id="plain"),
        pytest.param("a=b", "a=b", id="not-at-start"),
        pytest.param("", "", id="empty"),
    ],
)
def test_neutralise(value, expected):
    assert export.neutralise(value) == expected


@pytest.fixture(scope="module")
def risky():
    return make_dataset(
        {"summary": "=cmd|' /C calc'!A0", "city": "+Minneapolis", "official_response": "@SUM(1)"},
        {"summary": "-1", "city": "Saint Paul", "sources": "=IMPORTXML(x)"},
        {"summary": "\tTab", "city": "\rReturn", "latitude": None, "longitude": None},
        {"summary": "Plain text, with a comma", "city": "Chicago"},
    ).records


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_csv_neutralises_formulas_in_text_and_categorical_columns(risky):
    back = read_csv(export.to_csv(risky))
    assert back["summary"].tolist() == ["'=cmd|' /C calc'!A0", "'-1", "'\tTab", "Plain text, with a comma"]
    assert back["city"].tolist() == ["'+Minneapolis", "Saint Paul", "'\rReturn", "Chicago"]
    assert back["official_response"][0] == "'@SUM(1)" and back["sources"][1] == "'=IMPORTXML(x)"
    for column in back.columns.drop(["latitude", "longitude"]):  # numbers such as -93.27 stay numbers
        assert not back[column].str.startswith(export.FORMULA_STARTS).any(), column
    assert back["longitude"][0] == "-93.27"


def test_csv_keeps_every_record_and_writes_iso_dates(risky):
    back = read_csv(export.to_csv(risky))
    assert back["encounter_id"].tolist() == ["T-1", "T-2", "T-3", "T-4"]
    assert back["date"].tolist() == ["2025-06-14"] * 4 and back["last_updated"][0] == "2025-06-20"
    assert list(back.columns) == list(risky.columns)


def test_csv_of_no_records_has_the_header_only(risky):
    back = read_csv(export.to_csv(risky.iloc[:0]))
    assert back.empty and list(back.columns) == list(risky.columns)


def test_geojson_has_every_record_with_lon_lat_points(risky):
    doc = json.loads(export.to_geojson(risky))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 4
    first, unplaced = doc["features"][0], doc["features"][2]
    assert first["geometry"] == {"type": "Point", "coordinates": [-93.27, 44.98]}
    assert unplaced["geometry"] is None  # kept, without a geometry
    props = first["properties"]
    assert props["encounter_id"] == "T-1" and props["date"] == "2025-06-14" and props["people_affected"] == 1
    assert "latitude" not in props and "longitude" not in props


def test_geojson_keeps_the_data_as_published_and_escapes_text():
    # No spreadsheet opens GeoJSON: the CSV's apostrophe before formula-like text would change the data.
    recs = make_dataset(
        {"summary": 'He said "stop" \\ then\nleft', "city": "=HYPERLINK()", "people_affected": None},
        {"summary": "-1 arrested", "city": "\uff1dcity", "official_response": "@DHS"},
    ).records
    features = json.loads(export.to_geojson(recs))["features"]
    props = features[0]["properties"]
    assert props["summary"] == 'He said "stop" \\ then\nleft'
    assert props["city"] == "=HYPERLINK()" and props["people_affected"] is None
    second = features[1]["properties"]
    assert (second["summary"], second["city"], second["official_response"]) == ("-1 arrested", "\uff1dcity", "@DHS")


def test_csv_neutralises_full_width_lookalikes(risky):
    recs = make_dataset(
        {"city": "\uff1dHYPERLINK(x)", "summary": "\uff20SUM(1)", "official_response": "\uff0b1"}
    ).records
    back = read_csv(export.to_csv(recs))
    assert (back["city"][0], back["summary"][0], back["official_response"][0]) == (
        "'\uff1dHYPERLINK(x)",
        "'\uff20SUM(1)",
        "'\uff0b1",
    )


def test_every_unicode_lookalike_of_a_formula_sign_is_neutralised():
    """Every character whose compatibility form (NFKC, as an East Asian keyboard's full-width forms
    become plain ones) starts with = + - @ or the minus sign is a formula start."""
    import sys
    import unicodedata

    lookalikes = {
        chr(i)
        for i in range(sys.maxunicode + 1)
        if not 0xD800 <= i <= 0xDFFF and unicodedata.normalize("NFKC", chr(i))[:1] in ("=", "+", "-", "@", "\u2212")
    }
    assert len(lookalikes) > 8
    assert not [c for c in lookalikes if export.neutralise(c + "1") == c + "1"], "not neutralised"


def test_geojson_of_no_records(risky):
    assert json.loads(export.to_geojson(risky.iloc[:0])) == {"type": "FeatureCollection", "features": []}


def test_shared_files_build_a_view_once_and_hand_the_same_bytes_to_everyone():
    files, builds = export.SharedFiles(), []

    def build(text):
        def make():
            builds.append(text)
            return text.encode()

        return make

    assert files.get(("demo", 1, "state=MN", "csv"), build("mn")) == b"mn"
    assert files.get(("demo", 1, "state=MN", "csv"), build("other")) == b"mn"  # the second visitor
    assert files.get(("demo", 2, "state=MN", "csv"), build("mn v2")) == b"mn v2"  # a new version: built again
    assert builds == ["mn", "mn v2"]


def test_shared_files_keep_within_their_budget_and_never_keep_a_huge_file():
    files = export.SharedFiles(budget=10, largest=6)
    files.get("a", lambda: b"aaaa")
    files.get("b", lambda: b"bbbb")
    files.get("a", lambda: b"never")  # a is used again: b is now the oldest
    files.get("c", lambda: b"cccc")  # 12 bytes > 10: the oldest (b) goes
    assert files.get("b", lambda: b"b2") == b"b2"  # rebuilt (a 4 + c 4 + b 2 = 10: within the budget)
    assert files.get("a", lambda: b"x") == b"aaaa"  # kept
    assert files.get("huge", lambda: b"0123456789") == b"0123456789"
    assert files.get("huge", lambda: b"rebuilt!!!") == b"rebuilt!!!"  # larger than `largest`: not kept
    assert len(files) == 3  # a, c, b


def test_visitors_pressing_while_a_file_is_built_wait_for_that_one_build():
    """A spike's first presses of one view arrive together: one build, everyone gets its bytes."""
    import threading

    files, started, release, builds = export.SharedFiles(), threading.Event(), threading.Event(), []

    def build():
        builds.append(1)
        started.set()
        release.wait(10)  # still building while the others press
        return b"the view"

    got = []
    first = threading.Thread(target=lambda: got.append(files.get("view", build)))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=lambda: got.append(files.get("view", build))) for _ in range(3)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert got == [b"the view"] * 4 and len(builds) == 1


def test_a_failed_build_fails_its_waiters_and_is_not_kept():
    import threading

    files, started, release = export.SharedFiles(), threading.Event(), threading.Event()

    def broken():
        started.set()
        release.wait(10)
        raise OSError("disk gone")

    errors = []

    def press():
        try:
            files.get("view", broken)
        except OSError as exc:
            errors.append(str(exc))

    first = threading.Thread(target=press)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=press)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert errors == ["disk gone", "disk gone"]
    assert files.get("view", lambda: b"built again") == b"built again"  # the next press builds afresh


def test_the_deployment_shares_a_whole_large_dataset_download():
    """At the shipped setting, the unfiltered CSV of ICE FY2019 (56 MB) is built once and shared."""
    from dashboard import config

    files, builds = export.SharedFiles(budget=config.download_cache_bytes()), []
    whole = bytes(56 * 2**20)

    def build():
        builds.append(1)
        return whole

    assert files.get("ice", build) is whole and files.get("ice", build) is whole
    assert len(builds) == 1
