"""Publish the datasets this repo ships (data/sources/*) into the datasets directory, if needed.

Each data/sources/<name>/ folder has a metadata.yaml naming its input file and, for a foreign
format, its mapping. A dataset is published again only when its input file changed, so
`make run` is quick after the first time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from dashboard import store
from dashboard.paths import MAPPINGS_DIR, SOURCES_DIR, datasets_dir


def shipped_sources() -> list[tuple[str, Path, dict]]:
    out = []
    for meta_path in sorted(SOURCES_DIR.glob("*/metadata.yaml")):
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        out.append((meta_path.parent.name, meta_path.parent / meta["input_file"], meta))
    return out


def build(root: Path | None = None, names: list[str] | None = None, quiet: bool = False) -> dict[str, int]:
    """Publish each shipped dataset whose input changed. Returns name -> current version."""
    from dashboard.ingest.pipeline import file_sha256, prepare, publish_prepared, published_line

    root = Path(root) if root else datasets_dir()
    versions = {}
    for name, path, meta in shipped_sources():
        if names and name not in names:
            continue
        metadata = {k: v for k, v in meta.items() if k not in ("input_file", "mapping")}
        store.write_metadata(root, name, metadata)  # the repo's metadata file is the one to edit
        current = store.current_version(root, name)
        mapping = MAPPINGS_DIR / meta["mapping"] if meta.get("mapping") else None
        wanted = {"input_sha256": file_sha256(path), "mapping_sha256": file_sha256(mapping) if mapping else None}
        if current:
            manifest = store.read_manifest(root, name, current)
            if all(manifest.get(k) == v for k, v in wanted.items()):  # same input, same mapping
                versions[name] = current
                continue
        prepared = prepare(path, mapping=mapping)
        manifest = publish_prepared(prepared, root, name, who="make data")
        versions[name] = manifest["version"]
        if not quiet:
            print(f"published {name} v{manifest['version']}: {published_line(manifest)}")
    return versions


if __name__ == "__main__":
    build(names=sys.argv[1:] or None)
