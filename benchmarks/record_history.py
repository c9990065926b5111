"""How long a record's history takes to read at a million records and tens of versions.

Writes (with the store's version writer, in a temporary directory) N fictional records, then V-1 more
versions: most change 1,000 random records, every fifth changes every record (as a new derived field
would), and one version corrects the measured record with a report's reference. Then times record_history()
for a record changed several times and for one only added, with the changelogs as store.publish
writes them (sorted by id, small row groups) and rewritten unsorted in one row group (as versions
published before that were).

    python benchmarks/record_history.py -n 1000000 --versions 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dashboard import store  # noqa: E402
from dashboard.explore.record_history import history_line, record_history  # noqa: E402

EMPTY = pd.DataFrame(columns=["row"])


def _records(n: int, rng: np.random.Generator) -> pd.DataFrame:
    ids = np.array([f"BENCH-{i:07d}" for i in rng.permutation(n)], dtype=object)
    return pd.DataFrame(
        {
            "encounter_id": ids,
            "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "verification": rng.choice(["reported", "corroborated", "documented"], n),
            "city": rng.choice(["Chicago", "Minneapolis", "Charlotte", "Los Angeles"], n),
            "summary": "[DEMO] fictional record for a benchmark",
        }
    )


def _version(root: Path, v: int, records: pd.DataFrame, changes: store.Changes, reasons: dict) -> None:
    """Write one version with the store's own writer. The diff is given, not computed: diffing a million
    records thirty times would take most of an hour here, and it is not what this measures."""
    manifest = {"dataset": "bench", "version": v, "published_at": f"2026-01-{v:02d}T12:00:00+00:00"}
    manifest |= {"changes": changes.summary(), "record_reasons": reasons}
    store._write_version(store.version_dir(root, "bench", v), records, EMPTY, changes, manifest)
    store._set_current(store.dataset_dir(root, "bench"), v)


def build(root: Path, n: int, versions: int, target: str) -> float:
    rng = np.random.default_rng(20260101)
    records = _records(n, rng)
    store.version_dir(root, "bench", 1).parent.mkdir(parents=True)
    started = time.perf_counter()
    ids = records["encounter_id"]
    _version(root, 1, records, store.Changes(tuple(ids), (), {}), {})
    at = records.index[ids == target][0]
    for v in range(2, versions + 1):
        reasons = {}
        if v % 5 == 0:  # every record changes
            records["summary"] = f"[DEMO] fictional record, wording of version {v}"
            changed = dict.fromkeys(ids, ("summary",))
        else:
            rows = rng.choice(n, 1000, replace=False)
            records.loc[rows, "verification"] = "corroborated"
            changed = dict.fromkeys(ids.iloc[rows], ("verification",))
        if v in (3, versions - 2):  # the measured record is corrected twice, once after a report
            records.loc[at, "verification"] = "documented" if v == 3 else "disputed"
            changed[target] = tuple(dict.fromkeys((*changed.get(target, ()), "verification")))
            reasons = {target: "report R-000123"} if v == 3 else {}
        _version(root, v, records, store.Changes((), (), changed), reasons)
    return time.perf_counter() - started


def unsort(root: Path) -> None:
    """Rewrite every changelog as one unsorted row group, as versions written before sorting were."""
    for folder in sorted((root / "bench" / "versions").iterdir()):
        path = folder / "changes.parquet"
        table = pq.read_table(path)
        order = np.random.default_rng(1).permutation(table.num_rows)
        pq.write_table(table.take(order), path, row_group_size=table.num_rows or 1)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    fn()  # warm the page cache: the server reads files it has read before
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000, result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1_000_000)
    ap.add_argument("--versions", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    target, quiet = "BENCH-0000042", "BENCH-0000043"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        built = build(root, args.n, args.versions, target)
        size = sum(p.stat().st_size for p in root.rglob("changes.parquet")) / 1e6
        print(f"{args.n:,} records, {args.versions} versions written in {built:.0f} s; changelogs {size:.1f} MB")
        for layout in ("sorted, 16k-row groups (store.publish)", "unsorted, one row group (older versions)"):
            if layout.startswith("unsorted"):
                unsort(root)
            for label, rid in (("changed record", target), ("record only added", quiet)):
                med, worst, h = timed(lambda rid=rid: record_history(root, "bench", rid), args.repeat)
                print(f"{layout:42s} {label:18s} median {med:7.1f} ms  max {worst:7.1f} ms  {len(h)} entries")
        print("history of the changed record:")
        for entry in record_history(root, "bench", target):
            print("   ", history_line(entry))


if __name__ == "__main__":
    main()
