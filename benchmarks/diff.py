"""How long the diff of a publish takes when every record changed (issue 14: 65-74 s for 200,000, with
the dataset's lock held): the diff before the fix (a copy below) and `store.diff_records`, on the same
records in the same run, and a check that both find the same changes.

    python benchmarks/diff.py                 # 200,000 records
    python benchmarks/diff.py --rows 50000 --skip-before
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate  # noqa: E402
from dashboard import store  # noqa: E402


def diff_before(old: pd.DataFrame | None, new: pd.DataFrame) -> store.Changes:
    """store.diff_records as it was before issue 14 (commit 11c8d37), kept as the baseline."""
    if old is None or old.empty:
        return store.Changes(tuple(new["encounter_id"]), (), {})
    old_ids, new_ids = pd.Index(old["encounter_id"]), pd.Index(new["encounter_id"])
    added = tuple(new_ids.difference(old_ids, sort=False))
    removed = tuple(old_ids.difference(new_ids, sort=False))
    common = new_ids.intersection(old_ids, sort=False)
    a = old.set_index("encounter_id").loc[common]
    b = new.set_index("encounter_id").loc[common]
    fields = [c for c in b.columns if c in a.columns]
    differs = {}
    for c in fields:
        x, y = a[c].astype(object).to_numpy(), b[c].astype(object).to_numpy()
        x_na, y_na = pd.isna(x), pd.isna(y)
        both = ~(x_na | y_na)
        same = x_na & y_na
        same[both] = np.asarray(x[both] == y[both], dtype=bool)
        differs[c] = ~same
    mask = pd.DataFrame(differs, index=common)
    any_change = mask.any(axis=1)
    changed = {i: tuple(c for c in fields if mask.at[i, c]) for i in mask.index[any_change]}
    return store.Changes(added, removed, changed)


def published(n: int, seed: int) -> pd.DataFrame:
    """Records typed as a published version holds them (dates, numbers, text)."""
    frame = generate(n, seed)
    for c in ("date", "last_updated"):
        frame[c] = pd.to_datetime(frame[c])
    for c in ("latitude", "longitude"):
        frame[c] = pd.to_numeric(frame[c])
    frame["people_affected"] = pd.to_numeric(frame["people_affected"]).astype("Int64")
    return frame


def changed_copy(old: pd.DataFrame) -> pd.DataFrame:
    """Every record changed: all in summary, every second also in people_affected, every third in city."""
    new = old.copy()
    n = len(new)
    new["summary"] = new["summary"] + " (corrected)"
    every2 = np.arange(0, n, 2)
    new.loc[every2, "people_affected"] = new.loc[every2, "people_affected"] + 1
    every3 = np.arange(0, n, 3)
    new.loc[every3, "city"] = "Elsewhere"
    return new.sample(frac=1.0, random_state=1).reset_index(drop=True)  # another row order, as a new file has


def timed(func, *args) -> tuple[float, store.Changes]:
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--skip-before", action="store_true", help="time only the current diff")
    args = parser.parse_args()
    old = published(args.rows, args.seed)
    new = changed_copy(old)
    print(f"{args.rows:,} published records, every one changed in 1 to 3 of {len(old.columns) - 1} fields")
    after_s, after = timed(store.diff_records, old, new)
    print(f"after  (store.diff_records): {after_s:7.2f} s  {after.summary()}")
    if not args.skip_before:
        before_s, before = timed(diff_before, old, new)
        print(f"before (the old diff):       {before_s:7.2f} s  {before.summary()}")
        assert before == after, "the two diffs disagree"
        print(f"same changes found; {before_s / after_s:.0f} times faster")


if __name__ == "__main__":
    main()
