"""What the reports tests share, in a module of its own name: a process the tests spawn imports its test
module again, and a `from conftest import ...` there can find another folder's conftest.py first."""

from __future__ import annotations

DATASET = "reported"


def run_at_once(target, args_per_process: list[tuple], timeout: float = 600) -> list:
    """Run target(*args, barrier, out) in one spawned process per args tuple, all released together by the
    barrier; each puts one result on `out`. Returns the results; fails at once if a process dies."""
    import multiprocessing
    import queue
    import time

    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(args_per_process), timeout=timeout), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, out)) for args in args_per_process]
    for p in procs:
        p.start()
    results, deadline = [], time.monotonic() + timeout
    try:
        while len(results) < len(procs):
            try:
                results.append(out.get(timeout=2))
            except queue.Empty:
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                assert not dead, f"a filing process died (exit codes {dead}); see its output above"
                assert time.monotonic() < deadline, "the processes did not finish in time"
    finally:
        for p in procs:
            p.join(60)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return results
