"""The briefing as plain text, ready to paste into a memo, and the permalink that reopens it.

Everything is written in the briefing's language (`Briefing.lang`); numbers come from compute.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dashboard.briefing.compute import KEY_LABELS, Briefing, Figure
from dashboard.explore.summaries import tr
from dashboard.i18n import num, t, term

DEMO_LINE = tr("DEMONSTRATION DATA: every record in this briefing is fictional; none describes a real event.")
WIDTH = 34  # label column


def demo_line(lang: str = "en") -> str:
    return t(DEMO_LINE, lang)


def terms(value: str, lang: str = "en") -> str:
    """Taxonomy values ("ICE ERO; Border Patrol") with each value's label in the language."""
    if lang == "en" or not value:
        return value
    return "; ".join(term(v.strip(), lang) for v in str(value).split(";"))


def figure_label(f: Figure, lang: str = "en") -> str:
    """A row's label for a reader: a key figure's name, or a taxonomy value's label."""
    return t(f.label, lang) if f.label in dict(KEY_LABELS) else term(f.label, lang)


def permalink(b: Briefing, base_url: str = "") -> str:
    """An address that reopens this briefing (relative to the app when no base address is known)."""
    base = (base_url or "").split("?")[0].rstrip("/")
    if base and not base.endswith("/briefing"):
        base += "/briefing"
    return f"{base or './briefing'}?{urlencode(b.query, doseq=True)}"


def file_stem(b: Briefing) -> str:
    """A safe file name for the briefing's exports: briefing-demo-Chicago-Ward-42-2026-01-01-2026-06-30."""
    raw = f"briefing-{b.dataset}-{b.area.id}-{b.period.start}-{b.period.end}".replace(" ", "-")
    return "".join(c for c in raw if c.isalnum() or c in "-_.")[:120]


RECORD_COLUMNS = (  # column headers of record_rows() in English; t() gives the reader's
    tr("date"),
    tr("place"),
    tr("force level"),
    tr("type"),
    tr("agencies"),
    tr("verification"),
    tr("summary"),
    tr("official response"),
    tr("sources"),
    "id",
)


def record_rows(b: Briefing) -> list[dict[str, str]]:
    """The most serious records as table rows, with their footnote numbers in place of the sources."""
    lang = b.lang
    heads = {k: k if k == "id" else t(k, lang) for k in RECORD_COLUMNS}
    return [
        {
            heads["date"]: r.date,
            heads["place"]: r.place,
            heads["force level"]: term(r.force_level, lang),
            heads["type"]: terms(r.encounter_type, lang),
            heads["agencies"]: terms(r.agencies, lang),
            heads["verification"]: terms(r.verification, lang),
            heads["summary"]: r.summary,
            heads["official response"]: r.official_response,
            heads["sources"]: " ".join(f"[{n}]" for n in b.footnote_numbers(r)),
            heads["id"]: r.encounter_id,
        }
        for r in b.serious
    ]


COMPILED = tr(
    "Every count here is of encounters that published reports described, not of all encounters: coverage "
    "follows where reporters and cameras were (see the dashboard's Methodology)."
)
SENSITIVE_HEADS = (tr("date"), tr("place"), tr("place type"), tr("encounter type"), tr("verification"), tr("id"))


def sensitive_rows(b: Briefing) -> list[dict[str, str]]:
    """The encounters at sensitive places as table rows (no names: place, kind and certainty only)."""
    lang = b.lang
    return [
        dict(
            zip(
                (t(h, lang) for h in SENSITIVE_HEADS),
                (
                    r.date,
                    r.place or t("place not given", lang),
                    term(r.place_type, lang),
                    term(r.encounter_type, lang),
                    term(r.verification, lang),
                    r.encounter_id,
                ),
                strict=True,
            )
        )
        for r in b.sensitive
    ]


def sensitive_more(b: Briefing) -> str:
    more = b.sensitive_total - len(b.sensitive)
    return (
        t("…and {n} more; the Explore page lists them all (filter: place type).", b.lang, n=num(more, b.lang))
        if more > 0
        else ""
    )


