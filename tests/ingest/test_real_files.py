"""The real foreign files through their mappings (data/mappings/*.yaml), end to end with `prepare`.

Each test checks the row accounting (rows in = published + rejected, every rejected row with a
reason) and spot-checks values against the source file read independently with csv/json. The
Minneapolis and sentinel files are test inputs only: nothing of theirs is written into data/.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pandas as pd
import pytest
from support import REPO, shared_file

from dashboard import store
from dashboard.ingest.pipeline import prepare, publish_prepared

ERO = "ice-arrests-uwchr/EROArrests_FY2019.csv"
MPLS = "uof-minneapolis/mpls_police_use_of_force_2021_properties.json"
SENTINEL = "ice-incidents-sentinel/{}"


def check_accounting(prepared, rows_in: int) -> None:
    counts = prepared.counts()
    assert counts["rows_in"] == rows_in
    assert len(prepared.records) + len(prepared.quarantine()) == rows_in
    assert len(prepared.records) == counts["rows_valid"]
    assert (prepared.quarantine()["problems"] != "").all(), "a rejected row has no reason"


# ---------------------------------------------------------------- ICE ERO arrests FY2019 (131,904 rows)


@pytest.fixture(scope="module")
def ero(tmp_path_factory):
    """The ERO file prepared and published once for this module (it takes a few seconds)."""
    prepared = prepare(shared_file(ERO), mapping="ice-ero-fy2019.yaml")
    root = tmp_path_factory.mktemp("datasets")
    manifest = publish_prepared(prepared, root, "ice-ero-fy2019")
    return prepared, manifest, store.load_records(root, "ice-ero-fy2019")


@pytest.fixture(scope="module")
def ero_source():
    with open(shared_file(ERO), encoding="utf-8", newline="") as f:
        for _ in range(5):  # the preamble
            next(f)
        return list(csv.DictReader(f, delimiter="|"))


def test_ero_every_arrest_is_published(ero, ero_source):
    prepared, manifest, records = ero
    check_accounting(prepared, 131_904)
    assert len(ero_source) == 131_904
    assert manifest["rows_in"] == manifest["rows_published"] == len(records) == 131_904
    assert manifest["rows_quarantined"] == 0
    # 19,093 rows repeat an earlier row exactly, yet each is a separate arrest with its own id.
    assert len(ero_source) - len({tuple(r.values()) for r in ero_source}) == 19_093
    assert records["encounter_id"].is_unique and records["possible_duplicate_of"].eq("").all()


def test_ero_first_record_matches_the_source(ero, ero_source):
    _, _, records = ero
    first, record = ero_source[0], records.iloc[0]
    with open(REPO / "data" / "reference" / "geo" / "ice_aor.csv", encoding="utf-8", newline="") as f:
        aor = {r["name"]: r for r in csv.DictReader(f)}[first["Area of Responsibility"]]
    assert record["encounter_id"] == "ERO-FY2019-000007"  # the first data row is spreadsheet row 7
    assert record["region"] == first["Area of Responsibility"] == "New York City Area of Responsibility"
    assert record["date"] == pd.Timestamp(datetime.strptime(first["Apprehension Date"], "%m/%d/%Y"))
    assert record["citizenship"] == first["Citizenship"] == "EL SALVADOR"
    assert first["Apprehension Method"] == "Non-Custodial Arrest" and record["encounter_type"] == "arrest"
    assert f"({first['Apprehension Method']})" in record["summary"]
    assert (record["latitude"], record["longitude"]) == (float(aor["latitude"]), float(aor["longitude"]))
    assert (record["location_precision"], record["date_precision"]) == ("region", "day")
    assert (record["agencies"], record["verification"], record["outcome"]) == ("ICE ERO", "documented", "arrested")
    assert record["people_affected"] == 1 and record["force_types"] == "" and record["sources"].startswith("ICE ERO")


def test_ero_places_and_personal_data(ero, ero_source):
    _, _, records = ero
    blank = sum(1 for r in ero_source if not r["Area of Responsibility"].strip())
    no_point = records["latitude"].isna()
    assert blank == no_point.sum() == 2_416  # valid records, with no point and no precision
    assert records.loc[no_point, "location_precision"].eq("").all()
    assert records.loc[~no_point, "location_precision"].eq("region").all()
    assert records["county_fips"].eq("").all() and records["state"].eq("").all()  # a region point names no county
    assert records["date"].min() == pd.Timestamp("2018-10-01") and records["date"].max() == pd.Timestamp("2019-09-01")
    assert not {"Birth Date", "Gender"} & set(records.columns)
    assert not records["summary"].str.contains(r"\(B\)", regex=True).any()


# ---------------------------------------------------------------- Minneapolis police use of force 2021


@pytest.fixture(scope="module")
def mpls():
    path = shared_file(MPLS)
    source = {r["PoliceUseOfForceID"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
    return prepare(path, mapping="mpls-uof-2021.yaml"), source


def test_mpls_all_rows_accounted(mpls):
    prepared, source = mpls
    check_accounting(prepared, len(source))
    assert len(source) == 2_398


@pytest.mark.parametrize(
    "force_id, force_types, groups, outcome",
    [
        pytest.param(25918543, "taser", "Black", "arrested", id="taser"),
        pytest.param(25918834, "chemical agent", "", "unknown", id="chemical-irritant"),
        pytest.param(25924617, None, "Black; bystander", None, id="witness-role"),
    ],
)
def test_mpls_records_match_the_source(mpls, force_id, force_types, groups, outcome):
    prepared, source = mpls
    record = prepared.records.set_index("encounter_id").loc[f"MPLS-UOF-{force_id}"]
    row = source[force_id]
    assert (record["latitude"], record["longitude"]) == (row["CenterLatitude"], row["CenterLongitude"])
    assert record["location_precision"] == "block"
    assert record["date"] == pd.Timestamp(row["ResponseDate"][:10])
    assert record["targeted_groups"] == groups
    if force_types is not None:
        assert row["ForceType"] and record["force_types"] == force_types
    if outcome is not None:
        assert record["outcome"] == outcome


def test_mpls_zero_coordinates_are_missing(mpls):
    prepared, source = mpls
    zero = {f"MPLS-UOF-{i}" for i, r in source.items() if r["CenterLatitude"] == 0}
    records = prepared.records.set_index("encounter_id").loc[sorted(zero)]
    assert len(zero) == 105
    assert not (records["latitude"] == 0).any()  # geocoded to the city centre instead, and said so
    assert records["location_precision"].isin(["city", ""]).all()


# ---------------------------------------------------------------- sentinel incident lists (names must not leak)


@pytest.mark.parametrize(
    "name", ["tier4_incidents.json", "tier2_less_lethal.json", "tier1_deaths_in_custody.json", "tier2_shootings.json"]
)
def test_sentinel_file_comes_in_without_names(name):
    path = shared_file(SENTINEL.format(name))
    source = json.loads(path.read_text(encoding="utf-8"))
    prepared = prepare(path, mapping="sentinel-incidents.yaml")
    check_accounting(prepared, len(source))
    names = {r[k] for r in source for k in ("victim_name", "agent_name") if r.get(k)}
    assert names
    for frame in (prepared.records, prepared.validation.parsed):
        cells = [str(x) for c in frame.columns for x in frame[c].dropna().unique()]
        assert not [n for n in names if any(n in cell for cell in cells)], "a victim or agent name leaked"
        text = " ".join(frame["summary"].dropna().astype(str)).lower()
        assert not [n for n in names if n.lower() in text]
    assert {"victim_name", "agent_name"}.isdisjoint(prepared.records.columns)


def test_sentinel_records_match_the_source():
    path = shared_file(SENTINEL.format("tier4_incidents.json"))
    source = {r["id"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
    records = prepare(path, mapping="sentinel-incidents.yaml").records.set_index("encounter_id")
    month = records.loc["SENTINEL-T3-P005"]  # a month-level date, no coordinates
    assert source["T3-P005"]["date_precision"] == "month" and month["date_precision"] == "month"
    assert (month["city"], month["state"], month["people_affected"]) == ("Santa Ana", "CA", 15)
    assert (month["encounter_type"], month["targeted_groups"], month["outcome"]) == (
        "protest response",
        "protester",
        "unknown",
    )
    la, row = records.loc["SENTINEL-T3-P010"], source["T3-P010"]
    assert (la["latitude"], la["longitude"], la["location_precision"]) == (row["lat"], row["lon"], "city")
    assert (la["targeted_groups"], la["outcome"], la["verification"]) == ("journalist/observer", "injured", "reported")
    assert la["force_types"] == "impact/less-lethal projectile" and la["sources"] == row["source_url"]
    assert la["agencies"] == "unknown federal"  # tier4 has no agency field at all


# ---------------------------------------------------------------- Seattle use of force: one row per officer per subject

SEATTLE = "uof-seattle/Use_Of_Force.csv"


def test_seattle_rows_become_one_encounter_per_incident():
    prepared = prepare(shared_file(SEATTLE), mapping="seattle-uof.yaml")
    with open(shared_file(SEATTLE), encoding="utf-8", newline="") as f:
        source = list(csv.DictReader(f))
    incidents: dict[str, set[str]] = {}
    for row in source:
        incidents.setdefault(row["Incident_Num"], set()).add(row["Subject_ID"])
    counts = prepared.counts()
    assert counts["rows_in"] == len(source) and counts["encounters"] == len(incidents)
    assert len(prepared.records) + len(prepared.quarantine()) == len(incidents)
    people = prepared.records.set_index("encounter_id")["people_affected"]
    for number, subjects in list(incidents.items())[:500]:
        if f"SPD-UOF-{number}" in people.index:
            assert people[f"SPD-UOF-{number}"] == len(subjects)
    assert "Officer_ID" not in prepared.quarantine().columns
