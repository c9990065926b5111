"""The codebook's missing shares: an empty or blank text cell is a missing value, whatever the dtype."""

from __future__ import annotations

import pandas as pd
import pytest
from support import rows, write_csv

from dashboard import store
from dashboard.cli import main
from dashboard.codebook import missing_share


@pytest.mark.parametrize("dtype", ["object", "string", "str", "category"])
def test_empty_text_counts_as_missing_in_every_text_dtype(tmp_path, dtype):
    frame = pd.DataFrame({"summary": ["", "  ", "A record.", None]}).astype({"summary": dtype})
    frame.to_parquet(tmp_path / "r.parquet")  # as a published version is read back
    share = missing_share(pd.read_parquet(tmp_path / "r.parquet"))
    assert share["summary"] == 0.75


def test_a_column_empty_in_every_published_record_shows_as_100_percent_missing(tmp_path, capsys):
    frame = rows({"official_response": "", "city": "Chicago", "state": "IL"}, {"official_response": ""})
    ds = tmp_path / "ds"
    assert main(["--data-dir", str(ds), "publish", str(write_csv(tmp_path / "in.csv", frame)), "--dataset", "t"]) == 0
    capsys.readouterr()
    assert missing_share(store.load_records(ds, "t"))["official_response"] == 1.0
    assert main(["--data-dir", str(ds), "codebook", "--dataset", "t"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("| official_response |"))
    assert line.rstrip().endswith("| 100.0% |")
