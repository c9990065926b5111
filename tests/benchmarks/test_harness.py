"""The benchmark harness still runs end to end (tiny N, no timing assertions): it cannot rot unnoticed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from support import REPO

from benchmarks import generate, run
from dashboard.schema import load_schema


def test_generator_is_deterministic_and_covers_every_taxonomy_value():
    a, b = generate.generate(500, seed=7), generate.generate(500, seed=7)
    assert a.equals(b)
    assert not a.equals(generate.generate(500, seed=8))
    assert list(a.columns) == generate.COLUMNS
    assert a["encounter_id"].is_unique
    tax = load_schema().taxonomies
    for column, key in (
        ("agencies", "agencies"),
        ("targeted_groups", "targeted_groups"),
        ("force_types", "force_types"),
        ("encounter_type", "encounter_types"),
        ("outcome", "outcomes"),
        ("verification", "verification"),
    ):
        seen = {p.strip() for cell in a[column] for p in cell.split(";") if p.strip()}
        assert set(tax[key].values) <= seen, column
    assert set(a["location_precision"]) == {"", "exact", "block"}  # coarser places name a city, county or region
    assert (a["date"] <= "2025-12-31").all() and (a["last_updated"] >= a["date"]).all()


def test_generated_rows_publish_without_a_rejected_row(tmp_path):
    from dashboard.ingest.pipeline import prepare

    csv = generate.write_csv(300, tmp_path / "bench.csv")
    prepared = prepare(csv)
    assert prepared.counts()["rows_invalid"] == 0, prepared.problems.head()
    records = prepared.records
    assert records["latitude"].notna().mean() > 0.7  # exact, block and geocoded city records
    assert np.isin(["exact", "block", "city", "county", "region", "state"], records["location_precision"]).all()


def test_report_rows_compute_ratios_and_targets():
    res = {
        "app": {"explore_median_s": 0.05, "payload_bytes": 3e6},
        "reference": {"explore_median_s": 1.0, "payload_bytes": 4e7},
    }
    rows = {r["metric"]: r for r in run.rows_for(1_000_000, res)}
    explore = rows["Explore: filter change, median"]
    assert explore["ratio"] == "20.0×" and explore["met"] == "yes"
    assert rows["largest message to the browser (AppTest, any run)"]["met"] == "**no**"
    assert "| 1,000,000 |" in run.table(list(rows.values()))


@pytest.mark.xdist_group("benchmark")
def test_harness_runs_at_tiny_n(tmp_path):
    out = tmp_path / "RESULTS.md"
    cmd = [
        sys.executable,
        str(REPO / "benchmarks" / "run.py"),
        "--sizes",
        "2000",
        "--quick",
        "--skip",
        "memory,browser",
    ]
    cmd += ["--work", str(tmp_path / "work"), "--out", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = proc.stdout
    for label in (
        "publish: wall time",
        "cold start",
        "Explore: filter change, median",
        "Briefing: filter change, worst",
    ):
        assert label in printed
    payload = next(line for line in printed.splitlines() if "largest message" in line)
    cells = [c.strip() for c in payload.split("|")]
    assert cells[3] != "–" and cells[4] != "–", payload  # both implementations measured
    text = out.read_text()
    assert "nproc" in text and "--sizes 2000" in text
    assert "- exception:" not in text, text  # no page raised
