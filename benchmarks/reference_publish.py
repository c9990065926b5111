"""The reference "publish": read the canonical CSV and write it as Parquet, nothing else.

No validation, cleaning, geocoding, spatial joins, duplicate flags, versions or audit log: a floor
for what turning a CSV into a file an app can load costs. The benchmark runs it under
/usr/bin/time -v next to `encounters publish`. The reference app reads the dashboard's published
records (the same rows for both apps), so this output is only timed, never read.

    python benchmarks/reference_publish.py IN.csv OUT.parquet
"""

from __future__ import annotations

import sys

import pandas as pd


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["latitude"] = pd.to_numeric(frame["latitude"])
    frame["longitude"] = pd.to_numeric(frame["longitude"])
    frame.to_parquet(target, index=False, compression="zstd")
    print(f"wrote {len(frame):,} rows to {target}")


if __name__ == "__main__":
    main()
