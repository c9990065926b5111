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
