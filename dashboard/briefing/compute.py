"""The briefing's numbers as one value: the page, the exports and the CLI all read this and nothing else."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from dashboard.briefing import area as areas
from dashboard.briefing.listed import NOT_RECORDED, Record, map_points, most_serious, newest
from dashboard.briefing.period import Period, bin_unit
from dashboard.explore import aggregate
from dashboard.explore import filters as flt
from dashboard.explore.coverage import FULL, NONE, PARTIAL
from dashboard.explore.data import Dataset
from dashboard.explore.summaries import describe_filters, tr
from dashboard.i18n import day, num, t
from dashboard.schema import load_schema

MIN_BASE = 10  # below this, a change is given in counts only, never as a percentage
SERIOUS_LIMIT = 10
KEY_LABELS = (  # Figure labels of `key`, and the headline() figure each one is
    (tr("Encounters"), "encounters"),
    (tr("People affected"), "people_affected"),
    (tr("Weapon displayed or worse"), "weapon_or_worse"),
    (tr("At sensitive places"), "sensitive_places"),
    (tr("Involving US citizens"), "us_citizens"),
)
SENSITIVE_LIMIT = 25  # rows of the sensitive-places table; the rest are counted under it
BREAKDOWNS = (  # titles in English: t(title, lang) gives the reader's
    ("targeted_groups", tr("By targeted group")),
    ("agencies", tr("By agency")),
    ("encounter_type", tr("By encounter type")),
    ("place_type", tr("By place type")),
    ("verification", tr("By verification level")),
)


@dataclass(frozen=True)
class Figure:
    label: str
    now: int
    before: int
    # How much of the two periods the dataset covers (coverage.FULL, PARTIAL, NONE), and what a reader must
    # know when it is not all ("no data before 2025-01-20"): a zero where nobody looked is not a zero.
    coverage: tuple[str, str] = (FULL, FULL)
    gap: str = ""

    @property
    def comparable(self) -> bool:
        return NONE not in self.coverage

    @property
    def change(self) -> int:
        return self.now - self.before

    @property
    def pct(self) -> float | None:
        """Percentage change, only where the base (the earlier count) is at least MIN_BASE and both periods
        are wholly covered."""
        if self.coverage != (FULL, FULL):
            return None
        return (self.now - self.before) / self.before if self.before >= MIN_BASE else None

    def before_text(self, lang: str = "en") -> str:
        return num(self.before, lang) if self.coverage[1] != NONE else "–"

    def change_text(self, lang: str = "en") -> str:
        if not self.comparable:
            return self.gap
        if self.coverage != (FULL, FULL):
            partly = t("partly covered", lang)
            return f"{self.change:+,} ({partly})" if self.change else f"{t('no change', lang)} ({partly})"
        if self.pct is None:
            return f"{self.change:+,}" if self.change else t("no change", lang)
        return f"{self.change:+,} ({self.pct:+.0%})" if self.change else t("no change (0%)", lang)


@dataclass(frozen=True)
class Breakdown:
    column: str
    title: str
    rows: tuple[Figure, ...]


@dataclass(frozen=True)
class Briefing:
    dataset: str
    dataset_title: str
    version: int
    as_of: str
    license: str
    demonstration: bool
    compilation: bool  # compiled from reports (not an official record): its counts are of what was reported
    dataset_sources: tuple[str, ...]
    area: areas.Area
    period: Period
    compare: Period
    filters: tuple[str, ...]  # the filters in force besides area and dates, in words
    key: tuple[Figure, ...]  # encounters, people affected, weapon displayed or worse
    people_unknown: tuple[int, int]  # records with no count of people (now, before)
    breakdowns: tuple[Breakdown, ...]
    timeline_unit: str
    timeline: tuple[tuple[str, int, int], ...]  # (bin start, count in period, count in comparison)
    timeline_left_out: int  # records dated less precisely than the bins
    coverage: tuple[str, str]  # the dataset's coverage (start, end) as ISO dates, "" where open
    coverage_notes: tuple[str, ...]  # what the periods lack ("The comparison period ... lies outside ..."), shown first
    serious: tuple[Record, ...]
    sensitive: tuple[
        Record, ...
    ]  # encounters at sensitive places in the period, newest first (at most SENSITIVE_LIMIT)
    sensitive_total: int
    points: tuple[tuple[float, float, str, int, int], ...]  # (lon, lat, precision, force rank, records), period only
    not_mapped: int  # period records with no point precise enough to draw
    notes: tuple[str, ...]
    query: dict = field(hash=False, compare=False)  # URL parameters that reopen this briefing
    lang: str = "en"  # the language of its text (notes, filters in words) and of every file made from it

    def figure(self, label: str) -> Figure:
        for f in self.key:
            if f.label == label:
                return f
        raise KeyError(label)

    def sources(self) -> list[str]:
        """Every source of the listed records, in order of first mention: footnote n is sources()[n-1]."""
        return list(dict.fromkeys(s for r in self.serious for s in r.sources))

    def footnotes(self) -> list[str]:
        """Footnote 1 is the dataset; then every source of the listed records, in order of first mention."""
        return [self.dataset_note(), *self.sources()]

    def as_of_label(self) -> str:
        """The data's "as of" date in the briefing's language (English keeps the ISO date)."""
        try:
            return self.as_of if self.lang == "en" else day(date.fromisoformat(str(self.as_of)), self.lang)
        except ValueError:
            return str(self.as_of)

    def dataset_note(self) -> str:
        sources = "; ".join(self.dataset_sources)
        values = {
            "title": t(self.dataset_title, self.lang),
            "name": self.dataset,
            "version": self.version,
            "as_of": self.as_of_label(),
            "license": self.license,
        }
        if sources:
            return t(
                "Dataset: {title} ({name}, version {version}), data as of {as_of}, license: {license}. "
                "Source: {sources}.",
                self.lang,
                **values,
                sources=sources,
            )
        return t(
            "Dataset: {title} ({name}, version {version}), data as of {as_of}, license: {license}.",
            self.lang,
            **values,
        )

    def data_values(self) -> dict:
        """The dataset's title, version, as-of date and license, for the sentences that name them."""
        lang = self.lang
        return {
            "title": t(self.dataset_title, lang),
            "version": self.version,
            "as_of": self.as_of_label(),
            "license": self.license,
        }

    def footnote_numbers(self, record: Record) -> list[int]:
        index = {s: n for n, s in enumerate(self.footnotes(), start=1)}
        return [index[s] for s in record.sources]

    def as_dict(self) -> dict:
        out = asdict(self)
        out["area"] = {k: v for k, v in out["area"].items() if k != "wkb"}
        out["period"], out["compare"] = self.period.label(), self.compare.label()
        return out


