"""Periods: the comparison defaults to the same length immediately before."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.briefing import BriefingError
from dashboard.briefing.period import Period, bin_unit, default_period, make_periods


@pytest.mark.parametrize(
    ("start", "end", "before"),
    [
        pytest.param("2026-04-01", "2026-06-30", ("2026-01-01", "2026-03-31"), id="quarter-after-quarter"),
        pytest.param("2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28"), id="month-after-february"),
        pytest.param("2026-01-01", "2026-12-31", ("2025-01-01", "2025-12-31"), id="year"),
        pytest.param("2026-03-10", "2026-03-19", ("2026-02-28", "2026-03-09"), id="ten-days"),
        pytest.param("2026-03-15", "2026-03-15", ("2026-03-14", "2026-03-14"), id="one-day"),
        pytest.param("2024-03-01", "2024-03-31", ("2024-02-01", "2024-02-29"), id="leap-february"),
    ],
)
def test_comparison_is_the_period_just_before(start, end, before):
    period, compare = make_periods(start, end)
    assert compare == Period(date.fromisoformat(before[0]), date.fromisoformat(before[1]))
    assert compare.end < period.start and (period.start - compare.end).days == 1


def test_a_chosen_comparison_period_is_kept():
    _, compare = make_periods("2026-04-01", "2026-06-30", "2025-04-01", "2025-06-30")
    assert compare == Period(date(2025, 4, 1), date(2025, 6, 30))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("2026-13-01", "2026-06-30"), 'start date "2026-13-01" is not a date', id="bad-month"),
        pytest.param(("yesterday", "2026-06-30"), 'start date "yesterday"', id="words"),
        pytest.param(("2026-07-01", "2026-06-30"), "ends (2026-06-30) before it starts", id="reversed"),
        pytest.param(("2026-01-01", "2026-06-30", "2025-01-01", None), "both ends", id="half-comparison"),
    ],
)
def test_bad_dates_say_what_is_wrong(args, message):
    with pytest.raises(BriefingError, match=None) as err:
        make_periods(*args)
    assert message in str(err.value)


def test_default_period_is_the_last_three_calendar_months():
    assert default_period(date(2026, 10, 17)) == Period(date(2026, 8, 1), date(2026, 10, 31))
    assert default_period(date(2026, 1, 5)) == Period(date(2025, 11, 1), date(2026, 1, 31))


def test_bins_are_weeks_for_short_spans_and_months_otherwise():
    assert bin_unit(*make_periods("2026-03-01", "2026-03-31")) == "week"
    assert bin_unit(*make_periods("2026-01-01", "2026-06-30")) == "month"
