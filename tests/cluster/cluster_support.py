"""Helpers of the cluster tests: the launcher (scripts/cluster.py), free ports, a cluster's addresses."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import REPO

sys.path.insert(0, str(REPO / "scripts"))
launcher = importlib.import_module("cluster")  # scripts/cluster.py (scripts/ is not a package)

# The block of ports tried first (PORT for nginx, PORT+1.. for the replicas); CLUSTER_TEST_PORT moves it.
BASE_PORT = int(os.environ.get("CLUSTER_TEST_PORT", "8700"))


@dataclass
class Cluster:
    port: int | None  # nginx, or None when the replicas run without it
    replica_ports: list[int]
    root: Path
    proc: subprocess.Popen

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def replica_ws(self, i: int) -> str:
        return f"ws://127.0.0.1:{self.replica_ports[i]}"


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_block(size: int, base: int = BASE_PORT, tries: int = 10) -> int:
    """The first port of `size` consecutive free ports, from `base` on in steps of 5."""
    for start in range(base, base + 5 * tries, 5):
        if all(_free(p) for p in range(start, start + size)):
            return start
    pytest.skip(f"no {size} free ports from {base}; set CLUSTER_TEST_PORT")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def stop_group(proc: subprocess.Popen) -> None:
    """What Ctrl-C in a terminal does: a signal to the whole process group (make, launcher, children)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# Two replicas started as the launcher starts them, for machines without nginx.
REPLICAS_ONLY = """
import sys, time
sys.path.insert(0, "scripts")
import cluster
root, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
env = cluster.replica_env(cluster.Path(root), "test-secret")
procs = {str(p): cluster.start_replica(p, env) for p in ports}
try:
    while True:
        time.sleep(1)
finally:
    cluster.stop_all(procs)
"""
