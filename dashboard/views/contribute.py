"""Contribute: sign-in, upload, validation report, change preview, publish, history (being built)."""

from __future__ import annotations

import streamlit as st


def signed_in() -> bool:
    return bool(st.session_state.get("contributor"))


def render_sign_in() -> None:
    st.title("Sign in")
    st.info("Contributor sign-in is not configured on this deployment.")


def render() -> None:
    st.title("Contribute")
