"""How long filing and accepting reports take (issue 18). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/reports.py [--data-dir data/datasets] [--filings 200]

filing   N reports filed one after another by one process into a fresh SQLite file (each one a
         transaction: rate-limit count, insert, commit), or into PostgreSQL when
         ENCOUNTERS_DATABASE_URL is set
accept   accepting one new-encounter report into each published dataset found (on a copy): the whole
         dataset is written back as text, validated, cleaned, diffed and published as a new version
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dashboard import store  # noqa: E402
from dashboard.paths import datasets_dir  # noqa: E402
from dashboard.reports import NewEncounter, open_reports  # noqa: E402


def report(i: int) -> NewEncounter:
    return NewEncounter(
        date_from=date(2025, 6, 1 + i % 28),
        city="Minneapolis",
        state="MN",
        what_happened=f"Benchmark report {i}: agents stopped a car and drew weapons.",
        force_seen=["weapon displayed"],
        links=[f"https://example.org/benchmark/{i}"],
        contact="someone@example.org",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--filings", type=int, default=200)
    args = parser.parse_args()
    source = datasets_dir(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reports = open_reports(root)
        times = []
        for i in range(args.filings):
            t = time.perf_counter()
            reports.file_new(report(i), client=f"client-{i // 20}")  # 20 per client: never rate-limited
            times.append(time.perf_counter() - t)
        print(
            f"filing ({reports.engine.dialect.name}): {args.filings} reports, median {statistics.median(times) * 1000:.1f} ms, "
            f"worst {max(times) * 1000:.1f} ms, {args.filings / sum(times):.0f} per second"
        )
        for name in store.list_datasets(source):
            if store.read_metadata(source, name).get("demonstration"):
                continue  # reports are never published into a demonstration dataset
            shutil.copytree(source / name, root / name)
            ref = reports.file_new(report(0), client=f"accept-{name}")
            t = time.perf_counter()
            done = reports.accept(ref, "benchmark", root, name)
            took = time.perf_counter() - t
            rows = store.read_manifest(root, name, done.version)["rows_published"]
            print(f"accept into {name} ({rows:,} records): {took:.1f} s, version {done.version}")
        reports.close()


if __name__ == "__main__":
    main()
