"""Benchmark the dashboard against a straightforward reference implementation, in one run.

    python benchmarks/run.py --sizes 10000,100000,1000000 [--skip browser,memory] [--quick]
    make bench

For each size N it generates N fictional canonical records (benchmarks/generate.py, deterministic,
cached in benchmarks/work/), then measures both implementations one after the other, never at the
same time, on the same published data:

  publish      `encounters publish` of the CSV in a subprocess under /usr/bin/time -v (wall time,
               maximum resident set size); the reference is pandas read_csv + to_parquet (no checks)
  cold         a fresh process until the whole Explore page has rendered (AppTest: import, the first run
               with its still map, then the run the browser asks for, with every chart and table)
  explore      AppTest rerun time after each sidebar change on Explore: median and worst
  briefing     the same on the Briefing page
  payload      the largest ForwardMsg a run sends to the browser (ByteSize of the serialised proto)
  memory       VmRSS of a `streamlit run` server with 1 and with 10 Chromium pages loaded (the pages
               do not draw plotly charts: the server's work is the same, the browser's is not measured)
  browser      Playwright: navigation until the map is drawn, as the still picture of the first run or
               as plotly's SVG, and until the interactive (plotly) map is drawn (warm server, first
               visitor)

It prints a Markdown table (both implementations, the ratio reference / dashboard, the target and
whether it is met at that size) and writes it to benchmarks/RESULTS.md with the machine and the
command; raw figures go to benchmarks/work/results-*.json. The machine is shared and noisy: only
compare figures from the same run. Steps: generate, publish, cold, explore, briefing, memory,
browser (--skip takes a comma-separated list; skipping publish reuses the last published data).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import generate  # noqa: E402
from dashboard.chromium import OFFLINE_FLAGS, find  # noqa: E402

PY = sys.executable
WORK = REPO / "benchmarks" / "work"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
WORKER = REPO / "benchmarks" / "apptest_worker.py"
SCRIPTS = {
    "app": REPO / "dashboard" / "app.py",
    "reference": REPO / "benchmarks" / "reference_app.py",
    "floor": REPO / "benchmarks" / "floor_app.py",  # the browser step's floor: a one-chart Streamlit page
}
IMPLS = ("app", "reference")
STEPS = ("publish", "cold", "explore", "briefing", "memory", "browser")
DATASET = "bench"
CHROMIUM = find() or "/usr/bin/chromium"
CHROMIUM_ARGS = list(OFFLINE_FLAGS)
KEEP_MARKER = "<!-- Everything below this line is kept when benchmarks/run.py rewrites this file. -->"
MB = 1e6

# Targets (issue 7), checked at the sizes they name.
TARGET_N = 1_000_000
TARGETS = {
    "publish_s": ("≤ 60 s", lambda v, r, n: v <= 60, TARGET_N),
    "cold_s": ("≤ 5 s", lambda v, r, n: v <= 5, TARGET_N),
    "explore_median_s": ("≤ 0.1 s and ≥ 8× faster", lambda v, r, n: v <= 0.1 and r is not None and r >= 8, TARGET_N),
    "explore_worst_s": ("≤ 0.3 s", lambda v, r, n: v <= 0.3, TARGET_N),
    "payload_bytes": ("≤ 2 MB at any N", lambda v, r, n: v <= 2 * MB, None),
    "ws_bytes": ("≤ 2 MB at any N", lambda v, r, n: v <= 2 * MB, None),
    "rss_10_mb": ("≤ 1,500 MB", lambda v, r, n: v <= 1500, TARGET_N),
    "rss_added_mb": ("≤ 50 MB", lambda v, r, n: v <= 50, TARGET_N),
    "browser_warm_s": ("≤ 3 s", lambda v, r, n: v <= 3, TARGET_N),
}


def loadavg() -> str:
    """The 1-minute load average (the machine is shared: this says how busy it was)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] (load {loadavg()}) {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- machine


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    ram = ""
    with contextlib.suppress(OSError, StopIteration):
        lines = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(line.split()[1] for line in lines if line.startswith("MemTotal")))
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    versions = {}
    for module in ("streamlit", "pandas", "numpy", "pyarrow", "plotly"):
        with contextlib.suppress(Exception):
            versions[module] = __import__(module).__version__
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        versions["playwright"] = version("playwright")
    return {
        "nproc": os.cpu_count(),
        "ram": ram,
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "versions": versions,
        "kernel": platform.release(),
    }


