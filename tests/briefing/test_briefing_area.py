"""Areas: naming them (as a reader or the CLI would) and selecting their records."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from briefing_support import DOWNTOWN, in_polygon

from dashboard.briefing import BriefingError
from dashboard.briefing import area as areas


@pytest.mark.parametrize(
    ("kind", "ident", "expected_id", "label"),
    [
        pytest.param("state", "MN", "MN", "Minnesota", id="state-code"),
        pytest.param("state", "minnesota", "MN", "Minnesota", id="state-name"),
        pytest.param("county", "27053", "27053", "Hennepin County, MN", id="county-fips"),
        pytest.param("county", "Hennepin, MN", "27053", "Hennepin County, MN", id="county-short-name"),
        pytest.param("city", "Minneapolis", "Minneapolis, MN", "Minneapolis, MN", id="city-unique-name"),
        pytest.param("city", "chicago, il", "Chicago, IL", "Chicago, IL", id="city-any-case"),
        pytest.param("district", "Chicago Ward 42", "Chicago Ward 42", "Chicago Ward 42", id="ward"),
        pytest.param("district", "minneapolis: phillips", "Minneapolis: Phillips", "Minneapolis: Phillips", id="hood"),
    ],
)
def test_areas_are_found_by_code_or_name(demo, kind, ident, expected_id, label):
    area = areas.resolve_area(demo, kind, ident)
    assert (area.kind, area.id, area.label) == (kind, expected_id, label)


@pytest.mark.parametrize(
    ("kind", "ident", "message"),
    [
        pytest.param("state", "ZZ", 'no state "ZZ"', id="unknown-state"),
        pytest.param("county", "99999", 'no county "99999"', id="unknown-county"),
        pytest.param("city", "Atlantis", 'no city "Atlantis"', id="unknown-city"),
        pytest.param("district", "Chicago Ward 99", 'no council district "Chicago Ward 99"', id="unknown-ward"),
        pytest.param("state", "", "no state was given", id="empty"),
        pytest.param("planet", "Mars", '"planet" is not an area type', id="unknown-kind"),
    ],
)
def test_unknown_areas_are_refused_plainly(demo, kind, ident, message):
    with pytest.raises(BriefingError) as err:
        areas.resolve_area(demo, kind, ident)
    assert message in str(err.value)


def test_every_shipped_district_can_be_picked_even_without_records(demo):
    choices = areas.area_choices(demo, "district")
    assert "Chicago Ward 1" in choices and "Chicago Ward 50" in choices
    assert sum(c.startswith("Minneapolis: ") for c in choices) >= 80
    assert list(choices).index("Chicago Ward 2") < list(choices).index("Chicago Ward 10")  # natural order


@pytest.mark.parametrize(
    ("kind", "ident", "select"),
    [
        pytest.param("state", "MN", lambda r: r["state"] == "MN", id="state"),
        pytest.param("county", "27053", lambda r: r["county_fips"] == "27053", id="county"),
        pytest.param("city", "Saint Paul, MN", lambda r: (r["city"] == "Saint Paul") & (r["state"] == "MN"), id="city"),
        pytest.param("district", "Chicago Ward 42", lambda r: r["district"] == "Chicago Ward 42", id="district"),
    ],
)
def test_selection_matches_the_published_columns(demo, records, kind, ident, select):
    chosen = areas.select(demo, areas.resolve_area(demo, kind, ident))
    assert chosen.mask.sum() > 0
    assert np.array_equal(chosen.mask, select(records).to_numpy())


def test_a_drawn_area_takes_only_exact_and_block_points(demo, records):
    polygon = shapely.Polygon(DOWNTOWN)
    area = areas.Area("upload", "Downtown", "Downtown", source="test", wkb=shapely.to_wkb(polygon))
    chosen = areas.select(demo, area)
    expected = in_polygon(records, DOWNTOWN)
    assert set(records.loc[chosen.mask, "encounter_id"]) == set(expected["encounter_id"])
    assert chosen.coarse.sum() > 0  # city-level points inside are counted apart, as not placeable
    assert set(records.loc[chosen.coarse, "location_precision"]) <= {"city", "county", "region", "state"}
    assert "exact address or block" in chosen.note


def test_outlines_exist_for_every_kind(demo):
    for kind, ident in (
        ("state", "MN"),
        ("county", "27053"),
        ("city", "Minneapolis, MN"),
        ("district", "Chicago Ward 42"),
    ):
        shape = areas.outline(areas.resolve_area(demo, kind, ident))
        assert shape is not None and shape.area > 0, kind
    ward = areas.outline(areas.resolve_area(demo, "district", "Chicago Ward 42"))
    assert ward.contains(shapely.Point(-87.628, 41.885))  # the Loop is in ward 42


def test_default_area_is_the_one_with_most_records(demo):
    assert areas.default_area_id(demo, "state", areas.area_choices(demo, "state")) == "MN"
    assert areas.default_area_id(demo, "district", areas.area_choices(demo, "district")) == "Chicago Ward 42"
