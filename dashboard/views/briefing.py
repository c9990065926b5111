"""Briefing: figures for one area and period, compared with the period before (being built)."""

from __future__ import annotations

import streamlit as st

from dashboard.views import common


def render() -> None:
    dataset, filters = common.sidebar_filters()
    if dataset is None:
        return
    common.demo_banner(dataset)
    st.title("Briefing")
    st.info("The briefing page is being built.")
