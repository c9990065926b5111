"""Summarise a py-spy raw (collapsed-stack) profile: inclusive share of each frame, and self time.

    py-spy record --format raw -o prof.raw -- python ...   then   python benchmarks/profile_summary.py prof.raw
Frames are shown without line numbers; `--match dashboard/` limits the inclusive table to our code.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--match", default="dashboard/", help="only frames whose text contains this")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--hz", type=float, default=0, help="sampling rate, to print seconds too")
    args = parser.parse_args()
    inclusive, self_time, total = Counter(), Counter(), 0
    with open(args.path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)", ")", f) for f in stack.split(";")]
        for f in set(frames):
            inclusive[f] += n
        self_time[frames[-1]] += n

    def show(counter, title, match):
        print(f"\n{title} (of {total:,} samples)")
        shown = 0
        for frame, n in counter.most_common():
            if match and match not in frame:
                continue
            secs = f" {n / args.hz:7.1f} s" if args.hz else ""
            print(f"{100 * n / total:6.1f}%{secs}  {frame}")
            shown += 1
            if shown >= args.top:
                break

    show(inclusive, "inclusive", args.match)
    show(self_time, "self", "")


if __name__ == "__main__":
    main()
