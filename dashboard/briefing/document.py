"""The briefing as one self-contained HTML document (inline SVG charts, system fonts), printed to a letter PDF.

Every text from data goes through html.escape; nothing from a record is ever read as markup.
"""

from __future__ import annotations

from datetime import date
from html import escape

from dashboard.briefing import charts
from dashboard.briefing.compute import Breakdown, Briefing, Figure
from dashboard.briefing.text import (
    COMPILED,
    demo_line,
    figure_label,
    filters_text,
    permalink,
    sensitive_more,
    sensitive_rows,
    terms,
)
from dashboard.explore.summaries import tr
from dashboard.i18n import day, num, t, term

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
.warn { color: #7a3b00; background: #fff4e5; border-left: 3px solid #c4561d; padding: 3pt 6pt; font-size: 8.5pt; }
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
table.fig td:first-child { white-space: normal; }  /* a long label wraps rather than push the numbers out */
table.fig:not(.sensitive) td:last-child { white-space: normal; width: 22%; }  /* "+3 (partly covered)" wraps before a label does */
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


def _t(text: str, lang: str, **html_values) -> str:
    """A catalog sentence as HTML: the sentence is escaped, the values (already HTML) are put in as they are."""
    return _e(t(text, lang)).format(**html_values)


BREAKDOWN_HEADS = {  # first column of a breakdown table
    "targeted_groups": tr("targeted group"),
    "agencies": tr("agency"),
    "encounter_type": tr("encounter type"),
    "place_type": tr("place type"),
    "verification": tr("verification level"),
}


def _figure_table(rows: tuple[Figure, ...] | list[Figure], b: Briefing, first: str) -> str:
    lang = b.lang
    head = f"<tr><th>{_e(first)}</th><th>{_t(tr('period'), lang)}</th><th>{_t(tr('before'), lang)}</th><th>{_t(tr('change'), lang)}</th></tr>"
    body = "".join(
        f"<tr><td>{_e(figure_label(f, lang))}</td><td>{f.now:,}</td><td>{_e(f.before_text(lang))}</td>"
        f"<td>{_e(f.change_text(lang))}</td></tr>"
        for f in rows
    )
    empty = f"<tr><td colspan=4>{_t(tr('No records'), lang)}</td></tr>"
    return f'<table class="fig">{head}{body or empty}</table>'


def _cards(b: Briefing) -> str:
    out, lang = [], b.lang
    for f in b.key:
        compared = _t(
            tr("before: {before} · change: {change}"),
            lang,
            before=_e(f.before_text(lang)),
            change=_e(f.change_text(lang)),
        )
        out.append(
            f'<div class="card"><div class="label">{_e(figure_label(f, lang))}</div><div class="now">{f.now:,}</div>'
            f'<div class="cmp">{compared}</div></div>'
        )
    return f'<div class="cards">{"".join(out)}</div>'


def _breakdown(b: Briefing, part: Breakdown, stacked: bool = False) -> str:
    title = t(part.title, b.lang)
    first = t(BREAKDOWN_HEADS.get(part.column, part.title.removeprefix("By ")), b.lang)
    if stacked:
        table = _figure_table(part.rows, b, first)
        return f'<div class="block"><h2>{_e(title)}</h2>{table}{charts.breakdown_svg(b, part, width=340)}</div>'
    return (
        f'<div class="block"><h3>{_e(title)}</h3><div class="pair"><div class="wide">'
        f"{_figure_table(part.rows, b, first)}</div><div>"
        f"{charts.breakdown_svg(b, part, width=330)}</div></div></div>"
    )


def _records(b: Briefing) -> str:
    lang = b.lang
    if not b.serious:
        return f"<p>{_t(tr('No records in the period.'), lang)}</p>"
    items = []
    for r in b.serious:
        marks = "".join(f"<sup>[{n}]</sup>" for n in b.footnote_numbers(r))
        if r.people_affected is None:
            people = t("people not counted", lang)
        else:
            people = t("{n} affected", lang, n=num(r.people_affected, lang))
        response = (
            f' <span class="quiet">{_t(tr("Official response: {response}"), lang, response=_e(r.official_response))}</span>'
            if r.official_response
            else ""
        )
        what = " · ".join(_e(v) for v in (r.date, r.place or t("place not given", lang), term(r.force_level, lang)))
        precision = _t(
            tr("date to the {date_precision}, location to the {location_precision}"),
            lang,
            date_precision=_e(term(r.date_precision, lang)),
            location_precision=_e(term(r.location_precision, lang)),
        )
        facts = "; ".join(
            _e(v)
            for v in (
                terms(r.encounter_type, lang),
                terms(r.agencies, lang),
                people,
                terms(r.verification, lang),
            )
        )
        items.append(
            f'<li><span class="what">{what}</span> '
            f'<span class="quiet">({facts}; {precision}; {_e(r.encounter_id)})</span>'
            f"<br>{_e(r.summary)}{response}{marks}</li>"
        )
    return f'<ol class="records">{"".join(items)}</ol>'


def _sensitive(b: Briefing) -> str:
    lang = b.lang
    rows = sensitive_rows(b)
    if not rows:
        return f"<p>{_t(tr('No encounters at sensitive places in the period.'), lang)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row.values()) + "</tr>" for row in rows)
    more = f'<p class="meta">{_e(sensitive_more(b))}</p>' if sensitive_more(b) else ""
    return f'<table class="fig sensitive"><tr>{head}</tr>{body}</table>{more}'


def to_html(b: Briefing, area_shape=None, context=(), base_url: str = "", generated: date | None = None) -> str:
    """The whole briefing as one HTML page that prints to letter size with no network."""
    generated = generated or date.today()
    lang = b.lang
    period, compare = b.period.label(lang), b.compare.label(lang)
    dataset_title = t(b.dataset_title, lang)
    title = t("Briefing: {area}, {period}", lang, area=b.area.label, period=period)
    running = _t(
        tr("{title} · {dataset}, data as of {as_of}"),
        lang,
        title=_e(title),
        dataset=_e(dataset_title),
        as_of=_e(b.as_of_label()),
    )
    running = f'<div class="running">{running}</div>'
    header = (f'<div class="demo">{_e(demo_line(lang))}</div>' if b.demonstration else "") + running
    link = permalink(b, base_url)
    prepared = generated.isoformat() if lang == "en" else day(generated, lang, "long")
    body = [
        f"<h1>{_t(tr('Briefing: {area}'), lang, area=_e(b.area.label))}</h1>",
        '<p class="sub">'
        + _t(
            tr("{area} · {period}, compared with {compare} (the period before)"),
            lang,
            area=_e(b.area.describe(lang)),
            period=_e(period),
            compare=_e(compare),
        )
        + "</p>",
        '<p class="meta">'
        + _t(
            tr(
                "Data: {title}, version {version}, data as of {as_of}; license: {license}{note}. "
                "Filters in force: {filters}. Prepared {date}."
            ),
            lang,
            title=_e(dataset_title),
            version=b.version,
            as_of=_e(b.as_of_label()),
            license=_e(b.license),
            note="<sup>[1]</sup>",
            filters=_e(filters_text(b)),
            date=_e(prepared),
        )
        + "</p>",
        *(f'<p class="warn">{_e(note)}</p>' for note in b.coverage_notes),
        *([f'<p class="meta">{_t(COMPILED, lang)}</p>'] if b.compilation else []),
        _cards(b),
        f'<div class="block"><h2>{_t(tr("Key figures"), lang)}</h2><p class="meta">'
        + _t(tr("Period: {period}; before: {compare}."), lang, period=_e(period), compare=_e(compare))
        + f"</p>{_figure_table(b.key, b, '')}</div>",
        f'<div class="block"><h2>{_t(tr("Over time"), lang)}</h2>{charts.timeline_svg(b, width=700, height=200)}</div>',
        f'<div class="pair"><div><h2>{_t(tr("Map of the area"), lang)}</h2>'
        f"{charts.map_svg(b, area_shape, context, width=340, height=270)}</div>"
        f"<div>{_breakdown(b, b.breakdowns[-1], stacked=True)}</div></div>",
        f"<h2>{_t(tr('Breakdowns'), lang)}</h2>",
        *(_breakdown(b, part) for part in b.breakdowns[:-1]),
        f'<div class="block"><h2>{_t(tr("Encounters at sensitive places"), lang)}</h2><p class="meta">'
        + _t(tr("Schools, childcare, places of worship, health care and social services, newest first."), lang)
        + f"</p>{_sensitive(b)}</div>",
        f"<h2>{_t(tr('Most serious records in the period'), lang)}</h2>",
        f'<p class="meta">{_t(tr("Highest force level first, then newest. Record text is quoted as published."), lang)}</p>',
        _records(b),
        f'<div class="block"><h2>{_t(tr("How to read these figures"), lang)}</h2>',
        f'<ul class="notes">{"".join(f"<li>{_e(n)}</li>" for n in b.notes)}</ul></div>',
        f"<h2>{_t(tr('Sources'), lang)}</h2>",
        f'<ol class="notes">{"".join(f"<li>{_source(s)}</li>" for s in b.footnotes())}</ol>',
        '<p class="meta">'
        + (
            _t(tr("Link to this briefing:"), lang)
            if base_url
            else _t(tr("Link to this briefing (after the dashboard address):"), lang)
        )
        + f'</p><p class="link">{_e(link)}</p>',
    ]
    return (
        f'<!doctype html><html lang="{_e(lang)}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<style>{CSS}</style></head><body><table class="page"><thead><tr><td>{header}</td></tr></thead>'
        f"<tbody><tr><td>{''.join(body)}</td></tr></tbody></table></body></html>"
    )
