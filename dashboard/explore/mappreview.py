"""A still picture of a map figure, drawn on the server as SVG, for a visitor's first view.

A browser fetches and compiles plotly.js (4.7 MB) only when the first chart mounts: about a second on
a 2-core machine, on top of Streamlit's own start. The picture shows the same map at once; the
interactive plotly map takes its place as soon as it is drawn (the page's CSS hides the picture then).

Only what the map figures use is drawn: scatter traces as lines, filled rings and round dots, in the
figure's view (x: longitude, y: latitude stretched by the axis scale ratio, as plotly draws them).
"""

from __future__ import annotations

import base64
import html
import re

import numpy as np

CANVAS = 1000.0  # virtual width in px; the image is scaled to its box, keeping the map's proportions
# Width / height of the map's plot area on a laptop (~940 by ~410 px). Like plotly (which widens the
# axis range that has room to spare, about the centre), the picture widens the view to this shape, so
# a tall state shows its neighbours rather than white bands. Other screens scale it down to fit.
BOX_ASPECT = 2.3
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def _xy(trace: dict) -> tuple[np.ndarray, np.ndarray]:
    """A trace's coordinates as float arrays (None, as plotly's break between rings, becomes NaN)."""
    return (np.asarray(trace.get("x", ()), dtype=float), np.asarray(trace.get("y", ()), dtype=float))


def _runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True: one ring or line per run."""
    edges = np.diff(np.concatenate([[0], ok.view(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _path(px: np.ndarray, py: np.ndarray, close: bool) -> str:
    ok = ~(np.isnan(px) | np.isnan(py))
    pts = [f"{x:.0f} {y:.0f}" for x, y in zip(px.tolist(), py.tolist(), strict=True)]
    end = "Z" if close else ""
    return "".join(f"M{pts[a]}L{' '.join(pts[a + 1 : b])}{end}" for a, b in _runs(ok) if b - a > 1)


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _lines(name: object) -> list[str]:
    """A plotly legend name (escaped, with <br> line breaks) as its lines of plain text."""
    return [html.unescape(part).strip() for part in re.split(r"<br\s*/?>", str(name))]


def frame(layout: dict) -> tuple[float, float, float, float, float]:
    """(x0, x1, y0, y1, height in canvas px) of the picture: the figure's view, north up, in plotly's
    proportions (the axis scale ratio), widened about its centre to BOX_ASPECT."""
    x0, x1 = (float(v) for v in layout["xaxis"]["range"])
    y0, y1 = (float(v) for v in layout["yaxis"]["range"])
    ratio = float(layout["yaxis"].get("scaleratio", 1.0))  # screen units per latitude degree / per longitude degree
    wide, tall = x1 - x0, (y1 - y0) * ratio
    if wide < tall * BOX_ASPECT:
        pad = (tall * BOX_ASPECT - wide) / 2
        x0, x1 = x0 - pad, x1 + pad
    else:
        pad = (wide / BOX_ASPECT - tall) / 2 / ratio
        y0, y1 = y0 - pad, y1 + pad
    return x0, x1, y0, y1, CANVAS / BOX_ASPECT


def svg(spec: dict, title: str) -> str:
    """The figure's traces as one SVG picture (outlines, filled cells or areas, dots)."""
    x0, x1, y0, y1, height = frame(spec["layout"])
    sx, sy = CANVAS / (x1 - x0), height / (y1 - y0)
    body = []
    for trace in spec["data"]:
        if trace.get("type", "scatter") != "scatter" or trace.get("visible") is False:
            continue
        x, y = _xy(trace)
        if not x.size:
            continue
        px, py = (x - x0) * sx, (y1 - y) * sy
        line = trace.get("line") or {}
        mode = trace.get("mode", "")
        if trace.get("fill") == "toself":
            body.append(
                f'<path d="{_path(px, py, True)}" fill="{_attr(trace.get("fillcolor", "#999"))}" '
                f'stroke="{_attr(line.get("color", "none"))}" stroke-width="{line.get("width", 0.5)}" '
                'vector-effect="non-scaling-stroke" fill-rule="evenodd"/>'
            )
        elif "lines" in mode:
            body.append(
                f'<path d="{_path(px, py, False)}" fill="none" stroke="{_attr(line.get("color", "#888"))}" '
                f'stroke-width="{line.get("width", 1)}" vector-effect="non-scaling-stroke"/>'
            )
        if "markers" in mode:
            body.append(_dots(px, py, trace.get("marker") or {}))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CANVAS:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {CANVAS:.0f} {height:.1f}" role="img" aria-label="{_attr(title)}">'
        f"<title>{html.escape(title)}</title>{''.join(body)}</svg>"
    )