def _breakdown(
    dataset: Dataset, now: np.ndarray, before: np.ndarray, column: str, title: str, covered: dict
) -> Breakdown:
    a, b = aggregate.counts_by(dataset, now, column), aggregate.counts_by(dataset, before, column)
    counts_a, counts_b = (
        dict(zip(a["value"], a["records"], strict=True)),
        dict(zip(b["value"], b["records"], strict=True)),
    )
    order = {v: i for i, v in enumerate(dataset.values(column))}
    labels = sorted(
        set(counts_a) | set(counts_b), key=lambda v: (-counts_a.get(v, 0), -counts_b.get(v, 0), order.get(v, 0))
    )
    rows = [Figure(v, int(counts_a.get(v, 0)), int(counts_b.get(v, 0)), **covered) for v in labels]
    if a.attrs["not_recorded"] or b.attrs["not_recorded"]:
        rows.append(Figure(NOT_RECORDED, int(a.attrs["not_recorded"]), int(b.attrs["not_recorded"]), **covered))
    return Breakdown(column, title, tuple(rows))


def _bin_starts(days: np.ndarray, unit: str) -> np.ndarray:
    """Start of the week (Monday) or month of each date, as datetime64[D]."""
    if unit == "week":
        monday = days - (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        return monday.astype("datetime64[D]")
    return days.astype("datetime64[M]").astype("datetime64[D]")


def _timeline(dataset: Dataset, now: np.ndarray, before: np.ndarray, span: tuple[date, date], unit: str):
    """Counts per week or month over both periods (empty bins included), and how many records were too coarse."""
    allowed = ("day", "week") if unit == "week" else ("day", "week", "month")
    precise = dataset.category_lookup("date_precision", allowed)
    first, last = _bin_starts(np.array(span, dtype="datetime64[D]"), unit)
    step = np.timedelta64(7, "D") if unit == "week" else None
    starts = (
        np.arange(first, last + step, step)
        if step is not None
        else np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1).astype("datetime64[D]")
    )
    out = {d: [0, 0] for d in starts}
    days = dataset.day.astype("datetime64[D]")
    for which, m in ((0, now & precise), (1, before & precise)):
        values, counts = np.unique(_bin_starts(days[m], unit), return_counts=True)
        for d, n in zip(values, counts, strict=True):
            out.setdefault(d, [0, 0])[which] += int(n)
    left_out = int(((now | before) & ~precise).sum())
    return tuple((str(d), c[0], c[1]) for d, c in sorted(out.items())), left_out


