"""Calibrate benchmarks/load.py against real Chromium pages: the same visitor path, the same server.

    python benchmarks/load_calibrate.py --data-dir data/datasets --dataset demo --port 8760 --visits 3
    python benchmarks/load_calibrate.py --url http://127.0.0.1:8501 --pid 12345 --dataset demo

One visitor at a time, first in Chromium (Playwright, Debian's /usr/bin/chromium), then with the load
tool. Each interaction is timed the same way in both: from the rerun_script message the page sends to
the script_finished message it receives. In Chromium the times are the websocket frames' own
timestamps (Chrome DevTools Protocol), so what the page does around them does not count; the CSV
download is timed from the click to the finished file. With a server started here (or `--pid`) the
server's CPU seconds per visit are compared too: that is what decides capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import load, serve  # noqa: E402
from benchmarks.stsession import local_base  # noqa: E402
from dashboard.chromium import OFFLINE_FLAGS, find  # noqa: E402

RERUN, FINISHED = "rerun", "finished"
FILTERS = ("f_states", "f_groups", "f_min_force")  # in the sidebar's view, not in a popover


class NothingMatches(Exception):
    pass


class Frames:
    """The page's websocket frames, with Chrome's timestamps: reruns sent (labelled with the step in
    progress) and script runs finished."""

    def __init__(self, cdp):
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.step = "open"
        self.events: list[tuple[str, str, float]] = []  # (kind, step, timestamp)
        self.received_bytes = 0

        def payload(params) -> bytes | None:
            frame = params["response"]
            return base64.b64decode(frame["payloadData"]) if frame.get("opcode") == 2 else None

        def sent(params):
            data = payload(params)
            if data is not None:
                msg = BackMsg()
                msg.ParseFromString(data)
                if msg.WhichOneof("type") == "rerun_script":
                    self.events.append((RERUN, self.step, params["timestamp"]))

        def received(params):
            data = payload(params)
            if data is None:
                return
            self.received_bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
                self.events.append((FINISHED, self.step, params["timestamp"]))

        cdp.on("Network.webSocketFrameSent", sent)
        cdp.on("Network.webSocketFrameReceived", received)

    def finished(self) -> int:
        return sum(1 for kind, _, _ in self.events if kind == FINISHED)

    def latencies(self) -> list[tuple[str, float]]:
        """Each rerun paired with the first run finished after it (a rerun sent while another ran is
        answered by that same finish, as the load tool would see it)."""
        out, pending = [], []
        for kind, step, ts in self.events:
            if kind == RERUN:
                pending.append((step, ts))
            elif pending:
                step0, ts0 = pending[0]
                out.append((step0, ts - ts0))
                pending = []
        return out


def _wait_runs(page, frames: Frames, before: int, timeout: float = 90) -> None:
    """Until the page has seen a run finish after `before` finished runs (and is idle again)."""
    deadline = time.monotonic() + timeout
    while frames.finished() <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run finished during step {frames.step}: {frames.events[-4:]}")
        page.wait_for_timeout(20)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60000)


def _choose(page, key: str, index: int) -> None:
    """Open a select widget and pick the index-th option other than its current value (a pick of the
    current value would not rerun)."""
    page.locator(f".st-key-{key} input").first.click(timeout=90000)
    options = page.locator('[role="option"]:not([aria-selected="true"])').filter(has_not_text="Select all")
    options.first.wait_for()
    options.nth(index % options.count()).click()
    page.keyboard.press("Escape")


def browser_visit(browser, base: str, query: str, index: int) -> dict:
    """One visitor's path in a fresh Chromium context; returns its latencies and what it downloaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    frames = Frames(cdp)
    http = {"requests": 0, "bytes": 0}

    def on_response(response):
        http["requests"] += 1
        with contextlib.suppress(ValueError):
            http["bytes"] += int(response.headers.get("content-length", 0))

    page.on("response", on_response)
    extra: list[tuple[str, float]] = []
    try:
        page.goto(f"{base}/?{query}")
        _wait_runs(page, frames, 0)  # the still map's run
        _wait_runs(page, frames, 1)  # the run its script asks for
        for key in FILTERS:
            frames.step = "filter"
            before = frames.finished()
            _choose(page, key, index % 3)
            _wait_runs(page, frames, before)
        frames.step, before = "record", frames.finished()
        if page.get_by_text("No record matches these filters.").count():
            raise NothingMatches("no record matches the filters picked")
        table = page.locator('[class*="st-key-x_table_"]').first
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's marker (header and row: 35 px)
        _wait_runs(page, frames, before)
        frames.step, before = "close", frames.finished()
        page.locator('[role="dialog"] [data-testid="stBaseButton-secondary"]').filter(has_text="Close").click()
        _wait_runs(page, frames, before)
        frames.step = "download"
        started = time.perf_counter()
        with page.expect_download(timeout=60000) as info:
            page.get_by_role("button", name="Download CSV").click()
        info.value.path()
        extra.append(("download", time.perf_counter() - started))
        frames.step, before = "briefing", frames.finished()
        page.get_by_role("link", name="Briefing").first.click()
        _wait_runs(page, frames, before)
        frames.step, before = "area", frames.finished()
        _choose(page, "b_area_state", index)
        _wait_runs(page, frames, before)
    finally:
        context.close()
    steps = frames.latencies()
    if steps and steps[0][0] == "open" and len(steps) > 1 and steps[1][0] == "open":
        steps[1] = ("charts", steps[1][1])  # the page's own press of the hidden button
    return {"latencies": steps + extra, "http": http, "ws_bytes": frames.received_bytes}


