"""Plotly figures for Explore: timeline and breakdown bars, plus what the map figures share.

Pure functions from small aggregates to go.Figure; no Streamlit. Colours never carry meaning alone:
force levels also get a marker symbol, and every legend entry and hover text names its value.
Text that comes from records is escaped, since plotly reads a few HTML tags in labels and hovers.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.schema import load_schema

NOT_RECORDED = "not recorded"
NOT_RECORDED_COLOUR = "#a8a8a8"
BAR_COLOUR = "#2c6e9b"
# ColorBrewer YlGnBu without its palest step (too close to the white background): ordered, colour-blind safe
COUNT_COLOURS = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")
# One symbol per force level, least to most severe; "-open" marks an approximate place on the map
SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "cross",
    "x",
    "triangle-up",
    "triangle-down",
    "pentagon",
    "hexagon",
    "star",
    "hexagram",
)
FONT = {"family": "sans-serif", "size": 13}


def esc(value: object) -> str:
    """Record text made safe for plotly labels (which interpret <br>, <a href> and entities)."""
    return html.escape(str(value), quote=False)


def force_levels() -> tuple[str, ...]:
    return load_schema().taxonomies["force_types"].values


def force_style() -> dict[str, tuple[str, str]]:
    """Force level -> (colour, symbol): viridis from pale (none) to dark (death), grey for not recorded."""
    levels = force_levels()
    colours = sample_colorscale("Viridis", list(np.linspace(0.88, 0.0, len(levels))), colortype="rgb")
    style = {lv: (colours[i], SYMBOLS[i % len(SYMBOLS)]) for i, lv in enumerate(levels)}
    style[NOT_RECORDED] = (NOT_RECORDED_COLOUR, "circle")
    return style


def level_order(present) -> list[str]:
    """Force levels present, not recorded first, then by severity."""
    present = set(present)
    return [lv for lv in (NOT_RECORDED, *force_levels()) if lv in present]


def _floor2(x: float) -> int:
    """Round down to two significant digits (879 -> 870, 57 -> 57): legend-friendly edges."""
    if x < 100:
        return int(x)
    mag = 10 ** (int(np.floor(np.log10(x))) - 1)
    return int(x // mag * mag)


def count_bins(counts, k: int = 6) -> list[int]:
    """Lower edges of at most k classes for positive counts, at quantiles (so every class is used)."""
    counts = np.asarray(counts)
    if not len(counts):
        return [1]
    uniq = np.unique(counts)
    if len(uniq) <= k:
        return [int(v) for v in uniq]
    qs = np.quantile(counts, np.linspace(0, 1, k + 1)[:-1])
    lo = int(counts.min())
    return sorted({max(lo, _floor2(q)) for q in qs})


def bin_labels(edges: list[int], top: int, noun: str = "record") -> list[str]:
    """"1 record", "2–4 records", "5–879 records" for classes starting at the edges."""
    out = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] - 1 if i + 1 < len(edges) else top
        span = f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
        out.append(f"{span} {noun}" + ("" if lo == hi == 1 else "s"))
    return out


def bin_colours(n: int) -> list[str]:
    idx = np.linspace(0, len(COUNT_COLOURS) - 1, n).round().astype(int) if n > 1 else [len(COUNT_COLOURS) - 2]
    return [COUNT_COLOURS[i] for i in idx]


def base_layout(height: int, **extra) -> dict:
    return {
        "height": height,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": FONT,
        "hoverlabel": {"font": {"size": 13}},
        **extra,
    }


def timeline_figure(tl: pd.DataFrame, freq: str = "month") -> go.Figure:
    """Stacked bars of records per period, one colour and legend entry per force level."""
    fig = go.Figure()
    style = force_style()
    period_fmt = "%b %Y" if freq == "month" else "week of %d %b %Y"
    for level in level_order(tl["force_level"].unique()):
        part = tl[tl["force_level"] == level]
        fig.add_bar(
            x=part["period"],
            y=part["records"],
            name=level,
            marker={"color": style[level][0], "line": {"width": 0}},
            hovertemplate=f"%{{x|{period_fmt}}}: %{{y:,}} records<br>force level: {esc(level)}<extra></extra>",
        )
    fig.update_layout(
        **base_layout(380),
        barmode="stack",
        bargap=0.1,
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "title": {"text": "Force level"}},
        xaxis={"type": "date", "showgrid": False, "ticks": "outside"},
        yaxis={"title": {"text": "records"}, "gridcolor": "#e6e6e6", "rangemode": "tozero"},
    )
    if freq == "month":
        fig.update_traces(xperiod="M1", xperiodalignment="middle")
    return fig


def wrap_label(text: str, width: int = 22) -> str:
    """Escape a category label and break it onto lines of about `width` characters."""
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(esc(x) for x in lines)


def bar_figure(counts: pd.DataFrame, noun: str) -> go.Figure:
    """Horizontal bars of records per value, the largest at the top, counts written beside the bars."""
    labels = [wrap_label(v) for v in counts["value"]]
    lines = sum(lab.count("<br>") + 1 for lab in labels)
    fig = go.Figure(
        go.Bar(
            x=counts["records"],
            y=labels,
            orientation="h",
            marker={"color": BAR_COLOUR},
            text=[f"{n:,}" for n in counts["records"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"{esc(noun)} %{{y}}: %{{x:,}} records<extra></extra>",
        )
    )
    top = int(counts["records"].max()) if len(counts) else 1
    fig.update_layout(
        **base_layout(max(120, 40 + 18 * lines + 10 * len(labels))),
        xaxis={"range": [0, top * 1.18], "gridcolor": "#e6e6e6", "title": {"text": "records"}},
        yaxis={"autorange": "reversed", "automargin": True, "ticks": "outside", "ticklen": 4, "tickcolor": "white"},
        bargap=0.25,
        showlegend=False,
    )
    return fig
