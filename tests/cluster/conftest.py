"""Two replicas of the app on one data directory: `make cluster REPLICAS=2` (nginx in front), or, where
nginx is not installed, the two Streamlit processes alone (the nginx tests then skip)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cluster_support import REPLICAS_ONLY, Cluster, free_block, healthy, launcher, stop_group
from support import REPO


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
        cmd = [sys.executable, "-c", REPLICAS_ONLY, str(shared_root), *map(str, replicas)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    waiting = set(replicas) | ({port} if with_nginx else set())
    while waiting and time.monotonic() < deadline and proc.poll() is None:
        waiting = {p for p in waiting if not healthy(p)}
        time.sleep(0.5)
    if waiting:
        stop_group(proc)
        raise RuntimeError("the cluster did not start: " + proc.stderr.read()[-3000:])
    yield Cluster(port if with_nginx else None, replicas, shared_root, proc)
    stop_group(proc)


@pytest.fixture
def nginx_cluster(cluster) -> Cluster:
    if cluster.port is None:
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run does): `make cluster` tests skipped")
    return cluster