def figure_row(f: Figure, width: int = WIDTH, lang: str = "en") -> str:
    name = figure_label(f, lang)
    label = name if len(name) <= width else name[: width - 1] + "…"
    return f"{label:<{width}} {f.now:>10,} {f.before_text(lang):>10}   {f.change_text(lang)}"


def header_row(width: int = WIDTH, title: str = "", lang: str = "en") -> str:
    return f"{title:<{width}} {t('period', lang):>10} {t('before', lang):>10}   {t('change', lang)}"


def _people(n: int | None, lang: str = "en") -> str:
    if n is None:
        return t("people not counted", lang)
    return t(tr("{n} person") if n == 1 else tr("{n} people"), lang, n=num(n, lang))


def filters_text(b: Briefing) -> str:
    return "; ".join(b.filters) if b.filters else t("none besides the area and the dates", b.lang)


def record_line(b: Briefing, n: int, r) -> str:
    """One of the most serious records in a sentence: what, where, how sure, and its footnotes."""
    lang = b.lang
    text = t(
        "{n}. {date} ({date_precision} precision), {place} ({location_precision}): {force}; {type}; {agencies}; "
        "{people}; {verification}. {summary}",
        lang,
        n=n,
        date=r.date,
        date_precision=term(r.date_precision, lang),
        place=r.place or t("place not given", lang),
        location_precision=term(r.location_precision, lang),
        force=term(r.force_level, lang),
        type=terms(r.encounter_type, lang),
        agencies=terms(r.agencies, lang),
        people=_people(r.people_affected, lang),
        verification=terms(r.verification, lang),
        summary=r.summary,
    )
    if r.official_response:
        text += " " + t("Official response: {response}", lang, response=r.official_response)
    notes = "".join(f"[{k}]" for k in b.footnote_numbers(r))
    return f"{text} {notes} ({r.encounter_id})"


def to_text(b: Briefing, base_url: str = "") -> str:
    lang = b.lang
    demo = demo_line(lang)
    lines = [demo, ""] if b.demonstration else []
    lines += [
        t("BRIEFING: {area}", lang, area=b.area.describe(lang)),
        t(
            "Period: {period} ({days} days), compared with {compare} ({compare_days} days)",
            lang,
            period=b.period.label(lang),
            days=num(b.period.days, lang),
            compare=b.compare.label(lang),
            compare_days=num(b.compare.days, lang),
        ),
        t("Data: {title}, version {version}, data as of {as_of}; license: {license} [1]", lang, **b.data_values()),
        t("Filters in force: {filters}", lang, filters=filters_text(b)),
        *(f"! {note}" for note in b.coverage_notes),
        *([t(COMPILED, lang)] if b.compilation else []),
        "",
        header_row(title=t("KEY FIGURES", lang), lang=lang),
        *(figure_row(f, lang=lang) for f in b.key),
    ]
    for part in b.breakdowns:
        lines += ["", header_row(title=t(part.title, lang).upper(), lang=lang)]
        lines += [figure_row(f, lang=lang) for f in part.rows] or [t("(no records)", lang)]
    lines += ["", t("ENCOUNTERS AT SENSITIVE PLACES IN THE PERIOD (newest first)", lang)]
    lines += [" | ".join(row.values()) for row in sensitive_rows(b)] or [t("(no records)", lang)]
    lines += [more] if (more := sensitive_more(b)) else []
    lines += ["", t("MOST SERIOUS RECORDS IN THE PERIOD (highest force level, then newest)", lang)]
    if not b.serious:
        lines.append(t("(no records)", lang))
    for n, r in enumerate(b.serious, start=1):
        lines.append(record_line(b, n, r))
    lines += ["", t("HOW TO READ THESE FIGURES", lang), *(f"- {n}" for n in b.notes)]
    lines += ["", t("SOURCES", lang), *(f"[{n}] {s}" for n, s in enumerate(b.footnotes(), start=1))]
    lines += ["", t("Link to this briefing: {link}", lang, link=permalink(b, base_url))]
    if b.demonstration:
        lines += ["", demo]
    return "\n".join(lines) + "\n"