COARSE = (
    tr("{n} record in the period lies inside the area but is located only to a city or coarser, so not counted."),
    tr("{n} records in the period lie inside the area but are located only to a city or coarser, so not counted."),
)
LEFT_OUT = {
    "week": (
        tr("{n} record dated only to the month or year is counted in the figures but not drawn on the timeline."),
        tr("{n} records dated only to the month or year are counted in the figures but not drawn on the timeline."),
    ),
    "month": (
        tr("{n} record dated only to the year is counted in the figures but not drawn on the timeline."),
        tr("{n} records dated only to the year are counted in the figures but not drawn on the timeline."),
    ),
}


COVERAGE_NOTES = {
    NONE: tr(
        "{which} ({period}) lies outside this dataset's coverage ({gap}): its counts are not zeros, "
        "they are unknown, and no change is given."
    ),
    PARTIAL: tr(
        "{which} ({period}) is only partly covered ({gap}): its counts cover part of it, and changes "
        "are given without a percentage."
    ),
}


def _coverage_notes(period: Period, compare: Period, cover, lang: str) -> list[str]:
    """Say first when a period lies partly or wholly outside what the dataset covers."""
    return [
        t(COVERAGE_NOTES[state], lang, which=t(which, lang), period=p.label(lang), gap=cover.gap(p.start, p.end, lang))
        for which, p in ((tr("The period"), period), (tr("The comparison period"), compare))
        if (state := cover.of(p.start, p.end)) in COVERAGE_NOTES
    ]


def _notes(area_note: str, coarse, unknown, left_out: int, unit: str, overlap: bool, lang: str = "en") -> list[str]:
    """How to read the figures: what is counted, what is left out and why."""
    notes = [area_note] if area_note else []
    if coarse:
        notes.append(t(COARSE[coarse != 1], lang, n=num(coarse, lang)))
    if overlap:
        notes.append(t("The comparison period does not end before the period starts: the two may share records.", lang))
    if any(unknown):
        notes.append(
            t(
                "People affected adds up the records that give a number ({now} records in the period "
                "and {before} in the comparison period give none).",
                lang,
                now=num(unknown[0], lang),
                before=num(unknown[1], lang),
            )
        )
    notes.append(
        t(
            "A record with several targeted groups or agencies counts once for each, so those rows can add up "
            "to more than the number of encounters.",
            lang,
        )
    )
    notes.append(t("A change is given as a percentage only where the earlier count is at least {n}.", lang, n=MIN_BASE))
    if left_out:
        notes.append(t(LEFT_OUT["week" if unit == "week" else "month"][left_out != 1], lang, n=num(left_out, lang)))
    return notes


