"""The load tool walks a visitor's whole path against a real server, and never targets another host."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import REPO

from benchmarks.load import PATH_STEPS, percentile
from benchmarks.stsession import local_base

LOAD = str(REPO / "benchmarks" / "load.py")


def _load(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, LOAD, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.mark.xdist_group("benchmark")
def test_a_few_sessions_walk_the_whole_path_without_an_error(server):
    # --once: each visitor walks the path once and the run ends when all have (well before --duration)
    args = ("--dataset", "demo", "--sessions", "3", "--duration", "60", "--think", "0.2", "--once", "--json")
    proc = _load("--url", server, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["sessions"] == 3
    assert out["errors"] == 0, out["error_examples"]
    assert out["interactions"] > 0
    assert 0 < out["p50_ms"] <= out["p95_ms"]
    assert set(out["steps"]) == set(PATH_STEPS)  # every step of the path happened at least once
    assert out["visits_started"] == out["visits_completed"] == 3
    assert out["download_bytes"] > 0  # the CSV came back over HTTP


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://example.org:8501", id="another-host"),
        pytest.param("http://10.0.0.7:8501", id="lan-address"),
        pytest.param("http://localhost:8501", id="localhost-name"),  # a name can be made to point anywhere
        pytest.param("http://127.0.0.1.nip.io:8501", id="lookalike"),
        pytest.param("https://127.0.0.1:8501", id="https"),
    ],
)
def test_refuses_any_target_but_127_0_0_1(url):
    with pytest.raises(ValueError, match="refusing"):
        local_base(url)
    proc = _load("--url", url, "--json", timeout=30)
    assert proc.returncode == 2
    assert "refusing" in proc.stderr and not proc.stdout


def test_sessions_and_duration_are_capped():
    assert "--sessions" in _load("--sessions", "100000", timeout=30).stderr
    assert "--duration" in _load("--duration", "86400", timeout=30).stderr


def test_local_base_keeps_the_port():
    assert local_base("127.0.0.1:8750") == "http://127.0.0.1:8750"
    assert local_base("http://127.0.0.1:8750/some/page?x=1") == "http://127.0.0.1:8750"


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 50) == 50.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 95) is None
