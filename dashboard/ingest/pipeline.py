"""read -> map -> validate -> clean/enrich -> publish, as the CLI and the Contribute page both run it.

Rows in = rows published + rows quarantined, always: a row is never dropped without a reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard import store
from dashboard.config import district_layers
from dashboard.ingest.clean import clean
from dashboard.ingest.read import ReadReport, read_table
from dashboard.ingest.validate import Validation, validate


@dataclass
class Prepared:
    source: str
    report: ReadReport
    validation: Validation
    raw: pd.DataFrame  # the invalid rows as read, before mapping (what the contributor will fix)
    file_hash: str
    mapping: str | None = None
    mapping_hash: str | None = None
    records: pd.DataFrame | None = None  # cleaned valid rows, once clean() has run
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> pd.DataFrame:
        return self.validation.problems

    def counts(self) -> dict[str, int]:
        return self.validation.counts()

    def quarantine(self) -> pd.DataFrame:
        """Invalid rows as they were read, with their spreadsheet row number and every reason."""
        reasons = (
            self.problems.assign(text=self.problems["column"] + ": " + self.problems["reason"].astype(str))
            .groupby("row")["text"]
            .agg(" ; ".join)
        )
        rows = self.raw.copy()
        rows.insert(0, "problems", rows["_row"].map(reasons).fillna(""))
        rows.insert(0, "row", rows.pop("_row"))
        return rows.drop(columns=[c for c in rows.columns if c == "_read_error"])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def problem_summary(problems: pd.DataFrame, max_rows: int = 10) -> pd.DataFrame:
    """One line per (column, value, reason): how many rows, and the first few of them."""
    if problems.empty:
        return pd.DataFrame(columns=["column", "value", "reason", "count", "rows"])
    grouped = problems.groupby(["column", "value", "reason"], sort=False, dropna=False)["row"]
    out = grouped.agg(
        count="size", rows=lambda r: ", ".join(map(str, r.iloc[:max_rows])) + (" ..." if len(r) > max_rows else "")
    )
    return out.reset_index().sort_values("count", ascending=False, kind="stable")


def prepare(path: str | Path, mapping: str | Path | None = None, with_records: bool = True) -> Prepared:
    """Read, map and validate a file; clean the valid rows unless with_records is False (validate only).

    Raises FileUnusable (from read or map) when the file as a whole cannot be used.
    """
    path = Path(path)
    raw, report = read_table(path)
    frame, notes, hints, mapping_hash = raw, [], None, None
    if mapping is not None:
        from dashboard.ingest.mapping import apply_mapping, load_mapping

        spec = load_mapping(mapping)
        mapping_hash = file_sha256(spec.path)
        frame, notes = apply_mapping(raw, spec, source=path.name)
        # The quarantine keeps rows as read, for fixing; never with the columns the mapping keeps out.
        personal = {*spec.exclude, *spec.redact.get("names_from", ())}
        raw = raw.drop(columns=[c for c in raw.columns if c in personal])
        # A value the mapping does not translate reaches validation as it is; say where to add it.
        hints = {column: f"add it to values.{column} in {spec.name}" for column in spec.values}
    validation = validate(frame, source=path.name, hints=hints)
    del frame  # validation.parsed has every value now
    # Only the quarantine needs rows as read: keeping just the invalid ones frees a copy of the file's
    # text (about 1.5 GB for a million rows) before cleaning makes the records.
    raw = raw.loc[validation.invalid_rows]
    prepared = Prepared(
        source=path.name,
        report=report,
        validation=validation,
        raw=raw,
        file_hash=file_sha256(path),
        mapping=str(mapping) if mapping else None,
        mapping_hash=mapping_hash,
        notes=notes + validation.notes,
    )
    if with_records:
        clean_valid(prepared)
    return prepared


def clean_valid(prepared: Prepared) -> Prepared:
    """Clean and enrich the rows that passed validation into the records to publish (prepare's last
    step, apart so that a page can show it as a step of its own)."""
    parsed, invalid = prepared.validation.parsed, prepared.validation.invalid_rows
    # Every row valid (the usual large file): no copy of the parsed values; clean() copies on write.
    valid = parsed if not invalid.any() else parsed.loc[~invalid].reset_index(drop=True)
    prepared.records = clean(valid, district_layers=district_layers())
    return prepared


def publish_prepared(prepared: Prepared, root: Path, name: str, who: str = "", metadata: dict | None = None) -> dict:
    quarantine = prepared.quarantine()
    records = prepared.records
    assert len(records) + len(quarantine) == prepared.counts()["rows_in"], "row accounting broke"
    info = {
        "action": "publish",
        "published_by": who,
        "input_file": prepared.source,
        "input_sha256": prepared.file_hash,
        "mapping": Path(prepared.mapping).name if prepared.mapping else None,
        "mapping_sha256": prepared.mapping_hash,
        "rows_in": prepared.counts()["rows_in"],
    }
    return store.publish(root, name, records, quarantine, info, metadata=metadata)


def diff_prepared(prepared: Prepared, root: Path, name: str) -> store.Changes:
    version = store.current_version(root, name)
    old = store.load_records(root, name, version) if version else None
    return store.diff_records(old, prepared.records)
