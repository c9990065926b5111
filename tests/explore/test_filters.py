"""Filters: URL parameters in, a frozen value and notes out; the value back to the URL; the row mask."""

from __future__ import annotations

from datetime import date

import pytest
from explore_support import make_dataset

from dashboard.explore import filters as flt
from dashboard.explore.filters import Filters


@pytest.fixture(scope="module")
def ds():
    return make_dataset(
        {"state": "MN", "city": "Minneapolis", "targeted_groups": "protester; US citizen", "force_types": "none"},
        {
            "state": "MN",
            "city": "Saint Paul",
            "targeted_groups": "journalist/observer",
            "force_types": "weapon displayed",
        },
        {"state": "IL", "city": "Chicago", "county_fips": "17031", "agencies": "CBP OFO; Border Patrol"},
        {"state": "TX", "city": "El Paso", "county_fips": "48141", "date": "2024-01-05", "verification": "documented"},
        {
            "state": "IL",
            "city": "Chicago",
            "county_fips": "17031",
            "district": "Chicago Ward 42",
            "force_types": "death",
        },
    )


class Params(dict):
    """Like st.query_params: get_all returns every value of a repeated parameter."""

    def get_all(self, key):
        v = self.get(key, [])
        return v if isinstance(v, list) else [v]


@pytest.mark.parametrize(
    ("query", "expected", "notes"),
    [
        pytest.param({}, {}, [], id="nothing"),
        pytest.param({"state": ["MN", "IL"]}, {"states": ("MN", "IL")}, [], id="repeated"),
        pytest.param({"state": "MN,IL"}, {"states": ("MN", "IL")}, [], id="comma-separated"),
        pytest.param({"state": ["MN, IL", "TX"]}, {"states": ("MN", "IL", "TX")}, [], id="both"),
        pytest.param({"state": ["mn", "MN"]}, {"states": ("MN",)}, [], id="case-and-duplicates"),
        pytest.param({"state": "MN,ZZ"}, {"states": ("MN",)}, ['state "ZZ"'], id="unknown-state-noted"),
        pytest.param({"county": "17031"}, {"counties": ("17031",)}, [], id="county-fips"),
        pytest.param({"county": "99999"}, {"counties": ()}, ['county "99999"'], id="unknown-county"),
        pytest.param({"city": "saint paul"}, {"cities": ("Saint Paul",)}, [], id="city-any-case"),
        pytest.param({"district": "Chicago Ward 42"}, {"districts": ("Chicago Ward 42",)}, [], id="district"),
        pytest.param(
            {"group": "journalist/observer,protester"},
            {"groups": ("journalist/observer", "protester")},
            [],
            id="groups",
        ),
        pytest.param({"group": "aliens"}, {"groups": ()}, ['group "aliens"'], id="unknown-group"),
        pytest.param({"force": "weapon displayed"}, {"forces": ("weapon displayed",)}, [], id="force"),
        pytest.param({"min_force": "weapon displayed"}, {"min_force": "weapon displayed"}, [], id="min-force"),
        pytest.param({"min_force": "laser"}, {"min_force": None}, ['min_force "laser"'], id="unknown-min-force"),
        pytest.param({"agency": "ICE ERO,FBI"}, {"agencies": ("ICE ERO", "FBI")}, [], id="agencies"),
        pytest.param({"type": "home raid"}, {"types": ("home raid",)}, [], id="type"),
        pytest.param({"verification": ["documented", "disputed"]}, {"verification": ("documented", "disputed")}, []),
        pytest.param(
            {"from": "2025-01-01", "to": "2025-12-31"},
            {"date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)},
            [],
            id="dates",
        ),
        pytest.param({"from": "yesterday"}, {"date_from": None}, ['"yesterday" is not a date'], id="bad-date"),
        pytest.param({"dataset": "nope"}, {"dataset": ""}, ['dataset "nope"'], id="unknown-dataset"),
        pytest.param({"dataset": "t"}, {"dataset": "t"}, [], id="known-dataset"),
    ],
)
def test_from_query(ds, query, expected, notes):
    parsed, got_notes = flt.from_query(Params(query), ds, ["t"])
    for attr, value in expected.items():
        assert getattr(parsed, attr) == value
    assert len(got_notes) == len(notes)
    for fragment, note in zip(notes, got_notes, strict=True):
        assert fragment in note


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(dataset="t", states=("MN", "IL"), groups=("journalist/observer",)),
        Filters(date_from=date(2025, 1, 1), date_to=date(2025, 6, 30), min_force="weapon displayed"),
        Filters(counties=("17031",), districts=("Chicago Ward 42",), agencies=("CBP OFO",), types=("vehicle stop",)),
        Filters(verification=("documented",), forces=("death", "none"), cities=("Chicago",)),
    ],
)
def test_url_round_trip(ds, filters):
    parsed, notes = flt.from_query(Params(filters.to_query()), ds, ["t"])
    assert parsed == filters
    assert notes == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(Filters(), ["T-1", "T-2", "T-3", "T-4", "T-5"], id="everything"),
        pytest.param(Filters(states=("MN",)), ["T-1", "T-2"], id="state"),
        pytest.param(Filters(states=("MN", "TX")), ["T-1", "T-2", "T-4"], id="states-are-alternatives"),
        pytest.param(Filters(states=("IL",), counties=("17031",)), ["T-3", "T-5"], id="filters-combine"),
        pytest.param(Filters(groups=("US citizen",)), ["T-1"], id="multi-valued-any"),
        pytest.param(Filters(groups=("journalist/observer", "protester")), ["T-1", "T-2"], id="multi-any-of-several"),
        pytest.param(Filters(agencies=("Border Patrol",)), ["T-3"], id="second-agency"),
        pytest.param(Filters(forces=("none",)), ["T-1"], id="force-none-is-a-value"),
        pytest.param(Filters(min_force="weapon displayed"), ["T-2", "T-5"], id="min-force-excludes-unrecorded"),
        pytest.param(Filters(min_force="none"), ["T-1", "T-2", "T-5"], id="min-force-none"),
        pytest.param(Filters(date_to=date(2024, 12, 31)), ["T-4"], id="date-to"),
        pytest.param(Filters(date_from=date(2025, 6, 14), date_to=date(2025, 6, 14)), ["T-1", "T-2", "T-3", "T-5"]),
        pytest.param(Filters(districts=("Chicago Ward 42",)), ["T-5"], id="district"),
        pytest.param(Filters(verification=("documented",)), ["T-4"], id="verification"),
        pytest.param(Filters(ids=("T-2", "T-4")), ["T-2", "T-4"], id="map-selection"),
        pytest.param(Filters(states=("MN",), ids=("T-2", "T-4")), ["T-2"], id="selection-within-filters"),
        pytest.param(Filters(cities=("Nowhere",)), [], id="no-match"),
    ],
)
def test_mask(ds, ids, filters, expected):
    assert ids(ds, flt.mask(ds, filters)) == expected


