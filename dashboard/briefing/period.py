"""The briefing period and the period it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dashboard.briefing import BriefingError
from dashboard.i18n import day, t


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self):
        if self.end < self.start:
            raise BriefingError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self, lang: str = "en") -> str:
        """ "2025-07-01 to 2026-06-30"; in Spanish "1 jul 2025 – 30 jun 2026"."""
        if lang == "en":
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        return t("{start} to {end}", lang, start=day(self.start, lang), end=day(self.end, lang))

    def whole_months(self) -> int:
        """How many calendar months the period covers exactly (0 if it does not start and end on month edges)."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same length immediately before this one: the same number of calendar months
        for a period of whole months (a quarter is compared with the quarter before), else of days."""
        months = self.whole_months()
        if months:
            return Period(_month_start(self.start, -months), self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def _month_start(day: date, shift: int) -> date:
    """The first day of the month `shift` months from the month of `day`."""
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def parse_date(text, what: str = "date") -> date:
    """A YYYY-MM-DD date, or a BriefingError that says which date is wrong."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise BriefingError(f'the {what} "{text}" is not a date (use YYYY-MM-DD, e.g. 2026-05-01)') from None


def make_periods(start, end, compare_start=None, compare_end=None) -> tuple[Period, Period]:
    """(period, comparison); the comparison defaults to the same length immediately before."""
    period = Period(parse_date(start, "start date"), parse_date(end, "end date"))
    if compare_start is None and compare_end is None:
        return period, period.previous()
    if compare_start is None or compare_end is None:
        raise BriefingError("give both ends of the comparison period, or neither (for the period just before)")
    compare = Period(parse_date(compare_start, "comparison start date"), parse_date(compare_end, "comparison end date"))
    return period, compare


def default_period(latest: date) -> Period:
    """The three calendar months ending with the month of the latest record."""
    return Period(_month_start(latest, -2), _month_start(latest, 1) - timedelta(days=1))


def bin_unit(period: Period, compare: Period) -> str:
    """Weeks for short spans, months otherwise."""
    span = (max(period.end, compare.end) - min(period.start, compare.start)).days + 1
    return "week" if span <= 130 else "month"
