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


def trusted_proxies() -> int:
    """How many proxies (load balancers) in front of the app append the client's address to
    X-Forwarded-For. 0: the app is reached directly, and that header is not trusted."""
    return int(settings().get("trusted_proxies", 0) or 0)


def default_dataset(names: list[str]) -> str:
    """The dataset a visitor sees at `/`: the deployment's choice when it is published, else the
    demonstration data (tests publish only that), else the first published one."""
    for wanted in (settings().get("default_dataset"), "demo"):
        if wanted in names:
            return wanted
    return names[0]