def _medians(latencies: list[tuple[str, float]]) -> dict[str, float]:
    out = {}
    for step in load.PATH_STEPS:
        mine = [s for k, s in latencies if k == step]
        if mine:
            out[step] = round(1000 * statistics.median(mine), 1)
    return out


def calibrate(base: str, pid: int | None, query: str, visits: int) -> dict:
    from playwright.sync_api import sync_playwright

    result = {"url": base, "query": query, "visits": visits, "load_before": serve.loadavg()}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find() or "/usr/bin/chromium", args=list(OFFLINE_FLAGS))
        with contextlib.suppress(NothingMatches):  # warms the server's caches and the page's code: not counted
            browser_visit(browser, base, query, 0)
        cpu0 = serve.cpu_seconds(pid) if pid else None
        started = time.monotonic()
        runs, i = [], 0
        while len(runs) < visits and i < 3 * visits:  # a visitor whose filters match nothing is not counted
            with contextlib.suppress(NothingMatches):
                runs.append(browser_visit(browser, base, query, i))
            i += 1
        seconds = time.monotonic() - started
        cpu = serve.cpu_seconds(pid) - cpu0 if pid else None
        browser.close()
    lat = [x for r in runs for x in r["latencies"]]
    result["browser"] = {
        "steps_p50_ms": _medians(lat),
        "all_p50_ms": round(1000 * statistics.median(s for _, s in lat), 1),
        "server_cpu_s_per_visit": round(cpu / visits, 3) if cpu is not None else None,
        "http_requests_per_visit": statistics.median(r["http"]["requests"] for r in runs),
        "http_mb_per_visit": round(statistics.median(r["http"]["bytes"] for r in runs) / 1e6, 2),
        "ws_mb_per_visit": round(statistics.median(r["ws_bytes"] for r in runs) / 1e6, 2),
        "seconds": round(seconds, 1),
    }
    args = load.parse_args(["--url", base, "--query", query, "--sessions", "1", "--once", "--think", "0.5"])
    args.filters = FILTERS
    args.duration, args.ramp = 300, 0
    tool = {"latencies": [], "bytes": 0, "visits": 0}
    cpu0 = serve.cpu_seconds(pid) if pid else None
    for i in range(visits):
        args.seed = i
        out = asyncio.run(load.run_load(args, raw=True))
        if out["errors"]:  # reported beside the figures, not a reason to lose the browser's
            result.setdefault("load_tool_errors", []).append(out["error_examples"])
        tool["latencies"] += out["latencies"]
        tool["bytes"] += out["received_mb"]
    cpu = serve.cpu_seconds(pid) - cpu0 if pid else None
    result["load_tool"] = {
        "steps_p50_ms": _medians(tool["latencies"]),
        "all_p50_ms": round(1000 * statistics.median(s for _, s in tool["latencies"]), 1),
        "server_cpu_s_per_visit": round(cpu / visits, 3) if cpu is not None else None,
        "ws_mb_per_visit": round(tool["bytes"] / visits, 2),
    }
    result["load_after"] = serve.loadavg()
    return result


def report(r: dict) -> str:
    b, t = r["browser"], r["load_tool"]
    lines = [
        f"Calibration, {r['visits']} visitors one at a time, {r['url']}/?{r['query']} ({r['load_before']})",
        "",
        "| step | Chromium p50 (ms) | load tool p50 (ms) |",
        "|---|---:|---:|",
    ]
    for step in load.PATH_STEPS:
        lines.append(f"| {step} | {b['steps_p50_ms'].get(step, '–')} | {t['steps_p50_ms'].get(step, '–')} |")
    lines.append(f"| every interaction | {b['all_p50_ms']} | {t['all_p50_ms']} |")
    lines.append(f"| server CPU per visit (s) | {b['server_cpu_s_per_visit']} | {t['server_cpu_s_per_visit']} |")
    lines.append(f"| websocket MB received per visit | {b['ws_mb_per_visit']} | {t['ws_mb_per_visit']} |")
    lines.append(
        f"| HTTP per visit (page, scripts, styles, fonts) | {b['http_requests_per_visit']} requests, "
        f"{b['http_mb_per_visit']} MB | the page's HTML only |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (127.0.0.1 only)")
    parser.add_argument("--pid", type=int, help="its process id, to compare server CPU per visit")
    parser.add_argument("--data-dir", help="start a server on this datasets directory instead")
    parser.add_argument("--port", type=int, default=8760, help="port for the server started here")
    parser.add_argument("--dataset", default="demo")
    parser.add_argument("--query", default="", help="the shared link's other parameters")
    parser.add_argument("--visits", type=int, default=3, help="visitors in each of the two ways (at most 10)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    query = f"dataset={args.dataset}&{args.query}".rstrip("&")
    visits = max(1, min(args.visits, 10))
    if args.data_dir:
        with serve.streamlit(Path(args.data_dir), args.port) as (proc, base):
            result = calibrate(base, proc.pid, query, visits)
    elif args.url:
        result = calibrate(local_base(args.url), args.pid, query, visits)
    else:
        parser.error("give --url (a running server) or --data-dir (start one)")
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
