"""How long a police export with every issue-15 structure takes through its mapping, at several sizes.

A synthetic file of N rows, one per officer per subject (about 3 rows an incident), with three Yes/No
force columns, State Plane X/Y feet, a "(lat, lon)" point after an address, a date in a drifting
format, and 2% of rows that a leave_out rule removes. Prints one line per size: seconds for
map_rows (leave_out, flags, projection, grouping), wall-clock and CPU (the CPU figure holds on a
busy machine), and wall-clock seconds for reading, mapping and validating the file.

    python benchmarks/mapping_features.py --sizes 10000,100000,300000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dashboard.ingest.mapping import load_mapping, map_rows
from dashboard.ingest.pipeline import prepare
from dashboard.ingest.read import read_table

MAPPING = {
    "group_by": {"key": "IncidentNum", "people_from": "SubjectID"},
    "leave_out": [{"name": "shots at animals", "where": {"Type": ["Animal*"]}}],
    "columns": {
        "encounter_id": {"template": "B-{IncidentNum}"},
        "date": {"from": "Date", "format": ["%m/%d/%Y", "%m/%d/%Y %I:%M:%S %p"]},
        "force_types": {
            "flags": {"Taser Used": "taser", "OC Spray": "chemical agent", "Gun Drawn": "weapon displayed"}
        },
        "summary": {"template": "Use of force at {Address}."},
    },
    "coordinates": {"x": "X", "y": "Y", "crs": "EPSG:3435", "precision": "block"},
    "constants": {
        "agencies": "unknown federal",
        "encounter_type": "other",
        "verification": "documented",
        "sources": "https://example.org/benchmark",
        "date_precision": "day",
    },
    "ignore": ["OfficerID"],
}


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    incident = np.sort(rng.integers(0, max(1, n // 3), n))
    yes = np.array(["Yes", "No", "N", "Y", ""])
    day = rng.integers(1, 28, n)
    return pd.DataFrame({
        "IncidentNum": incident.astype(str),
        "SubjectID": (incident * 2 + rng.integers(0, 2, n)).astype(str),
        "OfficerID": rng.integers(1000, 2000, n).astype(str),
        "Type": np.where(rng.random(n) < 0.02, "Animal", "Force"),
        "Date": [f"06/{d:02d}/2025" + (" 12:00:00 AM" if d % 2 else "") for d in day],
        "Taser Used": rng.choice(yes, n), "OC Spray": rng.choice(yes, n), "Gun Drawn": rng.choice(yes, n),
        "X": rng.integers(1_140_000, 1_190_000, n).astype(str), "Y": rng.integers(1_860_000, 1_900_000, n).astype(str),
        "Address": [f"{i} Main St (41.8{i % 10}, -87.6{i % 7})" for i in range(n)],
    })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    sizes = [int(x) for x in parser.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        mapping = Path(tmp) / "bench.yaml"
        mapping.write_text(yaml.safe_dump(MAPPING, sort_keys=False), encoding="utf-8")
        spec = load_mapping(mapping)
        for n in sizes:
            data = Path(tmp) / f"bench-{n}.csv"
            synthetic(n).to_csv(data, index=False)
            raw, _ = read_table(data)
            start, cpu = time.perf_counter(), time.process_time()
            out = map_rows(raw, spec, data.name)
            mapped, mapped_cpu = time.perf_counter() - start, time.process_time() - cpu
            start = time.perf_counter()
            prepared = prepare(data, mapping=mapping, with_records=False)
            whole = time.perf_counter() - start
            counts = prepared.counts()
            print(
                f"{n:>9,} rows -> {len(out.frame):>8,} encounters ({sum(map(len, out.left_out.values())):,} left out, "
                f"{counts['rows_invalid']:,} invalid): map_rows {mapped:6.2f} s wall, {mapped_cpu:6.2f} s CPU "
                f"({n / mapped_cpu:,.0f} rows per CPU second), "
                f"read+map+validate {whole:6.2f} s"
            )


if __name__ == "__main__":
    main()
