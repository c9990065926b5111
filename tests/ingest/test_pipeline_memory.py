"""Publishing holds the rows as read only as long as it needs them (issue 14: memory).

A publish keeps only the invalid rows as read (for the quarantine). If anything still refers to the
whole frame the reader returned while cleaning runs, a million-row publish holds a second copy of the
file's text (about 500 MB) at its peak: this is what put the publish of 1,000,000 rows over 2 GB.
"""

from __future__ import annotations

import gc
import weakref

from support import rows, write_csv

from dashboard.ingest import pipeline


def test_the_rows_as_read_are_freed_before_cleaning(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "in.csv", rows({}, {"force_types": "gun drawn"}, {}))
    read_table, clean = pipeline.read_table, pipeline.clean
    as_read: list[weakref.ref] = []
    alive_during_clean: list[bool] = []

    def reading(*args, **kwargs):
        frame, report = read_table(*args, **kwargs)
        as_read.append(weakref.ref(frame))
        return frame, report

    def cleaning(*args, **kwargs):
        gc.collect()
        alive_during_clean.append(as_read[0]() is not None)
        return clean(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_table", reading)
    monkeypatch.setattr(pipeline, "clean", cleaning)
    prepared = pipeline.prepare(path)

    assert alive_during_clean == [False]
    # What the publish still needs of the rows as read is there: the invalid row, for the quarantine.
    assert prepared.quarantine()["row"].tolist() == [3]
    assert len(prepared.records) == 2


def test_a_preview_keeps_every_row_as_read(tmp_path):
    path = write_csv(tmp_path / "in.csv", rows({}, {"force_types": "gun drawn"}, {}))
    prepared = pipeline.prepare(path, with_records=False)
    assert prepared.raw["_row"].tolist() == [2, 3, 4]