# --------------------------------------------------------------------------- publish


def _time_v(cmd: list[str], env: dict | None = None, timeout: float = 3600, cwd: Path = REPO) -> dict:
    """Run cmd under /usr/bin/time -v: wall seconds, max RSS in MB, exit code, output tail."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    err = proc.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", err)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    seconds = None
    if wall:
        parts = [float(p) for p in wall.group(1).split(":")]
        seconds = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    return {
        "seconds": seconds,
        "max_rss_mb": int(rss.group(1)) / 1024 if rss else None,
        "returncode": proc.returncode,
        "output": (proc.stdout[-1500:] + err.split("\tCommand being timed")[0][-1500:]).strip(),
    }


def _encounters() -> list[str]:
    script = Path(PY).parent / "encounters"
    return [str(script)] if script.exists() else [PY, "-m", "dashboard.cli"]


def _metadata_file(work: Path) -> Path:
    path = work / "bench-metadata.yaml"
    if not path.exists():
        path.write_text(
            "title: Benchmark records (fictional)\n"
            "description: Generated by benchmarks/generate.py; no record describes a real event.\n"
            "license: CC0 1.0 (generated data)\n"
            "as_of: '2026-01-01'\n"
            "demonstration: true\n"
        )
    return path


def publish_app(csv: Path, root: Path, work: Path) -> dict:
    shutil.rmtree(root, ignore_errors=True)
    cmd = [*_encounters(), "--data-dir", str(root), "publish", str(csv), "--dataset", DATASET]
    out = _time_v([*cmd, "--metadata", str(_metadata_file(work)), "--who", "benchmark"])
    if out["returncode"] != 0:
        raise RuntimeError(f"encounters publish failed:\n{out['output']}")
    found = re.search(r"published ([\d,]+) \+ quarantined ([\d,]+)", out["output"])
    if found:
        out["published"], out["quarantined"] = (int(g.replace(",", "")) for g in found.groups())
    return out


def publish_reference(csv: Path, work: Path) -> dict:
    target = work / "reference.parquet"
    out = _time_v([PY, str(REPO / "benchmarks" / "reference_publish.py"), str(csv), str(target)])
    target.unlink(missing_ok=True)
    if out["returncode"] != 0:
        raise RuntimeError(f"reference publish failed:\n{out['output']}")
    return out


def published(root: Path, csv: Path) -> bool:
    """Is the CSV already published in root (same input file)?"""
    from dashboard import store
    from dashboard.ingest.pipeline import file_sha256

    version = store.current_version(root, DATASET)
    if not version:
        return False
    return store.read_manifest(root, DATASET, version).get("input_sha256") == file_sha256(csv)


# --------------------------------------------------------------------------- AppTest steps


def _worker(args: list[str], root: Path, timeout: float) -> dict:
    env = dict(os.environ, ENCOUNTERS_DATA_DIR=str(root), PYTHONPATH=str(REPO))
    proc = subprocess.run([PY, str(WORKER), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def cold_start(impl: str, root: Path, timeout: float) -> dict:
    started = time.time()
    out = _worker(["cold", "--impl", impl], root, timeout)
    out["seconds"] = out["rendered_at"] - started
    return out


def interactions(impl: str, page: str, root: Path, k: int, timeout: float) -> dict:
    out = _worker(["interact", "--impl", impl, "--page", page, "-k", str(k)], root, timeout)
    opening = [out["runs"][0], *(r for r in out["runs"][1:] if r.get("opening"))]  # Explore: 2 runs
    changes = [r["seconds"] for r in out["runs"][1:] if not r.get("opening")]
    out["median_s"] = statistics.median(changes) if changes else None
    out["worst_s"] = max(changes) if changes else None
    out["first_s"] = sum(r["seconds"] for r in opening)
    biggest = max(out["runs"], key=lambda r: r.get("largest", 0))
    out["largest"], out["largest_kind"] = biggest.get("largest", 0), biggest.get("largest_kind", "")
    out["exceptions"] = sorted({e for r in out["runs"] for e in r["exceptions"]})
    return out


# --------------------------------------------------------------------------- servers and browsers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(impl: str, root: Path):
    """`streamlit run` of one implementation on a free port; yields (process, base URL)."""
    port = _free_port()
    env = dict(os.environ, ENCOUNTERS_DATA_DIR=str(root))
    cmd = [PY, "-m", "streamlit", "run", str(SCRIPTS[impl]), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    cmd += ["--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    log_file = open(WORK / f"server-{impl}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit ({impl}) did not start; see {log_file.name}") from None
                time.sleep(0.3)
        yield proc, base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()


def rss_mb(pid: int) -> dict:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


def settled_rss(pid: int, quiet_seconds: float = 2.0, limit: float = 30.0) -> float:
    """VmRSS once it has stopped moving (within 1 MB for quiet_seconds), or after `limit` seconds."""
    start, last, still_since = time.monotonic(), rss_mb(pid)["VmRSS"], time.monotonic()
    while time.monotonic() - start < limit:
        time.sleep(0.5)
        now = rss_mb(pid)["VmRSS"]
        if abs(now - last) > 1:
            still_since, last = time.monotonic(), now
        elif time.monotonic() - still_since >= quiet_seconds:
            break
    return rss_mb(pid)["VmRSS"]


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


LOADED_JS = """() => !!document.querySelector('[data-testid="stMetric"]')
    && !document.querySelector('[data-testid="stStatusWidget"]')"""
# The interactive map: the first plotly chart inside an element whose key names a map (element class
# st-key-...map...); on a page with no such element, the first plotly chart. Drawn = its SVG holds a
# drawn trace (points, lines or filled shapes).
INTERACTIVE_JS = """() => {
    const keyed = !!document.querySelector('[class*="st-key-"][class*="map"]');
    const plot = document.querySelector(keyed ? '[class*="st-key-"][class*="map"] .js-plotly-plot'
                                              : '[data-testid="stPlotlyChart"] .js-plotly-plot');
    if (!plot) return false;
    const drawn = plot.querySelector('.scatterlayer .trace path, .barlayer .trace path, .layer-above path, .shapelayer path');
    return drawn ? (keyed ? 'chart keyed as a map' : 'first plotly chart') : false;
}"""
# The map drawn: the interactive map, or before it the dashboard's still picture of the same map
# (dashboard.explore.mappreview), once its image is decoded and laid out on the page.
MAP_JS = """() => {
    const still = document.querySelector('.map-preview img');
    if (still && still.complete && still.naturalWidth > 0 && still.getBoundingClientRect().height > 50
        && getComputedStyle(still).visibility !== 'hidden') return 'still picture of the map';
    return (INTERACTIVE)();
}""".replace("INTERACTIVE", INTERACTIVE_JS)


def mem_available_mb() -> float:
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("MemAvailable")) / 1024


def _open(browser, url: str, timeout_s: float, draw_charts: bool = True) -> tuple[object, bool]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if not draw_charts:
        # Refuse Streamlit's plotly bundle: charts are not drawn, the server does the same work. Ten pages
        # each drawing a million SVG points (the reference) would need more memory than the machine has.
        context.route(re.compile(r".*/PlotlyChart\.[^/]*\.js$"), lambda route: route.abort())
    page = context.new_page()
    page.goto(url, wait_until="commit")
    try:
        page.wait_for_function(LOADED_JS, timeout=timeout_s * 1000)
        return page, True
    except Exception:  # a timeout: the page is still rendering (the reference at a million rows)
        return page, False


def memory(impl: str, root: Path, sessions: int, timeout_s: float) -> dict:
    """Server VmRSS with 1 page loaded, then with `sessions` pages (charts not drawn, see _open)."""
    with server(impl, root) as (proc, base), chromium() as browser:
        pages, loaded, stopped = [], [], ""
        t0 = time.monotonic()
        page, ok = _open(browser, base + "/", timeout_s, draw_charts=False)
        pages.append(page)
        loaded.append(ok)
        rss_1 = settled_rss(proc.pid)
        for _ in range(sessions - 1):
            if mem_available_mb() < 2000:
                stopped = f"stopped at {len(pages)} sessions: less than 2 GB of memory left"
                break
            page, ok = _open(browser, base + "/", timeout_s, draw_charts=False)
            pages.append(page)
            loaded.append(ok)
        rss_n = settled_rss(proc.pid)
        hwm = rss_mb(proc.pid)["VmHWM"]
        seconds = time.monotonic() - t0
        for page in pages:
            with contextlib.suppress(Exception):
                page.context.close()
    return {
        "rss_1_mb": rss_1,
        "rss_n_mb": rss_n,
        "added_mb": rss_n - rss_1,
        "peak_mb": hwm,
        "sessions": len(pages),
        "stopped": stopped,
        "pages_not_loaded": loaded.count(False),
        "seconds": seconds,
    }


def _probe(page, js: str) -> bool:
    """Evaluate a predicate with a short timeout (a renderer busy drawing may not answer at all)."""
    try:
        page.wait_for_function(js, timeout=3000)
        return True
    except Exception:
        return False


WARM_VISITS = 5  # new visitors of a warm server; their median is reported (one visit varies by ±0.5 s)


def browser_time(impl: str, root: Path, timeout_s: float) -> dict:
    """Navigation to map drawn: first visitor of a fresh server, then new visitors (warm server, median)."""
    out: dict = {"warm_runs": [], "warm_interactive_runs": []}
    with server(impl, root) as (_proc, base), chromium() as browser:
        for label in ("first", *["warm"] * WARM_VISITS):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            frames: list[int] = []  # sizes of the websocket messages the server sends this page

            def on_socket(ws, frames=frames):
                ws.on("framereceived", lambda payload: frames.append(len(payload)))

            page.on("websocket", on_socket)
            t0 = time.perf_counter()
            page.goto(base + "/", wait_until="commit")
            try:
                found = page.wait_for_function(MAP_JS, timeout=timeout_s * 1000, polling=50).json_value()
                out[f"{label}_s"], out["map"] = time.perf_counter() - t0, found
                if found == "still picture of the map":
                    page.wait_for_function(INTERACTIVE_JS, timeout=timeout_s * 1000, polling=50)
                    out[f"{label}_interactive_s"] = time.perf_counter() - t0
                else:  # the map drawn was the interactive one (asking again waits for a busy renderer)
                    out[f"{label}_interactive_s"] = out[f"{label}_s"]
                if label == "warm":
                    out["warm_runs"].append(out["warm_s"])
                    out["warm_interactive_runs"].append(out["warm_interactive_s"])
                _probe(page, LOADED_JS)  # let the rest of the page arrive (a busy renderer may not answer)
                out[f"{label}_ws_largest"] = max(frames, default=0)
            except Exception:  # timed out: say whether the page has no chart at all, or is still drawing
                out[f"{label}_s"] = None
                out[f"{label}_why"] = "timed out"
                if _probe(page, LOADED_JS) and not _probe(page, "() => !!document.querySelector('.js-plotly-plot')"):
                    out[f"{label}_why"] = "no plotly chart on the page"
            with contextlib.suppress(Exception):
                context.close()
            if label == "warm" and (out.get("warm_s") is None or out["warm_s"] > 20):
                break  # a page that did not draw in time, or takes that long: one visit tells enough
    if out["warm_runs"]:
        out["warm_s"] = statistics.median(out["warm_runs"])
    if out["warm_interactive_runs"]:
        out["warm_interactive_s"] = statistics.median(out["warm_interactive_runs"])
    return out


# --------------------------------------------------------------------------- report


def _fmt(metric: str, v) -> str:
    if v is None:
        return "–"
    if metric.endswith("_s"):
        return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.1f} s" if v < 100 else f"{v:.0f} s"
    if metric in ("payload_bytes", "ws_bytes"):
        return f"{v / MB:.2f} MB" if v >= 0.1 * MB else f"{v / 1e3:.1f} kB"
    if metric.endswith("_mb"):
        return f"{v:,.0f} MB"
    return str(v)


LABELS = {
    "publish_s": "publish: wall time",
    "publish_rss_mb": "publish: peak memory",
    "cold_s": "cold start (fresh process → Explore rendered)",
    "explore_first_s": "Explore: opening a page in a warm process (all of its runs)",
    "explore_median_s": "Explore: filter change, median",
    "explore_worst_s": "Explore: filter change, worst",
    "briefing_median_s": "Briefing: filter change, median",
    "briefing_worst_s": "Briefing: filter change, worst",
    "payload_bytes": "largest message to the browser (AppTest, any run)",
    "ws_bytes": "largest websocket message, page load in Chromium",
    "rss_1_mb": "server memory, 1 session",
    "rss_10_mb": "server memory, 10 sessions (3 with --quick)",
    "rss_added_mb": "server memory added by the other sessions",
    "browser_first_s": "browser: navigation → map drawn (first visitor)",
    "browser_warm_s": "browser: navigation → map drawn (warm server, median of 5 visitors)",
    "browser_interactive_s": "browser: navigation → interactive (plotly) map drawn (warm, median of 5)",
    "browser_floor_s": "browser: the same for a page of one small plotly chart (floor, dashboard column)",
}


def rows_for(n: int, res: dict) -> list[dict]:
    """Table rows for one size: metric, app value, reference value, ratio reference/app, target, met."""
    a, r = res.get("app", {}), res.get("reference", {})
    out = []
    for metric, label in LABELS.items():
        if metric not in a and metric not in r:
            continue
        av, rv = a.get(metric), r.get(metric)
        ratio = rv / av if isinstance(av, int | float) and isinstance(rv, int | float) and av > 0 else None
        target, met = "", ""
        if metric in TARGETS:
            text, check, at_n = TARGETS[metric]
            if at_n is None or at_n == n:
                target = text
                met = "–" if av is None else "yes" if check(av, ratio, n) else "**no**"
        out.append(
            {
                "metric": label,
                "n": n,
                "app": _fmt(metric, av) + a.get(f"{metric}_note", ""),
                "reference": _fmt(metric, rv) + r.get(f"{metric}_note", ""),
                "ratio": f"{ratio:.1f}×" if ratio is not None else "–",
                "target": target,
                "met": met,
            }
        )
    return out


def table(all_rows: list[dict]) -> str:
    head = "| N | measure | dashboard | reference | reference ÷ dashboard | target | met |"
    lines = [head, "|---:|---|---:|---:|---:|---|---|"]
    for row in all_rows:
        lines.append(
            f"| {row['n']:,} | {row['metric']} | {row['app']} | {row['reference']} | {row['ratio']} "
            f"| {row['target']} | {row['met']} |"
        )
    return "\n".join(lines)


def details(results: dict) -> str:
    """Per-step interaction times and anything that went wrong, for the record."""
    out = []
    for size, res in results.items():
        n = int(size)
        for impl in IMPLS:
            for page in ("explore", "briefing"):
                raw = res.get(impl, {}).get(f"{page}_raw")
                if not raw:
                    continue
                steps = ", ".join(f"{r['seconds'] * 1000:.0f}" for r in raw["runs"][1:] if not r.get("opening"))
                opening = " + ".join(
                    f"{r['seconds'] * 1000:.0f}" for r in raw["runs"] if r is raw["runs"][0] or r.get("opening")
                )
                out.append(
                    f"- N={n:,} {impl} {page}: opening runs {opening} ms; changes (ms): {steps}; "
                    f"largest message {raw['largest'] / MB:.2f} MB ({raw['largest_kind']})"
                )
                for e in raw["exceptions"]:
                    out.append(f"  - exception: {e}")
            for error in res.get(impl, {}).get("errors", []):
                out.append(f"- N={n:,} {impl}: **failed** {error}")
            for key in ("cold_raw", "memory_raw", "browser_raw", "browser_floor_raw", "publish_raw"):
                raw = res.get(impl, {}).get(key)
                if raw is None:
                    continue
                keep = {
                    k: v for k, v in raw.items() if k not in ("output", "runs", "rendered_at", "process_started_at")
                }
                out.append(f"- N={n:,} {impl} {key[:-4]}: {json.dumps(keep, default=str)}")
    return "\n".join(out)


def write_results(path: Path, info: dict, command: str, results: dict, started: str, quick: bool) -> str:
    all_rows = [row for n, res in results.items() for row in rows_for(n, res)]
    text = table(all_rows)
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    kept = ""
    if path.exists() and KEEP_MARKER in path.read_text():
        kept = path.read_text().split(KEEP_MARKER, 1)[1]
    body = f"""# Benchmark results

