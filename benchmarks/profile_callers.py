"""Which of our frames call a hot library frame, in a py-spy raw profile.

python benchmarks/profile_callers.py prof.raw "ArrowExtensionArray.to_numpy" "take (pyarrow" --hz 50
"""

from __future__ import annotations

import argparse
import re
from collections import Counter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("frames", nargs="+")
    parser.add_argument("--hz", type=float, default=100)
    parser.add_argument("--ours", default="dashboard/")
    args = parser.parse_args()
    found = {t: Counter() for t in args.frames}
    with open(args.path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        stack, _, n = line.rstrip("\n").rpartition(" ")
        frames = stack.split(";")
        for t in args.frames:
            if any(t in f for f in frames):
                ours = [re.sub(r"\(.*/", "(", f) for f in frames if args.ours in f]
                found[t][" < ".join(ours[-3:])] += int(n)
    for t, callers in found.items():
        print(f"{t}: {sum(callers.values()) / args.hz:.2f} s")
        for k, v in callers.most_common(6):
            print(f"   {v / args.hz:6.2f} s  {k}")


if __name__ == "__main__":
    main()
