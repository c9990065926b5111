"""About the data: each published dataset, its provenance, coverage and caveats."""

from __future__ import annotations

import streamlit as st

from dashboard import store
from dashboard.views import common
from dashboard.views.common import t


def render() -> None:
    st.title(t("About the data"))
    names = common.available()
    if not names:
        common.no_data_message()
        return
    for name in names:
        dataset = common.get_dataset(name)
        meta = dataset.metadata
        st.header(meta.get("title") or name)
        common.demo_banner(dataset)
        st.text(str(meta.get("description", "")).strip())
        license_text = str(meta.get("license") or "").strip()
        unknown_license = license_text.lower() in ("", "unknown")
        if unknown_license:
            # A dataset published without metadata: a reader must see that its reuse terms are not known.
            st.warning(
                t(
                    "License unknown: whoever published this dataset has not said under what terms it may be "
                    "reused. Ask its publisher before you republish it."
                ),
                icon=":material/warning:",
            )
        published = dataset.manifest.get("published_at", "")[:10]
        info = {
            t("Records"): common.fmt_int(len(dataset.records)),
            t("Version"): t("{version} (published {date})", version=dataset.version, date=published),
            t("Data as of"): dataset.as_of,
            t("Coverage"): str(meta.get("coverage", "")),
            t("License"): t("unknown (not stated)") if unknown_license else license_text,
        }
        st.dataframe({"": list(info), " ": list(info.values())}, hide_index=True)
        for s in meta.get("sources") or []:
            st.text(t("Source: {source}", source=f"{s.get('title', '')} {s.get('url', '')}".strip()))
        if meta.get("curation_method"):
            st.text(t("Curation method: {method}", method=" ".join(str(meta["curation_method"]).split())))
        for note in meta.get("notes") or []:
            st.text(t("Note: {note}", note=note))
        with st.expander(t("Version history")):
            st.dataframe(
                [
                    {
                        "version": h["version"],
                        "published": h["published_at"],
                        "action": h.get("action", "publish"),
                        "records": h["rows_published"],
                        **h.get("changes", {}),
                    }
                    for h in reversed(store.history(common.data_root(), name))
                ],
                hide_index=True,
            )
