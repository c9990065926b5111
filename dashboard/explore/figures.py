"""Plotly figures for Explore: timeline and breakdown bars, plus what the map figures share.

Pure functions from small aggregates to go.Figure; no Streamlit. Colours never carry meaning alone:
force levels also get a marker symbol, and every legend entry and hover text names its value.
Text that comes from records is escaped, since plotly reads a few HTML tags in labels and hovers.
"""

from __future__ import annotations

import functools
import html
from datetime import timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.colors import sample_colorscale

from dashboard.i18n import month, num, t, term
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
# Legend entries of a fixed width, long names wrapped: two a row on a phone, six or more on a desktop
LEGEND_ENTRY_WIDTH = 96


def esc(value: object) -> str:
    """Record text made safe for plotly labels (which interpret <br>, <a href> and entities)."""
    return html.escape(str(value), quote=False)


def force_levels() -> tuple[str, ...]:
    return load_schema().taxonomies["force_types"].values


def force_style() -> dict[str, tuple[str, str]]:
    """Force level -> (colour, symbol): viridis from pale (none) to dark (death), grey for not recorded."""
    return dict(_force_style(force_levels()))


@functools.cache
def _force_style(levels: tuple[str, ...]) -> dict[str, tuple[str, str]]:  # ~3 ms: made once
    colours = sample_colorscale("Viridis", list(np.linspace(0.88, 0.0, len(levels))), colortype="rgb")
    style = {lv: (colours[i], SYMBOLS[i % len(SYMBOLS)]) for i, lv in enumerate(levels)}
    style[NOT_RECORDED] = (NOT_RECORDED_COLOUR, "circle")
    return style


# Five force bands a reader can tell apart (issue 20): viridis at well-separated steps, pale to dark, which
# stays ordered and distinct under the common colour-vision deficiencies (tests/explore/test_force_bands.py).
BAND_COLOURS = ("#b5de2b", "#35b779", "#26828e", "#3e4989", "#440154")


def force_bands() -> tuple[str, ...]:
    """The bands of force levels, least to most severe (the force_types taxonomy's groups)."""
    return tuple(load_schema().taxonomies["force_types"].groups())


@functools.cache
def band_of() -> dict[str, str]:
    """Force level -> its band; "not recorded" stays itself."""
    groups = load_schema().taxonomies["force_types"].groups()
    return {level: band for band, levels in groups.items() for level in levels} | {NOT_RECORDED: NOT_RECORDED}


def band_style() -> dict[str, tuple[str, str]]:
    return dict(zip(force_bands(), zip(BAND_COLOURS, SYMBOLS, strict=False), strict=True)) | {
        NOT_RECORDED: (NOT_RECORDED_COLOUR, "circle")
    }


def level_order(present) -> list[str]:
    """Force levels (or bands) present, not recorded first, then by severity."""
    present = set(present)
    bands = set(force_bands())
    order = force_bands() if present <= bands | {NOT_RECORDED} else force_levels()
    return [lv for lv in (NOT_RECORDED, *order) if lv in present]


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


def bin_labels(edges: list[int], top: int, noun: str | None = "record") -> list[str]:
    """ "1 record", "2–4 records", "5–879 records" for classes starting at the edges (no noun: "2–4")."""
    out = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] - 1 if i + 1 < len(edges) else top
        span = f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
        out.append(span if noun is None else f"{span} {noun}" + ("" if lo == hi == 1 else "s"))
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


class FrozenFigure(go.Figure):
    """A finished figure, kept as the plain dicts that plotly.js reads.

    Building plotly's object tree (go.Figure) and its to_dict (a deep copy that base64-encodes every
    array) cost ~5 ms a chart, and a filter change redraws five. st.plotly_chart only needs the
    dict, so it is made once, straight from the spec. Reading attributes (fig.data, fig.layout:
    tests, notebooks) builds a full, validated go.Figure on first use. Change nothing in a FrozenFigure.
    """

    def __init__(self, spec: dict):  # plotly's own __init__ is deliberately not called
        self.__dict__["_spec"] = spec

    @property
    def spec(self) -> dict:
        """The figure as built: plain dicts, numpy arrays (read it, do not change it)."""
        return self.__dict__["_spec"]

    def to_dict(self) -> dict:
        if "_wire" not in self.__dict__:
            spec = self.__dict__["_spec"]
            layout = spec["layout"]
            wire = _typed_arrays({"data": spec["data"], "layout": {k: v for k, v in layout.items() if k != "template"}})
            if "template" in layout:  # a large constant: nothing in it to convert
                wire["layout"]["template"] = layout["template"]
            self.__dict__["_wire"] = wire
        return self.__dict__["_wire"]

    def to_plotly_json(self) -> dict:
        return self.to_dict()

    def __getattr__(self, name: str):
        if name.startswith("__") or "_spec" not in self.__dict__:
            raise AttributeError(name)
        if "_full" not in self.__dict__:
            self.__dict__["_full"] = go.Figure(self.__dict__["_spec"])
        return getattr(self.__dict__["_full"], name)


