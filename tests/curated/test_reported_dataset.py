"""The curated dataset of reported 2025-2026 encounters keeps the promises of its CURATION.md.

Checked on the shipped CSV (what contributors edit) and on what publishing makes of it.
"""

from __future__ import annotations

import csv
import re
from urllib.parse import urlsplit

import pandas as pd
import pytest
import yaml
from curated.names import personal_names
from support import REPO

from dashboard.schema import load_schema
from dashboard.shipped import shipped_sources

FOLDER = REPO / "data" / "sources" / "reported-2025-2026"


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "encounters.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "sources.csv", dtype=str, keep_default_na=False)


def urls(cell: str) -> list[str]:
    return [u.strip() for u in cell.split(" | ") if u.strip()]


def test_metadata_says_what_it_is():
    meta = yaml.safe_load((FOLDER / "metadata.yaml").read_text(encoding="utf-8"))
    assert meta["demonstration"] is False and meta["compilation"] is True
    for key in ("title", "description", "license", "coverage", "as_of", "curation_method"):
        assert str(meta.get(key) or "").strip(), key
    assert (FOLDER / "CURATION.md").is_file() and (FOLDER / "SEARCH_LOG.md").is_file()


def test_every_record_cites_a_web_address(records):
    bad = [r.encounter_id for r in records.itertuples() if not urls(r.sources)]
    bad += [
        r.encounter_id
        for r in records.itertuples()
        for u in urls(r.sources)
        if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).netloc
    ]
    assert not bad


def test_every_cited_address_has_its_publisher_in_sources_csv(records, sources):
    listed = set(zip(sources.encounter_id, sources.url, strict=True))
    missing = [
        (r.encounter_id, u) for r in records.itertuples() for u in urls(r.sources) if (r.encounter_id, u) not in listed
    ]
    assert not missing
    assert (sources.publisher.str.strip() != "").all()


def test_corroborated_records_cite_two_distinct_outlets(records, sources):
    outlets = sources.groupby("encounter_id").agg(
        # "The Detroit News (via ArcaMax)" and "The Detroit News" are one outlet
        publishers=("publisher", lambda p: {re.sub(r"\s*\(.*\)", "", x).strip().lower() for x in p}),
        hosts=("url", lambda u: {urlsplit(x).netloc.removeprefix("www.") for x in u}),
    )
    corroborated = records.loc[records.verification == "corroborated", "encounter_id"]
    thin = [i for i in corroborated if len(outlets.loc[i, "publishers"]) < 2 or len(outlets.loc[i, "hosts"]) < 2]
    assert not thin


def test_disputed_records_give_the_agency_position(records):
    disputed = records[records.verification == "disputed"]
    assert len(disputed)
    assert (disputed.official_response.str.strip() != "").all()


def test_ids_are_unique_and_every_record_has_last_updated(records):
    assert records.encounter_id.is_unique
    assert records.encounter_id.str.fullmatch(r"FEE-[A-Z]+-\d{3}").all()
    assert (records.last_updated != "").all()


def test_dates_are_in_coverage_and_coarse_dates_sit_on_period_starts(records):
    dates = pd.to_datetime(records.date)
    assert (dates[records.date_precision == "day"] >= "2025-01-20").all()
    assert (dates >= "2025-01-01").all()  # January 2025, known only to the month
    assert (dates <= pd.Timestamp("2026-12-31")).all()
    assert (dates[records.date_precision == "month"].dt.day == 1).all()
    assert (dates[records.date_precision == "year"].dt.dayofyear == 1).all()


def test_the_seed_incident_is_a_record(records):
    """Brooklyn Park, January 2026: an off-duty officer boxed in by ICE agents with guns drawn."""
    seed = records[(records.city == "Brooklyn Park") & (records.state == "MN") & (records.date == "2026-01-01")]
    assert len(seed) == 1
    r = seed.iloc[0]
    assert r.date_precision == "month" and r.encounter_type == "vehicle stop" and "ICE ERO" in r.agencies
    assert {"local law enforcement officer", "US citizen"} <= {g.strip() for g in r.targeted_groups.split(";")}
    forces = {f.strip() for f in r.force_types.split(";")}
    assert {"vehicle boxing/ramming", "weapon displayed", "property damage/seizure"} <= forces
    assert r.verification == "disputed" and "DHS" in r.official_response
    assert r.operation == "Operation Metro Surge"


def test_operations_used_are_declared_with_a_start_and_a_source(records):
    operations = load_schema().taxonomies["operations"]
    used = set(records.operation) - {""}
    assert used <= set(operations.values)
    for name in used:
        term = operations.term(name)
        assert term.start and term.place and term.agencies and term.sources, name
        assert all(urlsplit(u).scheme == "https" for u in term.sources), name


# ---------------------------------------------------------------------------- the name guard


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("Agents detained Maria Gonzalez outside her home.", ["Maria Gonzalez"], id="first-and-last"),
        pytest.param("The agent, identified as Jonathan E. Ross, fired.", ["Jonathan E. Ross"], id="middle-initial"),
        pytest.param("Secretary Kristi Noem said the agents acted lawfully.", ["Kristi Noem"], id="official-by-name"),
        pytest.param("A man said Mr. Alvarez had been taken.", ["Mr. Alvarez"], id="courtesy-title"),
        pytest.param("An off-duty Brooklyn Park officer was stopped.", [], id="suburb"),
        pytest.param("Agents arrested people at Delaney Hall in Newark.", [], id="facility"),
        pytest.param("Protesters gathered on Roscoe Boulevard in Charlotte.", [], id="street-and-city"),
        pytest.param("Part of Operation Charlotte's Web.", [], id="operation"),
    ],
)
def test_the_name_guard_finds_names_and_lets_places_pass(text, found):
    assert personal_names(text) == found


def _shipped_text() -> list[tuple[str, str, str, str]]:
    """(dataset, id, column, text) for every summary and official response of the datasets shipped as
    CSV records (a mapped FOIA release has no free text of its own)."""
    out = []
    for name, path, meta in shipped_sources():
        if meta.get("mapping"):
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column in ("summary", "official_response"):
                    out.append((name, row["encounter_id"], column, row.get(column) or ""))
    return out


def test_no_shipped_summary_or_official_response_names_a_person():
    texts = _shipped_text()
    assert any(name == "reported-2025-2026" for name, *_ in texts)  # the guard reads the curated records
    named = [(name, rid, col, personal_names(text)) for name, rid, col, text in texts if personal_names(text)]
    assert not named, "\n".join(f"{n} {rid} {col}: {hits}" for n, rid, col, hits in named)
