"""Named operations on the timeline: which are marked, and labels that never overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explore_support import make_dataset

from dashboard.explore import aggregate, figures

BLITZ, SURGE, WEB = "Operation Midway Blitz", "Operation Metro Surge", "Operation Charlotte's Web"


@pytest.fixture(scope="module")
def ds():
    rows = [{"operation": BLITZ}] * 3 + [{"operation": SURGE}] * 2 + [{"operation": WEB}] + [{"operation": ""}] * 4
    return make_dataset(*rows)


def test_operations_with_three_records_are_marked_in_start_order(ds):
    everything = np.ones(len(ds.records), dtype=bool)
    assert aggregate.operation_starts(ds, everything) == [("2025-09-08", BLITZ)]


def test_an_operation_the_reader_chose_is_marked_however_few_its_records(ds):
    everything = np.ones(len(ds.records), dtype=bool)
    marked = [name for _, name in aggregate.operation_starts(ds, everything, chosen=(WEB,))]
    assert marked == [BLITZ, WEB]


def test_no_operation_marked_where_none_matches(ds):
    assert aggregate.operation_starts(ds, np.zeros(len(ds.records), dtype=bool)) == []


@pytest.mark.parametrize("n", [2, 5, 12])
def test_labels_on_one_row_never_overlap(n):
    xs = sorted(np.random.default_rng(n).uniform(0, 330, n).tolist())
    widths = [90.0] * n
    rows = figures._label_rows(xs, widths, rows=n)
    for row in set(rows):
        spans = sorted((x, x + w) for x, w, r in zip(xs, widths, rows, strict=True) if r == row)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_the_timeline_draws_a_line_and_a_label_per_operation_and_leaves_room_above_the_bars():
    tl = pd.DataFrame(
        {"period": pd.to_datetime(["2025-09-01", "2025-12-01"]), "force_level": ["none", "none"], "records": [10, 40]}
    )
    spec = figures.timeline_figure(tl, "month", "en", [("2025-09-08", BLITZ), ("2025-12-01", SURGE)]).spec
    layout = spec["layout"]
    assert [s["x0"] for s in layout["shapes"]] == ["2025-09-08", "2025-12-01"]
    assert [a["text"] for a in layout["annotations"]] == ["Midway Blitz", "Metro Surge"]
    assert layout["yaxis"]["range"][1] > 40  # the tallest bar stays below the labels
