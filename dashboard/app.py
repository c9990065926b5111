"""Streamlit entry point: `streamlit run dashboard/app.py`. Pages live in dashboard/views/."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `streamlit run` puts only dashboard/ on the path

from dashboard import config  # noqa: E402
from dashboard.views import (  # noqa: E402
    about,
    briefing,
    common,
    contribute,
    explore,
    media_files,
    methodology,
    report,
    uploads,
)

# A local favicon: a :material/...: icon makes the browser fetch it from a font CDN (no network here).
st.set_page_config(
    page_title="Federal enforcement encounters",
    page_icon=str(Path(__file__).resolve().parent / "static" / "favicon.png"),
    layout="wide",
)

t = common.t
common.language_switch()
pages = [
    st.Page(explore.render, title=t("Explore"), icon=":material/map:", default=True),  # served at /
    st.Page(briefing.render, title=t("Briefing"), icon=":material/description:", url_path="briefing"),
    st.Page(methodology.render, title=t("Methodology"), icon=":material/menu_book:", url_path="methodology"),
    st.Page(about.render, title=t("About the data"), icon=":material/info:", url_path="about"),
    st.Page(report.render, title=t("Report"), icon=":material/campaign:", url_path="report"),
]
sys.setswitchinterval(config.switch_interval_s())  # the server process's; the same value at every run
media_files.keep_pressed_downloads()  # a pressed Download CSV is not swept before it is fetched
signed_in = contribute.signed_in()
# Only a signed-in contributor's session may send the server a dataset (views/uploads.py, issue 14).
uploads.contributor_may_upload(Path(common.data_root()), signed_in)
if signed_in:
    pages.append(st.Page(contribute.render, title=t("Contribute"), icon=":material/upload:", url_path="contribute"))
else:
    pages.append(st.Page(contribute.render_sign_in, title=t("Sign in"), icon=":material/login:", url_path="contribute"))

# /explore opens Explore too (a link to the page by name should not land on "page not found").
pages.append(st.Page(lambda: explore.render(), title=t("Explore"), url_path="explore", visibility="hidden"))

common.run_page(st.navigation(pages))
