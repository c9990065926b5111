"""Comparisons and timelines that know the dataset's coverage: a period before the data starts shows
"no data before ...", never a zero and a change (issue 20). The demo's coverage starts on 2024-11-01."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from support import page_app

from dashboard.briefing import area as areas
from dashboard.briefing import charts
from dashboard.briefing.compute import compute_briefing
from dashboard.briefing.period import make_periods
from dashboard.briefing.text import to_text
from dashboard.explore import figures
from dashboard.explore.coverage import FULL, NONE, PARTIAL, Coverage

GAP = "no data before 2024-11-01"


@pytest.fixture(scope="module")
def outside(demo):
    """November 2024 to January 2025 against August to October 2024, which the demo does not cover."""
    return compute_briefing(demo, areas.resolve_area(demo, "state", "MN"), *make_periods("2024-11-01", "2025-01-31"))


@pytest.fixture(scope="module")
def partly(demo):
    """Two months compared with 2024-09-16 to 2024-11-15, of which only the last fortnight is covered."""
    period, _ = make_periods("2024-11-16", "2025-01-15")
    compare = make_periods("2024-09-16", "2024-11-15")[0]
    return compute_briefing(demo, areas.resolve_area(demo, "state", "MN"), period, compare)


@pytest.mark.parametrize(
    "start, end, state",
    [("2024-08-01", "2024-10-31", NONE), ("2024-10-15", "2024-11-15", PARTIAL), ("2025-01-01", "2025-01-31", FULL)],
)
def test_coverage_of_a_period(start, end, state):
    cover = Coverage(date(2024, 11, 1), date(2026, 10, 31))
    assert cover.of(date.fromisoformat(start), date.fromisoformat(end)) == state


def test_an_uncovered_comparison_is_not_a_zero(outside):
    assert outside.figure("Encounters").now > 0
    for f in outside.key:
        assert f.change_text() == GAP and f.before_text() == "–" and f.pct is None
    assert any("lies outside this dataset's coverage" in n for n in outside.coverage_notes)


def test_a_partly_covered_comparison_says_so_and_gives_no_percentage(partly):
    enc = partly.figure("Encounters")
    assert enc.coverage == (FULL, PARTIAL) and enc.pct is None
    assert "partly covered" in enc.change_text()
    assert any("only partly covered" in n and GAP in n for n in partly.coverage_notes)


def test_memo_text_says_no_data_instead_of_a_change(outside):
    text = to_text(outside)
    line = next(line for line in text.splitlines() if line.startswith("Encounters "))
    assert line.split()[-4:] == GAP.split() and " – " in line
    assert "lies outside this dataset's coverage" in text


def test_pdf_text_says_no_data_instead_of_a_change(outside, chromium):
    from pypdf import PdfReader

    from dashboard.briefing.output import briefing_pdf

    pdf = PdfReader(io.BytesIO(briefing_pdf(outside)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert text.count(GAP) >= len(outside.key)
    assert "lies outside this dataset's coverage" in text


def test_the_page_says_no_data_instead_of_a_change(app_env):
    at = page_app(
        "briefing", dataset="demo", area_type="state", area="MN", **{"from": "2024-11-01", "to": "2025-01-31"}
    )
    at.run()
    assert not at.exception
    deltas = [m.proto.delta for m in at.metric]
    assert deltas and all(GAP in d for d in deltas)
    assert any("lies outside this dataset's coverage" in w.value for w in at.warning)


def test_briefing_timeline_greys_the_uncovered_bins(outside):
    svg = charts.timeline_svg(outside)
    assert svg.count(f'fill="{charts.UNCOVERED}"') == 3  # August, September, October 2024
    assert GAP in svg


def test_explore_timeline_holds_the_shaded_uncovered_stretch():
    tl = pd.DataFrame(
        {"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "force_level": ["none"] * 2, "records": [3, 5]}
    )
    cover = Coverage(date(2025, 1, 20), date(2026, 12, 3), ((date(2025, 2, 10), "a source stopped"),))
    layout = figures.timeline_figure(tl, "month", "en", (), cover).spec["layout"]
    rect = next(s for s in layout["shapes"] if s["type"] == "rect")
    assert (rect["x0"], rect["x1"]) == ("2025-01-01", "2025-01-20")
    texts = [a["text"] for a in layout["annotations"]]
    assert "no data before 2025-01-20" in texts and "coverage changes" in texts
    assert any(s["type"] == "line" and s["x0"] == "2025-02-10" for s in layout["shapes"])


def test_a_published_version_keeps_its_coverage(tmp_path):
    from dashboard import store
    from dashboard.explore.data import load_dataset
    from dashboard.shipped import build

    build(tmp_path, names=["demo"], quiet=True)
    meta = store.read_metadata(tmp_path, "demo")
    store.write_metadata(tmp_path, "demo", {**meta, "coverage_start": "2025-06-01"})  # edited after publishing
    assert load_dataset(tmp_path, "demo").coverage.start == date(2024, 11, 1)
