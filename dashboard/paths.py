"""Where things live. Reference files always come from the repo; datasets can live elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
REPO_DATA_DIR = REPO_DIR / "data"
REFERENCE_DIR = REPO_DATA_DIR / "reference"
MAPPINGS_DIR = REPO_DATA_DIR / "mappings"
SOURCES_DIR = REPO_DATA_DIR / "sources"
DEFAULT_DATASETS_DIR = REPO_DATA_DIR / "datasets"


def datasets_dir(override: str | os.PathLike | None = None) -> Path:
    """The directory of published datasets: --data-dir, else $ENCOUNTERS_DATA_DIR, else data/datasets."""
    if override:
        return Path(override)
    env = os.environ.get("ENCOUNTERS_DATA_DIR")
    return Path(env) if env else DEFAULT_DATASETS_DIR
