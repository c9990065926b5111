"""About the data: each published dataset, its provenance, coverage and caveats."""

from __future__ import annotations

import streamlit as st

from dashboard import store
from dashboard.views import common


def render() -> None:
    st.title("About the data")
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
        info = {
            "Records": f"{len(dataset.records):,}",
            "Version": f"{dataset.version} (published {dataset.manifest.get('published_at', '')[:10]})",
            "Data as of": dataset.as_of,
            "Coverage": str(meta.get("coverage", "")),
            "License": str(meta.get("license", "")),
        }
        st.table({"": list(info), "value": list(info.values())})
        for s in meta.get("sources") or []:
            st.text(f"Source: {s.get('title', '')} {s.get('url', '')}".strip())
        for note in meta.get("notes") or []:
            st.text(f"Note: {note}")
        with st.expander("Version history"):
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
