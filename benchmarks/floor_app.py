"""The browser step's floor: what any Streamlit page with one plotly chart costs to show on this machine.

A title, one metric and a three-point plotly chart keyed as a map (so the same probe finds it). The
difference between this and the dashboard is what the dashboard's own page adds.
"""

import plotly.graph_objects as go
import streamlit as st

st.title("Floor")
st.metric("Encounters", "1")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2], mode="markers")), key="floor_map")
