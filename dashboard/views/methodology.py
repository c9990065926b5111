"""Methodology: the codebook from the schema, what the levels mean, duplicates, sources, corrections."""

from __future__ import annotations

import streamlit as st

from dashboard.codebook import columns_table, taxonomy_table
from dashboard.config import corrections_contact
from dashboard.views import common


def render() -> None:
    names = common.available()
    if not names:
        common.no_data_message()
        return
    choice = st.query_params.get("dataset")
    name = choice if choice in names else common.default_dataset(names)
    dataset = common.get_dataset(name)
    common.demo_banner(dataset)
    st.title("Methodology")
    st.markdown(
        "Each record is one encounter with federal enforcement agents: one event, in which several people "
        "may be involved. Records are curated from news reports, official records and community reports, "
        "and every published record cites at least one source."
    )
    st.header("How certain is a record?")
    st.table(taxonomy_table("verification"))
    st.header("How precise are the date and the place?")
    st.markdown(
        "A record known only to the month is never drawn on a weekly timeline as if its day were known; "
        "a record placed only to a city, county or region is drawn hollow on the map."
    )
    c1, c2 = st.columns(2)
    c1.table(taxonomy_table("date_precision"))
    c2.table(taxonomy_table("location_precision"))
    st.header("Possible duplicates")
    st.markdown(
        "Two records are flagged as possible duplicates when their dates are within a day, they share an agency, "
        "and they are either within 1 km of each other (both placed exactly or to the block) or in the same city. "
        "Flagged records are kept and marked (`possible_duplicate_of`), never deleted: identical-looking rows "
        "can be separate events, such as the thousands of identical redacted rows in the ICE FOIA release."
    )
    st.header(f"Codebook ({dataset.metadata.get('title', name)})")
    st.caption("Missing: the share of this dataset's records with no value in the column.")
    st.dataframe(columns_table(records=dataset.records), hide_index=True, use_container_width=True)
    for column, tax in (
        ("agencies", "agencies"),
        ("encounter_type", "encounter_types"),
        ("targeted_groups", "targeted_groups"),
        ("force_types", "force_types"),
        ("outcome", "outcomes"),
    ):
        with st.expander(f"Allowed values of {column}"):
            st.table(taxonomy_table(tax))
    st.header("Sources and licenses")
    for n in names:
        meta = common.get_dataset(n).metadata
        st.subheader(meta.get("title") or n)
        st.text(
            f"License: {meta.get('license')}\nCoverage: {meta.get('coverage')}\nData as of: {common.get_dataset(n).as_of}"
        )
        for s in meta.get("sources") or []:
            st.text(f"Source: {s.get('title', '')} {s.get('url', '')}".strip())
    st.header("Report a correction")
    contact = corrections_contact()
    st.text(
        f"To report a correction or a missing record, write to: {contact}"
        if contact
        else "No correction contact is configured."
    )
