"""Load a running dashboard with N concurrent visitors, each replaying a visitor's path.

    python benchmarks/load.py --url http://127.0.0.1:8501 --sessions 20 --duration 60 --json

Each visitor (a new websocket session, as a new browser tab) follows the path of someone who got a
shared link during a news spike:

  open      Explore from the shared link (`--query`); the first run sends the still map, and the
  charts    browser then presses the hidden button for the run with every chart and table
  filter    change three filters, one run each: the first three of a state, an encounter type, a
            quarter of the dates, a targeted group, the minimum force level that the dataset offers;
            if then no record matches, undo the last one (one more `filter` run), as a visitor would
  record    select the first row of the records table (the record opens in a dialog)
  close     close the dialog (its Close button), which hides the rest of the page while open
  download  press "Download CSV": the server builds the file, the browser fetches it over HTTP
  briefing  open the Briefing page, then
  area      pick a state there

then leaves, and a new visitor takes its place, until `--duration` has passed. Between two steps a
visitor reads for `--think` seconds (uniformly 0.5x to 1.5x). Choices are random (seeded) among the
first options of each widget, so visitors share some views and not others, as on a busy day.

An interaction's latency is send -> script_finished (a download: press -> file received). `--json`
prints one object: sessions, interactions, p50_ms, p95_ms, errors, and per-step figures; `servers`
splits the figures by replica (behind nginx, its affinity cookie names it), `download_parts` splits a
download into the server making the file, answering the GET, and the file arriving. Only
http://127.0.0.1 is ever targeted; sessions and duration have hard caps.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stsession import LoadError, Session, choose, local_base, press, select_row  # noqa: E402

MAX_SESSIONS = 500
MAX_DURATION = 900.0
FIRST_OPTIONS = 8  # a visitor picks among a widget's first options (popular states, groups, levels)
# The filters a visitor changes: the first three of these that the dataset offers (ICE FY2019 has no
# state and no force recorded, so its visitors pick an encounter type, a period and a group).
FILTERS = ("f_states", "f_types", "f_dates", "f_groups", "f_min_force")
PERIOD_DAYS = 91  # a period picked on the dates filter: about a quarter
AFFINITY_COOKIE = "encounters_route"  # deploy/nginx.conf.template: the replica (its port) a visitor is on
PATH_STEPS = ("open", "charts", "filter", "record", "close", "download", "briefing", "area")


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of a list; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-q * len(ordered) // 100)))
    return ordered[int(rank) - 1]


class Stats:
    def __init__(self):
        self.latencies: list[tuple[str, float]] = []  # (step, seconds)
        self.downloads: list = []  # stsession.Download, one a press
        self.by_server: dict[str, list[float]] = {}  # replica (its affinity cookie) or URL -> seconds
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.visits = self.completed = self.bytes = self.download_bytes = 0
        self.largest = 0

    def record(self, step: str, seconds: float, server: str) -> None:
        self.latencies.append((step, seconds))
        self.by_server.setdefault(server, []).append(seconds)

    def error(self, step: str, what: str) -> None:
        key = f"{step}: {what.split(':')[0][:80]}"
        self.errors[key] += 1
        self.examples.setdefault(key, what[:300])

    def summary(self, sessions: int, seconds: float) -> dict:
        all_s = [s for _, s in self.latencies]
        steps = {}
        for step in PATH_STEPS:
            mine = [s for k, s in self.latencies if k == step]
            if mine:
                steps[step] = {
                    "n": len(mine),
                    "p50_ms": round(1000 * statistics.median(mine), 1),
                    "p95_ms": round(1000 * percentile(mine, 95), 1),
                    "max_ms": round(1000 * max(mine), 1),
                }
        return {
            "sessions": sessions,
            "interactions": len(all_s),
            "p50_ms": round(1000 * statistics.median(all_s), 1) if all_s else None,
            "p95_ms": round(1000 * percentile(all_s, 95), 1) if all_s else None,
            "max_ms": round(1000 * max(all_s), 1) if all_s else None,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "error_examples": self.examples,
            "visits_started": self.visits,
            "visits_completed": self.completed,
            "seconds": round(seconds, 1),
            "interactions_per_s": round(len(all_s) / seconds, 2) if seconds else None,
            "received_mb": round(self.bytes / 1e6, 2),
            "largest_message_kb": round(self.largest / 1e3, 1),
            "download_bytes": self.download_bytes,  # as received: gzip-compressed where the server compresses
            "steps": steps,
            # A download's time in three: the server making the file (press -> its URL), then
            # answering the GET (its first bytes), then the whole file arriving (size-bound).
            "download_parts": {
                part: {
                    "p50_ms": round(1000 * statistics.median(got), 1),
                    "p95_ms": round(1000 * percentile(got, 95), 1),
                }
                for part in ("made_s", "answered_s", "received_s")
                if (got := [getattr(d, part) for d in self.downloads])
            },
            "download_mb_max": round(max((d.bytes for d in self.downloads), default=0) / 1e6, 1),
            # Behind a balancer: which replica served how many interactions, and how fast (its cookie
            # names it); an uneven split or one slow replica shows here, not in the totals.
            "servers": {
                where: {
                    "n": len(mine),
                    "p50_ms": round(1000 * statistics.median(mine), 1),
                    "p95_ms": round(1000 * percentile(mine, 95), 1),
                }
                for where, mine in sorted(self.by_server.items())
            },
        }


class Visitor:
    def __init__(self, base: str, query: str, rng: random.Random, stats: Stats, think: float, deadline: float):
        self.base, self.query, self.rng, self.stats = base, query, rng, stats
        self.think, self.deadline = think, deadline
        self.filters = FILTERS
        self.session: Session | None = None

    def _pick(self, widget) -> list[str]:
        if widget.kind == "date_input":  # about a quarter inside the range shown
            start, end = (date.fromisoformat(v.replace("/", "-")) for v in widget.value)
            span = max(0, (end - start).days - PERIOD_DAYS)
            first = start + timedelta(days=self.rng.randint(0, span))
            return [first.isoformat(), min(end, first + timedelta(days=PERIOD_DAYS)).isoformat()]
        options = [o for o in widget.options[:FIRST_OPTIONS] if o not in widget.value]
        return [self.rng.choice(options)] if options else []

    def _filters(self, run) -> list:
        usable = [run.widgets[k] for k in self.filters if k in run.widgets]
        return [w for w in usable if w.kind == "date_input" and len(w.value) == 2 or w.options][:3]

    async def _pause(self) -> None:
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
        if time.monotonic() > self.deadline:
            raise TimeoutError("duration over")

    async def _run(self, step: str, **kwargs):
        run = await self.session.run(**kwargs)
        self.stats.bytes += run.bytes
        self.stats.largest = max(self.stats.largest, run.bytes)
        if run.exceptions:
            raise LoadError("; ".join(run.exceptions))
        self.stats.record(step, run.seconds, self._server())
        return run

    def _server(self) -> str:
        """The replica this visitor is on: the balancer's affinity cookie, else the URL it opened."""
        return self.session.cookies.get(AFFINITY_COOKIE, self.base)

    async def visit(self) -> None:
        """One visitor's whole path; a failed step ends the visit (as a visitor would give up)."""
        self.stats.visits += 1
        step = "open"
        self.session = Session(self.base, self.query)
        try:
            status = await self.session.open_page()  # the HTML (and a load balancer's affinity cookie)
            if status != 200:
                raise LoadError(f"the page answered HTTP {status}")
            await self.session.connect()
            run = await self._run("open")
            if "x_charts" in run.widgets:  # the still map's script presses it once the picture is drawn
                step = "charts"
                run = await self._run("charts", set_values={run.widgets["x_charts"].id: press(run.widgets["x_charts"])})
            step = "filter"
            undo = []
            for widget in self._filters(run):
                await self._pause()
                picked = self._pick(widget)
                if picked:
                    if widget.value or widget.kind == "multiselect":  # what undoing this change sends
                        undo.append(choose(widget, widget.value))
                    run = await self._run("filter", set_values={widget.id: choose(widget, picked)})
            table = next((w for k, w in run.widgets.items() if k.startswith("x_table_")), None)
            while table is not None and not table.rows and undo:  # nothing matches: undo the last change
                await self._pause()
                last = undo.pop()
                run = await self._run("filter", set_values={last.id: last})
                table = next((w for k, w in run.widgets.items() if k.startswith("x_table_")), None)
            await self._pause()
            step = "record"
            if table is not None and table.rows:
                run = await self._run("record", set_values={table.id: select_row(table, 0)})
                await self._pause()
                step = "close"
                close = run.buttons.get("Close")
                if close is None:
                    raise LoadError("the record did not open (no Close button)")
                run = await self._run("close", set_values={close.id: press(close)})
            await self._pause()
            step = "download"
            if "x_csv" in run.downloads:
                got = await self.session.download(run.downloads["x_csv"])
                self.stats.download_bytes += got.bytes
                self.stats.downloads.append(got)
                self.stats.record("download", got.received_s, self._server())
            await self._pause()
            step = "briefing"
            run = await self._run("briefing", page="briefing")
            await self._pause()
            step = "area"
            area = run.widgets.get("b_area_state")
            picked = self._pick(area) if area is not None else []
            if picked:
                await self._run("area", set_values={area.id: choose(area, picked)})
            self.stats.completed += 1
        except TimeoutError as exc:
            if time.monotonic() <= self.deadline:  # a step that took too long, not the end of the run
                self.stats.error(step, f"timed out: {exc}")
        except (LoadError, OSError, ValueError) as exc:
            self.stats.error(step, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a closed websocket, a bad message: counted, never a crash of the tool
            self.stats.error(step, f"{type(exc).__name__}: {exc}")
        finally:
            await self.session.close()


async def _visitor_loop(i: int, args, stats: Stats, deadline: float) -> None:
    rng = random.Random(args.seed * 1000 + i)
    url = args.urls[i % len(args.urls)]  # several servers without a balancer: visitors spread evenly
    await asyncio.sleep(rng.uniform(0, args.ramp))  # visitors arrive over the ramp, not all at once
    while time.monotonic() < deadline:
        errors = sum(stats.errors.values())
        visitor = Visitor(url, args.query, rng, stats, args.think, deadline)
        visitor.filters = args.filters
        await visitor.visit()
        if sum(stats.errors.values()) > errors:  # a failed visit: the next visitor comes a little later
            await asyncio.sleep(max(args.think, 1.0))
        if args.once:
            break


async def run_load(args, raw: bool = False) -> dict:
    """Run the visitors; raw=True adds every (step, seconds) under `latencies`."""
    stats = Stats()
    started = time.monotonic()
    deadline = started + args.duration
    tasks = [asyncio.create_task(_visitor_loop(i, args, stats, deadline)) for i in range(args.sessions)]
    _done, pending = await asyncio.wait(tasks, timeout=args.duration + args.grace)
    for task in pending:  # a visitor stuck past the grace period
        task.cancel()
        stats.error("stuck", "still waiting for the server after the run ended")
    out = stats.summary(args.sessions, time.monotonic() - started)
    out.update(url=args.url, query=args.query, think_s=args.think, seed=args.seed)
    if raw:
        out["latencies"] = list(stats.latencies)
    return out


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:8501",
        help="the server (127.0.0.1 only); several, comma-separated, share the visitors between them",
    )
    parser.add_argument("--query", default="agency=ICE+ERO", help="the shared link's query string")
    parser.add_argument("--dataset", help="adds dataset=NAME to the query")
    parser.add_argument("--sessions", type=int, default=5, help=f"concurrent visitors (at most {MAX_SESSIONS})")
    parser.add_argument("--duration", type=float, default=30, help=f"seconds (at most {MAX_DURATION:.0f})")
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds a visitor reads between steps")
    parser.add_argument("--ramp", type=float, help="seconds over which visitors arrive (default: --think)")
    parser.add_argument("--grace", type=float, default=30, help="seconds a last step may take after --duration")
    parser.add_argument("--once", action="store_true", help="each visitor walks the path once, then stops")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--filters", default=",".join(FILTERS), help="widget keys of the filters a visitor may change, in order"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        args.urls = [local_base(u.strip()) for u in args.url.split(",") if u.strip()]
        args.url = ",".join(args.urls)
        if not args.urls:
            raise ValueError("no --url given")
    except ValueError as exc:
        parser.error(str(exc))
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be 1..{MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be in (0, {MAX_DURATION:.0f}] seconds")
    args.grace = min(max(args.grace, 0), 120)
    args.filters = tuple(k.strip() for k in args.filters.split(",") if k.strip())
    args.ramp = args.think if args.ramp is None else max(args.ramp, 0)
    if args.dataset:
        args.query = f"dataset={args.dataset}&{args.query}".rstrip("&")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = asyncio.run(run_load(args))
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{out['sessions']} sessions, {out['seconds']} s: {out['interactions']} interactions, ", end="")
        print(f"p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms, {out['errors']} errors")
        for step, s in out["steps"].items():
            print(
                f"  {step:9} n={s['n']:5}  p50 {s['p50_ms']:8.1f} ms  p95 {s['p95_ms']:8.1f} ms  max {s['max_ms']:8.1f}"
            )
        if len(out["servers"]) > 1:
            for where, s in out["servers"].items():
                print(f"  server {where}: n={s['n']}  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms")
        for part, s in out["download_parts"].items():
            print(f"  download {part[:-2]:9} p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms")
        for kind, n in out["error_kinds"].items():
            print(f"  error x{n}: {out['error_examples'][kind]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
