"""Methodology: the codebook from the schema, what the levels mean, duplicates, sources, corrections."""

from __future__ import annotations

import re

import streamlit as st

from dashboard import i18n
from dashboard.codebook import columns_table, taxonomy_table
from dashboard.config import corrections_contact
from dashboard.paths import SOURCES_DIR
from dashboard.views import common, report
from dashboard.views.common import t, term


def _taxonomy(name: str):
    """A taxonomy table with its values and headers in the page's language."""
    table = taxonomy_table(name)
    table["value"] = table["value"].map(term)
    return table.rename(columns={c: t(c) for c in table.columns})


def _compilation(name: str) -> None:
    """What a compiled dataset is and is not, and its curation rules (the dataset's CURATION.md: our
    own text from the repository, not record data)."""
    st.header(t("What this compilation is, and is not"))
    st.markdown(
        t(
            "These records are a compilation of encounters that news reports and official statements described. "
            "They are not a count of every encounter that happened: coverage follows where reporters, cameras "
            "and officials were, so a month or a city with more records may be one with more reporting. Each "
            "record cites the reports it rests on; read them before you cite a figure."
        )
    )
    rules = SOURCES_DIR / name / "CURATION.md"
    if rules.is_file():
        with st.expander(t("Curation rules (in English)"), expanded=common.lang() == "en"):
            # its headings sit under this page's: "# Title" becomes "#### Title"
            st.markdown(
                re.sub(r"(?m)^(#+) ", lambda m: "#" * min(len(m.group(1)) + 3, 6) + " ", rules.read_text("utf-8"))
            )


def render() -> None:
    names = common.available()
    if not names:
        common.no_data_message()
        return
    choice = st.query_params.get("dataset")
    name = choice if choice in names else common.default_dataset(names)
    dataset = common.get_dataset(name)
    common.demo_banner(dataset)
    st.title(t("Methodology"))
    st.markdown(
        t(
            "Each record is one encounter with federal enforcement agents: one event, in which several people "
            "may be involved. Records are curated from news reports, official records and community reports, "
            "and every published record cites at least one source."
        )
    )
    if dataset.metadata.get("compilation"):
        _compilation(name)
    st.header(t("How certain is a record?"))
    st.dataframe(_taxonomy("verification"), hide_index=True)
    st.header(t("How precise are the date and the place?"))
    st.markdown(
        t(
            "A record known only to the month is never drawn on a weekly timeline as if its day were known; "
            "a record placed only to a city, county or region is drawn hollow on the map."
        )
    )
    c1, c2 = st.columns(2)
    c1.dataframe(_taxonomy("date_precision"), hide_index=True)
    c2.dataframe(_taxonomy("location_precision"), hide_index=True)
    st.header(t("Possible duplicates"))
    st.markdown(
        t(
            "Two records are flagged as possible duplicates when their dates are within a day, they share an agency, "
            "and they are either within 1 km of each other (both placed exactly or to the block) or in the same city. "
            "Flagged records are kept and marked (`possible_duplicate_of`), never deleted: identical-looking rows "
            "can be separate events, such as the thousands of identical redacted rows in the ICE FOIA release."
        )
    )
    st.markdown(
        t(
            'An agency given as "unknown federal" is not an agency in common. A record that carries its source\'s '
            "own incident number (`incident_key`) is flagged only when an earlier record has the same number."
        )
    )
    st.header(t("Codebook ({title})", title=dataset.metadata.get("title", name)))
    st.caption(t("Missing: the share of this dataset's records with no value in the column."))
    table = columns_table(records=dataset.records)
    st.dataframe(table.rename(columns={c: t(c) for c in table.columns}), hide_index=True, use_container_width=True)
    for column, tax in (
        ("agencies", "agencies"),
        ("encounter_type", "encounter_types"),
        ("targeted_groups", "targeted_groups"),
        ("force_types", "force_types"),
        ("outcome", "outcomes"),
        ("place_type", "place_types"),
        ("operation", "operations"),
    ):
        with st.expander(t("Allowed values of {column}", column=column)):
            st.dataframe(_taxonomy(tax), hide_index=True, use_container_width=True)
    st.header(t("Sources and licenses"))
    for n in names:
        other = common.get_dataset(n)
        meta = other.metadata
        st.subheader(meta.get("title") or n)
        st.text(
            f"{t('License')}: {meta.get('license')}\n{t('Coverage')}: {meta.get('coverage')}\n{t('Data as of')}: {other.as_of}"
        )
        for s in meta.get("sources") or []:
            st.text(t("Source: {source}", source=f"{s.get('title', '')} {s.get('url', '')}".strip()))
    _corrections_policy()


def _corrections_policy() -> None:
    """How reports and corrections are handled, with how many were received, accepted and rejected."""
    st.header(t("Corrections policy"))
    st.markdown(
        t(
            "Anyone can report an encounter or a mistake in a record on the [Report](report) page, or with the "
            "Report a correction button of any record. Nothing reported is published as it is: a contributor "
            "checks it against its sources, then publishes it through the same validation and review as every "
            "other change, or rejects it with a reason. A report of an encounter becomes a record whose "
            "verification is `reported` until other sources corroborate it. Every record shows its history: "
            "when it was added, each field that changed, and the report behind a change. Contact details are "
            "seen only by contributors and deleted when a report is closed."
        )
    )
    try:
        counts = report.open_reports().counts()
    except Exception:  # the reports database cannot be reached: the policy stands, without its figures
        st.caption(t("The number of reports is not available right now."))
        counts = None
    if counts is not None:
        cols = st.columns(4)
        lang = common.lang()
        for col, (label, key) in zip(
            cols,
            (
                (t("Reports received"), "received"),
                (t("Accepted"), "accepted"),
                (t("Rejected"), "rejected"),
                (t("Waiting for review"), "open"),
            ),
            strict=True,
        ):
            col.metric(label, i18n.num(counts[key], lang))
    contact = corrections_contact()
    if contact:
        st.text(t("You can also write to: {contact}", contact=contact))
