"""The briefing's charts as self-contained SVG text: no script, font file or network needed to draw them.

Every text from data is escaped. Charts carry their numbers as labels, so a printed page can be read.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from html import escape

import shapely
from babel.dates import format_date

from dashboard.briefing.compute import Breakdown, Briefing
from dashboard.briefing.text import figure_label
from dashboard.explore.coverage import FULL, Coverage
from dashboard.explore.summaries import tr
from dashboard.i18n import LOCALES, month, num, t
from dashboard.schema import load_schema

NOW, BEFORE = "#1f4e79", "#a9bfd6"
INK, MUTED, GRID = "#222222", "#666666", "#e3e3e3"
DEMO_RED = "#b00020"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
CHAR = 0.58  # average glyph width as a share of the font size, for fitting labels


def _e(text) -> str:
    return escape(str(text), quote=True)


def _fit(text: str, width: float, size: float) -> str:
    room = max(int(width / (size * CHAR)), 4)
    return text if len(text) <= room else text[: room - 1] + "…"


def _text(x, y, text, size=11, anchor="start", fill=INK, weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}">{_e(text)}</text>'
    )


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>{"".join(body)}</svg>'
    )


def _heading(b: Briefing, title: str, width: int) -> tuple[list[str], int]:
    """Title lines for a chart saved on its own (PNG): what, where, when, and the demonstration label."""
    out, y, lang = [], 20, b.lang
    if b.demonstration:
        demo = t("DEMONSTRATION DATA: fictional records, not real events", lang)
        out.append(_text(12, y, demo, 12, fill=DEMO_RED, weight="bold"))
        y += 18
    out.append(_text(12, y, _fit(title, width - 24, 14), 14, weight="bold"))
    lines = (
        t(
            "{area} · {period}, compared with {compare}",
            lang,
            area=b.area.describe(lang),
            period=b.period.label(lang),
            compare=b.compare.label(lang),
        ),
        t("Data: {title}, version {version}, as of {as_of} · license: {license}", lang, **b.data_values()),
    )
    if b.compilation:
        lines += (t("Counts of reported encounters, not of all encounters (see the dashboard's Methodology).", lang),)
    for line in lines:
        y += 14
        out.append(_text(12, y, _fit(line, width - 24, 10), 10, fill=MUTED))
    return out, y + 10


def _legend(x: float, y: float, b: Briefing, short: bool = False) -> list[str]:
    lang = b.lang
    if short:
        labels = (t("this period", lang), t("period before", lang))
    else:
        labels = (b.period.label(lang), t("before: {period}", lang, period=b.compare.label(lang)))
    out = []
    first = max(110 if short else 210, 24 + len(labels[0]) * 10 * CHAR)  # room for the first label
    for i, (color, label) in enumerate(zip((NOW, BEFORE), labels, strict=True)):
        xi = x + i * first
        out.append(f'<rect x="{xi}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        out.append(_text(xi + 14, y, label, 10, fill=MUTED))
    return out


def _label_lines(text: str, width: float) -> tuple[list[str], int]:
    """A row label as it fits, and its font size: one line at 10 px, else one or two lines at 9 px
    (the second cut short if need be)."""
    if len(text) <= max(int(width / (10 * CHAR)), 4):
        return [text], 10
    lines = _wrap(text, width, 9)
    if len(lines) > 2:
        lines = [lines[0], _fit(" ".join(lines[1:]), width, 9)]
    return lines, 9


def _nice_max(value: int) -> int:
    """A top for the y axis that divides into four whole, round steps."""
    quarter = max(value, 1) / 4
    magnitude = 10 ** max(math.floor(math.log10(quarter)), 0) if quarter >= 1 else 1
    return 4 * math.ceil(quarter / magnitude) * magnitude


UNCOVERED = "#e4e4e4"  # bins outside the dataset's coverage

CHART_TITLES = {
    "week": tr("Encounters per week, {area}"),
    "month": tr("Encounters per month, {area}"),
    "map": tr("Where, {area} ({period})"),
    "targeted_groups": tr("Encounters by targeted group, {area}"),
    "agencies": tr("Encounters by agency, {area}"),
    "encounter_type": tr("Encounters by encounter type, {area}"),
    "place_type": tr("Encounters by place type, {area}"),
    "verification": tr("Encounters by verification level, {area}"),
}


def chart_title(kind: str, b: Briefing) -> str:
    lang, area = b.lang, b.area.label
    if kind == "timeline":
        return t(CHART_TITLES.get(b.timeline_unit, CHART_TITLES["month"]), lang, area=area)
    if kind == "map":
        return t(CHART_TITLES["map"], lang, area=area, period=b.period.label(lang))
    if kind in CHART_TITLES:
        return t(CHART_TITLES[kind], lang, area=area)
    return next(f"Encounters {x.title[0].lower()}{x.title[1:]}, {area}" for x in b.breakdowns if x.column == kind)


def timeline_svg(b: Briefing, width: int = 700, height: int = 250, heading: bool = False) -> str:
    body, top = _heading(b, chart_title("timeline", b), width) if heading else ([], 0)
    body += _legend(50, top + 16, b)
    x0, x1, y0, y1 = 44, width - 10, top + 30, height - 26
    bins = b.timeline
    peak = _nice_max(max((n + m for _, n, m in bins), default=0))
    for k in range(5):
        v = peak * k / 4
        y = y1 - (y1 - y0) * k / 4
        body.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(x0 - 6, y + 4, f"{v:,.0f}" if v == int(v) else f"{v:,.1f}", 10, "end", MUTED))
    if not bins:
        empty = t("No dated records in these periods", b.lang)
        body.append(_text((x0 + x1) / 2, (y0 + y1) / 2, empty, 12, "middle", MUTED))
        return _svg(width, height, body, chart_title("timeline", b))
    slot = (x1 - x0) / len(bins)
    bar = max(min(slot * 0.75, 40), 1)
    body += _uncovered(b, bins, x0, slot, y0, y1)
    every = max(1, math.ceil(len(bins) * 62 / (x1 - x0)))
    for i, (start, now, before) in enumerate(bins):
        cx = x0 + slot * (i + 0.5)
        y = y1
        for count, color in ((before, BEFORE), (now, NOW)):
            h = (y1 - y0) * count / peak
            if count:
                body.append(
                    f'<rect x="{cx - bar / 2:.1f}" y="{y - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                )
                body.append(f"<title>{_e(start)}: {count:,}</title></rect>")
            y -= h
        if (now or before) and slot >= 18:
            body.append(_text(cx, y - 3, f"{now + before:,}", 9, "middle", INK))
        if i % every == 0:
            d = date.fromisoformat(start)
            if b.lang == "en":
                label = d.strftime("%b %Y") if b.timeline_unit == "month" else d.strftime("%d %b")
            elif b.timeline_unit == "month":
                label = month(d, b.lang, short=True)
            else:
                label = format_date(d, "d MMM", locale=LOCALES[b.lang])
            body.append(_text(cx, y1 + 14, label, 9, "middle", MUTED))
    body.append(f'<line x1="{x0}" x2="{x1}" y1="{y1}" y2="{y1}" stroke="{MUTED}"/>')
    return _svg(width, height, body, chart_title("timeline", b))


def _uncovered(b: Briefing, bins, x0: float, slot: float, y0: float, y1: float) -> list[str]:
    """Grey over the bins the dataset does not wholly cover, labelled ("no data before 2025-01-20"):
    an empty bar there means nobody looked, not that nothing happened."""
    cover = Coverage(*(date.fromisoformat(d) if d else None for d in b.coverage))
    starts = [date.fromisoformat(s) for s, _, _ in bins]
    step = timedelta(days=7) if b.timeline_unit == "week" else timedelta(days=31)
    ends = [nxt - timedelta(days=1) for nxt in starts[1:]] + [starts[-1] + step - timedelta(days=1)]
    out, label = [], None
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if cover.of(start, end) == FULL:
            continue
        x = x0 + slot * i
        out.append(f'<rect x="{x:.1f}" y="{y0}" width="{slot:.1f}" height="{y1 - y0}" fill="{UNCOVERED}"/>')
        label = label or _text(x + 3, y0 + 10, cover.gap(start, end, b.lang), 9, "start", MUTED)
    return out + ([label] if label else [])


def breakdown_svg(b: Briefing, part: Breakdown, width: int = 420, rows: int = 12, heading: bool = False) -> str:
    body, top = _heading(b, chart_title(part.column, b), width) if heading else ([], 0)
    body += _legend(12, top + 14, b, short=True)
    shown = part.rows[:rows]
    label_w, row_h, y0 = min(170, width * 0.4), 24, top + 26
    height = y0 + max(len(shown), 1) * row_h + (16 if len(part.rows) > rows else 6)
    x0, x1 = 12 + label_w, width - 44
    peak = max((max(f.now, f.before) for f in shown), default=0) or 1
    if not shown:
        body.append(_text(width / 2, y0 + 16, t("No records in these periods", b.lang), 12, "middle", MUTED))
    for i, f in enumerate(shown):
        y = y0 + i * row_h
        lines, size = _label_lines(figure_label(f, b.lang), label_w - 6)
        if len(lines) == 1:
            body.append(_text(12, y + 15, lines[0], size))
        else:  # a long label on two smaller lines rather than cut short
            body += [_text(12, y + 10, lines[0], size), _text(12, y + 20, lines[1], size)]
        for j, (count, color) in enumerate(((f.now, NOW), (f.before, BEFORE))):
            w = (x1 - x0) * count / peak
            yy = y + 3 + j * 10
            body.append(f'<rect x="{x0}" y="{yy}" width="{max(w, 0.5):.1f}" height="9" fill="{color}"/>')
            body.append(_text(x0 + w + 4, yy + 8, f"{count:,}", 9, fill=INK if j == 0 else MUTED))
    if len(part.rows) > rows:
        more = t("and {n} more (see the table)", b.lang, n=num(len(part.rows) - rows, b.lang))
        body.append(_text(12, height - 4, more, 9, fill=MUTED))
    return _svg(width, height, body, chart_title(part.column, b))


# --------------------------------------------------------------------------- map


def _project(lon0: float, lat0: float, scale: float, ox: float, oy: float, coslat: float):
    return lambda lon, lat: (ox + (lon - lon0) * coslat * scale, oy - (lat - lat0) * scale)


def _path(geom, proj, tolerance: float) -> str:
    geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    parts = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            pts = [proj(x, y) for x, y in ring.coords]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def _unwrap(geom):
    """Alaska's islands cross the antimeridian: move eastern longitudes west so the shape stays whole."""
    minx, _, maxx, _ = geom.bounds
    if maxx - minx > 180:
        return shapely.transform(geom, lambda c: c - [[360, 0]] * (c[:, :1] > 0))
    return geom