Generated by `benchmarks/run.py` on {started}{" (**--quick**: fewer interactions and sessions)" if quick else ""}.

- machine: {info["cpu"]}, {info["nproc"]} cores (nproc), {info["ram"]} RAM, Linux {info["kernel"]}
- software: Python {info["python"]}, {versions}
- load average (1, 5, 15 min) at the start: {" ".join(info.get("load_start", []))}; at the end: {" ".join(info.get("load_end", []))}
- rerun: `{command}` (or `make bench`)

The machine is shared and noisy; ratios compare figures measured in the same run, one
implementation at a time. "reference" is the straightforward implementation in
`benchmarks/reference_app.py` (data in `st.cache_data`, `isin` filters on object columns, every
point on a plotly map, a full `st.dataframe`); its publish is pandas `read_csv` + `to_parquet`
with no validation. Interaction times are AppTest rerun times (server only) after one sidebar
change; the largest message is the largest serialised ForwardMsg of any AppTest run. AppTest
always sends a whole `st.dataframe`, while a real server (Streamlit 1.67) sends the rows of a
table of more than 150,000 rows lazily, in pages: so the reference's AppTest figure at 1M rows
counts its whole table, and the websocket figure (what Chromium received when loading the page)
is the one to compare there. The memory step's pages do not draw charts (the plotly bundle is
refused), so ten pages fit in the machine's memory; the server does the same work either way.

