"""Measurements made inside a fresh Python process with Streamlit's AppTest (run by benchmarks/run.py).

    python benchmarks/apptest_worker.py cold     --impl app|reference
    python benchmarks/apptest_worker.py interact --impl app|reference --page explore|briefing -k 10

ENCOUNTERS_DATA_DIR must name a directory holding one published dataset. Each command prints one
JSON object on its last line of stdout. `cold` prints the wall-clock time (time.time()) at which the
first run finished, so the parent can measure from before it started this process. Message sizes
are those of every ForwardMsg a run produced (`ByteSize()`, what Streamlit serialises onto the
websocket), captured by wrapping AppTest's message parser.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dashboard" / "app.py"
REFERENCE = REPO / "benchmarks" / "reference_app.py"
PAGE_SCRIPTS = {
    ("app", "explore"): "from dashboard.views import explore\nexplore.render()\n",
    ("app", "briefing"): "from dashboard.views import briefing\nbriefing.render()\n",
    ("reference", "explore"): "from benchmarks import reference_app\nreference_app.explore()\n",
    ("reference", "briefing"): "from benchmarks import reference_app\nreference_app.briefing()\n",
}
CHARTS_BUTTON = "x_charts"  # Explore's first run draws a still map; the browser then presses this
TIMEOUT = 1800  # seconds for one run; the reference at a million rows is slow, never stuck

_last: dict = {}


def _capture_message_sizes() -> None:
    """Record the size of each ForwardMsg of the latest run (wraps AppTest's message parser)."""
    import streamlit.testing.v1.local_script_runner as lsr

    original = lsr.parse_tree_from_messages

    def parse(messages):
        largest, kind, total = 0, "", 0
        for msg in messages:
            size = msg.ByteSize()
            total += size
            if size > largest:
                largest, kind = size, _describe(msg)
        _last.update(largest=largest, largest_kind=kind, total=total, messages=len(messages))
        return original(messages)

    lsr.parse_tree_from_messages = parse


def _describe(msg) -> str:
    what = msg.WhichOneof("type") or ""
    if what == "delta":
        delta = msg.delta
        what = delta.WhichOneof("type") or "delta"
        if what == "new_element":
            what = delta.new_element.WhichOneof("type") or what
    return what


def _exceptions(at) -> list[str]:
    return [str(e.value)[:300] for e in at.exception]


def _press_charts(at) -> bool:
    """What a browser does after Explore's first run of a session: its still map's script presses the
    hidden charts button, and the next run sends the whole page (dashboard/views/explore.py)."""
    if not any(b.key == CHARTS_BUTTON for b in at.button):
        return False
    at.button(key=CHARTS_BUTTON).click()
    at.run()
    return True


def cold(impl: str) -> dict:
    started = time.time()
    from streamlit.testing.v1 import AppTest

    imported = time.time()
    at = AppTest.from_file(str(APP if impl == "app" else REFERENCE), default_timeout=TIMEOUT)
    at.run()
    still = time.time()
    sizes = dict(_last)  # of the run that sent the largest message
    if _press_charts(at) and _last.get("largest", 0) > sizes.get("largest", 0):
        sizes = dict(_last)  # the whole page, charts and tables included, is what counts as rendered
    done = time.time()
    return {
        "rendered_at": done,
        "process_started_at": started,
        "import_s": imported - started,
        "first_run_s": done - imported,
        "still_map_s": still - imported,
        "exceptions": _exceptions(at),
        "metrics": [m.value for m in at.metric][:1],
        **{f"msg_{k}": v for k, v in sizes.items()},
    }


def _plan(records_path: Path, start, end) -> list[tuple[str, object]]:
    """Widget changes, in order: each sets one sidebar widget. Filters are added and later removed, so
    the matching share moves between a few percent and everything (the expensive case)."""
    import pandas as pd

    states = pd.read_parquet(records_path, columns=["state"])["state"].astype(str)
    top = [s for s in states[states != ""].value_counts().index[:3]]
    last_year = (max(start, end - timedelta(days=364)), end)
    return [
        ("f_states", top[:1]),
        ("f_groups", ["Latino/Hispanic", "undocumented"]),
        ("f_states", top),
        ("f_forces", ["weapon displayed", "firearm discharged"]),
        ("f_states", []),
        ("f_min_force", "physical restraint"),
        ("f_forces", []),
        ("f_agencies", ["ICE ERO", "Border Patrol"]),
        ("f_types", ["vehicle stop", "home raid", "workplace raid"]),
        ("f_verification", ["corroborated", "documented"]),
        ("f_dates", last_year),
        ("f_groups", []),
        ("f_min_force", ""),
        ("f_agencies", []),
        ("f_types", []),
        ("f_verification", []),
        ("f_dates", (start, end)),
    ]


def _set(at, key: str, value) -> None:
    if key == "f_min_force":
        at.selectbox(key=key).set_value(value)
    elif key == "f_dates":
        at.date_input(key=key).set_value(value)
    else:
        at.multiselect(key=key).set_value(value)


def interact(impl: str, page: str, k: int) -> dict:
    import os

    import pandas as pd
    from streamlit.testing.v1 import AppTest

    from dashboard import store

    root = Path(os.environ["ENCOUNTERS_DATA_DIR"])
    name = store.list_datasets(root)[0]
    version = store.current_version(root, name)
    records = store.version_dir(root, name, version) / "records.parquet"
    dates = pd.read_parquet(records, columns=["date"])["date"]
    start, end = dates.min().date(), dates.max().date()

    at = AppTest.from_string(PAGE_SCRIPTS[(impl, page)], default_timeout=TIMEOUT)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    runs = [dict(step="first run", seconds=first, **_last, exceptions=_exceptions(at))]
    t0 = time.perf_counter()
    if _press_charts(at):  # part of opening the page, not a filter change
        seconds = time.perf_counter() - t0
        runs.append(dict(step="charts run", opening=True, seconds=seconds, **_last, exceptions=_exceptions(at)))
    plan = _plan(records, start, end)
    for i in range(k):
        key, value = plan[i % len(plan)]
        _set(at, key, value)
        t0 = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - t0
        runs.append(dict(step=f"{key}={value}", seconds=seconds, **_last, exceptions=_exceptions(at)))
    return {"impl": impl, "page": page, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["cold", "interact"])
    parser.add_argument("--impl", choices=["app", "reference"], required=True)
    parser.add_argument("--page", choices=["explore", "briefing"], default="explore")
    parser.add_argument("-k", type=int, default=10, help="number of widget changes (interact)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    _capture_message_sizes()
    out = cold(args.impl) if args.command == "cold" else interact(args.impl, args.page, args.k)
    print(json.dumps(out, default=str), flush=True)


if __name__ == "__main__":
    main()
