"""Contribute's review queue: visitors' reports by status; open one, read its contact, review it, accept it
into a dataset (a new record, or the corrected field of a record) or reject it with a reason.

Only the Contribute page calls this, for a signed-in contributor. Everything a visitor typed is shown
with st.text or in a table cell, never as Markdown or HTML; their links only as http(s) link buttons
(the reports package refused every other scheme when the report was filed).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import config, reports, store
from dashboard.explore.record_history import FIELD_LABELS
from dashboard.reports import point_map
from dashboard.reports.publishing import records_as_text
from dashboard.schema import load_schema
from dashboard.views import common
from dashboard.views import report as report_page

KEY = "contribute_rq_"
_FLASH = "_contribute_rq_flash"
VIEWS = {
    "open": "Open (new and in review)",
    "new": "New",
    "in_review": "In review",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "all": "All",
}
KIND = {"new": "new encounter", "correction": "correction"}


def render(root: Path, who) -> None:
    if text := st.session_state.pop(_FLASH, None):
        st.success(text, icon=":material/check_circle:")
    try:
        queue = report_page.open_reports()
        counts = queue.counts()
    except Exception as exc:  # the database cannot be reached: say so, do not break the page
        st.error("The reports database cannot be reached.")
        st.text(f"{type(exc).__name__}: {exc}")
        return
    st.caption(
        f"Reports received: {counts['received']:,}; waiting: {counts['open']:,}; accepted: {counts['accepted']:,}; "
        f"rejected: {counts['rejected']:,}. Nothing a visitor sends is public until it is accepted here."
    )
    view = st.segmented_control("Show", list(VIEWS), format_func=VIEWS.get, default="open", key=KEY + "view") or "open"
    listed = _listed(queue, view)
    if not listed:
        st.info("No report here.")
        return
    st.dataframe(_table(listed), hide_index=True, width="stretch")
    refs = [r.ref for r in reversed(listed)]  # newest first
    ref = st.selectbox(
        "Open a report", refs, key=KEY + "ref", format_func=lambda x: _label(next(r for r in listed if r.ref == x))
    )
    _report(queue, queue.get(ref), root, who)


def _listed(queue, view: str) -> list:
    if view == "all":
        return queue.list()
    if view == "open":
        return [r for r in queue.list() if r.is_open]
    return queue.list(view)


def _label(r) -> str:
    return f"{r.ref} · {KIND[r.kind]} · {r.status.replace('_', ' ')} · received {r.created_at:%Y-%m-%d %H:%M} UTC"


def _table(listed: list) -> pd.DataFrame:
    """One row per report (text cells: nothing in them is rendered)."""
    rows = []
    for r in reversed(listed):
        about = (
            f"{r.dataset} / {r.encounter_id}: {r.field}"
            if r.kind == "correction"
            else f"{r.city}, {r.state}".strip(", ")
        )
        said = r.what_is_wrong if r.kind == "correction" else r.what_happened
        rows.append(
            {
                "report": r.ref,
                "kind": KIND[r.kind],
                "status": r.status.replace("_", " "),
                "received (UTC)": f"{r.created_at:%Y-%m-%d %H:%M}",
                "about": about,
                "what it says": said[:120] + ("…" if len(said) > 120 else ""),
                "outcome": r.resolution,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- one report


def _report(queue, r, root: Path, who) -> None:
    st.subheader(f"{r.ref}: {KIND[r.kind]}, {r.status.replace('_', ' ')}")
    if r.kind == "new":
        when = r.date_from.isoformat() + (f" to {r.date_to.isoformat()}" if r.date_to else "") if r.date_from else ""
        point = ""
        if r.latitude is not None:  # stored rounded to the grid of reports.yaml (place_grid)
            point = f" (point {r.latitude:.5f}, {r.longitude:.5f}, rounded to {point_map.precision_words()})"
        st.text(f"When: {when}\nWhere: {r.city}, {r.state}{point}")
        if r.latitude is not None:
            st.plotly_chart(
                point_map.review_figure(r.latitude, r.longitude, r.state),
                key=f"{KEY}point_{r.ref}",
                width="stretch",
                config={"displaylogo": False, "displayModeBar": False, "staticPlot": True},
                alt=f"Map of the point {r.ref} gives",
            )
        st.text(f"Force seen: {'; '.join(r.force_seen) or '-'}\nAgencies: {'; '.join(r.agencies) or '-'}")
        st.text("What happened:")
        st.text(r.what_happened)
        links = r.links
    else:
        st.text(f"Record: {r.dataset} / {r.encounter_id}\nField: {r.field}")
        st.text("What is wrong:")
        st.text(r.what_is_wrong)
        links = (r.source_url,) if r.source_url else ()
    for i, link in enumerate(links, start=1):
        st.link_button(f"Link {i}", link, icon=":material/open_in_new:")
        st.text(link)
    _contact(queue, r, who)
    with st.expander("History of this report"):
        st.dataframe(
            pd.DataFrame(
                [(f"{e.at:%Y-%m-%d %H:%M}", e.who, e.action, e.note) for e in r.history],
                columns=["at (UTC)", "who", "what", "note"],
            ),
            hide_index=True,
            width="stretch",
        )
    if not r.is_open:
        st.text(f"Outcome: {r.resolution}")
        return
    if r.status == "new" and st.button("Start review", key=KEY + "start", icon=":material/rate_review:"):
        _act(lambda: queue.start_review(r.ref, who.id), f"{r.ref} is in review.")
    _accept(queue, r, root, who)
    _reject(queue, r, who)


def _contact(queue, r, who) -> None:
    if not r.has_contact:
        st.caption("No contact given (or deleted when the report was closed).")
        return
    shown = st.session_state.get(KEY + "contact")
    if shown and shown[0] == r.ref:
        st.text(f"Contact (never public): {shown[1]}")
    elif st.button("Show the reporter's contact", key=KEY + "show_contact", icon=":material/contact_mail:"):
        st.session_state[KEY + "contact"] = (r.ref, queue.contact(r.ref, who.id) or "")  # the reading is logged
        st.rerun()


def _act(action, done: str) -> None:
    try:
        action()
    except reports.ReportError as exc:
        st.error("Not done.")
        st.text(str(exc))
        return
    st.session_state[_FLASH] = done
    st.rerun()


def _accept(queue, r, root: Path, who) -> None:
    st.markdown("**Accept**")
    # a report of a real encounter never goes into a dataset of fictional records
    names = [n for n in store.list_datasets(root) if not store.read_metadata(root, n).get("demonstration")]
    if r.kind == "new":
        if not names:
            st.info("No dataset of real records is published yet to accept this report into.")
            return
        default = config.default_dataset(names)
        dataset = st.selectbox("Into the dataset", names, index=names.index(default), key=KEY + "dataset")
        overrides = _edited_draft(queue, r, root, dataset)
    else:
        dataset = r.dataset
        overrides = _corrected_value(r, root)
    if overrides is None:
        return
    try:
        draft = queue.draft(r.ref, root, dataset if r.kind == "new" else None, overrides)
    except reports.ReportError as exc:
        st.error("This report cannot be accepted as it stands.")
        st.text(str(exc))
        return
    if draft.problems:
        st.warning("The record would not pass validation; nothing can be published until these are fixed:")
        st.dataframe(
            pd.DataFrame(draft.problems, columns=["column", "value", "problem"]), hide_index=True, width="stretch"
        )
    target = (
        "a new record" if r.kind == "new" else f"the corrected {FIELD_LABELS.get(r.field, r.field)} of {r.encounter_id}"
    )
    clicked = st.button(
        common.md_escape(f"Publish {target} in {dataset}"),
        type="primary",
        icon=":material/publish:",
        key=KEY + "accept",
        disabled=bool(draft.problems),
    )
    if clicked:
        _publish(queue, r, root, dataset, overrides, who)


def _edited_draft(queue, r, root: Path, dataset: str) -> dict | None:
    """The drafted record, editable column by column; the contributor's changes (overrides)."""
    st.caption("The record this report would become (verification `reported`). Edit any value before publishing.")
    base = queue.draft(r.ref, root, dataset).row
    fields = [f for f in reports.correctable_fields(reports.load_rules()) if f in base]
    frame = pd.DataFrame({"column": fields, "value": [base[f] for f in fields]})
    edited = st.data_editor(
        frame,
        hide_index=True,
        width="stretch",
        disabled=["column"],
        key=f"{KEY}draft_{r.ref}_{dataset}",
        height=35 * (len(frame) + 1) + 3,
    )
    return {c: v for c, v in zip(edited["column"], edited["value"].fillna(""), strict=True) if str(v) != base[c]}