{text}

<details><summary>Details: every step</summary>

{details(results)}

</details>

{KEEP_MARKER}{kept}"""
    path.write_text(body if body.endswith("\n") else body + "\n")
    return text


# --------------------------------------------------------------------------- main


def _attempt(res: dict, impl: str, step: str, fn, save) -> dict | None:
    """Run one measurement; a failure is recorded (and shown in the table) instead of ending the run."""
    try:
        return fn()
    except Exception as exc:  # a crashed page, a worker that failed: keep every other figure
        log(f"{step} ({impl}) failed: {type(exc).__name__}: {str(exc)[:300]}")
        res[impl].setdefault("errors", []).append(f"{step}: {type(exc).__name__}: {str(exc)[:300]}")
        return None
    finally:
        save()


def run_size(n: int, args, skip: set[str], impls: tuple[str, ...], save=lambda: None) -> dict:
    """Every step for one size, one implementation at a time. `res` is filled in place; save() after each."""
    work = Path(args.work)
    size_dir = work / f"n{n}"
    size_dir.mkdir(parents=True, exist_ok=True)
    root = size_dir / "datasets"
    res: dict = args.results.setdefault(n, {impl: {} for impl in impls})
    t = time.monotonic()
    csv = generate.ensure_csv(work, n, args.seed)
    log(f"N={n:,}: records in {csv} ({time.monotonic() - t:.1f} s)")

    if "publish" not in skip:
        for impl in impls:
            log(f"N={n:,}: publish ({impl})")

            def pub(impl=impl):
                return publish_app(csv, root, work) if impl == "app" else publish_reference(csv, size_dir)

            out = _attempt(res, impl, "publish", pub, save)
            if out:
                res[impl].update(publish_s=out["seconds"], publish_rss_mb=out["max_rss_mb"], publish_raw=out)
    if not published(root, csv):
        log(f"N={n:,}: publishing (untimed: publish was skipped and no published data matches)")
        publish_app(csv, root, work)

    timeout = args.timeout
    if "cold" not in skip:
        for _ in range(args.repeat):
            for impl in impls:
                log(f"N={n:,}: cold start ({impl})")
                out = _attempt(res, impl, "cold", lambda impl=impl: cold_start(impl, root, timeout), save)
                if out:
                    res[impl].setdefault("cold_runs", []).append(out["seconds"])
                    res[impl]["cold_raw"] = out
        for impl in impls:
            if res[impl].get("cold_runs"):
                res[impl]["cold_s"] = statistics.median(res[impl]["cold_runs"])
                largest = res[impl]["cold_raw"]["msg_largest"]
                res[impl]["payload_bytes"] = max(res[impl].get("payload_bytes", 0), largest)
                if res[impl]["cold_raw"]["exceptions"]:
                    res[impl]["cold_s_note"] = " (exception)"

    for page in ("explore", "briefing"):
        if page in skip:
            continue
        for impl in impls:
            log(f"N={n:,}: {args.interactions} filter changes on {page} ({impl})")

            def steps(impl=impl, page=page):
                return interactions(impl, page, root, args.interactions, timeout)

            out = _attempt(res, impl, page, steps, save)
            if not out:
                continue
            res[impl].update({f"{page}_median_s": out["median_s"], f"{page}_worst_s": out["worst_s"]})
            res[impl][f"{page}_raw"] = out
            if page == "explore":
                res[impl]["explore_first_s"] = out["first_s"]
            res[impl]["payload_bytes"] = max(res[impl].get("payload_bytes", 0), out["largest"])
            if out["exceptions"]:
                res[impl][f"{page}_median_s_note"] = " (exception)"

    if "memory" not in skip:
        for impl in impls:
            log(f"N={n:,}: server memory with 1 and {args.sessions} sessions ({impl})")

            def mem(impl=impl):
                return memory(impl, root, args.sessions, args.page_timeout)

            out = _attempt(res, impl, "memory", mem, save)
            if not out:
                continue
            res[impl].update(rss_1_mb=out["rss_1_mb"], rss_10_mb=out["rss_n_mb"], rss_added_mb=out["added_mb"])
            res[impl]["memory_raw"] = out
            if out["pages_not_loaded"]:
                res[impl]["rss_10_mb_note"] = f" ({out['pages_not_loaded']} pages still loading)"
            if out["stopped"]:
                res[impl]["rss_10_mb_note"] = f" ({out['stopped']})"
    if "browser" not in skip:
        for impl in impls:
            log(f"N={n:,}: browser, navigation to map drawn ({impl})")
            out = _attempt(res, impl, "browser", lambda impl=impl: browser_time(impl, root, args.page_timeout), save)
            if not out:
                continue
            res[impl].update(browser_first_s=out.get("first_s"), browser_warm_s=out.get("warm_s"))
            res[impl]["browser_interactive_s"] = out.get("warm_interactive_s")
            if out.get("first_ws_largest") is not None:
                res[impl]["ws_bytes"] = out["first_ws_largest"]
            res[impl]["browser_raw"] = out
            if impl == "app":  # what any Streamlit page with a plotly chart costs on this machine
                floor = _attempt(
                    res, impl, "browser floor", lambda: browser_time("floor", root, args.page_timeout), save
                )
                if floor:
                    res[impl]["browser_floor_s"] = floor.get("warm_s")
                    res[impl]["browser_floor_raw"] = floor
            for label in ("first", "warm"):
                if out.get(f"{label}_s") is None:
                    why = out.get(f"{label}_why", "timed out")
                    note = f" (> {args.page_timeout:.0f} s)" if why == "timed out" else f" ({why})"
                    res[impl][f"browser_{label}_s_note"] = note
    return res


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated record counts")
    parser.add_argument("--skip", default="", help=f"comma-separated steps to skip: {', '.join(STEPS)}")
    parser.add_argument("--quick", action="store_true", help="2 filter changes, 3 sessions, short timeouts")
    parser.add_argument("--impls", default=",".join(IMPLS), help="app,reference (default both)")
    parser.add_argument("--interactions", type=int, help="filter changes per page (default 10; --quick 2)")
    parser.add_argument("--sessions", type=int, help="browser sessions for the memory step (default 10)")
    parser.add_argument("--repeat", type=int, default=1, help="cold starts per implementation (median)")
    parser.add_argument("--seed", type=int, default=generate.SEED)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for one AppTest worker")
    parser.add_argument("--page-timeout", type=float, help="seconds to wait for a browser page (default 120)")
    parser.add_argument("--work", default=str(WORK), help="directory for generated and published data")
    parser.add_argument("--out", default=str(RESULTS), help="Markdown file to write ('-' for none)")
    args = parser.parse_args(argv)
    args.interactions = args.interactions or (2 if args.quick else 10)
    args.sessions = args.sessions or (3 if args.quick else 10)
    args.page_timeout = args.page_timeout or (30 if args.quick else 120)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown step(s) to skip: {', '.join(sorted(unknown))}; steps: {', '.join(STEPS)}")
    impls = tuple(i for i in IMPLS if i in args.impls.split(","))
    if {"memory", "browser"} - skip and not Path(CHROMIUM).exists():
        log(f"no Chromium at {CHROMIUM}: skipping memory and browser")
        skip |= {"memory", "browser"}
    global WORK
    WORK = Path(args.work)
    WORK.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    info = machine()
    info["load_start"] = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    results: dict[int, dict] = {}
    args.results = results
    raw_file = WORK / f"results-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.json"

    def save() -> None:  # after every step, so that a crash loses one figure, not the run
        raw = {"machine": info, "command": command, "started": started, "results": results}
        raw_file.write_text(json.dumps(raw, indent=1, default=str))

    for n in sizes:
        run_size(n, args, skip, impls, save)
    info["load_end"] = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    save()
    log(f"raw figures in {raw_file}")
    all_rows = [row for n, res in results.items() for row in rows_for(n, res)]
    text = table(all_rows)
    if args.out != "-":
        write_results(Path(args.out), info, command.strip(), results, started, args.quick)
        log(f"wrote {args.out}")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
