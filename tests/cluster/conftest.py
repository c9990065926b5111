"""Two replicas of the app on one data directory: `make cluster REPLICAS=2` (nginx in front), or, where
nginx is not installed, the two Streamlit processes alone (the nginx tests then skip)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import cluster as launcher  # noqa: E402  (scripts/ is not a package)

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


def _healthy(port: int) -> bool:
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


@pytest.fixture(scope="module")
def shared_root(demo_root, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("shared") / "datasets"
    shutil.copytree(demo_root, copy)
    return copy


@pytest.fixture(scope="module")
def cluster(shared_root):
    with_nginx = launcher.find_nginx() is not None
    port = free_block(3)
    replicas = launcher.replica_ports(port, 2)
    env = dict(os.environ, STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    if with_nginx:
        cmd = ["make", "--no-print-directory", "cluster", "REPLICAS=2", f"PORT={port}", f"DATA_DIR={shared_root}"]
        cmd.append(f"VENV={Path(sys.executable).parents[1]}")
    else:  # the same replicas, without the load balancer
        cmd = [sys.executable, "-c", _REPLICAS_ONLY, str(shared_root), *map(str, replicas)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    waiting = set(replicas) | ({port} if with_nginx else set())
    while waiting and time.monotonic() < deadline and proc.poll() is None:
        waiting = {p for p in waiting if not _healthy(p)}
        time.sleep(0.5)
    if waiting:
        stop_group(proc)
        raise RuntimeError("the cluster did not start: " + proc.stderr.read()[-3000:])
    yield Cluster(port if with_nginx else None, replicas, shared_root, proc)
    stop_group(proc)


# Two replicas started as the launcher starts them, for machines without nginx.
_REPLICAS_ONLY = """
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


@pytest.fixture
def nginx_cluster(cluster) -> Cluster:
    if cluster.port is None:
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run does): `make cluster` tests skipped")
    return cluster