def test_filters_are_hashable_and_comparable():
    a = Filters(states=("MN",), groups=("protester",))
    assert a == Filters(states=("MN",), groups=("protester",))
    assert len({a, Filters(states=("MN",), groups=("protester",))}) == 1
    assert a.with_(states=("IL",)) != a
    assert Filters(dataset="x").is_empty() and not a.is_empty()


# ---------------------------------------------------------------- a link is read within bounds (issue 14)


def test_a_huge_link_of_unknown_cities_gives_a_few_notes(ds):
    """A 50 KB link of 8,000 unknown cities made 8,520 notes and a 9 MB page; now ten notes and a count."""
    cities = ",".join(f"Nowhere{i}" for i in range(8_000))
    assert len(cities) > 50_000
    parsed, notes = flt.from_query(Params({"city": cities, "state": "MN"}), ds, ["t"])
    assert parsed.cities == () and parsed.states == ("MN",)
    assert len(notes) == flt.MAX_NOTES + 1
    assert notes[0] == 'city "Nowhere0" matches no record in this dataset and was ignored'
    assert notes[-1] == "and 191 more notes about this link (not shown)"  # 200 values read, 1 note on the rest
    assert sum(map(len, notes)) < 2_000


def test_values_past_the_cap_are_counted_not_read(ds):
    known_then_unknown = ",".join(["Chicago"] + [f"X{i}" for i in range(300)])
    parsed, notes = flt.from_query(Params({"city": known_then_unknown}), ds, ["t"])
    assert parsed.cities == ("Chicago",)
    _, all_notes = flt.from_query(Params({"city": ",".join(f"X{i}" for i in range(5))}), ds, ["t"])
    assert len(all_notes) == 5  # under the cap every note is shown


def test_repeated_unknown_values_give_one_note(ds):
    parsed, notes = flt.from_query(Params({"city": ["Atlantis"] * 5_000}), ds, ["t"])
    assert notes == ['city "Atlantis" matches no record in this dataset and was ignored']


def test_a_very_long_value_is_quoted_short(ds):
    _, notes = flt.from_query(Params({"city": "A" * 100_000}), ds, ["t"])
    assert notes == [f'city "{"A" * 60}..." (100,000 characters) matches no record in this dataset and was ignored']
