"""What a dataset covers: the dates its compilers looked at, and the breaks in how they looked.

A count of zero outside the coverage is not "none happened", it is "nobody looked": comparisons and
timelines ask this value before they show a number (issue 20). Read from the dataset's metadata:

    coverage_start: 2025-01-20
    coverage_end: 2026-12-03          # optional: the as-of date when absent
    coverage_breaks:                  # optional: a source that started or stopped, a change of method
      - {date: 2026-02-13, note: "..."}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dashboard.i18n import day, t

FULL, PARTIAL, NONE = "full", "partial", "none"


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Coverage:
    start: date | None = None
    end: date | None = None
    breaks: tuple[tuple[date, str], ...] = ()

    @classmethod
    def from_metadata(cls, meta: dict) -> Coverage:
        breaks = tuple(
            sorted(
                (d, str(b.get("note") or "")) for b in meta.get("coverage_breaks") or [] if (d := _date(b.get("date")))
            )
        )
        return cls(_date(meta.get("coverage_start")), _date(meta.get("coverage_end") or meta.get("as_of")), breaks)

    def of(self, start: date, end: date) -> str:
        """How much of the days start..end (inclusive) the dataset covers: FULL, PARTIAL or NONE."""
        lo, hi = self.start or date.min, self.end or date.max
        if end < lo or start > hi:
            return NONE
        return FULL if start >= lo and end <= hi else PARTIAL

    def gap(self, start: date, end: date, lang: str = "en") -> str:
        """What a reader must know about start..end: "" when covered, else where the data stops."""
        parts = []
        if self.start and start < self.start:
            parts.append(t("no data before {date}", lang, date=self._day(self.start, lang)))
        if self.end and end > self.end:
            parts.append(t("no data after {date}", lang, date=self._day(self.end, lang)))
        return "; ".join(parts)

    @staticmethod
    def _day(d: date, lang: str) -> str:
        return d.isoformat() if lang == "en" else day(d, lang)
