"""Cleaning rules: derived force level, default precision, geocoding hand-off, duplicate flags."""

from __future__ import annotations

import pandas as pd
import pytest
from support import rows

from dashboard.ingest.clean import clean
from dashboard.ingest.duplicates import flag_duplicates
from dashboard.ingest.validate import validate


def cleaned(*overrides) -> pd.DataFrame:
    result = validate(rows(*overrides), source="t.csv")
    assert result.problems.empty, result.problems
    return clean(result.parsed)


@pytest.mark.parametrize(
    "force_types, level",
    [
        pytest.param(
            "vehicle boxing/ramming; property damage/seizure; weapon displayed", "weapon displayed", id="worked-example"
        ),
        pytest.param("verbal threat", "verbal threat", id="single"),
        pytest.param("death; verbal threat", "death", id="order-in-file-does-not-matter"),
        pytest.param("none", "none", id="none"),
        pytest.param("", "", id="not-recorded-stays-empty"),
    ],
)
def test_force_level_is_the_most_severe_force_type(force_types, level):
    assert cleaned({"force_types": force_types})["force_level"].iloc[0] == level


@pytest.mark.parametrize(
    "override, precision",
    [
        pytest.param({"city": "Minneapolis", "state": "MN"}, "city", id="city-geocoded"),
        pytest.param({"city": "", "county_fips": "27053", "state": "MN"}, "county", id="county"),
        pytest.param({"city": "", "state": "MN"}, "state", id="state-only"),
        pytest.param({"latitude": "44.97", "longitude": "-93.26", "location_precision": "exact"}, "exact", id="given"),
    ],
)
def test_location_precision_comes_from_the_finest_place_named(override, precision):
    assert cleaned(override)["location_precision"].iloc[0] == precision


def test_city_is_geocoded_and_gets_its_county():
    out = cleaned({"city": "Minneapolis", "state": "MN"}).iloc[0]
    assert out["county_fips"] == "27053"
    assert abs(out["latitude"] - 44.98) < 0.1 and abs(out["longitude"] + 93.27) < 0.1


def test_worked_example_state_precision_gets_no_point_and_no_county():
    out = cleaned({"city": "", "state": "MN"}).iloc[0]
    assert pd.isna(out["latitude"]) and out["county_fips"] == ""


def _frame(**cols):
    base = {
        "encounter_id": ["a", "b"],
        "date": pd.to_datetime(["2025-06-01", "2025-06-02"]),
        "agencies": ["ICE ERO", "ICE ERO; CBP OFO"],
        "state": ["MN", "MN"],
        "city": ["Minneapolis", "Minneapolis"],
        "latitude": [44.9700, 44.9705],
        "longitude": [-93.2600, -93.2605],
        "location_precision": ["exact", "exact"],
    }
    base.update(cols)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    "changes, flagged",
    [
        pytest.param({}, True, id="same-place-next-day-shared-agency"),
        pytest.param({"agencies": ["ICE ERO", "CBP OFO"]}, False, id="no-agency-in-common"),
        pytest.param({"date": pd.to_datetime(["2025-06-01", "2025-06-03"])}, False, id="two-days-apart"),
        pytest.param(
            {"latitude": [44.97, 45.00], "city": ["Minneapolis", "Fridley"]}, False, id="3km-apart-other-city"
        ),
        pytest.param({"latitude": [44.97, 45.00]}, True, id="3km-apart-same-city"),
        pytest.param({"location_precision": ["region", "region"], "city": ["", ""]}, False, id="region-points-never"),
    ],
)
def test_duplicate_flags(changes, flagged):
    out = flag_duplicates(_frame(**changes))
    assert pd.isna(out.iloc[0])
    assert (out.iloc[1] == "a") is flagged


def test_identical_region_rows_are_all_kept_unflagged():
    n = 50
    frame = pd.DataFrame(
        {
            "encounter_id": [f"r{i}" for i in range(n)],
            "date": pd.to_datetime(["2019-01-05"] * n),
            "agencies": ["ICE ERO"] * n,
            "state": [""] * n,
            "city": [""] * n,
            "latitude": [45.3] * n,
            "longitude": [-120.5] * n,
            "location_precision": ["region"] * n,
        }
    )
    assert flag_duplicates(frame).isna().all()


@pytest.mark.parametrize(
    "raw, precision, stored",
    [
        pytest.param("2025-06-15", "month", "2025-06-01", id="month"),
        pytest.param("2025-06-15", "year", "2025-01-01", id="year"),
        pytest.param("2025-06-15", "week", "2025-06-15", id="week-kept"),
        pytest.param("2025-06-15", "day", "2025-06-15", id="day"),
    ],
)
def test_coarse_dates_are_stored_as_the_start_of_their_period(raw, precision, stored):
    out = cleaned({"date": raw, "date_precision": precision}).iloc[0]
    assert str(out["date"])[:10] == stored


def test_a_placeholder_agency_is_no_agency_in_common():
    """One file whose every record said "unknown federal" had 96% of its records flagged as duplicates."""
    unknown = flag_duplicates(_frame(agencies=["unknown federal", "unknown federal"]))
    assert unknown.isna().all()
    with_real = flag_duplicates(_frame(agencies=["unknown federal; ICE ERO", "ICE ERO"]))
    assert with_real.iloc[1] == "a"  # a real agency in common still counts


@pytest.mark.parametrize(
    "keys, flagged",
    [
        pytest.param(["21-1", "21-2"], None, id="different-keys-same-place-and-day"),
        pytest.param(["21-1", "21-1"], "a", id="same-key"),
        pytest.param(["", ""], "a", id="no-keys-place-and-date-rule"),
    ],
)
def test_an_incident_key_decides_between_keyed_records(keys, flagged):
    out = flag_duplicates(_frame(incident_key=keys))
    assert (None if pd.isna(out.iloc[1]) else out.iloc[1]) == flagged


def test_the_same_incident_key_far_apart_is_still_a_possible_duplicate():
    frame = _frame(
        incident_key=["21-7", "21-7"], latitude=[44.97, 46.0], city=["Minneapolis", "Duluth"],
        date=pd.to_datetime(["2025-06-01", "2025-06-09"]),
    )  # fmt: skip
    assert flag_duplicates(frame).iloc[1] == "a"
