"""The straightforward implementation the benchmarks compare the dashboard with.

What a first version of this dashboard would plausibly look like, written the way most Streamlit
tutorials write it (this is a yardstick, not a strawman; keep it honest):
- the published records read into one DataFrame in `st.cache_data` (text columns as plain Python
  strings, dtype object), so every rerun gets its own unpickled copy;
- filters as boolean masks: `isin` on the object columns, an anchored regular expression on the
  multi-valued ones ("a; b; c"), a mapped rank for the minimum force level;
- every matching record drawn as a point on a plotly cartesian map (one `go.Scatter` trace, SVG, so
  that it draws in headless Chromium like the dashboard's map);
- a monthly timeline, a breakdown by encounter type, and a full `st.dataframe` of the matching rows.

The sidebar widgets use the dashboard's keys (f_dates, f_states, f_groups, f_forces, f_min_force,
f_agencies, f_types, f_verification) so that one interaction script drives both implementations.
Serve it with `streamlit run benchmarks/reference_app.py` (ENCOUNTERS_DATA_DIR names the datasets).
"""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `streamlit run` puts only benchmarks/ on the path

from dashboard.schema import load_schema  # noqa: E402

TAX = {k: t.values for k, t in load_schema().taxonomies.items()}
FORCE_RANK = {v: i for i, v in enumerate(TAX["force_types"])}
TEXT_KEEP = ("encounter_id", "summary", "official_response", "sources")


def data_root() -> Path:
    return Path(os.environ.get("ENCOUNTERS_DATA_DIR") or Path(__file__).resolve().parents[1] / "data" / "datasets")


def dataset_file() -> Path:
    root = data_root()
    name = sorted(p.name for p in root.iterdir() if (p / "CURRENT").is_file())[0]
    version = int((root / name / "CURRENT").read_text().strip())
    return root / name / "versions" / f"{version:04d}" / "records.parquet"


