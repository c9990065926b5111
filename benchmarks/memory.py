"""Peak memory of the command line on large and compressed input (issue 14), against a baseline.

    python benchmarks/memory.py [--rows 1000000] [--gzip-mb 2200] [--baseline main] [--out benchmarks/RESULTS.md]

In a temporary folder it makes
  - a gzip file that decompresses to --gzip-mb MB of valid-looking CSV (one canonical row repeated,
    so it is a few MB on disk: what a careless or hostile contributor can send), and
  - --rows fictional canonical rows (benchmarks/generate.py),
then runs `encounters validate` on the first and `encounters publish` of the second under
`/usr/bin/time -v`, once with this tree's code and once with the baseline's (a git ref, exported
with `git archive`; `--baseline none` skips it), and prints the maximum resident set size of each.
The figures, the command and `uptime` replace the section between this script's markers in
benchmarks/RESULTS.md (below run.py's keep-marker, so `benchmarks/run.py` keeps them).

Targets (issue 14): validating the 2.2 GB gzip stays under 1 GB; publishing 1,000,000 rows under 2 GB.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate  # noqa: E402
from benchmarks.run import _time_v  # noqa: E402

START, END = "<!-- benchmarks/memory.py: start -->", "<!-- benchmarks/memory.py: end -->"
TARGETS = {"validate-gzip": 1024, "publish": 2048}  # MB


def make_gzip_bomb(path: Path, decompressed_mb: int) -> None:
    """A .csv.gz of one valid row repeated until the text is `decompressed_mb` MB (10^6 bytes)."""
    header, row = generate(40).head(1).to_csv(index=False).splitlines(keepends=True)
    block = row.encode() * max(1, (1 << 20) // len(row))
    total = decompressed_mb * 1_000_000
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(header.encode())
        written = len(header)
        while written < total:
            piece = block[: total - written]
            out.write(piece)
            written += len(piece)


def make_rows(path: Path, rows: int) -> None:
    generate(rows).to_csv(path, index=False)


def baseline_tree(ref: str, work: Path) -> Path:
    """The code of git ref `ref`, exported into work/baseline (run with PYTHONPATH pointing there)."""
    dest = work / "baseline"
    dest.mkdir()
    archive = subprocess.run(["git", "archive", ref, "dashboard", "data"], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def run(code: Path, args: list[str]) -> dict:
    # `python -m` puts the working directory first on the path: run in `code` so its dashboard is the one used.
    env = dict(os.environ, PYTHONPATH=str(code))
    return _time_v([sys.executable, "-m", "dashboard.cli", *args], env=env, timeout=7200, cwd=code)


def measure(code: Path, label: str, bomb: Path, rows_csv: Path, work: Path, gzip_step: bool = True) -> list[dict]:
    data = work / f"datasets-{label}"
    out = []
    steps = [("validate-gzip", ["validate", str(bomb)])] if gzip_step else []
    steps.append(("publish", ["--data-dir", str(data), "publish", str(rows_csv), "--dataset", "bench"]))
    for step, args in steps:
        result = run(code, args)
        last = [line for line in result["output"].splitlines() if line.strip() and "Command exited" not in line]
        result.update(step=step, code=label, said=(last[-1] if last else "")[:200])
        print(
            f"{label:10s} {step:14s} {result['max_rss_mb']:8,.0f} MB {result['seconds'] or 0:7.1f} s  {result['said']}"
        )
        out.append(result)
    return out


def table(results: list[dict], gzip_mb: int, gzip_size: int, rows: int) -> str:
    what = {
        "validate-gzip": f"`encounters validate` of a {gzip_size / 1e6:,.1f} MB gzip expanding to {gzip_mb:,} MB",
        "publish": f"`encounters publish` of {rows:,} rows (new dataset)",
    }
    lines = ["| command | code | peak memory (max RSS) | wall time | exit | target | met | what it said |"]
    lines.append("|---|---|---:|---:|---:|---|---|---|")
    for r in results:
        target = TARGETS[r["step"]]
        met = "yes" if r["max_rss_mb"] is not None and r["max_rss_mb"] < target else "no"
        said = r["said"].replace("|", "\\|")
        lines.append(
            f"| {what[r['step']]} | {r['code']} | {r['max_rss_mb']:,.0f} MB | {r['seconds'] or 0:,.0f} s | "
            f"{r['returncode']} | < {target:,} MB | {met} | {said} |"
        )
    return "\n".join(lines)


def write_section(out: Path, text: str) -> None:
    body = out.read_text() if out.exists() else ""
    if START in body and END in body:
        body = body.split(START, 1)[0] + text + body.split(END, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n" + text + "\n"
    out.write_text(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gzip-mb", type=int, default=2200)
    parser.add_argument("--baseline", default="main", help="git ref to compare with ('none' to skip)")
    # main's reader held the whole decompressed text and its rows: on 2026-12-03 it reached 21.5 GB and
    # the kernel killed it. Only with this flag is the baseline run on the gzip (on a machine that can spare it).
    parser.add_argument("--baseline-gzip", action="store_true", help="also validate the gzip with the baseline")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS.md"), help="'-' to only print")
    args = parser.parse_args(argv)
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="encounters-memory-") as tmp:
        work = Path(tmp)
        bomb, rows_csv = work / "bomb.csv.gz", work / f"bench-{args.rows}.csv"
        make_gzip_bomb(bomb, args.gzip_mb)
        make_rows(rows_csv, args.rows)
        results = measure(REPO, "this tree", bomb, rows_csv, work)
        if args.baseline != "none":
            tree = baseline_tree(args.baseline, work)
            results += measure(tree, args.baseline, bomb, rows_csv, work, gzip_step=args.baseline_gzip)
        gzip_size = bomb.stat().st_size
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    command = "python benchmarks/memory.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = f"""{START}
## Peak memory on large and compressed input (issue 14)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command.strip()}` (`/usr/bin/time -v`, maximum
resident set size of the whole command). Load: `{uptime_before}` before, `{uptime_after}` after; a busy
machine changes the times, not the peak memory. The gzip is one canonical row repeated; the rows are
`benchmarks/generate.py`'s. "{args.baseline}" is the same command run on that git ref's code. Wall
times are only comparable between rows measured under the same load.

{table(results, args.gzip_mb, gzip_size, args.rows)}
{END}"""
    print(text)
    if args.out != "-":
        write_section(Path(args.out), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
