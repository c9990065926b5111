"""The briefing as one self-contained HTML document (inline SVG charts, system fonts), printed to a letter PDF.

Every text from data goes through html.escape; nothing from a record is ever read as markup.
"""

from __future__ import annotations

from datetime import date
from html import escape

from dashboard.briefing import charts
from dashboard.briefing.compute import Breakdown, Briefing, Figure
from dashboard.briefing.text import DEMO_LINE, filters_text, permalink

CSS = """
@page { size: letter; margin: 0.45in 0.5in 0.5in 0.5in; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; color: #222; margin: 0; }
table.page { width: 100%; border-collapse: collapse; }
table.page > thead > tr > td { padding: 0 0 6pt 0; }
.running { font-size: 7.5pt; color: #666; border-bottom: 0.5pt solid #bbb; padding-bottom: 3pt; }
.demo { background: #b00020; color: #fff; font-weight: bold; font-size: 9pt; padding: 4pt 6pt; }
h1 { font-size: 17pt; margin: 4pt 0 2pt; }
h2 { font-size: 11.5pt; margin: 12pt 0 4pt; border-bottom: 0.75pt solid #1f4e79; color: #1f4e79;
     break-after: avoid; page-break-after: avoid; }
h3 { break-after: avoid; page-break-after: avoid; }
h3 { font-size: 9.5pt; margin: 8pt 0 3pt; }
p { margin: 2pt 0; }
.sub { font-size: 10pt; color: #333; }
.meta { color: #555; font-size: 8pt; }
.cards { display: flex; gap: 8pt; margin: 8pt 0 4pt; }
.card { flex: 1; border: 0.75pt solid #c9d6e3; border-radius: 3pt; padding: 5pt 7pt; break-inside: avoid; }
.card .label { font-size: 8pt; color: #555; }
.card .now { font-size: 18pt; font-weight: bold; color: #1f4e79; }
.card .cmp { font-size: 8pt; color: #333; }
.pair { display: flex; gap: 12pt; align-items: flex-start; break-inside: avoid; }
.pair > div { flex: 1; min-width: 0; }
.pair > div.wide { flex: 1.25; }
.block { break-inside: avoid; }
svg { max-width: 100%; height: auto; display: block; }
table.fig { border-collapse: collapse; width: 100%; font-size: 8pt; }
table.fig th, table.fig td { padding: 1.5pt 4pt; border-bottom: 0.5pt solid #e3e3e3; text-align: right; }
table.fig th:first-child, table.fig td:first-child { text-align: left; }
table.fig td, table.fig th { white-space: nowrap; }
table.fig th { color: #555; font-weight: normal; border-bottom: 0.75pt solid #999; }
ol.records { padding-left: 14pt; margin: 2pt 0; }
ol.records li { margin-bottom: 5pt; break-inside: avoid; }
.what { font-weight: bold; }
.quiet { color: #555; }
ol.notes, ul.notes { padding-left: 14pt; margin: 2pt 0; font-size: 8pt; }
.link { font-size: 7.5pt; word-break: break-all; color: #1f4e79; }
sup { font-size: 6.5pt; }
"""


def _e(text) -> str:
    return escape(str(text), quote=True)


def _source(text: str) -> str:
    """A source as text, linked only when it is a plain web address."""
    if text.startswith(("https://", "http://")) and " " not in text:
        return f'<a href="{_e(text)}">{_e(text)}</a>'
    return _e(text)


def _figure_table(rows: tuple[Figure, ...] | list[Figure], b: Briefing, first: str) -> str:
    head = f"<tr><th>{_e(first)}</th><th>period</th><th>before</th><th>change</th></tr>"
    body = "".join(
        f"<tr><td>{_e(f.label)}</td><td>{f.now:,}</td><td>{f.before:,}</td><td>{_e(f.change_text())}</td></tr>"
        for f in rows
    )
    return f'<table class="fig">{head}{body or "<tr><td colspan=4>No records</td></tr>"}</table>'


def _cards(b: Briefing) -> str:
    out = []
    for f in b.key:
        out.append(
            f'<div class="card"><div class="label">{_e(f.label)}</div><div class="now">{f.now:,}</div>'
            f'<div class="cmp">before: {f.before:,} · change: {_e(f.change_text())}</div></div>'
        )
    return f'<div class="cards">{"".join(out)}</div>'


