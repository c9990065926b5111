"""Explore: headline figures, map, timeline, breakdowns, the matching records and downloads."""

from __future__ import annotations

import streamlit as st

from dashboard.explore import aggregate, export
from dashboard.explore import filters as flt
from dashboard.views import common


@st.cache_data(max_entries=256, show_spinner=False)
def _headline(name: str, version: int, filters: flt.Filters) -> dict:
    ds = common.get_dataset(name)
    return aggregate.headline(ds, flt.mask(ds, filters))


def render() -> None:
    dataset, filters = common.sidebar_filters()
    if dataset is None:
        return
    common.demo_banner(dataset)
    st.title("Federal enforcement encounters")
    st.caption(f"{dataset.metadata.get('title', dataset.name)} · data as of {dataset.as_of}")
    m = flt.mask(dataset, filters)
    h = _headline(dataset.name, dataset.version, filters)
    cols = st.columns(4)
    cols[0].metric("Encounters", common.fmt_int(h["encounters"]))
    cols[1].metric("People affected", common.fmt_int(h["people_affected"]))
    cols[2].metric(
        "Weapon displayed or worse",
        common.fmt_share(h["weapon_share"]),
        help=f"Share of the {h['force_recorded']:,} matching records where force was recorded.",
    )
    cols[3].metric("Corroborated or documented", common.fmt_share(h["confirmed_share"]))

    page_rows, pages = aggregate.table_page(dataset, m, page=0)
    st.subheader("Records")
    st.dataframe(
        page_rows[
            ["encounter_id", "date", "city", "state", "agencies", "encounter_type", "force_level", "verification"]
        ],
        hide_index=True,
        use_container_width=True,
    )
    st.download_button(
        "Download CSV", export.to_csv(dataset.records.loc[m]), file_name=f"{dataset.name}-filtered.csv", mime="text/csv"
    )