def compute_briefing(
    dataset: Dataset,
    area: areas.Area,
    period: Period,
    compare: Period,
    filters: flt.Filters | None = None,
    lang: str = "en",
) -> Briefing:
    """Every number of a briefing. `filters` are the other filters in force; their dates are ignored.
    `lang` is the language of the briefing's words (its numbers do not depend on it)."""
    filters = (filters or flt.Filters(dataset=dataset.name)).with_(dataset=dataset.name, date_from=None, date_to=None)
    chosen = areas.select(dataset, area, lang)
    base = flt.mask(dataset, filters) & chosen.mask
    now = base & flt.mask(dataset, flt.Filters(date_from=period.start, date_to=period.end))
    before = base & flt.mask(dataset, flt.Filters(date_from=compare.start, date_to=compare.end))
    h_now, h_before = aggregate.headline(dataset, now), aggregate.headline(dataset, before)
    cover = dataset.coverage
    covered = {
        "coverage": (cover.of(period.start, period.end), cover.of(compare.start, compare.end)),
        "gap": "; ".join(dict.fromkeys(g for g in (cover.gap(p.start, p.end, lang) for p in (compare, period)) if g)),
    }
    key = tuple(Figure(label, h_now[k], h_before[k], **covered) for label, k in KEY_LABELS)
    at_sensitive = now & dataset.rows_with("place_type", load_schema().taxonomies["place_types"].sensitive)
    unit = bin_unit(period, compare)
    span = (min(period.start, compare.start), max(period.end, compare.end))
    timeline, left_out = _timeline(dataset, now, before, span, unit)
    points, not_mapped, map_note = map_points(dataset, now, lang=lang)
    coarse = None
    if chosen.coarse is not None:
        in_period = flt.mask(dataset, filters.with_(date_from=period.start, date_to=period.end))
        coarse = int((chosen.coarse & in_period).sum())
    unknown = (h_now["people_unknown"], h_before["people_unknown"])
    coverage_notes = _coverage_notes(period, compare, cover, lang)
    notes = coverage_notes + _notes(
        chosen.note, coarse, unknown, left_out, unit, overlap=not compare.end < period.start, lang=lang
    )
    notes += [map_note] if map_note else []
    meta = dataset.metadata
    query = {
        **filters.to_query(),
        "area_type": area.kind,
        "area": area.id,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
    }
    if compare != period.previous():
        query |= {"compare_from": compare.start.isoformat(), "compare_to": compare.end.isoformat()}
    if lang != "en":  # the link reopens the briefing in its language
        query["lang"] = lang
    return Briefing(
        dataset=dataset.name,
        dataset_title=str(meta.get("title") or dataset.name),
        version=dataset.version,
        as_of=dataset.as_of,
        license=str(meta.get("license") or t("not stated", lang)),
        demonstration=dataset.is_demo,
        compilation=bool(meta.get("compilation")),
        dataset_sources=tuple(
            " ".join(str(s.get(k) or "") for k in ("title", "url")).strip() if isinstance(s, dict) else str(s)
            for s in meta.get("sources") or []
        ),
        area=area,
        period=period,
        compare=compare,
        filters=tuple(describe_filters(filters, lang)),
        key=key,
        people_unknown=unknown,
        breakdowns=tuple(_breakdown(dataset, now, before, c, t, covered) for c, t in BREAKDOWNS),
        timeline_unit=unit,
        timeline=timeline,
        timeline_left_out=left_out,
        coverage=tuple(d.isoformat() if d else "" for d in (cover.start, cover.end)),
        coverage_notes=tuple(coverage_notes),
        serious=most_serious(dataset, now, SERIOUS_LIMIT),
        sensitive=newest(dataset, at_sensitive, SENSITIVE_LIMIT),
        sensitive_total=int(at_sensitive.sum()),
        points=points,
        not_mapped=not_mapped,
        notes=tuple(notes),
        query=query,
        lang=lang,
    )
