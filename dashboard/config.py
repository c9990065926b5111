"""Deployment settings from data/deployment.yaml (or the file named by $ENCOUNTERS_CONFIG)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from dashboard.paths import REPO_DATA_DIR


def _config_path() -> Path:
    return Path(os.environ.get("ENCOUNTERS_CONFIG") or REPO_DATA_DIR / "deployment.yaml")


@lru_cache(maxsize=4)
def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def settings() -> dict:
    return _load(_config_path())


def district_layers() -> list[tuple[str, object]]:
    """(label format, boundaries) for each council-district layer the deployment assigns at publish."""
    from dashboard.geo import load_boundaries

    out = []
    for layer in settings().get("district_layers", []):
        path = REPO_DATA_DIR / layer["file"]
        out.append((layer["label"], load_boundaries(path, id_property=layer.get("id_property", "district"))))
    return out


def corrections_contact() -> str:
    return settings().get("corrections_contact", "")


def default_dataset(names: list[str]) -> str:
    """The dataset a visitor sees at `/`: the deployment's choice when it is published, else the
    demonstration data (tests publish only that), else the first published one."""
    for wanted in (settings().get("default_dataset"), "demo"):
        if wanted in names:
            return wanted
    return names[0]


DEFAULT_MAX_DECOMPRESSED_MB = 1000


DEFAULT_MAX_JSON_MB = 100


def max_json_bytes() -> int:
    """The largest JSON text the reader takes (setting `max_json_mb`). JSON is parsed whole, and its
    records take about seven times the file's size in memory (70 MB of records: 640 MB to validate), so
    a larger file is refused, naming it, before any of it is read: at this default validating stays
    under 1 GB, as for a compressed file."""
    return int(float(settings().get("max_json_mb", DEFAULT_MAX_JSON_MB)) * 1_000_000)


def max_decompressed_bytes() -> int:
    """The most a .gz input may expand to (setting `max_decompressed_mb`): a 10 MB gzip can hold
    gigabytes, and the reader refuses it as soon as its output passes this, before using more memory."""
    return int(float(settings().get("max_decompressed_mb", DEFAULT_MAX_DECOMPRESSED_MB)) * 1_000_000)


DEFAULT_DOWNLOAD_CACHE_MB = 256


def download_cache_bytes() -> int:
    """Memory each server process keeps for recent downloads shared by visitors of the same view
    (setting `download_cache_mb`). A file up to half of it is kept: at the default, the whole ICE
    FY2019 CSV (56 MB), which a spike's visitors of an unfiltered link all press."""
    return int(float(settings().get("download_cache_mb", DEFAULT_DOWNLOAD_CACHE_MB)) * 2**20)


DEFAULT_SWITCH_INTERVAL_MS = 50


def switch_interval_s() -> float:
    """How long a thread of the server may keep Python's lock while another waits (setting
    `switch_interval_ms`; Python's own default is 5 ms). Every visitor's script runs in its own thread
    of one process, and each hand-over of the lock may wait for the operating system to schedule the
    other thread: with two replicas busy on two cores, hand-overs every 5 ms left each replica idle half
    the time while its visitors waited (benchmarks/RESULTS.md, "Capacity figures")."""
    return float(settings().get("switch_interval_ms", DEFAULT_SWITCH_INTERVAL_MS)) / 1000
