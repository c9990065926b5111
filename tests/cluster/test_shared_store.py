"""What replicas share through the data directory holds when two processes use it at once: the sign-in
throttle's counts, the audit log's lines and the upload area's files. Each test runs two real
processes, started together, doing many operations each."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

from dashboard import auth, contributor_files, store

N = 300  # operations per process


def _together(target, *args) -> list:
    """Run `target(i, start, results, *args)` in two spawned processes released at the same moment."""
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(i, start, results, *args)) for i in (0, 1)]
    for p in procs:
        p.start()
    start.set()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    return out


def _count_failures(i, start, results, path):
    limiter = auth.RateLimiter(path)
    counting = auth.Limits(max_failures=auth.NEVER)
    start.wait()
    for _ in range(N):
        limiter.record_failure({"user:alice": counting, f"client:10.0.0.{i}": counting})
    results.put(i)


def test_two_processes_count_every_sign_in_failure(tmp_path):
    path = tmp_path / "_auth" / "sign-in-failures.json"
    _together(_count_failures, path)
    limiter = auth.RateLimiter(path)
    assert limiter.failures("user:alice") == 2 * N  # none lost to a read-modify-write race
    assert limiter.failures("client:10.0.0.0") == limiter.failures("client:10.0.0.1") == N


def _append(i, start, results, root):
    start.wait()
    for n in range(N):
        # Every tenth entry is long (a refused publish quoting a long reason): bigger than one write buffer.
        note = "x" * 20_000 if n % 10 == 0 else ""
        store.append_audit(root, "demo", {"action": "publish", "writer": i, "n": n, "note": note})
    results.put(i)


def test_two_processes_appending_to_the_audit_log_lose_no_entry(tmp_path):
    _together(_append, tmp_path)
    lines = (tmp_path / "demo" / "audit.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # a torn or interleaved line would not parse
    assert len(entries) == 2 * N
    for writer in (0, 1):
        assert [e["n"] for e in entries if e["writer"] == writer] == list(range(N))  # each in its order


def _upload(i, start, results, root):
    start.wait()
    paths = []
    for n in range(N // 3):
        shared = f"id,city\n{n},same file from both replicas\n".encode()
        own = f"id,city\n{n},only replica {i}\n".encode()
        paths += [str(contributor_files.store_upload(root, shared, "shared.csv"))]
        paths += [str(contributor_files.store_upload(root, own, f"own-{i}.csv"))]
    results.put(paths)


def test_two_processes_storing_uploads_keep_every_file_whole(tmp_path):
    stored = [Path(p) for paths in _together(_upload, tmp_path) for p in paths]
    folder = contributor_files.uploads_dir(tmp_path)
    assert all(p.parent == folder for p in stored)  # inside the shared data directory
    # Each file is named by its content's hash, so the same bytes give one file and different bytes
    # can never take each other's place.
    for p in stored:
        assert p.name == hashlib.sha256(p.read_bytes()).hexdigest() + ".csv"
    assert len(set(stored)) == 3 * (N // 3)  # shared files once, each replica's own files apart
    assert sorted(folder.iterdir()) == sorted(set(stored)), "a temporary file was left behind"