def _typed_arrays(obj):
    """A copy of a spec with numeric arrays as plotly's base64 typed arrays (as go.Figure.to_dict
    sends them): a third of the bytes of lists of numbers."""
    if isinstance(obj, dict):
        return {k: _typed_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_typed_arrays(v) for v in obj]
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "iuf":
        shared = not obj.flags.writeable and obj.size >= 5000  # the boundary outlines (see below)
        return _shared_typed_array(obj) if shared else to_typed_array_spec(obj)
    return obj


_SHARED: dict[int, tuple[np.ndarray, dict]] = {}


def _shared_typed_array(arr: np.ndarray) -> dict:
    """Large read-only arrays are mapgeo's cached boundary outlines, drawn on every map: encoded once.
    Each entry holds its array, so its id cannot be reused by another one while the entry exists."""
    hit = _SHARED.get(id(arr))
    if hit is not None and hit[0] is arr:
        return hit[1]
    spec = to_typed_array_spec(arr)
    if len(_SHARED) >= 64:
        _SHARED.clear()
    _SHARED[id(arr)] = (arr, spec)
    return spec


@functools.cache
def _template(name: str) -> dict:
    return pio.templates[name].to_plotly_json()


def fast_figure(data: list[dict], layout: dict) -> FrozenFigure:
    """A figure from plain trace and layout dicts, without plotly's per-property validation.

    The specs are fixed by this module and the map module, and tests/explore/test_figures.py validates
    every kind of figure. Pass numpy arrays or lists, not pandas objects. The layout gets the default
    template (Streamlit's when Streamlit is loaded), as go.Figure would give it.
    """
    template = pio.templates.default
    layout = {**layout, "template": _template(template)} if template and "template" not in layout else layout
    return FrozenFigure({"data": data, "layout": layout})


def period_label(ts, freq: str, lang: str = "en") -> str:
    """A timeline bar's period in words: "mar 2025", "semana del 3 mar 2025"."""
    ts = pd.Timestamp(ts)
    if freq == "month":
        return month(ts, lang, short=True)
    return t(
        "week of {date}", lang, date=f"{ts:%d %b %Y}" if lang == "en" else f"{ts.day} {month(ts, lang, short=True)}"
    )


def month_ticks(first, last, lang: str, most: int = 6) -> dict:
    """Tick values and labels at month starts (at most `most`), for a date axis in a language plotly lacks."""
    months = pd.date_range(pd.Timestamp(first).to_period("M").to_timestamp(), pd.Timestamp(last), freq="MS")
    step = next((s for s in (1, 2, 3, 4, 6, 12, 24, 60) if len(months) / s <= most), 120)
    months = months[::step] if len(months) else months
    return {
        "tickmode": "array",
        "tickvals": [m.strftime("%Y-%m-%d") for m in months],
        "ticktext": [month(m, lang, short=True) for m in months],
    }


LABEL_PX_PER_CHAR = 6.6  # 11 px sans-serif, on average
PLOT_PX = 330  # the timeline's plot on a phone: labels placed for it do not overlap on any wider screen


