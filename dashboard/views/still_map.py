"""Explore's still map: how a session's first run shows the map before plotly.js has loaded.

A session's first Explore run sends the header, the headline figures and the map as a still picture
(dashboard.explore.mappreview), nothing else. The browser draws that at once: with a plotly chart or a
table in the same run, it would first fetch and compile plotly.js (4.7 MB, about a second) and the
table code. Once the picture is on screen, its script (static/still_map.js) presses the hidden
"charts" button, and that run sends the whole page; the style (static/still_map.css) hides the picture
when the interactive map has drawn a trace.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static"
STILL_RUNS = 2  # runs of a session that send the picture: the first and the one its button asks for
PRESS_WHEN_DRAWN = "<script>\n" + (STATIC / "still_map.js").read_text(encoding="utf-8") + "</script>"
STYLE = (STATIC / "still_map.css").read_text(encoding="utf-8")


def with_style(picture_html: str) -> str:
    """The picture with the style that hides it once the interactive map is drawn."""
    return f"<style>{STYLE}</style>{picture_html}"