def _wrap(text: str, width: float, size: float) -> list[str]:
    room, lines, line = max(int(width / (size * CHAR)), 8), [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > room:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _cluster(points: list[tuple[float, float, int]], distance: float) -> list[tuple[float, float, int]]:
    """Merge rings closer than `distance` pixels (biggest first), so counts stay readable."""
    out: list[list[float]] = []
    for x, y, n in sorted(points, key=lambda p: -p[2]):
        near = next((c for c in out if math.hypot(c[0] - x, c[1] - y) < distance), None)
        if near:
            near[2] += n
        else:
            out.append([x, y, n])
    return [(x, y, int(n)) for x, y, n in out]


def map_svg(b: Briefing, area_shape, context=(), width: int = 420, height: int = 340, heading: bool = False) -> str:
    body, top = _heading(b, chart_title("map", b), width) if heading else ([], 0)
    weapon = load_schema().taxonomies["force_types"].rank("weapon displayed")
    colors = {tr("weapon or worse"): "#c0392b", tr("lesser force"): "#e67e22", tr("none or not recorded"): "#8c8c8c"}
    shapes = [_unwrap(area_shape)] if area_shape is not None else []
    points = [(x - 360 if x > 0 else x, y, p, r, n) for x, y, p, r, n in b.points]
    if shapes:
        minx, miny, maxx, maxy = shapes[0].bounds
    elif points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        minx, miny, maxx, maxy = min(xs), min(ys), max(xs), max(ys)
    else:
        empty = t("No outline or located records to draw", b.lang)
        body.append(_text(width / 2, (top + height) / 2, empty, 12, "middle", MUTED))
        return _svg(width, height, body, chart_title("map", b))
    pad = max(maxx - minx, maxy - miny, 0.01) * 0.06
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    coslat = math.cos(math.radians((miny + maxy) / 2))
    y_top, y_bottom = top + 8, height - 62
    scale = min((width - 20) / ((maxx - minx) * coslat), (y_bottom - y_top) / (maxy - miny))
    ox = (width - (maxx - minx) * coslat * scale) / 2
    oy = y_top + ((y_bottom - y_top) + (maxy - miny) * scale) / 2
    proj = _project(minx, miny, scale, ox, oy, coslat)
    tol = (maxx - minx) / 600
    body.append(
        f'<clipPath id="frame"><rect x="0" y="{y_top}" width="{width}" height="{y_bottom - y_top}"/></clipPath>'
    )
    body.append('<g clip-path="url(#frame)">')
    for g in context:
        body.append(f'<path d="{_path(_unwrap(g), proj, tol)}" fill="#f7f7f7" stroke="#c4c4c4" stroke-width="0.6"/>')
    for g in shapes:
        body.append(
            f'<path d="{_path(g, proj, tol)}" fill="#d6e4f2" stroke="{NOW}" stroke-width="1.6" fill-rule="evenodd"/>'
        )
    cities: dict[tuple[float, float], int] = {}
    dots = []
    for x, y, prec, rank, n in points:
        if prec == "city":
            cities[(x, y)] = cities.get((x, y), 0) + n
            continue
        bucket = "weapon or worse" if rank >= weapon else "lesser force" if rank > 0 else "none or not recorded"
        px, py = proj(x, y)
        dots.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="{colors[bucket]}" fill-opacity="0.85" '
            'stroke="#fff" stroke-width="0.5"/>'
        )
    labels = []
    for px, py, n in _cluster([(*proj(x, y), n) for (x, y), n in cities.items()], 16):
        r = min(6 + 2.5 * math.sqrt(n), 26)  # city-level records: one ring per city (or close cities), under the dots
        body.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="#555" fill-opacity="0.08" stroke="{INK}" '
            'stroke-width="1" stroke-dasharray="3,2"/>'
        )
        labels.append(
            f'<text x="{px + r * 0.75:.1f}" y="{py - r * 0.75:.1f}" font-size="9" font-weight="bold" fill="{INK}" '
            f'stroke="#fff" stroke-width="2.5" paint-order="stroke">{n:,}</text>'
        )
    body += dots + labels
    body.append("</g>")
    n_city, lang = sum(cities.values()), b.lang
    foot = (
        t(
            "Dashed rings: {n} records located only to a city (count beside each ring).",
            lang,
            n=num(n_city, lang),
        )
        if n_city
        else ""
    )
    if b.not_mapped:
        foot += " " + t("{n} records are located too coarsely to draw.", lang, n=num(b.not_mapped, lang))
    foot_lines = _wrap(foot.strip() or t("Each dot is one record at its exact or block location.", lang), width - 24, 9)
    rows: list[list[tuple[float, str, str]]] = [[]]
    x = 12.0
    for key, color in colors.items():  # legend items, wrapped onto a new row when the map is narrow
        label = t(key, lang)
        room = 30 + len(label) * 9 * CHAR
        if rows[-1] and x + room > width - 12:
            rows.append([])
            x = 12.0
        rows[-1].append((x, label, color))
        x += room
    y = height - 8 - 12 * (len(foot_lines) + len(rows) - 1) - 4
    for row in rows:
        for x, label, color in row:
            body.append(f'<circle cx="{x + 4:.1f}" cy="{y - 3:.1f}" r="4" fill="{color}"/>')
            body.append(_text(x + 12, y, label, 9, fill=MUTED))
        y += 12
    for line in foot_lines:
        body.append(_text(12, y + 4, line, 9, fill=MUTED))
        y += 12
    return _svg(width, height, body, chart_title("map", b))
