"""A publish holds one copy of the file's text at a time (issue 14: a million rows under 2 GB).

A publish keeps only the invalid rows as read (for the quarantine). If anything still refers to the
whole frame the reader returned while cleaning runs, a million-row publish holds a second copy of the
file's text (about 500 MB) at its peak: this is what put the publish of 1,000,000 rows over 2 GB.
Validation's values are the reader's str objects where unchanged, one per distinct value otherwise
(pandas 3 would copy each text column into Arrow strings: about 350 MB more at a million rows).
The figures come from benchmarks/memory.py; these tests hold the properties behind them.
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


def test_validated_text_is_the_readers_strings_not_a_copy(tmp_path):
    """Ids and links are distinct on every row: validation keeps the reader's str for each (a second
    str each, or an Arrow copy of the column, would be a second copy of the file's text)."""
    from dashboard.ingest.read import read_table
    from dashboard.ingest.validate import validate

    overrides = [{"encounter_id": f"E-{i}", "sources": f"https://example.org/{i}"} for i in range(6)]
    frame, _ = read_table(write_csv(tmp_path / "in.csv", rows(*overrides)))
    parsed = validate(frame).parsed
    for column in ("encounter_id", "sources"):
        assert parsed[column].dtype == object
        assert all(kept is read for kept, read in zip(parsed[column], frame[column], strict=True)), column


def test_a_cleaned_value_repeated_on_many_rows_is_one_string(tmp_path):
    """A value validation rewrites (here: spaces trimmed) is one str for all the rows that have it."""
    from dashboard.ingest.validate import validate

    frame = rows(*[{"encounter_id": f"E-{i}", "city": "  Chicago "} for i in range(5)])
    frame["_row"] = range(2, 7)
    parsed = validate(frame).parsed
    assert parsed["city"].tolist() == ["Chicago"] * 5
    assert len({id(value) for value in parsed["city"]}) == 1