@st.cache_data(show_spinner="Loading the data ...")
def load(path: str) -> pd.DataFrame:
    df = pd.read_parquet(path)
    for c in df.columns:  # as if read from the CSV: text as Python strings
        if isinstance(df[c].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(df[c].dtype):
            df[c] = df[c].astype(object)
    return df


def sidebar(df: pd.DataFrame) -> dict:
    side = st.sidebar
    lo, hi = df["date"].min().date(), df["date"].max().date()
    dates = side.date_input("Dates", value=(lo, hi), key="f_dates")
    f = {
        "dates": tuple(dates) if len(dates) == 2 else (lo, hi),
        "states": side.multiselect("State", sorted(df["state"].dropna().unique()), key="f_states"),
        "groups": side.multiselect("Targeted group", TAX["targeted_groups"], key="f_groups"),
        "forces": side.multiselect("Force type", TAX["force_types"], key="f_forces"),
        "min_force": side.selectbox("Minimum force level", ["", *TAX["force_types"]], key="f_min_force"),
        "agencies": side.multiselect("Agency", TAX["agencies"], key="f_agencies"),
        "types": side.multiselect("Encounter type", TAX["encounter_types"], key="f_types"),
        "verification": side.multiselect("Verification", TAX["verification"], key="f_verification"),
    }
    return f


def has_any(col: pd.Series, wanted: list[str]) -> pd.Series:
    """A multi-valued cell ("a; b") holding any of the wanted values."""
    pattern = r"(?:^|;\s*)(?:" + "|".join(re.escape(w) for w in wanted) + r")\s*(?:;|$)"
    return col.fillna("").str.contains(pattern, regex=True)


def apply_filters(df: pd.DataFrame, f: dict, dates: tuple | None = None) -> pd.DataFrame:
    d0, d1 = dates or f["dates"]
    m = df["date"].between(pd.Timestamp(d0), pd.Timestamp(d1))
    for key, column in (("states", "state"), ("types", "encounter_type"), ("verification", "verification")):
        if f[key]:
            m &= df[column].isin(f[key])
    for key, column in (("groups", "targeted_groups"), ("forces", "force_types"), ("agencies", "agencies")):
        if f[key]:
            m &= has_any(df[column], f[key])
    if f["min_force"]:
        m &= df["force_level"].map(FORCE_RANK).fillna(-1) >= FORCE_RANK[f["min_force"]]
    return df[m]


def headline(rows: pd.DataFrame) -> dict:
    rank = rows["force_level"].map(FORCE_RANK)
    recorded = int(rank.notna().sum())
    weapon = int((rank >= FORCE_RANK["weapon displayed"]).sum())
    confirmed = int(rows["verification"].isin(["corroborated", "documented"]).sum())
    return {
        "encounters": len(rows),
        "people": int(rows["people_affected"].sum()),
        "weapon_share": weapon / recorded if recorded else None,
        "confirmed_share": confirmed / len(rows) if len(rows) else None,
    }


def share(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def explore() -> None:
    df = load(str(dataset_file()))
    f = sidebar(df)
    st.title("Federal enforcement encounters")
    rows = apply_filters(df, f)
    h = headline(rows)
    cols = st.columns(4)
    cols[0].metric("Encounters", f"{h['encounters']:,}")
    cols[1].metric("People affected", f"{h['people']:,}")
    cols[2].metric("Weapon displayed or worse", share(h["weapon_share"]))
    cols[3].metric("Corroborated or documented", share(h["confirmed_share"]))

    placed = rows.dropna(subset=["latitude", "longitude"])
    fig = go.Figure(
        go.Scatter(
            x=placed["longitude"],
            y=placed["latitude"],
            mode="markers",
            marker={"size": 4, "opacity": 0.5},
            hovertext=placed["encounter_id"],
        )
    )
    fig.update_layout(height=500, margin={"l": 0, "r": 0, "t": 30, "b": 0}, title="Where")
    fig.update_yaxes(scaleanchor="x")
    st.plotly_chart(fig, key="map")

    monthly = rows.groupby(rows["date"].dt.to_period("M")).size()
    timeline = pd.DataFrame({"month": monthly.index.to_timestamp(), "records": monthly.to_numpy()})
    st.plotly_chart(px.bar(timeline, x="month", y="records", title="When"), key="timeline")
    by_type = rows["encounter_type"].value_counts().rename_axis("encounter_type").reset_index(name="records")
    st.plotly_chart(px.bar(by_type, x="records", y="encounter_type", orientation="h", title="What"), key="types")

    st.subheader("Records")
    st.dataframe(rows, hide_index=True)


def briefing() -> None:
    df = load(str(dataset_file()))
    f = sidebar(df)
    st.title("Briefing")
    d0, d1 = f["dates"]
    length = d1 - d0 + timedelta(days=1)
    now = apply_filters(df, f)
    before = apply_filters(df, f, dates=(d0 - length, d0 - timedelta(days=1)))
    a, b = headline(now), headline(before)
    st.caption(f"{d0} to {d1}, compared with {d0 - length} to {d0 - timedelta(days=1)}")
    cols = st.columns(4)
    cols[0].metric("Encounters", f"{a['encounters']:,}", delta=a["encounters"] - b["encounters"])
    cols[1].metric("People affected", f"{a['people']:,}", delta=a["people"] - b["people"])
    cols[2].metric("Weapon displayed or worse", share(a["weapon_share"]))
    cols[3].metric("Corroborated or documented", share(a["confirmed_share"]))
    left, right = st.columns(2)
    left.dataframe(now["encounter_type"].value_counts().rename_axis("encounter type").reset_index(name="records"))
    agencies = now["agencies"].str.split("; ").explode().value_counts()
    right.dataframe(agencies.rename_axis("agency").reset_index(name="records"))
    st.subheader("Records")
    st.dataframe(now, hide_index=True)


def main() -> None:
    st.set_page_config(page_title="Reference implementation", layout="wide")
    nav = st.navigation(
        [
            st.Page(explore, title="Explore", default=True),
            st.Page(briefing, title="Briefing", url_path="briefing"),
        ]
    )
    nav.run()


if __name__ == "__main__":
    main()