def _vline(x: str, colour: str, dash: str) -> dict:
    """A vertical line across the plot at date x (an operation's start, a coverage break)."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "width": 1.2 if dash == "dot" else 1.5, "dash": dash},
    }


def _label_rows(xs: list[float], widths: list[float], rows: int = 6) -> list[int]:
    """A row (0 = top) for each label at x (in px, sorted) so that labels on one row do not overlap:
    each goes on the highest row whose last label ends before it starts."""
    ends = [-1e9] * rows
    out = []
    for x, w in zip(xs, widths, strict=True):
        row = next((r for r in range(rows) if ends[r] + 6 <= x), min(range(rows), key=ends.__getitem__))
        ends[row] = x + w
        out.append(row)
    return out


def operation_marks(starts: list[tuple[str, str]], span: tuple, lang: str = "en") -> dict:
    """A dotted line at each operation's start, labelled with its name at the top of the plot.
    `span` is the x axis's (first, last) date; labels that would overlap go on lower rows."""
    first, last = (pd.Timestamp(d) for d in span)
    days = max((last - first).days, 1)
    texts = [term(name, lang).removeprefix("Operation ").removeprefix("Operación ") for _, name in starts]
    xs = [(pd.Timestamp(s) - first).days / days * PLOT_PX for s, _ in starts]
    rows = _label_rows(xs, [len(text) * LABEL_PX_PER_CHAR + 8 for text in texts])
    shapes, notes = [], []
    for (start, name), text, row in zip(starts, texts, rows, strict=True):
        shapes.append(_vline(start, "#444444", "dot"))
        notes.append(
            {
                "x": start,
                "xref": "x",
                "yref": "paper",
                "y": 0.99 - 0.085 * row,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "text": esc(text),
                "hovertext": esc(t("{operation} began {date}", lang, operation=term(name, lang), date=start)),
                "font": {"size": 11, "color": "#222222"},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    return {"shapes": shapes, "annotations": notes, "label_rows": max(rows, default=-1) + 1}


def coverage_marks(coverage, span: tuple, lang: str = "en") -> dict:
    """Grey over the part of the axis before the dataset's coverage starts (or after it ends), labelled
    "no data before ...", and a dash-dot line at each coverage break: an empty stretch there is not zero."""
    first, last = (pd.Timestamp(d) for d in span)
    shapes, notes = [], []
    stretches = []
    if coverage.start and first < pd.Timestamp(coverage.start):
        stretches.append(
            (
                first,
                pd.Timestamp(coverage.start),
                coverage.gap(coverage.start - timedelta(days=1), coverage.start, lang),
            )
        )
    if coverage.end and last > pd.Timestamp(coverage.end):
        stretches.append(
            (pd.Timestamp(coverage.end), last, coverage.gap(coverage.end, coverage.end + timedelta(days=1), lang))
        )
    for x0, x1, text in stretches:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": f"{x0:%Y-%m-%d}",
                "x1": f"{x1:%Y-%m-%d}",
                "y0": 0,
                "y1": 1,
                "fillcolor": "#d9d9d9",
                "opacity": 0.55,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes.append(
            {
                "x": f"{x0:%Y-%m-%d}",
                "xref": "x",
                "yref": "paper",
                "y": 0.99,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "text": esc(text),
                "font": {"size": 10, "color": "#444444"},
                "textangle": -90,
            }
        )
    for when, note in coverage.breaks:
        if first <= pd.Timestamp(when) <= last:
            shapes.append(_vline(when.isoformat(), "#7f7f7f", "dashdot"))
            notes.append(
                {
                    "x": when.isoformat(),
                    "xref": "x",
                    "yref": "paper",
                    "y": 0.55,
                    "xanchor": "left",
                    "yanchor": "middle",
                    "showarrow": False,
                    "text": esc(t("coverage changes", lang)),
                    "hovertext": esc(note),
                    "font": {"size": 10, "color": "#444444"},
                    "bgcolor": "rgba(255,255,255,0.85)",
                }
            )
    return {"shapes": shapes, "annotations": notes}


def timeline_figure(
    tl: pd.DataFrame,
    freq: str = "month",
    lang: str = "en",
    operations: list[tuple[str, str]] = (),
    coverage=None,
    bands: bool = True,
) -> go.Figure:
    """Stacked bars of records per period, one colour and legend entry per force level, and a labelled
    line at the start of each named operation in `operations` ((start, name) pairs)."""
    layout = dict(
        **base_layout(440),
        barmode="stack",
        bargap=0.1,
        legend={  # above the bars, clear of the date labels
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "title": {"text": t("Force level", lang), "side": "top"},
            "traceorder": "normal",
            "entrywidth": LEGEND_ENTRY_WIDTH,
            "font": {"size": 12},
        },
        xaxis={"type": "date", "showgrid": False, "ticks": "outside"},
        yaxis={"title": {"text": t("records", lang)}, "gridcolor": "#e6e6e6", "rangemode": "tozero"},
    )
    style = force_style()
    if bands:  # five bands by default; every level when the reader asks
        tl = (
            tl.assign(force_level=tl["force_level"].map(band_of()))
            .groupby(["period", "force_level"], as_index=False)["records"]
            .sum()
        )
        style = band_style()
        layout["legend"]["title"]["text"] = t("Force (grouped)", lang)
    period_fmt = "%b %Y" if freq == "month" else "week of %d %b %Y"
    monthly = {"xperiod": "M1", "xperiodalignment": "middle"} if freq == "month" else {}
    levels = tl["force_level"].to_numpy(dtype=object)
    periods = tl["period"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    counts = tl["records"].to_numpy(dtype=np.int64)
    if lang != "en":  # plotly formats dates in English only: the month names are written here
        layout["separators"] = ".,"
        if len(tl):
            layout["xaxis"] |= month_ticks(tl["period"].min(), tl["period"].max(), lang)
        labels = np.array([period_label(p, freq, lang) for p in tl["period"]], dtype=object)
        when = "%{customdata}"
    else:
        labels, when = None, f"%{{x|{period_fmt}}}"
    hover = t("{period}: {n} records", lang, period=when, n="%{y:,}")
    data = []
    for level in level_order(set(levels)):
        part = levels == level
        shown = esc(term(level, lang))
        trace = {
            "type": "bar",
            "x": periods[part],
            "y": counts[part],
            "name": wrap_label(term(level, lang), 14),
            "legendgroup": level,
            "marker": {"color": style[level][0], "line": {"width": 0}},
            "hovertemplate": f"{hover}<br>{t('force level: {level}', lang, level=shown)}<extra></extra>",
            **monthly,
        }
        if labels is not None:
            trace["customdata"] = labels[part]
        data.append(trace)
    first, last = (tl["period"].min(), tl["period"].max() + pd.offsets.MonthEnd(1)) if len(tl) else (None, None)
    if len(tl) and coverage is not None:
        marks = coverage_marks(coverage, (first, last), lang)
        layout["shapes"] = layout.get("shapes", []) + marks["shapes"]
        layout["annotations"] = layout.get("annotations", []) + marks["annotations"]
    if len(tl) and operations:
        shown = [(s, n) for s, n in operations if first <= pd.Timestamp(s) <= last]
        marks = operation_marks(shown, (first, last), lang)
        if marks["label_rows"]:  # head room above the tallest bar for the rows of labels
            tallest = int(tl.groupby("period")["records"].sum().max())
            layout["yaxis"]["range"] = [0, tallest / (0.97 - 0.085 * marks["label_rows"])]
        layout["shapes"] = layout.get("shapes", []) + marks["shapes"]
        layout["annotations"] = layout.get("annotations", []) + marks["annotations"]
    return fast_figure(data, layout)


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


def bar_label(text: str, width: int = 22, widest: int = 34) -> str:
    """A bar's label on at most two lines: bars are evenly spaced, so a third line would run into the next
    bar's label ("ICE ERO (Operaciones de Detención y Deportación)"). Long labels get wider lines instead."""
    label = wrap_label(text, width)
    while label.count("<br>") > 1 and width < widest:
        width += 2
        label = wrap_label(text, width)
    return label


APART_COLOUR = (
    "#c4561d"  # bars set apart (sensitive places): orange against the blue, told apart in colour-blind vision
)


def bar_figure(counts: pd.DataFrame, noun: str, lang: str = "en", apart: tuple[str, ...] = ()) -> go.Figure:
    """Horizontal bars of records per value, the largest at the top, counts written beside the bars.

    `noun` is the English name of what the bars count ("agency"); values are shown with their labels.
    Values in `apart` (sensitive places) come first, in their own colour."""
    if apart:
        first = counts["value"].isin(apart).to_numpy()
        counts = pd.concat([counts[first], counts[~first]])
    labels = [bar_label(term(str(v), lang)) for v in counts["value"]]
    lines = sum(lab.count("<br>") + 1 for lab in labels)
    top = int(counts["records"].max()) if len(counts) else 1
    layout = dict(
        **base_layout(max(120, 40 + 18 * lines + 10 * len(labels))),
        xaxis={"range": [0, top * 1.04], "gridcolor": "#e6e6e6", "title": {"text": t("records", lang)}, "nticks": 4},
        yaxis={"autorange": "reversed", "automargin": True, "ticks": "outside", "ticklen": 4, "tickcolor": "white"},
        bargap=0.25,
        showlegend=False,
    )
    if lang != "en":
        layout["separators"] = ".,"
    layout["margin"] = {**layout["margin"], "r": 12 + 8 * len(num(top, lang))}  # the count after the longest bar
    bar = {
        "type": "bar",
        "x": counts["records"].to_numpy(dtype=np.int64),
        "y": labels,
        "orientation": "h",
        "marker": {
            "color": [APART_COLOUR if v in apart else BAR_COLOUR for v in counts["value"]] if apart else BAR_COLOUR
        },
        "text": [num(int(n), lang) for n in counts["records"]],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": t("{noun} {value}: {n} records", lang, noun=esc(t(noun, lang)), value="%{y}", n="%{x:,}")
        + "<extra></extra>",
    }
    return fast_figure([bar], layout)