def _breakdown(b: Briefing, part: Breakdown, stacked: bool = False) -> str:
    if stacked:
        table = _figure_table(part.rows, b, part.title.removeprefix("By "))
        return f'<div class="block"><h2>{_e(part.title)}</h2>{table}{charts.breakdown_svg(b, part, width=340)}</div>'
    return (
        f'<div class="block"><h3>{_e(part.title)}</h3><div class="pair"><div class="wide">'
        f"{_figure_table(part.rows, b, part.title.removeprefix('By '))}</div><div>"
        f"{charts.breakdown_svg(b, part, width=330)}</div></div></div>"
    )


def _records(b: Briefing) -> str:
    if not b.serious:
        return "<p>No records in the period.</p>"
    items = []
    for r in b.serious:
        marks = "".join(f"<sup>[{n}]</sup>" for n in b.footnote_numbers(r))
        people = "people not counted" if r.people_affected is None else f"{r.people_affected:,} affected"
        response = (
            f' <span class="quiet">Official response: {_e(r.official_response)}</span>' if r.official_response else ""
        )
        items.append(
            f'<li><span class="what">{_e(r.date)} · {_e(r.place or "place not given")} · {_e(r.force_level)}</span> '
            f'<span class="quiet">({_e(r.encounter_type)}; {_e(r.agencies)}; {_e(people)}; {_e(r.verification)}; '
            f"date to the {_e(r.date_precision)}, location to the {_e(r.location_precision)}; {_e(r.encounter_id)})</span>"
            f"<br>{_e(r.summary)}{response}{marks}</li>"
        )
    return f'<ol class="records">{"".join(items)}</ol>'


def to_html(b: Briefing, area_shape=None, context=(), base_url: str = "", generated: date | None = None) -> str:
    """The whole briefing as one HTML page that prints to letter size with no network."""
    generated = generated or date.today()
    title = f"Briefing: {b.area.label}, {b.period.label()}"
    running = f'<div class="running">{_e(title)} · {_e(b.dataset_title)}, data as of {_e(b.as_of)}</div>'
    header = (f'<div class="demo">{_e(DEMO_LINE)}</div>' if b.demonstration else "") + running
    link = permalink(b, base_url)
    body = [
        f"<h1>Briefing: {_e(b.area.label)}</h1>",
        f'<p class="sub">{_e(b.area.describe())} · {_e(b.period.label())}, compared with {_e(b.compare.label())} '
        "(the period before)</p>",
        f'<p class="meta">Data: {_e(b.dataset_title)}, version {b.version}, data as of {_e(b.as_of)}; '
        f"license: {_e(b.license)}<sup>[1]</sup>. Filters in force: {_e(filters_text(b))}. "
        f"Prepared {generated.isoformat()}.</p>",
        _cards(b),
        f'<div class="block"><h2>Key figures</h2><p class="meta">Period: {_e(b.period.label())}; before: '
        f"{_e(b.compare.label())}.</p>{_figure_table(b.key, b, '')}</div>",
        f'<div class="block"><h2>Over time</h2>{charts.timeline_svg(b, width=700, height=200)}</div>',
        '<div class="pair"><div><h2>Map of the area</h2>'
        f"{charts.map_svg(b, area_shape, context, width=340, height=270)}</div>"
        f"<div>{_breakdown(b, b.breakdowns[-1], stacked=True)}</div></div>",
        "<h2>Breakdowns</h2>",
        *(_breakdown(b, part) for part in b.breakdowns[:-1]),
        "<h2>Most serious records in the period</h2>",
        '<p class="meta">Highest force level first, then newest. Record text is quoted as published.</p>',
        _records(b),
        '<div class="block"><h2>How to read these figures</h2>',
        f'<ul class="notes">{"".join(f"<li>{_e(n)}</li>" for n in b.notes)}</ul></div>',
        "<h2>Sources</h2>",
        f'<ol class="notes">{"".join(f"<li>{_source(s)}</li>" for s in b.footnotes())}</ol>',
        f'<p class="meta">Link to this briefing{"" if base_url else " (after the dashboard address)"}:</p>'
        f'<p class="link">{_e(link)}</p>',
    ]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<style>{CSS}</style></head><body><table class="page"><thead><tr><td>{header}</td></tr></thead>'
        f"<tbody><tr><td>{''.join(body)}</td></tr></tbody></table></body></html>"
    )