def _dots(px: np.ndarray, py: np.ndarray, marker: dict) -> str:
    colour = marker.get("color", "#444")
    if not isinstance(colour, str):  # per-point colours are not used by the map figures
        colour = "#444444"
    hollow = str(marker.get("symbol", "")).endswith("-open")
    r = float(marker.get("size", 6)) / 2
    ok = ~(np.isnan(px) | np.isnan(py))
    paint = (
        f'fill="none" stroke="{_attr(colour)}" stroke-width="{(marker.get("line") or {}).get("width", 1.5)}"'
        if hollow
        else f'fill="{_attr(colour)}"'
    )
    opacity = marker.get("opacity", 1)
    dots = "".join(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{r:g}"/>' for x, y in zip(px[ok], py[ok], strict=True))
    return f'<g {paint} opacity="{opacity}">{dots}</g>'


def legend(spec: dict) -> list[tuple[str, str, list[str]]]:
    """(swatch kind, colour, label lines) of the entries plotly shows, in its order (legendrank)."""
    out = []
    for trace in spec["data"]:
        if trace.get("showlegend") is False or not trace.get("name"):
            continue
        marker = trace.get("marker") or {}
        if trace.get("fill") == "toself":
            kind, colour = "fill", str(trace.get("fillcolor", "#999"))
        elif "markers" in trace.get("mode", ""):
            kind = "hollow" if str(marker.get("symbol", "")).endswith("-open") else "dot"
            colour = marker.get("color") if isinstance(marker.get("color"), str) else "#444444"
        else:
            continue
        out.append((trace.get("legendrank", 1000), len(out), kind, colour, _lines(trace["name"])))
    return [(kind, colour, lines) for _, _, kind, colour, lines in sorted(out)]


def _swatch(kind: str, colour: str) -> str:
    size = "width:30px;height:8px;" if kind == "fill" else "width:9px;height:9px;border-radius:50%;margin:0 10px;"
    paint = f"border:1.5px solid {_attr(colour)};" if kind == "hollow" else f"background:{_attr(colour)};"
    return f'<span style="flex:none;margin-top:4px;{size}{paint}"></span>'


def preview_html(spec: dict, title: str, css_class: str, entry_width: int = 96) -> str:
    """The picture and its legend (laid out like plotly's: entries `entry_width` px of text wide) in a box
    as tall as the plotly figure, for st.html."""
    layout = spec["layout"]
    height = int(layout.get("height", 520))
    heading = " ".join(_lines(((layout.get("legend") or {}).get("title") or {}).get("text", "")))
    picture = base64.b64encode(svg(spec, title).encode()).decode()
    items = "".join(
        f'<div style="display:flex;gap:6px;width:{entry_width + 40}px">{_swatch(kind, colour)}'
        f"<span>{'<br>'.join(html.escape(line) for line in lines)}</span></div>"
        for kind, colour, lines in legend(spec)
    )
    return (
        f'<div class="{css_class}" style="height:{height}px;display:flex;flex-direction:column;font-family:{FONT}">'
        f'<img src="data:image/svg+xml;base64,{picture}" alt="{_attr(title)}" '
        'style="flex:1;min-height:0;width:100%;object-fit:contain">'
        '<div style="font-size:12px;color:#444;padding:4px 8px 8px;line-height:1.3">'
        f'<div style="color:#666;margin-bottom:4px">{html.escape(heading)}</div>'
        f'<div style="display:flex;flex-wrap:wrap;row-gap:4px">{items}</div></div></div>'
    )
