"""The briefing as plain text, ready to paste into a memo, and the permalink that reopens it."""

from __future__ import annotations

from urllib.parse import urlencode

from dashboard.briefing.compute import Briefing, Figure

DEMO_LINE = "DEMONSTRATION DATA: every record in this briefing is fictional; none describes a real event."
WIDTH = 34  # label column


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


def record_rows(b: Briefing) -> list[dict[str, str]]:
    """The most serious records as table rows, with their footnote numbers in place of the sources."""
    return [
        {
            "date": r.date,
            "place": r.place,
            "force level": r.force_level,
            "type": r.encounter_type,
            "agencies": r.agencies,
            "verification": r.verification,
            "summary": r.summary,
            "official response": r.official_response,
            "sources": " ".join(f"[{n}]" for n in b.footnote_numbers(r)),
            "id": r.encounter_id,
        }
        for r in b.serious
    ]


def figure_row(f: Figure, width: int = WIDTH) -> str:
    label = f.label if len(f.label) <= width else f.label[: width - 1] + "…"
    return f"{label:<{width}} {f.now:>10,} {f.before:>10,}   {f.change_text()}"


def header_row(width: int = WIDTH, title: str = "") -> str:
    return f"{title:<{width}} {'period':>10} {'before':>10}   change"


def _people(n: int | None) -> str:
    return "people not counted" if n is None else f"{n:,} {'person' if n == 1 else 'people'}"


def filters_text(b: Briefing) -> str:
    return "; ".join(b.filters) if b.filters else "none besides the area and the dates"


def to_text(b: Briefing, base_url: str = "") -> str:
    lines = [DEMO_LINE, ""] if b.demonstration else []
    lines += [
        f"BRIEFING: {b.area.describe()}",
        f"Period: {b.period.label()} ({b.period.days} days), compared with {b.compare.label()} ({b.compare.days} days)",
        f"Data: {b.dataset_title}, version {b.version}, data as of {b.as_of}; license: {b.license} [1]",
        f"Filters in force: {filters_text(b)}",
        "",
        header_row(title="KEY FIGURES"),
        *(figure_row(f) for f in b.key),
    ]
    for part in b.breakdowns:
        lines += ["", header_row(title=part.title.upper())]
        lines += [figure_row(f) for f in part.rows] or ["(no records)"]
    lines += ["", "MOST SERIOUS RECORDS IN THE PERIOD (highest force level, then newest)"]
    if not b.serious:
        lines.append("(no records)")
    for n, r in enumerate(b.serious, start=1):
        notes = "".join(f"[{k}]" for k in b.footnote_numbers(r))
        people = _people(r.people_affected)
        lines.append(
            f"{n}. {r.date} ({r.date_precision} precision), {r.place or 'place not given'} "
            f"({r.location_precision}): {r.force_level}; {r.encounter_type}; {r.agencies}; {people}; "
            f"{r.verification}. {r.summary}"
            + (f" Official response: {r.official_response}" if r.official_response else "")
            + f" {notes} ({r.encounter_id})"
        )
    lines += ["", "HOW TO READ THESE FIGURES", *(f"- {n}" for n in b.notes)]
    lines += ["", "SOURCES", *(f"[{n}] {s}" for n, s in enumerate(b.footnotes(), start=1))]
    lines += ["", f"Link to this briefing: {permalink(b, base_url)}"]
    if b.demonstration:
        lines += ["", DEMO_LINE]
    return "\n".join(lines) + "\n"