def _corrected_value(r, root: Path) -> dict | None:
    records = store.load_records(root, r.dataset) if r.dataset in store.list_datasets(root) else None
    rows = records[records["encounter_id"] == r.encounter_id] if records is not None else []
    if len(rows) == 0:
        st.warning("The dataset no longer has this record: reject this report.")
        return None
    current = records_as_text(rows, load_schema()).iloc[0].get(r.field, "")
    label = FIELD_LABELS.get(r.field, r.field)
    st.text(f"Now: {current}")
    typed = st.text_input(f"Corrected {label}", value=str(current), key=f"{KEY}value_{r.ref}")
    if typed == current:
        st.caption("Type the corrected value (the report's source is added to the record's sources).")
        return None
    return {r.field: typed}


def _publish(queue, r, root: Path, dataset: str, overrides: dict, who) -> None:
    try:
        with st.spinner("Publishing ... (validate, diff, publish)"):
            done = queue.accept(r.ref, who.id, root, dataset if r.kind == "new" else None, overrides)
    except reports.DraftInvalid as exc:
        st.error("Not published: the record has problems.")
        st.dataframe(pd.DataFrame(exc.problems, columns=["column", "value", "problem"]), hide_index=True)
        return
    except reports.ReportError as exc:
        st.error("Not published.")
        st.text(str(exc))
        return
    st.session_state[_FLASH] = common.md_escape(
        f"Accepted {done.ref}: published as version {done.version} of {done.dataset} "
        f"(record {done.encounter_id}). Every page shows it now."
    )
    st.rerun()


def _reject(queue, r, who) -> None:
    st.markdown("**Reject**")
    reason = st.text_area(
        "Why (kept with the report; the reporter's contact is deleted)", key=f"{KEY}reason_{r.ref}", max_chars=2000
    )
    if st.button("Reject this report", key=KEY + "reject", icon=":material/block:", disabled=not reason.strip()):
        _act(lambda: queue.reject(r.ref, who.id, reason), f"{r.ref} rejected.")
