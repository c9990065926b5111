"""How much work two cores of this machine do at once, against one: the ceiling of any replica ratio.

    python benchmarks/cpu_scaling.py [--seconds 4] [--rounds 3]

One process, then two at the same time, each runs the same pure-Python loop for --seconds and counts
its rounds. On a machine with two full cores two processes do twice the work of one; on a virtual
machine whose cores share a physical core or are throttled (steal time), less. Two Streamlit
replicas cannot serve more than this ratio times the visitors of one process, before the load tool
and nginx take their share of the same cores. Standard library only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time


def spin(seconds: float) -> int:
    rounds, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        total = 0
        for i in range(10_000):
            total += i * i
        rounds += 1
    return rounds


def work_at_once(processes: int, seconds: float) -> int:
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return sum(pool.map(spin, [seconds] * processes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for n in range(1, args.rounds + 1):
        one, two = work_at_once(1, args.seconds), work_at_once(2, args.seconds)
        print(f"round {n}: one process {one:,} loops, two processes {two:,} loops: {two / one:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
