"""Where a publish's memory is: resident memory after each step of `encounters publish` (issue 14).

    python benchmarks/memory_stages.py [--rows 1000000 | --csv FILE]

benchmarks/memory.py gives the peak of the whole command; this says which step holds what. It runs
the command line's publish in this process (into a temporary data folder) with the pipeline's steps
wrapped, and prints after each: the resident memory now, the peak so far (ru_maxrss), and seconds.
Nothing is collected between steps (that would hide what a real run holds), so the figures are those
of the command as contributors run it, give or take the allocators' timing.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

STEPS = [  # (module, function, label): the read -> validate -> clean -> diff -> write flow
    ("dashboard.ingest.pipeline", "read_table", "read"),
    ("dashboard.ingest.pipeline", "validate", "validate"),
    ("dashboard.ingest.pipeline", "clean", "clean"),
    ("dashboard.ingest.enrich", "geocode_cities", "  geocode cities"),
    ("dashboard.ingest.enrich", "assign_counties", "  assign counties"),
    ("dashboard.ingest.clean", "flag_duplicates", "  flag duplicates"),
    ("dashboard.ingest.clean", "to_published_types", "  published types"),
    ("dashboard.store", "diff_records", "diff"),
    ("dashboard.store", "_write_version", "write"),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Marks:
    def __init__(self):
        self.started = time.monotonic()

    def __call__(self, label: str) -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{label:28s} {rss_mb():8,.0f} MB now {peak:8,.0f} MB peak {time.monotonic() - self.started:7.1f} s")


def wrap(module, name: str, label: str, mark: Marks) -> None:
    inner = getattr(module, name)

    def step(*args, **kwargs):
        mark(f"before {label}")
        out = inner(*args, **kwargs)
        mark(f"after {label}")
        return out

    setattr(module, name, step)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="benchmarks/generate.py rows (without --csv)")
    parser.add_argument("--csv", help="publish this file instead")
    args = parser.parse_args(argv)
    import importlib

    from dashboard import cli

    mark = Marks()
    mark("modules loaded")
    for module, name, label in STEPS:
        wrap(importlib.import_module(module), name, label, mark)
    with tempfile.TemporaryDirectory(prefix="encounters-stages-") as tmp:
        path = Path(args.csv) if args.csv else Path(tmp) / f"bench-{args.rows}.csv"
        if not args.csv:  # in another process: the generator's frames must not count here
            generator = [sys.executable, str(REPO / "benchmarks" / "generate.py"), "-n", str(args.rows)]
            subprocess.run([*generator, "--out", str(path)], check=True, stdout=subprocess.DEVNULL)
        code = cli.main(["--data-dir", str(Path(tmp) / "datasets"), "publish", str(path), "--dataset", "bench"])
        mark("published")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
