"""How many concurrent visitors one server process holds with p95 <= 1 s, and two replicas against one.

    python benchmarks/capacity.py --quick     # ~3 min: ICE FY2019 only, 1-8 sessions, short steps
    python benchmarks/capacity.py             # <= ~12 min: ICE FY2019 and 1,000,000 records, then
                                              # one process against `make cluster REPLICAS=2` (nginx)

For each dataset a fresh server is started (ports from --port up), warmed by one visitor, then loaded
by benchmarks/load.py at 1, 2, 4, 8, 12, 16, 20, 24, 32, ... concurrent visitors, `--step` seconds each (up to 3x
that for a few visitors, to expect at least 12 interactions), until the p95 of
their interactions passes 1 s (or more than 1% of them fail); then levels half-way between the last that
held and the first that did not narrow it to 2 visitors (32 held, 48 did not: 40, then 36 or 44, then
one more), the same for every series. Capacity is the largest level that held. Beside each
level: the server's CPU use (100% = one core), its memory, and the load tool's own CPU use (it shares
the machine). The curve goes to a PNG, the figures to benchmarks/RESULTS.md (a section below the line
that benchmarks/run.py keeps), with the machine's load average, which on a shared machine matters.

The 1,000,000 records are generated and published once (benchmarks/generate.py, as benchmarks/run.py
does) into --work; later runs reuse them. `--profile` records the server with py-spy during one level
and prints where its time went. `--targets URL1,URL2` measures servers already running (no nginx
needed: visitors are shared between them) instead of the two-replica comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import load, serve  # noqa: E402
from benchmarks.cpu_scaling import spin  # noqa: E402

REPO = serve.REPO
WORK = REPO / "benchmarks" / "work" / "capacity"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
PNG = REPO / "benchmarks" / "capacity.png"
TARGET_MS = 1000.0
MAX_ERRORS = 0.01  # share of interactions
MIN_INTERACTIONS = 12  # a level's duration is stretched (up to 3x) to expect at least these
ICE = "ice-ero-fy2019"
MILLION = 1_000_000
START, END = "<!-- capacity:start -->", "<!-- capacity:end -->"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- datasets


def ice_dir(work: Path) -> Path:
    from dashboard.shipped import build

    root = work / "ice"
    build(root, names=[ICE], quiet=True)  # publishes only if the shipped input changed
    return root


def million_dir(work: Path, n: int = MILLION) -> Path:
    from benchmarks import generate, run

    root = work / f"bench-{n}"
    csv = generate.ensure_csv(work, n)
    if not run.published(root, csv):
        log(f"publishing {n:,} generated records (once; ~1 min and ~4 GB)")
        run.publish_app(csv, root, work)
    return root


# --------------------------------------------------------------------------- one level


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += serve.cpu_seconds(pid)
    return total


def measure(urls, pids, query: str, sessions: int, seconds: float, think: float, once: bool = False) -> dict:
    """One load level: `sessions` visitors for `seconds`; the server's and the tool's CPU beside it."""
    args = load.parse_args(["--url", ",".join(urls), "--query", query, "--sessions", str(sessions)])
    args.once = once
    args.duration, args.think, args.ramp, args.grace = seconds, think, min(think, seconds / 4), 20
    # The machine's speed just before the level: rounds of a fixed pure-Python loop in 0.5 s, with no
    # visitor running. This virtual machine's speed drifts by a third and more between minutes (the
    # load tool's own CPU per interaction moved with it), and a capacity scales with it.
    speed = spin(0.5) * 2
    cpu0, self0, t0 = _cpu_of(pids), resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    out = asyncio.run(load.run_load(args))
    wall = time.monotonic() - t0
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = _cpu_of(pids) - cpu0
    out["server_cpu_pct"] = round(100 * cpu / wall, 1)
    out["machine_speed"] = speed
    out["server_cpu_ms_per_interaction"] = round(1000 * cpu / out["interactions"]) if out["interactions"] else None
    out["tool_cpu_pct"] = round(100 * (self1.ru_utime + self1.ru_stime - self0.ru_utime - self0.ru_stime) / wall, 1)
    out["server_rss_mb"] = round(sum(serve.rss_mb(p) for p in pids if Path(f"/proc/{p}").exists()))
    out["loadavg"] = serve.loadavg()
    # Errors allowed: 1% (a download can be lost under load: Streamlit deletes an unreferenced deferred
    # file once two other script runs have finished, see RESULTS.md); each kind is listed in the JSON.
    out["held"] = (
        out["p95_ms"] is not None and out["p95_ms"] <= TARGET_MS and out["errors"] <= MAX_ERRORS * out["interactions"]
    )
    del out["error_examples"]
    return out


def _duration(sessions: int, seconds: float, think: float) -> float:
    """A level lasts `seconds`, longer for a few visitors (up to 3x): about 12 interactions at least,
    or its p95 is the single slowest of a handful."""
    return max(seconds, min(3 * seconds, MIN_INTERACTIONS * (think + 0.5) / sessions))


def ramp(servers: tuple, query: str, levels: list[int], seconds: float, think: float, label: str) -> dict:
    """Levels in order until one does not hold, then halving the gap to 2 visitors; the largest that held.
    `servers`: (urls the visitors open, process ids to measure, urls that reach every process)."""
    urls, pids, warm = servers
    log(f"{label}: warming up (one visitor a server)")
    measure(warm, pids, query, len(warm), 120, 0.2, once=True)  # loads the dataset, fills the shared caches
    points, held, failed = [], 0, None
    for n in levels:
        point = measure(urls, pids, query, n, _duration(n, seconds, think), think)
        points.append(point)
        log(
            f"{label}: {n} sessions: p95 {point['p95_ms']} ms, {point['errors']} errors, server CPU {point['server_cpu_pct']}%"
        )
        if point["held"]:
            held = n
        else:
            failed = n
            break
    while failed and held and failed - held > 2:  # halve the gap until it is 2 visitors at most
        n = (held + failed) // 2
        point = measure(urls, pids, query, n, _duration(n, seconds, think), think)
        points.append(point)
        log(f"{label}: {n} sessions: p95 {point['p95_ms']} ms, {point['errors']} errors")
        if point["held"]:
            held = n
        else:
            failed = n
    points.sort(key=lambda p: p["sessions"])
    speeds = sorted(p["machine_speed"] for p in points)
    speed = speeds[len(speeds) // 2]
    return {"label": label, "capacity": held, "first_failed": failed, "points": points, "machine_speed": speed}


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def one_process(data_dir: Path, port: int, work: Path, profile: bool = False):
    log_file = work / f"server-{port}.log"
    if not profile:
        with serve.streamlit(data_dir, port, log_file) as (proc, base):
            yield [base], [proc.pid], [base]
        return
    # py-spy starts the server as its child (no ptrace permission needed) and samples it until it stops
    raw = work / f"profile-{port}.raw"
    env = dict(os.environ, ENCOUNTERS_DATA_DIR=str(data_dir))
    spy = [
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--gil",
        "--format",
        "raw",
        "--rate",
        "50",
        "-o",
        str(raw),
    ]
    cmd = [*spy, "--", sys.executable, "-m", "streamlit", "run", str(serve.APP), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    cmd += ["--server.fileWatcherType", "none"]
    with open(log_file, "w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            serve.wait_healthy(base, proc)
            yield [base], [_children(proc.pid)[0]], [base]
        finally:
            for child in _children(proc.pid):
                with contextlib.suppress(OSError):
                    os.kill(child, signal.SIGINT)
            proc.wait(60)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


@contextlib.contextmanager
def cluster(data_dir: Path, port: int, replicas: int = 2):
    """`make cluster REPLICAS=N PORT=port` (scripts/cluster.py): nginx on port, replicas on port+1.."""
    script = REPO / "scripts" / "cluster.py"
    if not script.exists():
        raise SystemExit("scripts/cluster.py is missing: measure running servers with --targets instead")
    cmd = [sys.executable, str(script), "--replicas", str(replicas), "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for p in range(port, port + replicas + 1):
            serve.wait_healthy(f"http://127.0.0.1:{p}", proc, timeout=180)
        replicas = [f"http://127.0.0.1:{p}" for p in range(port + 1, port + replicas + 1)]
        yield [f"http://127.0.0.1:{port}"], _children(proc.pid), replicas  # CPU: the replicas and nginx
    finally:
        serve.stop(proc)


# --------------------------------------------------------------------------- report


def plot(series: list[dict], path: Path) -> None:
    """p95 against concurrent sessions (log scale), one line per series, the 1 s target dashed (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    w, h, left, right, top, bottom = 1000, 540, 80, 300, 40, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.font = ImageFont.load_default(size=13)
    pts = [p for s in series for p in s["points"] if p["p95_ms"] is not None]
    if not pts:
        return
    import math

    xmax = max(p["sessions"] for p in pts)
    ymax = max(2 * TARGET_MS, min(max(p["p95_ms"] for p in pts), 10 * TARGET_MS)) * 1.05

    def xy(sessions: float, ms: float) -> tuple[float, float]:
        x = left + (w - left - right) * math.log2(sessions) / max(1.0, math.log2(xmax))
        return x, top + (h - top - bottom) * (1 - min(ms, ymax) / ymax)

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    step = 500 if ymax <= 4000 else 2000
    for ms in range(0, int(ymax) + 1, step):
        y = xy(1, ms)[1]
        d.line([left - 4, y, left, y], fill="black")
        d.text((left - 50, y - 6), f"{ms / 1000:.1f} s", fill="black")
    n = 1
    while n <= xmax:
        x = xy(n, 0)[0]
        d.line([x, h - bottom, x, h - bottom + 4], fill="black")
        d.text((x - 6, h - bottom + 8), str(n), fill="black")
        n *= 2
    y = xy(1, TARGET_MS)[1]
    for x in range(left, w - right, 12):
        d.line([x, y, x + 6, y], fill="gray")
    d.text((w - right + 6, y - 6), "p95 target 1 s", fill="gray")
    d.text((left, 12), "p95 of a visitor's interactions against concurrent visitors (log scale)", fill="black")
    d.text((left + 220, h - 25), "concurrent visitor sessions", fill="black")
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for i, s in enumerate(series):
        c = colours[i % len(colours)]
        line = [xy(p["sessions"], p["p95_ms"]) for p in s["points"] if p["p95_ms"] is not None]
        if len(line) > 1:
            d.line(line, fill=c, width=3)
        for x, yy in line:
            d.ellipse([x - 4, yy - 4, x + 4, yy + 4], fill=c)
        d.text((w - right + 10, top + 20 + 36 * i), f"{s['label']}:", fill=c)
        d.text((w - right + 10, top + 36 + 36 * i), f"   {s['capacity']} sessions", fill=c)
    img.save(path)


def section(info: dict, series: list[dict], ratio: float | None, png: Path) -> str:
    lines = [
        START,
        "## Capacity: concurrent visitors per server process (benchmarks/capacity.py)",
        "",
        f"Measured {info['started']} with `{info['command']}`"
        f"{' (**--quick**: short steps, few levels)' if info['quick'] else ''}.",
        f"Machine: {info['nproc']} cores; at the start {info['load_start']}; at the end {info['load_end']}.",
        "Machine speed: rounds a second of a fixed Python loop, measured just before each level with no visitor "
        "running (this virtual machine's speed drifts between minutes; a capacity moves with it).",
        f"Each visitor follows benchmarks/load.py's path with {info['think']} s of reading between steps "
        f"(uniform 0.5x-1.5x); a level holds when the p95 of every interaction is <= 1 s with errors in at most 1% of them; "
        f"{info['step']} s a level. Server CPU: 100% is one core. The load tool runs on the same machine.",
        "",
        f"![capacity curve]({png.name})",
        "",
        "| series | sessions | interactions | p50 | p95 | errors | server CPU | server CPU per interaction | server RSS "
        "| load tool CPU | machine speed | held |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in series:
        for p in s["points"]:
            lines.append(
                f"| {s['label']} | {p['sessions']} | {p['interactions']} | {p['p50_ms']} ms | {p['p95_ms']} ms | "
                f"{p['errors']} | {p['server_cpu_pct']}% | {p['server_cpu_ms_per_interaction']} ms | "
                f"{p['server_rss_mb']} MB | {p['tool_cpu_pct']}% | {p['machine_speed']:,} | "
                f"{'yes' if p['held'] else '**no**'} |"
            )
    lines += ["", "Capacity (largest level that held):", ""]
    for s in series:
        if s["first_failed"] is None:  # every level held: the ramp stopped at --max-sessions
            lines.append(f"- {s['label']}: at least **{s['capacity']}** concurrent visitors (every level held)")
        else:
            lines.append(
                f"- {s['label']}: **{s['capacity']}** concurrent visitors "
                f"(first level that did not hold: {s['first_failed']})"
            )
    if ratio is not None:
        lines.append(f"- two replicas ÷ one process: **{ratio:.2f}×** (target ≥ 1.6×)")
        one, two = series[0], series[-1]
        drift = two["machine_speed"] / one["machine_speed"]
        lines.append(
            f"- the machine's speed (a fixed Python loop before each level, median of the series) during the "
            f"replicas' levels was **{drift:.2f}×** its speed during the one process's; "
            f"the ratio at equal speed: **{ratio / drift:.2f}×**"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_results(path: Path, text: str) -> None:
    body = path.read_text() if path.exists() else ""
    if START in body and END in body:
        before, rest = body.split(START, 1)
        body = before + text + rest.split(END, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(body)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="ICE only, 1-8 sessions, 15 s a level")
    parser.add_argument("--only", help="comma-separated: ice, million, replicas (default: all; --quick: ice,replicas)")
    parser.add_argument("--port", type=int, default=8770, help="first port to use (a cluster takes 3)")
    parser.add_argument("--step", type=float, help="seconds a level (default 30; --quick 15)")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a visitor reads between steps (a visit: ~25 s)"
    )
    parser.add_argument("--max-sessions", type=int, help="highest level (default 128; --quick 8)")
    parser.add_argument("--targets", help="comma-separated running servers to measure instead of the replicas step")
    parser.add_argument("--profile", action="store_true", help="py-spy the one-process ICE server, print a summary")
    parser.add_argument("--records", type=int, default=MILLION, help="generated records for `million`")
    parser.add_argument("--work", default=str(WORK))
    parser.add_argument("--out", default=str(RESULTS), help="Markdown file for the figures ('-' for none)")
    parser.add_argument("--png", default=str(PNG))
    args = parser.parse_args(argv)
    args.step = args.step or (15.0 if args.quick else 30.0)
    args.max_sessions = min(args.max_sessions or (8 if args.quick else 128), load.MAX_SESSIONS)
    args.only = set((args.only or ("ice,replicas" if args.quick else "ice,million,replicas")).split(","))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    # Steps of 4 from 8 to 24: a ratio of two capacities needs finer steps than doubling gives
    levels = [
        n for n in (1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256, 384, 500) if n <= args.max_sessions
    ]
    info = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python benchmarks/capacity.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "quick": args.quick,
        "nproc": os.cpu_count(),
        "load_start": serve.loadavg(),
        "think": args.think,
        "step": args.step,
    }
    series, one = [], None
    t0 = time.monotonic()
    if "ice" in args.only or "replicas" in args.only:
        ice = ice_dir(work)
        query = f"dataset={ICE}&agency=ICE+ERO"
        with one_process(ice, args.port, work, args.profile) as servers:
            one = ramp(servers, query, levels, args.step, args.think, "ICE FY2019 (131,904), 1 process")
        series.append(one)
        if args.profile:
            summary = subprocess.run(
                [
                    sys.executable,
                    str(REPO / "benchmarks" / "profile_summary.py"),
                    str(work / f"profile-{args.port}.raw"),
                ],
                capture_output=True,
                text=True,
            )
            (work / "profile-summary.txt").write_text(summary.stdout)
            print(summary.stdout)
    if "million" in args.only:
        root = million_dir(work, args.records)
        with one_process(root, args.port + 10, work) as servers:
            query = "dataset=bench&agency=ICE+ERO"
            label = f"{args.records:,} generated records, 1 process"
            series.append(ramp(servers, query, levels, args.step, args.think, label))
    ratio = None
    if "replicas" in args.only:
        query = f"dataset={ICE}&agency=ICE+ERO"
        if args.targets:
            urls = [load.local_base(u) for u in args.targets.split(",")]
            two = ramp((urls, [], urls), query, levels, args.step, args.think, f"ICE, {len(urls)} given servers")
        else:
            with cluster(ice_dir(work), args.port + 20) as servers:
                two = ramp(servers, query, levels, args.step, args.think, "ICE FY2019, 2 replicas + nginx")
        series.append(two)
        if one and one["capacity"]:
            ratio = two["capacity"] / one["capacity"]
    info["load_end"] = serve.loadavg()
    info["seconds"] = round(time.monotonic() - t0)
    raw = work / f"capacity-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    raw.write_text(json.dumps({"info": info, "series": series, "ratio": ratio}, indent=1))
    png = Path(args.png)
    plot(series, png)
    text = section(info, series, ratio, png)
    if args.out != "-":
        write_results(Path(args.out), text)
    print(text)
    log(f"done in {info['seconds']} s; raw figures in {raw}, curve in {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
