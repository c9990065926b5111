"""Explore's downloads are shared by the visitors of one view: the same file as building it afresh."""

from __future__ import annotations

import pytest

from dashboard import store
from dashboard.explore import export
from dashboard.explore import filters as flt
from dashboard.explore.data import load_dataset


@pytest.fixture
def demo(app_env):
    return load_dataset(str(app_env), "demo", store.current_version(app_env, "demo"))


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_a_second_visitor_gets_the_file_the_first_one_got(demo, fmt):
    from dashboard.views import explore

    filters = flt.Filters(dataset="demo", states=("MN", "IL"), min_force="weapon displayed")
    first = explore._export("demo", demo.version, filters, fmt)()
    second = explore._export("demo", demo.version, filters, fmt)()
    subset = demo.records.loc[flt.mask(demo, filters)]
    assert len(subset) > 0
    fresh = export.to_csv(subset) if fmt == "csv" else export.to_geojson(subset)
    assert first == fresh and second is first  # the same bytes, built once


def test_other_filters_get_their_own_file(demo):
    from dashboard.views import explore

    mn = explore._export("demo", demo.version, flt.Filters(dataset="demo", states=("MN",)), "csv")()
    il = explore._export("demo", demo.version, flt.Filters(dataset="demo", states=("IL",)), "csv")()
    il_records = demo.records.loc[flt.mask(demo, flt.Filters(dataset="demo", states=("IL",)))]
    assert il == export.to_csv(il_records) and il != mn
